"""OpenAI-format batch files: prepare -> submit -> status -> collect -> re-ask rounds.

Valid answers are the real recorded answer to the seed lead (cassettes/test_wire); invalid
ones are crafted. The provider is :class:`tests.fakes.FakeBatchApi`, which the real openai SDK
talks to (in memory, or over a loopback port for the CLI).
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import httpx2 as httpx
import openai
import pytest
from typer.testing import CliRunner

from llm_extract import ConfigError, Extractor
from llm_extract.cli.main import app
from llm_extract.runs.batch_api import (
    BatchState,
    Limits,
    collect,
    download_results,
    prepare,
    read_results,
    state_path,
    status,
    submit,
)
from llm_extract.testing.fault_server import answers_from_cassette
from llm_extract.wire.fingerprint import fingerprint
from tests.conftest import ROOT, seed_lead
from tests.fakes import FakeBackend, FakeBatchApi, FakeServer, LoopbackServer

SEED_ANSWER = answers_from_cassette(ROOT / "cassettes/test_wire/test_seed_lead_real.yaml")[-1]
PUBLISHED = "2019-08-21"
CRAFTED_INVALID = '{"records": [{"event_type": "Battles"}]}'
runner = CliRunner()


def corpus(tmp_path: Path, n: int) -> Path:
    path = tmp_path / "corpus.jsonl"
    lines = [
        {"id": f"d{i}", "text": f"{seed_lead()}\n\nCopy {i}.", "published": PUBLISHED}
        for i in range(n)
    ]
    path.write_text("".join(json.dumps(x) + "\n" for x in lines), encoding="utf-8")
    return path


def answer(content: str | None = None, usage: tuple[int, int] = (100, 20)) -> dict[str, Any]:
    """The real recorded answer (or ``content`` in its place), with this usage."""
    body = copy.deepcopy(SEED_ANSWER)
    if content is not None:
        body["choices"][0]["message"]["content"] = content
    body["usage"] = {"prompt_tokens": usage[0], "completion_tokens": usage[1],
                     "total_tokens": sum(usage)}  # fmt: skip
    return body


def copy_of(body: dict[str, Any]) -> int:
    """Which corpus document a request is about."""
    user = next(m["content"] for m in reversed(body["messages"][:8]) if m["role"] == "user")
    return int(user.split("Copy ")[1][0])


def result_line(cid: str, got: Any) -> dict[str, Any]:
    if isinstance(got, Exception):
        return {"custom_id": cid, "response": None, "error": {"message": str(got)}}
    return {"custom_id": cid, "response": {"status_code": 200, "body": got}, "error": None}


def lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(x) for x in path.read_text().splitlines()]


def extractor(fake: FakeServer | None = None, **kw: Any) -> Extractor:
    return Extractor(backend=FakeBackend(fake or FakeServer()), strategy="single", **kw)


def test_batch_request_body_is_the_live_request(tmp_path: Path) -> None:
    fake = FakeServer()
    fake.enqueue(answer()["choices"][0]["message"]["content"])
    with extractor(fake) as live:
        live.extract(f"{seed_lead()}\n\nCopy 0.", published=PUBLISHED, document_id="d0")
        done = prepare(live, [corpus(tmp_path, 1)], tmp_path / "requests.jsonl")
    (line,) = lines(done.files[0])
    assert line["custom_id"] == "d0#p0#r1" and line["method"] == "POST"
    assert line["url"] == "/v1/chat/completions"
    assert fingerprint(line["body"]).digest == fingerprint(fake.requests[0]).digest
    assert "response_format" in line["body"]


def test_prepare_refuses_a_backend_that_answers_in_tool_calls(tmp_path: Path) -> None:
    # collect keeps each answer's message content; a tools-mode answer has none, so every piece
    # would fail at collect time. Refused up front, naming the fix.
    import instructor

    backend = FakeBackend(FakeServer())
    backend.mode = instructor.Mode.TOOLS
    with (
        Extractor(backend=backend, strategy="single") as ex,
        pytest.raises(ConfigError, match="tool call") as refused,
    ):
        prepare(ex, [corpus(tmp_path, 1)], tmp_path / "requests.jsonl")
    assert "extract -o" in (refused.value.fix or "")
    assert not (tmp_path / "requests.jsonl").exists()


def test_prepare_splits_files_at_the_limits(tmp_path: Path) -> None:
    with extractor() as ex:
        by_count = prepare(ex, [corpus(tmp_path, 5)], tmp_path / "r.jsonl", limits=Limits(2))
        size = len(by_count.files[0].read_bytes().splitlines()[0]) + 1
        by_size = prepare(ex, [corpus(tmp_path, 3)], tmp_path / "s.jsonl", limits=Limits(9, size))
    assert [p.name for p in by_count.files] == ["r.jsonl", "r.2.jsonl", "r.3.jsonl"]
    assert [len(lines(p)) for p in by_count.files] == [2, 2, 1]
    assert [p.name for p in by_size.files] == ["s.jsonl", "s.2.jsonl", "s.3.jsonl"]
    state = BatchState.load(state_path(tmp_path / "r.jsonl"))
    assert sorted({r.file for r in state.pending.values()}) == sorted(map(str, by_count.files))


def test_collect_errors_invalid_missing_and_a_reask_round(tmp_path: Path) -> None:
    requests, output = tmp_path / "requests.jsonl", tmp_path / "events.jsonl"
    with extractor(validation_retries=1) as ex:
        prepare(ex, [corpus(tmp_path, 4)], requests)
        first = {0: answer(), 1: answer(CRAFTED_INVALID, (300, 10)), 2: RuntimeError("boom")}
        results = [result_line(x["custom_id"], first[copy_of(x["body"])])
                   for x in lines(requests) if copy_of(x["body"]) in first]  # fmt: skip
        one = collect(ex, results, output, state=state_path(requests), resubmits=0)
        assert (one.answered, one.errors, one.invalid, one.missing) == (3, 1, 1, 1)
        assert one.reasks == 1 and one.next_requests == 1 and one.pending_documents == 1
        (reask,) = lines(tmp_path / "requests.round2.jsonl")
        assert reask["custom_id"] == "d1#p0#r2"
        sent = reask["body"]["messages"]
        assert sent[-2] == {"role": "assistant", "content": CRAFTED_INVALID}
        assert "validation error" in sent[-1]["content"] and sent[-1]["role"] == "user"
        rows = {r["document_id"]: r for r in lines(output)}
        assert rows["d0"]["status"] == "ok" and rows["d0"]["records"]
        assert "boom" in rows["d2"]["error"]["message"]
        assert "no line" in rows["d3"]["error"]["message"]
        # Interrupted after writing the lines but before saving the state: the ok line is
        # not written twice (the output file knows it).
        saved = state_path(output).read_text()
        state_path(output).unlink()
        collect(ex, results, output, state=state_path(requests), resubmits=0)
        assert [r["document_id"] for r in lines(output) if r["status"] == "ok"] == ["d0"]
        state_path(output).write_text(saved)
        output.write_text("".join(json.dumps(r) + "\n" for r in lines(output)[:3]))
        # The same result file again: nothing new, nothing duplicated.
        again = collect(ex, results, output, resubmits=0)
        assert again.answered == 0 and again.ignored == 3 and len(lines(output)) == 3
        # Round 2: the re-ask is answered validly.
        two = collect(ex, [result_line("d1#p0#r2", answer(usage=(150, 30)))], output, resubmits=0)
    assert two.summary.ok == 1 and two.next_requests == 0 and two.pending_documents == 0
    row = lines(output)[-1]
    assert row["document_id"] == "d1" and row["status"] == "ok" and row["records"]
    assert row["usage"]["prompt_tokens"] == 450 and row["usage"]["completion_tokens"] == 40
    assert row["attempts"]["requests"] == 2 and row["attempts"]["validation_reasks"] == 1
    text = row["text"]
    assert all(text[e["start"] : e["end"]] == e["quote"]
               for r in row["records"] for e in r["evidence"])  # fmt: skip


def test_validation_budget_ends_in_an_error_row(tmp_path: Path) -> None:
    requests, output = tmp_path / "requests.jsonl", tmp_path / "events.jsonl"
    unreadable = tmp_path / "bad.jsonl"
    unreadable.write_text('{"id": "nope"}\n')
    with extractor(validation_retries=0) as ex:
        done = prepare(ex, [corpus(tmp_path, 1), unreadable], requests)
        assert (done.documents, done.unreadable, done.requests) == (2, 1, 1)
        bad = [result_line("d0#p0#r1", answer(CRAFTED_INVALID))]
        done = collect(ex, bad, output, state=state_path(requests))
    assert done.next_requests == 0 and done.summary.failed == 2
    row, bad_input = sorted(lines(output), key=lambda r: r["document_id"])
    assert bad_input["document_id"] == "nope" and bad_input["error"]["type"] == "InputError"
    assert row["error"]["type"] == "ValidationRetriesExhaustedError"
    assert row["error"]["last_output"] == CRAFTED_INVALID


def test_sdk_upload_create_retrieve_download(tmp_path: Path) -> None:
    api = FakeBatchApi()
    client = openai.OpenAI(
        base_url="http://fake.test/v1", api_key="sk-fake",
        http_client=httpx.Client(transport=httpx.MockTransport(api.handler)),
    )  # fmt: skip
    requests = tmp_path / "requests.jsonl"
    with extractor() as ex:
        prepare(ex, [corpus(tmp_path, 2)], requests)
    batch_id = submit(client, requests)
    assert status(client, batch_id).status == "validating"
    api.run(batch_id, lambda body: answer())
    found = status(client, batch_id)
    assert (found.status, found.completed, found.total) == ("completed", 2, 2)
    got = download_results(client, batch_id)
    assert sorted(x["custom_id"] for x in got) == ["d0#p0#r1", "d1#p0#r1"]
    local = tmp_path / "results.jsonl"
    local.write_text("".join(json.dumps(x) + "\n" for x in got))
    assert read_results(local) == got


def test_cli_round_trip_with_a_reask_round(tmp_path: Path) -> None:
    api = FakeBatchApi()
    src, requests, output = corpus(tmp_path, 3), tmp_path / "requests.jsonl", tmp_path / "ev.jsonl"

    def first(body: dict[str, Any]) -> Any:
        return {0: answer(), 1: answer(CRAFTED_INVALID, (300, 10)), 2: None}[copy_of(body)]

    with LoopbackServer(api) as server:  # type: ignore[arg-type]
        url = ["--base-url", server.url]
        res = runner.invoke(app, ["batch", "prepare", str(src), "-o", str(requests), *url,
                                  "--model", "m", "--strategy", "single"])  # fmt: skip
        assert res.exit_code == 0, res.stderr
        assert "3 requests for 3 documents" in res.stderr
        res = runner.invoke(app, ["batch", "submit", str(requests), *url])
        assert res.exit_code == 0, res.stderr
        batch_id = res.stdout.strip()
        api.run(batch_id, first)
        res = runner.invoke(app, ["batch", "status", batch_id, *url])
        assert "completed, 2/3 requests done" in res.stdout
        state = str(state_path(requests))
        res = runner.invoke(app, ["batch", "collect", batch_id, "-o", str(output), *url,
                                  "--state", state])  # fmt: skip
        assert res.exit_code == 0, res.stderr  # d2 got no line: it is sent again, once
        assert "2 requests (1 re-asks, 0 second looks, 1 resubmitted) written to" in res.stderr
        assert "requests.round2.jsonl: submit them, then collect again" in res.stderr
        summary = json.loads((tmp_path / "ev.summary.json").read_text())
        assert summary["documents"] == {"ok": 1, "partial": 0, "failed": 0}
        assert (summary["pending_documents"], summary["round"]) == (2, 2)
        round2 = tmp_path / "requests.round2.jsonl"
        res = runner.invoke(app, ["batch", "submit", str(round2), *url])
        batch2 = res.stdout.strip()
        api.run(batch2, lambda body: answer(usage=(150, 30)))
        res = runner.invoke(app, ["batch", "collect", batch2, "-o", str(output), *url])
    assert res.exit_code == 0, res.stderr
    assert "2 documents ok, 0 failed" in res.stderr and "Every document is done." in res.stderr
    rows = {r["document_id"]: r for r in lines(output)}
    assert [rows[d]["status"] for d in ("d0", "d1", "d2")] == ["ok", "ok", "ok"]
    assert rows["d1"]["usage"]["total_tokens"] == 490
    assert rows["d2"]["usage"]["total_tokens"] == 180
    assert rows["d2"]["attempts"]["transport_retries"] == 1
    # The summary beside the output counts every collect so far.
    summary = json.loads((tmp_path / "ev.summary.json").read_text())
    assert summary["documents"] == {"ok": 3, "partial": 0, "failed": 0}
    assert (summary["pending_documents"], summary["round"]) == (0, 2)
    assert summary["records"] == sum(len(r.get("records", [])) for r in rows.values())
    assert summary["tokens"]["total"] == sum(r["usage"]["total_tokens"] for r in rows.values()
                                             if r["status"] == "ok")  # fmt: skip
    assert api.requests.count("POST /files") == 2


def test_reask_and_second_look_bodies_are_the_live_ones(tmp_path: Path) -> None:
    """Round 2's re-ask and second look are byte-for-byte the requests the live path sends."""
    fake = FakeServer()
    valid = answer()["choices"][0]["message"]["content"]
    fake.enqueue(CRAFTED_INVALID).enqueue(valid)  # d0: a validation re-ask
    fake.enqueue('{"records": []}').enqueue(valid)  # d1: empty, so a second look
    requests, output = tmp_path / "requests.jsonl", tmp_path / "events.jsonl"
    with extractor(fake) as ex:
        for i in range(2):
            ex.extract(f"{seed_lead()}\n\nCopy {i}.", published=PUBLISHED, document_id=f"d{i}")
        prepare(ex, [corpus(tmp_path, 2)], requests)
        results = [result_line("d0#p0#r1", answer(CRAFTED_INVALID)),
                   result_line("d1#p0#r1", answer('{"records": []}'))]  # fmt: skip
        one = collect(ex, results, output, state=state_path(requests))
        assert (one.reasks, one.second_looks, one.next_requests) == (1, 1, 2)
        round2 = {x["custom_id"]: x["body"] for x in lines(tmp_path / "requests.round2.jsonl")}
        assert fingerprint(round2["d0#p0#r2"]).digest == fingerprint(fake.requests[1]).digest
        assert fingerprint(round2["d1#p0#r2"]).digest == fingerprint(fake.requests[3]).digest
        # The lead names acts, so its second look insists: its schema requires a record.
        records = round2["d1#p0#r2"]["response_format"]["json_schema"]["schema"]["properties"]
        assert records["records"]["minItems"] == 1
        two = collect(ex, [result_line(c, answer()) for c in round2], output)
    assert two.summary.ok == 2 and two.pending_documents == 0
    rows = {r["document_id"]: r for r in lines(output)}
    assert rows["d1"]["attempts"]["second_looks"] == 1 and rows["d1"]["records"]
    # The insisting follow-up answered an empty list: its records stand, none was dropped.
    assert not any("records for" in r for r in rows["d1"]["attempts"]["second_look_reasons"])
    assert rows["d0"]["attempts"]["validation_reasks"] == 1


def test_a_follow_up_that_corrects_a_code_adds_no_record_in_batch_too(tmp_path: Path) -> None:
    from tests.pipeline.test_strategies import STONES, _split_riot
    from tests.pipeline.test_strategies import answer as coded

    src = tmp_path / "note.jsonl"
    src.write_text(json.dumps({"id": "n", "text": STONES, "published": "2021-03-15"}) + "\n")
    requests, output = tmp_path / "requests.jsonl", tmp_path / "events.jsonl"
    protest = coded("Protests: peaceful", "On 12 March 2021", "Tamale", "Protesters", None, [1])
    with extractor() as ex:
        prepare(ex, [src], requests)
        one = collect(ex, [result_line("n#p0#r1", answer(json.dumps(protest)))], output,
                      state=state_path(requests))  # fmt: skip
        assert one.second_looks == 1
        split = answer(json.dumps(_split_riot(1)))
        collect(ex, [result_line("n#p0#r2", split)], output)
    (row,) = lines(output)
    assert [r["sub_event_type"] for r in row["records"]] == ["Violent demonstration"]
    assert "the follow-up gave 2 records for 1" in row["attempts"]["second_look_reasons"][-1]
    assert row["flags"] == []


def test_a_code_the_model_keeps_is_flagged_in_batch_too(tmp_path: Path) -> None:
    from tests.pipeline.test_strategies import STONES
    from tests.pipeline.test_strategies import answer as coded

    src = tmp_path / "note.jsonl"
    src.write_text(json.dumps({"id": "n", "text": STONES, "published": "2021-03-15"}) + "\n")
    requests, output = tmp_path / "requests.jsonl", tmp_path / "events.jsonl"
    protest = answer(json.dumps(
        coded("Protests: peaceful", "On 12 March 2021", "Tamale", "Protesters", None, [1])
    ))  # fmt: skip
    with extractor() as ex:
        prepare(ex, [src], requests)
        collect(ex, [result_line("n#p0#r1", protest)], output, state=state_path(requests))
        collect(ex, [result_line("n#p0#r2", protest)], output)
    (row,) = lines(output)
    (flag,) = row["flags"]
    assert flag["record"] == 0 and '"threw stones"' in flag["problem"]


def test_a_note_collected_whole_is_settled_as_the_live_path_settles_it(tmp_path: Path) -> None:
    from tests.pipeline.test_strategies import answer as coded

    text = "On 1 May 2020, the OSCE SMM observed 35 explosions near Zolote, in Luhansk."
    shelling = coded("Explosions/Remote violence: shelling/artillery/missile attack",
                     "On 1 May 2020", "Zolote", "Unidentified Armed Group", None, [1])  # fmt: skip
    shelling["records"][0]["actor2"] = {
        "name": "OSCE SMM", "category": "External/other forces", "associated": []
    }  # fmt: skip
    src = tmp_path / "note.jsonl"
    src.write_text(json.dumps({"id": "n", "text": text, "published": "2020-05-02"}) + "\n")
    requests, output = tmp_path / "requests.jsonl", tmp_path / "events.jsonl"
    with extractor() as ex:
        prepare(ex, [src], requests)
        collect(ex, [result_line("n#p0#r1", answer(json.dumps(shelling)))], output,
                state=state_path(requests))  # fmt: skip
    (row,) = lines(output)
    (record,) = row["records"]
    assert record["actor2"] is None  # the monitor told of it (the schema's settling ran)


def test_find_fill_windows_go_in_one_round_and_a_failed_window_is_partial(
    tmp_path: Path,
) -> None:
    from tests.conftest import seed_text

    src = tmp_path / "article.jsonl"
    src.write_text(json.dumps({"id": "a", "text": seed_text(), "published": PUBLISHED}) + "\n")
    requests, output = tmp_path / "requests.jsonl", tmp_path / "events.jsonl"
    with Extractor(backend=FakeBackend(FakeServer()), strategy="find-fill") as ex:
        done = prepare(ex, [src], requests)
        ids = [x["custom_id"] for x in lines(requests)]
        # One line per window (sent in the extractor's order: equal prompt prefixes together).
        assert done.requests == len(ids) > 1 and sorted(ids)[1] == "a#p1#r1"
        results = [result_line(ids[0], RuntimeError("crafted failure"))]
        results += [result_line(c, answer('{"records": []}')) for c in ids[1:]]
        out = collect(ex, results, output, state=state_path(requests), resubmits=0)
    assert out.next_requests == 0  # find-fill takes an empty window's answer as it is
    (row,) = lines(output)
    assert row["status"] == "partial" and row["chunks"] == len(ids)
    failed_piece = int(ids[0].split("#p")[1].split("#")[0])
    assert [c["index"] for c in row["failed_chunks"]] == [failed_piece]
    assert row["usage"]["total_tokens"] == 120 * (len(ids) - 1)


def test_cli_errors_name_the_fix(tmp_path: Path) -> None:
    api = FakeBatchApi()
    requests, output = tmp_path / "requests.jsonl", tmp_path / "ev.jsonl"
    with LoopbackServer(api) as server:  # type: ignore[arg-type]
        url = ["--base-url", server.url]
        res = runner.invoke(app, ["batch", "prepare", str(corpus(tmp_path, 1)), "-o",
                                  str(requests), *url, "--model", "m"])  # fmt: skip
        assert res.exit_code == 0, res.stderr
        batch_id = runner.invoke(app, ["batch", "submit", str(requests), *url]).stdout.strip()
        res = runner.invoke(app, ["batch", "collect", batch_id, "-o", str(output), *url])
        assert res.exit_code == 2 and "Pass --state" in res.stderr
        state = ["--state", str(state_path(requests))]
        res = runner.invoke(app, ["batch", "collect", batch_id, "-o", str(output), *url, *state])
        assert res.exit_code == 3 and "is validating" in res.stderr
        assert "llm-extract batch status" in res.stderr
    res = runner.invoke(app, ["batch", "status", "batch_1"])
    assert res.exit_code == 2 and "Pass --base-url" in res.stderr


def test_a_result_file_settles_only_its_own_request_file(tmp_path: Path) -> None:
    requests, output = tmp_path / "requests.jsonl", tmp_path / "events.jsonl"
    with extractor() as ex:
        done = prepare(ex, [corpus(tmp_path, 3)], requests, limits=Limits(2))
        first, second = ([x["custom_id"] for x in lines(p)] for p in done.files)
        # The first file's result lacks d1's line; d2 (in the second file) is not missing.
        one = collect(
            ex, [result_line(first[0], answer())], output, state=state_path(requests), resubmits=0
        )
        assert (one.missing, one.pending_documents) == (1, 1)
        two = collect(ex, [result_line(second[0], answer())], output, resubmits=0)
    assert two.summary.ok == 1 and two.pending_documents == 0
    assert [r["status"] for r in lines(output)] == ["ok", "error", "ok"]


def test_cli_prepare_and_collect_a_local_result_file_without_an_endpoint(tmp_path: Path) -> None:
    """The ``vllm run-batch`` way: no server, no key; the result file is local."""
    requests, output, results = (tmp_path / n for n in ("r.jsonl", "ev.jsonl", "out.jsonl"))
    res = runner.invoke(app, ["batch", "prepare", str(corpus(tmp_path, 1)), "-o",
                              str(requests), "--model", "Qwen/Qwen2.5-7B-Instruct"])  # fmt: skip
    assert res.exit_code == 0, res.stderr
    (line,) = lines(requests)
    assert line["body"]["model"] == "Qwen/Qwen2.5-7B-Instruct"
    results.write_text(json.dumps(result_line(line["custom_id"], answer())) + "\n")
    res = runner.invoke(app, ["batch", "collect", str(results), "-o", str(output), "--state",
                              str(state_path(requests))])  # fmt: skip
    assert res.exit_code == 0, res.stderr
    assert "1 documents ok" in res.stderr and lines(output)[0]["records"]


def test_collect_from_another_folder_finds_the_request_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The state keeps absolute paths: prepare with relative ones, collect from elsewhere."""
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    corpus(tmp_path / "a", 1)
    template = tmp_path / "a" / "my.j2"
    template.write_text(
        (ROOT / "llm_extract" / "domains" / "conflict" / "conflict_events.j2").read_text()
    )
    monkeypatch.chdir(tmp_path / "a")
    with extractor(validation_retries=1, template="my.j2") as ex:
        prepare(ex, ["corpus.jsonl"], Path("requests.jsonl"))
    state = BatchState.load(tmp_path / "a" / "requests.batch-state.json")
    assert state.requests_file == str(tmp_path / "a" / "requests.jsonl")
    assert [r.file for r in state.pending.values()] == [state.requests_file]
    assert state.settings["template"] == str(template)
    monkeypatch.chdir(tmp_path / "b")
    with extractor(validation_retries=1) as ex:
        out = collect(ex, [result_line("d0#p0#r1", answer(CRAFTED_INVALID))], Path("ev.jsonl"),
                      state=Path("../a/requests.batch-state.json"))  # fmt: skip
    assert out.next_files == [tmp_path / "a" / "requests.round2.jsonl"]
    assert (tmp_path / "a" / "requests.round2.jsonl").exists()
    assert not (tmp_path / "b" / "requests.round2.jsonl").exists()


def test_a_request_with_no_answer_is_resubmitted_once_then_fails(tmp_path: Path) -> None:
    requests, output = tmp_path / "requests.jsonl", tmp_path / "events.jsonl"
    with extractor() as ex:
        prepare(ex, [corpus(tmp_path, 3)], requests)
        # d0 answered; d1 a provider error; d2 no line at all.
        first = [result_line("d0#p0#r1", answer()), result_line("d1#p0#r1", RuntimeError("x"))]
        one = collect(ex, first, output, state=state_path(requests))
        assert (one.errors, one.missing, one.resubmits, one.next_requests) == (1, 1, 2, 2)
        assert one.summary.failed == 0 and one.pending_documents == 2
        assert sorted(x["custom_id"] for x in lines(tmp_path / "requests.round2.jsonl")) == [
            "d1#p0#r2", "d2#p0#r2",
        ]  # fmt: skip
        # Round 2: d1 is answered; d2 fails again and is final (one resubmit by default).
        second = [result_line("d1#p0#r2", answer()),
                  result_line("d2#p0#r2", RuntimeError("still down"))]  # fmt: skip
        two = collect(ex, second, output)
    assert (two.resubmits, two.next_requests, two.pending_documents) == (0, 0, 0)
    rows = {r["document_id"]: r for r in lines(output)}
    assert [rows[d]["status"] for d in ("d0", "d1", "d2")] == ["ok", "ok", "error"]
    assert rows["d1"]["attempts"]["transport_retries"] == 1
    assert (
        "got no answer (sent 2 times): the provider reported an error: still down"
        in (rows["d2"]["error"]["message"])
    )


@pytest.mark.parametrize(
    ("content", "records"),
    [
        ('{"records": [{"a": 1}]}', [{"a": 1}]),
        ('```json\n{"records": [{"a": 1}]}\n```', [{"a": 1}]),  # MD_JSON mode's fence
        ("Sorry, no JSON here.", None),
        (None, None),
    ],
)
def test_the_follow_up_bound_reads_plain_and_fenced_answers(
    content: str | None, records: list[Any] | None
) -> None:
    from llm_extract.runs.batch_api.exchange import raw_records

    assert raw_records(content) == records
