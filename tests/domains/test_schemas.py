from __future__ import annotations

import json
import re
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from llm_extract import Document, SchemaError, load_schema, shipped_schemas
from llm_extract.core.context import ExtractionContext, extraction_context
from tests.conftest import SEED_PUBLISHED, conflict_answer, seed_text


def test_shipped_schemas_load() -> None:
    assert {"conflict_events", "plover"} <= set(shipped_schemas())
    schema = load_schema("conflict_events")
    assert schema.record.__name__ == "ConflictEvent"
    js = schema.json_schema()
    record = js["$defs"]["ConflictEvent"]
    # Grammar-constrained decoding skips optional fields: nullable ones must stay required.
    assert {"actor2", "fatalities", "source", "event_date"} <= set(record["required"])
    assert js["properties"]["records"]["maxItems"] == schema.max_records
    assert record["properties"]["evidence"]["items"] == {"type": "integer", "minimum": 1}


def test_taxonomy_consistency_is_validated() -> None:
    record = load_schema("conflict_events").record
    data = conflict_answer(sub_event_type="Peaceful protest")["records"][0]
    with extraction_context(ExtractionContext(Document.from_text(seed_text()), SEED_PUBLISHED)):
        with pytest.raises(ValidationError, match="belongs to event_type 'Protests'"):
            record.model_validate(data)
        ok = record.model_validate(conflict_answer()["records"][0])
    # Saved records round-trip without the source at hand.
    again = record.model_validate_json(ok.model_dump_json())
    assert again == ok


def test_event_type_follows_sub_type_and_fatalities_are_summed() -> None:
    record = load_schema("conflict_events").record
    data = conflict_answer(sub_event_type="Armed clash", fatalities=[21, 10])["records"][0]
    del data["event_type"]
    record_schema = load_schema("conflict_events").json_schema()["$defs"]["ConflictEvent"]
    assert "event_type" not in record_schema["properties"]  # the model is not asked for it
    assert "Protests: peaceful" in record_schema["properties"]["sub_event_type"]["enum"]
    with extraction_context(ExtractionContext(Document.from_text(seed_text()), SEED_PUBLISHED)):
        got = record.model_validate(data)
        assert (got.event_type, got.fatalities) == ("Battles", 31)
        peaceful = {**data, "sub_event_type": "Protests: peaceful", "fatalities": []}
        coded = record.model_validate(peaceful)
        assert (coded.event_type, coded.sub_event_type) == ("Protests", "Peaceful protest")
        # Codebook meaning, said in the prompt's codes: a check the pipeline turns into a
        # follow-up, not a validation error (a re-ask could make the model drop the record).
        (check,) = load_schema("conflict_events").codebook_checks
        killed = record.model_validate({**peaceful, "fatalities": [2]})
        assert '"Protests: excessive force"' in (check(killed) or "")
        civilians = {"name": "Civilians", "category": "Civilians", "associated": []}
        one_sided = record.model_validate({**data, "actor2": civilians})
        assert '"Violence against civilians: attack"' in (check(one_sided) or "")
        assert check(coded) is None and check(got) is None
        assert record.model_validate({**data, "fatalities": []}).fatalities is None
        assert record.model_validate({**data, "fatalities": [0]}).fatalities == 0
        with pytest.raises(ValidationError, match="whole numbers"):
            record.model_validate({**data, "fatalities": [-2]})


def test_plover_schema_rejects_self_targeting() -> None:
    record = load_schema("plover").record
    data = {
        "event_type": "ACCUSE",
        "source_actor": "Syria",
        "target_actor": "syria",
        "event_date": None,
        "location": None,
        "summary": "Syria accused itself.",
        "evidence": [1],
    }
    ctx = ExtractionContext(Document.from_text("Syria accused Turkey."))
    with extraction_context(ctx), pytest.raises(ValidationError, match="same"):
        record.model_validate(data)


USER_SCHEMA = '''
from pydantic import BaseModel, Field
from llm_extract import EvidenceRefs

class Strike(BaseModel):
    """A labour strike."""
    union: str = Field(description="Union on strike.")
    evidence: EvidenceRefs
'''


def test_user_schema_by_path(tmp_path: Path) -> None:
    path = tmp_path / "my_schema.py"
    path.write_text(USER_SCHEMA)
    schema = load_schema(f"{path}:Strike")
    assert schema.record.__name__ == "Strike"
    assert schema.prompt_template == "default.j2"
    assert "A labour strike." in schema.description


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("no_such_schema", "Unknown schema 'no_such_schema'"),
        ("missing.py:Thing", "does not exist"),
    ],
)
def test_schema_errors(spec: str, message: str) -> None:
    with pytest.raises(SchemaError, match=message) as info:
        load_schema(spec)
    assert info.value.fix


def test_schema_file_errors(tmp_path: Path) -> None:
    path = tmp_path / "s.py"
    path.write_text(USER_SCHEMA)
    with pytest.raises(SchemaError, match="Pydantic models in that file: Strike"):
        load_schema(f"{path}:Nope")
    broken = tmp_path / "broken.py"
    broken.write_text("import nonexistent_module_xyz\n")
    with pytest.raises(SchemaError, match="ModuleNotFoundError"):
        load_schema(f"{broken}:X")
    with pytest.raises(SchemaError, match="not a pydantic model"):
        load_schema(f"{path}:Field")


def _model_vocabulary(schema_name: str) -> tuple[set[str], set[str]]:
    """Field names and enum values in the JSON Schema the model is constrained to (and shown)."""
    names: set[str] = set()
    enums: set[str] = set()

    def walk(node: object) -> None:
        if isinstance(node, dict):
            names.update(node.get("properties", {}))
            enums.update(str(v) for v in node.get("enum", []))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(load_schema(schema_name).json_schema())
    return names, enums


def _model_answer(schema_name: str, **overrides: object) -> dict[str, object]:
    """A valid answer as the model gives it (only what the JSON Schema asks for)."""
    if schema_name == "conflict_events":
        record = conflict_answer(sub_event_type="Battles: government regains territory")
        record["records"][0].pop("event_type")
    else:
        record = {"records": [{"event_type": "ASSAULT", "source_actor": "Syrian forces",
                               "target_actor": "Rebels", "event_date": "on Wednesday",
                               "location": "Khan Sheikhoun", "evidence": [1],
                               "summary": "Syrian forces took the town."}]}  # fmt: skip
    record["records"][0].update(overrides)
    for key in [k for k, v in overrides.items() if v is _MISSING]:
        del record["records"][0][key]
    return record


_MISSING = object()
# (schema, overrides, what the message must say). Every shipped schema is listed.
BAD_ANSWERS = [
    ("conflict_events", {"sub_event_type": "Protests: peaceful demo"}, "Protests: peaceful"),
    ("conflict_events", {"sub_event_type": _MISSING}, "it is missing"),
    ("conflict_events", {"sub_event_type": "Peaceful demo"}, "Battles: armed clash"),
    ("conflict_events", {"evidence": [99]}, "evidence"),
    ("conflict_events", {"event_date": "on 1 September 2019"}, "event_date"),
    ("conflict_events", {"fatalities": [-1]}, "fatalities"),
    ("conflict_events", {"location": {"place": "X", "admin1": None}}, "country"),
    ("conflict_events", {"actor1": {"name": "Army", "category": "Soldiers", "associated": []}},
     "State forces"),
    ("plover", {"event_type": "ATTACK"}, "ASSAULT"),
    ("plover", {"target_actor": "syrian forces"}, "same"),
    ("plover", {"evidence": [99]}, "evidence"),
    ("plover", {"summary": _MISSING}, "summary"),
]  # fmt: skip


def test_bad_answer_table_covers_every_shipped_schema() -> None:
    assert {name for name, _, _ in BAD_ANSWERS} == set(shipped_schemas())


@pytest.mark.parametrize(("schema_name", "overrides", "says"), BAD_ANSWERS)
def test_validation_errors_speak_the_prompts_vocabulary(
    schema_name: str, overrides: dict[str, object], says: str
) -> None:
    """The re-ask shows these errors to the model: they may name only fields and values it was
    shown (never "event_type Field required" or bare ACLED names for the coded sub-type)."""
    names, enums = _model_vocabulary(schema_name)
    model = load_schema(schema_name).response_model
    with extraction_context(ExtractionContext(Document.from_text(seed_text()), SEED_PUBLISHED)):
        model.model_validate(_model_answer(schema_name))  # the baseline is valid
        with pytest.raises(ValidationError) as info:
            model.model_validate(_model_answer(schema_name, **overrides))
    assert says in str(info.value)
    for error in info.value.errors():
        assert all(isinstance(p, int) or p in names for p in error["loc"]), error["loc"]
        expected = (error.get("ctx") or {}).get("expected", "")
        assert set(re.findall(r"'([^']*)'", expected)) <= enums, expected


@pytest.mark.parametrize("schema_name", ["conflict_events", "plover"])
def test_event_dates_are_read_in_the_contexts_language(schema_name: str) -> None:
    model = load_schema(schema_name).response_model
    doc = Document.from_text(seed_text())
    with extraction_context(ExtractionContext(doc, SEED_PUBLISHED, language="es")):
        got = model.model_validate(_model_answer(schema_name, event_date="el pasado martes"))
        assert got.records[0].event_date.date == date(2019, 8, 20)
        assert got.records[0].event_date.precision == "day"
        with pytest.raises(ValidationError, match="after the publication date"):
            model.model_validate(_model_answer(schema_name, event_date="el 1 de septiembre 2019"))


def test_reask_for_a_bad_code_lists_the_codes_the_prompt_uses() -> None:
    from llm_extract import Extractor
    from tests.fakes import FakeBackend, FakeServer

    good = _model_answer("conflict_events")
    server = FakeServer()
    server.enqueue(_model_answer("conflict_events", sub_event_type="Protests: peaceful demo"))
    server.enqueue(good)
    result = Extractor(backend=FakeBackend(server)).extract(seed_text(), published=SEED_PUBLISHED)
    assert result.attempts.validation_reasks == 1
    reask = json.dumps(server.requests[1]["messages"][2:])
    assert "Protests: peaceful" in reask and "Battles: armed clash" in reask
    assert "event_type" not in reask.replace("sub_event_type", "")
    assert "'Peaceful protest'" not in reask  # bare ACLED names are not what the prompt shows


def test_an_unknown_place_is_null() -> None:
    import sys

    location = sys.modules[load_schema("conflict_events").record.__module__].Location
    assert location(place="Unknown", admin1=" n/a ", country="Syria").model_dump() == {
        "place": None,
        "admin1": None,
        "country": "Syria",
    }


@pytest.mark.parametrize(
    ("count", "text", "injured"),
    [
        (11, "A grenade hit a salon. 1 person was killed and 11 were injured.", True),
        (1, "A grenade hit a salon. 1 person was killed and 11 were injured.", False),
        (15, "The blast killed two people, wounding 15 others.", True),
        (2, "Soldiers killed 3 rebels and 2 civilians; 4 were wounded.", False),
        (4, "Soldiers killed 3 rebels and 2 civilians; 4 were wounded.", True),
        (5, "Five people were wounded; one of them later died.", True),
        (31, "21 soldiers and 10 rebels were killed, 40 injured.", False),  # a sum: not judged
        (11, "11 people were injured, 1.5 km from the market.", True),
        # Injuries and no death at all: any count is the injured, stated or added up.
        (2, "A shell hit the school; a teacher and a pupil were injured.", True),
        (1, "A landmine explosion injured a villager.", True),
        (2, "A shell hit the school; a teacher was injured and two casualties reported.", False),
    ],
)
def test_a_count_stated_only_for_the_injured_is_found(count: int, text: str, injured: bool) -> None:
    from llm_extract.domains.conflict.casualties import without_injured

    assert (without_injured([count], text) == []) is injured


@pytest.mark.parametrize(
    ("counts", "text", "kept"),
    [
        # One count per stating clause, deaths first: the second 1 is the injured one.
        ([1, 1], "Militias clashed in Taizz, killing a fighter and injuring another one.", [1]),
        ([1, 1], "Gunmen shot dead a chairperson while a councilor was wounded.", [1]),
        ([1, 1], "A soldier was killed and another was killed a day later.", [1, 1]),
        # "one side" is no count of the dead or hurt; "a" outside such a clause is an article.
        ([1, 1], "Fighters on one side killed a man and wounded a boy.", [1]),
        ([1200], "1,200 people were killed, officials said.", [1200]),
        ([2, 15], "The blast killed two people, wounding 15 others.", [2]),
    ],
)
def test_the_injured_are_matched_clause_by_clause(
    counts: list[int], text: str, kept: list[int]
) -> None:
    from llm_extract.domains.conflict.casualties import without_injured

    assert without_injured(counts, text) == kept


def test_fatalities_drop_the_injured_the_model_added() -> None:
    record = load_schema("conflict_events").record
    data = conflict_answer(sub_event_type="Armed clash", fatalities=[1, 11])["records"][0]
    text = "Gunmen attacked a checkpoint in Ndera. 1 soldier was killed and 11 were injured."
    with extraction_context(ExtractionContext(Document.from_text(text), SEED_PUBLISHED)):
        data = {**data, "evidence": [1, 2], "event_date": None}
        assert record.model_validate(data).fatalities == 1
        assert record.model_validate({**data, "fatalities": [11]}).fatalities is None
        assert record.model_validate({**data, "fatalities": [12]}).fatalities == 12  # not stated
    only_hurt = "A landmine exploded in Ndera. A teacher and a pupil were injured."
    with extraction_context(ExtractionContext(Document.from_text(only_hurt), SEED_PUBLISHED)):
        assert record.model_validate({**data, "fatalities": [2]}).fatalities == 0
    # No word of anyone dying: the number counts something else (the detained, a calibre).
    for no_death in (
        "Police dispersed the march in Izmir. They detained 5 protesters.",
        "Rebels fired 120mm mortars at army positions near Novozvanivka.",
    ):
        with extraction_context(ExtractionContext(Document.from_text(no_death), SEED_PUBLISHED)):
            assert record.model_validate({**data, "fatalities": [5]}).fatalities == 0
            assert record.model_validate({**data, "fatalities": []}).fatalities is None
    fatally = "Gunmen attacked a checkpoint in Ndera. Two soldiers were fatally shot."
    with extraction_context(ExtractionContext(Document.from_text(fatally), SEED_PUBLISHED)):
        assert record.model_validate({**data, "fatalities": [2]}).fatalities == 2


def test_a_peaceful_protest_has_no_second_actor() -> None:
    record = load_schema("conflict_events").record
    text = "On 6 May 2019, journalists protested in Multan against the arrest of an editor."
    data = {
        "sub_event_type": "Protests: peaceful",
        "event_date": "On 6 May 2019",
        "location": {"place": "Multan", "admin1": None, "country": "Pakistan"},
        "actor1": {"name": "Protesters", "category": "Protesters", "associated": ["Journalists"]},
        "actor2": {"name": "Editor", "category": "Civilians", "associated": []},
        "fatalities": [],
        "source": None,
        "summary": "Journalists protested in Multan.",
        "evidence": [1],
    }
    with extraction_context(ExtractionContext(Document.from_text(text), SEED_PUBLISHED)):
        assert record.model_validate(data).actor2 is None
        # Police who step in make it a protest with intervention, which keeps them.
        police = {"name": "Police Forces", "category": "State forces", "associated": []}
        kept = record.model_validate(
            {**data, "sub_event_type": "Protests: with intervention", "actor2": police}
        )
        assert kept.actor2 is not None and kept.actor2.name == "Police Forces"


def test_placeholder_associated_actors_are_dropped() -> None:
    actor = sys.modules[load_schema("conflict_events").record.__module__].Actor
    made = actor(name="Protesters", category="Protesters", associated=["None", "Teachers", "n/a"])
    assert made.associated == ["Teachers"]
    assert (
        actor(name="Police Forces", category="State forces", associated=["Unknown"]).associated
        == []
    )


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Unknown", "Unidentified Armed Group"),
        ("unidentified gunmen", "Unidentified Armed Group"),
        ("An unknown armed group", "Unidentified Armed Group"),
        ("Unknown Taliban fighters", "Unknown Taliban fighters"),  # named: kept
        ("Unidentified tribesmen", "Unidentified tribesmen"),  # ACLED names these apart
        ("Armed individuals", "Unidentified Armed Group"),
        ("Gunmen", "Unidentified Armed Group"),
        ("Five persons", "Five persons"),  # not said to be armed
        ("Unknown: Unidentified Armed Group", "Unidentified Armed Group"),  # a labelled name
        ("Unknown: Taliban", "Unknown: Taliban"),  # a labelled named group: kept as written
        ("IS militants", "Islamic State"),  # an acronym the codebook's name lacks
        ("Daesh", "Islamic State"),
        ("HTS fighters", "Hayat Tahrir al-Sham"),
        ("ISWAP", "ISWAP"),  # not in the table: kept
        ("Is", "Is"),  # not the acronym
    ],
)
def test_unknown_actors_get_acleds_generic_name(name: str, expected: str) -> None:
    actor = sys.modules[load_schema("conflict_events").record.__module__].Actor
    assert actor(name=name, category="Political militia", associated=[]).name == expected


@pytest.mark.parametrize(
    ("name", "category", "expected"),
    [
        ("Turkish forces", "State forces", ("Military Forces of Turkey", "State forces")),
        ("the Afghan army", "State forces", ("Military Forces of Afghanistan", "State forces")),
        ("ANDSF", "State forces", ("Military Forces of Afghanistan", "State forces")),
        ("Pakistani police", "State forces", ("Police Forces of Pakistan", "State forces")),
        ("US troops", "External/other forces",
         ("Military Forces of the United States", "State forces")),
        # ACLED's names for the sides in Yemen, whatever category the model chose.
        ("Pro-Houthi forces", "Rebel group",
         ("Military Forces of Yemen (2016-) Supreme Political Council", "State forces")),
        ("Saudi-led coalition", "State forces",
         ("Operation Restoring Hope", "External/other forces")),
        ("pro-Houthi snipers", "Political militia",
         ("Military Forces of Yemen (2016-) Supreme Political Council", "State forces")),
        ("Hadi", "Political militia", ("Hadi", "Political militia")),  # a man, not his forces
        # Armed wings and coalitions known by another name.
        ("Al Qassam brigades", "Rebel group", ("Hamas Movement", "Political militia")),
        ("SDF fighters", "Rebel group", ("QSD: Syrian Democratic Forces", "Rebel group")),
        # Not a nationality's forces: kept as written.
        ("Military Forces", "State forces", ("Military Forces", "State forces")),
        ("Kurdish fighters", "Rebel group", ("Kurdish fighters", "Rebel group")),
        ("Congolese army", "State forces", ("Congolese army", "State forces")),  # two Congos
        ("Syrian civilians", "Civilians", ("Civilians", "Civilians")),
    ],
)  # fmt: skip
def test_state_forces_get_acleds_name(name: str, category: str, expected: tuple[str, str]) -> None:
    actor = sys.modules[load_schema("conflict_events").record.__module__].Actor
    made = actor(name=name, category=category, associated=[])
    assert (made.name, made.category) == expected


def test_forces_of_two_states_are_not_one_actor() -> None:
    record = load_schema("conflict_events").record
    base = {
        "sub_event_type": "Explosions/Remote violence: shelling/artillery/missile attack",
        "event_date": "on Sunday",
        "location": {"place": "Idlib", "admin1": None, "country": "Syria"},
        "actor2": None,
        "fatalities": [],
        "source": None,
        "summary": "Shells hit Idlib.",
        "evidence": [{"quote": "x", "start": 0, "end": 1}],
    }

    def by(name: str) -> Any:
        actor1 = {"name": name, "category": "State forces", "associated": []}
        return record.model_validate({**base, "actor1": actor1})

    assert by("Syrian army").same_event(by("Syrian regime forces"))  # type: ignore[attr-defined]
    assert not by("Syrian army").same_event(by("Turkish army"))  # type: ignore[attr-defined]


def test_an_undated_record_takes_the_day_from_the_sentence_after_its_evidence() -> None:
    from llm_extract.core.records import dates_from_evidence

    record = load_schema("conflict_events").record
    text = (
        "Activists say airstrikes have hit a hospital in Tel Mannas. "
        "The Rahma hospital in Tel Mannas was hit early on Wednesday. "
        "On Monday, a convoy crossed the border."
    )
    doc = Document.from_text(text)
    data = conflict_answer(event_date="Meanwhile", evidence=[1])["records"][0]
    with extraction_context(ExtractionContext(doc, SEED_PUBLISHED)):
        parsed = record.model_validate(data)
    assert parsed.event_date.date is None  # "Meanwhile" names no day
    assert dates_from_evidence(parsed, SEED_PUBLISHED).event_date.date is None
    dated = dates_from_evidence(parsed, SEED_PUBLISHED, doc)
    assert str(dated.event_date.date) == "2019-08-21"  # the next sentence, not the third


def test_date_words_that_are_not_in_the_text_count_as_none() -> None:
    from llm_extract.core.records import dates_from_evidence

    record = load_schema("conflict_events").record
    doc = Document.from_text("Gunmen killed two farmers in Yendi. Police arrived on 08 May 2020.")

    def dated(words: str, published: Any) -> Any:
        data = conflict_answer(event_date=words, evidence=[1])["records"][0]
        with extraction_context(ExtractionContext(doc, published)):
            parsed = record.model_validate(data)
        return dates_from_evidence(parsed, published, doc).event_date.date

    # Copied from a worked example: not in this text, so the day comes from the text instead.
    assert str(dated("On 12 March 2021", None)) == "2020-05-08"
    assert str(dated("On 8 May 2020", None)) == "2020-05-08"  # reworded: read again
    assert str(dated("on 08 May 2020", None)) == "2020-05-08"  # as the text has it
    # The publication day is a fair guess for an article's undated event.
    assert str(dated("On 9 May 2020", date(2020, 5, 9))) == "2020-05-09"
    lone = Document.from_text("Gunmen killed two farmers in Yendi.")
    data = conflict_answer(event_date="On 12 March 2021", evidence=[1])["records"][0]
    with extraction_context(ExtractionContext(lone, None)):
        parsed = record.model_validate(data)
    assert dates_from_evidence(parsed, None, lone).event_date.date is None
    assert str(dates_from_evidence(parsed, None).event_date.date) == "2021-03-12"  # no text given


def test_a_country_the_text_never_names_gives_way_to_the_documents_country() -> None:
    from llm_extract.core.pieces import settle

    record = load_schema("conflict_events").record
    text = (
        "Syrian forces took Khan Sheikhoun on Wednesday. "
        "21 fighters were killed in Wednesday's clashes. "
        "Jets hit a hospital in Tel Mannas."
    )
    doc = Document.from_text(text)

    def coded(country: str, sentence: int) -> Any:
        data = conflict_answer(evidence=[sentence])["records"][0]
        data["location"] = {"place": None, "admin1": None, "country": country}
        with extraction_context(ExtractionContext(doc, SEED_PUBLISHED)):
            return record.model_validate(data)

    syria = [coded("Syria", 1), coded("Iraq", 2), coded("Syria", 3)]
    assert [r.location.country for r in settle(syria, text)] == ["Syria", "Syria", "Syria"]
    assert syria[1].location.country == "Iraq"  # the input records are not changed
    # Named in the text ("Iraqi"), or the others disagree, or nothing to go on: kept.
    assert settle(syria, text.replace("Jets", "Iraqi jets"))[1].location.country == "Iraq"
    split = [coded("Syria", 1), coded("Iraq", 2), coded("Turkey", 3)]
    assert settle(split, text + " Turkey protested.")[1].location.country == "Iraq"
    assert settle([coded("Iraq", 2)], text)[0].location.country == "Iraq"


def test_a_place_the_text_never_names_is_dropped() -> None:
    from llm_extract.core.pieces import settle

    record = load_schema("conflict_events").record
    text = "On 2 May 2020, President Hadi issued a decree that removed the brigade's commander."
    doc = Document.from_text(text)

    def coded(place: str) -> Any:
        data = conflict_answer(evidence=[1])["records"][0]
        data["location"] = {"place": place, "admin1": "Ashanti", "country": "Yemen"}
        with extraction_context(ExtractionContext(doc, SEED_PUBLISHED)):
            return record.model_validate(data)

    (settled,) = settle([coded("Kumasi")], text)  # a worked example's town
    assert settled.location.place is None and settled.location.country == "Yemen"
    (kept,) = settle([coded("Hadi's brigade")], text.replace("the brigade", "Hadi's brigade"))
    assert kept.location.place == "Hadi's brigade"


@pytest.mark.parametrize(
    ("text", "actor1", "expected"),
    [
        ("On 2 May 2019, the OSCE SMM observed 19 projectiles in both directions of the "
         "frontline near Zaitseve.", "Unidentified Armed Group",
         ("Military Forces of Ukraine", "NAF: United Armed Forces of Novorossiya")),
        # A side the model named stays; no front line named, no sides added.
        ("On 2 May 2019, the OSCE SMM observed 19 projectiles in both directions of the "
         "frontline near Zaitseve.", "Azov Battalion",
         ("Azov Battalion", "Unidentified Armed Group")),
        ("On 2 May 2019, the OSCE SMM observed 19 projectiles near Zaitseve.",
         "Unidentified Armed Group", ("Unidentified Armed Group", "Unidentified Armed Group")),
    ],
)  # fmt: skip
def test_fire_across_the_donbas_front_line_has_acleds_two_sides(
    text: str, actor1: str, expected: tuple[str, str]
) -> None:
    from llm_extract.core.pieces import settle

    record = load_schema("conflict_events").record
    data = conflict_answer(evidence=[1])["records"][0]
    data.update(
        sub_event_type="Battles: armed clash",
        event_date="On 2 May 2019",
        location={"place": "Zaitseve", "admin1": None, "country": "Ukraine"},
        actor1={"name": actor1, "category": "Political militia", "associated": []},
        actor2={"name": "Unidentified Armed Group", "category": "Political militia",
                "associated": []},
        source="OSCE SMM",
    )  # fmt: skip
    with extraction_context(ExtractionContext(Document.from_text(text), SEED_PUBLISHED)):
        coded = record.model_validate(data)
    (settled,) = settle([coded], text)
    assert (settled.actor1.name, settled.actor2.name) == expected


@pytest.mark.parametrize(
    ("place", "text", "expected"),
    [
        ("al Sheikhi area", "Gunmen shot a policeman in al Sheikhi area on the outskirts of Abu "
         "Saida in Diyala province.", "Abu Saida"),
        ("As Sirrah", "Tribesmen clashed in As Sirrah area of Lawdar district (Abyan).", "Lawdar"),
        ("Alsancak", "Workers marched in Alsancak neighborhood of Izmir town.", "Izmir"),
        # An area in a province, a village of a district: ACLED codes either way; kept.
        ("Humaymeh", "A landmine went off in the Humaymeh area in Homs.", "Humaymeh"),
        ("Bala Dasht", "A drone strike hit Bala Dasht village of Kajran district.", "Bala Dasht"),
    ],
)  # fmt: skip
def test_a_site_in_a_town_is_coded_as_the_town(place: str, text: str, expected: str) -> None:
    from llm_extract.core.pieces import settle

    record = load_schema("conflict_events").record
    data = conflict_answer(evidence=[1])["records"][0]
    data["location"] = {"place": place, "admin1": None, "country": None}
    with extraction_context(ExtractionContext(Document.from_text(text), SEED_PUBLISHED)):
        coded = record.model_validate(data)
    (settled,) = settle([coded], text)
    assert settled.location.place == expected


@pytest.mark.parametrize(
    ("admin1", "text", "kept"),
    [
        ("Northwestern", "Troops took the key northwestern town of Khan Sheikhoun.", False),
        ("North-West", "Troops took a north-west town, Khan Sheikhoun.", False),
        ("Southern region", "Troops took Khan Sheikhoun in the southern region.", False),
        # Named as a region, with a capital: a province.
        ("Northern", "Troops took Khan Sheikhoun in the Northern Region.", True),
        ("North West", "Gunmen took Khan Sheikhoun, North West.", True),
        # Not a direction: kept whether or not the text names it.
        ("Idlib", "Troops took the key northwestern town of Khan Sheikhoun.", True),
    ],
)
def test_a_direction_written_as_a_plain_word_is_no_province(
    admin1: str, text: str, kept: bool
) -> None:
    from llm_extract.core.pieces import settle

    record = load_schema("conflict_events").record
    data = conflict_answer(evidence=[1])["records"][0]
    data["location"] = {"place": "Khan Sheikhoun", "admin1": admin1, "country": "Syria"}
    with extraction_context(ExtractionContext(Document.from_text(text), SEED_PUBLISHED)):
        coded = record.model_validate(data)
    (settled,) = settle([coded], text)
    assert settled.location.admin1 == (admin1 if kept else None)
    assert settled.location.place == "Khan Sheikhoun"


@pytest.mark.parametrize(
    ("actor2", "source", "text", "kept"),
    [
        # The record's source, and a monitor: it told of the strike, it was not hit.
        ("Syrian opposition activists", "Syrian opposition activists",
         "Syrian opposition activists say regime airstrikes have hit a hospital in Tel Mannas.",
         False),
        # Activists telling of what others did, though the record cites another source.
        ("Syrian opposition activists", "Thiqa news agency",
         "Syrian opposition activists say regime airstrikes have hit a hospital in Tel Mannas.",
         False),
        # An observer mission the text has observing, though the record names no source.
        ("OSCE SMM", None,
         "On 1 May 2020, the OSCE SMM observed a total of 35 explosions near Novooleksandrivka.",
         False),
        # Activists who were arrested are the second actor, even when "activists said" it.
        ("Activists", "Police",
         "Police arrested 5 activists in Minsk. Activists said they were beaten.", True),
        # The source, but not a monitor: police report attacks on police.
        ("Police Forces", "Police Forces", "Police said gunmen attacked a patrol in Zinder.", True),
    ],
)  # fmt: skip
def test_a_monitor_that_only_reports_the_event_is_not_its_second_actor(
    actor2: str, source: str | None, text: str, kept: bool
) -> None:
    from llm_extract.core.pieces import settle

    record = load_schema("conflict_events").record
    data = conflict_answer(evidence=[1], source=source, sub_event_type="Air/drone strike")
    data = data["records"][0]
    del data["event_type"]
    data["actor2"] = {"name": actor2, "category": "External/other forces", "associated": []}
    with extraction_context(ExtractionContext(Document.from_text(text), SEED_PUBLISHED)):
        coded = record.model_validate(data)
    (settled,) = settle([coded], text)
    assert (settled.actor2 is not None) is kept


@pytest.mark.parametrize(
    ("text", "actors"),
    [
        # No force of any kind named: who fired is not known, and no force faced the riot.
        ("On 8 May 2020, one shell fell into the village of Taung Bway.",
         ("Unidentified Armed Group", None)),
        ("Around 6 May 2020, prisoners rioted at the central prison in Port Sudan.",
         ("Unidentified Armed Group", None)),
        # A force named in any words: the generic name stays.
        ("On 8 May 2020, soldiers shelled the village of Taung Bway.",
         ("Military Forces", "Police Forces")),
        ("Houthi reinforcements reportedly arrived at various fronts in Hajjah.",
         ("Military Forces", "Police Forces")),
    ],
)  # fmt: skip
def test_a_generic_state_force_the_text_never_names_is_not_kept(
    text: str, actors: tuple[str, str | None]
) -> None:
    from llm_extract.core.pieces import settle

    record = load_schema("conflict_events").record
    data = conflict_answer(evidence=[1], sub_event_type="Shelling/artillery/missile attack",
                           event_date=None)["records"][0]  # fmt: skip
    del data["event_type"]
    data["actor1"] = {"name": "Military Forces", "category": "State forces", "associated": []}
    data["actor2"] = {"name": "Police Forces", "category": "State forces", "associated": []}
    with extraction_context(ExtractionContext(Document.from_text(text), SEED_PUBLISHED)):
        coded = record.model_validate(data)
    (settled,) = settle([coded], text)
    assert (settled.actor1.name, settled.actor2 and settled.actor2.name) == actors


@pytest.mark.parametrize(
    ("text", "sub_event_type", "actor2"),
    [
        # One kind of group clashing among itself: ACLED names it on both sides.
        ("On 30 April 2020, unidentified tribesmen reportedly clashed in Lawdar over a feud.",
         "Armed clash", "Tribesmen"),
        ("On 30 April 2020, rival clans clashed over land in Lawdar.", "Armed clash",
         "Tribesmen"),
        # The other side is told (or none is): no second actor is made up.
        ("On 30 April 2020, tribesmen clashed with soldiers in Lawdar.", "Armed clash", None),
        ("On 30 April 2020, militants clashed in Lawdar.", "Armed clash", None),
        ("On 30 April 2020, tribesmen clashed in Lawdar.", "Shelling/artillery/missile attack",
         None),
    ],
)  # fmt: skip
def test_a_group_clashing_among_itself_is_on_both_sides(
    text: str, sub_event_type: str, actor2: str | None
) -> None:
    settled = settled_alone(text, sub_event_type, ("Tribesmen", "Identity militia"))
    assert (settled.actor2 and settled.actor2.name) == actor2


@pytest.mark.parametrize(
    ("text", "sub_event_type", "actor2"),
    [
        # Civilians the quotes say were hurt are the strike's second actor.
        ("On 29 April 2020, near Taung Bway, a landmine explosion injured a villager.",
         "Remote explosive/landmine/IED", "Civilians"),
        ("On 8 May 2020, one shell fell on a school in Taung Bway; a teacher and a student were "
         "injured.", "Shelling/artillery/missile attack", "Civilians"),
        # Nobody hurt, or only fighters: no second actor is made up.
        ("On 8 May 2020, two shells hit a house in Taung Bway; no civilians were injured.",
         "Shelling/artillery/missile attack", None),
        ("On 8 May 2020, a shell hit a post in Taung Bway; two soldiers were killed.",
         "Shelling/artillery/missile attack", None),
        # Violence against civilians is done to civilians, whatever the quotes say.
        ("On 8 May 2020, gunmen attacked Taung Bway.", "Attack", "Civilians"),
    ],
)  # fmt: skip
def test_civilians_hurt_are_the_second_actor(
    text: str, sub_event_type: str, actor2: str | None
) -> None:
    settled = settled_alone(text, sub_event_type, ("Unidentified Armed Group", "Political militia"))
    assert (settled.actor2 and settled.actor2.name) == actor2


def settled_alone(text: str, sub_event_type: str, actor1: tuple[str, str]) -> Any:
    """A one-record answer for ``text`` (actor1 ``(name, category)``, no actor2), validated and
    settled against ``text`` as the pipeline settles a document's records."""
    from llm_extract.core.pieces import settle

    record = load_schema("conflict_events").record
    data = conflict_answer(evidence=[1], sub_event_type=sub_event_type,
                           event_date=None)["records"][0]  # fmt: skip
    del data["event_type"]
    data["actor1"] = {"name": actor1[0], "category": actor1[1], "associated": []}
    data["actor2"] = None
    with extraction_context(ExtractionContext(Document.from_text(text), SEED_PUBLISHED)):
        coded = record.model_validate(data)
    (settled,) = settle([coded], text)
    return settled


@pytest.mark.parametrize(
    ("name", "category", "associated", "expected"),
    [
        ("Motorcycle driver", "Civilians", [], ("Civilians", ["Motorcycle driver"])),
        ("Civilians", "Civilians", ["Farmers"], ("Civilians", ["Farmers"])),
        ("Journalists", "Protesters", ["PFUJ", "Media workers"],
         ("Protesters", ["Journalists", "PFUJ"])),
        ("Prisoners", "Rioters", ["prisoners"], ("Rioters", ["Prisoners"])),
        ("Al Shabaab", "Rebel group", [], ("Al Shabaab", [])),  # named groups keep their name
    ],
)  # fmt: skip
def test_civilians_protesters_and_rioters_are_named_by_their_category(
    name: str, category: str, associated: list[str], expected: tuple[str, list[str]]
) -> None:
    actor = sys.modules[load_schema("conflict_events").record.__module__].Actor
    made = actor(name=name, category=category, associated=associated)
    assert (made.name, made.associated) == expected


def test_two_attacks_on_civilians_are_not_one_event_for_that_alone() -> None:
    record = load_schema("conflict_events").record
    doc = Document.from_text("Gunmen shot a driver in Mopti. Soldiers beat a trader in Gao.")

    def coded(actor1: str, category: str, sentence: int) -> Any:
        data = conflict_answer(
            sub_event_type="Violence against civilians: attack", evidence=[sentence],
            location={"place": None, "admin1": None, "country": "Mali"},
            actor1={"name": actor1, "category": category, "associated": []},
            actor2={"name": "Civilians", "category": "Civilians", "associated": []},
        )["records"][0]  # fmt: skip
        del data["event_type"]
        with extraction_context(ExtractionContext(doc, SEED_PUBLISHED)):
            return record.model_validate(data)

    gunmen, soldiers = coded("Gunmen", "Political militia", 1), coded("Soldiers", "State forces", 2)
    assert not gunmen.same_event(soldiers)
    assert gunmen.same_event(coded("Unidentified Armed Group", "Political militia", 2))
