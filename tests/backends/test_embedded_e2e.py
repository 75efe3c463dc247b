"""End to end on the real embedded model (slow; `pytest -m embedded`, run by .ci/run)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from llm_extract.cli.main import app
from tests.conftest import SEED

pytestmark = pytest.mark.embedded


def test_readme_command_extracts_grounded_records(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("xllamacpp", reason="needs pip install -e '.[local]'")
    # Use the real cache so the 1.1 GB model is assembled once, not per test.
    monkeypatch.setenv("LLM_EXTRACT_CACHE_DIR", str(Path.home() / ".cache" / "llm_extract"))
    res = CliRunner().invoke(
        app, ["extract", str(SEED), "--published", "2019-08-21", "--validation-retries", "2"]
    )
    assert res.exit_code == 0, res.stderr
    assert "Using the embedded" in res.stderr
    data = json.loads(res.stdout)
    text = SEED.read_text(encoding="utf-8")
    assert data["attempts"]["requests"] > 1  # find-fill: one request per window
    for record in data["records"]:
        assert record["evidence"]
        for ev in record["evidence"]:
            assert text[ev["start"] : ev["end"]] == ev["quote"]
        date = record["event_date"]["date"]
        assert date is None or date <= "2019-08-21"
    assert data["usage"]["prompt_tokens"] > 500
    print(json.dumps(data["records"], indent=1))
    print(res.stderr)
    # What a coder records first from this article (README quick start): the capture of Khan
    # Sheikhoun and the strike on the Tel Mannas hospital, both on Wednesday 2019-08-21.
    found = {
        (r["sub_event_type"], r["event_date"]["date"], ev["sentence"])
        for r in data["records"]
        for ev in r["evidence"]
    }
    assert any(
        sub == "Government regains territory" and day == "2019-08-21" and sentence in (1, 2)
        for sub, day, sentence in found
    ), found
    assert any(
        sub == "Air/drone strike" and day == "2019-08-21" and sentence in (22, 24)
        for sub, day, sentence in found
    ), found
    # Background totals are not events.
    cited = {ev["sentence"] for r in data["records"] for ev in r["evidence"]}
    assert not cited & {8, 26}, cited


def test_prefix_files_are_written_before_use_and_depend_on_the_prefix_alone(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    pytest.importorskip("xllamacpp", reason="needs pip install -e '.[local]'")
    from llm_extract.backends.embedded.model_files import ensure_model_file
    from llm_extract.backends.embedded.server import EmbeddedBackend
    from llm_extract.wire import send as wire
    from llm_extract.wire.limits import EndpointGate

    model = ensure_model_file(Path.home() / ".cache" / "llm_extract")  # assembled once
    monkeypatch.setenv("LLM_EXTRACT_CACHE_DIR", str(tmp_path))  # prompt files of this test only
    backend = EmbeddedBackend(model_path=model, context_window=2048)
    prefix = backend.prefix_cache()
    assert prefix is not None
    client = wire.layered(backend.client(120), EndpointGate(1), None, backend.endpoint, prefix)

    rules = "Code every protest in the text, with its place and date. " * 10

    def cached(example: str, text: str) -> int:
        answer = client.chat.completions.create(
            model=backend.model, max_tokens=1, temperature=0.0,
            messages=[
                {"role": "system", "content": rules},
                {"role": "user", "content": example},
                {"role": "assistant", "content": "noted"},
                {"role": "user", "content": text},
            ],
        )  # fmt: skip
        assert answer.usage is not None and answer.usage.prompt_tokens_details is not None
        return answer.usage.prompt_tokens_details.cached_tokens or 0

    # The same rules with two sets of examples, as find-fill sends them. Each prefix is read
    # before its first request (rules, then examples), so every request gets all of it from
    # the cache, even after a switch (without the files llama.cpp would reuse the rules only).
    riots = "Example: youths threw stones at police in Kisumu. That is a riot. " * 6
    strikes = "Example: a drone hit a truck near Marib. That is an air strike. " * 6
    assert cached(riots, "Police arrested 3 men in Accra.") > 180
    assert cached(strikes, "Police arrested 3 men in Accra.") > 180
    assert cached(riots, "Crowds marched in Lagos.") > 180
    files = {f.name: f.read_bytes() for f in (tmp_path / "prompt-cache").glob("*.slot")}
    assert len(files) == 3  # the rules, and the rules with each set of examples
    # A file depends on its prefix alone, not on what the slot held before: written again
    # from nothing, in another order, the strike examples' state is the same to the byte.
    for f in (tmp_path / "prompt-cache").glob("*.slot"):
        f.unlink()
    cached(strikes, "Crowds marched in Lagos.")
    again = {f.name: f.read_bytes() for f in (tmp_path / "prompt-cache").glob("*.slot")}
    assert again and all(files[name] == data for name, data in again.items())


FRENCH = Path(__file__).resolve().parents[2] / "examples" / "fr_diafarabe_2024.txt"


def test_a_french_article_gives_its_events_in_french(monkeypatch: pytest.MonkeyPatch) -> None:
    """The team's own French article (not a translation of any dev or held-out text): the
    quick start's command finds its clash and drone strike on the right days, and does not
    code the background total."""
    pytest.importorskip("xllamacpp", reason="needs pip install -e '.[local]'")
    monkeypatch.setenv("LLM_EXTRACT_CACHE_DIR", str(Path.home() / ".cache" / "llm_extract"))
    res = CliRunner().invoke(app, ["extract", str(FRENCH), "--published", "2024-03-14"])
    assert res.exit_code == 0, res.stderr
    data = json.loads(res.stdout)
    print(json.dumps(data["records"], indent=1, ensure_ascii=False))
    assert data["language"] == "fr"
    text = FRENCH.read_text(encoding="utf-8")
    for record in data["records"]:
        for ev in record["evidence"]:
            assert text[ev["start"] : ev["end"]] == ev["quote"]
    found = {(r["sub_event_type"], r["event_date"]["date"]) for r in data["records"]}
    expected = {("Armed clash", "2024-03-12"), ("Air/drone strike", "2024-03-13")}
    assert expected <= found, found
    background = text.index("Depuis janvier, plus de 400 personnes")
    cited = [ev["start"] for r in data["records"] for ev in r["evidence"]]
    assert background not in cited, "the background total is not an event"
