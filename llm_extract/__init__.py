"""llm_extract: validated, source-grounded event records from news text.

>>> from llm_extract import extract
>>> result = extract(text, schema="conflict_events", published="2019-08-21")
>>> result.records, result.usage, result.attempts
"""

import warnings

from llm_extract import _moved
from llm_extract.api import Extractor, aextract, extract
from llm_extract.backends import Backend, backend_names, register_backend, resolve_backend
from llm_extract.core.document import Document, Sentence
from llm_extract.core.grounding import Evidence
from llm_extract.core.records import Cue, DateExpression, EventDate, EventRecord, EvidenceRefs
from llm_extract.core.registry import Schema, load_schema, shipped_schemas
from llm_extract.core.result import Attempts, ExtractionResult, Flag, Usage
from llm_extract.core.templates import PromptTemplate
from llm_extract.dataset import Dataset, build_dataset
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
from llm_extract.inputs.columns import Columns
from llm_extract.inputs.corpus import read_corpus
from llm_extract.pipeline.many import Outcome
from llm_extract.runs.corpus import CorpusSummary, run_corpus
from llm_extract.settings import ExtractorSettings
from llm_extract.strategies import (
    FindThenFill,
    SinglePass,
    Strategy,
    register_strategy,
    strategy_names,
)
from llm_extract.wire.cache import ResponseCache
from llm_extract.wire.retries import transport_retrying

__version__ = "0.1.0"

__all__ = [
    "Attempts",
    "AuthenticationError",
    "Backend",
    "BackendError",
    "Columns",
    "ConfigError",
    "ConnectionDroppedError",
    "CorpusSummary",
    "Cue",
    "Dataset",
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
    "build_dataset",
    "extract",
    "load_schema",
    "read_corpus",
    "register_backend",
    "register_strategy",
    "resolve_backend",
    "run_corpus",
    "shipped_schemas",
    "strategy_names",
    "transport_retrying",
]

# Renamed in 0.2; the old names work for one release and say what to use instead.
_DEPRECATED = {
    "run_batch": ("run_corpus", run_corpus),
    "BatchSummary": ("CorpusSummary", CorpusSummary),
}


def __getattr__(name: str) -> object:
    if name in _DEPRECATED:
        new, value = _DEPRECATED[name]
        warnings.warn(
            f"llm_extract.{name} is deprecated; use llm_extract.{new}",
            DeprecationWarning,
            stacklevel=2,
        )
        return value
    raise AttributeError(f"module 'llm_extract' has no attribute {name!r}")


_moved.install()
