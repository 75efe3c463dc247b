"""Sentences no record cites, given to the record whose event they tell more of.

Find-then-fill codes short windows, so a sentence that only adds to an event told elsewhere
("A local commander was also reportedly killed.", "the explosion shattered the glass of a
fridge") comes back from its window with no record of its own, and the event loses part of
its evidence. Two conservative rules give such a sentence to one record, as evidence with
``alignment="attached"`` (the pipeline's choice, not the model's); a record's fields stay as
filled, and a record that already keeps ``MAX_KEPT_EVIDENCE`` spans gets no more.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from pydantic import BaseModel

from llm_extract.core.document import Document, Sentence
from llm_extract.core.grounding import Evidence, cited, evidence_fields
from llm_extract.core.records import MAX_KEPT_EVIDENCE
from llm_extract.domains.conflict.cues import cues_for, is_casualty_detail, is_event_candidate

# Nouns naming an act, by kind. A sentence that points back at one ("the blast", "this
# cowardly attack", "Saturday's bombing") is about an event already told.
_KINDS = {
    "explosion": r"explosions?|blasts?|bomb(?:s|ings?)?|detonations?|explosives?|devices?",
    "shooting": r"shootings?|gunfire|shots|gunm[ae]n|shooters?",
    "attack": r"attacks?|assaults?|ambush(?:es)?|raids?|massacres?|killings?|stabbings?"
    r"|atrocit(?:y|ies)",
    "protest": r"protests?|demonstrations?|rall(?:y|ies)|march(?:es)?|sit-ins?",
    "riot": r"riots?|unrest",
    "clash": r"clash(?:es)?|fighting|battles?",
    "arrest": r"arrests?|detentions?",
    "abduction": r"kidnappings?|abductions?",
}
# Which kinds of act a reference may point at: an attack is often told as a blast or shooting.
_REFERENTS = {"attack": ("attack", "explosion", "shooting")}
# How a record's own sentences tell an act of each kind: verbs too ("police arrested").
_TOLD = {
    "explosion": r"explo\w*|blast\w*|bomb\w*|detonat\w*|devices?|ieds?|grenades?|shell\w*"
    r"|mortars?|rockets?|missiles?|air\s*strikes?|airstrikes?|drones?",
    "shooting": r"shoot\w*|shot|gunfire|gunm[ae]n|fired|opened\s+fire",
    # Not "killed": a toll does not tell which act (a battle's dead are no referent of "these
    # murderous attacks").
    "attack": r"attack\w*|assault\w*|ambush\w*|raid\w*|massacre\w*|stab\w*",
    "protest": r"protest\w*|demonstrat\w*|rall(?:y|ies|ied)|march\w*|sit-ins?",
    "riot": r"riot\w*|unrest",
    "clash": r"clash\w*|fight\w*|fought|battle\w*",
    "arrest": r"arrest\w*|detain\w*|detention\w*",
    "abduction": r"kidnap\w*|abduct\w*",
}
_WORD = {kind: re.compile(rf"\b(?:{words})\b", re.IGNORECASE) for kind, words in _TOLD.items()}
# "the", "this", "Saturday's", then up to two words before the noun ("that" is left out: in
# news it mostly opens a clause, "suggest that social unrest"). Ordinals, superlatives and
# quantifiers make the phrase generic ("the last atrocity of 1972", "future attacks").
_GENERIC = (
    r"last|first|second|latest|next|previous|worst|deadliest|bloodiest|biggest|largest|most"
    r"|such|other|many|several|similar|future|possible|potential|further|any|more|new"
)
_DETERMINER = (
    r"\b(?:the|this|these|those|yesterday['’]s|\w+day['’]s|last\s+\w+['’]s)\s+"
    rf"(?:(?!(?:{_GENERIC})\b)[\w-]+\s+){{0,2}}?"
)
_REFERENCE = {
    kind: re.compile(rf"{_DETERMINER}(?:{words})\b", re.IGNORECASE)
    for kind, words in _KINDS.items()
}


def attach_casualty_details(records: list[BaseModel], doc: Document) -> list[BaseModel]:
    """Cite, for the event told just before it, a candidate sentence that only counts the dead
    or hurt and that no record cites ("A local commander was also reportedly killed.").

    It goes to the one record citing the sentence before it (or the one before that, over an
    uncited sentence): news tells the toll after the act. Where several records cite that
    sentence, whose casualties they are is unclear, and none gets it.
    """
    language = doc.language or "en"
    if cues_for(language) is None:
        return records
    citing = _citing(records, doc)
    added: dict[int, list[Sentence]] = {}
    for s in doc.sentences:
        detail = is_casualty_detail(s.text, language) and is_event_candidate(s.text, language)
        if s.id in citing or not detail:
            continue
        before = citing.get(s.id - 1) or citing.get(s.id - 2)
        if before is None or len(before) != 1:
            continue
        (n,) = before
        added.setdefault(n, []).append(s)
        citing[s.id] = {n}  # a run of such sentences follows the same event
    return _with(records, added)


def attach_references(records: list[BaseModel], doc: Document) -> list[BaseModel]:
    """Cite a sentence that no record cites and that refers back to an act ("witnessed the
    blast", "called the explosion an attack") for the record telling that act.

    The referent is a record whose own cited words tell an act of that kind (words that are
    themselves references, "a probe into the explosion", count only when no record names the
    act outright); of several, the one cited nearest before the sentence. A reference told
    before any fitting record's sentences is cited only where one record fits.
    """
    if (doc.language or "en") != "en":
        return records  # the reference words below are English
    citing = _citing(records, doc)
    citing_ids = [
        sorted(i for i, owners in citing.items() if n in owners) for n in range(len(records))
    ]
    texts = [" ".join(ev.quote for ev in cited(r)) for r in records]
    own = [_kinds(_strip_references(t)) for t in texts]
    named = [_kinds(t) for t in texts]
    added: dict[int, list[Sentence]] = {}
    for s in doc.sentences:
        if s.id in citing:
            continue
        wanted = {k for k, ref in _REFERENCE.items() if ref.search(s.text)}
        if not wanted:
            continue
        kinds = {k for w in wanted for k in _REFERENTS.get(w, (w,))}
        fits = [n for n in range(len(records)) if own[n] & kinds] or [
            n for n in range(len(records)) if named[n] & kinds
        ]
        # Each fitting record's last cited sentence before this one, where it has one.
        last = {n: max(ids) for n in fits if (ids := [i for i in citing_ids[n] if i < s.id])}
        if last:
            n = max(last, key=last.__getitem__)  # the nearest; ties: the first record
        elif len(fits) == 1:
            # Before the act is told: a lede's "these attacks" may mean any act told later.
            (n,) = fits
        else:
            continue
        added.setdefault(n, []).append(s)
    return _with(records, added)


def _kinds(text: str) -> set[str]:
    return {kind for kind, word in _WORD.items() if word.search(text)}


def _strip_references(text: str) -> str:
    for ref in _REFERENCE.values():
        text = ref.sub(" ", text)
    return text


def _citing(records: Sequence[BaseModel], doc: Document) -> dict[int, set[int]]:
    """Sentence id -> the indexes of the records citing it."""
    out: dict[int, set[int]] = {}
    for n, record in enumerate(records):
        for ev in cited(record):
            for s in doc.sentences:
                if s.start < ev.end and ev.start < s.end:
                    out.setdefault(s.id, set()).add(n)
    return out


def _with(records: list[BaseModel], added: dict[int, list[Sentence]]) -> list[BaseModel]:
    return [_cite(r, added[n]) if n in added else r for n, r in enumerate(records)]


def _cite(record: BaseModel, sentences: list[Sentence]) -> BaseModel:
    """``record`` with ``sentences`` added to its evidence, in text order, up to
    MAX_KEPT_EVIDENCE (the schema's bound, as in :func:`~llm_extract.core.pieces.merge`)."""
    name = evidence_fields(record)[0]
    mine = getattr(record, name)
    room = [
        Evidence(quote=s.text, start=s.start, end=s.end, sentence=s.id, alignment="attached")
        for s in sentences[: max(0, MAX_KEPT_EVIDENCE - len(mine))]
    ]
    if not room:
        return record
    return record.model_copy(update={name: sorted([*mine, *room], key=lambda e: e.start)})
