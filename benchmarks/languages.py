"""Quality beyond English: the same articles and notes in English, French, Spanish, Russian and
Arabic, through the naive call, llm_extract and its chunk fallback, same model, same run.

    python benchmarks/languages.py [--data DIR] [--langs en,fr,es,ru,ar]
                                   [--systems naive,llm_extract,chunks] [--articles N] [--notes N]
                                   [--base-url URL --model NAME] [--out DIR] [--dry-run | --fake]

The dev set is the team's own translations of internal dev data (issue 33), so it lives outside
the repository, by default in ``../devsets/multilingual`` (its README says how it was made):
``wikievents.jsonl`` (WikiEvents dev articles, one line per article and language, translated
sentence entry by sentence entry, with the gold triggers' sentence indexes) and
``acled_notes.jsonl`` (ACLED dev notes from quality.py's check/strat-check splits, with the
row's gold and publication date). English is the original text, in the same files, so every
language goes through the same code. Every line says ``translation`` and its ``source_id``.

Systems: ``naive`` (quality.py's one instructor call), ``llm_extract`` (the default extractor
with find-fill, each document's language detected) and ``chunks`` (find-fill whose find pass finds
nothing, so a long text is read in chunks: what a language without word lists gets; notes are
not run, as a note goes whole either way). Articles are scored as quality.py scores WikiEvents:
a gold event is found when a record's evidence overlaps its trigger's sentence, mapped by
sentence index onto the translated text (sentence entries joined by a space); a record is
correct when its evidence overlaps some gold sentence. Notes are scored by field accuracy
(llm_extract.evaluation); the language-independent fields (event type, sub-type, date,
fatalities) are shown apart, since actor and place names are compared with English gold strings.
Each measure prints one table: English, each language and its difference to English, and each
system's ratio to naive from the same run. Per-document predictions go to ``benchmarks/out/``.

``--dry-run`` checks the dev set and the scoring without a model (sentence counts equal across
languages, gold sentence indexes in range, every note with its gold, the gold matching
``../shared/eval`` where present, perfect predictions scoring 1.0); ``--fake`` runs every system
against llm_extract's in-memory fake server, to check the plumbing (its numbers mean nothing).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import quality
from langset import articles, check_devset, notes
from quality import NAIVE_SYSTEM, OUT, WikiMention, extractor_runner, run_naive, safe, wiki_scores

from llm_extract import Document, ExtractionResult, Extractor
from llm_extract.backends import Backend, resolve_backend
from llm_extract.evaluation import GoldDocument, Prediction, score
from llm_extract.strategies import FindThenFill

if TYPE_CHECKING:
    from llm_extract.core.pieces import Chunk
    from llm_extract.core.registry import Schema

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "devsets" / "multilingual"
LANGS = ("en", "fr", "es", "ru", "ar")
SYSTEMS = ("naive", "llm_extract", "chunks")
INDEPENDENT = ("event_type", "sub_event_type", "date", "fatalities")

Runner = Callable[[GoldDocument], Prediction]


class ChunkFallback(FindThenFill):
    """find-fill with a find pass that finds nothing: a long text is read in chunks, as a
    language the codebook has no word lists for is (the finishing rules still apply)."""

    def plan(
        self, doc: Document, *, chunk_chars: int, overlap: int, schema: Schema | None = None
    ) -> list[Chunk]:
        # No schema for the plan: no pack, no cue word, so FindThenFill falls back to chunks.
        return super().plan(doc, chunk_chars=chunk_chars, overlap=overlap, schema=None)

    def describe(self) -> str:
        return f"{super().describe()}, find pass off: a long text goes in chunks"


# --- running --------------------------------------------------------------------------------


def make_runners(
    backend: Backend, systems: list[str], results: dict[str, dict[str, ExtractionResult]]
) -> dict[str, Runner]:
    runners: dict[str, Runner] = {}
    for name in systems:
        if name == "naive":
            runners[name] = run_naive(backend)
            continue
        # find-fill by name: the embedded backend's default, and what the fallback departs from
        # (an OpenAI-compatible server defaults to single pass).
        strategy = ChunkFallback() if name == "chunks" else FindThenFill()
        extractor = Extractor("conflict_events", backend=backend, strategy=strategy)
        print(f"{name}: {extractor.strategy.describe()}")
        runners[name] = extractor_runner(extractor, results.setdefault(name, {}))
    return runners


def measure(
    name: str,
    docs: list[GoldDocument],
    run: Runner,
    path: Path,
    results: dict[str, ExtractionResult],
) -> dict[str, Prediction]:
    """Run ``docs``; one line per document in ``path``: records, cost, the detected language."""
    preds: dict[str, Prediction] = {}
    with path.open("w", encoding="utf-8") as log:
        for i, doc in enumerate(docs, 1):
            preds[doc.id] = p = run(doc)
            result = results.get(doc.id)
            row = {"id": doc.id, "error": p.error, "seconds": round(p.seconds, 2),
                   "prompt_tokens": p.prompt_tokens, "completion_tokens": p.completion_tokens,
                   "requests": requests(name, doc.id, results),
                   "language": result.language if result else None,
                   "pieces": result.chunks if result else None,
                   "notes": result.notes if result else [],
                   "dropped_records": len(result.dropped_records) if result else 0,
                   "events": [e.__dict__ for e in p.events]}  # fmt: skip
            log.write(json.dumps(row, default=str, ensure_ascii=False) + "\n")
            log.flush()
            error = f" ERROR {p.error}" if p.error else ""
            print(f"  {name} {i}/{len(docs)} {doc.id}: {len(p.events)} events, "
                  f"{p.seconds:.1f} s{error}", file=sys.stderr)  # fmt: skip
    return preds


def requests(name: str, doc_id: str, results: dict[str, ExtractionResult]) -> int:
    if name == "naive":
        return 1
    result = results.get(doc_id)
    return result.attempts.requests if result else 0


def cost(preds: dict[str, Prediction], reqs: list[int]) -> dict[str, float]:
    n = max(len(preds), 1)
    return {
        "seconds": sum(p.seconds for p in preds.values()) / n,
        "prompt tokens": sum(p.prompt_tokens for p in preds.values()) / n,
        "completion tokens": sum(p.completion_tokens for p in preds.values()) / n,
        "requests": sum(reqs) / n,
        "errors": sum(p.error is not None for p in preds.values()),
    }


def article_scores(preds: dict[str, Prediction], gold: dict[str, list[WikiMention]],
                   reqs: list[int]) -> dict[str, float]:  # fmt: skip
    s = wiki_scores(preds, gold)
    out = {k: float(s[k]) for k in ("recall", "precision", "f1")}
    out["recall (model-cited only)"] = float(s["recall (model-cited only)"])
    out["records"] = float(s["records"])
    return out | cost(preds, reqs)


def note_scores(docs: list[GoldDocument], preds: dict[str, Prediction],
                reqs: list[int]) -> dict[str, float]:  # fmt: skip
    report = score(docs, preds)
    independent = [report.fields[f] for f in INDEPENDENT if f in report.fields]
    out = {"mean field accuracy": report.mean_field_accuracy,
           "language-independent fields": statistics.fmean(independent) if independent else 0.0,
           "record precision": report.precision, "record recall": report.recall}  # fmt: skip
    return out | {f: v for f, v in report.fields.items()} | cost(preds, reqs)


# --- tables ---------------------------------------------------------------------------------


def table(title: str, values: dict[str, dict[str, float]], langs: list[str]) -> list[str]:
    """One measure: a row per system (English, then each language and its difference to
    English), then each system's ratio to naive, language by language."""
    head, rule = ["system"], ["---"]
    for lang in langs:
        head.append(lang)
        if lang != "en" and "en" in langs:
            head.append(f"{lang}−en")
    rule = ["---"] * len(head)
    lines = [f"\n{title}", "| " + " | ".join(head) + " |", "|" + "|".join(rule) + "|"]
    for name, by_lang in values.items():
        cells = [name]
        for lang in langs:
            cells.append(number(by_lang[lang]))
            if lang != "en" and "en" in langs:
                cells.append(number(by_lang[lang] - by_lang["en"], sign="+"))
        lines.append("| " + " | ".join(cells) + " |")
    naive = values.get("naive")
    for name, by_lang in values.items():
        if naive is None or name == "naive":
            continue
        cells = [f"{name} ÷ naive"]
        for lang in langs:
            base = naive[lang]
            cells.append(f"{by_lang[lang] / base:.2f}x" if base else "–")
            if lang != "en" and "en" in langs:
                cells.append("")
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def number(value: float, sign: str = "") -> str:
    return f"{value:{sign}.3f}" if abs(value) < 10 else f"{value:{sign}.0f}"


def print_tables(kind: str, scores: dict[str, dict[str, dict[str, float]]], langs: list[str],
                 what: str) -> None:  # fmt: skip
    if not scores:
        return
    keys = list(next(iter(next(iter(scores.values())).values())))
    for key in keys:
        values = {name: {lang: s[lang][key] for lang in langs} for name, s in scores.items()}
        print("\n".join(table(f"### {kind}: {key} ({what})", values, langs)))


# --- checks without a model -----------------------------------------------------------------


def dry_run(data: Path, langs: list[str], eval_dir: Path) -> int:
    found = eval_dir if (eval_dir / "acled_dev.csv").exists() else None
    problems = check_devset(data, langs, found)
    print(f"checked against {found}" if found else f"{eval_dir} absent: sources not compared")
    for problem in problems:
        print(f"PROBLEM {problem}")
    if not problems:
        finder = Extractor("conflict_events", backend=fake_backend(), strategy=FindThenFill())
        for lang in langs:
            docs, gold = articles(data, lang, None)
            note_docs = notes(data, lang, None)
            kinds = {d.events[0].event_type for d in note_docs}
            n_gold = sum(len(g) for g in gold.values())
            print(f"{lang}: {len(docs)} articles ({n_gold} gold events, "
                  f"{sum(len(d.text) for d in docs)} chars), {len(note_docs)} notes "
                  f"({len(kinds)} event types); {find_coverage(finder, docs, gold)}")  # fmt: skip
    print(f"dry run: {len(problems)} problems")
    return 1 if problems else 0


def find_coverage(
    finder: Extractor, docs: list[GoldDocument], gold: dict[str, list[WikiMention]]
) -> str:
    """What the find pass (no model) would send of the articles: gold events inside a piece,
    the pieces, the share of the text sent, the languages detected."""
    covered = pieces = sent = total = 0
    detected = set()
    for doc in docs:
        document = finder.with_language(Document.from_text(doc.text, id=doc.id))
        detected.add(document.language)
        planned = finder.plan(document)
        spans = [(p.start, p.end) for p in planned]
        covered += sum(any(s < m.sentence[1] and m.sentence[0] < e for s, e in spans)
                       for m in gold[doc.id])  # fmt: skip
        pieces += len(planned)
        sent += sum(e - s for s, e in spans)
        total += len(doc.text)
    return (f"find pass (no model): {covered}/{sum(len(g) for g in gold.values())} gold events "
            f"in {pieces} pieces, {sent / max(total, 1):.0%} of the text sent, detected "
            f"{', '.join(sorted(str(d) for d in detected))}")  # fmt: skip


def fake_backend() -> Backend:
    """llm_extract's in-memory fake server: the naive call gets one event quoting the text's
    first words, llm_extract an empty answer. For the plumbing only."""
    from llm_extract.testing.fakes import FakeBackend, FakeServer

    def respond(body: dict[str, Any]) -> dict[str, Any]:
        messages = body["messages"]
        if messages[0]["content"] != NAIVE_SYSTEM:
            return {"records": []}
        text = messages[-1]["content"].split("\n", 1)[-1]
        event = {"event_type": "Battles", "sub_event_type": "Armed clash",
                 "event_date": None, "location": None, "actor1": "x", "actor2": None,
                 "fatalities": None, "quote": text[:20]}  # fmt: skip
        return {"events": [event]}

    server = FakeServer()
    server.responder = respond
    return FakeBackend(server)


# --- main -----------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--langs", default=",".join(LANGS))
    parser.add_argument("--systems", default=",".join(SYSTEMS))
    parser.add_argument("--articles", type=int, help="the first N articles (default: all)")
    parser.add_argument("--notes", type=int, help="the first N notes (default: all)")
    parser.add_argument("--base-url")
    parser.add_argument("--model")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--dry-run", action="store_true", help="check the dev set, no model")
    parser.add_argument(
        "--eval", type=Path, default=quality.EVAL, help="the sources, for --dry-run to compare"
    )
    parser.add_argument("--fake", action="store_true", help="run against a fake server")
    args = parser.parse_args(argv)
    langs, systems = args.langs.split(","), args.systems.split(",")
    unknown = sorted(set(langs) - set(LANGS)) + sorted(set(systems) - set(SYSTEMS))
    if unknown:
        raise SystemExit(f"Unknown language or system: {', '.join(unknown)}")
    if args.dry_run:
        return dry_run(args.data, langs, args.eval)
    args.out.mkdir(parents=True, exist_ok=True)
    if args.fake:
        backend = fake_backend()
    else:
        backend = resolve_backend(base_url=args.base_url, model=args.model)
    print(f"model: {backend.label}; data: {args.data} (translations: see its README)")
    if not args.fake:  # warm up: the server starts outside the timings
        backend.client(600).chat.completions.create(
            model=backend.model, messages=[{"role": "user", "content": "hi"}], max_tokens=1
        )
    results: dict[str, dict[str, ExtractionResult]] = {}
    runners = make_runners(backend, systems, results)
    wiki: dict[str, dict[str, dict[str, float]]] = {}
    acled: dict[str, dict[str, dict[str, float]]] = {}
    n_art = n_notes = 0
    for lang in langs:
        if args.articles != 0:
            docs, gold = articles(args.data, lang, args.articles)
            n_art = len(docs)
            for name, run in runners.items():
                path = args.out / f"languages-articles-{lang}-{safe(name)}.jsonl"
                preds = measure(name, docs, run, path, results.get(name, {}))
                reqs = [requests(name, d.id, results.get(name, {})) for d in docs]
                wiki.setdefault(name, {})[lang] = article_scores(preds, gold, reqs)
        if args.notes != 0:
            note_docs = notes(args.data, lang, args.notes)
            n_notes = len(note_docs)
            for name, run in runners.items():
                if name == "chunks":  # a note goes out whole: the same requests as llm_extract
                    continue
                path = args.out / f"languages-notes-{lang}-{safe(name)}.jsonl"
                preds = measure(name, note_docs, run, path, results.get(name, {}))
                reqs = [requests(name, d.id, results.get(name, {})) for d in note_docs]
                acled.setdefault(name, {})[lang] = note_scores(note_docs, preds, reqs)
    print(f"\n== languages: model {backend.label}; {n_art} articles, {n_notes} notes per language"
          f"; translations of dev data in {args.data} ==")  # fmt: skip
    print_tables("Articles", wiki, langs, f"{n_art} WikiEvents articles; per article")
    print_tables("Notes", acled, langs, f"{n_notes} ACLED notes; per note")
    summary = {"model": backend.label, "data": str(args.data), "articles": wiki, "notes": acled}
    (args.out / "languages-summary.json").write_text(json.dumps(summary, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
