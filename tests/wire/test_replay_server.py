"""llm-extract serve --replay: recordings answered over real HTTP on 127.0.0.1."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx2 as httpx
import openai
import pytest
from typer.testing import CliRunner

from llm_extract import ConfigError, Extractor, RecordingMissError
from llm_extract.cli.main import app
from llm_extract.wire.replay_server import ReplayServer
from tests.conftest import conflict_answer, seed_text
from tests.fakes import FakeServer, LoopbackServer


def records_json(result: Any) -> str:
    return json.dumps(result.to_json_dict()["records"], ensure_ascii=False, sort_keys=True)


def record_run(path: Path, text: str, answer: dict[str, Any] | None = None) -> Any:
    fake = FakeServer()
    fake.responder = lambda request: answer or conflict_answer()
    with (
        LoopbackServer(fake) as server,
        Extractor(base_url=server.url, model="m", api_key="sk-SECRET", record=path) as extractor,
    ):
        return extractor.extract(text, published="2019-08-21")


@pytest.fixture
def recorded(tmp_path: Path) -> tuple[Path, Any]:
    path = tmp_path / "recordings" / "run.yaml"
    return path, record_run(path, seed_text())


def test_an_extractor_against_the_server_gets_the_recorded_records(
    recorded: tuple[Path, Any],
) -> None:
    path, first = recorded
    with (
        ReplayServer(path) as server,
        Extractor(base_url=server.url, model="m", api_key="anything") as extractor,
    ):
        again = extractor.extract(seed_text(), published="2019-08-21")
        assert server.host == "127.0.0.1" and server.url.startswith("http://127.0.0.1:")
    assert records_json(again) == records_json(first)
    assert again.records and again.usage == first.usage


def test_models_are_listed_and_a_plain_openai_client_works(recorded: tuple[Path, Any]) -> None:
    path, _ = recorded
    request = _recorded_request(path)
    with ReplayServer(path.parent) as server:  # a folder of recordings
        client = openai.OpenAI(base_url=server.url, api_key="x", max_retries=0)
        assert [m.id for m in client.models.list()] == ["m"]
        completion = client.chat.completions.create(**request)
    content = json.loads(completion.choices[0].message.content or "")
    assert content == conflict_answer()


def test_a_miss_is_a_400_naming_the_fingerprint_and_the_change(
    recorded: tuple[Path, Any],
) -> None:
    path, _ = recorded
    body = _recorded_request(path)
    body["messages"][-1]["content"] = body["messages"][-1]["content"].replace(
        "on Wednesday", "on Thursday"
    )
    with ReplayServer(path) as server:
        response = httpx.post(f"{server.url}/chat/completions", json=body)
        unknown = httpx.post(f"{server.url}/embeddings", json={})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["type"] == "recording_miss" and len(error["fingerprint"]) == 64
    message = error["message"]
    assert f"fingerprint {error['fingerprint'][:12]}" in message
    assert "Changed since recording: messages (template text or input)" in message
    assert "-  [S1] Syri" in message and "on Thursday" in message
    assert f"--record {path}" in message
    assert unknown.status_code == 404 and "POST /v1/chat/completions" in unknown.text


def test_an_extractor_sees_a_miss_as_a_recording_miss(recorded: tuple[Path, Any]) -> None:
    path, _ = recorded
    with (
        ReplayServer(path) as server,
        Extractor(base_url=server.url, model="m", api_key="x", max_tokens=99) as extractor,
        pytest.raises(RecordingMissError) as caught,
    ):
        extractor.extract(seed_text(), published="2019-08-21")
    assert "a replay server" in str(caught.value)
    assert "+param max_tokens: 99" in str(caught.value)
    assert caught.value.attempts is not None and caught.value.attempts.requests == 1


def test_every_file_of_a_folder_is_served(tmp_path: Path) -> None:
    other = "Protesters marched in Kisumu on Monday against the new tax."
    answer = conflict_answer(event_type="Protests", sub_event_type="Peaceful protest")
    record_run(tmp_path / "a.yaml", seed_text())
    first = record_run(tmp_path / "sub" / "b.yaml", other, answer)
    with (
        ReplayServer(tmp_path) as server,
        Extractor(base_url=server.url, model="m", api_key="x") as extractor,
    ):
        assert len(server.store.recordings) == 2
        extractor.extract(seed_text(), published="2019-08-21")
        assert records_json(extractor.extract(other, published="2019-08-21")) == records_json(first)


def test_bad_paths_are_config_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="No recording at"):
        ReplayServer(tmp_path / "missing.yaml")
    with pytest.raises(ConfigError, match=r"holds no recordings \(\*\.yaml\)"):
        ReplayServer(tmp_path)
    (tmp_path / "bad.yaml").write_text("just: text\n")
    with pytest.raises(ConfigError, match="not a readable llm_extract recording"):
        ReplayServer(tmp_path)


def test_cli_refuses_other_addresses(recorded: tuple[Path, Any]) -> None:
    path, _ = recorded
    result = CliRunner().invoke(app, ["serve", "--replay", str(path), "--host", "0.0.0.0"])
    assert result.exit_code == 2
    assert "listens on 127.0.0.1 only, not 0.0.0.0" in result.output


def test_cli_serves_until_stopped(recorded: tuple[Path, Any]) -> None:
    path, first = recorded
    command = [sys.executable, "-c", "from llm_extract.cli.main import main; main()"]
    process = subprocess.Popen(
        [*command, "serve", "--replay", str(path), "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:") and url.endswith("/v1")
        with Extractor(base_url=url, model="m", api_key="x") as extractor:
            again = extractor.extract(seed_text(), published="2019-08-21")
        assert records_json(again) == records_json(first)
    finally:
        process.terminate()
        _, err = process.communicate(timeout=10)
    assert "Replaying 1 exchange(s) from 1 recording(s)" in err and "models: m" in err


def _recorded_request(path: Path) -> dict[str, Any]:
    """The first recorded request body, as the client sent it."""
    from llm_extract.wire.recordings import Recording

    request = Recording(path).exchanges[0].request
    body: dict[str, Any] = request["json"]
    return body
