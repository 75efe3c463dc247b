"""``llm-extract dataset``: result files in, one row per real-world event out (the work is in
:mod:`llm_extract.dataset`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from llm_extract.cli.tools import fail, note
from llm_extract.dataset import build_dataset
from llm_extract.errors import LlmExtractError


def dataset(
    results: Annotated[list[Path], typer.Argument(help="Result JSONL files from extract -o.")],
    output: Annotated[
        Path, typer.Option("--output", "-o", help="The events CSV (the schema's columns).")
    ] = Path("events.csv"),
    sources: Annotated[
        Path | None,
        typer.Option(help="Events with every report whole, JSONL (default OUTPUT.sources.jsonl)."),
    ] = None,
    geocode: Annotated[
        bool, typer.Option(help="Place records with the offline gazetteer ([dataset] extra).")
    ] = True,
) -> None:
    """Merge the records that report one event in different documents into one event, placed on
    the map, in the schema's own columns (ACLED's for conflict_events), then ours: sources,
    quotes, document ids, flags, merge reasons."""
    try:
        built = build_dataset(results, geocode=geocode)
        built.write_csv(output)
        target = built.write_jsonl(sources or output.with_suffix(".sources.jsonl"))
    except LlmExtractError as e:
        fail(e)
    merged = len(built.reports) - len(built.events)
    note(f"{len(built.reports)} record(s) -> {len(built.events)} event(s) ({merged} merged) in "
         f"{built.seconds:.1f} s -> {output}; sources: {target}")  # fmt: skip
