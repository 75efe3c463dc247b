"""The ACLED export: ACLED's columns and codes first, read back by pandas with ACLED's dtypes."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from llm_extract.cli.main import app
from llm_extract.domains.conflict.dataset import ACLED_COLUMNS, OWN_COLUMNS
from tests.dataset.conftest import line, record, write

#: The dtypes of an ACLED export's numeric columns (the rest are text).
ACLED_DTYPES = {
    "year": "int64",
    "time_precision": "int64",
    "inter1": "int64",
    "inter2": "int64",
    "interaction": "int64",
    "iso": "int64",
    "latitude": "float64",
    "longitude": "float64",
    "geo_precision": "int64",
    "fatalities": "int64",
    "timestamp": "int64",
}
TEXT = [c for c in ACLED_COLUMNS if c not in ACLED_DTYPES]


@pytest.fixture
def results(tmp_path: Path) -> Path:
    return write(
        tmp_path / "results.jsonl",
        [
            line(
                "afp",
                [
                    record(
                        "Government regains territory",
                        "Battles",
                        "2019-08-21",
                        "Khan Sheikhoun",
                        "Syria",
                        ("Military Forces of Syria (2000-)", "State forces"),
                        ("Hayat Tahrir al-Sham", "Rebel group"),
                        admin1="Idlib",
                        fatalities=31,
                        summary="Regime forces retook Khan Sheikhoun.",
                        quote="Regime forces took full control of the town of Khan Sheikhoun",
                    ),
                    record(
                        "Peaceful protest",
                        "Protests",
                        "2019-08-21",
                        "Miguel Castro Castro prison, Lima-San Juan de Lurigancho",
                        "Peru",
                        ("Protesters", "Protesters"),
                        who=("Relatives",),
                        fatalities=0,
                        summary="Relatives of inmates protested.",
                    ),
                ],
                outlet="AFP",
                published="2019-08-21",
            ),
            line(
                "reuters",
                [
                    record(
                        "Government regains territory",
                        "Battles",
                        "2019-08-20",
                        "Khan Shaykhun",
                        "Syria",
                        ("Syrian army", "State forces"),
                        ("HTS", "Rebel group"),
                        fatalities=29,
                        summary="The Syrian army entered Khan Shaykhun.",
                        quote="The army entered Khan Shaykhun",
                    ),
                    record(
                        "Attack",
                        "Violence against civilians",
                        "2019-08-22",
                        "Atlantis",
                        "Niger",
                        ("Unidentified Armed Group", "Political militia"),
                        ("Civilians", "Civilians"),
                        fatalities=None,
                        summary="Gunmen attacked a village.",
                    ),
                ],
                outlet="Reuters",
                published="2019-08-22",
            ),
        ],
    )


def test_the_export_reads_back_with_acled_dtypes(
    results: Path, tmp_path: Path, gazetteer_loaded: Any
) -> None:
    pd = pytest.importorskip("pandas")
    out = tmp_path / "events.csv"
    run = CliRunner().invoke(app, ["dataset", str(results), "-o", str(out)])
    assert run.exit_code == 0, run.output
    frame = pd.read_csv(
        out,
        dtype={**ACLED_DTYPES, **dict.fromkeys(TEXT, "string")},
        keep_default_na=False,
        na_values={"latitude": [""], "longitude": [""]},
    )
    assert list(frame.columns) == ACLED_COLUMNS + OWN_COLUMNS
    assert len(frame) == 3
    battle, protest, attack = (frame.iloc[i] for i in range(3))
    assert battle["event_id_cnty"] == "SYR1" and battle["event_date"] == "2019-08-20"
    assert (battle["iso"], battle["country"], battle["region"]) == (760, "Syria", "Middle East")
    assert (battle["inter1"], battle["inter2"], battle["interaction"]) == (1, 2, 12)
    assert battle["geo_precision"] == 1 and battle["fatalities"] == 29
    assert battle["source"] == "Reuters; AFP" and battle["sources_count"] == 2
    assert abs(battle["latitude"] - 35.44) < 0.1 and battle["gazetteer_id"].startswith("geonames:")
    assert battle["disorder_type"] == "Political violence"
    assert (protest["geo_precision"], protest["location"], protest["interaction"]) == (
        2,
        "Lima",
        60,
    )
    assert protest["disorder_type"] == "Demonstrations" and protest["assoc_actor_1"] == "Relatives"
    # Not in the gazetteer: no coordinates (never invented), only the country: precision 3.
    assert pd.isna(attack["latitude"]) and attack["geo_precision"] == 3 and attack["iso"] == 562
    assert attack["civilian_targeting"] == "Civilian targeting" and attack["fatalities"] == 0
    assert str(attack["fatalities_known"]) == "False"
    sources = [json.loads(x) for x in out.with_suffix(".sources.jsonl").read_text().splitlines()]
    assert [len(e["reports"]) for e in sources] == [2, 1, 1]
    assert sources[0]["merged"][0]["fields"]["actors"].startswith("agree")
    assert {r["record"]["summary"] for r in sources[0]["reports"]} == {
        "Regime forces retook Khan Sheikhoun.",
        "The Syrian army entered Khan Shaykhun.",
    }


def test_without_geocoding_places_merge_by_name(results: Path, tmp_path: Path) -> None:
    out = tmp_path / "events.csv"
    run = CliRunner().invoke(app, ["dataset", str(results), "-o", str(out), "--no-geocode"])
    assert run.exit_code == 0, run.output
    # "Khan Sheikhoun" and "Khan Shaykhun": one name spelled two ways (the same consonants).
    assert "4 record(s) -> 3 event(s) (1 merged)" in run.output
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert {r["latitude"] for r in rows} == {""} and {r["geo_precision"] for r in rows} == {"3"}
    assert rows[0]["location"] == "Khan Sheikhoun" and rows[0]["country"] == "Syria"


@pytest.mark.parametrize(
    ("content", "says"),
    [("", "no extracted document"), ('{"text": 1}\n', "not a result line")],
)
def test_unusable_results_are_refused_naming_the_fix(
    tmp_path: Path, content: str, says: str
) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text(content, encoding="utf-8")
    run = CliRunner().invoke(app, ["dataset", str(bad), "-o", str(tmp_path / "e.csv")])
    assert run.exit_code == 2 and says in run.output
