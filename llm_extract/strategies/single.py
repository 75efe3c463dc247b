"""Single pass: the whole document in one request, or in long chunks when it is too long."""

from __future__ import annotations

from llm_extract.core.document import Document
from llm_extract.core.pieces import Chunk, split_chunks
from llm_extract.core.registry import Schema
from llm_extract.strategies.base import Strategy


class SinglePass(Strategy):
    """One request per document (per ``chunk_chars`` chunk of a long one).

    Good for strong endpoints, which read a whole article and list its events.
    """

    name = "single"

    def plan(
        self, doc: Document, *, chunk_chars: int, overlap: int, schema: Schema | None = None
    ) -> list[Chunk]:
        return split_chunks(doc, chunk_chars, overlap)
