"""Cross-document merging: false merges, true merges, and the cost over 10,000 records.

    python benchmarks/merging.py [--records 10000]

* False merges: every ACLED dev gold row (``../shared/eval/acled_dev.csv``, internal, read by
  path) is taken as the one record of its own document; the rows are distinct events (many
  share a day and a country), so any merge is false. Reported: the share of events merged with
  another (target at most 0.02).
* True merges: ``benchmarks/data/merge_pairs.jsonl``, reports WE WROTE (not ACLED rows): 24
  pairs of differently worded reports of one event (spellings, a day apart, other actor names,
  a site in the town, other tolls) and 8 reports of other events of the same day and place.
  Reported: pair recall (both reports in one event) and precision (merged report pairs that
  are one event).
* Cost: the ACLED rows repeated with shifted days and new ids to ``--records``; seconds to merge
  (geocoding timed apart).

Each is measured beside a baseline in the same run: a naive merge of records with the same
type, day, country and place name.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import time
from collections import defaultdict
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from llm_extract.dataset import Event, Report, geocode_reports, merge, reports_from_records
from llm_extract.dataset.gazetteer import gazetteer
from llm_extract.dataset.geocode import Geocoder
from llm_extract.dataset.names import key
from llm_extract.domains.conflict.dataset import INTER_CODES, RULES

ROOT = Path(__file__).resolve().parent.parent
ACLED = ROOT.parent / "shared" / "eval" / "acled_dev.csv"
PAIRS = ROOT / "benchmarks" / "data" / "merge_pairs.jsonl"
CATEGORY = {str(code): name for name, code in INTER_CODES.items()}


def acled_record(row: dict[str, str]) -> dict[str, Any]:
    """An ACLED gold row as the record a perfect extraction would give."""

    def actor(n: int) -> dict[str, Any] | None:
        name = row[f"actor{n}"].strip()
        if not name:
            return None
        assoc = [a.strip() for a in row[f"assoc_actor_{n}"].split(";") if a.strip()]
        return {"name": name, "category": CATEGORY.get(row[f"inter{n}"]), "associated": assoc}

    return {
        "event_type": row["event_type"],
        "sub_event_type": row["sub_event_type"],
        "event_date": {"date": row["event_date_iso"], "precision": "day"},
        "location": {
            "place": row["location"],
            "admin1": row["admin1"] or None,
            "admin2": row["admin2"] or None,
            "country": row["country"],
        },
        "actor1": actor(1),
        "actor2": actor(2),
        "fatalities": int(row["fatalities"] or 0),
        "summary": row["notes"],
        "evidence": [],
    }


def naive_merge(reports: list[Report]) -> list[Event]:
    groups: dict[tuple[Any, ...], list[Report]] = defaultdict(list)
    for r in reports:
        f = r.facts
        groups[(f.kind, f.day, key(f.country or ""), key(f.place or ""))].append(r)
    return [Event(g) for g in groups.values()]


def merged_share(events: list[Event]) -> float:
    merged = sum(len(e.reports) for e in events if len(e.reports) > 1)
    return merged / max(1, sum(len(e.reports) for e in events))


def pair_scores(events: list[Event], label: dict[str, str]) -> tuple[float, float, int]:
    together = {frozenset(r.ref for r in e.reports) for e in events}
    by_label: dict[str, set[str]] = defaultdict(set)
    for ref, name in label.items():
        by_label[name].add(ref)
    pairs = [refs for refs in by_label.values() if len(refs) == 2]
    found = sum(any(refs <= group for group in together) for refs in pairs)
    merged = [(a, b) for g in together for a, b in itertools.combinations(sorted(g), 2)]
    right = sum(label[a] == label[b] for a, b in merged)
    return found / max(1, len(pairs)), right / max(1, len(merged)), len(pairs)


def placed(reports: list[Report], geocoder: Geocoder) -> list[Report]:
    return [g for r in reports for g in geocode_reports([r], geocoder)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=10_000)
    args = parser.parse_args()
    geocoder = Geocoder(gazetteer(), RULES.country_aliases)

    rows = list(csv.DictReader(ACLED.open(encoding="utf-8")))
    gold = [
        reports_from_records([acled_record(row)], RULES, document_id=row["event_id_cnty"])[0]
        for row in rows
    ]
    gold = placed(gold, geocoder)
    ours, naive = merged_share(merge(gold, RULES)), merged_share(naive_merge(gold))
    print(f"False merges over {len(gold)} ACLED dev gold rows (distinct events, one per document):")
    print(f"  share of events merged   ours {ours:.3f}   naive same-name {naive:.3f}", end="")
    print("   (target <= 0.02)")

    label: dict[str, str] = {}
    written: list[Report] = []
    for line in PAIRS.read_text(encoding="utf-8").splitlines():
        doc = json.loads(line)
        items = doc["items"]
        reports = reports_from_records(
            [i["record"] for i in items],
            RULES,
            document_id=doc["document_id"],
            outlet=doc["outlet"],
            published=doc["published"],
        )
        for report, item in zip(reports, items, strict=True):
            label[report.ref] = item["event"]
        written += geocode_reports(reports, geocoder)
    events = merge(written, RULES)
    recall, precision, n = pair_scores(events, label)
    base_recall, base_precision, _ = pair_scores(naive_merge(written), label)
    others = len(written) - 2 * n
    print(f"True merges: {n} pairs we wrote ({len(written)} reports, {others} distractors):")
    ratio = recall / max(base_recall, 1e-9)
    print(
        f"  pair recall     ours {recall:.3f}   naive {base_recall:.3f}   ratio {ratio:.2f}", end=""
    )
    print("  (target >= 0.90)")
    print(f"  pair precision  ours {precision:.3f}   naive {base_precision:.3f}")
    missed = [e for e in events if len(e.reports) == 1 and label[e.reports[0].ref].startswith("p")]
    print(
        "  missed:",
        ", ".join(
            sorted(label[e.reports[0].ref] + ":" + (e.reports[0].facts.place or "") for e in missed)
        )
        or "none",
    )

    copies = -(-args.records // len(gold))
    many = [
        replace(
            r,
            document_id=f"{r.document_id}-{k}",
            facts=replace(r.facts, day=(r.facts.day or date(2020, 5, 1)) + timedelta(days=14 * k)),
        )
        for k in range(copies)
        for r in gold
    ][: args.records]
    t = time.perf_counter()
    events = merge(many, RULES)
    ours_s = time.perf_counter() - t
    t = time.perf_counter()
    naive_merge(many)
    naive_s = time.perf_counter() - t
    t = time.perf_counter()
    placed(many[:1000], geocoder)
    geo_s = (time.perf_counter() - t) * len(many) / 1000
    print(f"Cost over {len(many)} records ({len(events)} events):")
    ratio = ours_s / max(naive_s, 1e-9)
    print(f"  merge {ours_s:.2f} s   naive grouping {naive_s:.3f} s   ratio {ratio:.0f}x")
    print(f"  geocoding (gazetteer warm, from 1,000 records) ~{geo_s:.1f} s")


if __name__ == "__main__":
    main()
