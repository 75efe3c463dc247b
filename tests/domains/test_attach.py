"""Attaching uncited sentences to the record whose event they tell more of (pure logic)."""

from __future__ import annotations

from pydantic import BaseModel

from llm_extract import Document
from llm_extract.core.grounding import Evidence, ground
from llm_extract.core.records import MAX_KEPT_EVIDENCE
from llm_extract.domains.conflict.attach import attach_casualty_details, attach_references
from llm_extract.domains.conflict.cues import is_casualty_detail


class _Cited(BaseModel):
    name: str
    evidence: list[Evidence]


def test_uncited_casualty_counts_are_cited_for_the_event_just_before_them() -> None:
    doc = Document.from_text(
        "A roadside bomb hit a convoy near Deir ez-Zor on Monday. "  # 1: bomb
        "A local commander was also reportedly killed. "  # 2 -> bomb
        "Police arrested four men in Raqqa. "  # 3: arrest
        "The mayor spoke to reporters. "  # 4: no cue, cited by nobody
        "Two of them were injured. "  # 5 -> arrest (over sentence 4)
        "Gunmen raided a farm near Hama. "  # 6: two records cite it
        "Three people died. "  # 7: whose? unclear
        "Rebels shelled Idlib. "  # 8: shelling
        "Ten were killed. "  # 9 -> shelling (the toll follows the act)
        "Troops stormed the town of Morek. "  # 10: storming
        "Nobody was hurt."  # 11: no cue word
    )
    assert is_casualty_detail("Ten were killed.") and not is_casualty_detail(
        "Rebels shelled Idlib."
    )

    def cites(name: str, *ids: int) -> _Cited:
        return _Cited(name=name, evidence=[ground(i, doc) for i in ids])

    records = [cites("bomb", 1), cites("arrest", 3), cites("raid", 6), cites("farm", 6),
               cites("shelling", 8), cites("storming", 10)]  # fmt: skip
    out = attach_casualty_details(records, doc)  # type: ignore[arg-type]
    cited = {r.name: [e.sentence for e in r.evidence] for r in out}  # type: ignore[attr-defined]
    assert cited == {"bomb": [1, 2], "arrest": [3, 5], "raid": [6], "farm": [6],
                     "shelling": [8, 9], "storming": [10]}  # fmt: skip
    for record in out:
        for ev in record.evidence:  # type: ignore[attr-defined]
            assert doc.text[ev.start : ev.end] == ev.quote
    assert records[0].evidence[-1].sentence == 1  # the input records are not changed
    # A record already keeping the schema's most spans gets no more.
    full = Document.from_text(
        " ".join(f"They fired shot {n} at the bus." for n in range(1, MAX_KEPT_EVIDENCE + 1))
        + " Two passengers were killed."
    )
    kept = list(range(1, MAX_KEPT_EVIDENCE + 1))
    (same,) = attach_casualty_details(
        [_Cited(name="bus", evidence=[ground(i, full) for i in kept])], full
    )
    assert [e.sentence for e in same.evidence] == kept  # type: ignore[attr-defined]
    (room,) = attach_casualty_details(
        [_Cited(name="bus", evidence=[ground(i, full) for i in kept[1:]])], full
    )
    assert [e.sentence for e in room.evidence] == [*kept[1:], len(kept) + 1]  # type: ignore[attr-defined]


def _sentences(records: list[BaseModel]) -> dict[str, list[int]]:
    return {r.name: [e.sentence for e in r.evidence] for r in records}  # type: ignore[attr-defined]


def test_a_later_reference_to_an_act_is_cited_for_the_record_telling_it() -> None:
    doc = Document.from_text(
        "A bomb exploded outside a bakery in Lyon on Friday, injuring 13 people. "  # 1: bomb
        "Police arrested two men in Villeurbanne on Saturday. "  # 2: arrest
        '"There was a loud noise and then I saw the blast," said a student. '  # 3 -> bomb
        "Investigators opened a probe into the arrests. "  # 4 -> arrest
        "The mayor thanked the fire brigade. "  # 5: no act named
        "It was not the first attack on the city. "  # 6: generic: no one gets it
        "Protesters marched in Paris on Sunday. "  # 7: protest
        "Future attacks are feared. "  # 8: generic, no determiner
        "Saturday's bombing was condemned by the mayor. "  # 9 -> bomb
        "Sunday\u2019s march was calm."  # 10 -> march (a typographic apostrophe)
    )

    def cites(name: str, *ids: int) -> _Cited:
        return _Cited(name=name, evidence=[ground(i, doc) for i in ids])

    records = [cites("bomb", 1), cites("arrest", 2), cites("march", 7)]
    out = attach_references(records, doc)  # type: ignore[arg-type]
    assert _sentences(out) == {"bomb": [1, 3, 9], "arrest": [2, 4], "march": [7, 10]}
    added = [e for e in out[0].evidence if e.sentence in (3, 9)]  # type: ignore[attr-defined]
    assert {e.alignment for e in added} == {"attached"}
    assert all(doc.text[e.start : e.end] == e.quote for e in added)
    assert records[0].evidence[-1].sentence == 1  # the input records are not changed


def test_a_reference_goes_to_the_record_naming_the_act_nearest_before_it() -> None:
    doc = Document.from_text(
        "A car bomb killed four soldiers in Kabul on Monday. "  # 1: bomb A
        "Officials opened a probe into the explosion. "  # 2: record B cites this reference
        "A second bomb went off in Herat on Tuesday. "  # 3: bomb C
        "Witnesses said the blast shattered windows. "  # 4 -> C, nearest before
        "Gunmen attacked a checkpoint in Kunduz. "  # 5: attack D
        "This cowardly attack was condemned."  # 6 -> D (an attack kind; D names it)
    )

    def cites(name: str, *ids: int) -> _Cited:
        return _Cited(name=name, evidence=[ground(i, doc) for i in ids])

    records = [cites("A", 1), cites("B", 2), cites("C", 3), cites("D", 5)]
    out = attach_references(records, doc)  # type: ignore[arg-type]
    # B only refers to an explosion, so a reference does not go to it while A and C name one.
    assert _sentences(out) == {"A": [1], "B": [2], "C": [3, 4], "D": [5, 6]}
    # With only the record that itself refers to the act, the reference goes there.
    (only,) = attach_references([cites("B", 2)], doc)
    assert [e.sentence for e in only.evidence] == [2, 4, 6]  # type: ignore[attr-defined]
    # No record telling an act of the kind: nothing is attached.
    other = Document.from_text("Students marched in Lyon. Witnesses said the blast broke windows.")
    march = _Cited(name="march", evidence=[ground(1, other)])
    assert attach_references([march], other) == [march]


def test_a_toll_does_not_make_a_record_the_referent_of_an_attack() -> None:
    doc = Document.from_text(
        "Ministers condemned these murderous attacks. "
        "In one incident, a man was killed in a battle between troops and terrorists."
    )
    battle = _Cited(name="battle", evidence=[ground(2, doc)])
    assert attach_references([battle], doc) == [battle]


def test_a_reference_before_the_acts_are_told_needs_one_fitting_record() -> None:
    doc = Document.from_text(
        "Ministers condemned these ghastly attacks. "  # 1: before any act is told
        "A car bomb exploded at the bus station. "  # 2: bomb
        "Gunmen shot a soldier in the Markets area."  # 3: shooting
    )
    bomb = _Cited(name="bomb", evidence=[ground(2, doc)])
    shooting = _Cited(name="shooting", evidence=[ground(3, doc)])
    assert attach_references([bomb, shooting], doc) == [bomb, shooting]
    (alone,) = attach_references([bomb], doc)
    assert [e.sentence for e in alone.evidence] == [1, 2]  # type: ignore[attr-defined]


def test_that_opening_a_clause_is_no_reference() -> None:
    doc = Document.from_text(
        "Rioters burned cars in Caracas. Observers suggest that social unrest will grow."
    )
    riot = _Cited(name="riot", evidence=[ground(1, doc)])
    assert attach_references([riot], doc) == [riot]
