"""The per-extraction facts validators need: the document, its publication date, its language.

instructor renders messages as Jinja templates whenever it is given a validation ``context``,
which would mangle articles that contain ``{{``. So the extractor sets this context variable
instead, and validators read it (``info.context`` still wins when a caller passes one).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date
from typing import Any

from llm_extract.core.document import Document


@dataclass(frozen=True)
class ExtractionContext:
    document: Document
    published: date | None = None
    #: The document's language (ISO 639-1, "fr"), which date words are read in; None when unknown.
    language: str | None = None


_current: ContextVar[ExtractionContext | None] = ContextVar("llm_extract_context", default=None)


@contextmanager
def extraction_context(ctx: ExtractionContext) -> Iterator[ExtractionContext]:
    token = _current.set(ctx)
    try:
        yield ctx
    finally:
        _current.reset(token)


def current_context(info_context: Any = None) -> ExtractionContext | None:
    """The context from pydantic's ``info.context`` if it holds one, else the active one."""
    if isinstance(info_context, ExtractionContext):
        return info_context
    if isinstance(info_context, dict) and isinstance(
        info_context.get("extraction"), ExtractionContext
    ):
        return info_context["extraction"]  # type: ignore[no-any-return]
    return _current.get()
