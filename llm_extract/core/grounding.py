"""Grounding: turn what the model cites into exact spans of the source text.

The model cites sentence ids (``3`` for ``[S3]``), which are grounded by construction. It may
also give a quote string (other backends, user schemas); a quote is matched exactly first, then
snapped to the closest span with fuzzy alignment (rapidfuzz), and the alignment kind is kept.
Anything that cannot be placed in the source is a validation error, so the model is re-asked.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, model_validator
from rapidfuzz import fuzz

from llm_extract.core.document import Document

Alignment = Literal["sentence", "exact", "fuzzy", "attached"]

#: Minimum rapidfuzz score (0-100) for snapping a near-miss quote onto the source.
FUZZY_THRESHOLD = 90.0


class Evidence(BaseModel):
    """A verbatim span of the source: ``document.text[start:end] == quote``."""

    quote: str = Field(description="The exact text of the source that supports the record.")
    start: int = Field(ge=0, description="Character offset where the quote starts.")
    end: int = Field(ge=0, description="Character offset just past the end of the quote.")
    sentence: int | None = Field(default=None, description="1-based id of the cited sentence.")
    alignment: Alignment = Field(
        default="exact",
        description=(
            "How the span was found: sentence id, exact or fuzzy match, or attached by the "
            "pipeline (a sentence no record cited that tells more of this event)."
        ),
    )

    @model_validator(mode="after")
    def _span_is_consistent(self) -> Evidence:
        if self.end - self.start != len(self.quote):
            raise ValueError("evidence start/end do not match the length of the quote")
        return self


def ground(item: object, document: Document) -> Evidence:
    """Ground one cited item (sentence id, quote string, or an Evidence dict) in the document."""
    if isinstance(item, bool):
        raise ValueError(f"evidence must be a sentence number, got {item!r}")
    if isinstance(item, int):
        return _from_sentence(item, document)
    if isinstance(item, str):
        stripped = item.strip().removeprefix("[").removesuffix("]")
        if stripped.upper().startswith("S") and stripped[1:].isdigit():
            return _from_sentence(int(stripped[1:]), document)
        if stripped.isdigit():
            return _from_sentence(int(stripped), document)
        return align_quote(item, document)
    if isinstance(item, dict | Evidence):
        ev = item if isinstance(item, Evidence) else Evidence.model_validate(item)
        if document.text[ev.start : ev.end] != ev.quote:
            raise ValueError(
                f"evidence quote {ev.quote[:60]!r} is not at [{ev.start}:{ev.end}] of the source"
            )
        return ev
    raise ValueError(f"evidence must be a sentence number, got {type(item).__name__}")


class SentenceOutOfRange(ValueError):
    """A cited sentence number the document does not have."""


def _from_sentence(sentence_id: int, document: Document) -> Evidence:
    s = document.sentence(sentence_id)
    if s is None:
        raise SentenceOutOfRange(
            f"evidence cites sentence {sentence_id}, but the document has sentences "
            f"1 to {len(document.sentences)}; cite the number of an [S#] sentence that states it"
        )
    return Evidence(quote=s.text, start=s.start, end=s.end, sentence=s.id, alignment="sentence")


def align_quote(quote: str, document: Document) -> Evidence:
    """Place a quote in the source: exact match, else the best fuzzy span above the threshold."""
    needle = quote.strip().strip("\"'“”")
    if not needle:
        raise ValueError("evidence quote is empty")
    start = document.text.find(needle)
    if start >= 0:
        return _with_sentence(needle, start, "exact", document)
    hit = fuzz.partial_ratio_alignment(needle, document.text, score_cutoff=FUZZY_THRESHOLD)
    if hit is None:
        raise ValueError(
            f"evidence quote {needle[:80]!r} does not appear in the source; "
            "copy the words exactly or cite the [S#] sentence number"
        )
    span = document.text[hit.dest_start : hit.dest_end]
    return _with_sentence(span, hit.dest_start, "fuzzy", document)


def _with_sentence(span: str, start: int, kind: Alignment, document: Document) -> Evidence:
    sentence = next((s.id for s in document.sentences if s.start <= start < s.end), None)
    return Evidence(
        quote=span, start=start, end=start + len(span), sentence=sentence, alignment=kind
    )


def cited(record: object) -> list[Evidence]:
    """Every evidence span of the record, field by field (none for a non-pydantic value)."""
    if not isinstance(record, BaseModel):
        return []
    return [ev for name in evidence_fields(record) for ev in getattr(record, name)]


def cited_text(record: object) -> str:
    """The record's quotes joined by a space: what its codebook checks read."""
    return " ".join(ev.quote for ev in cited(record))


def evidence_fields(record: BaseModel) -> list[str]:
    """Names of the record's fields holding evidence spans (lists of Evidence)."""
    return [
        name
        for name in type(record).model_fields
        if isinstance(value := getattr(record, name), list)
        and value
        and all(isinstance(v, Evidence) for v in value)
    ]
