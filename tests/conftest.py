"""Shared fixtures: offline by default, isolated user settings, recordings under cassettes/.

Recordings (the shipped plugin's format, :mod:`llm_extract.wire.recordings`) replay only, so no test
touches the network. To re-record from the embedded model, run ``python
tests/record_cassettes.py`` (see README).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from tenacity import Retrying

from llm_extract import transport_retrying
from llm_extract.wire import limits as limiter
from llm_extract.wire import recordings as recording
from llm_extract.wire.recordings import Recording
from tests.fakes import FakeBackend, FakeServer

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "examples" / "khan_sheikhoun_2019.txt"
SEED_PUBLISHED = date(2019, 8, 21)
#: Where a replayed request "goes" (nowhere: the recording answers it).
REPLAY_URL = recording.REPLAY_URL


@contextmanager
def replay(module: str, name: str) -> Iterator[Recording]:
    """Replay ``cassettes/<module>/<name>`` for every extractor, failing if any recorded exchange
    goes unasked (the test now sends fewer requests than were recorded)."""
    cassette = Recording(
        ROOT / "cassettes" / module / name, "none", rerecord="python tests/record_cassettes.py"
    )
    with recording.use(cassette):
        yield cassette
    assert not cassette.unplayed, f"unplayed exchanges in {name}"


@pytest.fixture(autouse=True)
def _isolate_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No user's keys, endpoints or caches leak into a test."""
    for var in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "LLM_EXTRACT_MODEL", "LLM_EXTRACT_DEBUG",
                "OPENAI_ORG_ID", "OPENAI_PROJECT_ID"):  # fmt: skip
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("LLM_EXTRACT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("LLM_EXTRACT_CACHE", raising=False)
    # Endpoint gates are per process: no test inherits another's limit or 429 pause.
    monkeypatch.setattr(limiter, "_gates", {})


@pytest.fixture
def fake() -> FakeServer:
    return FakeServer()


@pytest.fixture
def fake_backend(fake: FakeServer) -> FakeBackend:
    return FakeBackend(fake)


@pytest.fixture
def no_wait() -> Retrying:
    """The default transport policy with sleeps recorded instead of slept."""
    return fast_retrying(4)


def fast_retrying(retries: int, sleeps: list[float] | None = None, **_: Any) -> Retrying:
    return transport_retrying(
        retries, sleep=(sleeps.append if sleeps is not None else lambda s: None)
    )


def seed_text() -> str:
    return SEED.read_text(encoding="utf-8")


def seed_lead() -> str:
    """The seed article's first four sentences (the capture and the clashes): note-sized, the
    kind of text one single-pass request codes well."""
    return "\n".join(seed_text().split("\n")[:4])


def conflict_answer(**overrides: Any) -> dict[str, Any]:
    """A valid conflict_events answer about the seed article's first sentence."""
    record = {
        "event_type": "Battles",
        "sub_event_type": "Government regains territory",
        "event_date": "on Wednesday",
        "location": {"place": "Khan Sheikhoun", "admin1": "Idlib", "country": "Syria"},
        "actor1": {"name": "Syrian regime forces", "category": "State forces", "associated": []},
        "actor2": {"name": "Rebels", "category": "Rebel group", "associated": []},
        "fatalities": None,
        "source": "Syrian Observatory for Human Rights",
        "summary": "Syrian regime forces took full control of Khan Sheikhoun.",
        "evidence": [1],
    }
    record.update(overrides)
    return {"records": [record]}


def dumps(obj: Any) -> str:
    return json.dumps(obj)
