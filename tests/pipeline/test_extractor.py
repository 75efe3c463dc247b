"""Pipeline logic against the fake server: re-asks, transport retries, usage, errors."""

from __future__ import annotations

import json
from pathlib import Path

import httpx2 as httpx
import pytest

from llm_extract import (
    AuthenticationError,
    EndpointUnreachableError,
    Extractor,
    InputError,
    ModelNotFoundError,
    OutputTruncatedError,
    RequestRejectedError,
    TransportRetriesExhaustedError,
    ValidationRetriesExhaustedError,
)
from tests.conftest import SEED_PUBLISHED, conflict_answer, fast_retrying, seed_text
from tests.fakes import FakeBackend, FakeServer


def make(fake_backend: FakeBackend, retries: int = 4, **kw: object) -> Extractor:
    return Extractor(
        "conflict_events", backend=fake_backend, transport_retries=fast_retrying(retries), **kw
    )  # type: ignore[arg-type]


def test_happy_path_grounds_evidence_and_resolves_date(
    fake: FakeServer, fake_backend: FakeBackend
) -> None:
    fake.enqueue(conflict_answer(evidence=[1, 2]))
    result = make(fake_backend).extract(seed_text(), published=SEED_PUBLISHED)
    (record,) = result.records
    text = seed_text()
    for ev in record.evidence:
        assert text[ev.start : ev.end] == ev.quote
        assert ev.alignment == "sentence"
    assert [ev.sentence for ev in record.evidence] == [1, 2]
    assert record.event_date.date.isoformat() == "2019-08-21"  # "on Wednesday", published Wed
    assert record.event_date.precision == "day"
    assert result.usage.total_tokens == 120
    assert result.attempts.requests == 1
    assert (result.attempts.validation_reasks, result.attempts.transport_retries) == (0, 0)


def test_prompt_carries_numbered_sentences_taxonomy_and_descriptions(
    fake: FakeServer, fake_backend: FakeBackend
) -> None:
    fake.enqueue(conflict_answer())
    make(fake_backend).extract(seed_text(), published="2019-08-21")
    sent = fake.requests[0]
    system = sent["messages"][0]["content"]
    assert "- Battles: government regains territory = state forces retake a place" in system
    schema = json.dumps(sent["response_format"])
    assert "Who they are or who acted with them" in schema  # a Field description reaches the model
    assert sent["messages"][-1]["content"].startswith("Published: 2019-08-21\n[S1] Syrian regime")
    assert sent["response_format"]["type"] == "json_schema"
    assert sent["temperature"] == 0.0


def test_validation_failure_is_reasked_and_usage_summed(
    fake: FakeServer, fake_backend: FakeBackend
) -> None:
    # Sub-type from another event type: the validator rejects it, the model is asked again.
    fake.enqueue(conflict_answer(sub_event_type="Air/drone strike"), usage=(1000, 50))
    fake.enqueue(conflict_answer(), usage=(1100, 40))
    result = make(fake_backend).extract(seed_text(), published=SEED_PUBLISHED)
    assert result.attempts.validation_reasks == 1
    assert result.attempts.transport_retries == 0
    assert result.attempts.requests == 2
    assert (
        "belongs to event_type 'Explosions/Remote violence'" in result.attempts.validation_errors[0]
    )
    assert result.usage.prompt_tokens == 2100 and result.usage.completion_tokens == 90
    reask = fake.requests[1]["messages"]
    assert "Explosions/Remote violence" in reask[-1]["content"]  # the error is shown to the model


@pytest.mark.parametrize(
    ("bad", "expected"),
    [
        ({"evidence": [99]}, "cites sentence 99"),
        ({"evidence": ["Regime troops stormed the city"]}, "does not appear in the source"),
        ({"event_date": "on 5 September 2019"}, "after the publication date"),
        ({"event_type": "Parade"}, "event_type"),
    ],
)
def test_meaning_validators_trigger_reasks(
    fake: FakeServer, fake_backend: FakeBackend, bad: dict[str, object], expected: str
) -> None:
    fake.enqueue(conflict_answer(**bad)).enqueue(conflict_answer())
    result = make(fake_backend).extract(seed_text(), published=SEED_PUBLISHED)
    assert result.attempts.validation_reasks == 1
    assert expected in result.attempts.validation_errors[0]


def test_near_miss_quote_snaps_to_source(fake: FakeServer, fake_backend: FakeBackend) -> None:
    quote = "Syrian regime forces took full control of the key north-western town of Khan Sheikhoun"
    fake.enqueue(conflict_answer(evidence=[quote]))
    (record,) = make(fake_backend).extract(seed_text(), published=SEED_PUBLISHED).records
    ev = record.evidence[0]
    assert ev.alignment == "fuzzy"
    assert seed_text()[ev.start : ev.end] == ev.quote
    assert "northwestern town of Khan Sheikhoun" in ev.quote


def test_validation_budget_exhausted_carries_attempts_usage_and_last_output(
    fake: FakeServer, fake_backend: FakeBackend
) -> None:
    for _ in range(3):
        fake.enqueue(conflict_answer(evidence=[42]))
    with pytest.raises(ValidationRetriesExhaustedError) as info:
        make(fake_backend, validation_retries=2).extract(seed_text(), published=SEED_PUBLISHED)
    err = info.value
    assert err.attempts is not None and err.usage is not None
    assert err.attempts.requests == 3
    assert err.attempts.validation_reasks == 2
    assert len(err.validation_errors) == 3
    assert err.usage.total_tokens == 360
    assert err.last_output is not None and '"evidence": [42]' in err.last_output
    assert "--validation-retries" in str(err)


def test_malformed_json_content_is_a_validation_reask(
    fake: FakeServer, fake_backend: FakeBackend
) -> None:
    fake.enqueue('{"records": [{"event_type": "Battles", ').enqueue(conflict_answer())
    result = make(fake_backend).extract(seed_text(), published=SEED_PUBLISHED)
    assert result.attempts.validation_reasks == 1
    assert result.attempts.transport_retries == 0


@pytest.mark.parametrize("status", [429, 500, 502, 503])
def test_transport_failures_are_retried_not_reasked(
    fake: FakeServer, fake_backend: FakeBackend, status: int
) -> None:
    fake.enqueue("server says no", status=status).enqueue(conflict_answer())
    result = make(fake_backend).extract(seed_text(), published=SEED_PUBLISHED)
    assert result.attempts.transport_retries == 1
    assert result.attempts.validation_reasks == 0
    assert result.usage.total_tokens == 120  # failed responses carry no usage
    # The retried request is identical: no error text was fed into the prompt.
    assert fake.requests[0] == fake.requests[1]


def test_retry_after_is_honoured(fake: FakeServer, fake_backend: FakeBackend) -> None:
    sleeps: list[float] = []
    fake.enqueue("slow down", status=429, headers={"retry-after": "7"})
    fake.enqueue("slow down", status=429, headers={"retry-after-ms": "250"})
    fake.enqueue(conflict_answer())
    ex = Extractor(backend=fake_backend, transport_retries=fast_retrying(4, sleeps))
    ex.extract(seed_text(), published=SEED_PUBLISHED)
    assert sleeps == [7.0, 0.25]


def test_timeouts_and_resets_are_retried(fake: FakeServer, fake_backend: FakeBackend) -> None:
    fake.enqueue(raises=httpx.ReadTimeout("timed out"))
    fake.enqueue(raises=httpx.ConnectError("connection reset"))
    fake.enqueue(raw="<html>bad gateway</html>")  # a 200 that is not JSON: broken proxy
    fake.enqueue(conflict_answer())
    result = make(fake_backend).extract(seed_text(), published=SEED_PUBLISHED)
    assert result.attempts.transport_retries == 3
    assert result.attempts.requests == 4


def test_transport_budget_exhausted(fake: FakeServer, fake_backend: FakeBackend) -> None:
    for _ in range(3):
        fake.enqueue("overloaded", status=503)
    with pytest.raises(TransportRetriesExhaustedError) as info:
        make(fake_backend, retries=2).extract(seed_text(), published=SEED_PUBLISHED)
    assert info.value.attempts is not None
    assert info.value.attempts.transport_retries == 2
    assert info.value.attempts.validation_reasks == 0
    assert "after 2 transport retries" in str(info.value)
    assert not fake.queue


@pytest.mark.parametrize(
    ("status", "error", "hint"),
    [
        (401, AuthenticationError, "OPENAI_API_KEY"),
        (403, AuthenticationError, "--api-key"),
        (404, ModelNotFoundError, "--model"),
        (400, RequestRejectedError, "split it"),
    ],
)
def test_client_errors_fail_fast_with_a_fix(
    fake: FakeServer, fake_backend: FakeBackend, status: int, error: type[Exception], hint: str
) -> None:
    fake.enqueue("nope", status=status)
    with pytest.raises(error, match=hint):
        make(fake_backend).extract(seed_text(), published=SEED_PUBLISHED)
    assert len(fake.requests) == 1  # not retried, not re-asked


def test_unreachable_endpoint_names_the_fix() -> None:
    ex = Extractor(base_url="http://127.0.0.1:9/v1", model="m", transport_retries=fast_retrying(1))
    with pytest.raises(EndpointUnreachableError, match="--base-url") as info:
        ex.extract("Rebels attacked a town.")
    assert info.value.attempts is not None and info.value.attempts.transport_retries == 1


def test_truncated_output_is_reported(fake: FakeServer, fake_backend: FakeBackend) -> None:
    fake.enqueue('{"records": [', finish_reason="length")
    with pytest.raises(OutputTruncatedError, match="--max-tokens"):
        make(fake_backend).extract(seed_text(), published=SEED_PUBLISHED)


def test_prompt_too_long_for_context_fails_before_sending(fake: FakeServer) -> None:
    ex = Extractor(backend=FakeBackend(fake, context_window=2048))
    with pytest.raises(InputError, match="context"):
        ex.extract(seed_text())
    assert fake.requests == []


def test_template_with_braces_in_document_is_not_rendered(
    fake: FakeServer, fake_backend: FakeBackend
) -> None:
    fake.enqueue({"records": []}).enqueue({"records": []})
    text = "Rebels posted {{ config }} and {% raw %} on a wall in Aleppo."
    make(fake_backend).extract(text)
    assert "{{ config }}" in fake.requests[0]["messages"][-1]["content"]


def test_an_empty_answer_gets_one_second_look_then_is_accepted(
    fake: FakeServer, fake_backend: FakeBackend
) -> None:
    fake.enqueue({"records": []}).enqueue({"records": []})
    result = make(fake_backend).extract("The weather was mild in Paris.")
    assert result.records == []
    # A strategy follow-up, counted apart from validation re-asks.
    assert result.attempts.second_looks == 1 and result.attempts.validation_reasks == 0
    assert result.attempts.requests == 2
    assert "Read it again" in fake.requests[1]["messages"][-1]["content"]
    assert fake.requests[1]["messages"][-2] == {"role": "assistant", "content": '{"records": []}'}


def test_a_second_look_can_find_the_event(fake: FakeServer, fake_backend: FakeBackend) -> None:
    fake.enqueue({"records": []}).enqueue(conflict_answer())
    result = make(fake_backend).extract(seed_text(), published=SEED_PUBLISHED)
    assert len(result.records) == 1 and result.attempts.second_looks == 1
    assert result.attempts.validation_reasks == 0


async def test_async_extract(fake: FakeServer, fake_backend: FakeBackend) -> None:
    fake.enqueue("busy", status=429).enqueue(conflict_answer(evidence=[3])).enqueue(
        conflict_answer()
    )
    ex = make(fake_backend)
    result = await ex.aextract(seed_text(), published=SEED_PUBLISHED)
    assert result.attempts.transport_retries == 1
    assert result.attempts.validation_reasks == 0
    assert result.records[0].evidence[0].sentence == 3
    await ex.aclose()
    assert (
        json.loads(json.dumps(result.to_json_dict()))["records"][0]["evidence"][0]["sentence"] == 3
    )
    assert len(fake.queue) == 1


def test_sdk_retries_are_off_so_attempts_do_not_multiply() -> None:
    from llm_extract.backends import resolve_backend

    backend = resolve_backend(base_url="http://127.0.0.1:9/v1", model="m")
    assert backend.client(5).max_retries == 0
    assert backend.async_client(5).max_retries == 0
    embedded = resolve_backend("embedded")
    assert embedded.name == "embedded"  # picked without a URL or key; nothing started yet


def test_backend_resolution_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from llm_extract import ConfigError
    from llm_extract.backends import resolve_backend

    assert resolve_backend().name == "embedded"
    monkeypatch.setenv("OPENAI_BASE_URL", "http://localhost:8000/v1")
    monkeypatch.setenv("LLM_EXTRACT_MODEL", "served-model")
    backend = resolve_backend()
    assert (backend.name, backend.model, backend.base_url) == (
        "openai",
        "served-model",
        "http://localhost:8000/v1",
    )
    monkeypatch.delenv("OPENAI_BASE_URL")
    monkeypatch.delenv("LLM_EXTRACT_MODEL")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    assert resolve_backend().base_url == "https://api.openai.com/v1"
    monkeypatch.delenv("OPENAI_API_KEY")
    with pytest.raises(ConfigError, match="OPENAI_API_KEY"):
        resolve_backend("openai")


def test_top_level_extract_function(fake: FakeServer, fake_backend: FakeBackend) -> None:
    from llm_extract import extract

    fake.enqueue(conflict_answer())
    result = extract(seed_text(), "conflict_events", published="2019-08-21", backend=fake_backend)
    assert result.schema_name == "conflict_events"
    assert result.model == "fake-model"
    assert len(result.records) == 1


def test_usage_counts_cached_prompt_tokens_when_the_server_reports_them() -> None:
    from openai.types import CompletionUsage

    from llm_extract import Usage

    usage = Usage()
    usage.add(CompletionUsage.model_validate({
        "prompt_tokens": 1200, "completion_tokens": 100, "total_tokens": 1300,
        "prompt_tokens_details": {"cached_tokens": 1100},
    }))  # fmt: skip
    usage.add(CompletionUsage(prompt_tokens=50, completion_tokens=5, total_tokens=55))
    assert (usage.prompt_tokens, usage.cached_prompt_tokens, usage.total_tokens) == (
        1250,
        1100,
        1355,
    )


def test_a_backends_prefix_cache_runs_around_each_request_sent(
    fake: FakeServer, fake_backend: FakeBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[tuple[str, object]] = []

    class Hooks:
        def before(self, body: bytes) -> None:
            seen.append(("before", json.loads(body)["messages"][-1]["content"][:5]))

        def after(self, ok: bool) -> None:
            seen.append(("after", ok))

    monkeypatch.setattr(fake_backend, "prefix_cache", lambda: Hooks())
    fake.enqueue(status=500).enqueue(conflict_answer())
    result = make(fake_backend).extract(seed_text(), published=SEED_PUBLISHED)
    assert len(result.records) == 1 and result.attempts.transport_retries == 1
    # The failed try leaves the slot unknown (after False); the retry is wrapped again.
    assert seen == [("before", "Publi"), ("after", False), ("before", "Publi"), ("after", True)]


def test_recording_keeps_the_prefix_cache_and_replay_skips_it(
    fake: FakeServer,
    fake_backend: FakeBackend,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    # A recorded run must answer as an unrecorded one: same server state before each request.
    calls: list[str] = []

    class Hooks:
        def before(self, body: bytes) -> None:
            calls.append("before")

        def after(self, ok: bool) -> None:
            calls.append("after")

    monkeypatch.setattr(fake_backend, "prefix_cache", lambda: Hooks())
    fake.responder = lambda request: conflict_answer()
    path = tmp_path / "run.yaml"
    with make(fake_backend, record=path) as extractor:
        first = extractor.extract(seed_text(), published=SEED_PUBLISHED)
    assert calls == ["before", "after"]
    with make(fake_backend, replay=path) as extractor:
        again = extractor.extract(seed_text(), published=SEED_PUBLISHED)
    assert calls == ["before", "after"]  # a replay sends nothing, so it touches no server state
    assert [r.model_dump() for r in again.records] == [r.model_dump() for r in first.records]
