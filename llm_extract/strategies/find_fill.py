"""Find, then fill: pick the sentences that may report events, then code each short window.

The embedded 1.5B model codes a note-sized text well (about 0.83 mean field accuracy on ACLED
notes) and a whole article badly (it closes the list at once, or merges events). So a long
document is not sent whole: a lexical find pass (the schema's codebook pack) marks candidate
sentences, runs of
neighbouring candidates become note-sized windows, and the model fills records for each window,
or answers none. Records from different windows that describe the same event are merged.
A document no longer than one window goes out whole, exactly as single pass sends it.
"""

from __future__ import annotations

from pydantic import BaseModel

from llm_extract.core.document import Document
from llm_extract.core.pack import NO_PACK
from llm_extract.core.pieces import Chunk, merge, sentence_run, settle, split_chunks
from llm_extract.core.registry import Schema
from llm_extract.strategies.base import Strategy


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

    def plan(
        self, doc: Document, *, chunk_chars: int, overlap: int, schema: Schema | None = None
    ) -> list[Chunk]:
        if len(doc.text) <= self.whole_chars or len(doc.sentences) < 2:
            return [Chunk(0, 0, len(doc.text), doc)]
        finds = (schema.pack if schema else NO_PACK).is_event_candidate
        language = doc.language or "en"
        picked = [i for i, s in enumerate(doc.sentences) if finds(s.text, language)]
        if not picked:
            # No cue word at all (or no find lexicon for the schema): let the model read the
            # text rather than decide for it.
            return split_chunks(doc, chunk_chars, overlap)
        return [
            sentence_run(doc, first, last, n)
            for n, (first, last) in enumerate(self.windows(doc, picked))
        ]

    def reading_note(self, doc: Document, schema: Schema | None = None) -> str | None:
        pack = schema.pack if schema else NO_PACK
        language = doc.language or "en"
        if len(doc.text) <= self.whole_chars or pack is NO_PACK or language in pack.languages():
            return None
        have = ", ".join(pack.languages()) or "none"
        return (
            f"The {pack.name} codebook has no word lists for the language {language!r} (it has "
            f"{have}): the text was read in chunks, without the find pass; its casualty and "
            f"reference rules were not applied. Add lexicon/{language}/ to the pack to cover it."
        )

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

    def finish(
        self, records: list[BaseModel], doc: Document, schema: Schema | None = None
    ) -> list[BaseModel]:
        pack = schema.pack if schema else NO_PACK
        settled = settle(pack.attach_details(self.merge(records), doc), doc.text)
        # After settling: a reference adds evidence only, no field is read from it.
        return pack.attach_references(settled, doc)

    def describe(self) -> str:
        return (
            f"{self.name} (windows of up to {self.max_sentences} sentences / "
            f"{self.window_chars} characters)"
        )
