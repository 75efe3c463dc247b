"""llm-extract render: the review page from extract -o rows, through the CLI runner."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from llm_extract.cli.main import app
from tests.conftest import conflict_answer, seed_text
from tests.fakes import FakeServer, LoopbackServer

TEXT = (
    "Police fired tear gas at <b>farmers</b> in Kisumu on Monday.\n"
    "Two protesters died, medics said & the police denied it.\n"
    "</script><script>alert('x')</script> Nothing else happened."
)


def evidence(text: str, quote: str) -> dict[str, Any]:
    start = text.index(quote)
    return {"quote": quote, "start": start, "end": start + len(quote), "alignment": "exact"}


def record(text: str, quotes: list[str], **fields: Any) -> dict[str, Any]:
    base = {
        "event_type": "Protests",
        "sub_event_type": "Protest with intervention",
        "event_date": {"text": "on Monday", "date": "2024-05-06", "precision": "day"},
        "location": {"place": "Kisumu", "country": "Kenya"},
        "fatalities": None,
        "summary": "Police fired tear gas at farmers.",
    }
    return {**base, **fields, "evidence": [evidence(text, q) for q in quotes]}


def row(doc_id: str, text: str, records: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
    out = {"document_id": doc_id, "source": f"{doc_id}.txt", "sha256": sha, "status": "ok"}
    return {**out, "records": records, "text": text, **extra}


def write_rows(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def render(results: Path, out: Path, *args: str) -> Any:
    return CliRunner().invoke(app, ["render", str(results), "-o", str(out), *args])


def page_data(html: str) -> dict[str, Any]:
    found = re.search(r'<script type="application/json" id="review-data">(.*?)</script>', html)
    assert found, "the page embeds its data"
    data: dict[str, Any] = json.loads(found[1])
    return data


def test_text_and_fields_are_escaped(tmp_path: Path) -> None:
    evil = "<img src=x onerror=alert(1)>"
    records = [record(TEXT, ["Police fired tear gas"], summary=evil)]
    results = write_rows(tmp_path / "r.jsonl", [row("<i>doc</i>", TEXT, records)])
    result = render(results, tmp_path / "review.html")
    assert result.exit_code == 0, result.output
    html = (tmp_path / "review.html").read_text()
    assert "<b>farmers</b>" not in html and evil not in html and "<i>doc</i>" not in html
    assert html.count("</script>") == 2 and html.count("<script") == 2  # only the page's own
    assert "http://" not in html.replace("http://www.w3.org/2000/svg", "")  # no external assets
    docs = page_data(html)["docs"]
    assert docs[0]["id"] == "<i>doc</i>"  # the data keeps the text; the script inserts text nodes
    assert "".join(p for p, _ in docs[0]["pieces"]) == TEXT


def test_pieces_sit_on_the_evidence_offsets(tmp_path: Path) -> None:
    records = [
        record(TEXT, ["Police fired tear gas at <b>farmers</b>", "Two protesters died"]),
        record(TEXT, ["tear gas at <b>farmers</b> in Kisumu"], event_type="Riots"),
    ]
    results = write_rows(tmp_path / "r.jsonl", [row("d1", TEXT, records)])
    assert render(results, tmp_path / "review.html").exit_code == 0
    doc = page_data((tmp_path / "review.html").read_text())["docs"][0]
    assert "".join(p for p, _ in doc["pieces"]) == TEXT
    covered = {i: "".join(p for p, recs in doc["pieces"] if i in recs) for i in (0, 1)}
    assert covered[0] == "Police fired tear gas at <b>farmers</b>" + "Two protesters died"
    assert covered[1] == "tear gas at <b>farmers</b> in Kisumu"
    both = [p for p, recs in doc["pieces"] if recs == [0, 1]]
    assert both == ["tear gas at <b>farmers</b>"]
    two = TEXT.index("Two")
    assert doc["records"][0]["evidence"] == ["0–39", f"{two}–{two + 19}"]
    assert doc["records"][0]["colour"] != doc["records"][1]["colour"]  # one colour per type


def test_flagged_records_carry_what_to_review(tmp_path: Path) -> None:
    records = [record(TEXT, ["Police fired tear gas"]), record(TEXT, ["Two protesters died"])]
    flags = [{"record": 1, "problem": 'Record 2: the code "Protests: peaceful" cannot ...'}]
    results = write_rows(tmp_path / "r.jsonl", [row("d1", TEXT, records, flags=flags)])
    assert render(results, tmp_path / "review.html").exit_code == 0
    doc = page_data((tmp_path / "review.html").read_text())["docs"][0]
    assert [r["review"] for r in doc["records"]] == [[], [flags[0]["problem"]]]


def test_language_notes_and_dropped_records_are_shown(tmp_path: Path) -> None:
    dropped = [{"error": "event_date: after the publication date", "record": {"x": 1}}]
    note = "The conflict codebook has no word lists for the language 'de'."
    line = row("d1", TEXT, [record(TEXT, ["Police fired tear gas"])], language="de",
               dropped_records=dropped, notes=[note])  # fmt: skip
    results = write_rows(tmp_path / "r.jsonl", [line])
    assert render(results, tmp_path / "review.html").exit_code == 0
    doc = page_data((tmp_path / "review.html").read_text())["docs"][0]
    assert (doc["language"], doc["dropped"], doc["notes"]) == (
        "de",
        ["event_date: after the publication date"],
        [note],
    )


def test_summary_charts_count_types_and_fatalities(tmp_path: Path) -> None:
    records = [
        record(TEXT, ["Two protesters died"], fatalities=2),
        record(TEXT, ["Police fired"], fatalities=3, location={"place": "Nakuru"}),
        record(TEXT, ["Nothing else happened"], event_type="Riots"),
    ]
    results = write_rows(tmp_path / "r.jsonl", [row("d1", TEXT, records)])
    assert render(results, tmp_path / "review.html").exit_code == 0
    html = (tmp_path / "review.html").read_text()
    summary = html[html.index('id="summary"') : html.index('id="pager"')]
    assert "<title>Protests: 2</title>" in summary and "<title>Riots: 1</title>" in summary
    assert "<title>2024-05-06: 5</title>" in summary  # fatalities by date
    assert "<title>Kisumu: 2</title>" in summary and "<title>Nakuru: 3</title>" in summary


def test_text_is_read_from_the_source_when_a_row_lacks_it(tmp_path: Path) -> None:
    (tmp_path / "d1.txt").write_text(TEXT, encoding="utf-8")
    line = json.dumps({"id": "j1", "text": TEXT})
    (tmp_path / "in.jsonl").write_text(line + "\n" + line.replace("j1", "j2") + "\n")
    old = [row("d1", TEXT, [record(TEXT, ["Police fired"])])]
    old += [{**row("j2", TEXT, []), "source": "in.jsonl:2"}]
    for r in old:
        del r["text"]
    results = write_rows(tmp_path / "r.jsonl", old)  # sources are beside the results file
    result = render(results, tmp_path / "review.html")
    assert result.exit_code == 0, result.output
    docs = page_data((tmp_path / "review.html").read_text())["docs"]
    assert ["".join(p for p, _ in d["pieces"]) for d in docs] == [TEXT, TEXT]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("missing", "its source 'd1.txt' cannot be found"),
        ("edited", "its sha256 differs"),
        ("offsets", "is not at [1:13] of the document's text"),
        ("not_results", "is not an llm-extract result row"),
    ],
)
def test_unusable_results_name_the_fix(tmp_path: Path, change: str, message: str) -> None:
    rows = [row("d1", TEXT, [record(TEXT, ["Police fired"])])]
    del rows[0]["text"]
    if change == "edited":
        (tmp_path / "d1.txt").write_text(TEXT.replace("Monday", "Sunday"), encoding="utf-8")
    if change == "offsets":
        rows[0]["text"] = TEXT
        rows[0]["records"][0]["evidence"][0].update(start=1, end=13)
    if change == "not_results":
        rows = [{"id": "d1", "text": TEXT}]
    result = render(write_rows(tmp_path / "r.jsonl", rows), tmp_path / "review.html")
    assert result.exit_code == 2
    assert message in result.output and "Error:" in result.output
    assert "extract -o" in result.output  # the fix
    assert not (tmp_path / "review.html").exists()


def test_failed_documents_are_listed_and_last_rows_win(tmp_path: Path) -> None:
    error = {"type": "InputError", "message": "The document (d2.txt) is empty."}
    failed = {"document_id": "d2", "source": "d2.txt", "sha256": None, "status": "error"}
    failed["error"] = error
    partial = row("d1", TEXT, [record(TEXT, ["Police fired"])], status="partial")
    partial["failed_chunks"] = [{"index": 1, "start": 61, "end": 119, "error": {}}]
    rows = [failed, row("d1", TEXT, []), partial]
    result = render(write_rows(tmp_path / "r.jsonl", rows), tmp_path / "review.html")
    assert result.exit_code == 0
    assert "2 document(s), 1 record(s), 1 failed document(s) listed" in result.output
    docs = page_data((tmp_path / "review.html").read_text())["docs"]
    assert [(d["id"], d["error"], len(d["records"]), d["failedSpans"]) for d in docs] == [
        ("d2", "The document (d2.txt) is empty.", 0, []),
        ("d1", None, 1, ["61–119"]),
    ]


def test_extract_o_rows_carry_their_text_and_render(tmp_path: Path) -> None:
    fake = FakeServer()
    fake.responder = lambda request: conflict_answer()
    article, results = tmp_path / "article.txt", tmp_path / "results.jsonl"
    article.write_text(seed_text(), encoding="utf-8")
    runner = CliRunner()
    with LoopbackServer(fake) as server:
        extracted = runner.invoke(
            app,
            ["extract", str(article), "-o", str(results), "--published", "2019-08-21",
             "--base-url", server.url, "--model", "m", "--api-key", "k"],
        )  # fmt: skip
    assert extracted.exit_code == 0, extracted.output
    assert json.loads(results.read_text())["text"] == seed_text()
    article.unlink()  # the row's own text is enough
    assert render(results, tmp_path / "review.html").exit_code == 0
    doc = page_data((tmp_path / "review.html").read_text())["docs"][0]
    first = seed_text().split("said.")[0] + "said."
    assert "".join(p for p, recs in doc["pieces"] if recs == [0]) == first
