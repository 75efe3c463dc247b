from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from llm_extract import Document, SchemaError, load_schema, shipped_schemas
from llm_extract.context import ExtractionContext, extraction_context
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
        # Codebook meaning, said in the prompt's codes (the message is the re-ask).
        with pytest.raises(ValidationError, match='"Protests: excessive force"'):
            record.model_validate({**peaceful, "fatalities": [2]})
        civilians = {"name": "Civilians", "category": "Civilians", "associated": []}
        with pytest.raises(ValidationError, match='"Violence against civilians: attack"'):
            record.model_validate({**data, "actor2": civilians})
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
