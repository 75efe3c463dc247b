"""Transport retries: the server failed (429, 5xx, timeout, reset), so send the same request again.

This loop sits under instructor, around the raw ``chat.completions.create``: instructor only
ever sees a good HTTP response or a final, translated error, so a rate limit is never fed into a
re-ask prompt. The openai SDK's own retries are off (backends build clients with
``max_retries=0``), so attempts do not multiply. Every response's usage is counted here.
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import openai
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential_jitter,
)
from tenacity.wait import wait_base

from llm_extract import errors
from llm_extract.result import Attempts, Usage

DEFAULT_TRANSPORT_RETRIES = 4
RETRYABLE_STATUS = {408, 409, 425, 429, 500, 502, 503, 504, 520, 522, 524, 529}


@dataclass
class CallLog:
    """What one extraction spent, across both retry loops."""

    attempts: Attempts = field(default_factory=Attempts)
    usage: Usage = field(default_factory=Usage)
    #: The text of the last answer received (what a follow-up request quotes back).
    last_content: str | None = None

    def received(self, response: Any) -> None:
        self.usage.add(getattr(response, "usage", None))
        try:
            self.last_content = str(response.choices[0].message.content)
        except (AttributeError, IndexError, TypeError):
            self.last_content = None


def is_transient(exc: BaseException) -> bool:
    """Worth sending again: rate limits, server errors, timeouts, dropped connections."""
    if isinstance(exc, openai.APIStatusError):
        return exc.status_code in RETRYABLE_STATUS
    # APITimeoutError is an APIConnectionError; a 200 whose body is not JSON is a broken proxy.
    return isinstance(exc, openai.APIConnectionError | json.JSONDecodeError)


def retry_after_seconds(exc: BaseException | None) -> float | None:
    """The server's Retry-After (seconds or HTTP date; OpenAI also sends retry-after-ms)."""
    response = getattr(exc, "response", None)
    headers = getattr(response, "headers", None)
    if not headers:
        return None
    if ms := headers.get("retry-after-ms"):
        try:
            return max(float(ms) / 1000, 0.0)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        parsed = email.utils.parsedate_to_datetime(value) if value else None
        return max(parsed.timestamp() - time.time(), 0.0) if parsed else None


class wait_retry_after(wait_base):
    """Honour Retry-After when the server sends it (capped), else fall back."""

    def __init__(self, fallback: wait_base, cap: float) -> None:
        self.fallback = fallback
        self.cap = cap

    def __call__(self, retry_state: RetryCallState) -> float:
        exc = retry_state.outcome.exception() if retry_state.outcome else None
        hinted = retry_after_seconds(exc)
        if hinted is not None:
            return min(hinted, self.cap)
        return float(self.fallback(retry_state))


def transport_retrying(
    max_retries: int = DEFAULT_TRANSPORT_RETRIES,
    *,
    initial_wait: float = 1.0,
    max_wait: float = 60.0,
    sleep: Callable[[float], None] = time.sleep,
) -> Retrying:
    """The default policy: exponential backoff with jitter, Retry-After honoured, bounded."""
    return Retrying(
        stop=stop_after_attempt(max(max_retries, 0) + 1),
        wait=wait_retry_after(
            wait_exponential_jitter(initial=initial_wait, max=max_wait), max_wait
        ),
        retry=retry_if_exception(is_transient),
        reraise=True,
        sleep=sleep,
    )


def _as_async(policy: Retrying) -> AsyncRetrying:
    return AsyncRetrying(
        stop=policy.stop, wait=policy.wait, retry=policy.retry, reraise=True, sleep=asyncio.sleep
    )


def with_transport_retries(
    create: Callable[..., Any], policy: Retrying, log: CallLog, where: str
) -> Callable[..., Any]:
    """Wrap a sync ``create`` with the transport loop; errors come out translated."""

    def call(*args: Any, **kwargs: Any) -> Any:
        try:
            for attempt in policy.copy(reraise=True):
                with attempt:
                    _count(log, attempt.retry_state)
                    response = create(*args, **kwargs)
        except Exception as exc:
            raise translate(exc, where, log) from exc
        log.received(response)
        return response

    return call


def with_async_transport_retries(
    create: Callable[..., Awaitable[Any]], policy: Retrying, log: CallLog, where: str
) -> Callable[..., Awaitable[Any]]:
    """Async twin of :func:`with_transport_retries`."""

    async def call(*args: Any, **kwargs: Any) -> Any:
        try:
            async for attempt in _as_async(policy):
                with attempt:
                    _count(log, attempt.retry_state)
                    response = await create(*args, **kwargs)
        except Exception as exc:
            raise translate(exc, where, log) from exc
        log.received(response)
        return response

    return call


def _count(log: CallLog, state: RetryCallState) -> None:
    log.attempts.requests += 1
    if state.attempt_number > 1:
        log.attempts.transport_retries += 1


def translate(exc: BaseException, where: str, log: CallLog) -> errors.BackendError:
    """Map an SDK/transport exception to our error tree, with a message that names the fix."""
    tries = log.attempts.transport_retries
    after = f" after {tries} transport retr{'y' if tries == 1 else 'ies'}" if tries else ""
    err: errors.BackendError
    if isinstance(exc, openai.AuthenticationError | openai.PermissionDeniedError):
        err = errors.AuthenticationError(
            f"{where} rejected the API key ({exc.status_code}).",
            "Check OPENAI_API_KEY / --api-key (and the org/project it belongs to).",
        )
    elif isinstance(exc, openai.NotFoundError):
        err = errors.ModelNotFoundError(
            f"{where} answered 404: {_server_message(exc)}.",
            "Check --model against the models the server lists, and that --base-url ends in /v1.",
        )
    elif isinstance(exc, openai.APIStatusError) and not is_transient(exc):
        err = errors.RequestRejectedError(
            f"{where} rejected the request ({exc.status_code}): {_server_message(exc)}.",
            "If it mentions context or tokens, the document is too long for this model: "
            "split it or use a model with a longer context.",
        )
    elif isinstance(exc, openai.APITimeoutError):
        err = errors.TransportRetriesExhaustedError(
            f"{where} timed out{after}.",
            "Raise --timeout, or check that the server is not overloaded.",
        )
    elif isinstance(exc, openai.APIConnectionError):
        err = errors.EndpointUnreachableError(
            f"Cannot connect to {where}{after}.",
            "Is the server running? Check --base-url / OPENAI_BASE_URL, or unset it to use the "
            "embedded model.",
        )
    elif isinstance(exc, openai.APIStatusError):
        err = errors.TransportRetriesExhaustedError(
            f"{where} kept failing ({exc.status_code}: {_server_message(exc)}){after}.",
            "Wait and run again (finished documents are kept with -o), or raise "
            "--transport-retries.",
        )
    elif isinstance(exc, json.JSONDecodeError):
        err = errors.TransportRetriesExhaustedError(
            f"{where} sent a response body that is not JSON{after}.",
            "Check that --base-url points at an OpenAI-compatible API (usually ending in /v1).",
        )
    else:
        err = errors.BackendError(
            f"Request to {where} failed: {type(exc).__name__}: {exc}.", "See the cause above."
        )
    return errors.attach(err, log.attempts, log.usage)


def _server_message(exc: openai.APIStatusError) -> str:
    body = exc.body
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict) and inner.get("message"):
            return str(inner["message"])[:300]
    return str(exc.message)[:300]
