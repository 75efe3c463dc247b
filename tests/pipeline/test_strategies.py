"""Strategies: the find pass, windows, fuzzy merge, follow-ups and the strategy switch (fakes)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import BaseModel

from llm_extract import ConfigError, Document, Extractor, load_schema
from llm_extract.core.context import ExtractionContext, extraction_context
from llm_extract.core.grounding import Evidence, ground
from llm_extract.domains.conflict.codebook import CODES
from llm_extract.domains.conflict.cues import is_event_candidate
from llm_extract.strategies import FindThenFill, SinglePass, resolve_strategy
from llm_extract.strategies.base import follow_up_records
from tests.conftest import SEED_PUBLISHED, conflict_answer, fast_retrying, seed_text
from tests.fakes import FakeBackend, FakeServer

CONFLICT = load_schema("conflict_events")

# An invented round-up: two events, background and colour in between.
ROUNDUP = (
    "Officials opened a new market hall in Tamale on Monday. "
    "The hall has two hundred stalls and a car park. "
    "On Tuesday, police arrested twelve traders who blocked the main road in Tamale. "
    "The traders said the stalls were too expensive. "
    "Rain is expected for the rest of the week, the weather service said. "
    "Around 300 people have been killed since January in clashes in the north. "
    "Late on Tuesday, gunmen shot dead a herder near Yendi. "
    "The police said an investigation was under way. "
    "Schools will reopen next month after the holidays."
)


def make(fake_backend: FakeBackend, **kw: Any) -> Extractor:
    return Extractor(
        "conflict_events", backend=fake_backend, transport_retries=fast_retrying(0), **kw
    )  # type: ignore[arg-type]


def answer(sub: str, date: str, place: str, actor1: str, actor2: str | None, evidence: list[int],
           **more: Any) -> dict[str, Any]:  # fmt: skip
    a2 = {"name": actor2, "category": "Civilians", "associated": []} if actor2 else None
    data = conflict_answer(
        sub_event_type=sub, event_date=date,
        location={"place": place, "admin1": None, "country": "Ghana"},
        actor1={"name": actor1, "category": "State forces", "associated": []}, actor2=a2,
        evidence=evidence, **more,
    )  # fmt: skip
    del data["records"][0]["event_type"]  # the model gives the code; the type follows from it
    return data


def last_text(request: dict[str, Any]) -> str:
    return str(request["messages"][-1]["content"])


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("On Tuesday, police arrested twelve traders in Tamale.", True),
        ("Late on Tuesday, gunmen shot dead a herder near Yendi.", True),
        ("Hundreds of nurses marched to parliament.", True),
        ("Houthi reinforcements reportedly arrived at various fronts in Hajjah.", True),
        ("The minister told prefects to reinforce the security of public sites.", False),
        ("The hall has two hundred stalls and a car park.", False),
        ("Around 300 people have been killed since January in clashes in the north.", False),
        ("Eight years of war in Syria have killed 560,000 people.", False),
        ("Since January, 40 people were killed on Monday in Bawku.", True),  # a day is pinned
        # An ongoing pattern is background; the same words pinned to a day are an event.
        ("Officials said rebel attacks on the villages had continued despite the truce.", False),
        ("Rebel attacks on the villages have continued on Friday, officials said.", True),
        # Plans, threats and near misses are not events; a done act next to one still is.
        ("A Russian-led push has come close to capturing the town of Morek.", False),
        ("The rebels vowed to attack the base and said they would shell the airport.", False),
        ("Troops attacked the base and vowed to attack again.", True),
        ("The strike may have killed ten people.", True),
    ],
)
def test_find_pass_cues(sentence: str, expected: bool) -> None:
    assert is_event_candidate(sentence) is expected


def test_find_fill_plans_note_sized_windows_over_cue_sentences() -> None:
    doc = Document.from_text(ROUNDUP)
    pieces = FindThenFill(window_chars=300, whole_chars=300).plan(
        doc, chunk_chars=6000, overlap=1, schema=CONFLICT
    )
    assert [[s.text for s in p.document.sentences] for p in pieces] == [
        ["On Tuesday, police arrested twelve traders who blocked the main road in Tamale."],
        ["Late on Tuesday, gunmen shot dead a herder near Yendi."],
    ]
    for piece in pieces:  # each piece is an exact slice, so offsets map back
        assert doc.text[piece.start : piece.end] == piece.document.text
    # A note-sized document goes out whole, as single pass sends it.
    short = Document.from_text("On 2 May, police arrested 3 men in Accra. They were freed.")
    (whole,) = FindThenFill().plan(short, chunk_chars=6000, overlap=1, schema=CONFLICT)
    assert whole.document is short
    # No cue anywhere: the model reads the text (chunks), the find pass does not decide.
    calm = Document.from_text("The hall opened. " * 60)
    assert (
        len(
            FindThenFill(window_chars=300, whole_chars=300).plan(
                calm, chunk_chars=6000, overlap=1, schema=CONFLICT
            )
        )
        == 1
    )


def test_windows_respect_size_and_bridge() -> None:
    doc = Document.from_text(
        " ".join(f"Police arrested man number {i} in Accra." for i in range(9))
    )
    strategy = FindThenFill(window_chars=2000, max_sentences=4)
    assert strategy.windows(doc, list(range(9))) == [(0, 3), (4, 7), (8, 8)]
    assert strategy.windows(doc, [0, 2, 3]) == [(0, 0), (2, 3)]
    assert FindThenFill(bridge=1, max_sentences=4).windows(doc, [0, 2, 3]) == [(0, 3)]


def test_find_fill_extracts_windows_maps_offsets_and_sums_usage(
    fake: FakeServer, fake_backend: FakeBackend
) -> None:
    def respond(body: dict[str, Any]) -> Any:
        text = last_text(body)
        if "arrested" in text:
            return answer("Strategic developments: arrests", "On Tuesday", "Tamale",
                          "Police Forces", None, [1])  # fmt: skip
        return answer("Violence against civilians: attack", "Late on Tuesday", "Yendi",
                      "Unidentified Armed Group", "Civilians", [1], fatalities=[1])  # fmt: skip

    fake.responder = respond
    result = make(fake_backend, strategy=FindThenFill(window_chars=300, whole_chars=300)).extract(
        ROUNDUP, published="2021-03-17"
    )
    assert [r.sub_event_type for r in result.records] == ["Arrests", "Attack"]
    for record in result.records:
        (ev,) = record.evidence
        assert ROUNDUP[ev.start : ev.end] == ev.quote
    assert result.records[1].evidence[0].sentence == 7  # sentence ids of the whole text
    assert result.chunks == 2 and result.attempts.requests == 2
    assert result.usage.total_tokens == 2 * 120  # summed over every piece
    # The windows' prompts show only their sentences, numbered from 1.
    assert all("[S2]" not in last_text(r) for r in fake.requests)


def test_same_event_from_two_windows_is_merged(fake: FakeServer, fake_backend: FakeBackend) -> None:
    text = (
        "On Tuesday, police arrested twelve traders in Tamale. The traders had blocked a road. "
        "The weather was fine and the market was quiet for the rest of the day in the town. "
        "The twelve traders arrested by police in Tamale on Tuesday were freed on bail."
    )
    fake.responder = lambda body: answer(
        "Strategic developments: arrests", "On Tuesday", "Tamale town", "Ghana Police Forces",
        None, [1],
    )  # fmt: skip
    result = make(fake_backend, strategy=FindThenFill(window_chars=150, whole_chars=150)).extract(
        text, published="2021-03-17"
    )
    assert len(fake.requests) == 2
    (record,) = result.records
    assert [ev.sentence for ev in record.evidence] == [1, 4]  # evidence of both windows


def test_different_codes_are_not_merged() -> None:
    record = load_schema("conflict_events").record
    base = conflict_answer(evidence=[{"quote": "x", "start": 0, "end": 1}])["records"][0]
    capture = record.model_validate(base)
    clash = record.model_validate({**base, "sub_event_type": "Armed clash"})
    assert not capture.same_event(clash)  # type: ignore[attr-defined]
    assert capture.same_event(record.model_validate(base))  # type: ignore[attr-defined]


def test_a_generic_actor_name_agrees_with_any_actor_of_its_kind() -> None:
    record = load_schema("conflict_events").record
    base = conflict_answer(evidence=[{"quote": "x", "start": 0, "end": 1}])["records"][0]
    capture = record.model_validate(base)  # Syrian regime forces (State forces) vs Rebels

    def coded(actor1: str, category: str, actor2: str = "Al-Nusra") -> Any:
        return record.model_validate({
            **base, "actor1": {"name": actor1, "category": category, "associated": []},
            "actor2": {"name": actor2, "category": "Rebel group", "associated": []},
        })  # fmt: skip

    assert capture.same_event(coded("State forces", "State forces"))  # type: ignore[attr-defined]
    assert capture.same_event(coded("Military Forces", "State forces"))  # type: ignore[attr-defined]
    # A named actor of another name, or a generic one of another kind, is another event.
    assert not capture.same_event(coded("Turkish forces", "State forces"))  # type: ignore[attr-defined]
    assert not capture.same_event(coded("Rebel group", "Rebel group", "Protesters"))  # type: ignore[attr-defined]
    # Generic names alone, with a place on one side only, are not enough (a claim of rebel
    # attacks near Idlib is not the day's clashes somewhere unnamed).
    unplaced = coded("State forces", "State forces")
    unplaced = unplaced.model_copy(update={"location": unplaced.location.model_copy(
        update={"place": None})})  # fmt: skip
    assert not capture.same_event(unplaced)  # type: ignore[attr-defined]


def test_category_named_actors_alone_tie_no_two_records_and_merges_keep_all_evidence() -> None:
    from llm_extract.core.pieces import merge

    record = load_schema("conflict_events").record
    doc = Document.from_text(
        "Protesters marched in Caracas on Monday. They carried flags. "
        "Protesters blocked a road in Maracaibo. Students joined them. "
        "Thousands marched on Monday. Police watched."
    )
    base = conflict_answer(sub_event_type="Protests: peaceful", event_date=None)["records"][0]
    del base["event_type"]

    def protest(place: str | None, *sentences: int) -> Any:
        data = {**base, "evidence": [ground(i, doc) for i in sentences],
                "location": {"place": place, "admin1": None, "country": "Venezuela"},
                "actor1": {"name": "Protesters", "category": "Protesters", "associated": []},
                "actor2": None}  # fmt: skip
        return record.model_validate(data)

    caracas, maracaibo = protest("Caracas", 1, 2), protest("Maracaibo", 3, 4)
    unplaced = protest(None, 5, 6)
    # "Protesters" in common is not one event; the same named place still is.
    assert not caracas.same_event(unplaced)  # type: ignore[attr-defined]
    assert len(merge([caracas, maracaibo, unplaced], fuzzy=True)) == 3
    (one,) = merge([caracas, protest("Caracas", 5, 6)], fuzzy=True)
    # The merged record keeps the evidence of both (4 spans, more than one answer may cite).
    assert [e.sentence for e in one.evidence] == [1, 2, 5, 6]  # type: ignore[attr-defined]


@pytest.mark.parametrize("strategy", [SinglePass(), FindThenFill()])
def test_a_note_sent_whole_is_settled_like_pieces_are(
    fake: FakeServer, fake_backend: FakeBackend, strategy: Any
) -> None:
    text = "On 1 May 2020, the OSCE SMM observed 35 explosions near Zolote, in Luhansk."
    shelling = answer("Explosions/Remote violence: shelling/artillery/missile attack",
                      "On 1 May 2020", "Zolote", "Unidentified Armed Group", None, [1])  # fmt: skip
    observer = {"name": "OSCE SMM", "category": "External/other forces", "associated": []}
    shelling["records"][0]["actor2"] = observer
    fake.responder = lambda body: shelling
    result = make(fake_backend, strategy=strategy).extract(text, published="2020-05-02")
    assert len(fake.requests) == 1  # one piece: the whole note
    (record,) = result.records
    assert record.actor2 is None  # the observer told of it; the schema's settling ran


def test_codebook_cue_earns_one_follow_up_in_the_prompt_vocabulary(
    fake: FakeServer, fake_backend: FakeBackend
) -> None:
    text = "On 12 March 2021, students threw stones at the police in Tamale during a protest."
    protest = answer("Protests: peaceful", "On 12 March 2021", "Tamale", "Protesters", None, [1])
    riot = answer("Riots: violent demonstration", "On 12 March 2021", "Tamale", "Rioters",
                  None, [1])  # fmt: skip
    fake.enqueue(protest).enqueue(riot)
    result = make(fake_backend).extract(text, published="2021-03-15")
    (record,) = result.records
    assert record.sub_event_type == "Violent demonstration"
    assert result.attempts.second_looks == 1 and result.attempts.validation_reasks == 0
    follow_up = fake.requests[1]["messages"]
    assert follow_up[-2]["role"] == "assistant"
    assert json.loads(follow_up[-2]["content"])["records"][0]["sub_event_type"] == (
        "Protests: peaceful"
    )
    assert 'coded "Protests: peaceful"' in follow_up[-1]["content"]
    assert '"threw stones"' in follow_up[-1]["content"]
    assert '"Riots: violent demonstration"' in follow_up[-1]["content"]


def test_a_follow_up_that_drops_every_record_keeps_the_first_answer(
    fake: FakeServer, fake_backend: FakeBackend
) -> None:
    text = "On 12 March 2021, students threw stones at the police in Tamale during a protest."
    fake.enqueue(answer("Protests: peaceful", "On 12 March 2021", "Tamale", "Protesters", None,
                        [1])).enqueue({"records": []})  # fmt: skip
    result = make(fake_backend).extract(text, published="2021-03-15")
    assert [r.sub_event_type for r in result.records] == ["Peaceful protest"]
    assert result.attempts.requests == 2 and result.usage.total_tokens == 240


STONES = (
    "On 12 March 2021, students threw stones at the police in Tamale during a protest. "
    "Police arrested five of them."
)


def _split_riot(first_at: int) -> dict[str, Any]:
    """A follow-up answer that corrects the protest code and splits the event in two: the
    riot citing sentence 1 at ``first_at``, an arrest record citing sentence 2 beside it."""
    riot = answer("Riots: violent demonstration", "On 12 March 2021", "Tamale", "Rioters",
                  None, [1])["records"][0]  # fmt: skip
    arrest = answer("Strategic developments: arrests", "On 12 March 2021", "Tamale", "Police",
                    "Rioters", [2])["records"][0]  # fmt: skip
    return {"records": [riot, arrest] if first_at == 0 else [arrest, riot]}


@pytest.mark.parametrize("first_at", [0, 1])
def test_a_follow_up_that_corrects_a_code_adds_no_record(
    fake: FakeServer, fake_backend: FakeBackend, first_at: int
) -> None:
    # Found on ACLED notes: asked to check a protest code, the model corrected it and split
    # the note's one event into two or three records.
    protest = answer("Protests: peaceful", "On 12 March 2021", "Tamale", "Protesters", None, [1])
    fake.enqueue(protest).enqueue(_split_riot(first_at))
    result = make(fake_backend).extract(STONES, published="2021-03-15")
    (record,) = result.records
    assert record.sub_event_type == "Violent demonstration"  # the correction stands
    assert result.attempts.second_looks == 1 and len(fake.requests) == 2
    assert "the follow-up gave 2 records for 1" in result.attempts.second_look_reasons[-1]


def test_a_code_the_model_keeps_against_its_quotes_is_flagged_for_review(
    fake: FakeServer, fake_backend: FakeBackend
) -> None:
    protest = answer("Protests: peaceful", "On 12 March 2021", "Tamale", "Protesters", None, [1])
    fake.enqueue(protest).enqueue(protest)  # asked to check its code, the model keeps it
    result = make(fake_backend).extract(STONES, published="2021-03-15")
    (flag,) = result.flags
    assert flag.record == 0 and '"threw stones"' in flag.problem
    assert result.to_json_dict()["flags"] == [flag.model_dump()]
    riot = _split_riot(0)
    riot["records"].pop()
    fake.enqueue(protest).enqueue(riot)  # corrected: nothing to review
    assert make(fake_backend).extract(STONES, published="2021-03-15").flags == []


def test_flags_name_merged_records_of_a_long_document(
    fake: FakeServer, fake_backend: FakeBackend
) -> None:
    text = ROUNDUP.replace("blocked the main road", "threw stones at police")
    # Each window is one sentence here, cited as [S1] of its window.
    arrest = answer("Protests: peaceful", "On Tuesday", "Tamale", "Protesters", None, [1])
    herder = answer("Violence against civilians: attack", "Late on Tuesday", "Yendi",
                    "Unidentified Armed Group", "Herder", [1], fatalities=[1])  # fmt: skip

    def respond(body: dict[str, Any]) -> dict[str, Any]:
        return arrest if "stones" in last_text(body) or "Check these" in last_text(body) else herder

    fake.responder = respond
    strategy = FindThenFill(window_chars=300, whole_chars=300)
    result = make(fake_backend, strategy=strategy).extract(text, published="2021-03-15")
    assert result.chunks > 1
    protests = [n for n, r in enumerate(result.records) if r.sub_event_type == "Peaceful protest"]
    assert [f.record for f in result.flags] == protests == [protests[0]]


MARCH = (
    "On 1 May 2020, party members held a march in Izmir despite the curfew. "
    "Police dispersed the group and detained 5 protesters."
)


@pytest.mark.parametrize(
    ("second", "place", "one_event"),
    [
        ("Protests: with intervention", "Izmir", True),
        ("Riots: violent demonstration", "Izmir", True),
        ("Protests: with intervention", "Ankara", False),  # another place: another protest
        ("Violence against civilians: attack", "Izmir", False),  # not a protest going further
    ],
)
def test_a_protest_and_how_it_went_on_are_one_event(
    fake: FakeServer, fake_backend: FakeBackend, second: str, place: str, one_event: bool
) -> None:
    march = answer("Protests: peaceful", "On 1 May 2020", "Izmir", "Protesters", None, [1])
    march["records"][0]["actor1"] = {"name": "Protesters", "category": "Protesters",
                                     "associated": ["Party members"]}  # fmt: skip
    police = answer(second, "On 1 May 2020", place, "Police Forces", "Protesters", [2])
    police["records"][0]["actor2"]["category"] = "Protesters"
    fake.responder = lambda body: {"records": march["records"] + police["records"]}
    result = make(fake_backend, strategy="find-fill").extract(MARCH, published="2020-05-02")
    if not one_event:
        assert len(result.records) == 2
        return
    (record,) = result.records
    assert record.sub_event_type == CODES[second]
    crowd = "Rioters" if second.startswith("Riots") else "Protesters"
    assert (record.actor1.name, record.actor1.associated) == (crowd, ["Party members"])
    assert record.actor2.name == "Police Forces"
    assert [e.sentence for e in record.evidence] == [1, 2]


def test_follow_up_records_pairs_by_cited_evidence() -> None:
    doc = Document.from_text(ROUNDUP)

    class Rec(BaseModel):
        evidence: list[Evidence]

    def rec(*ids: int) -> Rec:
        return Rec(evidence=[ground(i, doc) for i in ids])

    first = [rec(3), rec(7)]
    assert follow_up_records(first, [rec(3), rec(7, 8), rec(9)]) == [("again", 0), ("again", 1)]
    assert follow_up_records(first, [rec(7), rec(1), rec(3)]) == [("again", 2), ("again", 0)]
    # A first record that no new record cites stays as it was.
    assert follow_up_records(first, [rec(1), rec(3), rec(2)]) == [("again", 1), ("first", 1)]
    # Fewer or as many records: the follow-up's answer stands; none: the first answer.
    assert follow_up_records(first, [rec(1)]) == [("again", 0)]
    assert follow_up_records(first, []) == [("first", 0), ("first", 1)]
    assert follow_up_records([], [rec(1), rec(2)]) == [("again", 0), ("again", 1)]


def test_a_codebook_check_is_a_follow_up_that_cannot_lose_the_record(
    fake: FakeServer, fake_backend: FakeBackend
) -> None:
    # Found on a held-out note: as a validation error, the re-ask made the model answer no
    # records, and the note lost its only event.
    text = "On 12 March 2021, soldiers shot dead two farmers in Tamale."
    clash = answer("Battles: armed clash", "On 12 March 2021", "Tamale", "Military Forces",
                   "Farmers", [1], fatalities=[2])  # fmt: skip
    fake.enqueue(clash).enqueue({"records": []})
    result = make(fake_backend).extract(text, published="2021-03-15")
    assert [r.sub_event_type for r in result.records] == ["Armed clash"]
    assert result.attempts.validation_reasks == 0 and result.attempts.second_looks == 1
    assert '"Violence against civilians: attack"' in last_text(fake.requests[1])
    attack = answer("Violence against civilians: attack", "On 12 March 2021", "Tamale",
                    "Military Forces", "Farmers", [1], fatalities=[2])  # fmt: skip
    fake.enqueue(clash).enqueue(attack)
    result = make(fake_backend).extract(text, published="2021-03-15")
    assert [r.sub_event_type for r in result.records] == ["Attack"]


def test_cue_checks_can_be_turned_off(fake: FakeServer, fake_backend: FakeBackend) -> None:
    text = "On 12 March 2021, students threw stones at the police in Tamale during a protest."
    fake.enqueue(answer("Protests: peaceful", "On 12 March 2021", "Tamale", "Protesters", None,
                        [1]))  # fmt: skip
    strategy = SinglePass()
    strategy.cue_checks = False
    result = make(fake_backend, strategy=strategy).extract(text, published="2021-03-15")
    assert result.attempts.second_looks == 0 and len(fake.requests) == 1


def _least_records(request: dict[str, Any]) -> int:
    """The minItems of ``records`` in a request's JSON schema (0 when it has none)."""
    schema = request["response_format"]["json_schema"]["schema"]
    return int(schema["properties"]["records"].get("minItems", 0))


def test_an_empty_answer_to_a_note_that_names_an_act_gets_a_follow_up_that_insists(
    fake: FakeServer, fake_backend: FakeBackend
) -> None:
    text = "On 3 May 2021, police arrested 3 men in Accra. The weather was mild."
    arrest = answer("Strategic developments: arrests", "On 3 May 2021", "Accra", "Police Forces",
                    None, [1])  # fmt: skip
    fake.enqueue({"records": []}).enqueue(arrest)
    result = make(fake_backend, strategy="find-fill").extract(text)
    assert [r.sub_event_type for r in result.records] == ["Arrests"]
    assert result.attempts.second_looks == 1 and result.attempts.validation_reasks == 0
    first, follow_up = fake.requests
    # Only the follow-up requires a record; it names the sentence the find pass picked.
    assert (_least_records(first), _least_records(follow_up)) == (0, 1)
    assert "[S1] reports an act" in last_text(follow_up) and "[S2]" not in last_text(follow_up)
    # A text that names no act gets the open second look, where "none" stays a fair answer.
    fake.enqueue({"records": []}).enqueue({"records": []})
    result = make(fake_backend, strategy="find-fill").extract("The weather was mild in Accra.")
    assert result.records == [] and _least_records(fake.requests[-1]) == 0
    assert "Read it again" in last_text(fake.requests[-1])


def test_insisting_can_be_turned_off_and_windows_never_insist(
    fake: FakeServer, fake_backend: FakeBackend
) -> None:
    strategy = SinglePass()
    strategy.insist_on_candidates = False
    fake.enqueue({"records": []}).enqueue({"records": []})
    make(fake_backend, strategy=strategy).extract("Police arrested 3 men in Accra.")
    assert _least_records(fake.requests[-1]) == 0 and "Read it again" in last_text(
        fake.requests[-1]
    )
    windows = FindThenFill(window_chars=300, whole_chars=300)
    review = windows.review(Document.from_text(ROUNDUP), [], load_schema("conflict_events"),
                            whole=False)  # fmt: skip
    assert review is None  # a window's "none" stands


def test_find_fill_takes_an_empty_window_at_its_word(
    fake: FakeServer, fake_backend: FakeBackend
) -> None:
    fake.responder = lambda body: {"records": []}
    result = make(fake_backend, strategy=FindThenFill(window_chars=300, whole_chars=300)).extract(
        ROUNDUP
    )
    assert result.records == [] and result.attempts.second_looks == 0
    assert len(fake.requests) == 2  # one per window, no second looks


def test_coder_tags_are_hidden_from_the_model_but_kept_in_evidence(
    fake: FakeServer, fake_backend: FakeBackend
) -> None:
    text = "On 2 May 2020, nurses protested in Accra over pay. [size=no report]"
    fake.enqueue(answer("Protests: peaceful", "On 2 May 2020", "Accra", "Protesters", None, [1]))
    result = make(fake_backend).extract(text, published="2020-05-04")
    assert "[size=" not in last_text(fake.requests[0])
    assert "nurses protested in Accra over pay." in last_text(fake.requests[0])
    assert result.records[0].evidence[0].quote == text  # the source, tag and all


def test_strategy_switch_and_defaults(fake: FakeServer, fake_backend: FakeBackend) -> None:
    assert isinstance(resolve_strategy(None, fake_backend), SinglePass)  # endpoint default
    from llm_extract.backends.embedded.server import EmbeddedBackend

    assert isinstance(resolve_strategy(None, EmbeddedBackend()), FindThenFill)
    with pytest.raises(ConfigError, match="single"):
        resolve_strategy("nope", fake_backend)
    fake.responder = lambda body: conflict_answer()
    make(fake_backend, strategy="single").extract(seed_text(), published=SEED_PUBLISHED)
    assert len(fake.requests) == 1
    fake.requests.clear()
    make(fake_backend, strategy="find-fill").extract(seed_text(), published=SEED_PUBLISHED)
    assert len(fake.requests) > 3


async def test_async_find_fill_matches_sync(fake: FakeServer, fake_backend: FakeBackend) -> None:
    fake.responder = lambda body: (
        answer("Strategic developments: arrests", "On Tuesday", "Tamale", "Police Forces", None,
               [1]) if "arrested" in last_text(body) else {"records": []}
    )  # fmt: skip
    extractor = make(fake_backend, strategy=FindThenFill(window_chars=300, whole_chars=300))
    result = await extractor.aextract(ROUNDUP, published="2021-03-17")
    assert [r.sub_event_type for r in result.records] == ["Arrests"]
    assert result.attempts.requests == 2
    await extractor.aclose()


def test_codebook_cues_found_in_a_piece_are_shown_with_it(
    fake: FakeServer, fake_backend: FakeBackend
) -> None:
    text = "On 3 May 2020, warplanes struck a market in Bu'aale. Nobody was hurt."
    fake.enqueue(answer("Explosions/Remote violence: air/drone strike", "On 3 May 2020",
                        "Bu'aale", "Military Forces", None, [1]))  # fmt: skip
    make(fake_backend).extract(text, published="2020-05-04")
    prompt = last_text(fake.requests[0])
    assert prompt.index("[S1]") < prompt.index("Codebook notes")
    assert '- "warplanes": aircraft or drones striking is "Explosions/Remote violence: ' in prompt
    fake.enqueue(conflict_answer())
    make(fake_backend).extract(seed_text().split("\n")[3], published=SEED_PUBLISHED)
    assert "Codebook notes" not in last_text(fake.requests[1])  # no cue, no note


def test_find_fill_gives_a_note_sent_whole_its_second_look(
    fake: FakeServer, fake_backend: FakeBackend
) -> None:
    fake.enqueue({"records": []}).enqueue({"records": []})
    result = make(fake_backend, strategy="find-fill").extract("Police arrested 3 men in Accra.")
    assert result.attempts.second_looks == 1 and len(fake.requests) == 2


def test_a_missing_date_is_read_from_the_cited_sentences_and_the_next_one(
    fake: FakeServer, fake_backend: FakeBackend
) -> None:
    text = (
        "Warplanes struck a clinic in Bu'aale, residents said. "
        "The clinic was hit early on Monday, the health office said. "
        "Since April, fighting has displaced thousands."
    )
    for cited in ([1, 2], [1], [3]):
        fake.enqueue(answer("Explosions/Remote violence: air/drone strike", None, "Bu'aale",
                            "Military Forces", None, cited))  # fmt: skip
    (dated,) = make(fake_backend).extract(text, published="2022-06-08").records
    assert (str(dated.event_date.date), dated.event_date.precision) == ("2022-06-06", "day")
    (from_next,) = make(fake_backend).extract(text, published="2022-06-08").records
    assert str(from_next.event_date.date) == "2022-06-06"  # the sentence after the cited one
    (undated,) = make(fake_backend).extract(text, published="2022-06-08").records
    assert undated.event_date.date is None  # no day in the cited sentence or after it


@pytest.mark.parametrize(
    ("sentence", "code", "says"),
    [
        ("The OSCE SMM observed 19 projectiles in both directions of the frontline near Zaitseve.",
         "Explosions/Remote violence: shelling/artillery/missile attack", '"Battles: armed clash"'),
        ("Police exchanged fire with two armed men in Ilheus.",
         "Explosions/Remote violence: remote explosive/landmine/ied", '"Battles: armed clash"'),
        ("The OSCE SMM observed 2 explosions involving unknown weapons near Zolote-4.",
         "Explosions/Remote violence: remote explosive/landmine/ied",
         '"Explosions/Remote violence: shelling/artillery/missile attack"'),
        ("The OSCE SMM observed 2 explosions involving unknown weapons near Zolote-4.",
         "Explosions/Remote violence: shelling/artillery/missile attack", None),
        ("A landmine exploded near Opytne; the SMM heard explosions involving a mine.",
         "Explosions/Remote violence: remote explosive/landmine/ied", None),
        # A place named "Mine" is no mine; projectiles count as explosions do.
        ("The OSCE SMM observed 21 explosions involving unknown weapons near Butovka Mine.",
         "Explosions/Remote violence: remote explosive/landmine/ied",
         '"Explosions/Remote violence: shelling/artillery/missile attack"'),
        ("The OSCE SMM observed 4 projectiles/shots involving unknown weapons near Pyshchevyk.",
         "Explosions/Remote violence: air/drone strike",
         '"Explosions/Remote violence: shelling/artillery/missile attack"'),
        ("The OSCE SMM observed 2 projectiles/shots involving unknown weapons in both directions "
         "of the frontline near Shyrokyne.", "Battles: armed clash", None),
        # Small-arms fire alone is a clash; with explosions it stays shelling.
        ("The OSCE SMM observed 97 shots/bursts of fire involving small arms near Kashtanove.",
         "Explosions/Remote violence: air/drone strike", '"Battles: armed clash"'),
        ("The OSCE SMM observed 35 explosions/bursts of fire involving heavy machineguns near "
         "Novooleksandrivka.", "Explosions/Remote violence: shelling/artillery/missile attack",
         None),
        ("Soldiers exchanged fire with rebels near Balcad.", "Battles: armed clash", None),
        # A crowd's violence is a riot even where police stepped in; police alone intervene.
        ("Marchers fought a brawl with police in Tamale; four were arrested.",
         "Protests: with intervention", '"Riots: violent demonstration"'),
        ("Police dispersed the march in Tamale and arrested four marchers.",
         "Protests: peaceful", '"Protests: with intervention"'),
        ("Police dispersed the march in Tamale and arrested four marchers.",
         "Protests: with intervention", None),
    ],
)  # fmt: skip
def test_exchange_of_fire_and_observed_explosions_cues(
    sentence: str, code: str, says: str | None
) -> None:
    from llm_extract.strategies.base import cue_problem

    schema = load_schema("conflict_events")
    data = answer(code, "On 2 May 2020", "Zaitseve", "Military Forces", None, [1])["records"][0]
    with extraction_context(ExtractionContext(Document.from_text(sentence), None)):
        record = schema.record.model_validate(data)
    problems = [p for cue in schema.codebook_cues if (p := cue_problem(cue, 1, record))]
    assert (problems[0] if problems else None) is None if says is None else says in problems[0]


@pytest.mark.parametrize(
    ("code", "actor1", "fatalities", "says"),
    [
        ("Strategic developments: looting/property destruction", "State forces", [1],
         '"Violence against civilians: attack"'),
        ("Strategic developments: looting/property destruction", "State forces", [], None),
        ("Violence against civilians: attack", "Rioters", [], '"Riots: mob violence"'),
        ("Riots: mob violence", "Rioters", [1], None),
    ],
)  # fmt: skip
def test_codebook_checks_on_looting_deaths_and_crowd_attackers(
    code: str, actor1: str, fatalities: list[int], says: str | None
) -> None:
    schema = load_schema("conflict_events")
    text = "On 2 May 2020, men looted shops in Tamale and killed a trader."
    data = answer(code, "On 2 May 2020", "Tamale", "Men", None, [1], fatalities=fatalities)
    data["records"][0]["actor1"]["category"] = actor1
    with extraction_context(ExtractionContext(Document.from_text(text), None)):
        record = schema.record.model_validate(data["records"][0])
    (check,) = schema.codebook_checks
    problem = check(record)
    assert problem is None if says is None else says in (problem or "")


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("On 2 May 2020, the president issued a decree that removed the army chief in Tamale.",
         '"Strategic developments: change to group/activity"'),
        ("On 2 May 2020, the army and the rebels signed a ceasefire in Tamale.", None),
        ("On 2 May 2020, both sides exchanged 40 prisoners in Tamale.", None),
    ],
)  # fmt: skip
def test_an_agreement_must_name_an_accord(text: str, says: str | None) -> None:
    problem = codebook_problem("Strategic developments: agreement", text, "Government")
    assert problem is None if says is None else says in (problem or "")


def codebook_problem(code: str, text: str, actor1: str) -> str | None:
    """The conflict schema's codebook check on a one-record answer coded ``code`` for ``text``."""
    schema = load_schema("conflict_events")
    data = answer(code, "On 2 May 2020", "Tamale", actor1, None, [1])
    with extraction_context(ExtractionContext(Document.from_text(text), None)):
        record = schema.record.model_validate(data["records"][0])
    (check,) = schema.codebook_checks
    return check(record)  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("code", "text", "says"),
    [
        ("Violence against civilians: attack",
         "On 2 May 2020, a village chief was attacked and beaten to death by a crowd in Tamale.",
         '"village chief" is actor2'),
        ("Battles: armed clash",
         "On 2 May 2020, the Village Chief had been ambushed by gunmen near Tamale.",
         '"village chief" is actor2'),
        # Did it, in the active voice.
        ("Violence against civilians: attack",
         "On 2 May 2020, a village chief and his men attacked a trader in Tamale.", None),
        # A protest's actor1 is the crowd, even when police beat it.
        ("Protests: excessive force",
         "On 2 May 2020, a village chief was beaten by police at a protest in Tamale.", None),
    ],
)  # fmt: skip
def test_a_victim_named_as_actor1_is_a_codebook_problem(
    code: str, text: str, says: str | None
) -> None:
    problem = codebook_problem(code, text, "village chief")
    assert problem is None if says is None else says in (problem or "")


@pytest.mark.parametrize(
    ("cue", "text", "words"),
    [
        ("looting", "Two trucks of a company were set on fire by armed men. No people were "
         "reported injured or killed.", "set on fire"),
        ("looting", "Israeli settlers cut down nearly 30 Palestinian-owned olive trees near "
         "Nablus.", "cut down"),
        ("looting", "Unidentified actors destroyed the Otamiri water scheme in Owerri.",
         "destroyed the Otamiri water scheme"),
        ("looting", "Soldiers looted shops in Mutshatsha; nobody was hurt.", "looted"),
        # People killed or hurt: the attack on them is the event, not the property.
        ("looting", "Dahalo attacked and killed 1 person while looting vehicles near Ihosy.",
         None),
        ("looting", "Gunmen burned down a house; two people were injured.", None),
        ("looting", "A bomb destroyed two buildings in Kaboresha.", None),  # the bomb's damage
        ("looting", "NAS claimed to have destroyed a Technical near Loka.", None),  # in a battle
        ("movement", "Houthi reinforcements reportedly arrived at various fronts in Hajjah.",
         "reinforcements"),
        ("movement", "Movement of forces: Turkish troops entered Idleb.", "Movement of forces"),
        ("movement", "Reinforcements arrived and clashes resumed near Marib.", None),
        ("movement", "A Turkish military convoy crossed the border into Idlib.", None),
        ("ied", "Police were searching for the man behind a Friday blast at a bakery in Lyon.",
         "blast"),
        ("ied", "An IED planted by BLA hit their vehicle in Buleda.", "IED"),
        ("ied", "A roadside bomb went off under a police van near Quetta.", "roadside bomb"),
        ("ied", "Army shelling caused an explosion at a depot near Jilib.", None),  # the shell's
        ("ied", "An air strike blast destroyed a school in Idlib.", None),  # the aircraft's
        ("ied", "A suicide bomber blew himself up; the blast killed four in Kabul.", None),
        ("ied", "The SMM counted 4 explosions involving unknown weapons near Madagis.", None),
        ("ied", "Gold mine workers protested over unpaid wages in Obuasi.", None),
        ("intervention", "Nurses marched in Tamale. Police dispersed the march.", "dispersed"),
        ("intervention", "Traders protested in Kumasi; police arrested 12 of the protesters.",
         "arrested 12 of the protesters"),
        ("intervention", "About 30 people, including a journalist, were detained by police.",
         "people, including a journalist, were detained"),
        ("intervention", "Police fired tear gas at students in Accra.", "tear gas"),
        ("intervention", "The police intervened with rubber bullets.", "intervened"),
        ("intervention", "Prisoners rioted; special forces intervened.", None),  # a riot
        # A protest against an arrest is not an arrest of the protest.
        ("intervention", "Journalists protested in Lahore against the arrest of an editor.",
         None),
    ],
)  # fmt: skip
def test_cue_words(cue: str, text: str, words: str | None) -> None:
    (found,) = [c for c in load_schema("conflict_events").codebook_cues if c.name == cue]
    assert found.find(text) == words


def test_a_cue_with_an_unless_word_stays_quiet(fake: FakeServer, fake_backend: FakeBackend) -> None:
    text = "On 3 May 2020, the army clashed with Al Shabaab near Balcad, backed by airstrikes."
    fake.enqueue(answer("Battles: armed clash", "On 3 May 2020", "Balcad", "Military Forces",
                        None, [1]))  # fmt: skip
    result = make(fake_backend).extract(text, published="2020-05-04")
    assert result.attempts.second_looks == 0  # ground fighting with air support is a battle
    assert "aircraft or drones" not in last_text(fake.requests[0])


def test_a_cue_in_the_text_brings_its_worked_example(
    fake: FakeServer, fake_backend: FakeBackend
) -> None:
    text = "On 9 May 2020, supporters of two parties clashed in Kasumbalesa. Two were killed."
    fake.enqueue(answer("Riots: mob violence", "On 9 May 2020", "Kasumbalesa", "Rioters", None,
                        [1, 2]))  # fmt: skip
    make(fake_backend).extract(text, published="2020-05-10")
    messages = fake.requests[0]["messages"]
    example = next(m["content"] for m in messages if "Kitwe" in m["content"])
    assert '"Riots: mob violence"' in messages[messages.index(
        next(m for m in messages if m["content"] == example)) + 1]["content"]  # fmt: skip
    assert messages[-1]["content"].count("[S1]") == 1  # the document comes last, after it
    fake.enqueue(conflict_answer())
    make(fake_backend).extract(seed_text().split("\n")[3], published=SEED_PUBLISHED)
    assert not any("Kitwe" in m["content"] for m in fake.requests[1]["messages"])


def test_reinforcements_bring_the_movement_example(
    fake: FakeServer, fake_backend: FakeBackend
) -> None:
    text = "On 9 May 2020, Houthi reinforcements reportedly arrived at fronts in Hajjah."
    fake.enqueue(answer("Strategic developments: change to group/activity", "On 9 May 2020",
                        "Hajjah", "Houthis", None, [1]))  # fmt: skip
    (record,) = make(fake_backend).extract(text, published="2020-05-10").records
    assert record.sub_event_type == "Change to group/activity"
    contents = [m["content"] for m in fake.requests[0]["messages"]]
    beni = next(i for i, c in enumerate(contents) if "reinforcements" in c and "Beni" in c)
    assert '"Strategic developments: change to group/activity"' in contents[beni + 1]
    assert '"reinforcements": forces sent, moved or reinforced' in contents[-1]


def test_a_bomb_brings_the_landmine_example(fake: FakeServer, fake_backend: FakeBackend) -> None:
    text = "On 8 May 2020, a roadside bomb hit an army vehicle in Mocoa, killing 2 soldiers."
    code = "Explosions/Remote violence: remote explosive/landmine/ied"
    fake.enqueue(answer(code, "On 8 May 2020", "Mocoa", "Unidentified Armed Group", None, [1]))
    (record,) = make(fake_backend).extract(text, published="2020-05-09").records
    assert record.sub_event_type == "Remote explosive/landmine/IED"
    contents = [m["content"] for m in fake.requests[0]["messages"]]
    tame = next(i for i, c in enumerate(contents) if "ELN rebels" in c and "Tame" in c)
    assert '"name": "ELN"' in contents[tame + 1]  # a named group that laid it is actor1
    assert '"roadside bomb": a bomb, mine or explosive device' in contents[-1]


def test_fire_across_a_frontline_brings_the_monitor_example(
    fake: FakeServer, fake_backend: FakeBackend
) -> None:
    text = "On 2 May 2020, the OSCE SMM observed 19 projectiles in both directions near Zaitseve."
    fake.enqueue(answer("Battles: armed clash", "On 2 May 2020", "Zaitseve", "Military Forces",
                        None, [1]))  # fmt: skip
    make(fake_backend).extract(text, published="2020-05-04")
    contents = [m["content"] for m in fake.requests[0]["messages"]]
    talish = next(i for i, c in enumerate(contents) if "Talish" in c and "Madagis" in c)
    kumasi = next(i for i, c in enumerate(contents) if "Kumasi" in c)
    assert kumasi < talish < len(contents) - 1  # after the fixed examples, before the text


def test_pieces_with_the_same_cue_examples_are_sent_back_to_back(
    fake: FakeServer, fake_backend: FakeBackend
) -> None:
    # The air-strike windows carry a worked example in their prompt; the arrest window does
    # not. Sent one at a time, in an order that keeps equal prefixes together, so a
    # prefix-caching server reads that example once; the records still come in text order.
    text = (
        "Warplanes struck a market in Kutum on Monday. The market was busy that day. "
        "Police arrested nine traders in Nyala on Tuesday. The traders were later freed. "
        "Warplanes struck a school in Kabkabiya on Wednesday."
    )

    def respond(body: dict[str, Any]) -> Any:
        said = last_text(body)
        for place in ("Kutum", "Nyala", "Kabkabiya"):
            if place in said:
                sub = "arrests" if place == "Nyala" else "air/drone strike"
                kind = (
                    "Strategic developments" if place == "Nyala" else "Explosions/Remote violence"
                )
                return answer(f"{kind}: {sub}", "on Monday", place, "Military Forces", None, [1])
        return {"records": []}

    fake.responder = respond
    extractor = make(
        fake_backend, strategy=FindThenFill(window_chars=60, whole_chars=60), concurrency=1
    )
    result = extractor.extract(text, published="2020-05-20")
    sent = [place for r in fake.requests for place in ("Kutum", "Nyala", "Kabkabiya")
            if place in last_text(r)]  # fmt: skip
    assert sent == ["Nyala", "Kutum", "Kabkabiya"]
    # `llm-extract prompt` shows them in the same order.
    shown = [piece.index for piece, _ in extractor.render_prompts(text)]
    assert shown == [1, 0, 2]
    assert [r.location.place for r in result.records] == ["Kutum", "Nyala", "Kabkabiya"]
    assert [r.evidence[0].sentence for r in result.records] == [1, 3, 5]


def test_fire_in_both_directions_gets_no_shelling_note() -> None:
    # The notes shown with a text: "projectiles ... in both directions" is a clash, so the
    # observed-explosions note (code it shelling) must not contradict the exchange-of-fire one.
    schema = load_schema("conflict_events")
    text = ("On 29 April 2020, the OSCE SMM observed a total of 2 projectiles/shots involving "
            "unknown weapons in both directions of the frontline near Shyrokyne.")  # fmt: skip
    notes = FindThenFill().hints(Document.from_text(text), schema)
    assert list(notes) == ["exchange-of-fire"]
    alone = text.replace(" in both directions of the frontline", "")
    assert list(FindThenFill().hints(Document.from_text(alone), schema)) == ["explosions-observed"]
