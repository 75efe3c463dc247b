"""The conflict schema's codebook pack: its find lexicon (per language) and attachment rules."""

from __future__ import annotations

from typing import Any

from llm_extract.core.document import Document
from llm_extract.core.pack import CodebookPack
from llm_extract.domains.conflict import attach, cues


class ConflictPack(CodebookPack):
    """ACLED-style political violence and protest: the words of acts the codebook records."""

    name = "conflict"

    def languages(self) -> tuple[str, ...]:
        return tuple(lang for lang in cues.LEXICON.languages() if cues.cues_for(lang))

    def is_event_candidate(self, sentence: str, language: str = "en") -> bool | None:
        if cues.cues_for(language) is None:
            return None
        return cues.is_event_candidate(sentence, language)

    def attach_details(self, records: list[Any], doc: Document) -> list[Any]:
        return attach.attach_casualty_details(records, doc)

    def attach_references(self, records: list[Any], doc: Document) -> list[Any]:
        return attach.attach_references(records, doc)


PACK = ConflictPack()
