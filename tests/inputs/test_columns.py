"""Corpus columns as users have them: the text, id and date keys named or found by name, and
publication dates with a time and a zone."""

from __future__ import annotations

import json
import logging
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from llm_extract import Columns, InputError, read_corpus
from llm_extract.core.document import parse_published

TEXT = "Police fired tear gas at protesters in Accra on Monday."


def jsonl(tmp_path: Path, *rows: dict[str, Any], name: str = "c.jsonl") -> Path:
    path = tmp_path / name
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def csv_file(tmp_path: Path, text: str, name: str = "c.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("value", "day"),
    [
        ("2024-03-12", date(2024, 3, 12)),
        ("2024-03-12T08:15:00Z", date(2024, 3, 12)),
        # 23:30 in New York is 04:30 the next day in UTC: the paper's date is the 12th.
        ("2024-03-12T23:30:00-05:00", date(2024, 3, 12)),
        ("2024-03-13T00:30:00+09:00", date(2024, 3, 13)),
        ("2024-03-12 08:15", date(2024, 3, 12)),
        ("Tue, 12 Mar 2024 08:15:00 +0000", date(2024, 3, 12)),  # RSS pubDate
        (datetime(2024, 3, 12, 23, 30, tzinfo=timezone(timedelta(hours=-5))), date(2024, 3, 12)),
    ],
)
def test_a_timestamp_gives_its_date_in_its_own_zone(value: str | datetime, day: date) -> None:
    assert parse_published(value) == day


@pytest.mark.parametrize("value", ["21/08/2019", "March 12", "2024-13-01T00:00:00Z", ""])
def test_what_is_no_date_is_refused_naming_the_formats(value: str) -> None:
    with pytest.raises(InputError, match="is not an ISO date") as e:
        parse_published(value)
    assert "YYYY-MM-DD" in str(e.value.fix) and "ISO 8601" in str(e.value.fix)


def test_jsonl_keys_found_by_name_and_said_on_stderr(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # news-please's own keys: maintext, date_publish (here with a zone), plus metadata.
    path = jsonl(
        tmp_path,
        {"id": "a", "maintext": TEXT, "date_publish": "2024-03-12T23:30:00-05:00", "lang": "en"},
        {"id": "b", "maintext": TEXT + " Again."},
    )
    with caplog.at_level(logging.WARNING, "llm_extract"):
        jobs = read_corpus([path], published="2024-01-01")
    assert [(j.document_id, j.published, j.metadata) for j in jobs] == [
        ("a", "2024-03-12", {"lang": "en"}),
        ("b", "2024-01-01", {}),  # no date of its own: the run's
    ]
    assert jobs[0].document is not None and jobs[0].document.text == TEXT
    said = caplog.text
    assert "reading the text from 'maintext'" in said and "--text-column" in said
    assert "publication dates from 'date_publish'" in said and "--published-column" in said


def test_jsonl_keys_named_win_and_the_id_key_too(tmp_path: Path) -> None:
    path = jsonl(tmp_path, {"uid": 7, "text": "x", "body": TEXT, "when": "2024-03-12T08:15:00Z"})
    (job,) = read_corpus([path], columns=Columns(text="body", id="uid", published="when"))
    assert (job.document_id, job.published, job.metadata) == ("7", "2024-03-12", {"text": "x"})
    assert job.document is not None and job.document.text == TEXT


def test_two_keys_that_could_be_the_text_stop_the_run_naming_the_flag(tmp_path: Path) -> None:
    path = jsonl(tmp_path, {"id": 1, "body": TEXT, "content": TEXT})
    with pytest.raises(InputError, match="'body' and 'content' could each be") as e:
        read_corpus([path])
    assert "--text-field" in str(e.value.fix) and "Columns(text=" in str(e.value.fix)


def test_a_jsonl_line_without_the_text_key_is_its_error_naming_the_flag(tmp_path: Path) -> None:
    path = jsonl(tmp_path, {"id": "a", "story": TEXT})
    (job,) = read_corpus([path])
    assert job.document is None and job.error is not None
    assert "no string 'text' field (keys: id, story)" in job.error.problem
    assert "--text-field" in str(job.error.fix)


def test_a_csv_date_column_is_the_publication_date_not_metadata(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = csv_file(
        tmp_path,
        f'story,Body,Date,desk\ns1,"{TEXT}",2024-03-12T08:15:00Z,metro\n'
        f's2,"{TEXT} Again.",12/03/2024,world\n',
    )
    with caplog.at_level(logging.WARNING, "llm_extract"):
        first, second = read_corpus([path], columns=Columns(id="story"))
    assert (first.document_id, first.published, first.metadata) == ("s1", "2024-03-12",
                                                                     {"desk": "metro"})  # fmt: skip
    assert "publication dates from 'Date'" in caplog.text
    # A value that is no date is that document's error, naming the column and the flag.
    assert second.document is None and second.error is not None
    assert "c.csv:3: Publication date '12/03/2024' is not an ISO date (from 'Date')" in str(
        second.error
    )
    assert "--published-column" in str(second.error.fix)


def test_two_date_columns_stay_metadata_with_a_warning_naming_the_flag(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = csv_file(tmp_path, f'text,date,pubdate\n"{TEXT}",2024-03-10,2024-03-12\n')
    with caplog.at_level(logging.WARNING, "llm_extract"):
        (job,) = read_corpus([path])
    assert job.published is None
    assert job.metadata == {"date": "2024-03-10", "pubdate": "2024-03-12"}
    assert "could each be the publication date" in caplog.text
    assert "--published-column" in caplog.text


@pytest.mark.parametrize("part", ["text", "id", "published"])
def test_a_csv_column_named_that_is_not_there_names_the_columns(tmp_path: Path, part: str) -> None:
    path = csv_file(tmp_path, f'text,id\n"{TEXT}",1\n')
    with pytest.raises(InputError, match=r"has no column 'nope' \(columns: text, id\)") as e:
        read_corpus([path], columns=Columns(**{part: "nope"}))
    flag = {"text": "--text-column", "id": "--id-column", "published": "--published-column"}
    assert flag[part] in str(e.value.fix)


def test_a_csv_with_no_text_column_names_the_flag(tmp_path: Path) -> None:
    path = csv_file(tmp_path, f'id,story\n1,"{TEXT}"\n')
    with pytest.raises(InputError, match=r"no column 'text' \(columns: id, story\)") as e:
        read_corpus([path])
    assert "--text-column" in str(e.value.fix)


def test_names_match_whatever_their_case(tmp_path: Path) -> None:
    path = csv_file(tmp_path, f'ID,Text,Published\nx,"{TEXT}",2024-03-12\n')
    (job,) = read_corpus([path])
    assert (job.document_id, job.published, job.metadata) == ("x", "2024-03-12", {})


def test_a_future_date_in_a_column_is_that_documents_error(tmp_path: Path) -> None:
    later = (date.today() + timedelta(days=30)).isoformat()
    (job,) = read_corpus([jsonl(tmp_path, {"id": "a", "text": TEXT, "published": later})])
    assert job.error is not None and "in the future" in job.error.problem
    assert "(from 'published')" in job.error.problem
