"""Transport retries: the server failed (429, 5xx, timeout, reset), so send the same request again.

This loop sits under instructor, around the raw ``chat.completions.create``: instructor only
ever sees a good HTTP response or a final, translated error, so a rate limit is never fed into a
re-ask prompt. The openai SDK's own retries are off (backends build clients with
``max_retries=0``), so attempts do not multiply. Every response's usage is counted here.

A 2xx whose body is not a JSON chat completion (an HTML error page from a proxy) is a transport
fault too: the SDK hands such a body over as a plain string, which instructor would otherwise
feed to a validation re-ask. Waits of :data:`LONG_WAIT` seconds or more are logged (warning, on
the ``llm_extract.wire.retries`` logger), so a long Retry-After is never a silent pause.
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import logging
import socket
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
from llm_extract.core.result import Attempts, Usage
from llm_extract.settings import DEFAULT_TRANSPORT_RETRIES

RETRYABLE_STATUS = {408, 409, 425, 429, 500, 502, 503, 504, 520, 522, 524, 529}
#: The longest wait between two tries, Retry-After included (a server asking for more is capped).
MAX_WAIT = 60.0
#: Waits at least this long are announced (logged as a warning).
LONG_WAIT = 5.0

logger = logging.getLogger(__name__)


class NotAChatCompletion(Exception):
    """A 2xx response whose body is not a JSON chat completion (e.g. a proxy's HTML page)."""

    def __init__(self, body: object) -> None:
        start = " ".join(str(body).split())[:80]
        super().__init__(f"it began {start!r}" if start else "it was empty")


@dataclass
class CallLog:
    """What one extraction spent, across both retry loops."""

    attempts: Attempts = field(default_factory=Attempts)
    usage: Usage = field(default_factory=Usage)
    #: The text of the last answer received (what a follow-up request quotes back).
    last_content: str | None = None
    #: Answers that still failed validation after the re-asks and were kept in part (their
    #: valid records): their last validation error was not followed by a re-ask.
    kept_in_part: int = 0
    #: The records those answers lost, as ``{"error": ..., "record": ...}``.
    dropped: list[dict[str, Any]] = field(default_factory=list)

    def received(self, response: Any) -> None:
        if getattr(response, "llm_extract_cached", False):  # see llm_extract.wire.send
            # Answered by the response cache: nothing was sent, no tokens were spent.
            self.attempts.requests -= 1
            self.attempts.cache_hits += 1
        else:
            self.usage.add(getattr(response, "usage", None))
        try:
            self.last_content = str(response.choices[0].message.content)
        except (AttributeError, IndexError, TypeError):
            self.last_content = None


def is_transient(exc: BaseException) -> bool:
    """Worth sending again: rate limits, server errors, timeouts, dropped connections."""
    if _own_error(exc) is not None:
        return False
    if isinstance(exc, openai.APIStatusError):
        return exc.status_code in RETRYABLE_STATUS
    # APITimeoutError is an APIConnectionError; a 200 whose body is not JSON is a broken proxy.
    return isinstance(exc, openai.APIConnectionError | json.JSONDecodeError | NotAChatCompletion)


def retry_after_seconds(exc: BaseException | None) -> float | None:
    """The server's Retry-After (seconds or HTTP date; OpenAI also sends retry-after-ms)."""
    response = getattr(exc, "response", None)
    return retry_after_in(getattr(response, "headers", None))


def retry_after_in(headers: Any) -> float | None:
    """Retry-After (or retry-after-ms) from response headers, in seconds; None if absent."""
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
    max_wait: float = MAX_WAIT,
    sleep: Callable[[float], None] = time.sleep,
) -> Retrying:
    """The default policy: exponential backoff with jitter, Retry-After honoured, bounded.

    Worst case for a hung server: ``(max_retries + 1) * timeout`` plus the waits in between.
    """
    retries = max(max_retries, 0)
    return Retrying(
        stop=stop_after_attempt(retries + 1),
        wait=wait_retry_after(
            wait_exponential_jitter(multiplier=initial_wait, max=max_wait, jitter=initial_wait),
            max_wait,
        ),
        retry=retry_if_exception(is_transient),
        before_sleep=lambda state: announce_long_wait(state, retries),
        reraise=True,
        sleep=sleep,
    )


def announce_long_wait(state: RetryCallState, retries: int) -> None:
    """Log a wait of LONG_WAIT seconds or more: what failed, how long, which retry."""
    wait = state.next_action.sleep if state.next_action else 0.0
    if wait < LONG_WAIT:
        return
    exc = state.outcome.exception() if state.outcome else None
    hinted = retry_after_seconds(exc)
    asked = f", Retry-After {hinted:.0f} s" if hinted is not None else ""
    logger.warning(
        "Waiting %.0f s before retry %d of %d (%s%s).",
        wait, state.attempt_number, retries, _fault(exc), asked,
    )  # fmt: skip


def _fault(exc: BaseException | None) -> str:
    if isinstance(exc, openai.APIStatusError):
        return f"the server answered {exc.status_code}"
    if isinstance(exc, openai.APITimeoutError):
        return "the request timed out"
    if isinstance(exc, openai.APIConnectionError):
        return _connection_fault(exc)[1]
    return "the answer was not a JSON chat completion"


def _as_async(policy: Retrying) -> AsyncRetrying:
    return AsyncRetrying(
        stop=policy.stop,
        wait=policy.wait,
        retry=policy.retry,
        before_sleep=policy.before_sleep,
        reraise=True,
        sleep=asyncio.sleep,
    )


def with_transport_retries(
    create: Callable[..., Any],
    policy: Retrying,
    log: CallLog,
    where: str,
    paused: Callable[[], float] = lambda: 0.0,
) -> Callable[..., Any]:
    """Wrap a sync ``create`` with the transport loop; errors come out translated.

    ``paused`` says how long the endpoint's shared 429 pause still lasts; each try waits it
    out first (with the policy's sleep)."""

    def call(*args: Any, **kwargs: Any) -> Any:
        hinted = False  # the last try's own Retry-After was waited out already
        try:
            for attempt in policy.copy(reraise=True):
                with attempt:
                    if not hinted and (wait := paused()) > 0:
                        policy.sleep(wait)
                    _count(log, attempt.retry_state)
                    try:
                        response = _checked(create(*args, **kwargs))
                    except Exception as e:
                        hinted = retry_after_seconds(e) is not None
                        raise
        except Exception as exc:
            raise translate(exc, where, log) from exc
        log.received(response)
        return response

    return call


def with_async_transport_retries(
    create: Callable[..., Awaitable[Any]],
    policy: Retrying,
    log: CallLog,
    where: str,
    paused: Callable[[], float] = lambda: 0.0,
) -> Callable[..., Awaitable[Any]]:
    """Async twin of :func:`with_transport_retries`."""

    async def call(*args: Any, **kwargs: Any) -> Any:
        hinted = False
        try:
            async for attempt in _as_async(policy):
                with attempt:
                    if not hinted and (wait := paused()) > 0:
                        await asyncio.sleep(wait)
                    _count(log, attempt.retry_state)
                    try:
                        response = _checked(await create(*args, **kwargs))
                    except Exception as e:
                        hinted = retry_after_seconds(e) is not None
                        raise
        except Exception as exc:
            raise translate(exc, where, log) from exc
        log.received(response)
        return response

    return call


def _checked(response: Any) -> Any:
    # The SDK returns the body as a str when the content type is not JSON; a JSON body that
    # is not a completion has no choices. Either way the server failed, not the model.
    if isinstance(response, str | bytes) or not getattr(response, "choices", None):
        raise NotAChatCompletion(response if isinstance(response, str | bytes) else "")
    return response


def _connection_fault(exc: BaseException) -> tuple[bool, str]:
    """(unreachable?, what happened) for a connection error, from its causes."""
    chain: list[BaseException] = []
    cause: BaseException | None = exc
    while cause is not None and len(chain) < 10:
        chain.append(cause)
        cause = cause.__cause__ or cause.__context__
    if any(isinstance(c, ConnectionRefusedError) for c in chain):
        return True, "connection refused"
    if any(isinstance(c, socket.gaierror) for c in chain):
        return True, "the host name does not resolve"
    # httpx's ConnectError: no connection was made at all (no route, a firewall).
    if connect := next((c for c in chain if type(c).__name__ == "ConnectError"), None):
        return True, f"no connection could be made ({connect})"
    return False, "the connection was reset or closed before the server answered"


def _count(log: CallLog, state: RetryCallState) -> None:
    log.attempts.requests += 1
    if state.attempt_number > 1:
        log.attempts.transport_retries += 1


def translate(exc: BaseException, where: str, log: CallLog) -> errors.BackendError:
    """Map an SDK/transport exception to our error tree, with a message that names the fix."""
    if (own := _own_error(exc)) is not None:
        return errors.attach(own, log.attempts, log.usage)
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
    elif isinstance(exc, openai.APIStatusError) and _error_type(exc) == "recording_miss":
        # llm-extract serve --replay: the message already says what changed and how to re-record.
        err = errors.RecordingMissError(f"{where} (a replay server): {_server_message(exc, 4000)}")
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
        unreachable, what = _connection_fault(exc)
        if unreachable:
            err = errors.EndpointUnreachableError(
                f"Cannot connect to {where}{after}: {what}.",
                "Is the server running? Check --base-url / OPENAI_BASE_URL, or unset it to use "
                "the embedded model.",
            )
        else:
            err = errors.ConnectionDroppedError(
                f"{where} dropped the connection{after}: {what}.",
                "The server may be crashing on this request, or a proxy cutting it off: check "
                "the server's log; rerun to retry (finished documents are kept with -o).",
            )
    elif isinstance(exc, openai.APIStatusError):
        err = errors.TransportRetriesExhaustedError(
            f"{where} kept failing ({exc.status_code}: {_server_message(exc)}){after}.",
            "Wait and run again (finished documents are kept with -o), or raise "
            "--transport-retries.",
        )
    elif isinstance(exc, json.JSONDecodeError | NotAChatCompletion):
        detail = f" ({exc})" if isinstance(exc, NotAChatCompletion) else ""
        err = errors.TransportRetriesExhaustedError(
            f"{where} answered with a body that is not a JSON chat completion{detail}{after}.",
            "Check that --base-url points at an OpenAI-compatible API (usually ending in /v1), "
            "and that no proxy in between is failing.",
        )
    else:
        err = errors.BackendError(
            f"Request to {where} failed: {type(exc).__name__}: {exc}.", "See the cause above."
        )
    return errors.attach(err, log.attempts, log.usage)


def _own_error(exc: BaseException) -> errors.BackendError | None:
    """Our error raised inside the HTTP layer (a replay miss), which the SDK wraps as a
    connection error: it is final, and passes through as itself."""
    cause = exc.__cause__
    while cause is not None:
        if isinstance(cause, errors.BackendError):
            return cause
        cause = cause.__cause__
    return None


def _server_message(exc: openai.APIStatusError, limit: int = 300) -> str:
    body = exc.body
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict) and inner.get("message"):
            return str(inner["message"])[:limit]
    return str(exc.message)[:limit]


def _error_type(exc: openai.APIStatusError) -> str | None:
    body = exc.body
    inner = body.get("error", body) if isinstance(body, dict) else None
    return str(inner.get("type")) if isinstance(inner, dict) else None
