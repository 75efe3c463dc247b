"""Batch extraction to a JSONL file that survives bad documents and interruptions.

Each document produces one line, written whole and fsync'ed before the next document starts:
``{"document_id", "source", "sha256", "status": "ok", "records", "usage", "attempts", ...}``,
``"status": "partial"`` (a long document some of whose chunks failed: the records found, plus
``failed_chunks``), or ``{"status": "error", "error": {...}}``. Running again with the same
output skips documents already ``ok`` with the same content hash, retries the failed (and
partial) ones, and drops a half-written last line, so an interrupted run resumes without losing
or duplicating a record. Readers take the last line per ``document_id``. The output file is
checked and locked before the first document (see :mod:`llm_extract.output_file`).

Inputs are text files, folders of ``*.txt``, or ``.jsonl`` files of ``{"id", "text",
"published"}`` objects. They are all read before extraction starts: two different documents
with one id are refused (naming both lines), and a document given twice is extracted once.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from llm_extract.documents import Document, parse_published
from llm_extract.errors import (
    BackendError,
    ExtractionFailedError,
    InputError,
    LlmExtractError,
    RequestRejectedError,
    TransportRetriesExhaustedError,
    describe,
)
from llm_extract.output_file import open_output
from llm_extract.result import Usage

if TYPE_CHECKING:
    from llm_extract.extractor import Extractor

logger = logging.getLogger(__name__)

# Errors about one document: record them and go on. Others (bad key, no server) stop the run.
# A connection dropped on every try is a TransportRetriesExhaustedError (ConnectionDroppedError):
# one document's problem. A refused connection or unknown host is EndpointUnreachableError.
PER_DOCUMENT_ERRORS = (
    InputError,
    ExtractionFailedError,
    RequestRejectedError,
    TransportRetriesExhaustedError,
)


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

    def __post_init__(self) -> None:
        if not self.content:
            self.content = self.document.sha256 if self.document else self.source


@dataclass
class BatchSummary:
    ok: int = 0
    failed: int = 0
    skipped: int = 0
    usage: Usage = field(default_factory=Usage)
    failures: list[str] = field(default_factory=list)


def iter_jobs(
    inputs: Iterable[str | Path], *, published: str | date | None, max_chars: int
) -> Iterator[Job]:
    """Expand files, folders and JSONL inputs into jobs; unreadable ones become error jobs."""
    for item in inputs:
        path = Path(item)
        if path.is_dir():
            files = sorted(p for p in path.iterdir() if p.suffix in {".txt", ".md"})
            yield from iter_jobs(files, published=published, max_chars=max_chars)
        elif path.suffix == ".jsonl":
            yield from _jsonl_jobs(path, published, max_chars)
        else:
            try:
                doc = Document.from_path(path, max_chars=max_chars)
                yield Job(doc.id, str(path), doc, published)
            except InputError as e:
                yield Job(str(path), str(path), error=e)


def _jsonl_jobs(path: Path, published: str | date | None, max_chars: int) -> Iterator[Job]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as e:
        yield Job(str(path), str(path), error=InputError(f"Cannot read {path}: {e}.", "Check it."))
        return
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        where = f"{path}:{n}"
        try:
            row = json.loads(line)
        except json.JSONDecodeError as e:
            row = {"_error": f"not JSON ({e.msg})"}
        doc_id = str(row.get("id") or where) if isinstance(row, dict) else where
        if not isinstance(row, dict) or not isinstance(row.get("text"), str):
            reason = row.get("_error") if isinstance(row, dict) else None
            yield Job(doc_id, where, content=line, error=InputError(
                f"{where} is not a document line: {reason or 'no string text field'}.",
                'Each line must be {"id": ..., "text": ..., "published": "YYYY-MM-DD"}.',
            ))  # fmt: skip
            continue
        try:
            doc = Document.from_text(row["text"], id=doc_id, source=where, max_chars=max_chars)
        except InputError as e:
            yield Job(doc_id, where, error=e)
            continue
        yield Job(doc_id, where, doc, row.get("published") or published)


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


def run_batch(
    extractor: Extractor,
    inputs: Iterable[str | Path],
    output: Path | IO[str],
    *,
    published: str | date | None = None,
    on_result: Callable[[dict[str, Any]], None] | None = None,
) -> BatchSummary:
    """Extract every input into JSONL ``output`` (a path resumes; a stream just writes).

    Bad input stops here before any extraction: a bad ``published``, an unusable output file
    (:class:`~llm_extract.errors.OutputFileError`), or two documents sharing an id.
    """
    parse_published(published)
    if isinstance(output, Path):
        with open_output(output) as (stream, done):
            return _run(extractor, inputs, stream, done, published, on_result)
    return _run(extractor, inputs, output, set(), published, on_result)


def _run(
    extractor: Extractor,
    inputs: Iterable[str | Path],
    stream: IO[str],
    done: set[tuple[str, str]],
    published: str | date | None,
    on_result: Callable[[dict[str, Any]], None] | None,
) -> BatchSummary:
    summary = BatchSummary()
    jobs = unique_jobs(iter_jobs(inputs, published=published, max_chars=extractor.max_chars))
    for job in jobs:
        if job.document and (job.document_id, job.document.sha256) in done:
            summary.skipped += 1
            continue
        row = _run_job(extractor, job)
        _write_line(stream, row)
        if row["status"] == "ok":
            summary.ok += 1
            summary.usage.add(Usage.model_validate(row["usage"]))
        elif row["status"] == "partial":
            summary.failed += 1
            summary.usage.add(Usage.model_validate(row["usage"]))
            failed = [c["index"] for c in row["failed_chunks"]]
            summary.failures.append(f"{job.source}: chunks {failed} of {row['chunks']} failed")
        else:
            summary.failed += 1
            summary.failures.append(f"{job.source}: {row['error']['message']}")
        if on_result:
            on_result(row)
    return summary


def _run_job(extractor: Extractor, job: Job) -> dict[str, Any]:
    head: dict[str, Any] = {
        "document_id": job.document_id,
        "source": job.source,
        "sha256": job.document.sha256 if job.document else None,
    }
    if job.error is not None or job.document is None:
        return {**head, "status": "error", "error": describe(job.error or InputError("unreadable"))}
    try:
        result = extractor.extract(job.document, published=job.published)
    except PER_DOCUMENT_ERRORS as e:
        return {**head, "status": "error", "error": describe(e)}
    except BackendError:
        raise  # the endpoint itself is unusable: every further document would fail the same way
    # "partial": some chunks failed. Their records are kept, and a rerun retries the document.
    row = {**head, "status": "ok" if result.complete else "partial", **result.to_json_dict()}
    row["text"] = job.document.text  # what the evidence offsets index (the review page shows it)
    return row


def _write_line(stream: IO[str], row: dict[str, Any]) -> None:
    stream.write(json.dumps(row, ensure_ascii=False) + "\n")
    stream.flush()
    # Not a real file (a pipe or StringIO): nothing to sync.
    with contextlib.suppress(OSError, ValueError, AttributeError):
        os.fsync(stream.fileno())
