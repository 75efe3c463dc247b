"""The shipped pytest plugin, exercised the way a user meets it: pytester runs a user-style
test suite against a loopback fake OpenAI-compatible server, recording then replaying."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT, conflict_answer
from tests.fakes import FakeServer, LoopbackServer

pytest_plugins = ["pytester"]

TEXT = (
    "Syrian regime forces took full control of Khan Sheikhoun on Wednesday, the Syrian "
    "Observatory for Human Rights said. Rebels had pulled back a day earlier."
)

USER_TEST = """
import os
from pathlib import Path

from llm_extract import extract

TEXT = {text!r}


def test_extracts(llm_cassette):
    result = extract(
        TEXT,
        base_url=os.environ["FAKE_LLM_URL"],
        model="fake-model",
        api_key=os.environ.get("FAKE_LLM_KEY"),
        template=Path(__file__).parent / "prompt.j2",
        published="2019-08-21",
    )
    assert result.records[0].sub_event_type == "Government regains territory"
"""


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeServer]:
    fake = FakeServer()
    fake.responder = lambda request: conflict_answer()
    with LoopbackServer(fake) as loopback:
        monkeypatch.setenv("FAKE_LLM_URL", loopback.url)
        yield fake


@pytest.fixture
def suite(pytester: pytest.Pytester) -> pytest.Pytester:
    shutil.copy(
        ROOT / "llm_extract" / "domains" / "conflict" / "conflict_events.j2",
        pytester.path / "prompt.j2",
    )
    pytester.makepyfile(test_user=USER_TEST.format(text=TEXT))
    return pytester


def run(suite: pytest.Pytester, *args: str) -> pytest.RunResult:
    # In-process, so the loopback fake's request log is visible; other plugins kept out.
    return suite.runpytest(*args, "-p", "no:asyncio", "-p", "no:cacheprovider")


def cassette(suite: pytest.Pytester) -> Path:
    return suite.path / "cassettes" / "test_user" / "test_extracts.yaml"


def record(suite: pytest.Pytester, server: FakeServer, mode: str = "once") -> None:
    run(suite, f"--llm-record={mode}").assert_outcomes(passed=1)
    assert cassette(suite).is_file()


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def test_record_then_replay_offline(suite: pytest.Pytester, server: FakeServer) -> None:
    record(suite, server)
    assert len(server.requests) == 1
    run(suite).assert_outcomes(passed=1)  # default mode none: replayed
    run(suite, "--llm-record=once").assert_outcomes(passed=1)  # exists: replayed too
    assert len(server.requests) == 1


def test_stale_after_a_template_edit(suite: pytest.Pytester, server: FakeServer) -> None:
    record(suite, server)
    edit(suite.path / "prompt.j2", "Skip background totals", "Ignore background totals")
    result = run(suite)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        "*RecordingMissError: No recorded answer for this request in *test_extracts.yaml*"
        "Changed since recording: messages (template text or input)*",
        "*--- recorded", "*+++ now",
        "*-  You code*Skip background totals*", "*+  You code*Ignore background totals*",
        "*re-record this test: pytest test_user.py::test_extracts --llm-record=rewrite",
    ])  # fmt: skip
    # The miss is the failure's whole story: no traceback through instructor and the SDK.
    result.stdout.no_fnmatch_line("*instructor/*.py:*")
    result.stdout.no_fnmatch_line("*def _parsed*")
    assert len(server.requests) == 1


def test_stale_after_an_input_edit(suite: pytest.Pytester, server: FakeServer) -> None:
    record(suite, server)
    edit(suite.path / "test_user.py", "on Wednesday", "on Thursday")
    result = run(suite)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        "*Changed since recording: messages (template text or input)*",
        "*-  [[]S1] Syrian regime forces took full control of Khan Sheikhoun on Wednesday*",
        "*+  [[]S1] Syrian regime forces took full control of Khan Sheikhoun on Thursday*",
        "*pytest test_user.py::test_extracts --llm-record=rewrite",
    ])  # fmt: skip
    assert len(server.requests) == 1


def test_replay_never_uses_the_network(suite: pytest.Pytester, server: FakeServer) -> None:
    result = run(suite)  # no cassette yet, mode none
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        "*No recorded answer for this request: *test_extracts.yaml does not exist.*"
        "Nothing was sent*pytest test_user.py::test_extracts --llm-record=rewrite",
    ])  # fmt: skip
    assert server.requests == []
    assert not cassette(suite).exists()


def test_secrets_are_scrubbed(
    suite: pytest.Pytester, server: FakeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_LLM_KEY", "sk-SECRET")
    monkeypatch.setenv("OPENAI_ORG_ID", "org-SECRET")
    monkeypatch.setenv("OPENAI_PROJECT_ID", "proj-SECRET")
    server.enqueue(
        conflict_answer(),
        headers={"Set-Cookie": "session=SECRET", "OpenAI-Organization": "org-SECRET",
                 "OpenAI-Project": "proj-SECRET", "x-ratelimit-remaining-requests": "9"},
    )  # fmt: skip
    record(suite, server)
    text = cassette(suite).read_text()
    assert "SECRET" not in text
    for header in ("authorization", "cookie", "openai-organization", "openai-project"):
        assert f"{header}:" not in text.lower()
    assert "x-ratelimit-remaining-requests" in text
    assert "content: |-" in text  # prompts readable: a re-recording diffs line by line
    monkeypatch.delenv("FAKE_LLM_KEY")
    run(suite).assert_outcomes(passed=1)  # replay needs no key


def test_rewrite_records_afresh(suite: pytest.Pytester, server: FakeServer) -> None:
    record(suite, server)
    edit(suite.path / "test_user.py", "on Wednesday", "on Thursday")
    run(suite).assert_outcomes(failed=1)
    record(suite, server, "rewrite")
    assert len(server.requests) == 2
    text = cassette(suite).read_text()
    assert "Sheikhoun on Thursday" in text
    assert "Sheikhoun on Wednesday" not in text  # the old exchange is gone
    run(suite).assert_outcomes(passed=1)


def test_new_adds_what_is_missing_and_unplayed_exchanges_fail(
    suite: pytest.Pytester, server: FakeServer
) -> None:
    record(suite, server)
    edit(
        suite.path / "test_user.py",
        "    assert result",
        "    extract(TEXT + ' More.', "
        "base_url=os.environ['FAKE_LLM_URL'], model='fake-model')\n    assert result",
    )
    run(suite, "--llm-record=new").assert_outcomes(passed=1)
    assert len(server.requests) == 2  # only the new request was sent
    run(suite).assert_outcomes(passed=1)
    # Back to one request: the second recorded exchange is never asked for.
    edit(
        suite.path / "test_user.py",
        "    extract(TEXT + ' More.'",
        "    (lambda *a, **k: None)(TEXT + ' More.'",
    )
    result = run(suite)
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(
        ["*1 of 2 recorded exchanges in *never asked for*--llm-record=rewrite"]
    )


def test_the_cassette_folder_is_configurable(suite: pytest.Pytester, server: FakeServer) -> None:
    suite.makeini("[pytest]\nllm_cassette_dir = recordings\n")
    run(suite, "--llm-record=once").assert_outcomes(passed=1)
    assert (suite.path / "recordings" / "test_user" / "test_extracts.yaml").is_file()
