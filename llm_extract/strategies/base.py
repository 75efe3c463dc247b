"""The strategy interface: how a document becomes requests, and when an answer gets a second look.

A strategy plans the pieces of a document to send (each a run of whole sentences, so evidence
offsets map back exactly), merges the pieces' records, and reviews each piece's answer: an empty
list, a code that a codebook cue in the cited sentence contradicts, or a record that breaks one
of the schema's codebook checks, earns one follow-up request that names the problem. Follow-ups
are pipeline policy, counted apart from validation re-asks (``attempts.second_looks``), and
bounded: one per piece, and a follow-up to a non-empty answer corrects codes, it does not add
records (:func:`follow_up_records`). An empty answer to a whole document in which the find pass
sees an event (:func:`~llm_extract.domains.conflict.cues.is_event_candidate`) gets a follow-up that
insists: it names those sentences and its schema requires a record.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from pydantic import BaseModel

from llm_extract.core.document import Document
from llm_extract.core.grounding import cited, cited_text
from llm_extract.core.pieces import Chunk, merge, settle
from llm_extract.core.records import Cue
from llm_extract.core.registry import Schema
from llm_extract.core.result import Flag

EMPTY_SECOND_LOOK = (
    "records is empty, but the text may well report an event. Read it again sentence by "
    "sentence: give a record for each event it reports; if it truly reports none, answer "
    '{"records": []} again.'
)
#: How many candidate sentences an insisting follow-up names.
_NAMED = 3


@dataclass(frozen=True)
class FollowUp:
    """One follow-up request: ``note`` goes to the model after its answer; ``at_least_one``
    sends the schema that requires a record (:attr:`Schema.insisting_model`)."""

    note: str
    at_least_one: bool = False


class Strategy(ABC):
    """How one document is turned into requests. Subclasses set ``name`` and :meth:`plan`."""

    #: Registry name (``--strategy NAME``).
    name: ClassVar[str]
    #: Ask once more when an answer is empty (a small model closes the list at once).
    second_look_on_empty: bool = True
    #: Ask once more when a codebook cue in a record's cited sentences contradicts its code, or
    #: a record breaks a codebook check (``codebook_checks``).
    cue_checks: bool = True
    #: Show the codebook cues found in a piece to the model with it (template variable hints).
    cue_hints: bool = True
    #: An empty answer to a whole document whose sentences name an act a codebook records
    #: gets a follow-up that requires a record. The 1.5B model answered "records is empty"
    #: follow-ups by copying its empty list; the short notes it did so on report an event.
    insist_on_candidates: bool = True

    @abstractmethod
    def plan(
        self, doc: Document, *, chunk_chars: int, overlap: int, schema: Schema | None = None
    ) -> list[Chunk]:
        """The pieces to extract, in document order (one piece may be the whole document).
        ``schema`` gives the codebook pack whose find lexicon a strategy may use."""

    def reading_note(self, doc: Document, schema: Schema | None = None) -> str | None:
        """What the result should say about how ``doc`` was read (e.g. a language the
        schema's word lists do not cover), or None."""
        return None

    def merge(self, records: list[BaseModel]) -> list[BaseModel]:
        """One record per event across pieces (pieces overlap, and events span sentences)."""
        return merge(records)

    def finish(
        self, records: list[BaseModel], doc: Document, schema: Schema | None = None
    ) -> list[BaseModel]:
        """The document's records from its pieces' records (remapped to ``doc``): merged, then
        settled against each other (:func:`~llm_extract.core.pieces.settle`)."""
        return settle(self.merge(records), doc.text)

    def hints(self, piece: Document, schema: Schema) -> dict[str, str]:
        """The codebook cues whose words this piece contains: cue name -> note for the model."""
        if not self.cue_hints:
            return {}
        notes: dict[str, str] = {}
        for n, cue in enumerate(schema.codebook_cues):
            if (words := cue.find(piece.text)) and (cue.name or str(n)) not in notes:
                notes[cue.name or str(n)] = f'"{words}": {cue.hint}'
        return notes

    def review(
        self, piece: Document, records: list[Any], schema: Schema, *, whole: bool = True
    ) -> FollowUp | None:
        """The one follow-up request for this answer, or None when the answer stands.

        ``whole``: the piece is the whole document (not one window or chunk of it).
        """
        if not records:
            if not (self.second_look_on_empty or whole):
                return None
            insist = whole and self.insist_on_candidates
            finds, language = schema.pack.is_event_candidate, piece.language or "en"
            named = [s for s in piece.sentences if finds(s.text, language)] if insist else []
            if not named:
                return FollowUp(EMPTY_SECOND_LOOK)
            named = named[:_NAMED]
            cited = ", ".join(f"[S{s.id}]" for s in named)
            return FollowUp(
                f"records is empty, but {cited} "
                + ("reports an act" if len(named) == 1 else "report acts")
                + " that the codebook records. Give the record of each event reported there "
                "(a record for every distinct event, evidence citing its sentences).",
                at_least_one=True,
            )
        if not self.cue_checks:
            return None
        problems = [problem for _, problem in codebook_problems(records, schema)]
        if not problems:
            return None
        return FollowUp(
            "Check these codes against the codebook: "
            + " ".join(problems)
            + " Answer the whole JSON again, with every record, corrected where needed."
        )

    def describe(self) -> str:
        return self.name


def codebook_problems(records: Sequence[Any], schema: Schema) -> list[tuple[int, str]]:
    """(0-based record index, complaint) for each codebook cue and check a record breaks: cue
    complaints first, then checks, each in record order (the follow-up names them so)."""
    cues = [
        (n, problem)
        for n, record in enumerate(records)
        for cue in schema.codebook_cues
        if (problem := cue_problem(cue, n + 1, record))
    ]
    checks = [
        (n, f"Record {n + 1}: {problem}")
        for n, record in enumerate(records)
        for check in schema.codebook_checks
        if (problem := check(record))
    ]
    return cues + checks


def codebook_flags(records: Sequence[Any], schema: Schema) -> list[Flag]:
    """The final records' codebook problems, for the user to review (``result.flags``)."""
    return [Flag(record=n, problem=problem) for n, problem in codebook_problems(records, schema)]


def cue_problem(cue: Cue, number: int, record: Any) -> str | None:
    """The complaint when ``record``'s cited sentences contain the cue but its code disagrees."""
    value = _field(record, cue.field)
    if value is None or value not in cue.contradicts:
        return None
    quotes = cited_text(record)
    words = cue.find(quotes)
    if words is None:
        return None
    shown = cue.labels.get(str(value), str(value))
    return f'Record {number} is coded "{shown}", but its sentence says "{words}": {cue.hint}'


def _field(record: Any, dotted: str) -> Any:
    value = record
    for part in dotted.split("."):
        value = getattr(value, part, None)
    return value


def follow_up_records(first: Sequence[Any], again: Sequence[Any]) -> list[tuple[str, int]]:
    """Which records stand after a follow-up: ``("again", j)`` or ``("first", i)``, in order.

    A follow-up that drops every record keeps the first answer (a small model answers a
    correction with an empty list). A follow-up to an empty answer may give any number. A
    follow-up to a non-empty answer asked for codes to be checked, so it may not add records (a
    guard: splitting one event into several while correcting a code is what a small model
    does; on the benchmark notes no follow-up answer has done it so far). Each first record is
    then replaced by the new record citing most of its evidence (ties: the one at its place in
    the list); one whose evidence no new record cites stays as it was.
    """
    if not again and first:
        return [("first", i) for i in range(len(first))]
    if not first or len(again) <= len(first):
        return [("again", j) for j in range(len(again))]
    spans = [_spans(r) for r in again]
    taken: set[int] = set()
    kept: list[tuple[str, int]] = []
    for i, record in enumerate(first):
        mine = _spans(record)
        shared = {j: _shared(mine, spans[j]) for j in range(len(again)) if j not in taken}
        best = max(shared, key=lambda j: (shared[j], -abs(j - i)), default=None)
        if best is None or shared[best] == 0:
            kept.append(("first", i))
        else:
            taken.add(best)
            kept.append(("again", best))
    return kept


def dropped_records(given: int, kept: int) -> str:
    """The report of a follow-up answer that added records (``attempts.second_look_reasons``)."""
    return (
        f"the follow-up gave {given} records for {kept}: kept for each first record the one "
        "citing most of its evidence"
    )


def _spans(record: Any) -> list[tuple[int, int]]:
    return [(ev.start, ev.end) for ev in cited(record)]


def _shared(a: list[tuple[int, int]], b: list[tuple[int, int]]) -> int:
    """Characters of evidence that two records both cite."""
    return sum(max(0, min(e1, e2) - max(s1, s2)) for s1, e1 in a for s2, e2 in b)
