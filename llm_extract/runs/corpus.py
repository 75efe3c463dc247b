"""Batch extraction to a JSONL file that survives bad documents and interruptions.

Each document produces one line, written whole and fsync'ed as the document finishes (documents
run concurrently, see :meth:`~llm_extract.Extractor.extract_many`; only this thread writes):
``{"document_id", "source", "sha256", "status": "ok", "records", "usage", "attempts", ...}``,
``"status": "partial"`` (a long document some of whose chunks failed: the records found, plus
``failed_chunks``), or ``{"status": "error", "error": {...}}``. Running again with the same
output skips documents already ``ok`` with the same content hash, retries the failed (and
partial) ones, and drops a half-written last line, so an interrupted run resumes without losing
or duplicating a record. Readers take the last line per ``document_id``. The output file is
checked and locked before the first document (see :mod:`llm_extract.runs.output_file`).

Inputs are text or HTML files, ``http(s)://`` URLs, folders (recursively: ``*.txt``, ``*.md``,
``*.html``, ``*.htm``), ``.csv`` files, or ``.jsonl`` files of ``{"id", "text", "published"}``
objects, or of other keys named by ``columns`` (any other keys are carried to the output line
as ``metadata``; see :mod:`llm_extract.inputs.corpus`). Each line carries the document's
``published`` date (ISO, or null). They are all read before extraction starts: two different
documents with one id are refused (naming both lines), and a document given twice is extracted
once.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from llm_extract.core.document import Document, parse_published
from llm_extract.core.result import Attempts, Usage
from llm_extract.errors import LlmExtractError, describe
from llm_extract.inputs.columns import Columns
from llm_extract.inputs.corpus import Job, iter_jobs, unique_jobs
from llm_extract.pipeline.many import Outcome
from llm_extract.runs.output_file import compact, open_output
from llm_extract.runs.run_fingerprint import run_fingerprint, same_run, stale_error

if TYPE_CHECKING:
    from llm_extract.api import Extractor

logger = logging.getLogger(__name__)


@dataclass
class CorpusSummary:
    """What a run did. ``failed`` counts every document not ``ok``; ``partial`` is the part of
    it that kept some records (a long document some of whose chunks failed)."""

    ok: int = 0
    failed: int = 0
    skipped: int = 0
    partial: int = 0
    records: int = 0
    usage: Usage = field(default_factory=Usage)
    attempts: Attempts = field(default_factory=Attempts)
    failures: list[str] = field(default_factory=list)
    seconds: float = 0.0
    #: The run's document ids in input order (its output lines are in the order they finished):
    #: the order of the rows of its tables (:func:`~llm_extract.runs.tables.write_table`).
    order: list[str] = field(default_factory=list)

    def count(self, row: dict[str, Any], source: str) -> None:
        """Add one output line."""
        if row["status"] in ("ok", "partial"):
            self.records += len(row["records"])
            self.usage.add(Usage.model_validate(row["usage"]))
            self.attempts.add(Attempts.model_validate(row["attempts"]))
        if row["status"] == "ok":
            self.ok += 1
        elif row["status"] == "partial":
            self.failed += 1
            self.partial += 1
            failed = [c["index"] for c in row["failed_chunks"]]
            self.failures.append(f"{source}: chunks {failed} of {row['chunks']} failed")
        else:
            self.failed += 1
            self.failures.append(f"{source}: {row['error']['message']}")
            if isinstance(row["error"].get("attempts"), dict):
                self.attempts.add(Attempts.model_validate(row["error"]["attempts"]))
            if isinstance(row["error"].get("usage"), dict):
                self.usage.add(Usage.model_validate(row["error"]["usage"]))

    def to_json_dict(self) -> dict[str, Any]:
        """The run summary as written next to the output (``<output>.summary.json``)."""
        a = self.attempts
        return {
            "documents": {"ok": self.ok, "partial": self.partial,
                          "failed": self.failed - self.partial, "skipped": self.skipped},
            "records": self.records,
            "requests": a.requests,
            "validation_reasks": a.validation_reasks,
            "transport_retries": a.transport_retries,
            "second_looks": a.second_looks,
            "cache_hits": a.cache_hits,
            "tokens": {"prompt": self.usage.prompt_tokens,
                       "completion": self.usage.completion_tokens,
                       "total": self.usage.total_tokens,
                       "cached_prompt": self.usage.cached_prompt_tokens},
            "wall_seconds": round(self.seconds, 3),
        }  # fmt: skip


def run_corpus(
    extractor: Extractor,
    inputs: Iterable[str | Path],
    output: Path | IO[str],
    *,
    published: str | date | None = None,
    on_result: Callable[[dict[str, Any]], None] | None = None,
    on_start: Callable[[int, int], None] | None = None,
    columns: Columns | None = None,
    redo: bool = False,
) -> CorpusSummary:
    """Extract every input into JSONL ``output`` (a path resumes; a stream just writes).

    Documents run ``extractor.concurrency`` at a time (:meth:`~llm_extract.Extractor.
    extract_many`); each line is written whole, in the order documents finish.
    ``on_start(to_run, already_done)`` is called once the inputs are read, ``on_result(row)``
    after each line is written. ``columns``: the text, id and publication date keys of JSONL
    and CSV inputs (:class:`~llm_extract.inputs.columns.Columns`, e.g. ``Columns(text="body",
    published="date")``; found by name when left out). The summary's ``order`` is the input
    order, for :func:`~llm_extract.runs.tables.write_table`.

    Bad input stops here before any extraction: a bad ``published``, an unusable output file
    (:class:`~llm_extract.errors.OutputFileError`), two documents sharing an id, or an output
    holding documents a different run extracted (another model, schema, template, strategy or
    request setting: see :mod:`llm_extract.runs.run_fingerprint`). ``redo``: extract those
    documents again instead; their old lines are dropped once the run ends (atomically).
    """
    parse_published(published)
    hooks = _Hooks(on_result, on_start, columns or Columns(), run_fingerprint(extractor), redo)
    if isinstance(output, Path):
        with open_output(output) as (stream, done):
            summary = _run(extractor, inputs, stream, done, published, hooks, str(output))
        if redo:
            compact(output)
        return summary
    return _run(extractor, inputs, output, {}, published, hooks, "the output")


@dataclass
class _Hooks:
    on_result: Callable[[dict[str, Any]], None] | None
    on_start: Callable[[int, int], None] | None
    columns: Columns
    run: dict[str, Any]
    redo: bool


def _run(
    extractor: Extractor,
    inputs: Iterable[str | Path],
    stream: IO[str],
    done: Mapping[tuple[str, str], Any],
    published: str | date | None,
    hooks: _Hooks,
    name: str,
) -> CorpusSummary:
    started = time.perf_counter()
    summary = CorpusSummary()
    jobs = unique_jobs(
        iter_jobs(inputs, published=published, max_chars=extractor.max_chars, columns=hooks.columns)
    )
    summary.order = [job.document_id for job in jobs]
    todo = jobs_to_run(jobs, done, summary, run=hooks.run, redo=hooks.redo, output=name)
    if hooks.on_start:
        hooks.on_start(len(todo), summary.skipped)

    def emit(job: Job, row: dict[str, Any]) -> None:
        row = {**row, "run": hooks.run}
        write_line(stream, row)
        summary.count(row, job.source)
        summary.seconds = time.perf_counter() - started
        if hooks.on_result:
            hooks.on_result(row)

    runnable: list[Job] = []

    def items() -> Iterator[tuple[Document, str | date | None]]:
        # Read lazily, so an unreadable input's line lands where the input is (in order when
        # documents run one at a time).
        for job in todo:
            if job.error is not None or job.document is None:
                emit(job, error_row(job, job.failure))
            else:
                runnable.append(job)
                yield job.document, job.published

    # An error that is no one document's (bad key, no server) leaves extract_many at once:
    # every further document would fail the same way. Lines already written stay, and the
    # error carries the summary so far (``error.summary``).
    try:
        for outcome in extractor.extract_many(items()):
            emit(runnable[outcome.index], result_row(runnable[outcome.index], outcome))
    except LlmExtractError as e:
        summary.seconds = time.perf_counter() - started
        e.summary = summary  # type: ignore[attr-defined]
        raise
    summary.seconds = time.perf_counter() - started
    return summary


def result_row(job: Job, outcome: Outcome) -> dict[str, Any]:
    """The output line for one document (also written by :mod:`llm_extract.runs.batch_api`)."""
    if outcome.error is not None or outcome.result is None:
        return error_row(job, outcome.error or job.failure)
    # "partial": some chunks failed. Their records are kept; a rerun retries it.
    result = outcome.result
    status = "ok" if result.complete else "partial"
    row = {**_head(job), "status": status, **result.to_json_dict()}
    row["text"] = job.document.text if job.document else None  # what the evidence offsets
    return row  # index (the review page shows it)


def error_row(job: Job, error: BaseException) -> dict[str, Any]:
    """The output line for a document that failed with ``error``."""
    return {**_head(job), "status": "error", "error": describe(error)}


def jobs_to_run(
    jobs: Iterable[Job],
    done: Mapping[tuple[str, str], Any],
    summary: CorpusSummary,
    *,
    run: Mapping[str, Any] | None = None,
    redo: bool = False,
    output: str = "the output",
) -> list[Job]:
    """The jobs not already ``ok`` in the output (``done``: its (id, sha256) pairs, each with
    the run fingerprint of its line); the others are counted in ``summary.skipped``. The resume
    rule of every engine. A job done by a different run (``run`` given and not equal) is an
    error naming what changed, or with ``redo`` runs again."""
    todo: list[Job] = []
    stale: list[tuple[str, Any]] = []
    for job in jobs:
        key = (job.document_id, job.document.sha256) if job.document else None
        if key is None or key not in done:
            todo.append(job)
        elif run is not None and not same_run(done[key], run):
            stale.append((job.document_id, done[key]))
            todo.append(job)
        else:
            summary.skipped += 1
    if stale and not redo and run is not None:
        raise stale_error(output, stale, run)
    return todo


def _head(job: Job) -> dict[str, Any]:
    head = {
        "document_id": job.document_id,
        "source": job.source,
        "sha256": job.document.sha256 if job.document else None,
        # The date its event dates were resolved against (a timestamp's date, in its zone).
        "published": _iso_day(job.published),
    }
    return {**head, "metadata": job.metadata} if job.metadata else head


def _iso_day(published: str | date | None) -> str | None:
    try:
        day = parse_published(published)
    except LlmExtractError:  # checked when read; an unchecked one is that document's error
        return None
    return day.isoformat() if day else None


def summarize_output(path: Path) -> CorpusSummary:
    """The counts of a JSONL output as it stands: the last line of each document (as readers
    take it), so runs that add to one output (resumes, batch collect rounds) sum up."""
    last: dict[str, dict[str, Any]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        with contextlib.suppress(json.JSONDecodeError):
            row = json.loads(line)
            if isinstance(row, dict) and "document_id" in row:
                last[str(row["document_id"])] = row
    summary = CorpusSummary()
    for row in last.values():
        summary.count(row, str(row.get("source")))
    return summary


def write_line(stream: IO[str], row: dict[str, Any]) -> None:
    """Write one output line whole, flushed and fsync'ed."""
    stream.write(json.dumps(row, ensure_ascii=False) + "\n")
    stream.flush()
    # Not a real file (a pipe or StringIO): nothing to sync.
    with contextlib.suppress(OSError, ValueError, AttributeError):
        os.fsync(stream.fileno())


# Deprecated names (one release): "batch" now means only the OpenAI Batch API (runs.batch_api).
run_batch = run_corpus
BatchSummary = CorpusSummary
