"""What an extraction returns: records plus the accounting (tokens, attempts, timings)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class Usage(BaseModel):
    """Tokens summed over every HTTP response of one extraction (re-asks included)."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0
    #: Of the prompt tokens, how many the server served from its prompt cache (when it says).
    cached_prompt_tokens: int = 0

    def add(self, usage: Any) -> None:
        """Add an openai ``CompletionUsage`` (or anything with the same attributes)."""
        if usage is None:
            return
        prompt = int(getattr(usage, "prompt_tokens", 0) or 0)
        completion = int(getattr(usage, "completion_tokens", 0) or 0)
        self.prompt_tokens += prompt
        self.completion_tokens += completion
        self.total_tokens += int(getattr(usage, "total_tokens", 0) or (prompt + completion))
        details = getattr(usage, "prompt_tokens_details", None)
        self.cached_prompt_tokens += int(
            getattr(usage, "cached_prompt_tokens", 0) or getattr(details, "cached_tokens", 0) or 0
        )

    def __iadd__(self, other: Usage) -> Usage:
        self.add(other)
        return self


class Attempts(BaseModel):
    """The two retry budgets, counted separately.

    ``requests``: HTTP requests sent. ``transport_retries``: of those, how many repeated a
    request after a 429/5xx/timeout/connection failure. ``validation_reasks``: how many times the
    model was asked again because its answer failed validation. ``second_looks``: follow-ups the
    strategy asked for on a valid answer (empty, or a code that a codebook cue contradicts),
    with ``second_look_reasons``.
    """

    requests: int = 0
    transport_retries: int = 0
    validation_reasks: int = 0
    validation_errors: list[str] = Field(default_factory=list)
    second_looks: int = 0
    second_look_reasons: list[str] = Field(default_factory=list)
    #: Answers taken from the response cache (not sent, not in ``requests`` or usage).
    cache_hits: int = 0
    #: Records dropped from an answer because they still failed validation after the re-asks
    #: (the answer's valid records were kept; see ``ExtractionResult.dropped_records``).
    dropped_records: int = 0

    def add(self, other: Attempts) -> None:
        """Count another extraction's attempts in (chunks of one document)."""
        self.requests += other.requests
        self.transport_retries += other.transport_retries
        self.validation_reasks += other.validation_reasks
        self.validation_errors += other.validation_errors
        self.second_looks += other.second_looks
        self.second_look_reasons += other.second_look_reasons
        self.cache_hits += other.cache_hits
        self.dropped_records += other.dropped_records


class ChunkFailure(BaseModel):
    """A chunk whose extraction failed; the document result keeps the other chunks' records."""

    index: int = Field(description="0-based chunk number.")
    start: int = Field(description="Character offset of the chunk in the document.")
    end: int = Field(description="Character offset just past the chunk.")
    error: dict[str, Any] = Field(description="The error, as in batch output.")


class DroppedRecord(BaseModel):
    """A record of the model's answer that still failed validation after the re-asks: left out
    of ``records`` while the answer's valid records were kept."""

    error: str = Field(description="Why it failed validation (the first lines of the error).")
    record: Any = Field(description="The record as the model gave it (raw JSON).")


class Flag(BaseModel):
    """A record whose code a codebook cue or check still contradicts after the follow-up (the
    model kept it): review it before use."""

    record: int = Field(description="0-based index of the record in ``records``.")
    problem: str = Field(description="What contradicts the code, as the follow-up said it.")


def row_flags(row: dict[str, Any]) -> dict[int, list[str]]:
    """A written result row's ``flags``: record index -> what its flags say. Entries that are
    not ``{"record": int, ...}`` are skipped (a row edited or written by another tool)."""
    flags: dict[int, list[str]] = {}
    for flag in row.get("flags") or []:
        at = flag.get("record") if isinstance(flag, dict) else None
        if isinstance(at, int) and not isinstance(at, bool):
            flags.setdefault(at, []).append(str(flag.get("problem", "")))
    return flags


class ExtractionResult(BaseModel):
    """Validated records for one document, with usage and attempts (also on success).

    A long document is extracted in ``chunks``; a chunk that failed is listed in
    ``failed_chunks`` (with its span and error) while the others' records are kept. ``flags``
    name the records whose code their own quotes still contradict (:class:`Flag`).
    """

    document_id: str
    schema_name: str
    model: str
    records: list[Any]
    usage: Usage
    attempts: Attempts
    seconds: float
    chunks: int = 1
    failed_chunks: list[ChunkFailure] = Field(default_factory=list)
    flags: list[Flag] = Field(default_factory=list)
    #: The document's language (ISO 639-1), given or detected; None when it could not be told.
    language: str | None = None
    #: Records left out because they failed validation after the re-asks (:class:`DroppedRecord`).
    dropped_records: list[DroppedRecord] = Field(default_factory=list)
    #: What the reader of the result should know about how the document was read (a language
    #: the schema's word lists do not cover, so it was read in chunks).
    notes: list[str] = Field(default_factory=list)

    @property
    def complete(self) -> bool:
        """True unless a chunk of the document failed."""
        return not self.failed_chunks

    def to_json_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict (records serialised with their own models)."""
        data = self.model_dump(mode="json", exclude={"records"})
        data["records"] = [
            r.model_dump(mode="json") if isinstance(r, BaseModel) else r for r in self.records
        ]
        return data
