"""Print a score report as a table, and write the per-document breakdown."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

from llm_extract.evaluation.score import FIELDS, Report


def format_report(report: Report, title: str = "") -> str:
    n_gold = sum(d.gold_events for d in report.documents)
    lines = [
        f"{title}{len(report.documents)} documents, {n_gold} gold events, {report.failed} failed",
        f"{'field':<16}{'accuracy':>9}",
    ]
    lines += [f"{name:<16}{report.fields[name]:>9.3f}" for name in FIELDS if name in report.fields]
    lines += [
        f"{'mean':<16}{report.mean_field_accuracy:>9.3f}",
        f"records: precision {report.precision:.3f}  recall {report.recall:.3f}  "
        f"F1 {report.f1:.3f}  grounded {report.grounded:.1%}",
        f"per document: {report.prompt_tokens_per_doc:.0f} prompt "
        f"({report.cached_prompt_tokens_per_doc:.0f} from the server's cache) + "
        f"{report.completion_tokens_per_doc:.0f} completion tokens, "
        f"{report.seconds_per_doc:.1f} s",
    ]
    return "\n".join(lines)


def compare_reports(baseline: Report, candidate: Report, names: tuple[str, str]) -> str:
    """Side-by-side table of two reports on the same documents, with the difference."""
    a, b = names
    rows = [(name, baseline.fields.get(name), candidate.fields.get(name)) for name in FIELDS]
    rows += [
        ("mean", baseline.mean_field_accuracy, candidate.mean_field_accuracy),
        ("precision", baseline.precision, candidate.precision),
        ("recall", baseline.recall, candidate.recall),
        ("F1", baseline.f1, candidate.f1),
        ("grounded", baseline.grounded, candidate.grounded),
    ]
    out = [
        f"| {'':<15}| {a:>12} | {b:>12} | {'diff':>7} |",
        f"|{'-' * 16}|{'-' * 14}|{'-' * 14}|{'-' * 9}|",
    ]
    for name, x, y in rows:
        if x is None or y is None:
            continue
        out.append(f"| {name:<15}| {x:>12.3f} | {y:>12.3f} | {y - x:>+7.3f} |")
    for label, attr, fmt in (
        ("prompt tok/doc", "prompt_tokens_per_doc", ".0f"),
        ("cached tok/doc", "cached_prompt_tokens_per_doc", ".0f"),
        ("compl. tok/doc", "completion_tokens_per_doc", ".0f"),
        ("seconds/doc", "seconds_per_doc", ".1f"),
        ("failed docs", "failed", ".0f"),
    ):
        x, y = getattr(baseline, attr), getattr(candidate, attr)
        out.append(f"| {label:<15}| {x:>12{fmt}} | {y:>12{fmt}} | {y - x:>+7{fmt}} |")
    return "\n".join(out)


def write_breakdown(report: Report, path: str | Path) -> None:
    """One JSON line per document: counts, per-field right/wrong per gold event, cost, error."""
    with Path(path).open("w", encoding="utf-8") as out:
        for doc in report.documents:
            out.write(json.dumps(asdict(doc), ensure_ascii=False) + "\n")
        out.write(json.dumps({"summary": report.summary()}) + "\n")
