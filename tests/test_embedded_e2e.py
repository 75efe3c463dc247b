"""End to end on the real embedded model (slow; `pytest -m embedded`, run by .ci/run)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from llm_extract.cli import app
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
