"""Extraction quality: a naive instructor call against llm_extract's default, same model, same docs.

    python benchmarks/quality.py [--split check|tune|all] [--limit N] [--wikievents N]
                                 [--template PATH] [--base-url URL --model NAME]

Gold comes from the internal development data in ``../shared/eval`` (never copied into the repo):
a fixed, seeded shuffle of ``acled_dev.csv`` split into ``tune`` (the first 40 documents,
used while changing the prompt) and ``check`` (the next 60, only measured). ``--wikievents N``
also runs the first N WikiEvents articles (multi-event recall on long text: record pairing uses
the gold trigger offsets, so only recall and actors/place mean much there).

Baseline (a): one instructor ``JSON_SCHEMA`` call, flat pydantic schema with Literal types, a
short system prompt listing the fields, one attempt. Candidate (b):
``Extractor("conflict_events")``.
Both are scored by ``llm_extract.evaluation`` and printed side by side with the difference;
per-document predictions go to ``benchmarks/out/`` for inspection.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Literal

import instructor
from pydantic import BaseModel, Field

from llm_extract import Extractor, LlmExtractError
from llm_extract.backends import Backend, resolve_backend
from llm_extract.evaluation import (
    GoldActor,
    GoldDocument,
    GoldEvent,
    GoldLocation,
    GoldSpan,
    Prediction,
    Report,
    acled_csv_to_gold,
    compare_reports,
    format_report,
    from_result,
    read_event,
    score,
    write_breakdown,
)

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


def acled_split(split: str, limit: int | None) -> list[GoldDocument]:
    docs = sorted(acled_csv_to_gold(EVAL / "acled_dev.csv"), key=lambda d: d.id)
    random.Random(SEED).shuffle(docs)
    chosen = {"tune": docs[:TUNE], "check": docs[TUNE : TUNE + CHECK], "all": docs}[split]
    return chosen[:limit] if limit else chosen


def wikievents(n: int) -> list[GoldDocument]:
    """WikiEvents articles as gold: conflict-type events, evidence = the trigger's offsets.

    Mentions of the same kind in the same sentence ("the blast ... the explosion") are one event.
    """
    kinds = ("Conflict.Attack", "Conflict.Demonstrate", "Justice.ArrestJailDetain")
    docs = []
    for line in (EVAL / "wikievents_dev.jsonl").read_text(encoding="utf-8").splitlines()[:n]:
        raw = json.loads(line)
        sentences = raw["sentences"]
        # Sentence i starts at the summed length of the earlier sentence strings (see README).
        starts = [sum(len(s[1]) for s in sentences[:i]) for i in range(len(sentences))]
        first_token = [sum(len(s[0]) for s in sentences[:i]) for i in range(len(sentences))]
        events: dict[tuple[int, str], GoldEvent] = {}
        for mention in raw["event_mentions"]:
            kind = mention["event_type"].rsplit(".", 1)[0]
            if kind not in kinds:
                continue
            trig = mention["trigger"]
            i = trig["sent_idx"]
            tokens = sentences[i][0]
            start = starts[i] + tokens[trig["start"] - first_token[i]][1] - tokens[0][1]
            span = GoldSpan(start=start, end=start + len(trig["text"]))
            event = events.setdefault((i, kind), GoldEvent(evidence=[]))
            event.evidence.append(span)
            roles = {a["role"]: a["text"] for a in mention["arguments"]}
            actor = roles.get("Attacker") or roles.get("Demonstrator") or roles.get("Jailer")
            if actor and event.actor1 is None:
                event.actor1 = GoldActor(name=actor)
            if "Place" in roles and event.location is None:
                event.location = GoldLocation(place=roles["Place"])
        docs.append(GoldDocument(id=raw["doc_id"], text=raw["text"], events=list(events.values())))
    return docs


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


def run_default(
    backend: Backend, template: str | None, chunk_chars: int | None
) -> Callable[[GoldDocument], Prediction]:
    extractor = Extractor(
        "conflict_events", backend=backend, template=template, chunk_chars=chunk_chars
    )

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
        prediction = from_result(result, doc.text)
        prediction.seconds = time.perf_counter() - started
        return prediction

    return run


def measure(name: str, docs: list[GoldDocument], run: Callable[[GoldDocument], Prediction],
            tag: str) -> Report:  # fmt: skip
    preds: dict[str, Prediction] = {}
    with (OUT / f"{tag}-{name}.jsonl").open("w", encoding="utf-8") as log:
        for i, doc in enumerate(docs, 1):
            preds[doc.id] = p = run(doc)
            row = {"id": doc.id, "error": p.error, "seconds": round(p.seconds, 2),
                   "events": [e.__dict__ for e in p.events]}  # fmt: skip
            log.write(json.dumps(row, default=str) + "\n")
            log.flush()
            error = f" ERROR {p.error}" if p.error else ""
            print(f"  {name} {i}/{len(docs)} {doc.id}: {len(p.events)} events, "
                  f"{p.seconds:.1f} s{error}", file=sys.stderr)  # fmt: skip
    report = score(docs, preds)
    write_breakdown(report, OUT / f"{tag}-{name}.scores.jsonl")
    return report


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--split", choices=["tune", "check", "all", "none"], default="check")
    parser.add_argument("--limit", type=int)
    parser.add_argument("--wikievents", type=int, default=0)
    parser.add_argument("--template", help="candidate template (default: the schema's own)")
    parser.add_argument("--only", choices=["naive", "default"])
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
    sets = []
    if args.split != "none":
        sets.append((f"acled-{args.split}", acled_split(args.split, args.limit)))
    if args.wikievents:
        suffix = f"-chunk{args.chunk_chars}" if args.chunk_chars else ""
        sets.append((f"wikievents{suffix}", wikievents(args.wikievents)))
    strategies = {
        "naive": run_naive(backend),
        "default": run_default(backend, args.template, args.chunk_chars),
    }
    for tag, docs in sets:
        reports = {name: measure(name, docs, run, tag)
                   for name, run in strategies.items() if args.only in (None, name)}  # fmt: skip
        print(f"\n== {tag}: {len(docs)} documents, model {backend.label} ==")
        for name, report in reports.items():
            print(format_report(report, f"{name}: "), "\n")
        if len(reports) == 2:
            print(compare_reports(reports["naive"], reports["default"], ("naive", "default")))
            naive, default = reports["naive"], reports["default"]
            tokens = default.prompt_tokens_per_doc / max(naive.prompt_tokens_per_doc, 1)
            seconds = default.seconds_per_doc / max(naive.seconds_per_doc, 1e-9)
            print(f"ratio default/naive: prompt tokens {tokens:.2f}x, seconds {seconds:.2f}x")


if __name__ == "__main__":
    main()
