"""Run output as tables an analyst loads in one line (``pd.read_csv``, ``pd.read_parquet``,
DuckDB's ``read_csv``/``read_parquet``).

Two tables from a run's JSONL (the last line per document, as every reader takes it):

* **events** (``events.csv``): one row per record, flattened by its schema's
  :meth:`~llm_extract.core.records.EventRecord.table_row` (ACLED's column names and codes for
  ``conflict_events``), after the document's columns: ``document_id``, ``record`` (its number
  in the document), ``status`` (``ok`` or ``partial``), ``published``, ``document_source``,
  every other scalar key of the line (``model``, ``language``, ...), the line's ``metadata``
  (a CSV input's other columns, a page's title), and ``flags`` (what a codebook check still
  says against the record's code). Evidence comes as offsets and as the quoted text.
* **documents** (``events.documents.csv``): one row per document, whatever became of it:
  ``status`` ``ok``, ``no_events`` (extracted, nothing to record), ``partial`` or ``error``
  (with ``error_type`` and ``error``), and ``records``, the number of its event rows.

Two tables rather than a status column in one: a row of the events table is an event, so
counting, grouping and summing fatalities need no filter, and it compares with an ACLED
export row for row; the documents table accounts for every input (join on ``document_id``).

Rows follow the run's input order (``order``: document ids; a run's lines are in the order
documents finished), then any other documents of the file in the order they first appear.
Parquet columns are typed: dates (``event_date``, ``published``) as ``date32``, counts as
integers. A key the line or a record gains later becomes a column of its own.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from llm_extract.core.records import flatten, table_date
from llm_extract.core.registry import load_schema
from llm_extract.core.result import row_flags
from llm_extract.errors import ConfigError, LlmExtractError, OutputFileError

FORMATS = ("jsonl", "csv", "parquet")
#: Line keys that are not document columns: the records themselves, accounting, the text.
_NOT_COLUMNS = frozenset({
    "document_id", "status", "published", "source", "metadata", "records", "usage", "attempts",
    "seconds", "chunks", "failed_chunks", "flags", "text", "run", "error", "sha256",
    "schema_name",
})  # fmt: skip
_EVENT_HEAD = ("document_id", "record", "status", "published")
_DOCUMENT_HEAD = ("document_id", "status", "records", "published")


@dataclass(frozen=True)
class Tables:
    """What :func:`write_table` wrote."""

    events: Path
    event_rows: int
    documents: Path
    document_rows: int

    def line(self) -> str:
        """The CLI's report of it."""
        return (
            f"{self.event_rows} event rows -> {self.events}; {self.document_rows} documents "
            f"(with their status) -> {self.documents}"
        )


def documents_path(target: Path) -> Path:
    """Where the documents table of ``target`` goes: ``events.csv`` -> ``events.documents.csv``."""
    return target.with_name(f"{target.stem}.documents{target.suffix}")


def table_rows(jsonl: Path, order: Iterable[str] = ()) -> list[dict[str, Any]]:
    """The events table of the run in ``jsonl``: every record as a flat row."""
    rows: list[dict[str, Any]] = []
    for doc_id, line in _documents(jsonl, order):
        if line.get("status") not in ("ok", "partial"):
            continue
        flat = _flattener(str(line.get("schema_name")))
        flags = row_flags(line)
        for n, record in enumerate(line.get("records") or []):
            columns = flat(record)
            head = {"document_id": doc_id, "record": n, "status": line["status"],
                    "published": table_date(line.get("published"))}  # fmt: skip
            about = _about(line, set(columns))
            rows.append({**head, **about, **columns, "flags": "; ".join(flags.get(n, [])) or None})
    return rows


def document_rows(jsonl: Path, order: Iterable[str] = ()) -> list[dict[str, Any]]:
    """The documents table of the run in ``jsonl``: one row per document, with its status."""
    rows: list[dict[str, Any]] = []
    for doc_id, line in _documents(jsonl, order):
        records = len(line.get("records") or [])
        status = str(line.get("status"))
        found = line.get("error")
        error: dict[str, Any] = found if isinstance(found, dict) else {}
        rows.append({
            "document_id": doc_id,
            "status": "no_events" if status == "ok" and not records else status,
            "records": records,
            "published": table_date(line.get("published")),
            **_about(line, set()),
            "failed_chunks": len(line.get("failed_chunks") or []),
            "error_type": error.get("type"),
            "error": error.get("message"),
        })  # fmt: skip
    return rows


def write_table(jsonl: Path, target: Path, fmt: str, order: Iterable[str] = ()) -> Tables:
    """Write the events table of ``jsonl`` to ``target`` and its documents table beside it
    (:func:`documents_path`), as ``csv`` or ``parquet``, rows in ``order`` (document ids)."""
    if fmt not in ("csv", "parquet"):
        raise ConfigError(f"Unknown table format {fmt!r}.", "Use csv or parquet.")
    order = list(order)
    events = table_rows(jsonl, order)
    documents = document_rows(jsonl, order)
    others = documents_path(target)
    _write(events, _EVENT_HEAD, target, fmt)
    _write(documents, _DOCUMENT_HEAD, others, fmt)
    return Tables(target, len(events), others, len(documents))


def _documents(jsonl: Path, order: Iterable[str]) -> list[tuple[str, dict[str, Any]]]:
    """(document id, its last line) in ``order``, then the rest as they first appear."""
    last: dict[str, dict[str, Any]] = {}
    for text in jsonl.read_text(encoding="utf-8").splitlines():
        try:
            parsed = json.loads(text)
        except json.JSONDecodeError:
            continue  # a torn last line: the next run drops it
        if isinstance(parsed, dict) and "document_id" in parsed:
            last[str(parsed["document_id"])] = parsed
    ids = [i for i in dict.fromkeys(order) if i in last]
    ids += [i for i in last if i not in set(ids)]
    return [(i, last[i]) for i in ids]


def _about(line: dict[str, Any], taken: set[str]) -> dict[str, Any]:
    """The document's own columns: its source, other scalar line keys (flattened if nested)
    and its metadata. A name a record column already has gets ``document_`` before it (a
    conflict record's ``source`` is who reported the event; the line's is the input)."""
    about: dict[str, Any] = {"source": line.get("source")}
    for key, value in line.items():
        if key in _NOT_COLUMNS:
            continue
        about.update(flatten(value, f"{key}_") if isinstance(value, dict) else {key: _cell(value)})
    meta = line.get("metadata")
    about.update({k: _cell(v) for k, v in (meta.items() if isinstance(meta, dict) else [])})
    return {
        (f"document_{k}" if k in taken or k in ("source", *_EVENT_HEAD, "flags") else k): v
        for k, v in about.items()
    }


def _write(rows: list[dict[str, Any]], head: tuple[str, ...], target: Path, fmt: str) -> None:
    columns = list(dict.fromkeys([*head, *(k for row in rows for k in row)]))
    partial = target.with_name(target.name + ".partial")
    if fmt == "csv":
        with partial.open("w", encoding="utf-8", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=columns)
            writer.writeheader()
            writer.writerows(rows)
    else:
        _write_parquet(rows, columns, partial)
    try:
        partial.replace(target)
    except OSError as e:
        raise OutputFileError(f"Cannot write {target}: {e.strerror}.", "Check permissions.") from e


def _write_parquet(rows: list[dict[str, Any]], columns: list[str], target: Path) -> None:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise ConfigError(
            "Parquet output needs pyarrow.", "pip install 'llm-extract[parquet]'."
        ) from None
    arrays = []
    for name in columns:
        values = [row.get(name) for row in rows]
        if all(v is None for v in values):
            # No value to type it by: a date column stays a date, the rest text.
            arrays.append(pa.array(values, pa.date32() if name == "published" else pa.string()))
            continue
        try:
            arrays.append(pa.array(values))
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            # Mixed kinds (a metadata key that is a number in one line, text in another).
            arrays.append(pa.array([None if v is None else str(v) for v in values], pa.string()))
    pq.write_table(pa.table(arrays, names=columns), target)


def _flattener(schema_name: str) -> Any:
    try:
        record = load_schema(schema_name).record
    except LlmExtractError:
        return flatten  # a schema that cannot be loaded here (a user's file elsewhere)
    return getattr(record, "table_row", flatten)  # the schema's own columns


def _cell(value: Any) -> Any:
    return json.dumps(value, ensure_ascii=False) if isinstance(value, dict | list) else value
