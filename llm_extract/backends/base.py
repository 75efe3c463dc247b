"""The backend interface: something that hands out OpenAI-compatible clients for one model.

Every backend speaks the OpenAI chat API, so the pipeline above it is the same for all of
them; differences are capabilities (attributes), never a mode enum the pipeline branches on.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import ClassVar, Protocol

import instructor
import openai


class PrefixCache(Protocol):
    """Server state kept around requests (the embedded model's prompt-prefix files). Called
    holding the endpoint's slot: just before a request is sent, and once its answer is in."""

    def before(self, body: bytes) -> None: ...

    def after(self, ok: bool) -> None: ...


class Backend(ABC):
    """A model behind an OpenAI-compatible endpoint."""

    #: Registry name (``--backend NAME``).
    name: ClassVar[str]
    #: How instructor asks for structured output. JSON_SCHEMA sends ``response_format`` with the
    #: schema, which llama.cpp, vLLM and OpenAI all constrain decoding with.
    mode: instructor.Mode = instructor.Mode.JSON_SCHEMA
    #: Context window in tokens, when known (for clear errors before sending too much).
    context_window: int | None = None
    #: Documents longer than this many characters are extracted in chunks (see chunking.py).
    chunk_chars: int = 24_000
    #: The strategy used when none is named (see llm_extract.strategies), chosen by measurement.
    default_strategy: str = "single"
    #: Seconds an HTTP request may take before it counts as hung (and is retried). Minutes, so a
    #: hung server fails a document in about ``(transport_retries + 1) * default_timeout``.
    default_timeout: float = 120.0
    #: A short description for messages ("embedded Qwen2.5-Coder-1.5B on CPU").
    label: str = ""
    #: The most requests the server can usefully take at once (None: no limit of its own).
    max_concurrency: int | None = None

    @property
    @abstractmethod
    def model(self) -> str:
        """Model name sent in requests."""

    @property
    @abstractmethod
    def base_url(self) -> str:
        """Where requests go."""

    @property
    def endpoint(self) -> str:
        """Who answers: the key of the shared request limit and of the response cache (the
        base URL; a local server that changes port each run names its model instead)."""
        return self.base_url

    @abstractmethod
    def client(self, timeout: float) -> openai.OpenAI:
        """A sync client with the SDK's own retries off (tenacity owns transport retries)."""

    @abstractmethod
    def async_client(self, timeout: float) -> openai.AsyncOpenAI:
        """An async client with the SDK's own retries off."""

    def prefix_cache(self) -> PrefixCache | None:
        """What to do around each request to keep the server's prompt cache (None: nothing)."""
        return None

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release what the backend holds (a local server, connections)."""
