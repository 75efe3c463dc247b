"""Any OpenAI-compatible endpoint: OpenAI, Azure (OpenAI v1 API), vLLM, Ollama, llama.cpp."""

from __future__ import annotations

import openai

from llm_extract.backends.base import Backend
from llm_extract.errors import ConfigError
from llm_extract.settings import environ

OPENAI_DEFAULT_URL = "https://api.openai.com/v1"
OPENAI_DEFAULT_MODEL = "gpt-4o-mini"


class OpenAICompatBackend(Backend):
    name = "openai"

    def __init__(
        self,
        model: str | None = None,
        base_url: str | None = None,
        api_key: str | None = None,
        context_window: int | None = None,
    ) -> None:
        self._base_url = (base_url or OPENAI_DEFAULT_URL).rstrip("/")
        is_openai = self._base_url == OPENAI_DEFAULT_URL
        if is_openai and not api_key:
            raise ConfigError(
                "No API key for api.openai.com.",
                "Set OPENAI_API_KEY or pass --api-key; or set OPENAI_BASE_URL / --base-url "
                "to another server; or unset both to use the embedded model.",
            )
        # Local servers (vLLM, Ollama, llama.cpp) accept any key; the SDK insists on one.
        self._api_key = api_key or "no-key"
        model = model or environ("LLM_EXTRACT_MODEL")
        if not model:
            if not is_openai:
                raise ConfigError(
                    f"No model name for {self._base_url}.",
                    "Pass --model / model= (or set LLM_EXTRACT_MODEL) with a model the server "
                    "serves.",
                )
            model = OPENAI_DEFAULT_MODEL
        self._model = model
        self.context_window = context_window
        self.label = f"{self._model} at {self._base_url}"

    @property
    def model(self) -> str:
        return self._model

    @property
    def base_url(self) -> str:
        return self._base_url

    def client(self, timeout: float) -> openai.OpenAI:
        return openai.OpenAI(
            base_url=self._base_url, api_key=self._api_key, max_retries=0, timeout=timeout
        )

    def async_client(self, timeout: float) -> openai.AsyncOpenAI:
        return openai.AsyncOpenAI(
            base_url=self._base_url, api_key=self._api_key, max_retries=0, timeout=timeout
        )
