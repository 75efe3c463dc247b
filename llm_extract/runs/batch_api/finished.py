"""A settled batch document's output line: the answers its pieces stored, read back and checked
again, then finished as the live path finishes a document (:meth:`Extractor.finished` for one
sent whole, :meth:`Extractor.combined` for pieces), so ``batch collect`` writes the line
``extract -o`` would.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import IO, TYPE_CHECKING, Any

from llm_extract.core.document import Document, parse_published
from llm_extract.core.pieces import Chunk
from llm_extract.core.records import dates_from_evidence
from llm_extract.core.result import Attempts, ExtractionResult, Usage
from llm_extract.errors import (
    ExtractionFailedError,
    LlmExtractError,
    OutputTruncatedError,
    ValidationRetriesExhaustedError,
)
from llm_extract.inputs.corpus import Job
from llm_extract.pipeline.many import Outcome
from llm_extract.runs.batch_api.exchange import completion_of, read_answer
from llm_extract.runs.batch_api.state import BatchState, Doc, Piece
from llm_extract.runs.corpus import CorpusSummary, result_row, write_line
from llm_extract.runs.run_fingerprint import run_fingerprint

if TYPE_CHECKING:
    from collections.abc import Callable

    from llm_extract.api import Extractor


class BatchAnswerError(ExtractionFailedError):
    """A batch request got no usable answer (a per-line error, a failed status, or no line)."""


_ERRORS: dict[str, type[ExtractionFailedError]] = {
    cls.__name__: cls
    for cls in (BatchAnswerError, ValidationRetriesExhaustedError, OutputTruncatedError)
}


def write_finished(
    extractor: Extractor,
    state: BatchState,
    pieces: Callable[[str], list[Chunk]],
    stream: IO[str],
    done: Mapping[tuple[str, str], Any],
    summary: CorpusSummary,
) -> None:
    """Write the line of each document whose pieces are all settled and not yet written;
    ``done``: (id, sha256) already in the output (an earlier collect wrote them, then stopped
    before saving the state). ``pieces``: a document's planned chunks."""
    run = run_fingerprint(extractor)
    for document_id, doc in state.documents.items():
        if doc.written or any(p.status == "pending" for p in doc.pieces):
            continue
        doc.written = True
        if doc.error is None and (document_id, doc.sha256) in done:
            continue
        row = {**_row(extractor, document_id, doc, pieces), "run": run}
        write_line(stream, row)
        summary.count(row, doc.source)


def first_line(message: str) -> str:
    """The start of a (pydantic) error message, on one line, for a short report."""
    lines = [ln.strip() for ln in message.splitlines() if ln.strip()]
    return " ".join(lines[:3])[:300]


def _row(
    extractor: Extractor, document_id: str, doc: Doc, pieces: Callable[[str], list[Chunk]]
) -> dict[str, Any]:
    if doc.error is not None:
        job = Job(document_id, doc.source, metadata=doc.metadata, content=doc.source)
        return {**result_row(job, Outcome(0, None)), "error": doc.error}
    whole = Document.from_text(doc.text, id=document_id, source=doc.source,
                               max_chars=len(doc.text) + 1)  # fmt: skip
    job = Job(document_id, doc.source, whole, doc.published, metadata=doc.metadata)
    chunks = pieces(document_id)
    published = parse_published(doc.published)
    outcomes = [
        _outcome(extractor, chunk, piece, published)
        for chunk, piece in zip(chunks, doc.pieces, strict=True)
    ]
    result: ExtractionResult | None = None
    error: LlmExtractError | None = None
    if len(chunks) == 1 and chunks[0].document.text == doc.text:
        first = outcomes[0]
        if isinstance(first, LlmExtractError):
            error = first
        else:
            records, flags = extractor.finished(first.records, whole)
            result = first.model_copy(update={"records": records, "flags": flags})
    else:
        try:
            result = extractor.combined(whole, chunks, outcomes, 0.0)
        except LlmExtractError as e:
            error = e
    return result_row(job, Outcome(0, whole, doc.published, result, error))


def _outcome(
    extractor: Extractor, chunk: Chunk, piece: Piece, published: Any
) -> ExtractionResult | LlmExtractError:
    usage = Usage.model_validate(piece.usage)
    attempts = Attempts.model_validate(piece.attempts)
    if piece.status == "failed" or piece.answer is None:
        e = piece.error or {"type": "BatchAnswerError", "message": "No answer."}
        return _ERRORS.get(e["type"], BatchAnswerError)(
            e["message"], e.get("fix"), attempts=attempts, usage=usage,
            last_output=e.get("last_output"), validation_errors=e.get("validation_errors"),
        )  # fmt: skip
    answer = read_answer(
        extractor, chunk.document, published, [{"role": "user", "content": ""}],
        completion_of(extractor.backend.model, piece.answer),
    )  # fmt: skip
    if answer.parsed is None:  # it was valid when collected: the schema changed since
        return BatchAnswerError(
            f"A collected answer no longer validates: {first_line(str(answer.error))}",
            "Collect with the schema the requests were prepared with.",
            attempts=attempts, usage=usage, last_output=piece.answer,
        )  # fmt: skip
    return ExtractionResult(
        document_id=chunk.document.id,
        schema_name=extractor.schema.name,
        model=extractor.backend.model,
        records=[dates_from_evidence(r, published, chunk.document) for r in answer.parsed.records],
        usage=usage,
        attempts=attempts,
        seconds=0.0,
    )
