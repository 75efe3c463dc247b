"""Long documents: split on sentence boundaries with overlap, then merge the chunks' records.

A small model reads a few thousand characters well and loses events past that, so a document
longer than the backend's ``chunk_chars`` is cut into chunks of whole sentences, each repeating
the last ``overlap`` sentences of the one before (an event told across the cut is seen whole at
least once). Records come back with evidence offsets into the whole document; duplicates (the
same event seen in two chunks) are merged by the schema's :meth:`merge_key`, keeping the first
and uniting the evidence. A chunk that fails is reported, never silently dropped.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from llm_extract.core.document import Document
from llm_extract.core.grounding import Evidence, evidence_fields
from llm_extract.core.records import MAX_KEPT_EVIDENCE, hooks
from llm_extract.core.result import Attempts, ChunkFailure, ExtractionResult, Flag, Usage
from llm_extract.errors import LlmExtractError, describe


@dataclass(frozen=True)
class Chunk:
    """A run of whole sentences: ``document.text == whole.text[start:end]``."""

    index: int
    start: int
    end: int
    document: Document


def split_chunks(doc: Document, max_chars: int, overlap: int = 1) -> list[Chunk]:
    """Whole-sentence chunks of at most ``max_chars`` (a longer single sentence stands alone)."""
    sentences = doc.sentences
    if len(doc.text) <= max_chars or len(sentences) < 2:
        return [Chunk(0, 0, len(doc.text), doc)]
    chunks: list[Chunk] = []
    first = 0
    while first < len(sentences):
        last = first
        while (
            last + 1 < len(sentences)
            and sentences[last + 1].end - sentences[first].start <= max_chars
        ):
            last += 1
        chunks.append(sentence_run(doc, first, last, len(chunks)))
        if last + 1 >= len(sentences):
            break
        # Step back `overlap` sentences, but always move forward.
        first = max(last + 1 - overlap, first + 1)
    return chunks


def sentence_run(doc: Document, first: int, last: int, index: int) -> Chunk:
    """Chunk ``index``: sentences ``first`` to ``last`` (0-based, inclusive) of ``doc``."""
    start, end = doc.sentences[first].start, doc.sentences[last].end
    part = Document.from_text(
        doc.text[start:end],
        id=f"{doc.id}#{index}",
        source=doc.source,
        max_chars=end,
        language=doc.language,
    )
    return Chunk(index, start, end, part)


def remap(record: BaseModel, chunk: Chunk, whole: Document) -> BaseModel:
    """The record with every evidence span moved from chunk to whole-document offsets."""
    if chunk.start == 0 and chunk.document is whole:
        return record
    starts = [s.start for s in whole.sentences]
    updates = {
        name: [_shift(ev, chunk.start, starts) for ev in getattr(record, name)]
        for name in evidence_fields(record)
    }
    return record.model_copy(update=updates) if updates else record


def _shift(ev: Evidence, offset: int, sentence_starts: list[int]) -> Evidence:
    start = ev.start + offset
    sentence = bisect.bisect_right(sentence_starts, start) if ev.sentence is not None else None
    return ev.model_copy(update={"start": start, "end": ev.end + offset, "sentence": sentence})


def merge_key(record: BaseModel) -> Any:
    """What makes two records the same event: the record's ``merge_key`` hook."""
    return hooks(record).merge_key()


def merge(records: list[BaseModel], *, fuzzy: bool = False) -> list[BaseModel]:
    """Drop repeated events (first one wins) and give the kept one all their evidence.

    With ``fuzzy``, two records are also one event when the schema's ``same_event()`` says so
    (pieces cut from one article describe an event in different words), and the schema's
    ``joined()`` may combine their fields.
    """
    kept: list[tuple[Any, BaseModel]] = []
    for record in records:
        key = merge_key(record)
        at = next(
            (
                i
                for i, (k, other) in enumerate(kept)
                if k == key or (fuzzy and hooks(record).same_event(other))
            ),
            None,
        )
        if at is None:
            kept.append((key, record))
            continue
        first = kept[at][1]
        # The schema may say how two records of one event combine (``joined``); by default the
        # first one's fields stand.
        base = hooks(first).joined(record) if fuzzy else first
        updates: dict[str, Any] = {}
        for name in evidence_fields(first):
            mine, theirs = getattr(first, name), getattr(record, name)
            seen = {(e.start, e.end) for e in mine}
            extra = [e for e in theirs if (e.start, e.end) not in seen]
            updates[name] = (mine + extra)[:MAX_KEPT_EVIDENCE]
        kept[at] = (kept[at][0], base.model_copy(update=updates))
    return [record for _, record in kept]


def settle(records: list[BaseModel], text: str) -> list[BaseModel]:
    """Each record made consistent with the rest of its document, by the schema's
    ``in_document(others, text)`` if it has one (a field the model guessed for a sentence that
    does not state it, where the document's other records agree)."""
    out: list[BaseModel] = []
    for n, record in enumerate(records):
        out.append(hooks(record).in_document(records[:n] + records[n + 1 :], text))
    return out


def combine(
    whole: Document,
    chunks: list[Chunk],
    outcomes: list[ExtractionResult | LlmExtractError],
    seconds: float,
    merge_records: Callable[[list[BaseModel]], list[BaseModel]] = merge,
    flag: Callable[[list[BaseModel]], list[Flag]] | None = None,
) -> ExtractionResult:
    """One document result from its chunks' results; raises if every chunk failed.

    ``flag`` names the merged records to review (:attr:`ExtractionResult.flags`)."""
    usage, attempts = Usage(), Attempts()
    records: list[BaseModel] = []
    failures: list[ChunkFailure] = []
    done: list[ExtractionResult] = []
    for chunk, outcome in zip(chunks, outcomes, strict=True):
        if isinstance(outcome, LlmExtractError):
            failures.append(ChunkFailure(
                index=chunk.index, start=chunk.start, end=chunk.end, error=describe(outcome)
            ))  # fmt: skip
            # A failed chunk still cost requests and tokens: count both, so they agree.
            spent, tried = getattr(outcome, "usage", None), getattr(outcome, "attempts", None)
            if spent is not None:
                usage += spent
            if tried is not None:
                attempts.add(tried)
            continue
        done.append(outcome)
        usage += outcome.usage
        attempts.add(outcome.attempts)
        records += [remap(r, chunk, whole) for r in outcome.records]
    if not done:
        first = outcomes[0]
        assert isinstance(first, LlmExtractError)
        first.reword(
            f"All {len(chunks)} chunks of {whole.source or whole.id} failed: {first.problem}"
        )
        raise first
    merged = merge_records(records)
    return ExtractionResult(
        document_id=whole.id,
        schema_name=done[0].schema_name,
        model=done[0].model,
        records=merged,
        usage=usage,
        attempts=attempts,
        seconds=round(seconds, 3),
        chunks=len(chunks),
        failed_chunks=failures,
        flags=flag(merged) if flag else [],
        language=whole.language,
        dropped_records=[d for r in done for d in r.dropped_records],
    )
