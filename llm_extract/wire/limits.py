"""One limit on requests in flight per endpoint, and one shared pause after a 429.

Every request an extractor sends (any document, chunk, pass, re-ask or transport retry) holds a
slot of its endpoint's :class:`EndpointGate` while it is on the wire. A 429 whose Retry-After
asks for a pause stops every worker on that endpoint until it ends: one shared backoff, not N
independent stampedes (the transport-retry loop waits out :meth:`EndpointGate.paused_for`
before each send, with its own sleep function). A :class:`RateLimit` (requests and/or tokens
per minute) spaces sends out further. Gates are per process and per endpoint
(:func:`gate_for`), so extractors on one endpoint share theirs.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable

from llm_extract.errors import ConfigError
from llm_extract.wire.retries import MAX_WAIT


class EndpointGate:
    """A counting limit (adjustable) plus a pause every waiter honours."""

    def __init__(self, limit: int) -> None:
        self.limit = max(limit, 1)
        self.in_flight = 0
        #: Most requests ever in flight at once (for tests and benchmarks).
        self.peak = 0
        #: Shared pauses started by a 429 (counted once per pause, not per waiting worker).
        self.pauses = 0
        #: Requests/tokens per minute on this endpoint (``--rate-limit``), or None.
        self.rate: RateLimit | None = None
        self._paused_until = 0.0
        self._cond = threading.Condition()

    def paused_for(self) -> float:
        """Seconds left of the shared pause (0.0 when none)."""
        return max(self._paused_until - time.monotonic(), 0.0)

    def try_acquire(self) -> float:
        """Take a slot: 0.0 if taken, else seconds worth waiting before trying again."""
        with self._cond:
            return self._take()

    def acquire(self) -> None:
        """Take a slot, waiting for one."""
        with self._cond:
            while (wait := self._take()) > 0:
                self._cond.wait(wait)

    async def aacquire(self) -> None:
        """:meth:`acquire` without blocking the event loop."""
        while (wait := self.try_acquire()) > 0:
            await asyncio.sleep(min(wait, 0.01))

    def release(self) -> None:
        with self._cond:
            self.in_flight -= 1
            self._cond.notify_all()

    def pause(self, seconds: float) -> None:
        """Hold every new request for ``seconds`` (capped at MAX_WAIT; the latest end wins)."""
        until = time.monotonic() + min(max(seconds, 0.0), MAX_WAIT)
        with self._cond:
            if until > self._paused_until + 0.05:
                self.pauses += 1
            self._paused_until = max(self._paused_until, until)

    def _take(self) -> float:
        if self.in_flight < self.limit:
            self.in_flight += 1
            self.peak = max(self.peak, self.in_flight)
            return 0.0
        return 1.0  # woken by release() before this


_gates: dict[tuple[str, int, float | None, float | None], EndpointGate] = {}
_gates_lock = threading.Lock()


def gate_for(
    endpoint: str,
    limit: int,
    requests_per_minute: float | None = None,
    tokens_per_minute: float | None = None,
) -> EndpointGate:
    """The process's gate for ``endpoint`` at ``limit`` requests in flight: extractors asking
    for the same pair share one (and its Retry-After pauses); another limit gets its own, so one
    extractor never changes another's limit. A per-minute rate is part of the pair."""
    key = (endpoint, max(limit, 1), requests_per_minute, tokens_per_minute)
    with _gates_lock:
        gate = _gates.get(key)
        if gate is None:
            gate = _gates[key] = EndpointGate(key[1])
            if requests_per_minute or tokens_per_minute:
                gate.rate = RateLimit(requests_per_minute, tokens_per_minute)
        return gate


class RateLimit:
    """Requests and/or tokens per minute, as token buckets: requests burst up to a second's
    worth (at least one), tokens up to a minute's (one request may need many).

    :meth:`take` waits until ``tokens`` (an estimate for the request about to go) fit and one
    request may start; :meth:`settle` corrects the estimate with the tokens the answer used.
    """

    def __init__(
        self,
        requests_per_minute: float | None = None,
        tokens_per_minute: float | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.rpm, self.tpm = requests_per_minute, tokens_per_minute
        self._clock, self._sleep = clock, sleep
        now = clock()
        self._burst = max((self.rpm or 0) / 60, 1.0)
        self._requests = self._burst if self.rpm else 0.0
        self._tokens = float(self.tpm or 0)
        self._at = now
        self._lock = threading.Lock()

    def take(self, tokens: int) -> None:
        while (wait := self._try(tokens)) > 0:
            self._sleep(wait)

    async def atake(self, tokens: int) -> None:
        while (wait := self._try(tokens)) > 0:
            await asyncio.sleep(wait)

    def settle(self, estimated: int, used: int) -> None:
        if self.tpm:
            with self._lock:
                self._tokens = min(self._tokens + estimated - used, float(self.tpm))

    def _try(self, tokens: int) -> float:
        with self._lock:
            now = self._clock()
            elapsed, self._at = now - self._at, now
            waits = [0.0]
            if self.rpm:
                self._requests = min(self._requests + elapsed * self.rpm / 60, self._burst)
                waits.append((1 - self._requests) * 60 / self.rpm)
            if self.tpm:
                need = min(float(tokens), float(self.tpm))  # a huge request waits a full bucket
                self._tokens = min(self._tokens + elapsed * self.tpm / 60, float(self.tpm))
                waits.append((need - self._tokens) * 60 / self.tpm)
            wait = max(waits)
            if wait <= 0:
                self._requests -= 1 if self.rpm else 0
                self._tokens -= tokens if self.tpm else 0
            return wait


def parse_rate_limit(text: str) -> tuple[float | None, float | None]:
    """``"600rpm"``, ``"90000tpm"`` or both (``"600rpm,90000tpm"``) -> (rpm, tpm)."""
    rpm = tpm = None
    for part in text.replace(" ", "").lower().split(","):
        unit = part[-3:]
        try:
            value = float(part[:-3])
        except ValueError:
            value = -1.0
        if unit not in ("rpm", "tpm") or not value > 0:
            raise ConfigError(
                f"Cannot read the rate limit {text!r}.",
                "Write requests and/or tokens per minute, e.g. --rate-limit 600rpm,90000tpm.",
            )
        if unit == "rpm":
            rpm = value
        else:
            tpm = value
    return rpm, tpm
