"""Speed of resolve_date on English text, against the English rules alone in the same run.

    python benchmarks/dates_speed.py [--repeat N]

The English sentences of the development data in ``../shared/eval`` (ACLED notes, CASE 2021
snippets, UCDP source texts, WikiEvents articles; read, never copied) split as documents are, and
the date phrases in them (a model's date words: "on Wednesday", "2 May 2020", "last week"). Each
set is resolved against one publication date three ways: the English rules alone (the baseline:
no other language, no dateparser), ``resolve_date(..., language="en")`` and with the language
unknown (``None``: English first, then other languages for what English leaves). It prints
seconds (best of ``--repeat`` passes after one warm-up pass, which loads dateparser where it is
used), the ratio to the baseline, and whether dateparser was loaded by the English passes.

Runs against whichever llm_extract is on ``PYTHONPATH``: point it at another checkout to compare
(its ``resolve_date`` and ``_english`` are all this uses).
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

from llm_extract.core import dates
from llm_extract.core.document import split_sentences

ROOT = Path(__file__).resolve().parent.parent
EVAL = ROOT.parent / "shared" / "eval"
PUBLISHED = date(2020, 5, 9)

_UNIT = (
    r"(?:mon|tues|wednes|thurs|fri|satur|sun)day|january|february|march|april|may|june|july"
    r"|august|september|october|november|december|yesterday|today|tonight|last (?:night|week)"
    r"|this (?:morning|week)|\d+ days? ago|\d{4}-\d\d-\d\d|\d{1,2}/\d{1,2}/\d{2,4}"
)
_PHRASE = re.compile(
    rf"(?:\b(?:on|in|since|early|late|mid|last|by)\s+)?(?:\d{{1,2}}\s+)?\b(?:{_UNIT})\b"
    r"(?:\s+\d{1,2}\b)?(?:,?\s+\d{4}\b)?",
    re.IGNORECASE,
)


def english_texts() -> list[str]:
    """The development data's English texts (an empty list without ``../shared/eval``)."""
    texts: list[str] = []
    sources = [("acled_dev.csv", ",", "notes"), ("case2021_task2_dev.tsv", "\t", "EventSnippet")]
    sources += [
        ("ucdp_ged_dev.csv", ",", "source_original"),
        ("ucdp_ged_dev.csv", ",", "source_headline"),
    ]
    for name, delimiter, column in sources:
        path = EVAL / name
        if path.exists():
            with path.open(encoding="utf-8", newline="") as f:
                texts += [row[column] for row in csv.DictReader(f, delimiter=delimiter)]
    wiki = EVAL / "wikievents_dev.jsonl"
    if wiki.exists():
        for line in wiki.read_text(encoding="utf-8").splitlines():
            texts.append(" ".join(json.loads(line)["tokens"]))
    return [t for t in texts if t and t.strip()]


def timed(resolve: Callable[[str], object], items: list[str], repeat: int) -> float:
    for item in items:  # warm-up: caches, and dateparser's import where it is used
        resolve(item)
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for item in items:
            resolve(item)
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    texts = english_texts()
    if not texts:
        sys.exit(f"No development data in {EVAL}: this benchmark reads its English texts.")
    sentences = [s.text for t in texts for s in split_sentences(t)]
    phrases = [m.group(0) for s in sentences for m in _PHRASE.finditer(s)]
    print(f"llm_extract from {Path(dates.__file__).resolve().parent.parent}")
    ways: list[tuple[str, Callable[[str], object]]] = [
        ("English rules only (baseline)", lambda s: dates._english(s.lower().strip(), PUBLISHED)),
        ('resolve_date(language="en")', lambda s: dates.resolve_date(s, PUBLISHED, "en")),
        ("resolve_date(language=None)", lambda s: dates.resolve_date(s, PUBLISHED)),
    ]
    sets = [("sentences", sentences), ("date phrases", phrases)]
    # Every set the English ways first, so that "dateparser loaded" says whether they load it.
    results: dict[tuple[str, str], tuple[float, bool]] = {}
    for name, resolve in ways:
        for label, items in sets:
            results[name, label] = (timed(resolve, items, args.repeat), "dateparser" in sys.modules)
    for label, items in sets:
        print(f"\n{len(items)} {label}, published {PUBLISHED}, best of {args.repeat}:")
        baseline = results[ways[0][0], label][0]
        for name, _ in ways:
            seconds, loaded = results[name, label]
            print(
                f"  {name:31} {seconds:7.3f} s  x{seconds / baseline:6.1f}  "
                f"dateparser loaded so far: {loaded}"
            )


if __name__ == "__main__":
    main()
