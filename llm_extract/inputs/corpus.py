"""Reading a corpus: every input becomes a :class:`Job` (a document, or the error met reading
it), before any extraction starts.

Inputs: text files; HTML files (``.html``/``.htm``, or content that starts like a page) and
``http(s)://`` URLs, read as their article's text with the page's date as ``published`` unless
the run gives one (:mod:`llm_extract.inputs.sources`); folders, walked recursively for
``*.txt`` / ``*.md`` / ``*.html`` / ``*.htm`` in sorted order; ``.jsonl`` files of ``{"id",
"text", "published"}`` objects; ``.csv`` files with a text column (``text_column``, default
``text``), an id column (``id_column``, default ``id``; else the row number) and an optional
``published`` column; ``-`` for stdin (JSONL when its first line is a JSON object, else one
text document). Any other JSONL keys or CSV columns are carried to the output line as
``metadata``. Two different documents with one id are refused (naming both), and a document
given twice is extracted once (:func:`unique_jobs`).
"""

from __future__ import annotations

import csv
import io
import json
import logging
import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from llm_extract.core.document import HTML_SUFFIXES, Document
from llm_extract.errors import InputError, LlmExtractError
from llm_extract.inputs.sources import is_url, read_source

logger = logging.getLogger("llm_extract.runs.corpus")
_DOCUMENT_KEYS = frozenset({"id", "text", "published"})
_LINE_FORMAT = 'Each line must be {"id": ..., "text": ..., "published": "YYYY-MM-DD"}.'
#: What a folder's files are read as documents; .jsonl and .csv are passed by name.
FOLDER_SUFFIXES = frozenset({".txt", ".md", *HTML_SUFFIXES})


@dataclass(frozen=True)
class Columns:
    """Which CSV columns hold the text and the id."""

    text: str = "text"
    id: str = "id"


@dataclass
class Job:
    """One document to extract, or the error met while reading it."""

    document_id: str
    source: str
    document: Document | None = None
    published: str | date | None = None
    error: LlmExtractError | None = None
    #: What the id stands for: the text's sha256, or for an unreadable input its raw line/path.
    content: str = ""
    #: A JSONL line's other keys, carried through to its output line as ``metadata``.
    metadata: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.content:
            self.content = self.document.sha256 if self.document else self.source

    @property
    def failure(self) -> LlmExtractError:
        """Why this job has no document to extract: its error (or "unreadable")."""
        return self.error or InputError("unreadable")


def iter_jobs(
    inputs: Iterable[str | Path],
    *,
    published: str | date | None,
    max_chars: int,
    columns: Columns | None = None,
) -> Iterator[Job]:
    """Expand files, folders, JSONL, CSV and stdin into jobs; unreadable ones become error
    jobs."""
    columns = columns or Columns()
    for item in inputs:
        if is_url(item):  # before Path(), which would collapse "http://" to "http:/"
            yield _source_job(str(item), published, max_chars)
            continue
        path = Path(item)
        if str(item) == "-":
            yield from _stdin_jobs(published, max_chars)
        elif path.is_dir():
            files = folder_files(path)
            yield from iter_jobs(files, published=published, max_chars=max_chars)
        elif path.suffix == ".jsonl":
            yield from _jsonl_jobs(path, published, max_chars)
        elif path.suffix == ".csv":
            yield from _csv_jobs(path, published, max_chars, columns)
        else:
            yield _source_job(path, published, max_chars)


def folder_files(folder: Path) -> list[Path]:
    """The documents in ``folder`` and its subfolders, sorted by path. Hidden files and folders
    (``.git``, ``.DS_Store``) are left out unsaid; other kinds are counted in a warning, so a
    folder of PDFs does not pass for a folder of articles. No document at all is an error."""
    found: list[Path] = []
    skipped: Counter[str] = Counter()
    for path in sorted(folder.rglob("*")):
        if any(part.startswith(".") for part in path.relative_to(folder).parts):
            continue
        if not path.is_file():
            continue
        if path.suffix.lower() in FOLDER_SUFFIXES:
            found.append(path)
        else:
            skipped[path.suffix.lower() or "no extension"] += 1
    kinds = ", ".join(f"{n} {kind}" for kind, n in sorted(skipped.items()))
    if not found:
        raise InputError(
            f"{folder} has no .txt, .md, .html or .htm files"
            + (f" (only {kinds})." if kinds else " (it is empty)."),
            "Pass a folder of article files; pass .jsonl and .csv files by name.",
        )
    if skipped:
        logger.warning(
            "%s: skipped %d file(s) of other kinds (%s); folders take .txt, .md, .html, .htm.",
            folder, skipped.total(), kinds,
        )  # fmt: skip
    return found


def _source_job(item: str | Path, published: str | date | None, max_chars: int) -> Job:
    """A file or URL as a job; the run's ``published`` wins over the date the page states."""
    try:
        page = read_source(item, max_chars=max_chars)
    except InputError as e:
        return Job(str(item), str(item), error=e)
    pub = published or page.published
    return Job(page.document.id, str(item), page.document, pub, metadata=page.metadata)


def _stdin_jobs(published: str | date | None, max_chars: int) -> Iterator[Job]:
    text = sys.stdin.read()
    if text.lstrip().startswith("{"):
        yield from _jsonl_lines("<stdin>", text.splitlines(), published, max_chars)
        return
    try:
        doc = Document.from_text(text, source="<stdin>", max_chars=max_chars)
        yield Job(doc.id, "<stdin>", doc, published)
    except InputError as e:
        yield Job("<stdin>", "<stdin>", error=e)


def _csv_jobs(
    path: Path, published: str | date | None, max_chars: int, columns: Columns
) -> Iterator[Job]:
    try:
        reader = csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"), newline=""))
        rows = list(reader)
    except (OSError, UnicodeDecodeError, csv.Error) as e:
        yield Job(str(path), str(path), error=InputError(f"Cannot read {path}: {e}.", "Check it."))
        return
    if columns.text not in (reader.fieldnames or []):
        raise InputError(
            f"{path} has no column {columns.text!r} "
            f"(columns: {', '.join(reader.fieldnames or [])}).",
            "Name the text column with --text-column (and the id column with --id-column).",
        )
    for n, row in enumerate(rows, 2):  # line 1 is the header
        where = f"{path}:{n}"
        doc_id = (row.get(columns.id) or "").strip() or where
        meta = {k: v for k, v in row.items() if k not in (columns.text, columns.id, "published")}
        try:
            doc = Document.from_text(
                row.get(columns.text) or "", id=doc_id, source=where, max_chars=max_chars
            )
        except InputError as e:
            yield Job(doc_id, where, content=json.dumps(row), error=e)
            continue
        pub = (row.get("published") or "").strip() or published
        yield Job(doc_id, where, doc, pub, metadata={k: v for k, v in meta.items() if k})


def _jsonl_jobs(path: Path, published: str | date | None, max_chars: int) -> Iterator[Job]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as e:
        yield Job(str(path), str(path), error=InputError(f"Cannot read {path}: {e}.", "Check it."))
        return
    yield from _jsonl_lines(str(path), lines, published, max_chars)


def _jsonl_lines(
    name: str, lines: list[str], published: str | date | None, max_chars: int
) -> Iterator[Job]:
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        where = f"{name}:{n}"
        try:
            row = json.loads(line)
        except json.JSONDecodeError as e:
            row = {"_error": f"not JSON ({e.msg})"}
        yield job_from_dict(row, where, published, max_chars, raw=line)


def job_from_dict(
    row: Any, where: str, published: str | date | None, max_chars: int, *, raw: str = ""
) -> Job:
    """One ``{"id", "text", "published", ...}`` object (a JSONL line, a Ray Dataset row) as a
    job; ``where`` names it in messages (and is its id when it has none)."""
    doc_id = str(row.get("id") or where) if isinstance(row, dict) else where
    if not isinstance(row, dict) or not isinstance(row.get("text"), str):
        reason = row.get("_error") if isinstance(row, dict) else None
        return Job(doc_id, where, content=raw, error=InputError(
            f"{where} is not a document line: {reason or 'no string text field'}.",
            _LINE_FORMAT,
        ))  # fmt: skip
    try:
        doc = Document.from_text(row["text"], id=doc_id, source=where, max_chars=max_chars)
    except InputError as e:
        return Job(doc_id, where, error=e)
    extra = {k: v for k, v in row.items() if k not in _DOCUMENT_KEYS}
    return Job(doc_id, where, doc, row.get("published") or published, metadata=extra)


def unique_jobs(jobs: Iterable[Job]) -> list[Job]:
    """The jobs, each (id, content) once; two different contents under one id are refused."""
    first: dict[str, Job] = {}
    kept: list[Job] = []
    clashes: dict[str, list[Job]] = {}
    for job in jobs:
        seen = first.setdefault(job.document_id, job)
        if seen is job:
            kept.append(job)
        elif seen.content == job.content:
            logger.warning(
                "%s repeats %s (id %r, same text): extracting it once.",
                job.source, seen.source, job.document_id,
            )  # fmt: skip
        else:
            clashes.setdefault(job.document_id, [seen]).append(job)
    if clashes:
        doc_id, same = next(iter(clashes.items()))
        more = f" ({len(clashes) - 1} more id(s) like it)" if len(clashes) > 1 else ""
        raise InputError(
            f"Id {doc_id!r} is used by {len(same)} different documents: "
            f"{', '.join(j.source for j in same)}{more}.",
            "Give each document its own id (readers keep only the last line per id).",
        )
    return kept
