"""The real wire: requests replayed from recordings of the embedded llama.cpp server.

The tests use the shipped pytest plugin (:mod:`llm_extract.testing`), as a user's suite would:
each ``*_real`` test records to, or replays from, ``cassettes/test_wire/<test name>.yaml``,
matched on the request fingerprint, so a template, schema, strategy or input change since the
recording fails the test with a diff instead of passing on answers to another prompt.

Re-record them all (needs the [local] extra; a few minutes on 2 CPU cores), then rebuild the
crafted fault recordings from the real one: ``python tests/record_cassettes.py``.
``crafted_*`` recordings are fault sequences built by that script from the real recording: the
fault responses are crafted, every success body is the real one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from llm_extract import Extractor, TransportRetriesExhaustedError
from llm_extract.backends.embedded.model_files import MODEL_NAME
from llm_extract.wire import recordings
from llm_extract.wire.recordings import Recording
from tests.conftest import ROOT, SEED_PUBLISHED, fast_retrying, replay, seed_lead, seed_text

PLOVER_TEXT = (
    "Turkish Foreign Minister Mevlut Cavusoglu accused Damascus on Tuesday of attacking a Turkish "
    "convoy in Idlib. Russia urged both sides to respect the Sochi agreement. Ankara sent "
    "reinforcements to its observation posts on Wednesday."
)


@pytest.fixture
def wire(request: pytest.FixtureRequest) -> dict[str, Any]:
    """The embedded model when recording; when replaying, only its name (nothing starts)."""
    if request.config.getoption("--llm-record") == "none":
        return {"base_url": recordings.REPLAY_URL, "model": MODEL_NAME}
    from llm_extract.backends.embedded.model_files import ensure_model_file
    from llm_extract.backends.embedded.server import EmbeddedBackend

    # Recording uses the real model cache, not the per-test temporary one.
    model = ensure_model_file(Path.home() / ".cache" / "llm_extract")
    return {"backend": EmbeddedBackend(model_path=model)}


def check_grounded(result: Any, text: str) -> None:
    assert result.records, "the recorded answer has records"
    for record in result.records:
        assert record.evidence
        for ev in record.evidence:
            assert text[ev.start : ev.end] == ev.quote


def test_seed_lead_real(llm_cassette: Recording, wire: dict[str, Any]) -> None:
    extractor = Extractor("conflict_events", **wire, strategy="single")
    result = extractor.extract(seed_lead(), published=SEED_PUBLISHED)
    check_grounded(result, seed_lead())
    assert result.usage.prompt_tokens > 1000 and result.usage.completion_tokens > 50
    assert result.attempts.requests >= 1
    assert all(r.event_date.date is None or r.event_date.date <= SEED_PUBLISHED
               for r in result.records)  # fmt: skip


def test_seed_article_find_fill_real(llm_cassette: Recording, wire: dict[str, Any]) -> None:
    # One piece at a time, so the recording's order is the replay's.
    extractor = Extractor("conflict_events", **wire, strategy="find-fill", chunk_concurrency=1)
    result = extractor.extract(seed_text(), published=SEED_PUBLISHED)
    check_grounded(result, seed_text())
    assert result.chunks > 3 and result.attempts.requests >= result.chunks
    # Usage is summed over every window and follow-up.
    assert result.usage.prompt_tokens > 2000 * result.chunks
    found = {(r.sub_event_type, str(r.event_date.date)) for r in result.records}
    assert ("Government regains territory", "2019-08-21") in found
    assert ("Air/drone strike", "2019-08-21") in found
    cited = {ev.sentence for r in result.records for ev in r.evidence}
    assert not cited & {8, 26}  # background totals are not events


def test_plover_real(llm_cassette: Recording, wire: dict[str, Any]) -> None:
    result = Extractor("plover", **wire).extract(PLOVER_TEXT, published="2019-08-21")
    check_grounded(result, PLOVER_TEXT)
    assert {r.event_type for r in result.records} <= {
        "AGREE", "CONSULT", "SUPPORT", "CONCEDE", "COOPERATE", "AID", "RETREAT", "REQUEST",
        "ACCUSE", "REJECT", "THREATEN", "PROTEST", "SANCTION", "MOBILIZE", "COERCE", "ASSAULT",
    }  # fmt: skip


def replay_extractor(**kwargs: Any) -> Extractor:
    # The single-pass request the real seed-lead recording holds.
    return Extractor(
        "conflict_events", base_url=recordings.REPLAY_URL, model=MODEL_NAME, strategy="single",
        **kwargs,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("cassette", "transport_retries", "reasks"),
    [
        ("crafted_429_then_real_ok.yaml", 1, 0),
        ("crafted_500_502_then_real_ok.yaml", 2, 0),
        ("crafted_non_json_body_then_real_ok.yaml", 1, 0),
        ("crafted_malformed_content_then_real_ok.yaml", 0, 1),
    ],
)
def test_crafted_faults_recover(cassette: str, transport_retries: int, reasks: int) -> None:
    extractor = replay_extractor(transport_retries=fast_retrying(4))
    with replay("test_wire", cassette):
        result = extractor.extract(seed_lead(), published=SEED_PUBLISHED)
    check_grounded(result, seed_lead())
    assert result.attempts.transport_retries == transport_retries
    assert result.attempts.validation_reasks == reasks


def test_crafted_429_forever_exhausts() -> None:
    extractor = replay_extractor(transport_retries=fast_retrying(2))
    with (
        replay("test_wire", "crafted_429_x3.yaml"),
        pytest.raises(TransportRetriesExhaustedError, match="429") as info,
    ):
        extractor.extract(seed_lead(), published=SEED_PUBLISHED)
    assert info.value.attempts is not None and info.value.attempts.transport_retries == 2


SECRETS = ("authorization", "api-key", "openai-organization", "openai-project", "cookie", "sk-")


def test_cassettes_hold_no_secrets() -> None:
    cassettes = list((ROOT / "cassettes").rglob("*.yaml"))
    assert len(cassettes) >= 8
    for path in cassettes:
        text = path.read_text(encoding="utf-8").lower()
        for secret in SECRETS:
            assert secret not in text, f"{secret!r} in {path}"
