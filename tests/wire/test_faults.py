"""Bad input and faults, where the user meets them: the CLI against a loopback fake server.

Each test is one row of README's "Bad input and faults" table (issue 8): the exit code and the
message's first words. Faults are injected by ``tests/fakes.py`` (HTTP on 127.0.0.1 only).
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest
from typer.testing import CliRunner

from llm_extract.cli.main import app
from tests.conftest import fast_retrying
from tests.fakes import DropConnection, FakeServer, LoopbackServer

runner = CliRunner()
GOOD = "Rebels attacked government positions in Amara on Monday."
ANSWER = {"records": [{
    "sub_event_type": "Battles: armed clash", "event_date": None,
    "location": {"place": "Amara", "admin1": None, "country": None},
    "actor1": {"name": "Rebels", "category": "Rebel group", "associated": []},
    "actor2": None, "fatalities": [], "source": None,
    "summary": "Rebels fought government forces in Amara.", "evidence": [1],
}]}  # fmt: skip


@pytest.fixture
def server(fake: FakeServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[LoopbackServer]:
    # The CLI's retry policy, without the real backoff sleeps.
    monkeypatch.setattr("llm_extract.api.transport_retrying", fast_retrying)
    with LoopbackServer(fake) as srv:
        yield srv


def cli(srv: LoopbackServer | None, *args: str, env: dict[str, str] | None = None) -> Any:
    wire = ["--base-url", srv.url, "--model", "m"] if srv else []
    return runner.invoke(app, ["extract", *args, *wire], env=env)


def first_error(res: Any) -> str:
    return next(line for line in res.stderr.splitlines() if line.startswith("Error: "))


def docs(tmp_path: Path, n: int = 2) -> list[str]:
    paths = []
    for i in range(n):
        path = tmp_path / f"doc{i}.txt"
        path.write_text(GOOD.replace("Monday", ["Monday", "Tuesday", "Friday"][i]))
        paths.append(str(path))
    return paths


def rows(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


# --- 1-3: data loss ---------------------------------------------------------------------------


def test_complete_last_line_without_newline_is_kept(
    tmp_path: Path, fake: FakeServer, server: LoopbackServer
) -> None:
    fake.enqueue(ANSWER).enqueue(ANSWER)
    out = tmp_path / "out.jsonl"
    assert cli(server, *docs(tmp_path), "-o", str(out)).exit_code == 0
    out.write_bytes(out.read_bytes()[:-1])  # truncate -s -1
    res = cli(server, *docs(tmp_path), "-o", str(out))
    assert res.exit_code == 0, res.stderr
    assert "0 ok, 0 failed, 2 already done" in res.stderr
    assert len(fake.requests) == 2 and len(rows(out)) == 2  # nothing extracted again


def test_torn_last_line_is_dropped_and_said(
    tmp_path: Path, fake: FakeServer, server: LoopbackServer
) -> None:
    fake.enqueue(ANSWER).enqueue(ANSWER).enqueue(ANSWER)
    out = tmp_path / "out.jsonl"
    cli(server, *docs(tmp_path), "-o", str(out))
    data = out.read_bytes()
    out.write_bytes(data[: data.index(b"\n") + 1] + data[data.index(b"\n") + 1 :][:40])
    res = cli(server, *docs(tmp_path), "-o", str(out))
    assert res.exit_code == 0, res.stderr
    assert f"Dropped an unfinished last line from {out} (40 bytes" in res.stderr
    assert "1 ok, 0 failed, 1 already done" in res.stderr
    assert [r["status"] for r in rows(out)] == ["ok", "ok"]


def test_output_that_is_not_ours_is_refused(tmp_path: Path, fake: FakeServer) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("My notes\nabout this run")  # no final newline: must not be cut
    res = cli(None, *docs(tmp_path), "-o", str(notes), "--base-url", "http://127.0.0.1:9/v1",
              "--model", "m")  # fmt: skip
    assert res.exit_code == 2
    assert first_error(res).startswith(f"Error: {notes} does not end with an llm-extract result")
    assert notes.read_text() == "My notes\nabout this run"


def test_two_documents_with_one_id_are_refused_before_extracting(
    tmp_path: Path, fake: FakeServer, server: LoopbackServer
) -> None:
    jsonl = tmp_path / "in.jsonl"
    jsonl.write_text(
        json.dumps({"id": "d1", "text": GOOD}) + "\n" + json.dumps({"id": "d2", "text": GOOD})
        + "\n" + json.dumps({"id": "d1", "text": GOOD + " Two died."}) + "\n"
    )  # fmt: skip
    res = cli(server, str(jsonl), "-o", str(tmp_path / "out.jsonl"))
    assert res.exit_code == 2
    assert first_error(res) == (
        f"Error: Id 'd1' is used by 2 different documents: {jsonl}:1, {jsonl}:3. Give each "
        "document its own id (readers keep only the last line per id)."
    )
    assert fake.requests == []


def test_the_same_document_twice_is_extracted_once(
    tmp_path: Path, fake: FakeServer, server: LoopbackServer
) -> None:
    fake.enqueue(ANSWER)
    (one,) = docs(tmp_path, 1)
    out = tmp_path / "out.jsonl"
    res = cli(server, one, one, "-o", str(out))
    assert res.exit_code == 0, res.stderr
    assert f"{one} repeats {one} (id '{one}', same text): extracting it once." in res.stderr
    assert len(fake.requests) == 1 and len(rows(out)) == 1


def test_a_second_process_on_the_same_output_stops(
    tmp_path: Path, fake: FakeServer, server: LoopbackServer
) -> None:
    release = threading.Event()

    def slow(body: dict[str, Any]) -> Any:
        release.wait(30)
        return ANSWER

    fake.responder = slow
    inputs, out = docs(tmp_path, 1), tmp_path / "out.jsonl"
    first = subprocess.Popen(
        [sys.executable, "-c", "from llm_extract.cli.main import app; app()", "extract", *inputs,
         "-o", str(out), "--base-url", server.url, "--model", "m"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while not fake.requests and time.monotonic() < deadline:
            time.sleep(0.05)  # until the first process holds the lock and is extracting
        assert fake.requests, "the first process never sent its request"
        res = cli(server, *inputs, "-o", str(out))
        assert res.exit_code == 2
        assert first_error(res).startswith(
            f"Error: {out} is being written by another llm-extract run."
        )
    finally:
        release.set()
        _, err = first.communicate(timeout=60)
    assert first.returncode == 0, err
    assert len(fake.requests) == 1 and len(rows(out)) == 1


# --- 4-6: faults reported as what they are ------------------------------------------------------

HTML = "<html><body><h1>502 Bad Gateway</h1></body></html>"


def test_html_error_page_is_a_transport_retry(
    tmp_path: Path, fake: FakeServer, server: LoopbackServer
) -> None:
    fake.enqueue(raw=HTML, headers={"content-type": "text/html"}).enqueue(ANSWER)
    res = cli(server, docs(tmp_path, 1)[0])
    assert res.exit_code == 0, res.stderr
    assert "0 validation re-ask(s), 0 second look(s), 1 transport retr(ies)" in res.stderr
    assert len(fake.requests) == 2


def test_persistent_html_exhausts_transport_retries_not_validation(
    tmp_path: Path, fake: FakeServer, server: LoopbackServer
) -> None:
    for _ in range(2):
        fake.enqueue(raw=HTML, headers={"content-type": "text/html"})
    res = cli(server, docs(tmp_path, 1)[0], "--transport-retries", "1")
    assert res.exit_code == 3
    assert "answered with a body that is not a JSON chat completion (it began '<html>" in (
        first_error(res)
    )
    assert "after 1 transport retry" in res.stderr


def test_dropped_connection_is_not_called_unreachable(
    tmp_path: Path, fake: FakeServer, server: LoopbackServer
) -> None:
    fake.enqueue(raises=DropConnection()).enqueue(raises=DropConnection())
    res = cli(server, docs(tmp_path, 1)[0], "--transport-retries", "1")
    assert res.exit_code == 3
    assert first_error(res).startswith(
        f"Error: m at {server.url} dropped the connection after 1 transport retry: the "
        "connection was reset or closed before the server answered."
    )
    assert "Is the server running" not in res.stderr


@pytest.mark.parametrize("value", ["0", "-5", "nan"])
def test_timeout_must_be_positive(tmp_path: Path, value: str) -> None:
    res = cli(None, docs(tmp_path, 1)[0], "--timeout", value, "--base-url",
              "http://127.0.0.1:9/v1", "--model", "m")  # fmt: skip
    assert res.exit_code == 2
    assert first_error(res).startswith("Error: The timeout must be more than 0 seconds")


def test_batch_goes_on_after_a_dropped_connection(
    tmp_path: Path, fake: FakeServer, server: LoopbackServer
) -> None:
    fake.enqueue(raises=DropConnection()).enqueue(raises=DropConnection()).enqueue(ANSWER)
    out = tmp_path / "out.jsonl"
    # One document at a time: the queued faults go to the first document.
    args = ("-o", str(out), "--transport-retries", "1", "--concurrency", "1")
    res = cli(server, *docs(tmp_path), *args)
    assert res.exit_code == 5, res.stderr
    assert [r["status"] for r in rows(out)] == ["error", "ok"]
    assert rows(out)[0]["error"]["type"] == "ConnectionDroppedError"


def test_batch_stops_when_the_endpoint_refuses(tmp_path: Path) -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}/v1"
    res = cli(None, *docs(tmp_path), "-o", str(tmp_path / "out.jsonl"), "--base-url", url,
              "--model", "m", "--transport-retries", "0")  # fmt: skip
    assert res.exit_code == 3
    assert first_error(res).startswith(f"Error: Cannot connect to m at http://127.0.0.1:{port}/v1")
    assert "connection refused" in first_error(res)


def test_unknown_host_says_dns(fake: FakeServer, fake_backend: Any) -> None:
    from llm_extract import EndpointUnreachableError, Extractor

    error = httpx.ConnectError("[Errno -2] Name or service not known")
    error.__cause__ = socket.gaierror(-2, "Name or service not known")
    fake.enqueue(raises=error)
    ex = Extractor(backend=fake_backend, transport_retries=fast_retrying(0))
    with pytest.raises(EndpointUnreachableError, match="the host name does not resolve"):
        ex.extract(GOOD)


def test_bad_sub_type_code_is_reported_in_codes(
    tmp_path: Path, fake: FakeServer, server: LoopbackServer
) -> None:
    bad = json.loads(json.dumps(ANSWER))
    bad["records"][0]["sub_event_type"] = "Protests: peaceful demo"
    fake.enqueue(bad)
    res = cli(server, docs(tmp_path, 1)[0], "--validation-retries", "0")
    assert res.exit_code == 4
    assert "sub_event_type must be one of the listed codes, got 'Protests: peaceful demo'" in (
        first_error(res)
    )
    assert "event_type Field required" not in res.stderr


# --- 7-8: bad input gets exit 2 before anything runs ---------------------------------------------


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("missing/out.jsonl", "Error: The folder {tmp}/missing (for out.jsonl) does not exist."),
        (".", "Error: {tmp} is a folder."),
        ("latin1.jsonl", "Error: {tmp}/latin1.jsonl is not UTF-8 (byte 0xff at offset 0)"),
    ],
)
def test_unusable_output_file(
    tmp_path: Path, fake: FakeServer, server: LoopbackServer, target: str, message: str
) -> None:
    (tmp_path / "latin1.jsonl").write_bytes(b'\xff\xfe{"x": 1}\n')
    output = str(tmp_path) if target == "." else str(tmp_path / target)
    res = cli(server, *docs(tmp_path), "-o", output)
    assert res.exit_code == 2, res.stderr
    assert first_error(res).startswith(message.format(tmp=tmp_path))
    assert "Traceback" not in res.stderr and fake.requests == []


def test_bad_published_in_a_batch_stops_before_starting(
    tmp_path: Path, fake: FakeServer, server: LoopbackServer
) -> None:
    res = cli(server, *docs(tmp_path), "--published", "21/08/2019")
    assert res.exit_code == 2
    assert first_error(res).startswith("Error: Publication date '21/08/2019' is not an ISO date.")
    assert fake.requests == []


def test_future_published_is_refused(
    tmp_path: Path, fake: FakeServer, server: LoopbackServer
) -> None:
    later = date.today() + timedelta(days=30)
    res = cli(server, docs(tmp_path, 1)[0], "--published", later.isoformat())
    assert res.exit_code == 2
    assert first_error(res).startswith(f"Error: Publication date {later} is in the future")
    tomorrow = (date.today() + timedelta(days=1)).isoformat()  # time zones ahead: accepted
    fake.enqueue(ANSWER)
    assert cli(server, docs(tmp_path, 1)[0], "--published", tomorrow).exit_code == 0


def test_debug_keeps_the_exit_code_and_adds_the_traceback(tmp_path: Path) -> None:
    (tmp_path / "e.txt").write_text("")
    res = cli(None, str(tmp_path / "e.txt"), env={"LLM_EXTRACT_DEBUG": "1"})
    assert res.exit_code == 2
    assert "Traceback (most recent call last)" in res.stderr
    assert res.stderr.strip().splitlines()[-1].startswith("Error: The document")


# --- 9: messages and accounting -------------------------------------------------------------------


def test_bad_jsonl_line_with_an_id_is_keyed_by_it(
    tmp_path: Path, fake: FakeServer, server: LoopbackServer
) -> None:
    jsonl = tmp_path / "in.jsonl"
    jsonl.write_text('{"id": "keep-me", "txt": "typo"}\nnot json\n')
    out = tmp_path / "out.jsonl"
    assert cli(server, str(jsonl), "-o", str(out)).exit_code == 5
    assert [r["document_id"] for r in rows(out)] == ["keep-me", f"{jsonl}:2"]


def test_sandbox_message_has_one_full_stop(tmp_path: Path) -> None:
    template = tmp_path / "t.j2"
    template.write_text("--- user ---\n{{ document.__class__.__mro__ }}{{ document }}\n")
    (tmp_path / "a.txt").write_text(GOOD)
    res = runner.invoke(app, ["prompt", str(tmp_path / "a.txt"), "--template", str(template)])
    assert res.exit_code == 2
    assert "is unsafe. Available variables" in res.stderr and ".." not in res.stderr


# --- 10: no silent waits, no hour-long hangs ----------------------------------------------------


def test_long_retry_wait_is_announced(
    tmp_path: Path, fake: FakeServer, server: LoopbackServer
) -> None:
    fake.enqueue("slow down", status=429, headers={"retry-after": "30"}).enqueue(ANSWER)
    res = cli(server, docs(tmp_path, 1)[0])
    assert res.exit_code == 0, res.stderr
    assert "Waiting 30 s before retry 1 of 4 (the server answered 429, Retry-After 30 s)." in (
        res.stderr
    )


def test_short_waits_stay_quiet_and_retry_after_is_capped(
    fake: FakeServer, fake_backend: Any
) -> None:
    from llm_extract import Extractor

    sleeps: list[float] = []
    fake.enqueue("busy", status=503).enqueue("slow", status=429, headers={"retry-after": "3600"})
    fake.enqueue(ANSWER)
    Extractor(backend=fake_backend, transport_retries=fast_retrying(4, sleeps)).extract(GOOD)
    assert sleeps[0] < 5 and sleeps[1] == 60.0


def test_default_timeouts_fail_a_hung_request_in_minutes() -> None:
    from llm_extract import Extractor
    from llm_extract.backends.embedded.server import EmbeddedBackend

    assert Extractor(base_url="http://127.0.0.1:9/v1", model="m").timeout == 120.0
    assert EmbeddedBackend.default_timeout == 600.0  # a slow CPU model, not a hung server
    assert Extractor(base_url="http://127.0.0.1:9/v1", model="m", timeout=5).timeout == 5
