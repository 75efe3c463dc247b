"""The Ray Data engine: a corpus extracted by a pool of Ray actors, on one machine or a cluster.

Needs the ``ray`` extra (``pip install 'llm-extract[ray]'``); nothing here imports Ray until it
is used, and ``import llm_extract`` never does.

:func:`extract_dataset` maps a Ray Dataset of documents (``id``, ``text``, optional
``published``, ``source``, ``metadata``; any other column joins ``metadata``) to a Dataset of
result rows, with ``map_batches`` over an actor pool. Each actor builds its
:class:`~llm_extract.Extractor` once from the picklable :class:`~llm_extract.ExtractorSettings`
and runs each batch's documents ``settings.concurrency`` at a time. Every document ends as one
row: ``document_id``, ``status`` and ``json``, the exact line the JSONL output holds (a JSON
string, because result rows differ in shape and Arrow wants one schema). A document that fails
in any way, even with an unexpected exception, is an error row; it never fails the job.
(:func:`run_ray_batch` stops at an error no document causes: a bad key, no server.)

:func:`run_ray_batch` is the CLI's ``--engine ray``: the same output file, resume rule and
summary as :func:`~llm_extract.run_corpus`, with the extraction on Ray and every line written
(whole, fsync'ed) by the driver.
"""

from __future__ import annotations

import json
import logging
import math
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from llm_extract.api import Extractor
from llm_extract.core.document import parse_published
from llm_extract.errors import (
    AuthenticationError,
    BackendError,
    ConfigError,
    EndpointUnreachableError,
    LlmExtractError,
    ModelNotFoundError,
)
from llm_extract.inputs.columns import Columns
from llm_extract.inputs.corpus import Job, iter_jobs, job_from_dict, unique_jobs
from llm_extract.pipeline.many import Outcome
from llm_extract.runs.corpus import CorpusSummary, error_row, jobs_to_run, result_row, write_line
from llm_extract.runs.output_file import compact, open_output
from llm_extract.runs.run_fingerprint import run_fingerprint
from llm_extract.settings import ExtractorSettings, environ

if TYPE_CHECKING:
    import pyarrow as pa
    import ray.data

#: Result columns of :func:`extract_dataset`.
COLUMNS = ("document_id", "status", "json")
#: Documents per batch sent to an actor. Small, so results stream back to the driver (and are
#: written) soon, and a killed run loses little; the actor's own threads keep it busy.
DEFAULT_BATCH_SIZE = 16
DEFAULT_ACTORS = 2
#: Batches one actor runs at once: while one waits on its slowest document, the next starts.
CALLS_PER_ACTOR = 2
#: Errors no document causes (bad key, no server, unknown model): the driver stops the run at
#: the first such row, as the default engine does, instead of writing one per document.
RUN_ERRORS = {c.__name__: c for c in (AuthenticationError, EndpointUnreachableError,
                                      ModelNotFoundError)}  # fmt: skip


def require_ray() -> Any:
    """The ``ray`` module, or a :class:`~llm_extract.errors.ConfigError` naming the extra."""
    try:
        import ray
        import ray.data
    except ImportError as e:
        raise ConfigError(
            f"Ray is not installed ({e}).", "Install it: pip install 'llm-extract[ray]'."
        ) from None
    return ray


def extract_dataset(
    ds: ray.data.Dataset,
    settings: ExtractorSettings,
    *,
    concurrency: int = DEFAULT_ACTORS,
    batch_size: int = DEFAULT_BATCH_SIZE,
    num_cpus: float = 1.0,
    published: str | date | None = None,
    log_levels: Mapping[str, int] | None = None,
) -> ray.data.Dataset:
    """``ds``'s documents extracted by ``concurrency`` actors: a (lazy) Dataset of result rows
    with the columns :data:`COLUMNS` (``json``: the JSONL output line; see
    :func:`iter_result_rows`).

    Each actor makes up to ``settings.concurrency`` requests at once (and keeps its own rate
    limit), so the endpoint sees up to ``concurrency x settings.concurrency``; use
    :func:`per_actor` to split endpoint-wide settings. ``num_cpus``: what Ray reserves per
    actor (the work is mostly waiting on the endpoint; lower it to pack more actors per node).
    ``published``: the date for documents without their own. ``log_levels``: logger levels set
    in each actor (e.g. ``{"instructor": logging.CRITICAL}``: its own log line per failed try).

    A block is one actor task, so give ``ds`` at least ``concurrency`` blocks (e.g.
    ``from_items(rows, override_num_blocks=len(rows) // batch_size)``), or one actor gets all.
    """
    rt = require_ray()
    if concurrency < 1 or batch_size < 1:
        raise ConfigError("concurrency (actors) and batch_size must be 1 or more.")
    parse_published(published)  # a bad date stops here, not in every actor
    strategy = rt.data.ActorPoolStrategy(
        size=concurrency,
        max_concurrent_calls_per_actor=CALLS_PER_ACTOR,
        enable_true_multi_threading=True,
    )
    return ds.map_batches(
        ExtractActor,
        fn_constructor_args=(settings, published, dict(log_levels or {})),
        compute=strategy,
        batch_size=batch_size,
        batch_format="pyarrow",
        num_cpus=num_cpus,
    )


def iter_result_rows(results: ray.data.Dataset) -> Iterator[dict[str, Any]]:
    """The result rows of :func:`extract_dataset` as dicts, streamed as batches finish."""
    for batch in results.iter_batches(batch_size=None, batch_format="pyarrow"):
        table = cast("pa.Table", batch)
        for line in table.column("json").to_pylist():
            yield json.loads(line)


def per_actor(settings: ExtractorSettings, actors: int) -> ExtractorSettings:
    """Endpoint-wide settings split over ``actors``: each gets its share of the requests in
    flight and of the rate limits, so the endpoint sees what one process would send it."""
    rpm, tpm = settings.requests_per_minute, settings.tokens_per_minute
    return settings.with_(
        concurrency=max(1, math.ceil(settings.concurrency / actors)),
        requests_per_minute=rpm / actors if rpm else None,
        tokens_per_minute=tpm / actors if tpm else None,
    )


class ExtractActor:
    """One Ray actor: its :class:`~llm_extract.Extractor` is built once, then every batch it
    is given is extracted on a thread pool shared by the batches it runs at once."""

    def __init__(
        self,
        settings: ExtractorSettings,
        published: str | date | None = None,
        log_levels: Mapping[str, int] | None = None,
    ) -> None:
        for name, level in (log_levels or {}).items():
            logging.getLogger(name).setLevel(level)
        self.settings, self.published = settings, published
        self.extractor: Extractor = Extractor.from_settings(settings)
        self.run = run_fingerprint(self.extractor)
        self.pool = ThreadPoolExecutor(settings.concurrency, thread_name_prefix="llm-extract-ray")

    def __call__(self, batch: pa.Table) -> pa.Table:
        import pyarrow as pa

        rows = list(self.pool.map(self.one, batch.to_pylist()))
        columns = {name: [row[i] for row in rows] for i, name in enumerate(COLUMNS)}
        return pa.table({name: pa.array(values, pa.string()) for name, values in columns.items()})

    def one(self, item: dict[str, Any]) -> tuple[str, str, str]:
        """(document_id, status, JSON line) for one input row; never raises."""
        job = document_job(item, self.published, self.settings.max_chars)
        try:
            row = {**self.extract(job), "run": self.run}
            line = json.dumps(row, ensure_ascii=False, default=str)
        except Exception as e:  # any failure of this document, even a bug, is its error row
            row = {**error_row(job, e), "run": self.run}
            line = json.dumps(row, ensure_ascii=False, default=str)
        return job.document_id, row["status"], line

    def extract(self, job: Job) -> dict[str, Any]:
        if job.error is not None or job.document is None:
            return error_row(job, job.failure)
        result = self.extractor.extract(job.document, published=job.published)
        return result_row(job, Outcome(0, job.document, job.published, result=result))


def document_job(item: dict[str, Any], published: str | date | None, max_chars: int) -> Job:
    """A Dataset row as a job: ``source`` names it (default ``ray:<id>``), ``metadata`` (a
    dict, or a JSON object string) plus any other column is carried to the output line."""
    item = dict(item)
    source = str(item.pop("source", None) or f"ray:{item.get('id')}")
    metadata = item.pop("metadata", None)
    if isinstance(metadata, str):
        try:
            metadata = json.loads(metadata)
        except json.JSONDecodeError:
            metadata = {"metadata": metadata}
    if isinstance(metadata, dict):
        item = {**metadata, **item}
    elif metadata is not None:
        item["metadata"] = metadata
    item = {k: v for k, v in item.items() if v is not None or k in ("id", "text")}
    return job_from_dict(item, source, published, max_chars)


def dataset_row(job: Job) -> dict[str, Any]:
    """A readable job as the Dataset row :func:`document_job` reads back (metadata as a JSON
    string: rows with different keys must fit one Arrow schema)."""
    assert job.document is not None
    return {
        "id": job.document_id,
        "text": job.document.text,
        "published": str(job.published) if job.published else None,
        "source": job.source,
        "metadata": json.dumps(job.metadata, ensure_ascii=False) if job.metadata else None,
    }


def run_ray_batch(
    settings: ExtractorSettings,
    inputs: Iterable[str | Path],
    output: Path,
    *,
    published: str | date | None = None,
    actors: int = DEFAULT_ACTORS,
    batch_size: int = DEFAULT_BATCH_SIZE,
    address: str | None = None,
    num_cpus: float = 1.0,
    on_result: Callable[[dict[str, Any]], None] | None = None,
    on_start: Callable[[int, int], None] | None = None,
    columns: Columns | None = None,
    redo: bool = False,
) -> CorpusSummary:
    """:func:`~llm_extract.run_corpus` on Ray: ``inputs`` into the JSONL file ``output``,
    skipping documents already ``ok`` there, extracted by ``actors`` Ray actors.

    ``settings`` are endpoint-wide (split with :func:`per_actor`). Ray is started here unless
    it already is (``address``: a cluster to join, e.g. ``ray://head:10001`` or ``auto``; by
    default ``RAY_ADDRESS``, else a local Ray) and stopped at the end if started here.
    """
    ray = require_ray()
    parse_published(published)
    if settings.record:
        raise ConfigError(
            "Recording (--record) needs one process; Ray runs many.",
            "Record with the default engine, then replay with --engine ray.",
        )
    if actors < 1:
        raise ConfigError(f"actors must be 1 or more, not {actors}.")
    summary = CorpusSummary()
    share = per_actor(settings, actors)
    # Settings that cannot work (schema, template, cache file) fail here, once and plainly, not
    # as a dead actor on every node; the same extractor says what the run's requests are made of.
    probe = Extractor.from_settings(share)
    run = run_fingerprint(probe)
    probe.close()
    with open_output(output) as (stream, done):
        started = time.perf_counter()
        jobs = unique_jobs(
            iter_jobs(inputs, published=published, max_chars=settings.max_chars, columns=columns)
        )
        summary.order = [job.document_id for job in jobs]
        todo = jobs_to_run(jobs, done, summary, run=run, redo=redo, output=str(output))
        if on_start:
            on_start(len(todo), summary.skipped)

        def emit(row: dict[str, Any]) -> None:
            row = {**row, "run": row.get("run") or run}
            write_line(stream, row)
            summary.count(row, str(row.get("source")))
            summary.seconds = time.perf_counter() - started
            if on_result:
                on_result(row)

        runnable = [job for job in todo if job.document is not None and job.error is None]
        for job in todo:
            if job.document is None or job.error is not None:
                emit(error_row(job, job.failure))
        if runnable:
            started_here = _start(ray, address)
            try:
                # One block per batch: every batch is its own task, spread over the actors,
                # and its lines come back (and are written) as soon as it is done.
                # (A small corpus is cut finer, so that every actor gets some.)
                n = len(runnable)
                blocks = max(math.ceil(n / batch_size), min(n, actors * CALLS_PER_ACTOR))
                rows = [dataset_row(job) for job in runnable]
                ds = ray.data.from_items(rows, override_num_blocks=blocks)
                # The actors log as this process does (the CLI quiets instructor's per-try lines).
                levels = {"instructor": logging.getLogger("instructor").getEffectiveLevel()}
                results = extract_dataset(
                    ds, share, concurrency=actors, batch_size=math.ceil(n / blocks),
                    num_cpus=num_cpus,
                    log_levels=levels,
                )  # fmt: skip
                for row in iter_result_rows(results):
                    _raise_run_error(row)
                    emit(row)
            except Exception as e:
                stopped = _stopped(e, summary, started)
                if stopped is e:
                    raise
                raise stopped from e
            finally:
                if started_here:
                    ray.shutdown()
        summary.seconds = time.perf_counter() - started
    if redo:
        compact(output)
    return summary


def _raise_run_error(row: dict[str, Any]) -> None:
    error = row.get("error") if row["status"] == "error" else None
    cls = RUN_ERRORS.get(error.get("type", "")) if isinstance(error, dict) else None
    if cls is not None and isinstance(error, dict):
        fix = error.get("fix")
        raise cls(str(error["message"]).removesuffix(f" {fix}" if fix else ""), fix)


def _stopped(error: Exception, summary: CorpusSummary, started: float) -> LlmExtractError:
    """The error a Ray job that died (an actor that could not start, a lost node) stops the run
    with, carrying the summary so far like :func:`~llm_extract.run_corpus` (``error.summary``)."""
    summary.seconds = time.perf_counter() - started
    if not isinstance(error, LlmExtractError):
        first = (str(error).strip().splitlines() or [type(error).__name__])[-1]
        error = BackendError(
            f"The Ray job stopped: {first[:300]}",
            "The lines written so far are kept: fix the cause (the Ray logs say more), then "
            "rerun to resume.",
        )
    error.summary = summary  # type: ignore[attr-defined]
    return error


def _start(ray: Any, address: str | None) -> bool:
    """Connect to (or start) Ray unless already connected; True if connected here."""
    if ray.is_initialized():
        return False
    # Ray Data's own progress bars and banners would interleave with ours on stderr.
    context = ray.data.DataContext.get_current()
    context.enable_progress_bars = False
    context.print_on_execution_start = False
    logging.getLogger("ray.data").setLevel(logging.WARNING)  # no "execution finished" lines
    logging.getLogger("ray.data._internal.progress").setLevel(logging.ERROR)  # "bars disabled"
    # A local Ray (no address, no RAY_ADDRESS) needs no dashboard: it costs seconds to start.
    local = {} if address or environ("RAY_ADDRESS") else {"include_dashboard": False}
    ray.init(address=address, logging_level=logging.WARNING, **local)
    return True
