"""Where every request of an extractor goes out: the response cache, then the endpoint's gate.

:func:`layered` wraps an openai client (a backend's, or a recording's) so that each HTTP
request is first looked up in the :class:`~llm_extract.wire.cache.ResponseCache` (a hit is answered
at once, marked ``llm_extract_cached`` in its body so the accounting counts it apart), else sent
holding a slot of the :class:`~llm_extract.wire.limits.EndpointGate` (after waiting for its rate
limit, if any: tokens are estimated before sending and corrected from the answer's usage); a
429 with Retry-After pauses the whole gate. What is sent is unchanged: the same body goes to
the same server.
"""

from __future__ import annotations

import asyncio
import json
from typing import TYPE_CHECKING, TypeVar

import httpx2 as httpx
import openai

from llm_extract.wire.cache import ResponseCache
from llm_extract.wire.limits import EndpointGate
from llm_extract.wire.recordings import request_fingerprint
from llm_extract.wire.retries import retry_after_in

if TYPE_CHECKING:
    from llm_extract.backends.base import PrefixCache

#: Set (true) in the body of an answer that came from the cache.
CACHED_MARK = "llm_extract_cached"
_DROP = frozenset({"content-encoding", "content-length", "transfer-encoding", "connection"})
ClientT = TypeVar("ClientT", openai.OpenAI, openai.AsyncOpenAI)


def layered(
    client: ClientT,
    gate: EndpointGate,
    cache: ResponseCache | None,
    endpoint: str,
    prefix: PrefixCache | None = None,
) -> ClientT:
    """``client`` with its requests passing through the cache and the gate (and ``prefix``'s
    hooks around each request sent, holding the gate's slot)."""
    transport = _Layer(gate, cache, endpoint, client._client, prefix)
    timeout = client.timeout
    if isinstance(client, openai.AsyncOpenAI):
        return client.with_options(
            http_client=httpx.AsyncClient(transport=transport, timeout=timeout)
        )
    return client.with_options(http_client=httpx.Client(transport=transport, timeout=timeout))


class _Layer(httpx.BaseTransport, httpx.AsyncBaseTransport):
    def __init__(
        self,
        gate: EndpointGate,
        cache: ResponseCache | None,
        endpoint: str,
        inner: httpx.Client | httpx.AsyncClient,
        prefix: PrefixCache | None,
    ) -> None:
        self.gate, self.cache, self.endpoint, self.inner = gate, cache, endpoint, inner
        self.prefix = prefix

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        assert isinstance(self.inner, httpx.Client)
        request.read()
        digest = self._digest(request)
        if digest is not None and (hit := self._hit(digest, request)) is not None:
            return hit
        rate = self.gate.rate
        estimate = _estimate(request) if rate is not None else 0
        if rate is not None:
            rate.take(estimate)
        self.gate.acquire()
        ok = False
        try:
            if self.prefix is not None:
                self.prefix.before(request.content)
            response = self.inner.send(request)
            response.read()
            ok = response.is_success
        finally:
            if self.prefix is not None:
                self.prefix.after(ok)
            self.gate.release()
        return self._kept(digest, request, response, estimate)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        assert isinstance(self.inner, httpx.AsyncClient)
        await request.aread()
        digest = self._digest(request)
        if digest is not None and (hit := self._hit(digest, request)) is not None:
            return hit
        rate = self.gate.rate
        estimate = _estimate(request) if rate is not None else 0
        if rate is not None:
            await rate.atake(estimate)
        await self.gate.aacquire()
        ok = False
        try:
            if self.prefix is not None:  # local file and loopback calls of a few ms
                await asyncio.to_thread(self.prefix.before, request.content)
            response = await self.inner.send(request)
            await response.aread()
            ok = response.is_success
        finally:
            if self.prefix is not None:
                await asyncio.to_thread(self.prefix.after, ok)
            self.gate.release()
        return self._kept(digest, request, response, estimate)

    def _digest(self, request: httpx.Request) -> str | None:
        if self.cache is None or request.method != "POST":
            return None
        return request_fingerprint(request).digest

    def _hit(self, digest: str, request: httpx.Request) -> httpx.Response | None:
        assert self.cache is not None
        body = self.cache.get(self.endpoint, digest)
        if body is None:
            return None
        data = json.loads(body)
        data[CACHED_MARK] = True
        return httpx.Response(200, json=data, request=request)

    def _kept(
        self, digest: str | None, request: httpx.Request, response: httpx.Response, estimate: int
    ) -> httpx.Response:
        if response.status_code == 429 and (wait := retry_after_in(response.headers)):
            self.gate.pause(wait)
        if self.gate.rate is not None:
            self.gate.rate.settle(estimate, _used_tokens(response))
        if self.cache is not None and digest is not None and _is_completion(response):
            self.cache.put(self.endpoint, digest, response.content)
        headers = {k: v for k, v in response.headers.items() if k.lower() not in _DROP}
        return httpx.Response(
            response.status_code, headers=headers, content=response.content, request=request
        )


def _estimate(request: httpx.Request) -> int:
    """Tokens a request may use, before it is sent: its length / 4, plus its max_tokens."""
    try:
        asked = json.loads(request.content).get("max_tokens") or 0
    except (ValueError, AttributeError):
        asked = 0
    return len(request.content) // 4 + int(asked)


def _used_tokens(response: httpx.Response) -> int:
    try:
        return int(json.loads(response.content)["usage"]["total_tokens"])
    except (ValueError, KeyError, TypeError):
        return 0  # no answer, nothing used


def _is_completion(response: httpx.Response) -> bool:
    if not 200 <= response.status_code < 300:
        return False
    try:
        data = json.loads(response.content)
    except ValueError:
        return False
    return isinstance(data, dict) and bool(data.get("choices"))
