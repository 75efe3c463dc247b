"""What the pipeline needs from whoever runs it: two small protocols, so no stage imports the
extractor back (the flow goes one way: ``api -> pipeline -> strategies -> wire``).

:class:`RunPlan` is what one piece's request is made from (schema, template, backend, strategy,
clients, retries, limits); :class:`DocumentRunner` is what a pool of documents needs (one call per
document and a worker count). :class:`~llm_extract.api.Extractor` satisfies both; so can a user's
own runner or a test double.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from datetime import date

    from tenacity import Retrying

    from llm_extract.backends.base import Backend
    from llm_extract.core.document import Document
    from llm_extract.core.registry import Schema
    from llm_extract.core.result import ExtractionResult, Flag
    from llm_extract.core.templates import PromptTemplate
    from llm_extract.strategies.base import Strategy
    from llm_extract.wire.clients import Clients
    from llm_extract.wire.limits import EndpointGate


class RunPlan(Protocol):
    """The settled parts of one run that a piece's request is built from."""

    schema: Schema
    template: PromptTemplate
    backend: Backend
    strategy: Strategy
    clients: Clients
    gate: EndpointGate
    transport_policy: Retrying
    validation_retries: int
    max_tokens: int
    temperature: float

    def finished(self, records: list[Any], doc: Document) -> tuple[list[Any], list[Flag]]:
        """The records of a whole document after the strategy's and schema's finishing rules."""
        ...


class DocumentRunner(Protocol):
    """One document in, one result out; what :func:`~llm_extract.pipeline.many.extract_many`
    runs on its workers."""

    concurrency: int
    max_chars: int

    def extract(
        self, text: str | Document, *, published: str | date | None = None
    ) -> ExtractionResult: ...

    def set_concurrency(self, concurrency: int) -> None: ...
