"""Batch runs: one bad document never stops the run; reruns resume without duplicates."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from llm_extract import AuthenticationError, Extractor, run_corpus
from tests.conftest import conflict_answer, fast_retrying
from tests.fakes import FakeBackend, FakeServer

GOOD = "Syrian regime forces took full control of Khan Sheikhoun on Wednesday."


def lines(path: Path) -> list[dict[str, object]]:
    return [json.loads(x) for x in path.read_text().splitlines()]


def make_inputs(tmp_path: Path) -> list[Path]:
    folder = tmp_path / "in"
    folder.mkdir(exist_ok=True)
    (folder / "a.txt").write_text(GOOD)
    (folder / "b.txt").write_bytes(b"")  # empty: an error line, not a crash
    (folder / "c.txt").write_text(GOOD.replace("Wednesday", "Tuesday"))
    jsonl = tmp_path / "more.jsonl"
    jsonl.write_text(
        json.dumps({"id": "d", "text": GOOD, "published": "2019-08-21"}) + "\nnot json\n"
    )
    return [folder, jsonl]


def test_bad_documents_do_not_stop_the_run_and_rerun_resumes(tmp_path: Path) -> None:
    server = FakeServer()
    # One document at a time: the queued answers go to the documents in input order.
    ex = Extractor(backend=FakeBackend(server), transport_retries=fast_retrying(0), concurrency=1)
    out = tmp_path / "out.jsonl"
    server.enqueue(conflict_answer())  # a.txt
    server.enqueue(conflict_answer(evidence=[7]))  # c.txt: fails validation 3 times
    server.enqueue(conflict_answer(evidence=[7])).enqueue(conflict_answer(evidence=[7]))
    server.enqueue(conflict_answer())  # d
    summary = run_corpus(ex, make_inputs(tmp_path), out, published="2019-08-21")
    assert (summary.ok, summary.failed, summary.skipped) == (2, 3, 0)
    rows = lines(out)
    assert [r["status"] for r in rows] == ["ok", "error", "error", "ok", "error"]
    assert rows[1]["error"]["type"] == "InputError"
    assert rows[2]["error"]["type"] == "ValidationRetriesExhaustedError"
    assert rows[2]["error"]["attempts"]["validation_reasks"] == 2
    assert rows[4]["error"]["message"].startswith(f"{tmp_path / 'more.jsonl'}:2")
    assert rows[3]["document_id"] == "d"

    # Rerun: ok documents are skipped, failed ones retried, nothing duplicated.
    server.enqueue(conflict_answer())  # c.txt succeeds now
    again = run_corpus(ex, make_inputs(tmp_path), out, published="2019-08-21")
    assert (again.ok, again.failed, again.skipped) == (1, 2, 2)
    ok_ids = [r["document_id"] for r in lines(out) if r["status"] == "ok"]
    assert len(ok_ids) == len(set(ok_ids)) == 3


def test_interrupted_write_is_repaired(tmp_path: Path) -> None:
    server = FakeServer().enqueue(conflict_answer())
    ex = Extractor(backend=FakeBackend(server))
    doc = tmp_path / "a.txt"
    doc.write_text(GOOD)
    out = tmp_path / "out.jsonl"
    out.write_text('{"document_id": "x", "status": "ok", "sha256": "1"}\n{"document_id": "a", "sta')
    summary = run_corpus(ex, [doc], out)
    assert summary.ok == 1
    rows = lines(out)  # every line parses: the torn tail is gone
    assert [r["document_id"] for r in rows] == ["x", str(doc)]


def test_changed_document_is_extracted_again(tmp_path: Path) -> None:
    server = FakeServer().enqueue(conflict_answer()).enqueue(conflict_answer())
    ex = Extractor(backend=FakeBackend(server))
    doc = tmp_path / "a.txt"
    out = tmp_path / "out.jsonl"
    doc.write_text(GOOD)
    run_corpus(ex, [doc], out)
    doc.write_text(GOOD + " Ten fighters died.")
    assert run_corpus(ex, [doc], out).ok == 1
    assert len(lines(out)) == 2


def test_endpoint_failure_stops_the_run(tmp_path: Path) -> None:
    server = FakeServer().enqueue("bad key", status=401)
    ex = Extractor(backend=FakeBackend(server))
    doc = tmp_path / "a.txt"
    doc.write_text(GOOD)
    with pytest.raises(AuthenticationError):
        run_corpus(ex, [doc, doc], tmp_path / "out.jsonl")
