"""Reading a corpus: every input becomes a :class:`Job` (a document, or the error met reading
it), before any extraction starts.

Inputs: text files; HTML files (``.html``/``.htm``, or content that starts like a page) and
``http(s)://`` URLs, read as their article's text with the page's date as ``published`` unless
the run gives one (:mod:`llm_extract.inputs.sources`); folders, walked recursively for
``*.txt`` / ``*.md`` / ``*.html`` / ``*.htm`` in sorted order; ``.jsonl`` files of objects and
``.csv`` files with a header, whose text, id and publication date keys are named by
:class:`~llm_extract.inputs.columns.Columns` (``text``/``id``/``published`` by default, and
``body``, ``date`` and their kin when unambiguous); ``-`` for stdin (JSONL when its first line
is a JSON object, else one text document). A row without an id gets its place
(``news.csv:3``). A publication date may be a timestamp with a zone; the document keeps its
date, in its own zone. Any other JSONL keys or CSV columns are carried to the output line as
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

from llm_extract.core.document import DEFAULT_MAX_CHARS, HTML_SUFFIXES, Document
from llm_extract.errors import InputError, LlmExtractError
from llm_extract.inputs.columns import CANONICAL, Columns
from llm_extract.inputs.sources import is_url, read_source

logger = logging.getLogger("llm_extract.runs.corpus")
_LINE_FORMAT = (
    'Each line must be {"id": ..., "text": ..., "published": "YYYY-MM-DD"}; name another text '
    "key with --text-field (Columns(text=...))."
)
#: What a folder's files are read as documents; .jsonl and .csv are passed by name.
FOLDER_SUFFIXES = frozenset({".txt", ".md", *HTML_SUFFIXES})


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
            yield from _stdin_jobs(published, max_chars, columns)
        elif path.is_dir():
            files = folder_files(path)
            yield from iter_jobs(files, published=published, max_chars=max_chars)
        elif path.suffix == ".jsonl":
            yield from _jsonl_jobs(path, published, max_chars, columns)
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


def _stdin_jobs(published: str | date | None, max_chars: int, columns: Columns) -> Iterator[Job]:
    text = sys.stdin.read()
    if text.lstrip().startswith("{"):
        yield from _jsonl_lines("<stdin>", text.splitlines(), published, max_chars, columns)
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
    names = [n for n in reader.fieldnames or [] if n]
    found = columns.resolve(names, str(path))
    if found.text is None:
        raise InputError(
            f"{path} has no column 'text' (columns: {', '.join(names)}).",
            "Name the text column with --text-column (and the id column with --id-column; "
            "Columns(text=..., id=...) in Python).",
        )
    for n, row in enumerate(rows, 2):  # line 1 is the header
        yield _job(row, f"{path}:{n}", found, published, max_chars, json.dumps(row))


def _jsonl_jobs(
    path: Path, published: str | date | None, max_chars: int, columns: Columns
) -> Iterator[Job]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as e:
        yield Job(str(path), str(path), error=InputError(f"Cannot read {path}: {e}.", "Check it."))
        return
    yield from _jsonl_lines(str(path), lines, published, max_chars, columns)


def _jsonl_lines(
    name: str, lines: list[str], published: str | date | None, max_chars: int, columns: Columns
) -> Iterator[Job]:
    rows: list[tuple[str, Any, str]] = []
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as e:
            row = {"_error": f"not JSON ({e.msg})"}
        rows.append((f"{name}:{n}", row, line))
    # The first object line names the keys for the file: a corpus is written by one tool.
    first = next((r for _, r, _ in rows if isinstance(r, dict) and "_error" not in r), {})
    where = next((w for w, r, _ in rows if r is first), name)
    found = columns.resolve(list(first), where, strict=False)
    for at, row, line in rows:
        yield job_from_dict(row, at, published, max_chars, raw=line, columns=found)


def job_from_dict(
    row: Any,
    where: str,
    published: str | date | None,
    max_chars: int,
    *,
    raw: str = "",
    columns: Columns = CANONICAL,
) -> Job:
    """One object (a JSONL line, a Ray Dataset row) as a job, its keys named by ``columns``
    (resolved: :meth:`Columns.resolve`); ``where`` names it in messages (and is its id when it
    has none)."""
    text_key = columns.text or "text"
    if not isinstance(row, dict) or not isinstance(row.get(text_key), str):
        doc_id = str(row.get(columns.id or "id") or where) if isinstance(row, dict) else where
        reason = row.get("_error") if isinstance(row, dict) else None
        if reason is None and isinstance(row, dict):
            keys = ", ".join(row) or "none"
            reason = f"no string {text_key!r} field (keys: {keys})"
        return Job(doc_id, where, content=raw, error=InputError(
            f"{where} is not a document line: {reason or 'not a JSON object'}.", _LINE_FORMAT,
        ))  # fmt: skip
    return _job(row, where, columns, published, max_chars, raw)


def _job(
    row: dict[str, Any],
    where: str,
    columns: Columns,
    published: str | date | None,
    max_chars: int,
    raw: str,
) -> Job:
    """A row (a CSV row or a JSON object) whose keys ``columns`` names, as a job."""
    doc_id = str(row.get(columns.id) or "").strip() if columns.id else ""
    doc_id = doc_id or where
    try:
        pub = columns.published_of(row.get(columns.published), where) if columns.published else None
        doc = Document.from_text(
            row.get(columns.text or "text") or "", id=doc_id, source=where, max_chars=max_chars
        )
    except InputError as e:
        return Job(doc_id, where, content=raw or where, error=e)
    return Job(doc_id, where, doc, pub or published, metadata=columns.metadata(row))


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


def read_corpus(
    inputs: Iterable[str | Path],
    *,
    columns: Columns | None = None,
    published: str | date | None = None,
    max_chars: int = DEFAULT_MAX_CHARS,
) -> list[Job]:
    """Every document ``inputs`` hold, as a corpus run reads them (before extracting any):
    each a :class:`Job` with its ``document``, ``published`` date and ``metadata``, or the
    ``error`` met reading it. ``columns``: the text, id and date keys of JSONL/CSV inputs
    (:class:`~llm_extract.inputs.columns.Columns`; found by name when left out)."""
    return unique_jobs(iter_jobs(inputs, published=published, max_chars=max_chars, columns=columns))
