"""One frozen, picklable description of an extractor: what the CLI builds from its flags, what an
:class:`~llm_extract.Extractor` is built from, and what a worker process can be sent.

Environment variables are read here and nowhere else (:func:`environ`): ``OPENAI_BASE_URL``,
``OPENAI_API_KEY``, ``LLM_EXTRACT_MODEL`` pick the endpoint; ``LLM_EXTRACT_CACHE`` the response
cache (a file, or ``off``); ``LLM_EXTRACT_CACHE_DIR`` / ``XDG_CACHE_HOME`` where caches live.

>>> s = ExtractorSettings(base_url="http://localhost:8000/v1", model="m", concurrency=32)
>>> extractor = Extractor.from_settings(s)          # or Extractor(settings=s)
>>> pickle.loads(pickle.dumps(s)) == s
True
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from llm_extract.core.document import DEFAULT_MAX_CHARS
from llm_extract.errors import ConfigError

DEFAULT_SCHEMA = "conflict_events"
#: Re-asks after an answer fails validation (the model got it wrong).
DEFAULT_VALIDATION_RETRIES = 2
#: Resends after a 429, a 5xx or a timeout (the server failed).
DEFAULT_TRANSPORT_RETRIES = 4
#: Requests in flight per endpoint when none is asked for.
DEFAULT_CONCURRENCY = 4
_OFF = {"0", "off", "no", "false", "none"}


def environ(name: str) -> str | None:
    """The environment variable ``name`` (empty counts as unset); the one place env is read."""
    return os.environ.get(name) or None


def cache_dir() -> Path:
    """$LLM_EXTRACT_CACHE_DIR, else $XDG_CACHE_HOME/llm_extract, else ~/.cache/llm_extract."""
    if env := environ("LLM_EXTRACT_CACHE_DIR"):
        return Path(env)
    base = environ("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "llm_extract"


def default_cache_path() -> Path | None:
    """The response cache a corpus run uses: ``$LLM_EXTRACT_CACHE`` (``off`` for none), else
    ``responses.sqlite`` in :func:`cache_dir`."""
    env = environ("LLM_EXTRACT_CACHE")
    if env is not None:
        return None if env.strip().lower() in _OFF else Path(env)
    return cache_dir() / "responses.sqlite"


@dataclass(frozen=True)
class ExtractorSettings:
    """Everything an :class:`~llm_extract.Extractor` is made of, as plain picklable values.

    Field meanings are those of the :class:`~llm_extract.Extractor` arguments; in addition:

    Args:
        concurrency: requests in flight at once per endpoint, shared by every document, chunk,
            pass, re-ask and retry of this extractor (the embedded model caps it at what its
            server serves).
        cache: a SQLite response cache file, or None for none (see :mod:`llm_extract.wire.cache`).
        retry_wait: the first transport-retry backoff in seconds (then doubling, with jitter;
            a server's Retry-After wins).
        requests_per_minute, tokens_per_minute: a rate limit on the endpoint (tokens are
            estimated before a request and corrected from its answer's usage).
    """

    #: A shipped name, ``path.py:Class``, or a record class (it pickles by reference: shipped
    #: schemas and installed modules import anywhere).
    schema: str | type[BaseModel] = DEFAULT_SCHEMA
    backend: str | None = None
    model: str | None = None
    base_url: str | None = None
    api_key: str | None = None
    template: str | None = None
    strategy: str | None = None
    #: The documents' language (ISO 639-1, "fr"); None detects each document's own.
    language: str | None = None
    validation_retries: int = DEFAULT_VALIDATION_RETRIES
    transport_retries: int = DEFAULT_TRANSPORT_RETRIES
    retry_wait: float = 1.0
    timeout: float | None = None
    max_tokens: int = 2048
    temperature: float = 0.0
    max_chars: int = DEFAULT_MAX_CHARS
    chunk_chars: int | None = None
    chunk_overlap: int = 1
    chunk_concurrency: int = 4
    concurrency: int = DEFAULT_CONCURRENCY
    requests_per_minute: float | None = None
    tokens_per_minute: float | None = None
    cache: str | None = None
    record: str | None = None
    replay: str | None = None

    def __post_init__(self) -> None:
        if self.concurrency < 1:
            raise ConfigError(
                f"concurrency must be 1 or more, not {self.concurrency}.",
                "Pass --concurrency N with N >= 1 (requests in flight at once).",
            )
        if not self.retry_wait >= 0:
            raise ConfigError("retry_wait must be 0 seconds or more.")
        if self.validation_retries < 0:
            raise ConfigError("validation_retries must be 0 or more.")
        if self.timeout is not None and not self.timeout > 0:  # `not >` also catches NaN
            raise ConfigError(
                f"The timeout must be more than 0 seconds, not {self.timeout:g}.",
                "Pass --timeout / timeout= in seconds, e.g. 120, or leave it out for the default.",
            )
        if self.chunk_overlap < 0 or self.chunk_concurrency < 1:
            raise ConfigError("chunk_overlap must be 0 or more, chunk_concurrency 1 or more.")

    @classmethod
    def from_env(cls, **values: Any) -> ExtractorSettings:
        """Settings from ``values`` (None means "not given"), the environment filling the
        endpoint (``OPENAI_BASE_URL``, ``OPENAI_API_KEY``, ``LLM_EXTRACT_MODEL``)."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ConfigError(
                f"Unknown setting(s): {', '.join(unknown)}.", f"Use: {', '.join(sorted(known))}."
            )
        given = {k: v for k, v in values.items() if v is not None}
        given.setdefault("base_url", environ("OPENAI_BASE_URL"))
        given.setdefault("api_key", environ("OPENAI_API_KEY"))
        given.setdefault("model", environ("LLM_EXTRACT_MODEL"))
        for key in ("template", "cache", "record", "replay"):
            if key in given and isinstance(given[key], Path):
                given[key] = str(given[key])
        return cls(**given)

    def with_(self, **changes: Any) -> ExtractorSettings:
        """A copy with ``changes`` (the object itself never changes)."""
        return replace(self, **changes)

    def as_dict(self) -> dict[str, Any]:
        """The fields, with the API key masked (safe to log or write into a run summary)."""
        data = asdict(self)
        if data.get("api_key"):
            data["api_key"] = "***"
        return data
