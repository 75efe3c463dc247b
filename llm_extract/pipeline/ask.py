"""One piece of a document through the wire: its messages, the request (validation re-asks over
transport retries), the strategy's one follow-up, and the piece's result.

A piece is the whole document or one chunk or window of it (the strategy plans them); the
:class:`~llm_extract.api.Extractor` sends its pieces here and combines their results.
"""

from __future__ import annotations

import time
from datetime import date
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from llm_extract.core.context import ExtractionContext, extraction_context
from llm_extract.core.document import Document
from llm_extract.core.records import dates_from_evidence
from llm_extract.core.result import DroppedRecord, ExtractionResult, Flag
from llm_extract.errors import ExtractionFailedError, InputError
from llm_extract.pipeline.salvage import kept_in_part
from llm_extract.strategies.base import dropped_records, follow_up_records
from llm_extract.wire.reasks import finish, patch_create, structured_call_kwargs, translate_failure
from llm_extract.wire.retries import CallLog, with_async_transport_retries, with_transport_retries

if TYPE_CHECKING:
    from llm_extract.pipeline.plan import RunPlan

_CHARS_PER_TOKEN = 4  # rough, for refusing clearly-too-long prompts before sending them
Messages = list[dict[str, str]]


def ask(ex: RunPlan, doc: Document, pub: date | None, *, whole: bool) -> ExtractionResult:
    """Send one piece and, when the strategy asks for one, its follow-up (blocking)."""
    messages, log = prompt_messages(ex, doc, pub), CallLog()
    create = _create(ex, log, async_=False)
    started = time.perf_counter()
    ctx = ExtractionContext(doc, pub, doc.language)
    with extraction_context(ctx):
        parsed = _parsed(ex, lambda: create(**request(ex, messages, log)), log)
        followup = _followup(ex, doc, messages, parsed, log, whole)
        if followup is not None:
            asked, strict = followup
            try:
                again = _parsed(
                    ex, lambda: create(**request(ex, asked, log, strict)), log, _model(ex, strict)
                )
                parsed = _better(parsed, again, log)
            except ExtractionFailedError as e:
                log.attempts.second_look_reasons.append(f"kept the first answer: {e.problem}")
    seconds = time.perf_counter() - started
    return _result(ex, doc, pub, parsed, log, seconds, whole, language=ctx.language)


async def aask(ex: RunPlan, doc: Document, pub: date | None, *, whole: bool) -> ExtractionResult:
    """Async :func:`ask`."""
    messages, log = prompt_messages(ex, doc, pub), CallLog()
    create = _create(ex, log, async_=True)
    started = time.perf_counter()
    ctx = ExtractionContext(doc, pub, doc.language)
    with extraction_context(ctx):
        parsed = await _aparsed(ex, create(**request(ex, messages, log)), log)
        followup = _followup(ex, doc, messages, parsed, log, whole)
        if followup is not None:
            asked, strict = followup
            try:
                again = await _aparsed(
                    ex, create(**request(ex, asked, log, strict)), log, _model(ex, strict)
                )
                parsed = _better(parsed, again, log)
            except ExtractionFailedError as e:
                log.attempts.second_look_reasons.append(f"kept the first answer: {e.problem}")
    seconds = time.perf_counter() - started
    return _result(ex, doc, pub, parsed, log, seconds, whole, language=ctx.language)


def _create(ex: RunPlan, log: CallLog, *, async_: bool) -> Any:
    """The client's ``create`` with transport retries under instructor's validation re-asks."""
    wrap = with_async_transport_retries if async_ else with_transport_retries
    client: Any = ex.clients.async_() if async_ else ex.clients.sync()
    retried = wrap(
        client.chat.completions.create,
        ex.transport_policy,
        log,
        ex.clients.where(),
        ex.gate.paused_for,
    )
    return patch_create(retried, ex.backend.mode)


def prompt_messages(ex: RunPlan, doc: Document, pub: date | None) -> Messages:
    """The piece's messages from the template, with the strategy's cue notes; refused before
    sending when the prompt cannot fit the backend's context."""
    hints = ex.strategy.hints(doc, ex.schema)
    messages = ex.template.render(doc, ex.schema, pub, tuple(hints.values()), tuple(hints))
    window = ex.backend.context_window
    prompt_chars = sum(len(m["content"]) for m in messages)
    if window and prompt_chars / _CHARS_PER_TOKEN + ex.max_tokens > window:
        raise InputError(
            f"The prompt for {doc.source or doc.id} is about "
            f"{prompt_chars // _CHARS_PER_TOKEN:,} tokens; with {ex.max_tokens} for the "
            f"answer it exceeds {ex.backend.label}'s context of {window:,}.",
            "Lower chunk_chars (--chunk-chars), or use an endpoint with a longer context.",
        )
    return messages


def _model(ex: RunPlan, at_least_one: bool) -> type[BaseModel]:
    return ex.schema.insisting_model if at_least_one else ex.schema.response_model


def request(
    ex: RunPlan, messages: Messages, log: CallLog, at_least_one: bool = False
) -> dict[str, Any]:
    """The structured ``create`` arguments for ``messages`` (see
    :meth:`~llm_extract.api.Extractor.request_kwargs`)."""
    model = _model(ex, at_least_one)
    return {
        "messages": messages,
        "model": ex.backend.model,
        "max_tokens": ex.max_tokens,
        "temperature": ex.temperature,
        **structured_call_kwargs(model, ex.validation_retries, log),
    }


def _parsed(ex: RunPlan, call: Any, log: CallLog, model: type[BaseModel] | None = None) -> Any:
    try:
        return call()
    except Exception as exc:
        return _failed(ex, exc, log, model)


async def _aparsed(
    ex: RunPlan, pending: Any, log: CallLog, model: type[BaseModel] | None = None
) -> Any:
    try:
        return await pending
    except Exception as exc:
        return _failed(ex, exc, log, model)


def _failed(ex: RunPlan, exc: Exception, log: CallLog, model: type[BaseModel] | None) -> Any:
    """The answer's valid records when only some of them failed validation; else the error."""
    failure = translate_failure(exc, log, ex.validation_retries)
    kept = kept_in_part(failure, ex.schema.record, model or ex.schema.response_model, log)
    if kept is None:
        raise failure from exc
    return kept


def _followup(
    ex: RunPlan, doc: Document, messages: Messages, parsed: Any, log: CallLog, whole: bool
) -> tuple[Messages, bool] | None:
    """The strategy's one follow-up request for this answer (its messages, and whether it
    requires a record), or None. Counted apart from validation re-asks."""
    followup = ex.strategy.review(doc, list(parsed.records), ex.schema, whole=whole)
    if followup is None or log.last_content is None:
        return None
    log.attempts.second_looks += 1
    log.attempts.second_look_reasons.append(followup.note)
    asked = [
        *messages,
        {"role": "assistant", "content": log.last_content},
        {"role": "user", "content": followup.note},
    ]
    return asked, followup.at_least_one


def _better(first: Any, again: Any, log: CallLog) -> Any:
    """The records that stand after a follow-up (:func:`follow_up_records`), as one answer."""
    kept = follow_up_records(first.records, again.records)
    records = [(again if which == "again" else first).records[n] for which, n in kept]
    if len(kept) < len(again.records):
        log.attempts.second_look_reasons.append(dropped_records(len(again.records), len(kept)))
    return again.model_copy(update={"records": records})


def _result(
    ex: RunPlan,
    doc: Document,
    pub: date | None,
    parsed: Any,
    log: CallLog,
    seconds: float,
    whole: bool,
    *,
    language: str | None = None,
) -> ExtractionResult:
    finish(log)
    records = [dates_from_evidence(r, pub, doc, language=language) for r in parsed.records]
    flags: list[Flag] = []
    if whole:
        # A document sent whole is finished here as pieces are in `Extractor.combined`: the
        # same merging and settling, whichever path it took (a short note, a batch collect).
        records, flags = ex.finished(records, doc)
    return ExtractionResult(
        document_id=doc.id,
        schema_name=ex.schema.name,
        model=ex.backend.model,
        records=records,
        usage=log.usage,
        attempts=log.attempts,
        seconds=round(seconds, 3),
        flags=flags,
        language=doc.language,
        dropped_records=[DroppedRecord.model_validate(d) for d in log.dropped],
    )
