from __future__ import annotations

from datetime import date

import pytest

from llm_extract.core.dates import resolve_date

PUB = date(2019, 8, 21)  # a Wednesday


@pytest.mark.parametrize(
    ("words", "published", "expected", "precision"),
    [
        ("on Wednesday", PUB, date(2019, 8, 21), "day"),
        ("Wednesday's clashes", PUB, date(2019, 8, 21), "day"),
        ("on Tuesday", PUB, date(2019, 8, 20), "day"),
        ("on Monday", PUB, date(2019, 8, 19), "day"),
        ("on Thursday", PUB, date(2019, 8, 15), "day"),
        ("last Wednesday", PUB, date(2019, 8, 14), "day"),
        ("yesterday", PUB, date(2019, 8, 20), "day"),
        ("early on Wednesday", PUB, date(2019, 8, 21), "day"),
        ("three days ago", PUB, date(2019, 8, 18), "day"),
        ("On 2 May 2020", PUB, date(2020, 5, 2), "day"),
        ("May 2, 2020", None, date(2020, 5, 2), "day"),
        ("2020-05-02", None, date(2020, 5, 2), "day"),
        ("on 15 August", PUB, date(2019, 8, 15), "day"),
        ("on 25 December", PUB, date(2018, 12, 25), "day"),  # no year: latest not after pub
        ("since late April", PUB, date(2019, 4, 1), "month"),
        ("in August 2019", None, date(2019, 8, 1), "month"),
        ("last week", PUB, date(2019, 8, 14), "week"),
        ("in 2018", None, date(2018, 1, 1), "year"),
        ("on Wednesday", None, None, "unknown"),
        ("recently", PUB, None, "unknown"),
        ("", PUB, None, "unknown"),
    ],
)
def test_resolution(
    words: str, published: date | None, expected: date | None, precision: str
) -> None:
    assert resolve_date(words, published) == (expected, precision)


def test_may_the_verb_is_not_a_month() -> None:
    assert resolve_date("troops may advance", PUB) == (None, "unknown")
