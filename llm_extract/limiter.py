"""One limit on requests in flight per endpoint, and one shared pause after a 429.

Every request an extractor sends (any document, chunk, pass, re-ask or transport retry) holds a
slot of its endpoint's :class:`EndpointGate` while it is on the wire. A 429 whose Retry-After
asks for a pause stops every worker on that endpoint until it ends: one shared backoff, not N
independent stampedes (the transport-retry loop waits out :meth:`EndpointGate.paused_for`
before each send, with its own sleep function). Gates are per process and per endpoint
(:func:`gate_for`), so extractors on one endpoint share theirs.
"""

from __future__ import annotations

import asyncio
import threading
import time

from llm_extract.transport import MAX_WAIT


class EndpointGate:
    """A counting limit (adjustable) plus a pause every waiter honours."""

    def __init__(self, limit: int) -> None:
        self.limit = max(limit, 1)
        self.in_flight = 0
        #: Most requests ever in flight at once (for tests and benchmarks).
        self.peak = 0
        #: Shared pauses started by a 429 (counted once per pause, not per waiting worker).
        self.pauses = 0
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


_gates: dict[str, EndpointGate] = {}
_gates_lock = threading.Lock()


def gate_for(endpoint: str, limit: int) -> EndpointGate:
    """The process's gate for ``endpoint``, its limit set to ``limit`` (the latest asked)."""
    with _gates_lock:
        gate = _gates.get(endpoint)
        if gate is None:
            gate = _gates[endpoint] = EndpointGate(limit)
        else:
            with gate._cond:
                gate.limit = max(limit, 1)
                gate._cond.notify_all()
        return gate
