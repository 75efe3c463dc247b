"""The multilingual dev set that benchmarks/languages.py reads: loading it and checking it.

Two JSONL files in the data folder (see languages.py and the folder's README), one line per
document per language, English included: ``wikievents.jsonl`` (``sentences``, gold ``mentions``
with their sentence index) and ``acled_notes.jsonl`` (``text``, ``published``, gold ``events``
in the gold JSONL format). :func:`check_devset` is what ``--dry-run`` reports.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import quality
from quality import WikiMention, wiki_scores

from llm_extract.evaluation import GoldDocument, PredictedEvent, Prediction, score

NOTE_GOLD = ("event_type", "sub_event_type", "date", "fatalities", "location")
# Letters a translation into these languages is mostly written in (a copied English line is not).
SCRIPTS = {"ru": ("\u0400", "\u04ff"), "ar": ("\u0600", "\u06ff")}


def read_lines(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        raise SystemExit(f"No {path.name} in {path.parent}: pass --data DIR (see the docstring).")
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def first_sources(rows: list[dict[str, Any]], limit: int | None) -> list[str]:
    """The first ``limit`` source ids in file order (the same documents in every language)."""
    seen = list(dict.fromkeys(row["source_id"] for row in rows))
    return seen if limit is None else seen[:limit]


def article_gold(
    doc_id: str, sentences: list[str], mentions: list[dict[str, Any]]
) -> tuple[GoldDocument, list[WikiMention]]:
    """The article as a text (sentence entries joined by a space, as quality.py joins WikiEvents)
    and each gold mention moved to its sentence's span in that text, by sentence index."""
    starts = [sum(len(s) + 1 for s in sentences[:i]) for i in range(len(sentences))]
    moved = [
        WikiMention(m["kind"], (starts[i], starts[i] + len(sentences[i])), None, None, None)
        for m in mentions
        for i in [m["sentence"]]
    ]
    return GoldDocument(id=doc_id, text=" ".join(sentences), events=[]), moved


def articles(
    data: Path, lang: str, limit: int | None
) -> tuple[list[GoldDocument], dict[str, list[WikiMention]]]:
    rows = read_lines(data / "wikievents.jsonl")
    by_source = {r["source_id"]: r for r in rows if r["language"] == lang}
    docs, mentions = [], {}
    for source in first_sources(rows, limit):
        row = by_source[source]
        doc, moved = article_gold(row["id"], row["sentences"], row["mentions"])
        docs.append(doc)
        mentions[doc.id] = moved
    return docs, mentions


def notes(data: Path, lang: str, limit: int | None) -> list[GoldDocument]:
    rows = read_lines(data / "acled_notes.jsonl")
    by_source = {r["source_id"]: r for r in rows if r["language"] == lang}
    return [GoldDocument.model_validate(by_source[s]) for s in first_sources(rows, limit)]


def check_devset(data: Path, langs: list[str], eval_dir: Path | None = None) -> list[str]:
    """What is wrong with the dev set (empty when nothing): see ``--dry-run``."""
    problems: list[str] = []
    arts = read_lines(data / "wikievents.jsonl")
    for source in first_sources(arts, None):
        rows = {r["language"]: r for r in arts if r["source_id"] == source}
        problems += _check_group(source, rows, langs, "sentences")
        english = rows.get("en")
        for row in rows.values():
            n = len(row["sentences"])
            if english and n != len(english["sentences"]):
                problems.append(f"{row['id']}: {n} sentences, English has "
                                f"{len(english['sentences'])}")  # fmt: skip
            for m in row["mentions"]:
                if not 0 <= m["sentence"] < n:
                    problems.append(f"{row['id']}: mention in sentence {m['sentence']} of {n}")
            if english and row["mentions"] != english["mentions"]:
                problems.append(f"{row['id']}: gold mentions differ from English")
        if eval_dir and english:
            problems += _check_wiki_source(english, eval_dir)
    note_rows = read_lines(data / "acled_notes.jsonl")
    for source in first_sources(note_rows, None):
        rows = {r["language"]: r for r in note_rows if r["source_id"] == source}
        problems += _check_group(source, rows, langs, "text")
        english = rows.get("en")
        for row in rows.values():
            gold = row.get("events") or []
            missing = [k for e in gold for k in NOTE_GOLD if k not in e]
            if not gold or missing or not row.get("published"):
                problems.append(
                    f"{row['id']}: gold incomplete (events {len(gold)}, missing "
                    f"{sorted(set(missing))}, published {row.get('published')})"
                )
            same = (english["events"], english.get("published")) if english else None
            if same is not None and (gold, row.get("published")) != same:
                problems.append(f"{row['id']}: gold differs from English")
        if eval_dir and english:
            problems += _check_note_source(english, eval_dir)
    # The oracle reads every language's documents: only once each has them all.
    return problems or _check_oracle(data, langs)


def _check_group(source: str, rows: dict[str, dict[str, Any]], langs: list[str],
                 field: str) -> list[str]:  # fmt: skip
    problems = [f"{source}: no {lang} line" for lang in langs if lang not in rows]
    english = rows.get("en")
    for lang, row in rows.items():
        if row.get("translation") is not (lang != "en"):
            problems.append(f"{row['id']}: translation should be {lang != 'en'}")
        units = row[field] if isinstance(row[field], list) else [row[field]]
        if not any(u.strip() for u in units):
            problems.append(f"{row['id']}: empty {field}")
        if lang in SCRIPTS:
            low, high = SCRIPTS[lang]
            letters = [c for c in "".join(units) if c.isalpha()]
            share = sum(low <= c <= high for c in letters) / max(len(letters), 1)
            if share < 0.6:
                problems.append(f"{row['id']}: only {share:.0%} of letters in the {lang} script")
        elif lang != "en" and english:
            original = english[field] if isinstance(english[field], list) else [english[field]]
            same = sum(a == b and len(a.split()) > 3 for a, b in zip(units, original, strict=False))
            if same:
                problems.append(f"{row['id']}: {same} entries identical to the English")
    return problems


def _check_wiki_source(english: dict[str, Any], eval_dir: Path) -> list[str]:
    lines = (eval_dir / "wikievents_dev.jsonl").read_text(encoding="utf-8").splitlines()
    if not 0 <= english.get("source_line", -1) < len(lines):
        return [f"{english['id']}: no source_line in wikievents_dev.jsonl"]
    raw = json.loads(lines[english["source_line"]])
    if raw["doc_id"] != english["source_id"]:
        return [f"{english['id']}: line {english['source_line']} is {raw['doc_id']}"]
    problems = []
    if [s[1] for s in raw["sentences"]] != english["sentences"]:
        problems.append(f"{english['id']}: English sentences differ from the source")
    (doc,), gold = quality.wikievents(1, english["source_line"])
    ours = sorted((m.kind, m.sentence) for m in article_gold(doc.id, english["sentences"],
                                                              english["mentions"])[1])  # fmt: skip
    if ours != sorted((m.kind, m.sentence) for m in gold[doc.id]):
        problems.append(f"{english['id']}: gold mentions differ from quality.wikievents")
    return problems


def _check_note_source(english: dict[str, Any], eval_dir: Path) -> list[str]:
    source = english["source_id"]
    gold = {d.id: d for d in quality.acled_csv_to_gold(eval_dir / "acled_dev.csv")}
    problems = []
    if source not in gold:
        return [f"{english['id']}: {source} is not in acled_dev.csv"]
    row = gold[source]
    dumped = [e.model_dump(mode="json", exclude_unset=True) for e in row.events]
    if (dumped, row.published, row.text) != (english["events"], english["published"],
                                             english["text"]):  # fmt: skip
        problems.append(f"{english['id']}: gold, date or text differ from acled_dev.csv")
    splits = {s for s in ("tune", "check", "strat-tune", "strat-check")
              if source in {d.id for d in quality.acled_split(s, None, 5)}}  # fmt: skip
    if splits & {"tune", "strat-tune"} or not splits & {"check", "strat-check"}:
        problems.append(f"{english['id']}: in quality.py's {sorted(splits)} (not check only)")
    return problems


def _check_oracle(data: Path, langs: list[str]) -> list[str]:
    """Perfect predictions score 1.0 in every language: one record per gold sentence, citing
    it, for articles; the gold itself for notes."""
    problems = []
    for lang in langs:
        docs, gold = articles(data, lang, None)
        for doc in docs:
            for m in gold[doc.id]:
                if doc.text[m.sentence[0] : m.sentence[1]].strip() == "":
                    problems.append(f"{doc.id}: gold sentence of {m.kind} maps to blank text")
        preds = {d.id: Prediction([PredictedEvent(spans=[m.sentence]) for m in gold[d.id]])
                 for d in docs}  # fmt: skip
        s = wiki_scores(preds, gold)
        if (s["recall"], s["precision"]) != (1.0, 1.0):
            problems.append(f"{lang} articles: perfect predictions score {s['recall']:.2f} "
                            f"recall, {s['precision']:.2f} precision")  # fmt: skip
        note_docs = notes(data, lang, None)
        perfect = {d.id: Prediction([_as_prediction(e.model_dump()) for e in d.events])
                   for d in note_docs}  # fmt: skip
        mean = score(note_docs, perfect).mean_field_accuracy
        if mean != 1.0:
            problems.append(f"{lang} notes: the gold itself scores {mean:.3f}")
    return problems


def _as_prediction(gold: dict[str, Any]) -> PredictedEvent:
    def actor(a: dict[str, Any] | None) -> tuple[str, list[str]] | None:
        return (a["name"], a["associated"]) if a else None

    return PredictedEvent(
        event_type=gold["event_type"], sub_event_type=gold["sub_event_type"],
        date=gold["date"], fatalities=gold["fatalities"],
        place=(gold["location"] or {}).get("place"),
        actor1=actor(gold["actor1"]), actor2=actor(gold["actor2"]),
    )  # fmt: skip
