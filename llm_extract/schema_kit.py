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
from collections import Counter
from collections.abc import Callable
from datetime import date as Date
from typing import Annotated, Any, ClassVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationInfo, WithJsonSchema

from llm_extract.context import current_context
from llm_extract.dates import Precision, resolve_date
from llm_extract.documents import Document
from llm_extract.grounding import Evidence, SentenceOutOfRange, cited, ground

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
    max_tokens); ``prompt_template`` names the template in ``prompts/``; ``prompt_context`` adds
    variables (a taxonomy, coding rules) to that template; ``codebook_cues`` are :class:`Cue`
    checks the pipeline applies to each answer; ``codebook_checks`` are functions of one record
    that return a problem (in the codes the prompt uses) or None. Both earn a follow-up, not a
    validation error: a follow-up whose answer drops every record leaves the first answer in
    place, while a validation re-ask can make a small model answer no records at all.
    """

    model_config = ConfigDict(extra="forbid")

    max_records: ClassVar[int] = 8
    prompt_template: ClassVar[str] = "default.j2"
    prompt_context: ClassVar[dict[str, Any]] = {}
    codebook_cues: ClassVar[tuple[Cue, ...]] = ()
    codebook_checks: ClassVar[tuple[Callable[[Any], str | None], ...]] = ()

    @classmethod
    def table_row(cls, record: dict[str, Any]) -> dict[str, Any]:
        """One saved record (its JSON form) as a flat table row, for ``--format csv``:
        nested fields joined with ``_``, lists as ``; ``-separated text, evidence as spans.
        Override to name columns the way a codebook does (see conflict_events)."""
        return flatten(record)


def flatten(record: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested dicts as ``a_b`` columns; evidence as offsets; other lists as ``; ``-joined text."""
    row: dict[str, Any] = {}
    for key, value in record.items():
        name = f"{prefix}{key}"
        if key == "evidence" and isinstance(value, list):
            row.update(evidence_columns(value))
        elif isinstance(value, dict):
            row.update(flatten(value, f"{name}_"))
        elif isinstance(value, list):
            row[name] = "; ".join(str(v) for v in value)
        else:
            row[name] = value
    return row


def evidence_columns(evidence: list[Any]) -> dict[str, Any]:
    """``evidence_start``/``evidence_end`` (first to last span) and every span as ``a-b; c-d``."""
    spans = [(e["start"], e["end"]) for e in evidence if isinstance(e, dict) and "start" in e]
    return {
        "evidence_start": min((a for a, _ in spans), default=None),
        "evidence_end": max((b for _, b in spans), default=None),
        "evidence_spans": "; ".join(f"{a}-{b}" for a, b in spans),
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
        day, precision = resolve_date(text or "", published)
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


_DEATH_WORDS = re.compile(
    r"\b(?:kill\w*|dead|died|dies|dying|deaths?|fatal\w*|bod(?:y|ies)|lives|lifeless|"
    r"murder\w*|slain|execut\w*|behead\w*|lynch\w*|massacr\w*|casualt\w*|toll|"
    r"perish\w*|martyr\w*|assassinat\w*|homicid\w*|drown\w*)\b",
    re.IGNORECASE,
)
_HURT_WORDS = re.compile(r"\b(?:injur\w*|wound\w*|hurt|hospitali[sz]\w*|maim\w*)\b", re.I)
# Where one stated count ends and the next begins ("1 was killed and 11 were injured"); not the
# comma or point inside a number ("1,200", "1.5 km").
_CLAUSE_BREAK = re.compile(r"[;:()\[\]]|[.,](?!\d)|\b(?:and|while|whereas|but|as well as)\b", re.I)
_NUMBER_WORDS = [
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
    "nineteen", "twenty",
]  # fmt: skip
_COUNT = re.compile(
    r"(?<![\w.,])(\d+(?:,\d{3})*)(?![\w]|[.,]\d)|\b(" + "|".join(_NUMBER_WORDS) + r")\b"
    r"|\b(an?|another)\b",
    re.IGNORECASE,
)


def _stated_counts(text: str) -> tuple[Counter[int], Counter[int]]:
    """How often each number is stated in a clause of deaths, and in one of injuries only.

    "a"/"an"/"another" count as one only in such clauses ("killing a fighter and injuring
    another one"): elsewhere they are articles."""
    dead: Counter[int] = Counter()
    hurt: Counter[int] = Counter()
    for clause in _CLAUSE_BREAK.split(text):
        if _DEATH_WORDS.search(clause):
            counter = dead
        elif _HURT_WORDS.search(clause):
            counter = hurt
        else:
            continue
        numbers = set()
        for m in _COUNT.finditer(clause):
            digits, word, article = m.groups()
            if digits:
                numbers.add(int(digits.replace(",", "")))
            elif word:
                numbers.add(_NUMBER_WORDS.index(word.lower()))
            elif article:
                numbers.add(1)
        counter.update(numbers)
    return dead, hurt


def without_injured(counts: list[int], text: str) -> list[int]:
    """The model's ``counts`` less those ``text`` states only for the injured.

    Each count is matched with a clause that states it, deaths first: "1 person was killed and
    11 were injured" -> [1, 11] keeps 1; "killing a fighter and injuring another one" -> [1, 1]
    keeps one 1. A count no such clause states (the model added two up) is kept. Where the text
    names injuries and no death at all, every count is of the injured ("a teacher and a pupil
    were injured" -> [2] keeps none).
    """
    if _HURT_WORDS.search(text) and not _DEATH_WORDS.search(text):
        return [c for c in counts if c == 0]
    dead, hurt = _stated_counts(text)
    kept = []
    for count in counts:
        if count and not dead[count] and hurt[count]:
            hurt[count] -= 1
            continue
        dead[count] -= bool(dead[count])
        kept.append(count)
    return kept


def _sum_counts(value: Any, info: ValidationInfo) -> Any:
    if isinstance(value, list):
        if not all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in value):
            raise ValueError(f"fatalities must be a list of whole numbers >= 0, got {value!r}")
        # Small models add the injured to the dead ("1 killed, 11 injured" -> [1, 11]); a
        # count the text gives only for the injured is dropped.
        ctx = current_context(info.context)
        if ctx is not None:
            text = ctx.document.text
            if not _DEATH_WORDS.search(text):
                # The text names no death: a count is of the detained, the injured or a calibre
                # ("detained 5 protesters", "fired 120mm mortars"). 0 dead, as ACLED codes it.
                value = [0] if value else value
            else:
                value = without_injured(value, text)
        return sum(value) if value else None
    if isinstance(value, int) and value < 0:
        raise ValueError(f"fatalities cannot be negative, got {value}")
    return value  # an int or None (saved records, other producers)


FatalityCounts = Annotated[
    int | None,
    BeforeValidator(_sum_counts),
    WithJsonSchema(
        {
            "type": "array",
            "items": {"type": "integer", "minimum": 0},
            "maxItems": 6,
            "description": "Each number of people reported killed in this event, as the text "
            "states it ('killed 3 soldiers and 2 civilians' -> [3, 2]); [0] if the text says "
            "nobody died; [] if it does not say.",
        }
    ),
]
"""Death counts as the model reads them off the text; the library adds them up (null if none)."""


def dates_from_evidence(
    record: BaseModel, published: Date | None, document: Document | None = None
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
    cited sentences.
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
            day, precision = resolve_date(quote, published)
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
