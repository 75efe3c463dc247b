"""Long documents: whole-sentence chunks with overlap, offsets mapped back, duplicates merged,
failed chunks reported (never dropped silently), sync threads and async alike."""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path
from typing import Any

import pytest

from llm_extract import Document, ExtractionFailedError, Extractor, run_corpus
from llm_extract.core.pieces import split_chunks
from tests.conftest import fast_retrying
from tests.fakes import FakeBackend, FakeServer

TOWNS = ["Amara", "Bekoji", "Chiro", "Dilla", "Ejere", "Fiche"]


def long_document() -> str:
    """Six short invented reports run together, as a wire round-up would print them."""
    parts = [
        f"Police dispersed a protest by traders in {town} on Monday. "
        f"Witnesses said about {40 + i} people took part, and the market stayed shut."
        for i, town in enumerate(TOWNS)
    ]
    return "\n".join(parts)


def answer_from_prompt(body: dict[str, Any]) -> Any:
    """Answer like a careful model: one record per [S#] line that names a protest town."""
    records = []
    for number, town in re.findall(r"\[S(\d+)\] Police dispersed a protest by traders in (\w+)",
                                   body["messages"][-1]["content"]):  # fmt: skip
        records.append({
            "event_type": "Protests", "sub_event_type": "Protest with intervention",
            "event_date": "on Monday",
            "location": {"place": town, "admin1": None, "country": None},
            "actor1": {"name": "Protesters", "category": "Protesters", "associated": ["Traders"]},
            "actor2": {"name": "Police", "category": "State forces", "associated": []},
            "fatalities": None, "source": None,
            "summary": f"Police dispersed traders protesting in {town}.",
            "evidence": [int(number)],
        })  # fmt: skip
    return {"records": records}


def make(server: FakeServer, **kw: Any) -> Extractor:
    return Extractor(
        "conflict_events",
        backend=FakeBackend(server),
        transport_retries=fast_retrying(0),
        chunk_chars=300,
        **kw,
    )


def test_chunks_are_whole_sentences_that_overlap_and_cover_the_text() -> None:
    doc = Document.from_text(long_document())
    chunks = split_chunks(doc, 300, overlap=1)
    assert len(chunks) > 3
    for chunk in chunks:
        assert chunk.document.text == doc.text[chunk.start : chunk.end]
        assert len(chunk.document.text) <= 300
    for before, after in itertools.pairwise(chunks):
        assert after.start < before.end  # one sentence repeated across the cut
    covered = {s.id for s in doc.sentences for c in chunks if c.start <= s.start < c.end}
    assert covered == {s.id for s in doc.sentences}
    assert split_chunks(doc, 10_000) == [split_chunks(doc, 10_000)[0]]  # short: one chunk


def test_a_long_sentence_stands_alone_rather_than_being_cut() -> None:
    doc = Document.from_text("Short one. " + "A very long sentence " * 30 + "ends. Last one.")
    chunks = split_chunks(doc, 200, overlap=0)
    assert [c.document.text[:5] for c in chunks] == ["Short", "A ver", "Last "]


def check_records(result: Any, text: str) -> None:
    assert sorted(r.location.place for r in result.records) == TOWNS  # duplicates merged
    whole = Document.from_text(text)
    for record in result.records:
        (ev,) = record.evidence
        assert text[ev.start : ev.end] == ev.quote  # offsets are into the whole document
        assert record.location.place in ev.quote
        assert whole.sentences[ev.sentence - 1].start == ev.start


def test_long_document_is_extracted_by_chunks_and_merged() -> None:
    server = FakeServer()
    server.responder = answer_from_prompt
    text = long_document()
    result = make(server).extract(text, published="2024-03-06")
    assert result.chunks == len(server.requests) > 3
    assert result.complete and result.failed_chunks == []
    check_records(result, text)
    assert result.usage.prompt_tokens == 100 * result.chunks  # summed over chunks
    assert result.attempts.requests == result.chunks


async def test_async_chunks_run_concurrently_with_the_same_result() -> None:
    server = FakeServer()
    server.responder = answer_from_prompt
    text = long_document()
    extractor = make(server, chunk_concurrency=3)
    result = await extractor.aextract(text, published="2024-03-06")
    check_records(result, text)


def test_a_failed_chunk_is_reported_and_the_rest_kept() -> None:
    server = FakeServer()
    server.responder = lambda body: (
        500 if "Chiro" in body["messages"][-1]["content"] else answer_from_prompt(body)
    )
    text = long_document()
    result = make(server).extract(text, published="2024-03-06")
    assert not result.complete
    failed = result.failed_chunks
    assert failed and all("Chiro" in text[f.start : f.end] for f in failed)
    assert failed[0].error["type"] == "TransportRetriesExhaustedError"
    places = {r.location.place for r in result.records}
    assert places == set(TOWNS) - {"Chiro"}
    assert result.to_json_dict()["failed_chunks"][0]["index"] == failed[0].index


def test_every_chunk_failing_raises() -> None:
    server = FakeServer()
    server.responder = lambda body: {"records": "not a list"}
    with pytest.raises(ExtractionFailedError, match=r"All \d+ chunks"):
        make(server, validation_retries=0).extract(long_document())


def test_batch_marks_partial_documents_and_a_rerun_retries_them(tmp_path: Path) -> None:
    server = FakeServer()
    server.responder = lambda body: (
        500 if "Chiro" in body["messages"][-1]["content"] else answer_from_prompt(body)
    )
    source = tmp_path / "roundup.txt"
    source.write_text(long_document(), encoding="utf-8")
    out = tmp_path / "out.jsonl"
    summary = run_corpus(make(server), [source], out, published="2024-03-06")
    assert summary.failed == 1 and "chunks" in summary.failures[0]
    server.responder = answer_from_prompt  # the server recovers
    summary = run_corpus(make(server), [source], out, published="2024-03-06")
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["status"] for r in rows] == ["partial", "ok"] and summary.ok == 1
    assert len(rows[-1]["records"]) == len(TOWNS)


def test_a_failed_chunks_requests_count_in_attempts_as_in_usage() -> None:
    server = FakeServer()
    invalid = {"records": [{"sub_event_type": "Protests: peaceful"}]}  # fails every re-ask
    server.responder = lambda body: (
        invalid if "Chiro" in json.dumps(body["messages"]) else answer_from_prompt(body)
    )
    result = make(server, validation_retries=1).extract(long_document(), published="2024-03-06")
    assert result.failed_chunks
    # Every fake response reports 120 tokens: usage and attempts count the same requests.
    assert result.attempts.requests == len(server.requests) == result.usage.total_tokens // 120
    assert result.attempts.validation_reasks >= len(result.failed_chunks)


def test_cli_progress_line_for_a_partial_document(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from llm_extract.cli.main import app
    from tests.fakes import LoopbackServer

    server = FakeServer()
    server.responder = lambda body: (
        500 if "Chiro" in body["messages"][-1]["content"] else answer_from_prompt(body)
    )
    source = tmp_path / "big.txt"
    source.write_text(long_document(), encoding="utf-8")
    monkeypatch.setattr("llm_extract.api.transport_retrying", fast_retrying)
    with LoopbackServer(server) as srv:
        res = CliRunner().invoke(app, [
            "extract", str(source), "-o", str(tmp_path / "out.jsonl"), "--chunk-chars", "300",
            "--transport-retries", "0", "--published", "2024-03-06",
            "--base-url", srv.url, "--model", "m",
        ])  # fmt: skip
    assert res.exit_code == 5
    assert f"partial {source}: " in res.stderr  # not "partialbig.txt"
