"""Corpus runs (issue 10): settings that travel, one request limit per endpoint shared by every
document, a shared 429 pause, results as they complete, and the response cache."""

from __future__ import annotations

import asyncio
import json
import pickle
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from llm_extract import (
    AuthenticationError,
    Extractor,
    ExtractorSettings,
    Outcome,
    ResponseCache,
    run_corpus,
)
from llm_extract.testing.fault_server import FaultServer, answers_from_cassette
from tests.conftest import ROOT, conflict_answer, fast_retrying, seed_lead
from tests.fakes import FakeBackend, FakeServer, LoopbackServer

SEED_ANSWERS = answers_from_cassette(ROOT / "cassettes/test_wire/test_seed_lead_real.yaml")
PUBLISHED = "2019-08-21"
GOOD = "Syrian regime forces took full control of Khan Sheikhoun on Wednesday."


def seed_docs(n: int, tag: str = "") -> list[tuple[str, str]]:
    text = seed_lead()
    return [(f"{text}\n\nCopy {i}{tag}.", PUBLISHED) for i in range(n)]


def lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(x) for x in path.read_text().splitlines()]


# --- settings that travel ----------------------------------------------------------------


def test_settings_and_records_pickle(fake: FakeServer) -> None:
    settings = ExtractorSettings(base_url="http://127.0.0.1:9/v1", model="m", concurrency=16)
    assert pickle.loads(pickle.dumps(settings)) == settings
    extractor = Extractor.from_settings(settings)
    assert extractor.settings == settings and extractor.concurrency == 16
    assert extractor.backend.base_url == "http://127.0.0.1:9/v1"
    # A record of a shipped schema is an instance of an importable class: it pickles.
    fake.enqueue(conflict_answer())
    result = Extractor(backend=FakeBackend(fake)).extract(GOOD, published=PUBLISHED)
    record = result.records[0]
    assert type(record).__module__ == "llm_extract.domains.conflict.schema"
    again = pickle.loads(pickle.dumps(record))
    assert again == record and type(again) is type(record)
    assert pickle.loads(pickle.dumps(result)).records == result.records


def test_settings_from_env_and_masked_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-secret")
    s = ExtractorSettings.from_env(model="m", concurrency=None)
    assert (s.base_url, s.api_key, s.concurrency) == ("http://127.0.0.1:9/v1", "sk-secret", 4)
    assert s.as_dict()["api_key"] == "***"
    with pytest.raises(Exception, match="concurrency must be 1 or more"):
        ExtractorSettings(concurrency=0)


# --- the shared limit --------------------------------------------------------------------


def test_one_limit_shared_by_documents_and_chunks() -> None:
    # Long documents (3 chunks each) and short ones, 6 documents at once, 3 requests at once.
    long_text = " ".join(f"Sentence number {i} says nothing of note here." for i in range(40))
    docs = [long_text + f" End {i}." for i in range(3)] + [f"Short {i}." for i in range(3)]
    with FaultServer(SEED_ANSWERS, latency=0.15) as srv:  # long enough for requests to overlap
        ex = Extractor(base_url=srv.url, model="m", chunk_chars=600, concurrency=3)
        outcomes = list(ex.extract_many(docs, concurrency=3))
        assert srv.stats()["peak_in_flight"] == 3 == ex.gate.peak
    assert sorted(o.index for o in outcomes) == list(range(6))
    assert all(isinstance(o, Outcome) and o.document is not None for o in outcomes)


def test_results_arrive_as_they_complete_sync_and_async() -> None:
    with FaultServer(SEED_ANSWERS) as srv:
        ex = Extractor(base_url=srv.url, model="m", concurrency=4)
        sync = list(ex.extract_many(seed_docs(6)))

        async def collect() -> list[Outcome]:
            return [o async for o in ex.aextract_many(seed_docs(6, "b"))]

        both = sync + asyncio.run(collect())
    assert all(o.result is not None and o.result.records for o in both)
    assert sorted(o.index for o in both) == sorted(list(range(6)) * 2)


def test_a_429_with_retry_after_pauses_every_worker() -> None:
    fake, times = FakeServer(), []
    handler = fake.handler

    def timed(request: Any) -> Any:
        times.append(time.monotonic())
        time.sleep(0.02)
        return handler(request)

    fake.handler = timed  # type: ignore[method-assign]
    fake.responder = lambda body: conflict_answer()
    fake.enqueue(status=429, headers={"retry-after-ms": "1000"})  # the very first request
    with LoopbackServer(fake) as srv:
        ex = Extractor(base_url=srv.url, model="m", concurrency=4, retry_wait=0.0)
        docs = [f"{GOOD} Copy {i}." for i in range(12)]
        outcomes = list(ex.extract_many(docs, published=PUBLISHED))
    assert all(o.result is not None for o in outcomes) and ex.gate.pauses == 1
    during = [round(t - times[0], 3) for t in times[1:] if t - times[0] < 0.9]
    # Only requests already on their way when the 429 came back (the 3 other workers', and
    # under load one or two whose worker looked before the pause was set) land inside the
    # pause; without a shared pause all 11 others do. One shared backoff.
    assert len(during) <= 5, during
    assert len(times) == 13


# --- per-document failures and fatal errors ----------------------------------------------


def test_permanent_validation_failure_ends_as_a_line_and_others_finish(tmp_path: Path) -> None:
    fake = FakeServer()
    fake.responder = lambda body: (
        conflict_answer(evidence=[7])  # evidence out of range: never valid
        if "ALWAYS-BAD" in json.dumps(body)
        else conflict_answer()
    )
    docs = tmp_path / "docs.jsonl"
    rows = [{"id": f"d{i}", "text": GOOD + (" ALWAYS-BAD." if i == 2 else f" N{i}.")}
            for i in range(8)]  # fmt: skip
    docs.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    ex = Extractor(backend=FakeBackend(fake), concurrency=4, validation_retries=2)
    out = tmp_path / "out.jsonl"
    summary = run_corpus(ex, [docs], out, published=PUBLISHED)
    by_id = {r["document_id"]: r for r in lines(out)}
    assert sorted(by_id) == [f"d{i}" for i in range(8)] and len(lines(out)) == 8
    assert by_id["d2"]["status"] == "error"
    assert by_id["d2"]["error"]["attempts"]["validation_reasks"] == 2
    assert (summary.ok, summary.failed) == (7, 1)
    assert summary.to_json_dict()["validation_reasks"] == 2


def test_auth_error_stops_the_run_and_keeps_what_was_written(tmp_path: Path) -> None:
    fake, lock, count = FakeServer(), threading.Lock(), [0]

    def answer(body: dict[str, Any]) -> Any:
        with lock:
            count[0] += 1
            return conflict_answer() if count[0] <= 3 else 401

    fake.responder = answer
    docs = tmp_path / "docs.jsonl"
    docs.write_text("".join(json.dumps({"id": f"d{i}", "text": f"{GOOD} N{i}."}) + "\n"
                            for i in range(40)))  # fmt: skip
    ex = Extractor(backend=FakeBackend(fake), concurrency=1, transport_retries=fast_retrying(0))
    out = tmp_path / "out.jsonl"
    with pytest.raises(AuthenticationError, match="rejected the API key") as stopped:
        run_corpus(ex, [docs], out, published=PUBLISHED)
    assert stopped.value.summary.ok == 3  # type: ignore[attr-defined]  # the summary so far
    written = lines(out)
    assert [r["status"] for r in written] == ["ok"] * 3
    assert count[0] < 40  # stopped at once, not after every document


# --- the response cache ------------------------------------------------------------------


def test_cache_second_run_sends_nothing_and_a_change_resends_only_it(tmp_path: Path) -> None:
    cache = tmp_path / "responses.sqlite"
    docs = tmp_path / "docs.jsonl"
    text = seed_lead()
    rows = [{"id": f"d{i}", "text": f"{text}\n\nCopy {i}.", "published": PUBLISHED}
            for i in range(6)]  # fmt: skip
    docs.write_text("".join(json.dumps(r) + "\n" for r in rows))
    with FaultServer(SEED_ANSWERS, cache_path=cache) as srv:
        ex = Extractor(base_url=srv.url, model="m", concurrency=4, cache=cache)
        first = run_corpus(ex, [docs], tmp_path / "one.jsonl")
        sent = srv.stats()["requests"]
        assert first.ok == 6 and sent == 6 and len(ResponseCache(cache)) == 6
        # Same corpus, new output file: every answer comes from the cache.
        again = run_corpus(ex, [docs], tmp_path / "two.jsonl")
        assert again.ok == 6 and srv.stats()["requests"] == sent
        data = again.to_json_dict()
        assert (data["requests"], data["cache_hits"], data["tokens"]["total"]) == (0, 6, 0)
        assert [r["records"] for r in lines(tmp_path / "two.jsonl")] == [
            r["records"] for r in lines(tmp_path / "one.jsonl")
        ]
        # One document edited: exactly its request is sent again.
        rows[3]["text"] += " Edited."
        docs.write_text("".join(json.dumps(r) + "\n" for r in rows))
        third = run_corpus(ex, [docs], tmp_path / "three.jsonl")
        assert third.ok == 6 and srv.stats()["requests"] == sent + 1
        assert srv.stats()["sent_while_cached"] == 0


def test_cli_run_writes_summary_and_uses_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from llm_extract.cli.main import app

    docs = tmp_path / "docs.jsonl"
    text = seed_lead()
    docs.write_text("".join(json.dumps({"id": f"d{i}", "text": f"{text}\n\nCopy {i}."}) + "\n"
                            for i in range(5)))  # fmt: skip
    monkeypatch.setenv("LLM_EXTRACT_CACHE", str(tmp_path / "c.sqlite"))
    with FaultServer(SEED_ANSWERS) as srv:
        wire = ["--base-url", srv.url, "--model", "m", "--published", PUBLISHED]
        for name in ("a", "b"):
            out = tmp_path / f"{name}.jsonl"
            res = CliRunner().invoke(
                app, ["extract", str(docs), "-o", str(out), "--concurrency", "8", *wire]
            )
            assert res.exit_code == 0, res.stderr
            summary = json.loads((tmp_path / f"{name}.summary.json").read_text())
            assert summary["documents"] == {"ok": 5, "partial": 0, "failed": 0, "skipped": 0}
        assert srv.stats()["requests"] == 5  # the second run came from the cache
    assert (summary["requests"], summary["cache_hits"]) == (0, 5)
    assert "5 ok, 0 failed, 0 already done" in res.stderr and "5 cache hits" in res.stderr
    quiet = CliRunner().invoke(
        app, ["extract", str(docs), "-o", str(tmp_path / "q.jsonl"), "--quiet", *wire]
    )
    assert quiet.exit_code == 0 and quiet.stderr.strip() == ""  # and the server is gone


# --- inputs and tables -------------------------------------------------------------------


ACLED_COLUMNS = ["event_date", "event_type", "sub_event_type", "actor1", "assoc_actor_1",
                 "inter1", "actor2", "assoc_actor_2", "inter2", "location", "admin1",
                 "country", "fatalities", "notes", "source"]  # fmt: skip


def _cli(*args: str) -> Any:
    from typer.testing import CliRunner

    from llm_extract.cli.main import app

    return CliRunner().invoke(app, ["extract", *args])


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_csv_input_to_a_table_with_acled_columns(tmp_path: Path, fmt: str) -> None:
    if fmt == "parquet":
        pytest.importorskip("pyarrow", reason="parquet output needs the [parquet] extra")
    text = seed_lead().replace('"', "'")
    corpus = tmp_path / "news.csv"
    corpus.write_text(
        "story,body,desk\n" + "".join(f's{i},"{text} Copy {i}.",desk{i}\n' for i in range(3))
    )
    out = tmp_path / f"events.{fmt}"
    with FaultServer(SEED_ANSWERS) as srv:
        res = _cli(str(corpus), "-o", str(out), "--text-column", "body", "--id-column", "story",
                   "--base-url", srv.url, "--model", "m", "--published", PUBLISHED)  # fmt: skip
    assert res.exit_code == 0, res.stderr
    log = lines(tmp_path / "events.jsonl")  # the resumable log beside the table
    assert sorted(r["document_id"] for r in log) == ["s0", "s1", "s2"]
    assert log[0]["metadata"]["desk"].startswith("desk")
    if fmt == "csv":
        import csv

        with out.open(newline="") as f:
            table = list(csv.DictReader(f))
    else:
        import pyarrow.parquet as pq

        table = pq.read_table(out).to_pylist()
    assert len(table) == 3 and {r["document_id"] for r in table} == {"s0", "s1", "s2"}
    row = table[0]
    assert list(row)[:3] == ["document_id", "record", "status"]
    assert all(c in row for c in [*ACLED_COLUMNS, "evidence_start", "evidence_end", "desk"])
    assert (str(row["event_date"]), row["inter1"], row["location"]) == (
        "2019-08-21",
        "State forces",
        "Khan Sheikhoun",
    )
    assert str(row["evidence_start"]) == "0" and row["notes"]


def test_stdin_jsonl_and_a_missing_text_column(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from llm_extract.cli.main import app

    text = seed_lead()
    stdin = "".join(json.dumps({"id": f"x{i}", "text": f"{text} {i}"}) + "\n" for i in range(2))
    out = tmp_path / "out.jsonl"
    with FaultServer(SEED_ANSWERS) as srv:
        wire = ["--base-url", srv.url, "--model", "m", "--published", PUBLISHED]
        res = CliRunner().invoke(app, ["extract", "-", "-o", str(out), *wire], input=stdin)
        assert res.exit_code == 0, res.stderr
        assert sorted(r["document_id"] for r in lines(out)) == ["x0", "x1"]
        bad = tmp_path / "bad.csv"
        bad.write_text("id,story\n1,Some text here.\n")
        res = _cli(str(bad), "-o", str(tmp_path / "b.jsonl"), *wire)
    assert res.exit_code == 2 and "has no column 'text' (columns: id, story)" in res.stderr
    assert "--text-column" in res.stderr


# --- rate limits -------------------------------------------------------------------------


def test_rate_limit_spaces_requests_and_tokens() -> None:
    from llm_extract.wire.limits import RateLimit, parse_rate_limit

    now, sleeps = [0.0], []

    def sleep(s: float) -> None:
        sleeps.append(round(s, 3))
        now[0] += s

    rate = RateLimit(120, None, clock=lambda: now[0], sleep=sleep)  # 2 a second
    for _ in range(4):
        rate.take(0)
    assert sleeps == [0.5, 0.5]  # a burst of one second's worth, then every half second
    sleeps.clear()
    tokens = RateLimit(None, 6000, clock=lambda: now[0], sleep=sleep)  # 100 a second
    tokens.take(6000)  # the whole minute's bucket
    tokens.settle(6000, 1000)  # the answer used only 1000: 5000 come back
    tokens.take(5000)
    assert sleeps == []
    tokens.take(200)
    assert sleeps == [2.0]
    assert parse_rate_limit("600rpm, 90000tpm") == (600.0, 90000.0)
    with pytest.raises(Exception, match=r"e\.g\. --rate-limit 600rpm,90000tpm"):
        parse_rate_limit("fast")


def test_cli_rate_limit_holds_requests_per_minute(tmp_path: Path) -> None:
    docs = tmp_path / "docs.jsonl"
    text = seed_lead()
    docs.write_text("".join(json.dumps({"id": f"d{i}", "text": f"{text} {i}"}) + "\n"
                            for i in range(4)))  # fmt: skip
    times: list[float] = []
    with FaultServer(SEED_ANSWERS) as srv:
        handler = srv.draw

        def timed(body: bytes) -> Any:
            times.append(time.monotonic())
            return handler(body)

        srv.draw = timed  # type: ignore[method-assign]
        res = _cli(str(docs), "-o", str(tmp_path / "o.jsonl"), "--rate-limit", "120rpm",
                   "--concurrency", "4", "--base-url", srv.url, "--model", "m",
                   "--published", PUBLISHED)  # fmt: skip
    assert res.exit_code == 0, res.stderr
    # 2 a second: a burst of 2, then one every half second (not 4 at once). Measured where the
    # server reads each request, so a loaded machine's late first arrival shortens the gaps.
    since = [t - times[0] for t in times]
    assert len(times) == 4 and since[2] > 0.25 and since[3] > 0.75, since


def test_settings_or_arguments_not_both() -> None:
    with pytest.raises(Exception, match="got settings= and separate arguments"):
        Extractor(settings=ExtractorSettings(base_url="http://127.0.0.1:9/v1"), model="m")


def test_plain_progress_lines(capsys: pytest.CaptureFixture[str]) -> None:
    from llm_extract.cli.corpus import PlainReporter

    reporter = PlainReporter(every=0.0)
    reporter.start(3, 0)
    ok = {"status": "ok", "source": "a", "records": [1, 2],
          "usage": {"total_tokens": 120}, "attempts": {"cache_hits": 1, "requests": 0}}  # fmt: skip
    reporter.result(ok)
    reporter.result({"status": "error", "source": "b", "error": {"message": "boom."}})
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith("1/3 documents (0 failed, 1 cached), 2 records, 120 tokens")
    assert err[1] == "failed b: boom." and err[2].startswith("2/3 documents (1 failed, 1 cached)")


def test_cache_shared_by_threads_and_processes(tmp_path: Path) -> None:
    import multiprocessing
    from concurrent.futures import ThreadPoolExecutor

    path = tmp_path / "shared.sqlite"

    def write(tag: str) -> None:
        cache = ResponseCache(path)
        for i in range(100):
            cache.put("http://e/v1", f"{tag}-{i}", b'{"choices": [1]}')
            assert cache.get("http://e/v1", f"{tag}-{i}") == b'{"choices": [1]}'

    context = multiprocessing.get_context("fork")
    procs = [context.Process(target=write, args=(f"p{n}",)) for n in range(2)]
    for proc in procs:
        proc.start()
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(write, [f"t{n}" for n in range(4)]))
    for proc in procs:
        proc.join(30)
    assert [proc.exitcode for proc in procs] == [0, 0]
    assert len(ResponseCache(path)) == 600  # WAL + busy timeout: no write was lost


def test_cached_json_schema_is_what_generating_it_gives() -> None:
    from pydantic import BaseModel, create_model

    from llm_extract import load_schema

    model = load_schema("conflict_events").response_model
    fresh = BaseModel.model_json_schema.__func__  # type: ignore[attr-defined]
    assert model.model_json_schema() == fresh(model)
    # instructor's per-call wrapper (same name, docstring and fields) gets the same schema.
    wrapper = create_model(model.__name__, __base__=model, __doc__=model.__doc__)
    assert wrapper.model_json_schema() == fresh(wrapper) == fresh(model)
    other = create_model("Other", __base__=model, extra=(int, 0))
    assert "extra" in other.model_json_schema()["properties"]  # a real subclass: its own
    mine = model.model_json_schema()
    mine["title"] = "changed"  # a caller's copy: the cache is untouched
    assert model.model_json_schema()["title"] != "changed"


def test_progress_bar_counts() -> None:
    from llm_extract.cli.corpus import BarReporter, reporter_for

    bar = BarReporter()
    bar.start(2, 1)
    bar.result({"status": "partial", "source": "a", "records": [1], "failed_chunks": [{}],
                "usage": {"total_tokens": 5}, "attempts": {"requests": 1}})  # fmt: skip
    bar.close()
    task = bar.progress.tasks[0]
    assert (task.total, task.completed, bar.failed, bar.records) == (2, 1, 1, 1)
    assert "records 1" in task.fields["stats"]
    assert type(reporter_for(quiet=True)).__name__ == "Reporter"  # --quiet: shows nothing
