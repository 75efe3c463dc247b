"""Run output as tables: one row per record, for ``pd.read_csv`` / ``pd.read_parquet``.

Reads a run's JSONL (the last line per document, as every reader does) and flattens each record
with its schema's :meth:`~llm_extract.core.records.EventRecord.table_row` (ACLED's column names
for ``conflict_events``), adding ``document_id``, ``record`` (its number in the document), the
line's ``metadata`` keys, and ``status`` (``ok`` or ``partial``). Failed documents have no
records, so no rows; the run summary counts them.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from llm_extract.core.records import flatten
from llm_extract.core.registry import load_schema
from llm_extract.errors import ConfigError, LlmExtractError, OutputFileError

FORMATS = ("jsonl", "csv", "parquet")


def table_rows(jsonl: Path) -> list[dict[str, Any]]:
    """Every record of the run in ``jsonl`` as a flat row."""
    last: dict[str, dict[str, Any]] = {}
    for text in jsonl.read_text(encoding="utf-8").splitlines():
        try:
            parsed = json.loads(text)
        except json.JSONDecodeError:
            continue  # a torn last line: the next run drops it
        last[str(parsed.get("document_id"))] = parsed
    rows: list[dict[str, Any]] = []
    for doc_id, line in last.items():
        if line.get("status") not in ("ok", "partial"):
            continue
        flat = _flattener(str(line.get("schema_name")))
        for n, record in enumerate(line.get("records") or []):
            meta = {k: _cell(v) for k, v in (line.get("metadata") or {}).items()}
            head = {"document_id": doc_id, "record": n, "status": line["status"]}
            rows.append({**head, **meta, **flat(record)})
    return rows


def write_table(jsonl: Path, target: Path, fmt: str) -> int:
    """Write the records of ``jsonl`` to ``target`` as ``csv`` or ``parquet``; returns rows."""
    rows = table_rows(jsonl)
    columns = list(dict.fromkeys(k for row in rows for k in row))
    partial = target.with_name(target.name + ".partial")
    if fmt == "csv":
        with partial.open("w", encoding="utf-8", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=columns)
            writer.writeheader()
            writer.writerows(rows)
    elif fmt == "parquet":
        try:
            import pyarrow as pa
            import pyarrow.parquet as pq
        except ImportError:
            raise ConfigError(
                "Parquet output needs pyarrow.", "pip install 'llm-extract[parquet]'."
            ) from None
        table = pa.Table.from_pylist([{c: r.get(c) for c in columns} for r in rows])
        pq.write_table(table, partial)
    else:
        raise ConfigError(f"Unknown format {fmt!r}.", f"Use one of: {', '.join(FORMATS)}.")
    try:
        partial.replace(target)
    except OSError as e:
        raise OutputFileError(f"Cannot write {target}: {e.strerror}.", "Check permissions.") from e
    return len(rows)


def _flattener(schema_name: str) -> Any:
    try:
        record = load_schema(schema_name).record
    except LlmExtractError:
        return flatten  # a schema that cannot be loaded here (a user's file elsewhere)
    return getattr(record, "table_row", flatten)  # the schema's own columns


def _cell(value: Any) -> Any:
    return json.dumps(value, ensure_ascii=False) if isinstance(value, dict | list) else value
