"""Strategies: how a document becomes requests (see :class:`Strategy`), and a registry of them.

``resolve_strategy`` takes a name, an instance, or None for the backend's default
(``Backend.default_strategy``, chosen by measurement per backend: see the README).
"""

from __future__ import annotations

from llm_extract.backends.base import Backend
from llm_extract.errors import ConfigError
from llm_extract.strategies.base import EMPTY_SECOND_LOOK, FollowUp, Strategy
from llm_extract.strategies.find_fill import FindThenFill
from llm_extract.strategies.single import SinglePass

_REGISTRY: dict[str, type[Strategy]] = {
    SinglePass.name: SinglePass,
    FindThenFill.name: FindThenFill,
}


def register_strategy(cls: type[Strategy]) -> None:
    """Add a strategy class under its ``name``."""
    _REGISTRY[cls.name] = cls


def strategy_names() -> list[str]:
    return sorted(_REGISTRY)


def resolve_strategy(spec: str | Strategy | None, backend: Backend) -> Strategy:
    """The strategy named (or given), else the backend's default."""
    if isinstance(spec, Strategy):
        return spec
    name = spec or backend.default_strategy
    try:
        return _REGISTRY[name]()
    except KeyError:
        raise ConfigError(
            f"Unknown strategy {name!r}.", f"Use one of: {', '.join(strategy_names())}."
        ) from None


__all__ = [
    "EMPTY_SECOND_LOOK",
    "FindThenFill",
    "FollowUp",
    "SinglePass",
    "Strategy",
    "register_strategy",
    "resolve_strategy",
    "strategy_names",
]
