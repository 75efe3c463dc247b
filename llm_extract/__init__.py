"""llm_extract: validated, source-grounded event records from news text.

>>> from llm_extract import extract
>>> result = extract(text, schema="conflict_events", published="2019-08-21")
>>> result.records, result.usage, result.attempts
"""

from llm_extract.backends import Backend, backend_names, register_backend, resolve_backend
from llm_extract.batch import BatchSummary, run_batch
from llm_extract.cache import ResponseCache
from llm_extract.concurrent import Outcome
from llm_extract.documents import Document, Sentence
from llm_extract.errors import (
    AuthenticationError,
    BackendError,
    ConfigError,
    ConnectionDroppedError,
    EmbeddedModelError,
    EndpointUnreachableError,
    ExtractionFailedError,
    InputError,
    LlmExtractError,
    ModelNotFoundError,
    OutputFileError,
    OutputTruncatedError,
    RecordingMissError,
    RequestRejectedError,
    SchemaError,
    TemplateError,
    TransportRetriesExhaustedError,
    ValidationRetriesExhaustedError,
)
from llm_extract.extractor import Extractor, aextract, extract
from llm_extract.grounding import Evidence
from llm_extract.result import Attempts, ExtractionResult, Flag, Usage
from llm_extract.schema_kit import Cue, DateExpression, EventDate, EventRecord, EvidenceRefs
from llm_extract.schemas import Schema, load_schema, shipped_schemas
from llm_extract.settings import ExtractorSettings
from llm_extract.strategies import (
    FindThenFill,
    SinglePass,
    Strategy,
    register_strategy,
    strategy_names,
)
from llm_extract.templates import PromptTemplate
from llm_extract.transport import transport_retrying

__version__ = "0.1.0"

__all__ = [
    "Attempts",
    "AuthenticationError",
    "Backend",
    "BackendError",
    "BatchSummary",
    "ConfigError",
    "ConnectionDroppedError",
    "Cue",
    "DateExpression",
    "Document",
    "EmbeddedModelError",
    "EndpointUnreachableError",
    "EventDate",
    "EventRecord",
    "Evidence",
    "EvidenceRefs",
    "ExtractionFailedError",
    "ExtractionResult",
    "Extractor",
    "ExtractorSettings",
    "FindThenFill",
    "Flag",
    "InputError",
    "LlmExtractError",
    "ModelNotFoundError",
    "Outcome",
    "OutputFileError",
    "OutputTruncatedError",
    "PromptTemplate",
    "RecordingMissError",
    "RequestRejectedError",
    "ResponseCache",
    "Schema",
    "SchemaError",
    "Sentence",
    "SinglePass",
    "Strategy",
    "TemplateError",
    "TransportRetriesExhaustedError",
    "Usage",
    "ValidationRetriesExhaustedError",
    "__version__",
    "aextract",
    "backend_names",
    "extract",
    "load_schema",
    "register_backend",
    "register_strategy",
    "resolve_backend",
    "run_batch",
    "shipped_schemas",
    "strategy_names",
    "transport_retrying",
]
