"""The codebook pack: what a schema knows about its domain beyond its fields.

The pipeline is generic: it finds candidate sentences, attaches sentences to records and
sends follow-ups, but the words that decide any of it belong to a schema's domain (a conflict
codebook's "killed" and "shelling", in English or French). A record class names its pack in
``codebook_pack``; every hook has a default that does nothing domain-specific, so a schema with
no pack (PLOVER, a user's own) gets no find pass of its own words, no attached sentences and no
conflict follow-ups. A pack's word lists are data files (:mod:`~llm_extract.core.lexicon`).

Hooks (override in a subclass):

* :meth:`CodebookPack.is_event_candidate` -- the find pass: does this sentence report an act
  the codebook records? ``None`` when the pack has no word list for the language (the strategy
  then lets the model read the text).
* :meth:`CodebookPack.attach_details` -- before records are settled against each other:
  sentences that only add a detail (a toll) given to the record they belong to.
* :meth:`CodebookPack.attach_references` -- after settling: sentences that point back at an
  act a record tells ("the blast") cited for that record, as evidence only.
"""

from __future__ import annotations

from typing import Any

from llm_extract.core.document import Document


class CodebookPack:
    """A schema's domain knowledge, applied by the pipeline. This base knows no domain."""

    #: A short name for reports (``conflict``).
    name: str = "none"

    def languages(self) -> tuple[str, ...]:
        """Languages (ISO 639-1 codes) whose find lexicon the pack has."""
        return ()

    def is_event_candidate(self, sentence: str, language: str = "en") -> bool | None:
        """Whether ``sentence`` names an act the codebook records (not only as a plan, threat
        or near miss, and not as a background total); None when the pack cannot tell for
        ``language``."""
        return None

    def attach_details(self, records: list[Any], doc: Document) -> list[Any]:
        """Records with the sentences that only add a detail to one of them attached."""
        return records

    def attach_references(self, records: list[Any], doc: Document) -> list[Any]:
        """Records with the sentences that refer back to an act one of them tells attached."""
        return records


#: The pack of a schema that names none.
NO_PACK = CodebookPack()
