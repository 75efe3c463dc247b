"""The real wire: replayed cassettes recorded from the embedded llama.cpp server.

``test_*_real`` cassettes are real recordings (re-record: ``python tests/record_cassettes.py``).
``crafted_*`` cassettes are fault sequences built by that script from the real recording:
the fault responses are crafted, every success body is the real one.
"""

from __future__ import annotations

from typing import Any

import pytest

from llm_extract import Extractor, TransportRetriesExhaustedError
from tests.conftest import SEED_PUBLISHED, fast_retrying, replay, seed_text

PLOVER_TEXT = (
    "Turkish Foreign Minister Mevlut Cavusoglu accused Damascus on Tuesday of attacking a Turkish "
    "convoy in Idlib. Russia urged both sides to respect the Sochi agreement. Ankara sent "
    "reinforcements to its observation posts on Wednesday."
)


def check_grounded(result: Any, text: str) -> None:
    assert result.records, "the recorded answer has records"
    for record in result.records:
        assert record.evidence
        for ev in record.evidence:
            assert text[ev.start : ev.end] == ev.quote


@pytest.mark.vcr
def test_seed_article_real(wire: dict[str, Any]) -> None:
    result = Extractor("conflict_events", **wire).extract(seed_text(), published=SEED_PUBLISHED)
    check_grounded(result, seed_text())
    assert result.usage.prompt_tokens > 1000 and result.usage.completion_tokens > 50
    assert result.attempts.requests >= 1
    first = result.records[0]
    assert first.event_date.date is None or first.event_date.date <= SEED_PUBLISHED


# Matched on the request body too: a template, schema or strategy change since recording makes
# this replay fail instead of passing with answers to other prompts.
@pytest.mark.vcr(match_on=["method", "path", "body"])
def test_seed_article_find_fill_real(wire: dict[str, Any]) -> None:
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


@pytest.mark.vcr
def test_plover_real(wire: dict[str, Any]) -> None:
    result = Extractor("plover", **wire).extract(PLOVER_TEXT, published="2019-08-21")
    check_grounded(result, PLOVER_TEXT)
    assert {r.event_type for r in result.records} <= {
        "AGREE", "CONSULT", "SUPPORT", "CONCEDE", "COOPERATE", "AID", "RETREAT", "REQUEST",
        "ACCUSE", "REJECT", "THREATEN", "PROTEST", "SANCTION", "MOBILIZE", "COERCE", "ASSAULT",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("cassette", "transport_retries", "reasks"),
    [
        ("crafted_429_then_real_ok.yaml", 1, 0),
        ("crafted_500_502_then_real_ok.yaml", 2, 0),
        ("crafted_non_json_body_then_real_ok.yaml", 1, 0),
        ("crafted_malformed_content_then_real_ok.yaml", 0, 1),
    ],
)
def test_crafted_faults_recover(
    replay_wire: dict[str, Any], cassette: str, transport_retries: int, reasks: int
) -> None:
    extractor = Extractor("conflict_events", **replay_wire, transport_retries=fast_retrying(4))
    with replay("test_wire", cassette):
        result = extractor.extract(seed_text(), published=SEED_PUBLISHED)
    check_grounded(result, seed_text())
    assert result.attempts.transport_retries == transport_retries
    assert result.attempts.validation_reasks == reasks


def test_crafted_429_forever_exhausts(replay_wire: dict[str, Any]) -> None:
    extractor = Extractor("conflict_events", **replay_wire, transport_retries=fast_retrying(2))
    with (
        replay("test_wire", "crafted_429_x3.yaml"),
        pytest.raises(TransportRetriesExhaustedError, match="429") as info,
    ):
        extractor.extract(seed_text(), published=SEED_PUBLISHED)
    assert info.value.attempts is not None and info.value.attempts.transport_retries == 2


SECRETS = ("authorization", "api-key", "openai-organization", "openai-project", "cookie", "sk-")


def test_cassettes_hold_no_secrets() -> None:
    from tests.conftest import ROOT

    cassettes = list((ROOT / "cassettes").rglob("*.yaml"))
    assert len(cassettes) >= 7
    for path in cassettes:
        text = path.read_text(encoding="utf-8").lower()
        for secret in SECRETS:
            assert secret not in text, f"{secret!r} in {path}"


def test_scrubbers_remove_secrets_from_requests_and_responses() -> None:
    from vcr.request import Request

    from tests.conftest import scrub_request, scrub_response

    request = Request(
        "POST", "https://api.openai.com/v1/chat/completions", b"{}",
        {"Authorization": "Bearer sk-live", "OpenAI-Organization": "org-1",
         "OpenAI-Project": "proj-1", "Cookie": "a=b", "X-Stainless-OS": "Linux",
         "content-type": "application/json"},
    )  # fmt: skip
    scrubbed = scrub_request(request)
    assert set(scrubbed.headers) == {"content-type"}
    response = {"headers": {"Set-Cookie": ["x"], "openai-organization": ["org-1"],
                            "content-type": ["application/json"]}}  # fmt: skip
    assert set(scrub_response(response)["headers"]) == {"content-type"}
