"""The dataset step end to end: result JSONL files in, one row per event out.

:func:`build_dataset` reads result lines (the last line of each document, as every reader takes
it; documents that failed are skipped), geocodes each record (the document's other places help
with an ambiguous name), merges the reports of one event across documents and returns a
:class:`Dataset`. Its CSV has the schema's columns (ACLED's, then ours); its JSONL keeps each
event's reports whole (every source, its record, its geocode, its quotes) and the merge reasons,
so each event traces back to its sentences.
"""

from __future__ import annotations

import csv
import json
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from llm_extract.core.registry import load_schema
from llm_extract.core.result import row_flags
from llm_extract.dataset.geocode import Geocoder, PlaceQuery
from llm_extract.dataset.merge import Event, Report, merge
from llm_extract.dataset.rules import DatasetRules
from llm_extract.errors import InputError, OutputFileError, SchemaError


@dataclass
class Dataset:
    """The events of a set of results, and the rules that built and write them."""

    events: list[Event]
    reports: list[Report]
    rules: DatasetRules
    seconds: float = 0.0

    def rows(self, timestamp: int | None = None) -> list[dict[str, Any]]:
        """The events as export rows (``timestamp``: ACLED's upload time; default now)."""
        stamp = int(time.time()) if timestamp is None else timestamp
        return [self.rules.row(e, n, stamp) for n, e in enumerate(self.events, 1)]

    def write_csv(self, path: str | Path, *, timestamp: int | None = None) -> Path:
        """Write the export: the schema's columns, one row per event."""
        path = Path(path)
        try:
            with path.open("w", encoding="utf-8", newline="") as out:
                writer = csv.DictWriter(out, fieldnames=self.rules.columns())
                writer.writeheader()
                writer.writerows(self.rows(timestamp))
        except OSError as e:
            raise OutputFileError(f"Cannot write {path}: {e}", "Pass a writable -o path.") from e
        return path

    def write_jsonl(self, path: str | Path) -> Path:
        """Write each event with its reports whole and the reasons they were merged."""
        path = Path(path)
        try:
            with path.open("w", encoding="utf-8") as out:
                for n, event in enumerate(self.events, 1):
                    out.write(json.dumps(_event_json(event, n), ensure_ascii=False) + "\n")
        except OSError as e:
            raise OutputFileError(f"Cannot write {path}: {e}", "Pass a writable path.") from e
        return path


def build_dataset(results: str | Path | Iterable[str | Path], *, geocode: bool = True) -> Dataset:
    """One event per real-world event from result JSONL files (``extract -o`` output).

    ``geocode=False`` leaves places as named (merged by name only; no gazetteer needed).
    """
    started = time.perf_counter()
    paths = [Path(results)] if isinstance(results, str | Path) else [Path(p) for p in results]
    rows = _last_lines(paths)
    rules = _rules({str(r.get("schema_name")) for r in rows})
    documents = [_reports(row, rules) for row in rows]
    if geocode:
        from llm_extract.dataset.gazetteer import gazetteer

        geocoder = Geocoder(gazetteer(), getattr(rules, "country_aliases", None))
        documents = [
            _geocoded(reports, row, geocoder) for reports, row in zip(documents, rows, strict=True)
        ]
    reports = [r for doc in documents for r in doc]
    events = merge(reports, rules)
    return Dataset(events, reports, rules, time.perf_counter() - started)


def reports_from_records(
    records: Sequence[dict[str, Any]], rules: DatasetRules, *, document_id: str, **about: Any
) -> list[Report]:
    """Reports of hand-made records (tests, benchmarks): one document's records."""
    return [
        Report(document_id, i, r, rules.facts(r), quotes=_quotes(r), **about)
        for i, r in enumerate(records)
    ]


def geocode_reports(reports: list[Report], geocoder: Geocoder, text: str = "") -> list[Report]:
    """The reports of one document, geocoded: each alone, then the ambiguous ones again with
    the document's other places as neighbours."""
    placed = [
        replace(r, geo=geocoder.geocode(_query(r), text=text or " ".join(r.quotes)))
        for r in reports
    ]
    for i, report in enumerate(placed):
        if not report.geo.ambiguous:
            continue
        points = [
            point
            for j, o in enumerate(placed)
            if j != i and (point := o.geo.point) is not None and not o.geo.ambiguous
        ]
        if points:
            geo = geocoder.geocode(
                _query(report), text=text or " ".join(report.quotes), neighbours=points
            )
            placed[i] = replace(report, geo=geo)
    return placed


def _query(report: Report) -> PlaceQuery:
    f = report.facts
    return PlaceQuery(f.place, f.admin1, f.admin2, f.country)


def _geocoded(reports: list[Report], row: dict[str, Any], geocoder: Geocoder) -> list[Report]:
    return geocode_reports(reports, geocoder, str(row.get("text") or ""))


def _last_lines(paths: Sequence[Path]) -> list[dict[str, Any]]:
    last: dict[str, dict[str, Any]] = {}
    for path in paths:
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as e:
            raise InputError(
                f"Cannot read results {path}: {e}", "Pass result JSONL files written by extract -o."
            ) from e
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError:
                continue  # a torn last line (an interrupted run): readers skip it
            if not isinstance(row, dict) or "document_id" not in row:
                raise InputError(
                    f"{path}:{number} is not a result line (no document_id).",
                    "Pass result JSONL files written by extract -o.",
                )
            last[str(row["document_id"])] = row
    return [r for r in last.values() if r.get("status") in ("ok", "partial")]


def _rules(schemas: set[str]) -> DatasetRules:
    if not schemas:
        raise InputError(
            "The results hold no extracted document.",
            "Pass result JSONL files with at least one ok document.",
        )
    if len(schemas) > 1:
        raise InputError(
            f"The results mix schemas ({', '.join(sorted(schemas))}).",
            "Build one dataset per schema.",
        )
    (name,) = schemas
    rules = getattr(load_schema(name).record, "dataset_rules", None)
    if rules is None:
        raise SchemaError(
            f"Schema {name!r} has no dataset rules (how to merge and export it).",
            "Give its record class a dataset_rules attribute "
            "(see llm_extract.dataset.rules.DatasetRules).",
        )
    return rules  # type: ignore[no-any-return]


def _reports(row: dict[str, Any], rules: DatasetRules) -> list[Report]:
    meta: dict[str, Any] = row["metadata"] if isinstance(row.get("metadata"), dict) else {}
    flags = row_flags(row)
    published = row.get("published") or meta.get("published")
    source = row.get("source")
    return [
        Report(
            document_id=str(row["document_id"]),
            index=i,
            record=record,
            facts=rules.facts(record),
            outlet=_outlet(meta, source),
            published=str(published) if published else None,
            source=str(source) if source else None,
            quotes=_quotes(record),
            flags=flags.get(i, []),
        )
        for i, record in enumerate(row.get("records") or [])
        if isinstance(record, dict)
    ]


def _outlet(meta: dict[str, Any], source: Any) -> str | None:
    for name in ("outlet", "publisher", "site", "source"):
        if isinstance(meta.get(name), str) and meta[name].strip():
            return str(meta[name]).strip()
    if isinstance(source, str) and source.startswith(("http://", "https://")):
        return urlparse(source).hostname
    return None


def _quotes(record: dict[str, Any]) -> list[str]:
    return [
        e["quote"] for e in record.get("evidence") or [] if isinstance(e, dict) and e.get("quote")
    ]


def _event_json(event: Event, number: int) -> dict[str, Any]:
    return {
        "event": number,
        "fatalities": event.fatalities,
        "day": event.day.isoformat() if event.day else None,
        "geocode": event.geo.to_json_dict(),
        "lead": event.lead.ref,
        "reports": [
            {
                "ref": r.ref,
                "document_id": r.document_id,
                "record_index": r.index,
                "outlet": r.outlet,
                "published": r.published,
                "source": r.source,
                "quotes": r.quotes,
                "flags": r.flags,
                "geocode": r.geo.to_json_dict(),
                "record": r.record,
            }
            for r in event.reports
        ],
        "merged": [
            {"report": d.report, "with": d.other, "fields": d.fields} for d in event.decisions
        ],
    }
