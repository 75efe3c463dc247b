"""Reading result rows (``extract -o`` JSONL) and the source texts their evidence points into.

A row carries its document's text (``"text"``) when written by this version; older rows are
matched to their input again through ``"source"``: a text file (``docs/a.txt``) or a line of a
JSONL input (``in.jsonl:3``), looked up as given and then beside the results file. The text must
hash to the row's ``sha256``, or the offsets would point at the wrong characters.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from llm_extract.core.document import Document
from llm_extract.core.result import row_flags
from llm_extract.errors import InputError
from llm_extract.inputs.sources import read_source

_JSONL_LINE = re.compile(r"^(?P<path>.+\.jsonl):(?P<line>\d+)$")
_EVIDENCE_KEYS = {"quote", "start", "end"}


@dataclass
class Span:
    """One evidence span of one record: ``text[start:end] == quote``."""

    start: int
    end: int
    field: str


@dataclass
class ReviewDocument:
    """One document of the results: its text, records (as written) and their evidence spans."""

    document_id: str
    source: str
    status: str
    text: str
    records: list[dict[str, Any]] = field(default_factory=list)
    spans: list[list[Span]] = field(default_factory=list)  # per record
    error: str | None = None
    #: Character spans of chunks whose extraction failed (a "partial" row): records may be
    #: missing there.
    failed_spans: list[tuple[int, int]] = field(default_factory=list)
    #: Per record, what its flags say (the model kept a code its own quotes contradict).
    flags: dict[int, list[str]] = field(default_factory=dict)
    #: The document's language (ISO 639-1), when the row says it.
    language: str | None = None
    #: Records left out because they failed validation after the re-asks: their errors.
    dropped: list[str] = field(default_factory=list)
    #: How the document was read, when the row says (e.g. a language without word lists).
    notes: list[str] = field(default_factory=list)


def read_rows(path: Path) -> list[dict[str, Any]]:
    """The last row per ``document_id`` (as readers of ``-o`` files do), in first-seen order."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise InputError(
            f"No results file at {path}.", "Pass the JSONL written by llm-extract extract -o."
        ) from None
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(f"Cannot read {path}: {e}.", "Pass a UTF-8 JSONL from extract -o.") from e
    rows: dict[str, dict[str, Any]] = {}
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as e:
            if n == len(lines):
                continue  # a torn last line of an interrupted run: extract -o drops it too
            raise InputError(
                f"{path}:{n} is not JSON ({e.msg}).", "Pass the JSONL written by extract -o."
            ) from e
        if not isinstance(row, dict) or "document_id" not in row or "status" not in row:
            raise InputError(
                f"{path}:{n} is not an llm-extract result row (no document_id/status).",
                "Pass the JSONL written by llm-extract extract -o.",
            )
        rows.pop(str(row["document_id"]), None)  # keep first-seen order of the last version
        rows[str(row["document_id"])] = row
    return list(rows.values())


def load_documents(path: Path) -> list[ReviewDocument]:
    """Every document of a results file with its text and checked evidence spans."""
    docs = []
    for row in read_rows(path):
        status = str(row["status"])
        doc_id, source = str(row["document_id"]), str(row.get("source") or "")
        if status == "error":
            message = (row.get("error") or {}).get("message", "failed")
            docs.append(ReviewDocument(doc_id, source, status, "", error=str(message)))
            continue
        text = row_text(row, path)
        records = [r for r in row.get("records") or [] if isinstance(r, dict)]
        spans = [record_spans(record, text, doc_id, i) for i, record in enumerate(records)]
        failed = [
            (int(c["start"]), int(c["end"]))
            for c in row.get("failed_chunks") or []
            if isinstance(c, dict) and {"start", "end"} <= c.keys()
        ]
        flags = row_flags(row)
        dropped = [
            str(d.get("error", "")) for d in row.get("dropped_records") or [] if isinstance(d, dict)
        ]
        notes: list[Any] = row["notes"] if isinstance(row.get("notes"), list) else []
        docs.append(
            ReviewDocument(
                doc_id, source, status, text, records, spans, None, failed, flags,
                language=row.get("language"), dropped=dropped, notes=[str(n) for n in notes],
            )
        )  # fmt: skip
    return docs


def row_text(row: dict[str, Any], results: Path) -> str:
    """The text a row's offsets refer to: its ``text``, else its source read again."""
    if isinstance(row.get("text"), str):
        text = str(row["text"])
        origin = "its text field"
    else:
        text = _source_text(row, results)
        origin = f"its source {row.get('source')}"
    expected = row.get("sha256")
    if expected and hashlib.sha256(text.encode("utf-8")).hexdigest() != expected:
        raise InputError(
            f"Document {row['document_id']!r}: the text from {origin} is not the text that was "
            "extracted (its sha256 differs), so the evidence offsets would mark the wrong "
            "characters.",
            "Restore the source as it was, or run extract -o again on the current text.",
        )
    return text


def _source_text(row: dict[str, Any], results: Path) -> str:
    source = str(row.get("source") or "")
    match = _JSONL_LINE.match(source)
    file = _locate(Path(match["path"] if match else source), results)
    fix = (
        "Keep the inputs where extract -o read them (or beside the results file), or run "
        "extract -o again: rows written now carry their text."
    )
    if file is None:
        raise InputError(
            f"Document {row['document_id']!r} has no text in {results} and its source "
            f"{source!r} cannot be found (looked as given and beside {results}).",
            fix,
        )
    try:
        if match is None:
            # The same reader as the run: an HTML source's offsets index its article text.
            return read_source(file, max_chars=2**62).document.text
        line = file.read_text(encoding="utf-8").splitlines()[int(match["line"]) - 1]
        return Document.from_text(json.loads(line)["text"], max_chars=2**62).text
    except (OSError, UnicodeDecodeError, IndexError, KeyError, TypeError, ValueError) as e:
        raise InputError(
            f"Document {row['document_id']!r}: cannot read its text from {source} ({e}).", fix
        ) from e


def _locate(path: Path, results: Path) -> Path | None:
    for candidate in (path, results.parent / path, results.parent / path.name):
        if str(path) and candidate.is_file():
            return candidate
    return None


def record_spans(record: dict[str, Any], text: str, doc_id: str, index: int) -> list[Span]:
    """The evidence spans of one record (every list of {quote, start, end}), checked against
    the text."""
    spans = []
    for name, value in record.items():
        if not is_evidence(value):
            continue
        for ev in value:
            start, end = ev["start"], ev["end"]
            if not (isinstance(start, int) and isinstance(end, int)) or (
                text[start:end] != ev["quote"] or not 0 <= start <= end <= len(text)
            ):
                raise InputError(
                    f"Document {doc_id!r}, record {index + 1}: evidence {str(ev['quote'])[:60]!r}"
                    f" is not at [{start}:{end}] of the document's text.",
                    "The text is not the one extracted from: run extract -o again.",
                )
            spans.append(Span(start, end, name))
    return spans


def is_evidence(value: Any) -> bool:
    """Whether a record field holds evidence spans (shown as highlights, not as a column)."""
    return (
        isinstance(value, list)
        and bool(value)
        and all(isinstance(v, dict) and v.keys() >= _EVIDENCE_KEYS for v in value)
    )
