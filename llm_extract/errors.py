"""The error tree. Every message says what went wrong and names the fix.

All errors derive from :class:`LlmExtractError`; the CLI turns it into one line on stderr and
an exit code, so messages are written for a person at a terminal.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from llm_extract.core.result import Attempts, Usage


class LlmExtractError(Exception):
    """Root of every error this library raises on purpose."""

    #: Exit code the CLI uses for this kind of failure.
    exit_code: int = 1

    def __init__(self, problem: str, fix: str | None = None) -> None:
        self.problem = problem
        self.fix = fix
        super().__init__(f"{problem} {fix}" if fix else problem)

    def reword(self, problem: str) -> None:
        """Replace the problem statement (e.g. to say where it happened), keeping the fix."""
        self.problem = problem
        self.args = (f"{problem} {self.fix}" if self.fix else problem,)


# --- what the user gave us -------------------------------------------------------------------


class InputError(LlmExtractError):
    """The document cannot be used as it is (empty, binary, not UTF-8, too large)."""

    exit_code = 2


class SchemaError(LlmExtractError):
    """Unknown schema name, unimportable schema file, or a class that is not a pydantic model."""

    exit_code = 2


class TemplateError(LlmExtractError):
    """A prompt template that cannot be found, parsed or rendered."""

    exit_code = 2


class ConfigError(LlmExtractError):
    """Settings that cannot work together (no endpoint, missing extra, bad option)."""

    exit_code = 2


class OutputFileError(LlmExtractError):
    """The ``-o`` file cannot be used: missing folder, a folder, not our JSONL, or in use."""

    exit_code = 2


# --- the backend and the wire ----------------------------------------------------------------


class BackendError(LlmExtractError):
    """The model server refused or could not be reached. Carries attempts and usage so far."""

    exit_code = 3
    attempts: Attempts | None = None
    usage: Usage | None = None


class EndpointUnreachableError(BackendError):
    """No connection could be made (refused, or the host name does not resolve)."""


class AuthenticationError(BackendError):
    """The endpoint rejected the API key (401/403)."""


class ModelNotFoundError(BackendError):
    """The endpoint does not serve the requested model (404)."""


class RequestRejectedError(BackendError):
    """The endpoint rejected the request itself (400/422), e.g. a prompt longer than its context."""


class TransportRetriesExhaustedError(BackendError):
    """429/5xx/timeouts persisted through every transport retry."""


class ConnectionDroppedError(TransportRetriesExhaustedError):
    """Connections were made but reset or closed before an answer, through every retry.

    Unlike :class:`EndpointUnreachableError` this is about one request (a crash on one
    document, a proxy cutting long requests), so a batch records it and goes on.
    """


class RecordingMissError(BackendError):
    """A replayed run sent a request its recording does not hold: the prompt, schema, input or
    settings changed since it was recorded. The message shows the change and how to re-record."""


class EmbeddedModelError(BackendError):
    """The embedded model could not be assembled, verified or started."""


# --- the model's answers ---------------------------------------------------------------------


class ExtractionFailedError(LlmExtractError):
    """The model's output still failed validation after every re-ask, or was cut off."""

    exit_code = 4

    def __init__(
        self,
        problem: str,
        fix: str | None = None,
        *,
        attempts: Attempts | None = None,
        usage: Usage | None = None,
        last_output: str | None = None,
        validation_errors: list[str] | None = None,
    ) -> None:
        super().__init__(problem, fix)
        self.attempts = attempts
        self.usage = usage
        self.last_output = last_output
        self.validation_errors = validation_errors or []


class ValidationRetriesExhaustedError(ExtractionFailedError):
    """Every validation re-ask was used and the output still did not validate."""


class OutputTruncatedError(ExtractionFailedError):
    """The model stopped at max_tokens before finishing the JSON."""


_E = TypeVar("_E", bound=BaseException)


def cause_of(error: BaseException | None, kind: type[_E]) -> _E | None:
    """The first exception of ``kind`` in ``error``'s chain: itself, then what it was raised
    from or while handling (SDKs and instructor wrap what our HTTP layer raises)."""
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        if isinstance(error, kind):
            return error
        seen.add(id(error))
        error = error.__cause__ or error.__context__
    return None


def attach(error: BackendError, attempts: Attempts, usage: Usage) -> BackendError:
    """Record how far an extraction got on a backend error before it propagates."""
    error.attempts = attempts
    error.usage = usage
    return error


def describe(error: BaseException) -> dict[str, Any]:
    """A JSON-friendly description of an error, for batch output and logs."""
    out: dict[str, Any] = {"type": type(error).__name__, "message": str(error)}
    if isinstance(error, LlmExtractError) and error.fix:
        out["fix"] = error.fix
    for name in ("attempts", "usage"):
        value = getattr(error, name, None)
        if value is not None:
            out[name] = value.model_dump()
    if isinstance(error, ExtractionFailedError):
        out["validation_errors"] = error.validation_errors
        out["last_output"] = error.last_output
    return out
