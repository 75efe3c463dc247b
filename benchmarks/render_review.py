"""Time to build (and open) the review page for 1,000 documents.

    python benchmarks/render_review.py [--docs 1000] [--repeat 3] [--no-browser]

Input: ``--docs`` result rows shaped like ``extract -o`` output, each the seed article (with its
number appended, so every text differs) and 6 records citing its sentences, with event types,
dates, places and fatalities varied. Measured in the same run: the baseline ``json.dumps`` of
the same rows (the least any writer of this data does), ``llm-extract render``'s work
(``write_review``: read and check the JSONL, cut texts at evidence boundaries, build charts and
the page) for a tenth of the documents and for all of them, and the candidate/baseline ratios.
With Chromium and chromedriver installed, also the page opened in headless Chromium: load until
the first page of documents is on screen, and rendering every page in turn.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from llm_extract.core.document import Document
from llm_extract.render import write_review

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "examples" / "khan_sheikhoun_2019.txt"
TYPES = [("Battles", "Armed clash"), ("Explosions/Remote violence", "Air/drone strike"),
         ("Protests", "Peaceful protest"), ("Strategic developments", "Arrests"),
         ("Riots", "Mob violence"), ("Violence against civilians", "Attack")]  # fmt: skip
PLACES = ["Khan Sheikhoun", "Idlib", "Tel Mannas", "Morek", "Maarat al-Numan", None]


def rows(n: int) -> list[dict[str, Any]]:
    base = SEED.read_text(encoding="utf-8")
    out = []
    for i in range(n):
        doc = Document.from_text(f"{base}\nDocument {i}.", id=f"doc-{i}")
        records = []
        for k in range(6):
            s = doc.sentences[(i + 4 * k) % len(doc.sentences)]
            event_type, sub = TYPES[(i + k) % len(TYPES)]
            records.append({
                "event_type": event_type, "sub_event_type": sub,
                "event_date": {"text": "on Wednesday", "date": f"2019-08-{1 + (i + k) % 28:02d}",
                               "precision": "day"},
                "location": {"place": PLACES[(i * 7 + k) % len(PLACES)], "admin1": "Idlib",
                             "country": "Syria"},
                "actor1": {"name": "Military Forces of Syria", "category": "State forces",
                           "associated": []},
                "actor2": None, "fatalities": (i + k) % 5 or None, "source": "SOHR",
                "summary": f"Event {k} of document {i}.",
                "evidence": [{"quote": s.text, "start": s.start, "end": s.end,
                              "sentence": s.id, "alignment": "sentence"}],
            })  # fmt: skip
        out.append({
            "document_id": doc.id, "source": f"docs/{doc.id}.txt",
            "sha256": hashlib.sha256(doc.text.encode()).hexdigest(), "status": "ok",
            "schema_name": "conflict_events", "model": "bench", "records": records,
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
            "seconds": 1.0, "chunks": 1, "failed_chunks": [], "text": doc.text,
        })  # fmt: skip
    return out


def best_of(repeat: int, work: Callable[[], object]) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def browser_times(page: Path, pages: int) -> tuple[float, float] | None:
    binary, driver_path = shutil.which("chromium"), shutil.which("chromedriver")
    if not (binary and driver_path):
        return None
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    options.binary_location = binary
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage"):
        options.add_argument(arg)
    driver = webdriver.Chrome(options=options, service=Service(driver_path))
    try:
        driver.get("about:blank")
        started = time.perf_counter()
        driver.get(page.as_uri())  # returns after the load event: the first page is rendered
        driver.execute_script("return document.querySelectorAll('.doc').length")
        load = time.perf_counter() - started
        started = time.perf_counter()
        shown = driver.execute_script(
            "var n = 0; for (var p = 0; p < arguments[0]; p++) { window.reviewShow(p);"
            " n += document.querySelectorAll('mark.ev').length; } return n;",
            pages,
        )
        assert shown > 0
        return load, time.perf_counter() - started
    finally:
        driver.quit()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-browser", action="store_true")
    args = parser.parse_args()
    all_rows = rows(args.docs)
    tenth = max(1, args.docs // 10)
    with tempfile.TemporaryDirectory() as tmp:
        big, small = Path(tmp) / "big.jsonl", Path(tmp) / "small.jsonl"
        big.write_text("".join(json.dumps(r) + "\n" for r in all_rows), encoding="utf-8")
        small.write_text("".join(json.dumps(r) + "\n" for r in all_rows[:tenth]), "utf-8")
        page = Path(tmp) / "review.html"
        baseline = best_of(args.repeat, lambda: [json.dumps(r) for r in all_rows])
        t_small = best_of(args.repeat, lambda: write_review(small, Path(tmp) / "s.html"))
        t_big = best_of(args.repeat, lambda: write_review(big, page))
        size = page.stat().st_size
        print(f"{args.docs} documents, {6 * args.docs} records; page {size / 1e6:.1f} MB")
        print(f"baseline json.dumps of the rows:      {baseline:.3f} s")
        print(f"render {tenth:>5} documents:               {t_small:.3f} s")
        print(f"render {args.docs:>5} documents:               {t_big:.3f} s")
        print(f"ratio render/json.dumps ({args.docs} docs):   {t_big / baseline:.1f}x")
        print(f"ratio {args.docs} docs / {tenth} docs:            {t_big / t_small:.1f}x")
        if not args.no_browser:
            pages = -(-args.docs // 20)
            measured = browser_times(page, pages)
            if measured is None:
                print("browser: skipped (no chromium/chromedriver)")
            else:
                load, paging = measured
                print(f"browser: open page, first 20 documents shown: {load:.2f} s")
                print(f"browser: render all {pages} pages in turn:      {paging:.2f} s "
                      f"({paging / pages * 1000:.0f} ms a page)")  # fmt: skip


if __name__ == "__main__":
    main()
