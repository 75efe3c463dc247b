"""Find, then fill: pick the sentences that may report events, then code each short window.

The embedded 1.5B model codes a note-sized text well (about 0.83 mean field accuracy on ACLED
notes) and a whole article badly (it closes the list at once, or merges events). So a long
document is not sent whole: a lexical find pass (:mod:`cues`) marks candidate sentences, runs of
neighbouring candidates become note-sized windows, and the model fills records for each window,
or answers none. Records from different windows that describe the same event are merged.
A document no longer than one window goes out whole, exactly as single pass sends it.
"""

from __future__ import annotations

from pydantic import BaseModel

from llm_extract.chunking import Chunk, merge, sentence_run, settle, split_chunks
from llm_extract.documents import Document
from llm_extract.grounding import Evidence, evidence_fields
from llm_extract.schema_kit import MAX_KEPT_EVIDENCE
from llm_extract.strategies.base import Strategy
from llm_extract.strategies.cues import is_casualty_detail, is_event_candidate


class FindThenFill(Strategy):
    """Lexical find pass, one fill request per window of up to ``max_sentences`` sentences.

    Args:
        whole_chars: a document this short goes out whole (a long news note, a short report:
            windows cut one event's details apart, and the model reads this much well).
        window_chars: a window stays under this many characters.
        max_sentences: sentences per window (ACLED notes, which the model codes well, have 1-4).
        bridge: a non-candidate sentence between two candidates joins them in one window
            (details of one event often sit in the next sentence).
    """

    name = "find-fill"
    # The find pass chose the window; "no event here" is a fair answer for many (background,
    # claims, reactions), and a second look on each would cost a request and invite inventions.
    # A note-sized document sent whole still gets its second look.
    second_look_on_empty = False

    def __init__(
        self,
        window_chars: int = 700,
        max_sentences: int = 3,
        bridge: int = 0,
        whole_chars: int = 1500,
    ) -> None:
        self.window_chars = window_chars
        self.whole_chars = max(whole_chars, window_chars)
        self.max_sentences = max_sentences
        self.bridge = bridge

    def plan(self, doc: Document, *, chunk_chars: int, overlap: int) -> list[Chunk]:
        if len(doc.text) <= self.whole_chars or len(doc.sentences) < 2:
            return [Chunk(0, 0, len(doc.text), doc)]
        picked = [i for i, s in enumerate(doc.sentences) if is_event_candidate(s.text)]
        if not picked:
            # No cue word at all: let the model read the text rather than decide for it.
            return split_chunks(doc, chunk_chars, overlap)
        return [
            sentence_run(doc, first, last, n)
            for n, (first, last) in enumerate(self.windows(doc, picked))
        ]

    def windows(self, doc: Document, picked: list[int]) -> list[tuple[int, int]]:
        """Runs of candidate sentence indexes, cut to note size: (first, last) inclusive."""
        sentences = doc.sentences
        out: list[tuple[int, int]] = []
        first = last = picked[0]
        for i in picked[1:]:
            fits = (
                i - last - 1 <= self.bridge
                and i - first < self.max_sentences
                and sentences[i].end - sentences[first].start <= self.window_chars
            )
            if fits:
                last = i
            else:
                out.append((first, last))
                first = last = i
        out.append((first, last))
        return out

    def merge(self, records: list[BaseModel]) -> list[BaseModel]:
        return merge(records, fuzzy=True)

    def finish(self, records: list[BaseModel], doc: Document) -> list[BaseModel]:
        return settle(attach_casualty_details(self.merge(records), doc), doc.text)

    def describe(self) -> str:
        return (
            f"{self.name} (windows of up to {self.max_sentences} sentences / "
            f"{self.window_chars} characters)"
        )


def attach_casualty_details(records: list[BaseModel], doc: Document) -> list[BaseModel]:
    """Cite, for the event told just before it, a candidate sentence that only counts the dead
    or hurt and that no record cites ("A local commander was also reportedly killed.").

    Alone in its window such a sentence has no event for the model to code, so it ends up in
    no record, and the event loses part of its evidence. It is added to the one record citing
    the sentence before it (or the one before that, over an uncited sentence): news tells the
    toll after the act. Where several records cite that sentence, whose casualties they are is
    unclear, and none gets it; a record that already keeps ``MAX_KEPT_EVIDENCE`` spans (the
    schema's bound, as in :func:`~llm_extract.chunking.merge`) gets none. Fields stay as filled.
    """
    citing: dict[int, set[int]] = {}  # sentence id -> the records citing it
    for n, record in enumerate(records):
        for name in evidence_fields(record):
            for ev in getattr(record, name):
                for s in doc.sentences:
                    if s.start < ev.end and ev.start < s.end:
                        citing.setdefault(s.id, set()).add(n)
    added: dict[int, list[Evidence]] = {}
    for s in doc.sentences:
        if s.id in citing or not (is_casualty_detail(s.text) and is_event_candidate(s.text)):
            continue
        before = citing.get(s.id - 1) or citing.get(s.id - 2)
        if before is None or len(before) != 1:
            continue
        (n,) = before
        added.setdefault(n, []).append(
            Evidence(quote=s.text, start=s.start, end=s.end, sentence=s.id, alignment="sentence")
        )
        citing[s.id] = {n}  # a run of such sentences follows the same event
    return [_cite(r, added[n]) if n in added else r for n, r in enumerate(records)]


def _cite(record: BaseModel, extra: list[Evidence]) -> BaseModel:
    """``record`` with ``extra`` added to its evidence, in text order, up to MAX_KEPT_EVIDENCE."""
    name = evidence_fields(record)[0]
    mine = getattr(record, name)
    room = extra[: max(0, MAX_KEPT_EVIDENCE - len(mine))]
    if not room:
        return record
    return record.model_copy(update={name: sorted([*mine, *room], key=lambda e: e.start)})
