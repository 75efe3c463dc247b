"""A quick cut of benchmarks/languages.py (one article, six notes): the same articles and notes in
English, French, Spanish, Russian and Arabic, through llm_extract and the naive call, on the same
model in the same run. The numbers in the README's language table come from this one.

    python benchmarks/languages_quick.py [--data DIR] [--langs en,fr,es,ru,ar]
                                   [--systems naive,llm_extract,chunks] [--notes N] [--articles N]
                                   [--base-url URL --model NAME]

The translations are the team's own, written for issue 33 from internal dev data (so they are
kept outside the repository, by default in ``../devsets/multilingual``): a WikiEvents dev
article translated sentence by sentence (``articles.json``: doc id -> language -> sentences, the
same count and order as the original, so each gold trigger's sentence carries over by index)
and ACLED dev notes (``notes.json``: row id -> language -> text; the gold is the row's). The
English side is the original text, read from ``../shared/eval`` as quality.py reads it.

Systems: ``naive`` (quality.py's one instructor call), ``llm_extract`` (the default extractor:
find-fill, each document's language detected), ``chunks`` (the single-pass strategy: what a
language the codebook has no word lists for falls back to; articles only, since a short note
goes whole either way). Articles are scored as quality.py scores WikiEvents (grounded event
recall and precision), notes by field accuracy; ``language-independent`` fields (event type,
sub-type, date, fatalities) are shown apart, as actor and place names are compared with English
gold strings.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import quality
from quality import (
    OUT,
    GoldDocument,
    Prediction,
    WikiMention,
    acled_split,
    measure,
    run_extractor,
    run_naive,
    stratum,
    wiki_scores,
)

from llm_extract.backends import resolve_backend
from llm_extract.evaluation import score

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "devsets" / "multilingual"
WIKI_ROWS = {"65_VOA_EN_NW_2014.07.21.1962165": 18}  # line index in wikievents_dev.jsonl
INDEPENDENT = ("event_type", "sub_event_type", "date", "fatalities")


def articles(
    data: Path, language: str, limit: int
) -> tuple[list[GoldDocument], dict[str, list[WikiMention]]]:
    """The articles in ``language``: text joined by spaces, gold mentions moved by sentence."""
    translated = json.loads((data / "articles.json").read_text(encoding="utf-8"))
    docs, mentions = [], {}
    for doc_id in list(translated)[:limit]:
        (english,), gold = quality.wikievents(1, WIKI_ROWS[doc_id])
        assert english.id == doc_id, (english.id, doc_id)
        raw = json.loads(
            (quality.EVAL / "wikievents_dev.jsonl")
            .read_text(encoding="utf-8")
            .splitlines()[WIKI_ROWS[doc_id]]
        )
        original = [s[1] for s in raw["sentences"]]
        sentences = original if language == "en" else translated[doc_id][language]
        if len(sentences) != len(original):
            raise SystemExit(
                f"{doc_id} {language}: {len(sentences)} sentences, not {len(original)}"
            )
        starts_en = [sum(len(s) + 1 for s in original[:i]) for i in range(len(original))]
        starts = [sum(len(s) + 1 for s in sentences[:i]) for i in range(len(sentences))]
        moved = []
        for m in gold[doc_id]:
            i = starts_en.index(m.sentence[0])
            span = (starts[i], starts[i] + len(sentences[i]))
            moved.append(WikiMention(m.kind, span, m.actor, m.target, m.place))
        docs.append(GoldDocument(id=f"{doc_id}.{language}", text=" ".join(sentences), events=[]))
        mentions[f"{doc_id}.{language}"] = moved
    return docs, mentions


def notes(data: Path, language: str, limit: int) -> list[GoldDocument]:
    translated = json.loads((data / "notes.json").read_text(encoding="utf-8"))
    gold = {d.id: d for d in acled_split("strat-check", None, 5)}
    docs = []
    for row_id in list(translated)[:limit]:
        doc = gold[row_id]
        text = doc.text if language == "en" else translated[row_id][language]
        docs.append(doc.model_copy(update={"text": text, "id": f"{row_id}.{language}"}))
    return docs


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--langs", default="en,fr,es,ru,ar")
    parser.add_argument("--systems", default="naive,llm_extract,chunks")
    parser.add_argument("--notes", type=int, default=6)
    parser.add_argument("--articles", type=int, default=1)
    parser.add_argument("--base-url")
    parser.add_argument("--model")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    backend = resolve_backend(base_url=args.base_url, model=args.model)
    backend.client(600).chat.completions.create(  # warm up: the server starts outside timings
        model=backend.model, messages=[{"role": "user", "content": "hi"}], max_tokens=1
    )
    systems = args.systems.split(",")
    runners: dict[str, Callable[[GoldDocument], Prediction]] = {
        "naive": run_naive(backend),
        "llm_extract": run_extractor(backend, "find-fill", None, None),
        "chunks": run_extractor(backend, "single", None, None),
    }
    langs = args.langs.split(",")
    wiki: dict[str, dict[str, dict[str, float]]] = {}
    secs: dict[str, dict[str, str]] = {}
    fields: dict[str, dict[str, tuple[float, float]]] = {}
    for lang in langs:
        if args.articles:
            docs, mentions = articles(args.data, lang, args.articles)
            for name in systems:
                preds = measure(name, docs, runners[name], f"lang-{lang}-articles")
                wiki.setdefault(name, {})[lang] = wiki_scores(preds, mentions)
                n = len(preds)
                secs.setdefault(name, {})[lang] = (
                    f"{sum(p.seconds for p in preds.values()) / n:.0f} s, "
                    f"{sum(p.prompt_tokens + p.completion_tokens for p in preds.values()) / n:.0f}"
                    " tok"
                )
        if args.notes:
            docs = notes(args.data, lang, args.notes)
            for name in systems:
                if name == "chunks":
                    continue
                preds = measure(name, docs, runners[name], f"lang-{lang}-notes")
                report = score(docs, preds)
                indep = [report.fields[f] for f in INDEPENDENT if f in report.fields]
                fields.setdefault(name, {})[lang] = (
                    report.mean_field_accuracy,
                    sum(indep) / max(len(indep), 1),
                )
    print(f"\nmodel: {backend.label}; data: {args.data} (translations, see its README)")
    if wiki:
        print("\nArticles: grounded event recall / precision (difference to English recall)")
        print("| system | " + " | ".join(langs) + " |")
        print("|---|" + "---|" * len(langs))
        for name, by_lang in wiki.items():
            base = by_lang.get("en", {}).get("recall")
            cells = []
            for lang in langs:
                s = by_lang[lang]
                diff = f" ({s['recall'] - base:+.2f})" if base is not None and lang != "en" else ""
                cells.append(f"{s['recall']:.2f} / {s['precision']:.2f}{diff}")
            print(f"| {name} | " + " | ".join(cells) + " |")
        print("\nArticles: seconds and tokens per article")
        print("| system | " + " | ".join(langs) + " |")
        print("|---|" + "---|" * len(langs))
        for name, by_lang in secs.items():
            print(f"| {name} | " + " | ".join(by_lang[lang] for lang in langs) + " |")
    if fields:
        kinds = sorted({stratum(d) for d in notes(args.data, "en", args.notes)})
        print(f"\nNotes ({args.notes}; types: {', '.join(kinds)}): mean field accuracy / "
              "language-independent fields (difference to English)")  # fmt: skip
        print("| system | " + " | ".join(langs) + " |")
        print("|---|" + "---|" * len(langs))
        for name, by_lang in fields.items():
            base = by_lang.get("en", (None, None))[0]
            cells = []
            for lang in langs:
                mean, indep = by_lang[lang]
                diff = f" ({mean - base:+.2f})" if base is not None and lang != "en" else ""
                cells.append(f"{mean:.2f} / {indep:.2f}{diff}")
            print(f"| {name} | " + " | ".join(cells) + " |")
        if "naive" in fields and "llm_extract" in fields:
            print("\nllm_extract vs naive (mean field accuracy ratio): " + ", ".join(
                f"{lang} "
                f"{fields['llm_extract'][lang][0] / max(fields['naive'][lang][0], 1e-9):.2f}x"
                for lang in langs
            ))  # fmt: skip


if __name__ == "__main__":
    main()
