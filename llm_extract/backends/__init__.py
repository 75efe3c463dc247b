"""Backend registry: names map to classes, imported on first use.

``resolve_backend`` picks one from arguments and the environment: an explicit ``backend`` name
wins; else a base URL or API key (arguments or ``OPENAI_BASE_URL``/``OPENAI_API_KEY``) means
the OpenAI-compatible backend; else the embedded local model.
"""

from __future__ import annotations

import importlib
from typing import Any

from llm_extract.backends.base import Backend
from llm_extract.errors import ConfigError
from llm_extract.settings import environ

_REGISTRY: dict[str, str] = {
    "openai": "llm_extract.backends.openai_compat:OpenAICompatBackend",
    "embedded": "llm_extract.backends.embedded.server:EmbeddedBackend",
}


def register_backend(name: str, target: str | type[Backend]) -> None:
    """Add a backend: a class, or ``"module:Class"`` imported when first used."""
    _REGISTRY[name] = (
        target if isinstance(target, str) else f"{target.__module__}:{target.__qualname__}"
    )


def backend_names() -> list[str]:
    return sorted(_REGISTRY)


def get_backend_class(name: str) -> type[Backend]:
    try:
        target = _REGISTRY[name]
    except KeyError:
        raise ConfigError(
            f"Unknown backend {name!r}.", f"Use one of: {', '.join(backend_names())}."
        ) from None
    module_name, _, class_name = target.partition(":")
    cls: type[Backend] = getattr(importlib.import_module(module_name), class_name)
    return cls


def resolve_backend(
    backend: str | Backend | None = None,
    *,
    model: str | None = None,
    base_url: str | None = None,
    api_key: str | None = None,
    **options: Any,
) -> Backend:
    """The backend these settings ask for (see module docstring for the order)."""
    if isinstance(backend, Backend):
        return backend
    base_url = base_url or environ("OPENAI_BASE_URL") or None
    api_key = api_key or environ("OPENAI_API_KEY") or None
    if backend is None:
        backend = "openai" if (base_url or api_key) else "embedded"
    cls = get_backend_class(backend)
    if backend == "openai":
        return cls(model=model, base_url=base_url, api_key=api_key, **options)  # type: ignore[call-arg]
    return cls(model=model, **options)  # type: ignore[call-arg]


__all__ = ["Backend", "backend_names", "get_backend_class", "register_backend", "resolve_backend"]
