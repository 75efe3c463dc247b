"""The review page in a real browser (headless Chromium via selenium), on the seed article's
records from a real recording: the find-fill cassette replayed through ``extract -o`` rows."""

from __future__ import annotations

import itertools
import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from llm_extract import Extractor
from llm_extract.backends.embedded.model_files import MODEL_NAME
from llm_extract.cli.main import app
from llm_extract.runs.corpus import run_corpus
from tests.conftest import REPLAY_URL, ROOT, SEED, SEED_PUBLISHED, replay
from tests.render.test_render import record, row, write_rows

pytestmark = pytest.mark.browser

SCREENSHOT = ROOT / "tests" / "artifacts" / "review_seed.png"
_BROWSERS = ("chromium", "chromium-browser", "google-chrome")

# The character span [start, end) of each <mark> inside the text box, counted in the DOM.
_MARK_SPANS = """
const box = document.getElementById('text-0');
return Array.from(box.querySelectorAll('mark')).map(mark => {
  const range = document.createRange();
  range.setStart(box, 0);
  range.setEndBefore(mark);
  const start = range.toString().length;
  return [start, start + mark.textContent.length, mark.getAttribute('data-r')];
});
"""
_IN_VIEW = """
const r = arguments[0].getBoundingClientRect();
return r.top >= 0 && r.bottom <= window.innerHeight && r.height > 0;
"""


def _browser() -> tuple[str, str]:
    binary = next((b for name in _BROWSERS if (b := shutil.which(name) or "")), "")
    driver = shutil.which("chromedriver") or ""
    if not (binary and driver):
        pytest.skip(
            "no headless browser: install Chromium and its driver "
            "(apt-get install -y chromium chromium-driver) to run the review page test"
        )
    return binary, driver


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    binary, driver_path = _browser()
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    options.binary_location = binary
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1280,800", "--force-device-scale-factor=1"):  # fmt: skip
        options.add_argument(arg)
    driver = webdriver.Chrome(options=options, service=Service(driver_path))
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture
def seed_page(tmp_path: Path) -> tuple[Path, dict[str, Any]]:
    """extract -o rows for the seed article from the real find-fill recording, rendered."""
    results, page = tmp_path / "results.jsonl", tmp_path / "review.html"
    # One piece at a time, matched on the fingerprint: the recording's answers to these prompts.
    extractor = Extractor(
        "conflict_events", base_url=REPLAY_URL, model=MODEL_NAME, strategy="find-fill",
        chunk_concurrency=1,
    )  # fmt: skip
    with replay("test_wire", "test_seed_article_find_fill_real.yaml"), extractor:
        summary = run_corpus(extractor, [SEED], results, published=SEED_PUBLISHED)
    assert summary.ok == 1
    rendered = CliRunner().invoke(app, ["render", str(results), "-o", str(page)])
    assert rendered.exit_code == 0, rendered.output
    row: dict[str, Any] = json.loads(results.read_text(encoding="utf-8"))
    return page, row


def _expected_marks(row: dict[str, Any]) -> list[list[Any]]:
    """What the marks must be: the text cut at every evidence boundary, each covered piece with
    the records whose evidence covers it."""
    spans = [[(e["start"], e["end"]) for e in r["evidence"]] for r in row["records"]]
    cuts = sorted({0, len(row["text"])} | {x for rs in spans for s in rs for x in s})
    marks: list[list[Any]] = []
    for a, b in itertools.pairwise(cuts):
        recs = " ".join(str(i) for i, rs in enumerate(spans) if any(s <= a < b <= e for s, e in rs))
        if recs and marks and marks[-1][1] == a and marks[-1][2] == recs:
            marks[-1][1] = b
        elif recs:
            marks.append([a, b, recs])
    return marks


def test_seed_article_highlights_and_links(browser: Any, seed_page: tuple[Path, Any]) -> None:
    from selenium.webdriver.common.by import By

    page, row = seed_page
    text = row["text"]
    assert text == SEED.read_text(encoding="utf-8") and len(row["records"]) >= 3
    browser.get(page.as_uri())

    # The text box holds the article exactly, and each highlight sits on its evidence characters.
    assert browser.execute_script("return document.getElementById('text-0').textContent") == text
    marks = browser.execute_script(_MARK_SPANS)
    assert marks == _expected_marks(row)
    for start, end, _ in marks:
        assert any(
            e["start"] <= start and end <= e["end"] for r in row["records"] for e in r["evidence"]
        )
    # Coloured by event type: records of one type share a colour, and types differ.
    colours = {}
    for mark in browser.find_elements(By.CSS_SELECTOR, "#text-0 mark"):
        first = int(mark.get_attribute("data-r").split()[0])
        colour = mark.value_of_css_property("background-color")
        assert colours.setdefault(row["records"][first]["event_type"], colour) == colour
    assert len(set(colours.values())) == len(colours) >= 2

    # Clicking a record's row scrolls to its first span, which was out of view, and flashes it.
    first_span = browser.find_elements(By.CSS_SELECTOR, '#text-0 mark[data-r~="0"]')[0]
    row0 = browser.find_element(By.ID, "row-0-0")
    browser.execute_script("arguments[0].scrollIntoView({block: 'end'})", row0)
    assert not browser.execute_script(_IN_VIEW, first_span), "the span starts out of view"
    row0.click()
    assert browser.execute_script(_IN_VIEW, first_span)
    assert "flash" in first_span.get_attribute("class")

    # Clicking a span scrolls to its record's row.
    last = len(row["records"]) - 1
    span = browser.find_elements(By.CSS_SELECTOR, f'#text-0 mark[data-r~="{last}"]')[0]
    row_last = browser.find_element(By.ID, f"row-0-{last}")
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", span)
    row_last_was_visible = browser.execute_script(_IN_VIEW, row_last)
    span.click()
    assert browser.execute_script(_IN_VIEW, row_last)
    assert "flash" in row_last.get_attribute("class") and not row_last_was_visible

    browser.execute_script("window.scrollTo(0, 0)")
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    browser.set_window_size(1280, 2200)
    assert browser.save_screenshot(str(SCREENSHOT))
    print(f"\nReview page screenshot: {SCREENSHOT}")
    if os.environ.get("LLM_EXTRACT_KEEP_REVIEW"):
        shutil.copy(page, SCREENSHOT.with_suffix(".html"))


def test_pages_and_untrusted_text(browser: Any, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    texts = [
        f"Doc {i}: <script>document.title='hacked'</script> <b>fighters</b> \U0001f642 clashed in "
        f"Idlib.\n<img src=x onerror=\"document.title='hacked'\"> Nothing else."
        for i in range(5)
    ]
    quote = "<b>fighters</b> \U0001f642 clashed in Idlib."
    evil = "<img src=x onerror=\"document.title='hacked'\">"
    rows = [row(f"d{i}", t, [record(t, [quote], summary=evil)]) for i, t in enumerate(texts)]
    rows[1]["flags"] = [{"record": 0, "problem": f"Record 1: {evil} contradicts the code."}]
    page = tmp_path / "review.html"
    results = write_rows(tmp_path / "r.jsonl", rows)
    rendered = CliRunner().invoke(
        app, ["render", str(results), "-o", str(page), "--page-size", "2"]
    )
    assert rendered.exit_code == 0, rendered.output
    browser.set_window_size(1280, 800)
    browser.get(page.as_uri())

    def shown() -> list[str]:
        return [h.text for h in browser.find_elements(By.CSS_SELECTOR, ".doc h2")]

    assert shown() == ["d0", "d1"]
    assert browser.title == "Review: r.jsonl"  # no script or handler from the texts ran
    assert not browser.find_elements(By.CSS_SELECTOR, "#docs script, #docs img, #docs b")
    assert evil in browser.find_element(By.ID, "row-0-0").text
    assert browser.find_element(By.ID, "row-0-0").get_attribute("class") in ("", None)
    flagged = browser.find_element(By.ID, "row-1-0")  # a flag's text stays text, too
    assert flagged.get_attribute("class") == "flagged"
    assert flagged.find_elements(By.TAG_NAME, "td")[1].get_attribute("title") == (
        f"Review: Record 1: {evil} contradicts the code."
    )
    boxes = browser.find_elements(By.CSS_SELECTOR, ".text")
    assert [b.get_property("textContent") for b in boxes] == texts[:2]
    marks = browser.find_elements(By.CSS_SELECTOR, "mark.ev")
    assert [m.get_property("textContent") for m in marks] == [quote, quote]

    browser.find_element(By.ID, "next").click()
    assert shown() == ["d2", "d3"]
    assert browser.find_element(By.ID, "page-info").text == "Page 2 of 3 (5 documents)"
    find = browser.find_element(By.ID, "find")
    find.send_keys("d4", Keys.TAB)  # leaving the field fires change
    assert shown() == ["d4"] and browser.find_element(By.ID, "next").get_property("disabled")
