"""The request fingerprint: what changes it, what does not, and how a change is shown."""

from __future__ import annotations

import json
from typing import Any

from llm_extract.wire.fingerprint import changed_parts, diff, fingerprint
from tests.conftest import conflict_answer, seed_text
from tests.fakes import FakeBackend, FakeServer


def body(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "model": "m",
        "messages": [
            {"role": "system", "content": "Code events.\nRules:\n- one per event"},
            {"role": "user", "content": "[S1] Rebels took the town on Monday."},
        ],
        "response_format": {"type": "json_schema", "json_schema": {"name": "X", "schema": {}}},
        "temperature": 0.0,
        "max_tokens": 100,
    }
    base.update(overrides)
    return base


def test_stable_across_key_order_number_spelling_and_volatile_fields() -> None:
    first = fingerprint(body())
    reordered = dict(reversed(list(body(temperature=0).items())))
    assert fingerprint(reordered).digest == first.digest
    assert fingerprint(json.dumps(body()).encode()).digest == first.digest
    noisy = body(stream_options={"include_usage": True}, user="u1", metadata={"run": "7"})
    assert fingerprint(noisy).digest == first.digest
    # A fixed value: the hash must not drift between versions or machines.
    assert first.digest.startswith("fb82ddaeeae2")


def test_everything_that_decides_the_answer_changes_it() -> None:
    base = fingerprint(body()).digest
    changed = [
        body(model="other"),
        body(temperature=0.2),
        body(max_tokens=101),
        body(seed=7),
        body(top_p=0.9),
        body(response_format={"type": "json_object"}),
        body(messages=[{"role": "user", "content": "[S1] Rebels took the town on Tuesday."}]),
    ]
    digests = {fingerprint(b).digest for b in changed}
    assert base not in digests and len(digests) == len(changed)


def test_diff_names_the_changed_part_and_shows_the_line() -> None:
    old = fingerprint(body())
    new = fingerprint(body(temperature=0.5, messages=[
        {"role": "system", "content": "Code events.\nRules:\n- one per distinct event"},
        body()["messages"][1],
    ]))  # fmt: skip
    assert changed_parts(old, new) == ["sampling parameters", "messages (template text or input)"]
    shown = diff(old, new)
    assert "-param temperature: 0" in shown and "+param temperature: 0.5" in shown
    assert "-  - one per event" in shown and "+  - one per distinct event" in shown


def test_a_long_changed_line_is_cut_around_the_change() -> None:
    text = "word " * 100
    old = fingerprint(body(messages=[{"role": "user", "content": text + "Monday"}]))
    new = fingerprint(body(messages=[{"role": "user", "content": text + "Friday"}]))
    shown = diff(old, new)
    assert "Monday" in shown and "Friday" in shown
    assert all(len(line) <= 160 for line in shown.splitlines())


def test_the_extractors_own_request_has_a_stable_fingerprint() -> None:
    fake = FakeServer()
    fake.responder = lambda request: conflict_answer()
    from llm_extract import Extractor

    with Extractor(backend=FakeBackend(fake)) as extractor:
        extractor.extract(seed_text(), published="2019-08-21")
        extractor.extract(seed_text(), published="2019-08-21")
    first, second = (fingerprint(r) for r in fake.requests)
    assert first.digest == second.digest
    assert first.canonical["response_format"]["type"] == "json_schema"
    assert set(first.canonical["params"]) == {"max_tokens", "temperature"}
