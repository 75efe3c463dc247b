from __future__ import annotations

import pytest
from pydantic import ValidationError

from llm_extract import Document, Evidence
from llm_extract.core.grounding import align_quote, ground

DOC = Document.from_text(
    "Regime forces took Khan Sheikhoun on Wednesday. Airstrikes hit a hospital in Tel Mannas. "
    "There was no immediate word on casualties."
)


@pytest.mark.parametrize("ref", [2, "2", "S2", "[S2]"])
def test_sentence_refs(ref: object) -> None:
    ev = ground(ref, DOC)
    assert (ev.sentence, ev.alignment) == (2, "sentence")
    assert DOC.text[ev.start : ev.end] == ev.quote == "Airstrikes hit a hospital in Tel Mannas."


def test_exact_and_fuzzy_quotes() -> None:
    exact = align_quote("hit a hospital", DOC)
    assert (exact.alignment, exact.sentence) == ("exact", 2)
    fuzzy = align_quote("Air strikes hit a hospital in Tel Manas", DOC)
    assert fuzzy.alignment == "fuzzy"
    assert DOC.text[fuzzy.start : fuzzy.end] == fuzzy.quote


@pytest.mark.parametrize("bad", [0, 4, True, "A convoy crossed the border into Idlib", "", 2.5])
def test_ungroundable_evidence_is_an_error(bad: object) -> None:
    with pytest.raises(ValueError):
        ground(bad, DOC)


def test_saved_evidence_is_checked_against_the_source() -> None:
    good = ground(1, DOC).model_dump()
    assert ground(good, DOC).quote.startswith("Regime forces")
    with pytest.raises(ValueError, match="is not at"):
        ground({**good, "start": good["start"] + 1, "end": good["end"] + 1}, DOC)
    with pytest.raises(ValidationError):
        Evidence(quote="abc", start=0, end=10)


def test_a_stray_sentence_number_beside_valid_ones_is_dropped() -> None:
    from llm_extract import load_schema
    from llm_extract.core.context import ExtractionContext, extraction_context
    from tests.conftest import conflict_answer

    record = load_schema("conflict_events").record
    doc = Document.from_text("Rebels shelled Aleppo on Monday. Two died.")
    with extraction_context(ExtractionContext(doc, None)):
        got = record.model_validate(conflict_answer(evidence=[1, 3])["records"][0])
        assert [e.sentence for e in got.evidence] == [1]
        with pytest.raises(ValueError, match="cites sentence 3"):
            record.model_validate(conflict_answer(evidence=[3])["records"][0])
