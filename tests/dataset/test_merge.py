"""Merging reports of one event across documents, on hand-made record sets."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest

from llm_extract import build_dataset
from llm_extract.dataset import merge, reports_from_records
from llm_extract.domains.conflict.dataset import RULES, ConflictRules
from tests.dataset.conftest import line, record, write

SY = ("Military Forces of Syria (2000-)", "State forces")
HTS = ("Hayat Tahrir al-Sham", "Rebel group")
CROWD = ("Protesters", "Protesters")
GUNMEN = ("Unidentified Armed Group", "Political militia")
CIVILIANS = ("Civilians", "Civilians")
TAKEN = ("Government regains territory", "Battles")
MARCH = ("Peaceful protest", "Protests")
SHOT = ("Attack", "Violence against civilians")


def events_of(documents: dict[str, list[dict[str, Any]]], **geo: Any) -> list[set[str]]:
    reports = [
        r
        for doc, records in documents.items()
        for r in reports_from_records(records, RULES, document_id=doc)
    ]
    return sorted(({r.ref for r in e.reports} for e in merge(reports, RULES)), key=sorted)


CASES = [
    pytest.param(  # two outlets, other spellings and actor names, dates a day apart
        {
            "afp": [
                record(*TAKEN, "2019-08-21", "Khan Sheikhoun", "Syria", SY, HTS, fatalities=31)
            ],
            "reuters": [
                record(
                    *TAKEN,
                    "2019-08-20",
                    "Khan Shaykhun",
                    "Syria",
                    ("Syrian army", "State forces"),
                    ("HTS", "Rebel group"),
                    fatalities=29,
                )
            ],
        },
        [{"afp#0", "reuters#0"}],
        id="one-battle-two-reports",
    ),
    pytest.param(  # two protests in one city on one day, by different people
        {
            "a": [record(*MARCH, "2020-04-27", "Lima", "Peru", CROWD, who=("Teachers",))],
            "b": [record(*MARCH, "2020-04-27", "Lima", "Peru", CROWD, who=("Farmers",))],
            "c": [record(*MARCH, "2020-04-27", "Lima", "Peru", CROWD, who=("Teachers (Peru)",))],
        },
        [{"a#0", "c#0"}, {"b#0"}],
        id="two-protests-stay-distinct",
    ),
    pytest.param(  # one document's two records are two events
        {
            "a": [
                record(*MARCH, "2020-04-27", "Lima", "Peru", CROWD),
                record(*MARCH, "2020-04-27", "Lima", "Peru", CROWD),
            ]
        },
        [{"a#0"}, {"a#1"}],
        id="same-document-never-merged",
    ),
    pytest.param(  # generic actors only: the same day, not the next
        {
            "a": [record(*SHOT, "2020-05-04", "Morelia", "Mexico", GUNMEN, CIVILIANS)],
            "b": [record(*SHOT, "2020-05-05", "Morelia", "Mexico", GUNMEN, CIVILIANS)],
        },
        [{"a#0"}, {"b#0"}],
        id="generic-actors-next-day",
    ),
    pytest.param(
        {
            "a": [record(*TAKEN, "2019-08-21", "Khan Sheikhoun", "Syria", SY, HTS)],
            "b": [
                record(
                    "Air/drone strike",
                    "Explosions/Remote violence",
                    "2019-08-21",
                    "Khan Sheikhoun",
                    "Syria",
                    ("Military Forces of Russia (1991-)", "External/other forces"),
                )
            ],
        },
        [{"a#0"}, {"b#0"}],
        id="other-type-same-place",
    ),
    pytest.param(  # no chains: b agrees with a and c, but a and c are different crowds
        {
            "a": [record(*MARCH, "2020-04-27", "Lima", "Peru", CROWD, who=("Teachers",))],
            "b": [record(*MARCH, "2020-04-27", "Lima", "Peru", CROWD)],
            "c": [record(*MARCH, "2020-04-27", "Lima", "Peru", CROWD, who=("Farmers",))],
        },
        [{"a#0", "b#0"}, {"c#0"}],
        id="no-chains",
    ),
    pytest.param(
        {
            "a": [record(*TAKEN, None, "Khan Sheikhoun", "Syria", SY, HTS)],
            "b": [record(*TAKEN, None, "Khan Sheikhoun", "Syria", SY, HTS)],
        },
        [{"a#0"}, {"b#0"}],
        id="undated-never-merged",
    ),
]


@pytest.mark.parametrize(("documents", "expected"), CASES)
def test_merging_by_name(
    documents: dict[str, list[dict[str, Any]]], expected: list[set[str]]
) -> None:
    assert events_of(documents) == sorted(expected, key=sorted)


def test_events_keep_every_source_and_the_conservative_toll(
    tmp_path: Path, gazetteer_loaded: Any
) -> None:
    results = write(
        tmp_path / "r.jsonl",
        [
            line(
                "afp",
                [
                    record(
                        *TAKEN,
                        "2019-08-21",
                        "Khan Sheikhoun",
                        "Syria",
                        SY,
                        HTS,
                        fatalities=31,
                        quote="Regime forces took Khan Sheikhoun",
                    )
                ],
                outlet="AFP",
            ),
            line(
                "reuters",
                [
                    record(
                        *TAKEN,
                        "2019-08-20",
                        "Khan Shaykhun",
                        "Syria",
                        SY,
                        HTS,
                        fatalities=29,
                        quote="The army entered Khan Shaykhun",
                    )
                ],
                outlet="Reuters",
            ),
            line("failed", [], status="error"),
        ],
    )
    built = build_dataset(results)
    (event,) = built.events
    assert event.document_ids == ["reuters", "afp"]
    assert event.fatalities == 29  # ACLED: the most conservative figure
    assert {q for r in event.reports for q in r.quotes} == {
        "Regime forces took Khan Sheikhoun",
        "The army entered Khan Shaykhun",
    }
    (decision,) = event.decisions
    assert decision.fields["actors"].startswith("agree") and "km apart" in decision.fields["place"]
    assert event.geo.gazetteer_id and event.geo.level == "place"


class _Counting(ConflictRules):
    calls = 0

    def kinds(self, a: Any, b: Any) -> Any:
        self.calls += 1
        return super().kinds(a, b)


def test_ten_thousand_records_are_blocked_not_compared_all_pairs() -> None:
    # 10,000 reports of 100 countries over 28 days, each crowd its own people: a report meets
    # only the events of its country and of its day and the next ones.
    rules = _Counting()
    reports = [
        r
        for i in range(10_000)
        for r in reports_from_records(
            [
                record(
                    *MARCH,
                    f"2020-03-{1 + i % 28:02d}",
                    "Town",
                    f"Country{i % 100}",
                    CROWD,
                    who=(hashlib.sha256(str(i).encode()).hexdigest()[:12],),
                )
            ],
            rules,
            document_id=f"d{i}",
        )
    ]
    events = merge(reports, rules)
    assert len(events) == 10_000
    # ~3.6 reports a block, three blocks looked at: a few tens of thousands, not 50 million.
    assert rules.calls < 100_000
