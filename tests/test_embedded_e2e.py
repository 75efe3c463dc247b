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
    # Not asserted: that records were found. With the issue-3 template the 1.5B model answers
    # no records for this long article, even after the second look (see README, "Be aware").
    assert data["attempts"]["requests"] >= 1
    for record in data["records"]:
        assert record["evidence"]
        for ev in record["evidence"]:
            assert text[ev["start"] : ev["end"]] == ev["quote"]
        date = record["event_date"]["date"]
        assert date is None or date <= "2019-08-21"
    assert data["usage"]["prompt_tokens"] > 500
    print(json.dumps(data["records"], indent=1))
