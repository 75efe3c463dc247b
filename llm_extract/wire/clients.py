"""The HTTP clients of one extractor: built through the recording in use (if any), then through
the response cache and the endpoint's request limit (:mod:`llm_extract.wire.send`).

A client is rebuilt when the recording in use changes (the pytest plugin makes a new one active
per test); otherwise one sync and one async client serve every document and thread.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import openai

from llm_extract.wire import recordings as recording
from llm_extract.wire import send as wire
from llm_extract.wire.cache import ResponseCache
from llm_extract.wire.limits import EndpointGate

if TYPE_CHECKING:
    from llm_extract.backends import Backend


class Clients:
    def __init__(
        self,
        backend: Backend,
        timeout: float,
        own: recording.Recording | None,
        gate: EndpointGate,
        cache: ResponseCache | None,
    ) -> None:
        self.backend, self.timeout, self.own = backend, timeout, own
        self.gate, self.cache = gate, cache
        self._sync: openai.OpenAI | None = None
        self._async: openai.AsyncOpenAI | None = None
        # The recording each client was built for.
        self._sync_via: recording.Recording | None = None
        self._async_via: recording.Recording | None = None

    @property
    def via(self) -> recording.Recording | None:
        """The recording requests go through now: the extractor's own, or the active one."""
        return self.own or recording.active()

    def sync(self) -> openai.OpenAI:
        via = self.via
        if self._sync is None or via is not self._sync_via:
            client = (
                via.client(self.backend, self.timeout) if via else self.backend.client(self.timeout)
            )
            self._sync, self._sync_via = self._layered(client, via), via
        return self._sync

    def async_(self) -> openai.AsyncOpenAI:
        via = self.via
        if self._async is None or via is not self._async_via:
            client = (
                via.async_client(self.backend, self.timeout)
                if via
                else self.backend.async_client(self.timeout)
            )
            self._async, self._async_via = self._layered(client, via), via
        return self._async

    def where(self) -> str:
        """Who answers, for messages."""
        via = self.via
        if via is not None and not via.sends:  # the backend's URL may start a server
            return f"{self.backend.model} replayed from {via.path}"
        label, url = self.backend.label or self.backend.model, self.backend.base_url
        return label if url in label else f"{label} ({url})"

    def close(self) -> None:
        if self._sync is not None:
            self._sync.close()
        self._sync = self._async = None
        if self.own is not None:
            self.own.save()

    async def aclose(self) -> None:
        if self._async is not None:
            await self._async.close()
        self._async = None

    def _layered(self, client: wire.ClientT, via: recording.Recording | None) -> wire.ClientT:
        # A recording answers (or records) every request itself: no response cache in between.
        # The server's prompt cache still runs when requests reach the server, so a recorded
        # run answers as an unrecorded one does.
        if via is not None:
            slots = self.backend.prefix_cache() if via.sends else None
            return wire.layered(client, self.gate, None, self.backend.endpoint, slots)
        return wire.layered(
            client, self.gate, self.cache, self.backend.endpoint, self.backend.prefix_cache()
        )
