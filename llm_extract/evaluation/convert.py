"""Converters from common gold sources to the gold JSONL format (see ``gold.py``).

ACLED CSV exports: the ``notes`` column is the text, the upload ``timestamp`` stands in for the
publication date, and rows with the same notes become one document with several events. The
crowd-size tag ACLED appends to protest notes ("[size=no report]") is coder metadata, not
article text, and is dropped: left in, it made the embedded model answer "no events".
"""

from __future__ import annotations

import csv
import re
from datetime import UTC, date, datetime
from pathlib import Path

from llm_extract.errors import InputError
from llm_extract.evaluation.gold import (
    GoldActor,
    GoldDocument,
    GoldEvent,
    GoldLocation,
)

_SIZE_TAG = re.compile(r"\s*\[size=[^\]]*\]\s*$")
ACLED_COLUMNS = ("notes", "event_type", "sub_event_type", "actor1", "actor2", "fatalities")


def acled_csv_to_gold(path: str | Path, *, limit: int | None = None) -> list[GoldDocument]:
    """Read an ACLED export (CSV with ACLED's column names) into gold documents."""
    path = Path(path)
    try:
        with path.open(encoding="utf-8-sig", newline="") as f:
            rows = list(csv.DictReader(f))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise InputError(f"Cannot read ACLED CSV {path}: {exc}", "Pass a UTF-8 CSV.") from exc
    missing = [c for c in ACLED_COLUMNS if rows and c not in rows[0]]
    if not rows or missing:
        raise InputError(
            f"{path} is not an ACLED export (missing columns: {', '.join(missing) or 'all rows'}).",
            f"The CSV needs ACLED's column names, at least {', '.join(ACLED_COLUMNS)}.",
        )
    docs: dict[str, GoldDocument] = {}
    for number, row in enumerate(rows, 2):
        text = _SIZE_TAG.sub("", row.get("notes") or "").strip()
        if not text:
            continue
        doc = docs.get(text)
        if doc is None:
            if limit is not None and len(docs) >= limit:
                break
            doc_id = row.get("event_id_cnty") or row.get("data_id") or f"{path.name}:{number}"
            doc = docs[text] = GoldDocument(
                id=doc_id, text=text, published=_published(row), events=[]
            )
        doc.events.append(_acled_event(row, f"{path}:{number}"))
    return list(docs.values())


def _acled_event(row: dict[str, str], where: str) -> GoldEvent:
    try:
        fatalities = int(row["fatalities"] or 0)
    except ValueError as exc:
        raise InputError(f"{where}: fatalities {row['fatalities']!r} is not a number.") from exc
    return GoldEvent(
        event_type=row["event_type"],
        sub_event_type=row["sub_event_type"],
        date=_event_date(row),
        fatalities=fatalities,
        location=GoldLocation(
            place=row.get("location") or None,
            admin1=row.get("admin1") or None,
            admin2=row.get("admin2") or None,
            admin3=row.get("admin3") or None,
            country=row.get("country") or None,
        ),
        actor1=_actor(row["actor1"], row.get("assoc_actor_1")),
        actor2=_actor(row["actor2"], row.get("assoc_actor_2")),
    )


def _actor(name: str, associated: str | None) -> GoldActor | None:
    if not name.strip():
        return None
    return GoldActor(
        name=name.strip(),
        associated=[a.strip() for a in (associated or "").split(";") if a.strip()],
    )


def _event_date(row: dict[str, str]) -> str | None:
    if row.get("event_date_iso"):
        return row["event_date_iso"]
    raw = row.get("event_date", "")
    for fmt in ("%Y-%m-%d", "%d %B %Y", "%d-%b-%y", "%d-%B-%Y"):
        try:
            return datetime.strptime(raw, fmt).date().isoformat()
        except ValueError:
            continue
    return None


def _published(row: dict[str, str]) -> str | None:
    stamp = row.get("timestamp") or ""
    if stamp.isdigit():
        return datetime.fromtimestamp(int(stamp), tz=UTC).date().isoformat()
    try:
        return date.fromisoformat(stamp[:10]).isoformat()
    except ValueError:
        return None
