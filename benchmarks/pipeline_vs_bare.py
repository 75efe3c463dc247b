"""Cost of llm_extract's pipeline against a bare instructor call, same model, same documents.

    python benchmarks/pipeline_vs_bare.py [--base-url URL --model NAME] [--repeat N]

Baseline (measured in the same run): one instructor JSON_SCHEMA call with a flat pydantic model
and a one-line system prompt, the way a user would write it in twenty minutes. Candidate:
``Extractor("conflict_events")`` (template with taxonomy and coding rules, sentence-id evidence,
validation and re-asks). Prints seconds, prompt/completion tokens and records per document for
both, the candidate/baseline ratios, and how many of the baseline's quotes are verbatim in the
source (the candidate's are by construction). Default: the embedded model on the seed article.
Quality against gold data is a separate measurement; this one is cost and grounding.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path
from typing import Literal

import instructor
from pydantic import BaseModel

from llm_extract import Extractor
from llm_extract.backends import resolve_backend

ROOT = Path(__file__).resolve().parent.parent
DOCS = [(ROOT / "examples" / "khan_sheikhoun_2019.txt", "2019-08-21")]


class NaiveEvent(BaseModel):
    event_type: Literal[
        "Battles", "Explosions/Remote violence", "Violence against civilians",
        "Protests", "Riots", "Strategic developments",
    ]  # fmt: skip
    sub_event_type: str
    event_date: str | None
    location: str | None
    actor1: str
    actor2: str | None
    fatalities: int | None
    quote: str


class NaiveEvents(BaseModel):
    events: list[NaiveEvent]


def bare_call(
    client: instructor.Instructor, model: str, text: str
) -> tuple[float, int, int, list[NaiveEvent]]:
    started = time.perf_counter()
    result, completion = client.chat.completions.create_with_completion(
        model=model,
        response_model=NaiveEvents,
        max_retries=0,
        temperature=0.0,
        max_tokens=2048,
        messages=[
            {"role": "system", "content": "Extract ACLED conflict events from the article: "
             "event_type, sub_event_type, event_date, location, actor1, actor2, fatalities, "
             "and a verbatim quote."},
            {"role": "user", "content": text},
        ],
    )  # fmt: skip
    usage = completion.usage
    return (
        time.perf_counter() - started,
        usage.prompt_tokens,
        usage.completion_tokens,
        result.events,
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base-url")
    parser.add_argument("--model")
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()

    backend = resolve_backend(base_url=args.base_url, model=args.model)
    print(f"model: {backend.label}")
    bare = instructor.from_openai(backend.client(600), mode=instructor.Mode.JSON_SCHEMA)
    extractor = Extractor("conflict_events", backend=backend)

    # Warm-up: start the server and load the model, so neither side pays for it.
    backend.client(600).chat.completions.create(
        model=backend.model, messages=[{"role": "user", "content": "hi"}], max_tokens=1
    )

    rows: dict[str, list[tuple[float, int, int, int]]] = {"bare": [], "llm_extract": []}
    verbatim = total_quotes = 0
    for _ in range(args.repeat):
        for path, published in DOCS:
            text = path.read_text(encoding="utf-8")
            secs, p, c, events = bare_call(bare, backend.model, text)
            rows["bare"].append((secs, p, c, len(events)))
            verbatim += sum(e.quote.strip() in text for e in events)
            total_quotes += len(events)
            result = extractor.extract(text, published=published)
            u = result.usage
            rows["llm_extract"].append(
                (result.seconds, u.prompt_tokens, u.completion_tokens, len(result.records))
            )

    def mean(name: str, i: int) -> float:
        return statistics.mean(r[i] for r in rows[name])

    print(f"{'':14}{'s/doc':>8}{'prompt tok':>12}{'compl tok':>11}{'records':>9}")
    for name in rows:
        cells = (f"{mean(name, 0):8.1f}", f"{mean(name, 1):12.0f}", f"{mean(name, 2):11.0f}")
        print(f"{name:14}{''.join(cells)}{mean(name, 3):9.1f}")
    print(
        f"ratio llm_extract/bare: seconds {mean('llm_extract', 0) / mean('bare', 0):.2f}x, "
        f"prompt tokens {mean('llm_extract', 1) / mean('bare', 1):.2f}x, "
        f"completion tokens {mean('llm_extract', 2) / max(mean('bare', 2), 1):.2f}x"
    )
    print(
        f"bare quotes verbatim in source: {verbatim}/{total_quotes}; "
        "llm_extract: all (by construction)"
    )


if __name__ == "__main__":
    main()
