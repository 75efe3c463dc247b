"""Tables an analyst loads: publication dates and quotes on every row, fatalities as ACLED codes
them, rows in input order, every document accounted for, typed Parquet columns."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from llm_extract import Columns, Extractor, run_corpus
from llm_extract.cli.main import app
from llm_extract.runs.tables import document_rows, documents_path, table_rows, write_table
from tests.conftest import conflict_answer, fast_retrying
from tests.fakes import FakeBackend, FakeServer, LoopbackServer

TOOK = "Syrian regime forces took full control of Khan Sheikhoun on Wednesday."
KILLED = "Syrian regime forces took Khan Sheikhoun on Wednesday; 3 rebels were killed."
QUIET = "The town council met on Tuesday to discuss the new library budget."


def answer_for(request: dict[str, Any]) -> Any:
    """An answer by the document: an event (3 dead where the text says so), or none."""
    user = " ".join(str(m.get("content")) for m in request["messages"] if m["role"] == "user")
    if "library budget" in user:
        return {"records": []}
    return conflict_answer(fatalities=[3] if "3 rebels were killed" in user else [])


def extractor(server: FakeServer) -> Extractor:
    server.responder = answer_for
    return Extractor(backend=FakeBackend(server), transport_retries=fast_retrying(0), concurrency=1)


def corpus(tmp_path: Path, rows: list[dict[str, Any]], name: str = "news.jsonl") -> Path:
    path = tmp_path / name
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


ROWS = [
    {"id": "took", "text": TOOK, "date": "2019-08-21T23:30:00-04:00", "desk": "syria"},
    {"id": "quiet", "text": QUIET, "date": "2019-08-20"},
    {"id": "empty", "text": "   ", "date": "2019-08-20"},  # unreadable: an error line
    {"id": "killed", "text": KILLED, "date": "2019-08-22", "desk": "syria"},
]


def run(tmp_path: Path, rows: list[dict[str, Any]] = ROWS) -> tuple[Path, list[str]]:
    out = tmp_path / "events.jsonl"
    summary = run_corpus(extractor(FakeServer()), [corpus(tmp_path, rows)], out)
    return out, summary.order


def test_event_rows_carry_the_date_the_quotes_and_acled_fatalities(tmp_path: Path) -> None:
    out, order = run(tmp_path)
    rows = table_rows(out, order)
    assert [r["document_id"] for r in rows] == ["took", "killed"]
    took, killed = rows
    assert str(took["published"]) == "2019-08-21"  # the date in the page's own zone
    assert str(took["event_date"]) == "2019-08-21"  # "on Wednesday", resolved against it
    assert took["evidence_quotes"] == TOOK and took["evidence_spans"] == f"0-{len(TOOK)}"
    # ACLED codes 0 where the text reports no death; the JSONL keeps the model's "not said".
    assert (took["fatalities"], killed["fatalities"]) == (0, 3)
    line = next(
        r for r in map(json.loads, out.read_text().splitlines()) if r["document_id"] == "took"
    )
    assert line["records"][0]["fatalities"] is None and line["published"] == "2019-08-21"
    # The input's own source and the record's (who reported it) are both kept.
    assert took["source"] == "Syrian Observatory for Human Rights"
    assert took["document_source"].endswith("news.jsonl:1") and took["desk"] == "syria"


def test_the_documents_table_shows_documents_with_no_event_and_failed_ones(tmp_path: Path) -> None:
    out, order = run(tmp_path)
    docs = document_rows(out, order)
    assert [(d["document_id"], d["status"], d["records"]) for d in docs] == [
        ("took", "ok", 1),
        ("quiet", "no_events", 0),
        ("empty", "error", 0),
        ("killed", "ok", 1),
    ]
    empty = docs[2]
    assert empty["error_type"] == "InputError" and "empty" in empty["error"]
    assert str(docs[1]["published"]) == "2019-08-20"


def test_rows_follow_the_input_order_not_the_order_lines_were_written(tmp_path: Path) -> None:
    # A resumed run writes its new lines after the old: "killed" (done first) leads the JSONL.
    out = tmp_path / "events.jsonl"
    run_corpus(extractor(FakeServer()), [corpus(tmp_path, [ROWS[3]], "first.jsonl")], out)
    summary = run_corpus(extractor(FakeServer()), [corpus(tmp_path, ROWS)], out)
    written = [json.loads(x)["document_id"] for x in out.read_text().splitlines()]
    assert written == ["killed", "took", "quiet", "empty"]
    assert summary.order == ["took", "quiet", "empty", "killed"]
    assert [r["document_id"] for r in document_rows(out, summary.order)] == summary.order
    assert [r["document_id"] for r in table_rows(out, summary.order)] == ["took", "killed"]
    # Without an order: as the file has them.
    assert [r["document_id"] for r in document_rows(out)] == written


def test_a_key_the_line_gains_becomes_a_column(tmp_path: Path) -> None:
    out, order = run(tmp_path, ROWS[:1])
    line = json.loads(out.read_text())
    line["language"] = "en"  # what a later version writes on its lines
    line["page"] = {"site": "Example News"}
    out.write_text(json.dumps(line) + "\n")
    (row,) = table_rows(out, order)
    assert row["language"] == "en" and row["page_site"] == "Example News"
    assert document_rows(out)[0]["language"] == "en"


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_pandas_loads_both_tables_in_one_line(tmp_path: Path, fmt: str) -> None:
    pd = pytest.importorskip("pandas")
    if fmt == "parquet":
        pytest.importorskip("pyarrow")
    out, order = run(tmp_path)
    written = write_table(out, tmp_path / f"events.{fmt}", fmt, order)
    assert (written.event_rows, written.document_rows) == (2, 4)
    assert written.documents == documents_path(tmp_path / f"events.{fmt}")
    read = pd.read_csv if fmt == "csv" else pd.read_parquet
    events, docs = read(written.events), read(written.documents)
    assert list(events["document_id"]) == ["took", "killed"]
    assert list(events["fatalities"]) == [0, 3] and str(events["fatalities"].dtype) == "int64"
    assert events.loc[0, "evidence_quotes"] == TOOK
    assert list(docs["status"]) == ["ok", "no_events", "error", "ok"]
    assert list(list(events.columns)[:4]) == ["document_id", "record", "status", "published"]


def test_parquet_dates_are_typed(tmp_path: Path) -> None:
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    out, order = run(tmp_path)
    written = write_table(out, tmp_path / "events.parquet", "parquet", order)
    events, docs = pq.read_schema(written.events), pq.read_schema(written.documents)
    assert events.field("event_date").type == pa.date32()
    assert events.field("published").type == pa.date32()
    assert docs.field("published").type == pa.date32()
    assert events.field("fatalities").type == pa.int64()
    assert docs.field("records").type == pa.int64()


def test_a_metadata_key_of_mixed_kinds_is_text_in_parquet(tmp_path: Path) -> None:
    pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    rows = [{**ROWS[0], "views": 12}, {**ROWS[3], "views": "many"}]
    out, order = run(tmp_path, rows)
    written = write_table(out, tmp_path / "events.parquet", "parquet", order)
    assert pq.read_table(written.events).column("views").to_pylist() == ["12", "many"]


def test_cli_csv_in_csv_out_with_columns_as_the_user_has_them(tmp_path: Path) -> None:
    news = tmp_path / "news.csv"
    news.write_text(
        "story,body,when\n"
        f'k,"{KILLED}",2019-08-22T09:00:00Z\nt,"{TOOK}",2019-08-21T23:30:00-04:00\n'
        f'q,"{QUIET}",2019-08-20\n',
        encoding="utf-8",
    )
    server = FakeServer()
    server.responder = answer_for
    with LoopbackServer(server) as srv:
        res = CliRunner().invoke(app, [
            "extract", str(news), "-o", str(tmp_path / "events.csv"), "--base-url", srv.url,
            "--model", "m", "--concurrency", "1", "--transport-retries", "0",
            "--text-field", "body", "--id-column",
            "story", "--published-field", "when",
        ])  # fmt: skip
    assert res.exit_code == 0, res.stderr
    assert "2 event rows" in res.stderr and "3 documents" in res.stderr
    with (tmp_path / "events.csv").open(newline="") as f:
        events = list(csv.DictReader(f))
    with (tmp_path / "events.documents.csv").open(newline="") as f:
        docs = list(csv.DictReader(f))
    assert [(r["document_id"], r["published"], r["fatalities"]) for r in events] == [
        ("k", "2019-08-22", "3"),
        ("t", "2019-08-21", "0"),
    ]
    assert [(d["document_id"], d["status"]) for d in docs] == [
        ("k", "ok"), ("t", "ok"), ("q", "no_events"),
    ]  # fmt: skip


def test_columns_reach_run_corpus_from_python(tmp_path: Path) -> None:
    path = corpus(tmp_path, [{"uid": "a", "story": TOOK, "when": "2019-08-21T10:00:00Z"}])
    out = tmp_path / "events.jsonl"
    run_corpus(
        extractor(FakeServer()), [path], out,
        columns=Columns(text="story", id="uid", published="when"),
    )  # fmt: skip
    (line,) = [json.loads(x) for x in out.read_text().splitlines()]
    assert (line["document_id"], line["status"], line["published"]) == ("a", "ok", "2019-08-21")
