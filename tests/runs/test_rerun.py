"""Reruns that notice what changed: a resume into an output written by another model, schema,
template, strategy or request setting stops and names the change; ``redo`` re-extracts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from llm_extract import Extractor, OutputFileError, run_corpus
from llm_extract.cli.main import app
from llm_extract.core.templates import shipped_templates
from tests.conftest import conflict_answer, fast_retrying
from tests.fakes import FakeBackend, FakeServer

GOOD = "Syrian regime forces took full control of Khan Sheikhoun on Wednesday."


def corpus(tmp_path: Path, n: int = 2) -> Path:
    path = tmp_path / "docs.jsonl"
    path.write_text("".join(json.dumps({"id": f"d{i}", "text": GOOD}) + "\n" for i in range(n)))
    return path


def extractor(server: FakeServer, model: str = "m1", **options: object) -> Extractor:
    return Extractor(
        backend=FakeBackend(server, model=model), transport_retries=fast_retrying(0),
        concurrency=1, **options,  # type: ignore[arg-type]
    )  # fmt: skip


def answered(server: FakeServer) -> FakeServer:
    server.responder = lambda request: conflict_answer()
    return server


def lines(path: Path) -> list[dict[str, object]]:
    return [json.loads(x) for x in path.read_text().splitlines()]


def test_every_line_says_what_made_it(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    run_corpus(extractor(answered(FakeServer())), [corpus(tmp_path)], out, published="2019-08-21")
    runs = [row["run"] for row in lines(out)]
    assert runs[0] == runs[1]
    assert isinstance(runs[0], dict)
    assert runs[0]["model"] == "m1" and runs[0]["schema"] == "conflict_events"
    assert runs[0]["strategy"] == "single"  # the default for a backend with no context window
    assert runs[0]["template"].startswith("conflict_events.j2@")


def test_another_model_stops_the_resume_and_names_the_change(tmp_path: Path) -> None:
    out, docs = tmp_path / "out.jsonl", corpus(tmp_path)
    run_corpus(extractor(answered(FakeServer())), [docs], out, published="2019-08-21")
    before = out.read_text()
    server = answered(FakeServer())
    with pytest.raises(OutputFileError) as e:
        run_corpus(extractor(server, model="m2"), [docs], out, published="2019-08-21")
    assert "model: 'm1' -> 'm2'" in str(e.value) and "2 document(s)" in str(e.value)
    assert "--redo" in str(e.value) and "new -o" in str(e.value)
    assert out.read_text() == before and server.requests == []  # nothing sent, nothing lost


def test_redo_replaces_the_old_lines(tmp_path: Path) -> None:
    out, docs = tmp_path / "out.jsonl", corpus(tmp_path)
    run_corpus(extractor(answered(FakeServer())), [docs], out, published="2019-08-21")
    server = answered(FakeServer())
    summary = run_corpus(
        extractor(server, model="m2"), [docs], out, published="2019-08-21", redo=True
    )
    assert (summary.ok, summary.skipped) == (2, 0) and len(server.requests) == 2
    rows = lines(out)
    assert [r["document_id"] for r in rows] == ["d0", "d1"]  # one line per document
    assert {r["run"]["model"] for r in rows} == {"m2"}  # type: ignore[index]
    assert not list(tmp_path.glob(".*compact"))
    # And the redone output now resumes with m2.
    again = run_corpus(extractor(server, model="m2"), [docs], out, published="2019-08-21")
    assert (again.ok, again.skipped) == (0, 2)


def test_an_edited_template_is_a_different_run(tmp_path: Path) -> None:
    out, docs = tmp_path / "out.jsonl", corpus(tmp_path)
    template = tmp_path / "conflict_events.j2"
    template.write_text(shipped_templates()["conflict_events.j2"].read_text())
    run_corpus(extractor(answered(FakeServer()), template=template), [docs], out,
               published="2019-08-21")  # fmt: skip
    template.write_text(template.read_text() + "\n{# an edit #}\n")
    with pytest.raises(OutputFileError, match=r"template: 'conflict_events\.j2@"):
        run_corpus(extractor(answered(FakeServer()), template=template), [docs], out,
                   published="2019-08-21")  # fmt: skip


def test_settings_that_do_not_change_a_request_still_resume(tmp_path: Path) -> None:
    out, docs = tmp_path / "out.jsonl", corpus(tmp_path)
    run_corpus(extractor(answered(FakeServer())), [docs], out, published="2019-08-21")
    ex = Extractor(backend=FakeBackend(answered(FakeServer()), model="m1"), concurrency=4,
                   timeout=5.0, transport_retries=fast_retrying(2))  # fmt: skip
    summary = run_corpus(ex, [docs], out, published="2019-08-21")
    assert (summary.ok, summary.skipped) == (0, 2)


def test_lines_from_an_older_version_are_not_passed_off_as_this_run(tmp_path: Path) -> None:
    out, docs = tmp_path / "out.jsonl", corpus(tmp_path, n=1)
    run_corpus(extractor(answered(FakeServer())), [docs], out, published="2019-08-21")
    row = lines(out)[0]
    del row["run"]
    out.write_text(json.dumps(row) + "\n")
    with pytest.raises(OutputFileError, match="older llm-extract"):
        run_corpus(extractor(answered(FakeServer())), [docs], out, published="2019-08-21")


def test_cli_refuses_an_output_it_cannot_write(tmp_path: Path) -> None:
    res = CliRunner().invoke(app, ["extract", str(corpus(tmp_path)), "-o",
                                   str(tmp_path / "x.xlsx")])  # fmt: skip
    assert res.exit_code != 0
    assert "not .xlsx" in res.stderr and "x.jsonl" in res.stderr
    assert not (tmp_path / "x.xlsx").exists()
