"""``batch collect``: read a result file, validate and ground every answer, plan the next round.

A result line is the Batch API's ``{"custom_id", "response": {"status_code", "body"},
"error"}`` (``vllm run-batch`` writes the same). Each answer to a pending request is checked as
the live path checks it (:func:`~llm_extract.runs.batch_api.exchange.read_answer`):

- valid: the piece is done, unless the strategy wants a second look (an empty answer, a code a
  codebook cue contradicts): that follow-up goes into the next round;
- invalid: instructor's own re-ask (the messages, the bad answer, the errors) goes into the next
  round, while the validation budget (``validation_retries``) lasts; then the piece fails;
- a per-line ``error``, a non-200 status, or no line at all for a request of a request file the
  result file answers: the same request goes into the next round, ``resubmits`` times (default
  once); then the piece fails (a second look keeps the first answer instead).

A document whose pieces are all settled gets the same output line ``extract -o`` writes
(:func:`llm_extract.runs.corpus.result_row`, through the locked, resumable output file), with usage
summed over every round. The state (:mod:`~llm_extract.runs.batch_api.state`) is saved after the
lines are written, so collecting the same result file again changes nothing, and an interrupted
collect can be run again.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from openai.types.completion_usage import CompletionUsage

from llm_extract.core.document import Document, parse_published
from llm_extract.core.pieces import Chunk
from llm_extract.core.result import Attempts, Usage
from llm_extract.errors import (
    ExtractionFailedError,
    OutputTruncatedError,
    ValidationRetriesExhaustedError,
)
from llm_extract.runs.batch_api.exchange import (
    Answer,
    completion_of,
    parse_completion,
    raw_records,
    read_answer,
    request_body,
)
from llm_extract.runs.batch_api.finished import BatchAnswerError, first_line, write_finished
from llm_extract.runs.batch_api.prepare import (
    DEFAULT_LIMITS,
    Limits,
    custom_id,
    request_line,
    write_requests,
)
from llm_extract.runs.batch_api.state import (
    BatchState,
    BatchStateError,
    Doc,
    Piece,
    Request,
    state_path,
)
from llm_extract.runs.corpus import CorpusSummary
from llm_extract.runs.output_file import compact, open_output
from llm_extract.runs.run_fingerprint import run_fingerprint, same_run, stale_error
from llm_extract.strategies.base import dropped_records, follow_up_records

if TYPE_CHECKING:
    from llm_extract.api import Extractor

_MAX_ERROR_CHARS = 600
#: Automatic resends of a request that got no answer (a provider's per-line error, or no line).
DEFAULT_RESUBMITS = 1


@dataclass
class Collected:
    """What one ``collect`` did: answers in, requests out, lines written."""

    answered: int = 0
    ignored: int = 0
    missing: int = 0
    errors: int = 0
    invalid: int = 0
    reasks: int = 0
    second_looks: int = 0
    resubmits: int = 0
    next_files: list[Path] = field(default_factory=list)
    next_requests: int = 0
    pending_documents: int = 0
    round: int = 1  # the round the next request files (if any) belong to
    summary: CorpusSummary = field(default_factory=CorpusSummary)


def collect(
    extractor: Extractor,
    results: Iterable[dict[str, Any]],
    output: Path,
    *,
    state: Path | None = None,
    limits: Limits = DEFAULT_LIMITS,
    resubmits: int = DEFAULT_RESUBMITS,
    redo: bool = False,
) -> Collected:
    """Take ``results`` (result-file lines) in: write finished documents to ``output``, the
    next round's requests beside the first request file, and the state beside ``output``.

    ``state``: the state file ``prepare`` wrote, read when ``output`` has none beside it yet
    (the first collect). The output file stays locked throughout, so two collects into one
    output cannot interleave. ``resubmits``: see the module docstring.

    An ``output`` that holds documents of this batch extracted by a different run (another
    model, schema, template, strategy or request setting, as ``extract -o`` would have written
    them) is refused before anything is read or written, as ``extract``'s resume refuses it
    (:mod:`llm_extract.runs.run_fingerprint`); ``redo``: write this batch's lines for them
    instead, the old ones dropped once the collect ends (atomically).
    """
    sidecar = state_path(output)
    with open_output(output) as (stream, done):
        source = sidecar if sidecar.exists() or state is None else state
        run = _Round(extractor, BatchState.load(source), resubmits)
        done = _not_stale(run.state, done, run_fingerprint(extractor), str(output), redo)
        _take_results(run, results)
        if run.next:
            _write_next(run, limits)
        write_finished(extractor, run.state, run.pieces, stream, done, run.out.summary)
        run.state.save(sidecar)
    if redo:
        compact(output)
    run.out.summary.order = list(run.state.documents)  # input order, for the tables
    run.out.pending_documents = sum(1 for d in run.state.documents.values() if not d.written)
    run.out.round = run.state.round
    return run.out


def _not_stale(
    state: BatchState,
    done: dict[tuple[str, str], Any],
    run: dict[str, Any],
    output: str,
    redo: bool,
) -> dict[tuple[str, str], Any]:
    """``done`` less this batch's documents another run wrote there (with ``redo``: they are
    written again); without ``redo`` such documents stop the collect."""
    stale = [
        (doc_id, done[(doc_id, doc.sha256)])
        for doc_id, doc in state.documents.items()
        if not doc.written
        and (doc_id, doc.sha256) in done
        and not same_run(done[(doc_id, doc.sha256)], run)
    ]
    if stale and not redo:
        raise stale_error(output, stale, run)
    gone = {(doc_id, state.documents[doc_id].sha256) for doc_id, _ in stale}
    return {key: value for key, value in done.items() if key not in gone}


def _take_results(run: _Round, results: Iterable[dict[str, Any]]) -> None:
    pending = run.state.pending
    seen_files: set[str] = set()
    answered: set[str] = set()
    for line in results:
        cid = line.get("custom_id") if isinstance(line, dict) else None
        request = pending.get(cid) if isinstance(cid, str) else None
        if request is None or cid in answered:
            run.out.ignored += 1
            continue
        assert isinstance(cid, str)
        answered.add(cid)
        seen_files.add(request.file)
        run.out.answered += 1
        run.take(request, line)
    # A result file answers one request file: its requests without a line got no answer.
    for cid, request in list(pending.items()):
        if cid not in answered and request.file in seen_files:
            run.out.missing += 1
            run.take(request, None)
            answered.add(cid)
    for cid in answered:
        pending.pop(cid, None)


def _write_next(run: _Round, limits: Limits) -> None:
    state = run.state
    state.round += 1
    first = Path(state.requests_file)
    target = first.with_name(f"{first.stem}.round{state.round}.jsonl")
    lines = [
        (request_line(custom_id(r.document_id, r.piece, r.round), run.body(r)), r) for r in run.next
    ]
    run.out.next_files = write_requests(target, lines, limits, state)
    run.out.next_requests = len(lines)


class _Round:
    def __init__(self, extractor: Extractor, state: BatchState, resubmits: int) -> None:
        self.extractor, self.resubmits = extractor, resubmits
        self.state = state
        self.out = Collected()
        self.next: list[Request] = []
        self._plans: dict[str, list[Chunk]] = {}

    def pieces(self, document_id: str) -> list[Chunk]:
        if document_id not in self._plans:
            doc = self.state.documents[document_id]
            whole = Document.from_text(
                doc.text, id=document_id, source=doc.source, max_chars=len(doc.text) + 1
            )
            plan = self.extractor.plan(whole)
            if whole.sha256 != doc.sha256 or len(plan) != len(doc.pieces):
                raise BatchStateError(
                    f"Document {document_id} no longer splits as it did when it was prepared.",
                    "Collect with the settings in the state file (do not change --chunk-chars "
                    "or --strategy between prepare and collect).",
                )
            self._plans[document_id] = plan
        return self._plans[document_id]

    def body(self, request: Request) -> dict[str, Any]:
        return request_body(self.extractor, request.messages, at_least_one=request.at_least_one)

    def take(self, request: Request, line: dict[str, Any] | None) -> None:
        """Settle ``request`` with its result ``line`` (None: the result file had none)."""
        doc = self.state.documents[request.document_id]
        piece = doc.pieces[request.piece]
        usage = Usage.model_validate(piece.usage)
        attempts = Attempts.model_validate(piece.attempts)
        try:
            self._take(request, line, doc, piece, usage, attempts)
        finally:
            piece.usage, piece.attempts = usage.model_dump(), attempts.model_dump()

    def _take(
        self,
        request: Request,
        line: dict[str, Any] | None,
        doc: Doc,
        piece: Piece,
        usage: Usage,
        attempts: Attempts,
    ) -> None:
        completion, problem = _completion(line)
        if line is not None:
            attempts.requests += 1
        if completion is None:
            self.out.errors += line is not None
            if request.resubmits < self.resubmits:  # providers drop lines: send it once more
                attempts.transport_retries += 1
                self.out.resubmits += 1
                n = request.resubmits + 1
                self.next.append(replace(request, round=self.state.round + 1, resubmits=n))
                return
            again = f" (sent {request.resubmits + 1} times)" if request.resubmits else ""
            self._fail(request, piece, attempts, BatchAnswerError(
                f"The batch request {custom_id(request.document_id, request.piece, request.round)}"
                f" got no answer{again}: {problem}.",
                "Collect again once its result is in, or prepare this document again.",
            ))  # fmt: skip
            return
        if isinstance(completion.get("usage"), dict):
            usage.add(CompletionUsage.model_validate(completion["usage"]))
        chunk = self.pieces(request.document_id)[request.piece]
        published = parse_published(doc.published)
        answer = read_answer(
            self.extractor, chunk.document, published, request.messages, completion,
            at_least_one=request.at_least_one,
        )  # fmt: skip
        if answer.parsed is not None:
            records = list(answer.parsed.records)
            if request.kind == "second_look":
                stands = self._after_follow_up(request, chunk, published, answer, attempts)
                self._done(piece, stands)
                return
            whole = len(doc.pieces) == 1 and chunk.document.text == doc.text
            followup = self.extractor.strategy.review(
                chunk.document, records, self.extractor.schema, whole=whole
            )
            if followup is None or answer.content is None:
                self._done(piece, answer.content)
                return
            attempts.second_looks += 1
            attempts.second_look_reasons.append(followup.note)
            self.out.second_looks += 1
            messages = [*request.messages, {"role": "assistant", "content": answer.content},
                        {"role": "user", "content": followup.note}]  # fmt: skip
            self._ask(request, messages, "second_look", 0, answer.content, len(records),
                      followup.at_least_one)  # fmt: skip
            return
        self.out.invalid += 1
        attempts.validation_errors.append(str(answer.error)[:_MAX_ERROR_CHARS])
        if answer.reask is not None and request.reasks < self.extractor.validation_retries:
            attempts.validation_reasks += 1
            self.out.reasks += 1
            self._ask(request, answer.reask, request.kind, request.reasks + 1,
                      request.first_answer, request.first_count, request.at_least_one)  # fmt: skip
            return
        cls = OutputTruncatedError if answer.truncated else ValidationRetriesExhaustedError
        self._fail(request, piece, attempts, cls(
            f"The model's answer still failed validation after {request.reasks} re-ask(s). "
            f"Last error: {first_line(str(answer.error))}",
            "Try a stronger model, raise --validation-retries, or check the schema's validators.",
            last_output=answer.content, validation_errors=attempts.validation_errors,
        ))  # fmt: skip

    def _after_follow_up(
        self,
        request: Request,
        chunk: Chunk,
        published: date | None,
        answer: Answer,
        attempts: Attempts,
    ) -> str | None:
        """The answer that stands after a follow-up: the records :func:`follow_up_records`
        keeps, from the follow-up's answer and the first one, as one answer (the live path's
        policy, applied to stored answers)."""
        records = list(answer.parsed.records)
        first_records: list[Any] = []
        if request.first_answer is not None and request.first_count:
            first = read_answer(
                self.extractor, chunk.document, published, request.messages[:-2],
                completion_of(self.extractor.backend.model, request.first_answer),
            )  # fmt: skip
            if first.parsed is None:  # valid when it was collected: the schema changed since
                return answer.content
            first_records = list(first.parsed.records)
        kept = follow_up_records(first_records, records)
        if kept == [("again", j) for j in range(len(records))]:
            return answer.content
        if not records:  # the follow-up dropped every record: the first answer stands
            return request.first_answer
        raw = {"first": raw_records(request.first_answer), "again": raw_records(answer.content)}
        if None in raw.values():
            return answer.content
        if len(kept) < len(records):
            attempts.second_look_reasons.append(dropped_records(len(records), len(kept)))
        return json.dumps({"records": [raw[which][n] for which, n in kept]})  # type: ignore[index]

    def _ask(
        self,
        request: Request,
        messages: list[dict[str, Any]],
        kind: str,
        reasks: int,
        first_answer: str | None,
        first_count: int,
        at_least_one: bool = False,
    ) -> None:
        self.next.append(Request(
            request.document_id, request.piece, self.state.round + 1, kind, messages, "",
            reasks, first_answer, first_count, at_least_one=at_least_one,
        ))  # fmt: skip

    def _done(self, piece: Piece, answer: str | None) -> None:
        piece.status, piece.answer = "done", answer

    def _fail(
        self, request: Request, piece: Piece, attempts: Attempts, error: ExtractionFailedError
    ) -> None:
        if request.kind == "second_look":
            attempts.second_look_reasons.append(f"kept the first answer: {error.problem}")
            self._done(piece, request.first_answer)
            return
        piece.status = "failed"
        piece.error = {"type": type(error).__name__, "message": error.problem, "fix": error.fix,
                       "last_output": error.last_output,
                       "validation_errors": error.validation_errors}  # fmt: skip


def _completion(line: dict[str, Any] | None) -> tuple[dict[str, Any] | None, str]:
    if line is None:
        return None, "the result file has no line for it"
    error = line.get("error")
    if error:
        message = error.get("message") if isinstance(error, dict) else str(error)
        return None, f"the provider reported an error: {message}"
    response = line.get("response") or {}
    status = response.get("status_code", 200)
    if status != 200:
        body = response.get("body")
        detail = (body.get("error") or {}).get("message") if isinstance(body, dict) else None
        return None, f"HTTP {status}" + (f" ({detail})" if detail else "")
    completion = parse_completion(response.get("body"))
    return completion, "" if completion else "its response has no chat completion"
