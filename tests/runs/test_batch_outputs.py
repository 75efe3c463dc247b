"""Batch files like ``extract``: prepare reads inputs with the same column options, collect
refuses an output another run wrote (or redoes it), and writes the tables ``-o`` names."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from llm_extract import OutputFileError, run_corpus
from llm_extract.runs.batch_api import BatchState, collect, prepare, state_path
from tests.conftest import seed_lead
from tests.fakes import FakeBackend, FakeServer
from tests.runs.test_batchfiles import (
    PUBLISHED,
    SEED_ANSWER,
    Extractor,
    answer,
    corpus,
    lines,
    result_line,
    runner,
)
from tests.runs.test_batchfiles import app as cli


def extractor(model: str) -> Extractor:
    fake = FakeServer()
    fake.responder = lambda request: SEED_ANSWER["choices"][0]["message"]["content"]
    return Extractor(backend=FakeBackend(fake, model=model), strategy="single")


def prepared(tmp_path: Path, model: str, n: int = 2) -> tuple[Extractor, list[dict[str, str]]]:
    ex = extractor(model)
    done = prepare(ex, [corpus(tmp_path, n)], tmp_path / "requests.jsonl")
    return ex, [result_line(x["custom_id"], answer()) for x in lines(done.files[0])]


def test_collect_into_another_runs_output_is_refused_naming_the_change(tmp_path: Path) -> None:
    output = tmp_path / "events.jsonl"
    with extractor("m1") as live:
        run_corpus(live, [corpus(tmp_path, 2)], output)
    before = output.read_text()
    ex, results = prepared(tmp_path, "m2")
    with ex, pytest.raises(OutputFileError) as e:
        collect(ex, results, output, state=state_path(tmp_path / "requests.jsonl"))
    assert "model: 'm1' -> 'm2'" in str(e.value) and "2 document(s)" in str(e.value)
    assert "--redo" in str(e.value) and "new -o" in str(e.value)
    # Refused before anything was taken in: the output, no state beside it, no next round.
    assert output.read_text() == before and not state_path(output).exists()


def test_collect_with_redo_replaces_the_other_runs_lines(tmp_path: Path) -> None:
    output = tmp_path / "events.jsonl"
    with extractor("m1") as live:
        run_corpus(live, [corpus(tmp_path, 2)], output)
    ex, results = prepared(tmp_path, "m2")
    with ex:
        out = collect(ex, results, output, state=state_path(tmp_path / "requests.jsonl"), redo=True)
    assert out.summary.ok == 2
    rows = lines(output)
    assert [r["document_id"] for r in rows] == ["d0", "d1"]  # one line each: compacted
    assert {r["run"]["model"] for r in rows} == {"m2"}


def test_collect_into_its_own_output_again_is_not_refused(tmp_path: Path) -> None:
    # The same batch, collected twice (the state lost in between): its own lines are its run's.
    output = tmp_path / "events.jsonl"
    ex, results = prepared(tmp_path, "m2")
    with ex:
        collect(ex, results, output, state=state_path(tmp_path / "requests.jsonl"))
        state_path(output).unlink()
        again = collect(ex, results, output, state=state_path(tmp_path / "requests.jsonl"))
    assert again.summary.ok == 0 and len(lines(output)) == 2


def test_cli_collect_to_a_csv_writes_the_tables_in_input_order(tmp_path: Path) -> None:
    requests, results = tmp_path / "requests.jsonl", tmp_path / "results.jsonl"
    res = runner.invoke(cli, ["batch", "prepare", str(corpus(tmp_path, 3)), "-o", str(requests),
                              "--model", "m"])  # fmt: skip
    assert res.exit_code == 0, res.stderr
    answered = [result_line(x["custom_id"], answer()) for x in lines(requests)]
    results.write_text("".join(json.dumps(x) + "\n" for x in reversed(answered)))
    res = runner.invoke(cli, ["batch", "collect", str(results), "-o", str(tmp_path / "events.csv"),
                              "--state", str(state_path(requests))])  # fmt: skip
    assert res.exit_code == 0, res.stderr
    assert [r["document_id"] for r in lines(tmp_path / "events.jsonl")] == ["d0", "d1", "d2"]
    with (tmp_path / "events.documents.csv").open(newline="") as f:
        docs = list(csv.DictReader(f))
    assert [(d["document_id"], d["status"], d["published"]) for d in docs] == [
        (f"d{i}", "ok", PUBLISHED) for i in range(3)
    ]
    with (tmp_path / "events.csv").open(newline="") as f:
        events = list(csv.DictReader(f))
    assert events and events[0]["document_id"] == "d0" and events[0]["evidence_quotes"]
    assert "event rows -> " in res.stderr and (tmp_path / "events.summary.json").exists()


def test_cli_collect_into_another_runs_output_exits_2(tmp_path: Path) -> None:
    output = tmp_path / "events.jsonl"
    with extractor("m1") as live:
        run_corpus(live, [corpus(tmp_path, 1)], output)
    ex, results = prepared(tmp_path, "m2", 1)
    ex.close()
    (tmp_path / "results.jsonl").write_text(json.dumps(results[0]) + "\n")
    kept = state_path(tmp_path / "requests.jsonl")
    state = BatchState.load(kept)
    state.settings.update(model="m2", base_url="http://fake.test/v1")
    state.save(kept)
    res = runner.invoke(cli, ["batch", "collect", str(tmp_path / "results.jsonl"), "-o",
                              str(output), "--state", str(kept)])  # fmt: skip
    assert res.exit_code == 2 and "extracted by a different run" in res.stderr
    assert "--redo" in res.stderr


def test_cli_prepare_takes_the_column_options_of_extract(tmp_path: Path) -> None:
    news = tmp_path / "articles.csv"
    text = seed_lead().replace('"', "'")
    news.write_text(f'story,body,when\ns1,"{text}",2019-08-21T23:30:00-04:00\n', encoding="utf-8")
    requests = tmp_path / "requests.jsonl"
    res = runner.invoke(cli, ["batch", "prepare", str(news), "-o", str(requests), "--model", "m",
                              "--text-column", "body", "--id-field", "story",
                              "--published-column", "when"])  # fmt: skip
    assert res.exit_code == 0, res.stderr
    state = BatchState.load(state_path(requests))
    (doc_id, doc), *_ = state.documents.items()
    assert (doc_id, doc.published, doc.metadata) == ("s1", "2019-08-21", {})
    assert [x["custom_id"] for x in lines(requests)] == ["s1#p0#r1"]
    helped = runner.invoke(cli, ["batch", "prepare", "--help"]).stdout
    assert all(flag in helped for flag in ("--text-column", "--id-column", "--published-column"))
