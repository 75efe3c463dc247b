"""Many documents at once: a bounded pool of document workers yielding outcomes as they finish.

The real limit on requests in flight is the endpoint's gate (:mod:`llm_extract.wire.limits`); this
pool keeps ``workers`` documents started, taking the next input only when one finishes (so with
one worker documents run strictly in input order). A per-document failure becomes an
:class:`Outcome` with its error; any other error (a bad key, an unreachable endpoint) stops the
run at once and is raised to the caller, after the outcomes already yielded.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Generator, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from llm_extract.core.document import Document, parse_published
from llm_extract.core.result import ExtractionResult
from llm_extract.errors import (
    ExtractionFailedError,
    InputError,
    LlmExtractError,
    RequestRejectedError,
    TransportRetriesExhaustedError,
)

if TYPE_CHECKING:
    from llm_extract.pipeline.plan import DocumentRunner

# Errors about one document: report them and go on. Others (bad key, no server) stop the run.
# A connection dropped on every try is a TransportRetriesExhaustedError (ConnectionDroppedError):
# one document's problem. A refused connection or unknown host is EndpointUnreachableError.
PER_DOCUMENT_ERRORS = (
    InputError,
    ExtractionFailedError,
    RequestRejectedError,
    TransportRetriesExhaustedError,
)

Published = str | date | None
#: What :meth:`~llm_extract.Extractor.extract_many` takes: a document or text, optionally
#: paired with its publication date.
ManyItem = Document | str | tuple[Document | str, Published]


@dataclass(frozen=True)
class Outcome:
    """One input's end: ``result`` (records, maybe partial) or ``error`` (a failure)."""

    #: Position of the input in the iterable given (outcomes arrive in completion order).
    index: int
    document: Document | None
    published: Published = None
    result: ExtractionResult | None = None
    error: LlmExtractError | None = None

    @property
    def document_id(self) -> str | None:
        return self.document.id if self.document else None


def extract_many(
    extractor: DocumentRunner,
    docs: Iterable[ManyItem],
    *,
    published: Published = None,
    concurrency: int | None = None,
) -> Generator[Outcome, None, None]:
    """Extract many documents at once, yielding each :class:`Outcome` as it finishes (not in
    input order: ``outcome.index`` is the input's position).

    ``docs``: documents or texts, or ``(doc, published)`` pairs. Up to ``concurrency`` (default:
    the extractor's; given, it becomes the extractor's) documents run at once, and all their
    requests share the endpoint's limit. A document that fails yields an outcome with its
    ``error``; an error that would fail every document (a bad key, no server) is raised at once.
    """
    if concurrency is not None:
        extractor.set_concurrency(concurrency)
    parse_published(published)
    yield from run_many(
        lambda doc, pub: extractor.extract(doc, published=pub),
        docs,
        workers=extractor.concurrency,
        published=published,
        to_document=lambda doc: (
            doc
            if isinstance(doc, Document)
            else Document.from_text(doc, max_chars=extractor.max_chars)
        ),
    )


async def aextract_many(
    extractor: DocumentRunner,
    docs: Iterable[ManyItem],
    *,
    published: Published = None,
    concurrency: int | None = None,
) -> AsyncIterator[Outcome]:
    """Async :func:`extract_many`: outcomes as they finish (the documents run on worker
    threads, so the event loop is never blocked)."""
    outcomes = extract_many(extractor, docs, published=published, concurrency=concurrency)
    try:
        while (outcome := await asyncio.to_thread(next, outcomes, None)) is not None:
            yield outcome
    finally:
        # Cancelled while a worker thread is inside next(): that call ends on its own.
        with contextlib.suppress(ValueError):
            outcomes.close()


def run_many(
    extract: Callable[[Document, Published], ExtractionResult],
    items: Iterable[ManyItem],
    *,
    workers: int,
    published: Published,
    to_document: Callable[[Document | str], Document],
) -> Iterator[Outcome]:
    """Run ``extract`` over ``items`` on ``workers`` threads, yielding as each finishes."""
    pool = ThreadPoolExecutor(max(workers, 1), thread_name_prefix="llm-extract")
    pending: dict[Future[ExtractionResult], Outcome] = {}
    source = enumerate(items)
    try:
        while True:
            for index, item in source:
                doc, pub = item if isinstance(item, tuple) else (item, published)
                try:
                    document = to_document(doc)
                except PER_DOCUMENT_ERRORS as e:
                    yield Outcome(index, None, pub, error=e)
                    continue
                pending[pool.submit(extract, document, pub)] = Outcome(index, document, pub)
                if len(pending) >= workers:  # inputs are read as workers free up
                    break
            if not pending:
                return
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                yield _finished(pending.pop(future), future)
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


def _finished(started: Outcome, future: Future[ExtractionResult]) -> Outcome:
    try:
        result = future.result()
    except PER_DOCUMENT_ERRORS as e:
        return _with(started, error=e)
    return _with(started, result=result)


def _with(started: Outcome, **changes: Any) -> Outcome:
    return Outcome(started.index, started.document, started.published, **changes)
