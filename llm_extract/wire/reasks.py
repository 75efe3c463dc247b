"""Validation re-asks: the model's answer failed the schema, so show it the errors and ask again.

instructor owns this loop (bounded by ``validation_retries``); its ``create`` is patched over our
transport-retrying call, so the two budgets stay separate. Failures are translated into
:class:`~llm_extract.errors.ValidationRetriesExhaustedError` carrying attempts, usage and the
last raw output.
"""

from __future__ import annotations

from typing import Any

import instructor
from instructor.core.exceptions import IncompleteOutputException, InstructorRetryException
from instructor.core.hooks import Hooks
from pydantic import BaseModel

from llm_extract import errors
from llm_extract.wire.retries import CallLog

_MAX_ERROR_CHARS = 600


def make_hooks(log: CallLog) -> Hooks:
    """Record each validation failure (what the re-ask prompt will tell the model)."""
    hooks = Hooks()

    def on_parse_error(error: Exception, **_: Any) -> None:
        log.attempts.validation_errors.append(str(error)[:_MAX_ERROR_CHARS])

    hooks.on("parse:error", on_parse_error)
    return hooks


def structured_call_kwargs(
    response_model: type[BaseModel], validation_retries: int, log: CallLog
) -> dict[str, Any]:
    return {
        "response_model": response_model,
        "max_retries": max(validation_retries, 0),
        "strict": False,
        "hooks": make_hooks(log),
    }


def patch_create(create: Any, mode: instructor.Mode) -> Any:
    """instructor's structured ``create`` over our (transport-retrying) raw create."""
    return instructor.patch(create=create, mode=mode)


def finish(log: CallLog) -> None:
    """After success: every recorded validation failure was followed by a re-ask, but the last
    one of an answer kept in part (see :mod:`llm_extract.pipeline.salvage`)."""
    log.attempts.validation_reasks = len(log.attempts.validation_errors) - log.kept_in_part
    log.attempts.dropped_records = len(log.dropped)


def translate_failure(exc: Exception, log: CallLog, validation_retries: int) -> Exception:
    """Turn instructor's exhaustion/truncation into our errors; backend errors pass through."""
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, errors.LlmExtractError):
            if isinstance(cause, errors.BackendError):
                errors.attach(cause, log.attempts, log.usage)
            return cause
        cause = cause.__cause__
    log.attempts.validation_reasks = min(len(log.attempts.validation_errors), validation_retries)
    if isinstance(exc, IncompleteOutputException):
        return errors.OutputTruncatedError(
            "The model stopped at max_tokens before finishing its JSON answer.",
            "Raise --max-tokens, or use a smaller document or schema.",
            attempts=log.attempts,
            usage=log.usage,
            last_output=_content(getattr(exc, "last_completion", None)),
            validation_errors=log.attempts.validation_errors,
        )
    if isinstance(exc, InstructorRetryException):
        last = log.attempts.validation_errors[-1] if log.attempts.validation_errors else str(exc)
        return errors.ValidationRetriesExhaustedError(
            f"The model's answer still failed validation after {validation_retries} re-ask(s). "
            f"Last error: {_first_line(last)}",
            "Try a stronger model (--model/--base-url), raise --validation-retries, or check the "
            "schema's validators.",
            attempts=log.attempts,
            usage=log.usage,
            last_output=_content(exc.last_completion),
            validation_errors=log.attempts.validation_errors,
        )
    return exc


def _content(completion: Any) -> str | None:
    try:
        return str(completion.choices[0].message.content)
    except (AttributeError, IndexError, TypeError):
        return None


def _first_line(message: str) -> str:
    lines = [ln.strip() for ln in message.splitlines() if ln.strip()]
    return " ".join(lines[:3])[:300]
