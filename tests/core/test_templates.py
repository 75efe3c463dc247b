from __future__ import annotations

import itertools
import re
from datetime import date
from pathlib import Path

import pytest

from llm_extract import (
    Document,
    Extractor,
    PromptTemplate,
    TemplateError,
    load_schema,
    shipped_schemas,
)
from llm_extract.core.context import ExtractionContext, extraction_context
from tests.fakes import FakeBackend, FakeServer


def test_shipped_templates_render() -> None:
    doc = Document.from_text("Rebels shelled Aleppo on Monday. Two died.")
    for name in ("conflict_events", "plover"):
        schema = load_schema(name)
        messages = PromptTemplate.load(schema.prompt_template).render(doc, schema, date(2020, 1, 1))
        assert messages[0]["role"] == "system"
        assert messages[-1]["role"] == "user"
        assert "[S2] Two died." in messages[-1]["content"]


def test_default_template_lists_field_descriptions() -> None:
    schema = load_schema("plover")
    messages = PromptTemplate.load("default.j2").render(
        Document.from_text("A met B."), schema, None
    )
    assert "source_actor (string): Who acted (the doer)." in messages[0]["content"]
    assert '"ASSAULT"' in messages[0]["content"]


def write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "t.j2"
    path.write_text(body)
    return path


def test_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, "--- system ---\nok\n{% for x in %}\n")
    with pytest.raises(TemplateError, match=r"t\.j2, line 3"):
        PromptTemplate.load(path)


def test_undefined_variable_fails_before_any_call(tmp_path: Path) -> None:
    path = write(tmp_path, "--- system ---\nhello\n--- user ---\n{{ document }}\n{{ nope }}\n")
    server = FakeServer()
    with pytest.raises(TemplateError, match=r"line 5.*'nope' is undefined"):
        Extractor(backend=FakeBackend(server), template=path)
    assert server.requests == []


def test_template_must_show_document(tmp_path: Path) -> None:
    path = write(tmp_path, "--- user ---\nExtract events.\n")
    with pytest.raises(TemplateError, match="never shows the document"):
        Extractor(backend=FakeBackend(FakeServer()), template=path)


def test_sandbox_blocks_unsafe_access(tmp_path: Path) -> None:
    path = write(tmp_path, "--- user ---\n{{ document.__class__.__mro__ }}{{ document }}\n")
    with pytest.raises(TemplateError):
        Extractor(backend=FakeBackend(FakeServer()), template=path)


def test_unknown_template() -> None:
    with pytest.raises(TemplateError, match=r"conflict_events\.j2"):
        PromptTemplate.load("nope.j2")


def test_user_template_is_used(tmp_path: Path) -> None:
    path = write(tmp_path, "--- system ---\nMy rules.\n--- user ---\n{{ document }}\n")
    server = FakeServer().enqueue({"records": []}).enqueue({"records": []})
    Extractor(backend=FakeBackend(server), template=path).extract("Rebels attacked.")
    assert server.requests[0]["messages"][0]["content"] == "My rules."


def test_templates_cannot_mutate_shared_values(tmp_path: Path) -> None:
    path = write(tmp_path, "--- user ---\n{{ schema.fields.append(1) }}{{ document }}\n")
    with pytest.raises(TemplateError, match="SecurityError"):
        Extractor(backend=FakeBackend(FakeServer()), template=path)


@pytest.mark.parametrize("name", shipped_schemas())
def test_worked_examples_in_shipped_templates_are_valid_answers(name: str) -> None:
    """An example the schema would reject teaches the model a wrong answer."""
    schema = load_schema(name)
    template = PromptTemplate.load(schema.prompt_template)
    cues = tuple(cue.name for cue in schema.codebook_cues)  # every cue's example, too
    messages = template.render(Document.from_text("Nothing happened."), schema, None, (), cues)
    plain = template.render(Document.from_text("Nothing happened."), schema, None)
    assert len(messages) > len(plain) or not cues
    for asked, answer in itertools.pairwise(messages):
        if answer["role"] != "assistant":
            continue
        head, body = asked["content"].split("\n", 1)
        example = Document.from_text(re.sub(r"(?m)^\[S\d+\] ", "", body))
        assert example.numbered() == body  # one sentence per line, as shown to the model
        published = date.fromisoformat(head.removeprefix("Published: "))
        with extraction_context(ExtractionContext(example, published)):
            parsed = schema.response_model.model_validate_json(answer["content"])
        assert parsed.records
