"""Extraction quality: a naive instructor call against llm_extract's default, same model, same docs.

    python benchmarks/quality.py [--split check|tune|strat-tune|strat-check|all|none]
                                 [--per-type N] [--limit N] [--types A,B]
                                 [--wikievents N [--wiki-skip K]]
                                 [--strategies naive,single,find-fill] [--template PATH]
                                 [--base-url URL --model NAME]

Gold comes from the internal development data in ``../shared/eval`` (never copied into the repo):
a fixed, seeded shuffle of ``acled_dev.csv``: ``tune`` (the first 40 documents, used while
changing the prompt in issue 3), ``check`` (the next 60, only measured). The rest is split by
event type (a document's first gold event): ``strat-tune`` takes the first ``--per-type`` of
each type (used while tuning issue 7), ``strat-check`` the next ``--per-type`` (only measured),
``strat-more`` the ones after that (more tuning data; Strategic developments has none left).
Stratified splits print a score per event type as well as the mean.

``--wikievents N`` runs N WikiEvents articles after the first ``--wiki-skip`` (default 0; the
first 4 and the last 6 were read while tuning issue 7; ``--wiki-skip 4`` gives the 10 others,
whose misses were read once, see the README), their sentences
joined by a space, as a news text has them (gold offsets mapped accordingly). Every mention of
Attack, Demonstrate, Die, Injure or ArrestJailDetain is a gold event, found when a record's
evidence overlaps the sentence of its trigger; a record is correct when its evidence overlaps
some gold event's sentence. It reports grounded event recall/precision/F1, and agreement on
actor, target and place for the events found; then recall/precision/F1 again counting only the
evidence the model cited (not the sentences the pipeline attached, ``alignment: attached``).

Strategies, side by side on the same model and documents: ``naive`` (one instructor
``JSON_SCHEMA`` call, flat pydantic schema with Literal types, a short system prompt listing the
fields, one attempt) and llm_extract's strategies by name (``single``, ``find-fill``; a
``:nocues`` suffix turns the codebook follow-ups off, the insisting one after an empty answer
too, as before issue 7; ``@path.j2`` gives that one strategy its
own template, and ``label=`` names its column, e.g. ``previous=single:nocues@old.j2``).
Per-document predictions go to ``benchmarks/out/`` for inspection.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import instructor
from pydantic import BaseModel, Field

from llm_extract import ExtractionResult, Extractor, LlmExtractError
from llm_extract.backends import Backend, resolve_backend
from llm_extract.evaluation import (
    GoldDocument,
    PredictedEvent,
    Prediction,
    Report,
    acled_csv_to_gold,
    format_report,
    from_result,
    read_event,
    score,
    write_breakdown,
)
from llm_extract.evaluation.compare import names_match
from llm_extract.strategies import FindThenFill, SinglePass, Strategy

ROOT = Path(__file__).resolve().parent.parent
EVAL = ROOT.parent / "shared" / "eval"
OUT = ROOT / "benchmarks" / "out"
SEED = 2026
TUNE, CHECK = 40, 60

EventType = Literal[
    "Battles", "Explosions/Remote violence", "Violence against civilians",
    "Protests", "Riots", "Strategic developments",
]  # fmt: skip
SubEventType = Literal[
    "Armed clash", "Government regains territory", "Non-state actor overtakes territory",
    "Chemical weapon", "Air/drone strike", "Suicide bomb", "Shelling/artillery/missile attack",
    "Remote explosive/landmine/IED", "Grenade", "Sexual violence", "Attack",
    "Abduction/forced disappearance", "Peaceful protest", "Protest with intervention",
    "Excessive force against protesters", "Violent demonstration", "Mob violence", "Agreement",
    "Arrests", "Change to group/activity", "Disrupted weapons use",
    "Headquarters or base established", "Looting/property destruction",
    "Non-violent transfer of territory", "Other",
]  # fmt: skip


class NaiveEvent(BaseModel):
    event_type: EventType
    sub_event_type: SubEventType
    event_date: str | None = Field(description="YYYY-MM-DD")
    location: str | None
    actor1: str
    actor2: str | None
    fatalities: int | None
    quote: str


class NaiveEvents(BaseModel):
    events: list[NaiveEvent]


NAIVE_SYSTEM = (
    "Extract the ACLED political violence and protest events reported in the text. For each "
    "event give: event_type, sub_event_type, event_date (YYYY-MM-DD), location (place name), "
    "actor1 (who acted), actor2 (the other side, or null), fatalities (number killed, or null), "
    "and quote (a verbatim quote from the text)."
)


def acled_split(split: str, limit: int | None, per_type: int) -> list[GoldDocument]:
    docs = sorted(acled_csv_to_gold(EVAL / "acled_dev.csv"), key=lambda d: d.id)
    random.Random(SEED).shuffle(docs)
    if split.startswith("strat-"):
        by_type: dict[str, list[GoldDocument]] = {}
        for doc in docs[TUNE + CHECK :]:
            by_type.setdefault(stratum(doc), []).append(doc)
        part = {
            "strat-tune": slice(0, per_type),
            "strat-check": slice(per_type, 2 * per_type),
            "strat-more": slice(2 * per_type, 3 * per_type),
        }[split]
        chosen = [doc for kind in sorted(by_type) for doc in by_type[kind][part]]
    else:
        chosen = {"tune": docs[:TUNE], "check": docs[TUNE : TUNE + CHECK], "all": docs}[split]
    return chosen[:limit] if limit else chosen


def stratum(doc: GoldDocument) -> str:
    return (doc.events[0].event_type if doc.events else None) or "none"


WIKI_KINDS = ("Conflict.Attack", "Conflict.Demonstrate", "Life.Die", "Life.Injure",
              "Justice.ArrestJailDetain")  # fmt: skip


@dataclass
class WikiMention:
    kind: str
    sentence: tuple[int, int]  # character span of the trigger's sentence in the spaced text
    actor: str | None
    target: str | None
    place: str | None


def wikievents(n: int, skip: int = 0) -> tuple[list[GoldDocument], dict[str, list[WikiMention]]]:
    """WikiEvents articles, sentences joined by a space, and their conflict mentions."""
    docs, mentions = [], {}
    for line in (
        (EVAL / "wikievents_dev.jsonl").read_text(encoding="utf-8").splitlines()[skip : skip + n]
    ):
        raw = json.loads(line)
        sentences = [s[1] for s in raw["sentences"]]
        starts = [sum(len(s) + 1 for s in sentences[:i]) for i in range(len(sentences))]
        found = []
        for mention in raw["event_mentions"]:
            kind = mention["event_type"].rsplit(".", 1)[0]
            if kind not in WIKI_KINDS:
                continue
            i = mention["trigger"]["sent_idx"]
            roles = {a["role"]: a["text"] for a in mention["arguments"]}
            found.append(WikiMention(
                kind=kind, sentence=(starts[i], starts[i] + len(sentences[i])),
                actor=roles.get("Attacker") or roles.get("Demonstrator") or roles.get("Jailer")
                or roles.get("Killer"),
                target=roles.get("Target") or roles.get("Victim") or roles.get("Detainee"),
                place=roles.get("Place"),
            ))  # fmt: skip
        text = " ".join(sentences)
        docs.append(GoldDocument(id=raw["doc_id"], text=text, events=[]))
        mentions[raw["doc_id"]] = found
    return docs, mentions


def _overlaps(spans: list[tuple[int, int]], span: tuple[int, int]) -> bool:
    return any(s < span[1] and span[0] < e for s, e in spans)


def wiki_scores(
    preds: dict[str, Prediction], mentions: dict[str, list[WikiMention]]
) -> dict[str, float]:
    """Grounded recall/precision/F1 and argument agreement; the same again counting only the
    evidence the model cited (without what the pipeline attached, ``alignment: attached``)."""
    out = _wiki_scores(preds, mentions, lambda e: e.spans)
    own = _wiki_scores(preds, mentions, lambda e: [s for s in e.spans if s not in e.attached])
    for key in ("found", "recall", "precision", "f1"):
        out[f"{key} (model-cited only)"] = own[key]
    return out


def _wiki_scores(
    preds: dict[str, Prediction],
    mentions: dict[str, list[WikiMention]],
    spans: Callable[[PredictedEvent], list[tuple[int, int]]],
) -> dict[str, float]:
    gold = found = records = correct = 0
    agree = {"actor": [0, 0], "target": [0, 0], "place": [0, 0]}
    for doc_id, golds in mentions.items():
        events = preds[doc_id].events
        records += len(events)
        correct += sum(any(_overlaps(spans(e), m.sentence) for m in golds) for e in events)
        for m in golds:
            gold += 1
            hits = [e for e in events if _overlaps(spans(e), m.sentence)]
            if not hits:
                continue
            found += 1
            for name, value in (("actor", m.actor), ("target", m.target), ("place", m.place)):
                if value:
                    agree[name][1] += 1
                    agree[name][0] += any(_agrees(e, name, value) for e in hits)
    recall, precision = found / max(gold, 1), correct / max(records, 1)
    out = {"gold_events": gold, "found": found, "records": records, "recall": recall,
           "precision": precision,
           "f1": 2 * recall * precision / max(recall + precision, 1e-9)}  # fmt: skip
    for name, (hit, total) in agree.items():
        out[f"{name}_agree"] = f"{hit}/{total}"  # type: ignore[assignment]
    return out


def _agrees(event: PredictedEvent, role: str, value: str) -> bool:
    if role == "place":
        return names_match(event.place, value)
    # An actor is its name and its associated actors: ACLED codes a driver who was shot as
    # "Civilians" associated with "Motorcycle driver".
    actors = [n for a in (event.actor1, event.actor2) if a for n in (a[0], *a[1])]
    return any(names_match(a, value) for a in actors)


def run_naive(backend: Backend) -> Callable[[GoldDocument], Prediction]:
    client = instructor.from_openai(backend.client(600), mode=instructor.Mode.JSON_SCHEMA)

    def run(doc: GoldDocument) -> Prediction:
        started = time.perf_counter()
        messages = [{"role": "system", "content": NAIVE_SYSTEM}]
        if doc.published:
            messages.append({"role": "user", "content": f"Published: {doc.published}\n{doc.text}"})
        else:
            messages.append({"role": "user", "content": doc.text})
        try:
            result, completion = client.chat.completions.create_with_completion(
                model=backend.model, response_model=NaiveEvents, max_retries=0,
                temperature=0.0, max_tokens=2048, messages=messages,
            )  # fmt: skip
        except Exception as exc:  # a naive call has no recovery: the document scores empty
            return Prediction([], error=f"{type(exc).__name__}: {str(exc)[:200]}",
                              seconds=time.perf_counter() - started)  # fmt: skip
        usage = completion.usage
        details = getattr(usage, "prompt_tokens_details", None)
        return Prediction(
            [read_event(e.model_dump(), doc.text) for e in result.events],
            prompt_tokens=usage.prompt_tokens if usage else 0,
            cached_prompt_tokens=getattr(details, "cached_tokens", 0) or 0,
            completion_tokens=usage.completion_tokens if usage else 0,
            seconds=time.perf_counter() - started,
        )

    return run


def make_strategy(spec: str) -> Strategy:
    name, _, option = spec.partition("@")[0].partition(":")
    strategy: Strategy = FindThenFill() if name == "find-fill" else SinglePass()
    if option == "nocues":
        # The default before issue 7: no codebook follow-ups, and an empty answer's second
        # look left "none" open.
        strategy.cue_checks = False
        strategy.insist_on_candidates = False
    return strategy


def run_extractor(
    backend: Backend, spec: str, template: str | None, chunk_chars: int | None
) -> Callable[[GoldDocument], Prediction]:
    # "single:nocues@old.j2": a strategy, cue checks off, and its own template.
    own_template = spec.partition("@")[2] or template
    extractor = Extractor(
        "conflict_events", backend=backend, template=own_template, chunk_chars=chunk_chars,
        strategy=make_strategy(spec),
    )  # fmt: skip
    return extractor_runner(extractor)


def extractor_runner(
    extractor: Extractor, results: dict[str, ExtractionResult] | None = None
) -> Callable[[GoldDocument], Prediction]:
    """Run ``extractor`` on a gold document; each result is also kept in ``results`` by id."""

    def run(doc: GoldDocument) -> Prediction:
        started = time.perf_counter()
        try:
            result = extractor.extract(doc.text, published=doc.published, document_id=doc.id)
        except LlmExtractError as exc:
            usage = getattr(exc, "usage", None)
            return Prediction([], error=f"{type(exc).__name__}: {exc.problem[:200]}",
                              prompt_tokens=usage.prompt_tokens if usage else 0,
                              completion_tokens=usage.completion_tokens if usage else 0,
                              seconds=time.perf_counter() - started)  # fmt: skip
        if results is not None:
            results[doc.id] = result
        prediction = from_result(result, doc.text)
        prediction.seconds = time.perf_counter() - started
        return prediction

    return run


def measure(name: str, docs: list[GoldDocument], run: Callable[[GoldDocument], Prediction],
            tag: str) -> dict[str, Prediction]:  # fmt: skip
    preds: dict[str, Prediction] = {}
    with (OUT / f"{tag}-{safe(name)}.jsonl").open("w", encoding="utf-8") as log:
        for i, doc in enumerate(docs, 1):
            preds[doc.id] = p = run(doc)
            row = {"id": doc.id, "error": p.error, "seconds": round(p.seconds, 2),
                   "events": [e.__dict__ for e in p.events]}  # fmt: skip
            log.write(json.dumps(row, default=str) + "\n")
            log.flush()
            error = f" ERROR {p.error}" if p.error else ""
            print(f"  {name} {i}/{len(docs)} {doc.id}: {len(p.events)} events, "
                  f"{p.seconds:.1f} s{error}", file=sys.stderr)  # fmt: skip
    return preds


def safe(name: str) -> str:
    return re.sub(r"[^\w.-]+", "_", name)


def acled_tables(docs: list[GoldDocument], runs: dict[str, dict[str, Prediction]],
                 tag: str) -> None:  # fmt: skip
    reports: dict[str, Report] = {}
    for name, preds in runs.items():
        reports[name] = score(docs, preds)
        write_breakdown(reports[name], OUT / f"{tag}-{safe(name)}.scores.jsonl")
        print(format_report(reports[name], f"{name}: "), "\n")
    names = list(runs)
    fields = list(next(iter(reports.values())).fields)
    print("| field | " + " | ".join(names) + " |")
    print("|---|" + "---|" * len(names))
    for f in fields:
        print(f"| {f} | " + " | ".join(f"{reports[n].fields[f]:.3f}" for n in names) + " |")
    print(
        "| **mean field accuracy** | "
        + " | ".join(f"**{reports[n].mean_field_accuracy:.3f}**" for n in names)
        + " |"
    )
    for label, attr in (("precision", "precision"), ("recall", "recall"), ("grounded", "grounded"),
                        ("prompt tokens/doc", "prompt_tokens_per_doc"),
                        ("cached prompt tokens/doc", "cached_prompt_tokens_per_doc"),
                        ("completion tokens/doc", "completion_tokens_per_doc"),
                        ("seconds/doc", "seconds_per_doc")):  # fmt: skip
        print(f"| {label} | " + " | ".join(f"{getattr(reports[n], attr):.3g}" for n in names)
              + " |")  # fmt: skip
    empty = {n: sum(1 for d in docs if d.events and not runs[n][d.id].events) for n in names}
    print("| documents with no record | " + " | ".join(str(empty[n]) for n in names) + " |")
    kinds = sorted({stratum(d) for d in docs})
    if len(kinds) > 1:
        print("\nPer event type (mean field accuracy; n = documents):")
        print("| event type | n | " + " | ".join(names) + " |")
        print("|---|---|" + "---|" * len(names))
        for kind in kinds:
            subset = [d for d in docs if stratum(d) == kind]
            cells = [f"{score(subset, runs[n]).mean_field_accuracy:.3f}" for n in names]
            print(f"| {kind} | {len(subset)} | " + " | ".join(cells) + " |")
    if "naive" in reports:
        for n in names:
            if n != "naive":
                diff = reports[n].mean_field_accuracy - reports["naive"].mean_field_accuracy
                ratio = reports[n].seconds_per_doc / max(reports["naive"].seconds_per_doc, 1e-9)
                print(f"{n} vs naive: mean field accuracy {diff:+.3f}, seconds {ratio:.2f}x")


def wiki_table(runs: dict[str, dict[str, Prediction]],
               mentions: dict[str, list[WikiMention]]) -> None:  # fmt: skip
    rows = {n: wiki_scores(p, mentions) for n, p in runs.items()}
    names = list(runs)
    print("| metric | " + " | ".join(names) + " |")
    print("|---|" + "---|" * len(names))
    for key in rows[names[0]]:
        cells = [v if isinstance(v := rows[n][key], str) else f"{v:.3g}" for n in names]
        print(f"| {key} | " + " | ".join(cells) + " |")
    for label, attr in (("seconds/article", "seconds"), ("prompt tokens/article", "prompt_tokens"),
                        ("completion tokens/article", "completion_tokens")):  # fmt: skip
        cells = [f"{sum(getattr(p, attr) for p in runs[n].values()) / len(runs[n]):.0f}"
                 for n in names]  # fmt: skip
        print(f"| {label} | " + " | ".join(cells) + " |")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--split",
        default="strat-check",
        choices=["tune", "check", "strat-tune", "strat-check", "strat-more", "all", "none"],
    )
    parser.add_argument("--per-type", type=int, default=5)
    parser.add_argument("--limit", type=int)
    parser.add_argument(
        "--types", help="only these event types (comma-separated, stratified splits)"
    )
    parser.add_argument("--wikievents", type=int, default=0)
    parser.add_argument("--wiki-skip", type=int, default=0)
    parser.add_argument("--template", help="candidate template (default: the schema's own)")
    parser.add_argument("--strategies", default="naive,single,find-fill")
    parser.add_argument(
        "--chunk-chars", type=int, help="candidate's chunk size (default: backend's)"
    )
    parser.add_argument("--base-url")
    parser.add_argument("--model")
    args = parser.parse_args()

    OUT.mkdir(parents=True, exist_ok=True)
    backend = resolve_backend(base_url=args.base_url, model=args.model)
    print(f"model: {backend.label}")
    # Warm-up: start the server and load the model so neither side pays for it.
    backend.client(600).chat.completions.create(
        model=backend.model, messages=[{"role": "user", "content": "hi"}], max_tokens=1
    )
    # "label=spec" names a column, e.g. "previous=single:nocues@old.j2".
    specs = dict(
        item.partition("=")[::2] if "=" in item else (item, item)
        for item in args.strategies.split(",")
    )
    runners = {
        label: run_naive(backend)
        if spec == "naive"
        else run_extractor(backend, spec, args.template, args.chunk_chars)
        for label, spec in specs.items()
    }
    if args.split != "none":
        docs = acled_split(args.split, args.limit, args.per_type)
        if args.types:
            docs = [d for d in docs if stratum(d) in args.types.split(",")]
        tag = f"acled-{args.split}"
        runs = {name: measure(name, docs, run, tag) for name, run in runners.items()}
        print(f"\n== {tag}: {len(docs)} documents, model {backend.label} ==")
        acled_tables(docs, runs, tag)
    if args.wikievents:
        docs, mentions = wikievents(args.wikievents, args.wiki_skip)
        runs = {name: measure(name, docs, run, "wikievents") for name, run in runners.items()}
        print(
            f"\n== wikievents: {len(docs)} articles after the first {args.wiki_skip}, "
            f"model {backend.label} =="
        )
        wiki_table(runs, mentions)


if __name__ == "__main__":
    main()
