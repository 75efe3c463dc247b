"""benchmarks/languages.py and langset.py without the dev set: the sentence-index mapping, the
dry run's checks and a run against the fake server, on a three-sentence set written here."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "languages.py"
EN = ["Rebels attacked the town of Adi on Monday.", "Talks went on.", "Two people died."]
FR = ["Des rebelles ont attaqué la ville d'Adi lundi.", "Les pourparlers ont continué.",
      "Deux personnes sont mortes."]  # fmt: skip
MENTIONS = [{"kind": "Conflict.Attack", "sentence": 0}, {"kind": "Life.Die", "sentence": 2}]
GOLD = {"event_type": "Protests", "sub_event_type": "Peaceful protest", "date": "2020-05-01",
        "fatalities": 0, "location": {"place": "Adi"}, "actor1": {"name": "Protesters (X)"},
        "actor2": None}  # fmt: skip


@pytest.fixture(scope="module")
def languages() -> ModuleType:
    spec = importlib.util.spec_from_file_location("benchmarks_languages", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # puts benchmarks/ on sys.path, as running it does
    return module


@pytest.fixture(scope="module")
def langset(languages: ModuleType) -> ModuleType:
    return importlib.import_module("langset")


def write_set(folder: Path, fr: list[str] = FR, fr_mentions: list[Any] = MENTIONS,
              fr_gold: dict[str, Any] = GOLD) -> Path:  # fmt: skip
    article = {"source_id": "a1", "mentions": MENTIONS}
    note = {"source_id": "n1", "published": "2020-05-03", "events": [GOLD]}
    lines = {
        "wikievents.jsonl": [
            {**article, "id": "a1.en", "language": "en", "translation": False, "sentences": EN},
            {**article, "id": "a1.fr", "language": "fr", "translation": True, "sentences": fr,
             "mentions": fr_mentions},
        ],
        "acled_notes.jsonl": [
            {**note, "id": "n1.en", "language": "en", "translation": False,
             "text": "On 1 May 2020, people protested in Adi."},
            {**note, "id": "n1.fr", "language": "fr", "translation": True,
             "text": "Le 1er mai 2020, des habitants ont manifesté à Adi.", "events": [fr_gold]},
        ],
    }  # fmt: skip
    for name, rows in lines.items():
        (folder / name).write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return folder


def test_gold_mentions_move_to_the_translated_sentence_by_index(langset: ModuleType) -> None:
    doc, mentions = langset.article_gold("a1.fr", FR, MENTIONS)
    assert doc.text == " ".join(FR)
    assert [doc.text[s:e] for s, e in (m.sentence for m in mentions)] == [FR[0], FR[2]]


def test_a_sound_set_passes_the_dry_run(
    languages: ModuleType, langset: ModuleType, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = write_set(tmp_path)
    assert langset.check_devset(data, ["en", "fr"]) == []
    no_sources = str(tmp_path / "no-eval")  # nothing to compare with: the test needs no dev data
    args = ["--data", str(data), "--dry-run", "--eval", no_sources, "--langs", "en,fr"]
    assert languages.main(args) == 0
    # A note-sized article goes whole: both gold events are in the one piece.
    assert "fr: 1 articles (2 gold events" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"fr": FR[:2]}, "a1.fr: 2 sentences, English has 3"),
        ({"fr_mentions": [{"kind": "Life.Die", "sentence": 3}]}, "mention in sentence 3 of 3"),
        ({"fr": [EN[0], *FR[1:]]}, "a1.fr: 1 entries identical to the English"),
        ({"fr_gold": {k: v for k, v in GOLD.items() if k != "date"}}, "n1.fr: gold incomplete"),
    ],
)  # fmt: skip
def test_the_dry_run_names_what_is_wrong(
    langset: ModuleType, tmp_path: Path, change: dict[str, Any], problem: str
) -> None:
    problems = langset.check_devset(write_set(tmp_path, **change), ["en", "fr"])
    assert any(problem in p for p in problems), problems


def test_a_fake_run_scores_every_language_and_writes_predictions(
    languages: ModuleType, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data, out = write_set(tmp_path), tmp_path / "out"
    assert (
        languages.main(["--data", str(data), "--out", str(out), "--fake", "--langs", "en,fr"]) == 0
    )
    summary = json.loads((out / "languages-summary.json").read_text())
    # The fake naive call quotes each text's first words: the attack's sentence, in both.
    for lang in ("en", "fr"):
        assert summary["articles"]["naive"][lang]["recall"] == 0.5
        assert summary["articles"]["naive"][lang]["precision"] == 1.0
    assert summary["articles"]["llm_extract"]["fr"]["recall"] == 0.0  # the fake answers none
    assert "chunks" not in summary["notes"]  # a note goes whole: not run twice
    row = json.loads((out / "languages-articles-fr-llm_extract.jsonl").read_text())
    assert row["id"] == "a1.fr" and row["requests"] >= 1
    assert "| naive | 0.500 | 0.500 | +0.000 |" in capsys.readouterr().out
