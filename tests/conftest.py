"""Shared fixtures: offline by default, isolated user settings, cassettes under cassettes/.

Cassettes replay with record mode ``none`` (set in pyproject), so no test touches the network.
To re-record from the embedded model, run ``python tests/record_cassettes.py`` (see README).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import vcr as vcrpy
from tenacity import Retrying

from llm_extract import limiter, transport_retrying
from llm_extract.backends.model_files import MODEL_NAME
from tests.fakes import FakeBackend, FakeServer

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "examples" / "khan_sheikhoun_2019.txt"
SEED_PUBLISHED = date(2019, 8, 21)

# Headers that may carry secrets or account identity; removed before a cassette is written.
SECRET_REQUEST_HEADERS = ["authorization", "api-key", "openai-organization", "openai-project",
                          "cookie", "x-api-key"]  # fmt: skip
SECRET_RESPONSE_HEADERS = ["set-cookie", "openai-organization", "openai-project",
                           "x-request-id", "cf-ray"]  # fmt: skip


def scrub_request(request: Any) -> Any:
    for name in list(request.headers):
        if name.lower() in SECRET_REQUEST_HEADERS or name.lower().startswith("x-stainless"):
            del request.headers[name]
    return request


def scrub_response(response: dict[str, Any]) -> dict[str, Any]:
    headers = response.get("headers", {})
    for name in list(headers):
        if name.lower() in SECRET_RESPONSE_HEADERS:
            del headers[name]
    return response


# The embedded server picks a free port each run: match on what was asked, not where.
MATCH_ON = ["method", "path"]


@pytest.fixture(scope="module")
def vcr_config() -> dict[str, Any]:
    return {
        "before_record_request": scrub_request,
        "before_record_response": scrub_response,
        "filter_query_parameters": ["api-key", "key"],
        "match_on": MATCH_ON,
        "decode_compressed_response": True,
        "allow_playback_repeats": False,
    }


@pytest.fixture(scope="module")
def vcr_cassette_dir(request: pytest.FixtureRequest) -> str:
    module = request.module.__name__.rsplit(".", 1)[-1]
    return str(ROOT / "cassettes" / module)


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


@pytest.fixture(autouse=True)
def _all_interactions_played(request: pytest.FixtureRequest) -> Any:
    """A replayed cassette whose interactions were not all used means the test changed."""
    yield
    if (
        request.node.get_closest_marker("vcr")
        and request.config.getoption("--record-mode") == "none"
    ):
        cassette = request.getfixturevalue("vcr")
        assert cassette.all_played, f"unplayed interactions in {cassette._path}"


REPLAY_URL = "http://127.0.0.1:8080/v1"


@pytest.fixture
def replay_wire() -> dict[str, Any]:
    """Extractor settings for replaying a recording (any URL: cassettes match method and path)."""
    return {"base_url": REPLAY_URL, "model": MODEL_NAME}


@pytest.fixture
def wire(request: pytest.FixtureRequest, replay_wire: dict[str, Any]) -> dict[str, Any]:
    """Replay settings, or, when recording, the real embedded model."""
    if request.config.getoption("--record-mode") == "none":
        return replay_wire
    from llm_extract.backends.embedded import EmbeddedBackend
    from llm_extract.backends.model_files import ensure_model_file

    # Recording uses the real cache, not the per-test temporary one.
    return {
        "backend": EmbeddedBackend(
            model_path=ensure_model_file(Path.home() / ".cache" / "llm_extract")
        )
    }


@contextmanager
def replay(module: str, name: str, match_on: list[str] | None = None) -> Iterator[Any]:
    """Replay a cassette by name, failing if any recorded interaction goes unplayed."""
    recorder = vcrpy.VCR(
        cassette_library_dir=str(ROOT / "cassettes" / module),
        record_mode="none",
        match_on=match_on or MATCH_ON,
    )
    with recorder.use_cassette(name, allow_playback_repeats=False) as cassette:
        yield cassette
    assert cassette.all_played, f"unplayed interactions in {name}"


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
