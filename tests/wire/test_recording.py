"""Record and replay from Python: Extractor(record=...) / Extractor(replay=...)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from llm_extract import ConfigError, Extractor, RecordingMissError
from llm_extract.backends.embedded.model_files import MODEL_NAME
from tests.conftest import conflict_answer, fast_retrying, seed_text
from tests.fakes import FakeServer, LoopbackServer

DEAD_URL = "http://127.0.0.1:9/v1"  # nothing listens: any attempt to send would fail


def same_output(a: Any, b: Any) -> bool:
    first, second = a.to_json_dict(), b.to_json_dict()
    first.pop("seconds"), second.pop("seconds")
    return bool(first == second)


@pytest.fixture
def recorded(tmp_path: Path, fake: FakeServer) -> tuple[Path, Any]:
    fake.responder = lambda request: conflict_answer()
    path = tmp_path / "run.yaml"
    with (
        LoopbackServer(fake) as server,
        Extractor(base_url=server.url, model="m", api_key="sk-key", record=path) as extractor,
    ):
        result = extractor.extract(seed_text(), published="2019-08-21")
    return path, result


def test_replay_reproduces_the_records_without_sending(recorded: tuple[Path, Any]) -> None:
    path, first = recorded
    with Extractor(base_url=DEAD_URL, model="m", replay=path) as extractor:
        again = extractor.extract(seed_text(), published="2019-08-21")
    assert same_output(first, again)


async def test_async_replay(recorded: tuple[Path, Any]) -> None:
    path, first = recorded
    extractor = Extractor(base_url=DEAD_URL, model="m", replay=path)
    try:
        again = await extractor.aextract(seed_text(), published="2019-08-21")
    finally:
        await extractor.aclose()
    assert same_output(first, again)


def test_a_changed_input_is_a_miss_that_says_what_changed(recorded: tuple[Path, Any]) -> None:
    path, _ = recorded
    extractor = Extractor(base_url=DEAD_URL, model="m", replay=path, transport_retries=4)
    with pytest.raises(RecordingMissError) as caught:
        extractor.extract(seed_text().replace("Wednesday", "Thursday"), published="2019-08-21")
    message = str(caught.value)
    assert "Changed since recording: messages" in message
    assert "-  [S1] Syri..." in message and "on Thursday" in message
    assert f"--record {path}" in message
    assert caught.value.attempts is not None and caught.value.attempts.requests == 1  # no retry


def test_a_changed_setting_is_a_miss(recorded: tuple[Path, Any]) -> None:
    path, _ = recorded
    with pytest.raises(RecordingMissError, match="sampling parameters") as caught:
        Extractor(base_url=DEAD_URL, model="m", replay=path, max_tokens=99).extract(seed_text())
    assert "+param max_tokens: 99" in str(caught.value)


def test_secrets_never_reach_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_ORG_ID", "org-SECRET")
    monkeypatch.setenv("OPENAI_PROJECT_ID", "proj-SECRET")
    fake = FakeServer().enqueue(
        conflict_answer(),
        headers={"set-cookie": "session=SECRET", "openai-organization": "org-SECRET",
                 "x-ratelimit-remaining-requests": "99"},
    )  # fmt: skip
    path = tmp_path / "run.yaml"
    with LoopbackServer(fake) as server:
        Extractor(base_url=server.url, model="m", api_key="sk-SECRET", record=path).close()
        with Extractor(base_url=server.url, model="m", api_key="sk-SECRET", record=path) as ex:
            ex.extract(seed_text())
    text = path.read_text()
    assert "SECRET" not in text and "authorization" not in text.lower()
    assert "x-ratelimit-remaining-requests" in text  # other headers stay
    assert "content: |-" in text  # prompts are literal blocks: re-recordings diff line by line


def test_a_retried_request_replays_in_recorded_order(tmp_path: Path) -> None:
    fake = FakeServer().enqueue(status=429).enqueue(conflict_answer())
    path = tmp_path / "run.yaml"
    with (
        LoopbackServer(fake) as server,
        Extractor(
            base_url=server.url, model="m", record=path, transport_retries=fast_retrying(2)
        ) as extractor,
    ):
        first = extractor.extract(seed_text())
    with Extractor(
        base_url=DEAD_URL, model="m", replay=path, transport_retries=fast_retrying(2)
    ) as extractor:
        again = extractor.extract(seed_text())
    assert first.attempts.transport_retries == again.attempts.transport_retries == 1
    assert same_output(first, again)


def test_replaying_the_embedded_model_starts_nothing(tmp_path: Path) -> None:
    fake = FakeServer()
    fake.responder = lambda request: conflict_answer()
    path = tmp_path / "run.yaml"
    with (
        LoopbackServer(fake) as server,
        Extractor(
            base_url=server.url, model=MODEL_NAME, strategy="single", record=path
        ) as extractor,
    ):
        first = extractor.extract(seed_text())
    # xllamacpp is not installed here: starting the embedded server would raise.
    with Extractor(backend="embedded", strategy="single", replay=path) as extractor:
        again = extractor.extract(seed_text())
        assert extractor.backend._url is None  # type: ignore[attr-defined]
    assert same_output(first, again)


def test_record_and_replay_settings_are_checked(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not both"):
        Extractor(base_url=DEAD_URL, model="m", record="a.yaml", replay="b.yaml")
    with pytest.raises(ConfigError, match="No recording at"):
        Extractor(base_url=DEAD_URL, model="m", replay=tmp_path / "missing.yaml")
    (tmp_path / "bad.yaml").write_text("just: text\n")
    with pytest.raises(ConfigError, match="not a readable llm_extract recording"):
        Extractor(base_url=DEAD_URL, model="m", replay=tmp_path / "bad.yaml")


def test_cli_record_then_replay_gives_the_same_json(tmp_path: Path, fake: FakeServer) -> None:
    import json

    from typer.testing import CliRunner

    from llm_extract.cli.main import app

    fake.responder = lambda request: conflict_answer()
    article, run_file = tmp_path / "article.txt", tmp_path / "run.yaml"
    article.write_text(seed_text(), encoding="utf-8")
    common = ["extract", str(article), "--published", "2019-08-21", "--model", "m"]
    runner = CliRunner()
    with LoopbackServer(fake) as server:
        recorded = runner.invoke(
            app, [*common, "--base-url", server.url, "--record", str(run_file)]
        )
    assert recorded.exit_code == 0, recorded.stderr
    replayed = runner.invoke(app, [*common, "--base-url", DEAD_URL, "--replay", str(run_file)])
    assert replayed.exit_code == 0, replayed.stderr
    assert f"Replaying {run_file}" in replayed.stderr
    first, again = json.loads(recorded.stdout), json.loads(replayed.stdout)
    first.pop("seconds"), again.pop("seconds")
    assert first == again

    article.write_text(seed_text().replace("Wednesday", "Thursday"), encoding="utf-8")
    stale = runner.invoke(app, [*common, "--base-url", DEAD_URL, "--replay", str(run_file)])
    assert stale.exit_code == 3
    assert "Changed since recording: messages" in stale.stderr
    assert f"--record {run_file}" in stale.stderr
    both = runner.invoke(app, [*common, "--record", "a.yaml", "--replay", str(run_file)])
    assert both.exit_code == 2 and "not both" in both.stderr


def test_json_answers_are_pretty_and_replay_exactly(recorded: tuple[Path, Any]) -> None:
    path, first = recorded
    text = path.read_text()
    assert "version: 2" in text and "content: !json |-" in text
    # One field per line: a changed answer diffs as the changed field.
    assert re.search(r'\n +"sub_event_type": "Government regains territory",\n', text)
    with Extractor(base_url=DEAD_URL, model="m", replay=path) as extractor:
        assert same_output(first, extractor.extract(seed_text(), published="2019-08-21"))


@pytest.mark.parametrize(
    ("value", "tagged"),
    [
        ('{"records": [{"a": 1, "b": "é"}]}', True),
        ('{"records":[{"a":1,"b":"\\u00e9"}]}', True),
        ("[1, 2.5, null]", True),
        ('{"a":1, "b":2}', False),  # no serializer writes this spacing: kept as it is
        ('{"a": 1, "a": 2}', False),  # a repeated key would be lost
        ("{not json}", False),
        ("plain text", False),
    ],
)
def test_only_json_that_round_trips_is_pretty_printed(value: str, tagged: bool) -> None:
    from llm_extract.wire import recording_yaml

    dumped = recording_yaml.dump({"content": value})
    assert ("!json" in dumped) == tagged
    assert recording_yaml.load(dumped) == {"content": value}


def test_version_1_files_still_replay(recorded: tuple[Path, Any]) -> None:
    import yaml

    from llm_extract.wire import recording_yaml

    path, first = recorded
    data = recording_yaml.load(path.read_text())
    data["version"] = 1  # written before pretty JSON: plain strings, no tags
    old = path.with_name("old.yaml")
    old.write_text(yaml.safe_dump(data, sort_keys=False))
    assert "!json" not in old.read_text()
    with Extractor(base_url=DEAD_URL, model="m", replay=old) as extractor:
        assert same_output(first, extractor.extract(seed_text(), published="2019-08-21"))
