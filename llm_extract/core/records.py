"""Building blocks for event schemas (shipped ones in ``schemas/`` and users' own).

A schema is a documented pydantic model, one record per event. Its docstring and field
descriptions are what the model reads (the prompt template renders them). Two field types do
work on validation, using the document being extracted:

* :data:`EvidenceRefs` -- the model cites sentence ids; they become exact :class:`Evidence` spans.
* :data:`DateExpression` -- the model copies the date words; code resolves them to an ISO date
  against the publication date and rejects dates after it.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from datetime import date as Date
from typing import Annotated, Any, ClassVar, Protocol, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationInfo, WithJsonSchema

from llm_extract.core.context import current_context
from llm_extract.core.dates import Precision, resolve_date
from llm_extract.core.document import Document
from llm_extract.core.grounding import Evidence, SentenceOutOfRange, cited, evidence_fields, ground
from llm_extract.core.pack import NO_PACK, CodebookPack

_R = TypeVar("_R", bound="EventRecord")
MAX_EVIDENCE = 3
#: Spans a record may keep: one event told in several places of an article is merged into one
#: record with all of their evidence (the model itself cites at most MAX_EVIDENCE).
MAX_KEPT_EVIDENCE = 8


@dataclasses.dataclass(frozen=True)
class Cue:
    """A codebook cue: words in a record's cited sentences that its code must agree with.

    When ``pattern`` (a regex, case-insensitive) occurs in the quotes of a record whose ``field``
    (dotted, e.g. ``sub_event_type``) is one of ``contradicts``, and ``unless`` (a regex) does
    not, the pipeline re-asks once with ``hint``. Write the hint, and ``labels`` (stored value ->
    what the prompt calls it), in the prompt's own vocabulary. A cue whose words occur in a
    text is also shown to the model with it: its hint, and its ``name`` in the template's
    ``cues``.
    """

    pattern: str
    field: str
    contradicts: frozenset[str]
    hint: str
    labels: dict[str, str] = dataclasses.field(default_factory=dict, hash=False)
    unless: str | None = None
    #: A short id templates can test (``{% if "looting" in cues %}``) to add a worked example.
    name: str = ""

    def find(self, text: str) -> str | None:
        """The cue's words as ``text`` has them, or None (absent, or ``unless`` is there)."""
        found = re.search(self.pattern, text, re.IGNORECASE)
        if not found or (self.unless and re.search(self.unless, text, re.IGNORECASE)):
            return None
        return found.group(0)


class EventRecord(BaseModel):
    """Base class for one extracted record. Subclass it and document every field.

    Class settings (not fields): ``max_records`` caps the list the model may emit (grammar-
    constrained decoding otherwise lets a small model emit a record per sentence until
    max_tokens); ``prompt_template`` names a shipped template or a path; ``prompt_context`` adds
    variables (a taxonomy, coding rules) to that template; ``codebook_cues`` are :class:`Cue`
    checks the pipeline applies to each answer; ``codebook_checks`` are functions of one record
    that return a problem (in the codes the prompt uses) or None. Both earn a follow-up, not a
    validation error: a follow-up whose answer drops every record leaves the first answer in
    place, while a validation re-ask can make a small model answer no records at all.
    ``codebook_pack`` is the schema's :class:`~llm_extract.core.pack.CodebookPack`.

    The methods below are the hooks the pipeline calls on records, each with a documented
    default; the pipeline finds them on this class, never by name on another.
    """

    model_config = ConfigDict(extra="forbid")

    max_records: ClassVar[int] = 8
    prompt_template: ClassVar[str] = "default.j2"
    prompt_context: ClassVar[dict[str, Any]] = {}
    codebook_cues: ClassVar[tuple[Cue, ...]] = ()
    codebook_checks: ClassVar[tuple[Callable[[Any], str | None], ...]] = ()
    #: The schema's domain knowledge (find lexicon, attachment rules): :mod:`..pack`.
    codebook_pack: ClassVar[CodebookPack] = NO_PACK

    # --- Hooks the pipeline calls on records (override to give the schema's policy). A record
    # class that does not subclass EventRecord gets these defaults. ---

    def merge_key(self) -> Any:
        """What makes two records one event when pieces of a document are combined (equal keys
        merge). Default: every field but the evidence."""
        return default_merge_key(self)

    def same_event(self, other: Any) -> bool:
        """Looser than :meth:`merge_key`, for records coded from different windows of one
        text (find-fill): whether ``other`` tells the same event. Default: never."""
        return False

    def joined(self: _R, other: Any) -> _R:
        """This record and ``other`` (the same event, by :meth:`same_event`) as one record;
        merging then adds ``other``'s evidence. Default: this record's fields stand."""
        return self

    def in_document(self: _R, others: list[Any], text: str) -> _R:
        """This record made consistent with the document's ``others`` and its ``text`` (a
        field guessed for a sentence that does not state it). Default: unchanged."""
        return self

    @classmethod
    def table_row(cls, record: dict[str, Any]) -> dict[str, Any]:
        """One saved record (its JSON form) as a flat table row, for ``--format csv``:
        nested fields joined with ``_``, lists as ``; ``-separated text, evidence as spans.
        Override to name columns the way a codebook does (see conflict_events)."""
        return flatten(record)


def default_merge_key(record: BaseModel) -> Any:
    """Every field but the evidence (evidence differs between pieces by nature)."""
    data = record.model_dump(mode="json", exclude=set(evidence_fields(record)))
    return repr(sorted(data.items()))


class RecordHooks(Protocol):
    """The hooks the pipeline calls on a record (declared with defaults on :class:`EventRecord`)."""

    def merge_key(self) -> Any: ...
    def same_event(self, other: Any) -> bool: ...
    def joined(self, other: Any) -> BaseModel: ...
    def in_document(self, others: list[Any], text: str) -> BaseModel: ...


def hooks(record: BaseModel) -> RecordHooks:
    """The record as the pipeline calls its hooks: itself, or for a record class that does not
    subclass :class:`EventRecord`, a view with the defaults."""
    return record if isinstance(record, EventRecord) else _Defaults(record)


class _Defaults:
    """The default hooks for a record of a plain pydantic class."""

    def __init__(self, record: BaseModel) -> None:
        self._record = record

    def merge_key(self) -> Any:
        return default_merge_key(self._record)

    def same_event(self, other: Any) -> bool:
        return False

    def joined(self, other: Any) -> BaseModel:
        return self._record

    def in_document(self, others: list[Any], text: str) -> BaseModel:
        return self._record


def flatten(record: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested dicts as ``a_b`` columns; a resolved :class:`EventDate` as ``name`` (a
    :class:`datetime.date`, so a Parquet column is typed), ``name_precision`` and ``name_text``;
    evidence as offsets and quotes; other lists as ``; ``-joined text."""
    row: dict[str, Any] = {}
    for key, value in record.items():
        name = f"{prefix}{key}"
        if key == "evidence" and isinstance(value, list):
            row.update(evidence_columns(value))
        elif isinstance(value, dict) and {"date", "precision"} <= set(value):
            row[name] = table_date(value.get("date"))
            row[f"{name}_precision"] = value.get("precision")
            row[f"{name}_text"] = value.get("text")
        elif isinstance(value, dict):
            row.update(flatten(value, f"{name}_"))
        elif isinstance(value, list):
            row[name] = "; ".join(str(v) for v in value)
        else:
            row[name] = value
    return row


def table_date(value: Any) -> Date | None:
    """A saved ISO date as a :class:`datetime.date` for a table (None if it is none)."""
    if isinstance(value, Date):
        return value
    try:
        return Date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


#: Between two quotes of one record in a table cell: the sign of an omission in a quotation.
QUOTE_GAP = " … "


def evidence_columns(evidence: list[Any]) -> dict[str, Any]:
    """``evidence_start``/``evidence_end`` (first to last span), every span as ``a-b; c-d``,
    and ``evidence_quotes``: the cited text itself, in text order (:data:`QUOTE_GAP` between
    spans), so a table row can be read without the document."""
    cited_ = sorted(
        (e["start"], e["end"], str(e.get("quote", "")))
        for e in evidence
        if isinstance(e, dict) and "start" in e
    )
    return {
        "evidence_start": min((a for a, _, _ in cited_), default=None),
        "evidence_end": max((b for _, b, _ in cited_), default=None),
        "evidence_spans": "; ".join(f"{a}-{b}" for a, b, _ in cited_),
        "evidence_quotes": QUOTE_GAP.join(q for _, _, q in cited_ if q) or None,
    }


def _ground_refs(value: Any, info: ValidationInfo) -> Any:
    if value is None:
        return value
    items = value if isinstance(value, list) else [value]
    ctx = current_context(info.context)
    if ctx is None:
        # No source at hand (e.g. loading saved records): only full Evidence objects can pass.
        return items
    grounded: list[Evidence] = []
    out_of_range: list[SentenceOutOfRange] = []
    for item in items:
        try:
            ev = ground(item, ctx.document)
        except SentenceOutOfRange as e:
            out_of_range.append(e)
            continue
        if all((g.start, g.end) != (ev.start, ev.end) for g in grounded):
            grounded.append(ev)
    if out_of_range and not grounded:
        raise out_of_range[0]
    # A stray number next to valid ones ([1, 3] in a 2-sentence text) is dropped, not re-asked:
    # the record stays grounded by the others, and a re-ask costs a whole extraction.
    return grounded


EvidenceRefs = Annotated[
    list[Evidence],
    BeforeValidator(_ground_refs),
    Field(min_length=1, max_length=MAX_KEPT_EVIDENCE),
    WithJsonSchema(
        {
            "type": "array",
            "items": {"type": "integer", "minimum": 1},
            "minItems": 1,
            "maxItems": MAX_EVIDENCE,
            "description": "Numbers of the [S#] sentences that state this record (1 to 3).",
        }
    ),
]
"""Evidence as the model gives it (sentence ids) and as the record keeps it (exact spans)."""


class EventDate(BaseModel):
    """A resolved date: the ISO day (or first day of the week/month/year) and its precision."""

    date: Date | None = Field(description="Best ISO date, or null when the text does not fix one.")
    precision: Precision = Field(description="How precisely the text fixes the date.")
    text: str | None = Field(default=None, description="The date words as given by the model.")


def _resolve_date(value: Any, info: ValidationInfo) -> Any:
    ctx = current_context(info.context)
    published = ctx.published if ctx else None
    if isinstance(value, EventDate | dict):
        resolved = EventDate.model_validate(value)
    elif value is None or isinstance(value, str):
        text = (value or "").strip() or None
        day, precision = resolve_date(text or "", published, ctx.language if ctx else None)
        resolved = EventDate(date=day, precision=precision, text=text)
    else:
        raise ValueError(f"event_date must be the date words from the text, got {value!r}")
    if published and resolved.date and resolved.date > published:
        raise ValueError(
            f"event_date {resolved.text or resolved.date!r} resolves to {resolved.date}, after the "
            f"publication date {published}; give the date words exactly as the text says them"
        )
    return resolved


DateExpression = Annotated[
    EventDate,
    BeforeValidator(_resolve_date),
    WithJsonSchema(
        {
            "anyOf": [{"type": "string"}, {"type": "null"}],
            "description": "When it happened, copied from the text ('on Wednesday', "
            "'2 May 2020', 'late April'); null if the text does not say.",
        }
    ),
]
"""A date the model copies as words and the library resolves against the publication date."""


def dates_from_evidence(
    record: BaseModel,
    published: Date | None,
    document: Document | None = None,
    *,
    language: str | None = None,
) -> BaseModel:
    """The record with each undated :class:`EventDate` field read from its cited sentences.

    A small model often leaves the date null, or gives words that name no date ("Meanwhile"),
    when the day is in a later sentence of the evidence ("... was hit early on Wednesday"), or
    in the sentence right after the ones it cites: with ``document`` (the text the evidence
    points into), that next sentence is read too. Only a day-precise date, not after
    publication, is taken; anything vaguer stays null.

    With ``document``, date words that are not in it and do not give the publication day count
    as none: with no date in the text, a small model copies one from a worked example ("On 12
    March 2021"). Words it reworded ("On 8 May" for "on 08 May") are then read again from the
    cited sentences. ``language`` is the document's (see :func:`resolve_date`), None if unknown.
    """
    evidence = cited(record)
    quotes = [ev.quote for ev in evidence]
    if document is not None:
        said = {ev.sentence for ev in evidence if ev.sentence}
        quotes += [s.text for s in document.sentences if s.id - 1 in said and s.id not in said]
    updates: dict[str, EventDate] = {}
    for name in type(record).model_fields:
        value = getattr(record, name)
        if not isinstance(value, EventDate):
            continue
        if value.date is not None:
            if document is None or value.date == published or _in_text(value.text, document.text):
                continue
            updates[name] = EventDate(date=None, precision="unknown", text=value.text)
        # Words the model gave that resolve to no date ("Meanwhile") count as none.
        for quote in quotes:
            day, precision = resolve_date(quote, published, language)
            if day is not None and precision == "day" and not (published and day > published):
                updates[name] = EventDate(date=day, precision="day", text=None)
                break
    return record.model_copy(update=updates) if updates else record


def _in_text(words: str | None, text: str) -> bool:
    """Whether date words occur in ``text`` (case and spacing aside; "on", "early"... dropped)."""
    if not words:
        return False
    core = re.sub(r"^(?:on|in|at|since|early|late|last|by)\s+", "", words.strip(), flags=re.I)
    return " ".join(core.lower().split()) in " ".join(text.lower().split())
