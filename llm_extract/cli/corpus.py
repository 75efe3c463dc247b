"""The CLI's corpus run (``extract -o``, or several inputs): progress on stderr and the summary.

Progress: a rich bar when stderr is a terminal (documents done / failed / cached, records,
tokens, rate, ETA), else a plain line every :data:`PLAIN_EVERY` seconds plus one line per failed
document; nothing with ``--quiet``. The run summary is printed at the end and, with ``-o``,
written beside the output as ``<output stem>.summary.json``.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Annotated, Any

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from llm_extract.api import Extractor
from llm_extract.cli.tools import note
from llm_extract.errors import ConfigError, LlmExtractError
from llm_extract.inputs.columns import Columns
from llm_extract.runs import corpus as corpus_run
from llm_extract.runs.corpus import CorpusSummary
from llm_extract.runs.tables import FORMATS, write_table
from llm_extract.settings import ExtractorSettings

EXIT_PARTIAL = 5

# The input options every command that reads a corpus takes (extract, batch prepare).
InputsArg = Annotated[
    list[str],
    typer.Argument(help="Text or HTML files, http(s) URLs, folders, .jsonl, .csv, or -."),
]
TextColumnOpt = Annotated[
    str | None,
    typer.Option(
        "--text-column", "--text-field",
        help="JSONL/CSV inputs: the key/column of the article text (default: text, else the "
        "one of body, content, article, maintext, full_text, article_text there).",
    ),
]  # fmt: skip
IdColumnOpt = Annotated[
    str | None,
    typer.Option(
        "--id-column", "--id-field",
        help="JSONL/CSV inputs: the document id's key/column (default: id, else FILE:LINE).",
    ),
]  # fmt: skip
PublishedColumnOpt = Annotated[
    str | None,
    typer.Option(
        "--published-column", "--published-field",
        help="JSONL/CSV inputs: the publication date's key/column, YYYY-MM-DD or ISO 8601 "
        "with time and zone (default: published, else the one of date, published_at, "
        "publish_date, pubdate, ... there); it wins over --published.",
    ),
]  # fmt: skip
PublishedOpt = Annotated[
    str | None,
    typer.Option(
        help="Publication date YYYY-MM-DD or ISO 8601 (resolves 'on Wednesday'). It wins over "
        "the date an HTML page states; a JSONL/CSV date column wins over it."
    ),
]
#: Seconds between plain progress lines when stderr is not a terminal.
PLAIN_EVERY = 10.0


def summary_path(output: Path) -> Path:
    """Where the run summary of ``output`` goes: ``events.jsonl`` -> ``events.summary.json``."""
    return output.with_name(f"{output.stem}.summary.json")


class Reporter:
    """Counts results as they arrive; subclasses show them."""

    def __init__(self) -> None:
        self.total = 0
        self.done = self.failed = self.cached = self.records = self.tokens = 0
        self.started = time.perf_counter()

    def start(self, to_run: int, already_done: int) -> None:
        self.total = to_run

    def result(self, row: dict[str, Any]) -> None:
        self.done += 1
        if row["status"] == "error":
            self.failed += 1
        else:
            self.records += len(row["records"])
            self.tokens += int(row["usage"]["total_tokens"])
            attempts = row["attempts"]
            if attempts.get("cache_hits") and not attempts.get("requests"):
                self.cached += 1
            if row["status"] == "partial":
                self.failed += 1
        self.show(row)

    def show(self, row: dict[str, Any]) -> None:
        pass

    def close(self) -> None:
        pass

    def line(self) -> str:
        seconds = time.perf_counter() - self.started
        rate = self.done / seconds if seconds > 0 else 0.0
        left = (self.total - self.done) / rate if rate > 0 else 0.0
        return (
            f"{self.done}/{self.total} documents ({self.failed} failed, {self.cached} cached), "
            f"{self.records} records, {self.tokens} tokens, {rate:.1f} docs/s, "
            f"ETA {left:.0f}s"
        )


class PlainReporter(Reporter):
    """One line per failed document, and a progress line every ``every`` seconds."""

    def __init__(self, every: float = PLAIN_EVERY) -> None:
        super().__init__()
        self.every = every
        self.last = time.perf_counter()

    def show(self, row: dict[str, Any]) -> None:
        if row["status"] == "error":
            typer.echo(f"failed {row['source']}: {row['error']['message']}", err=True)
        elif row["status"] == "partial":
            chunks = len(row["failed_chunks"])
            typer.echo(f"partial {row['source']}: {chunks} chunk(s) FAILED", err=True)
        now = time.perf_counter()
        if now - self.last >= self.every:
            self.last = now
            typer.echo(self.line(), err=True)


class BarReporter(Reporter):
    """A rich progress bar on stderr."""

    def __init__(self) -> None:
        super().__init__()
        self.progress = Progress(
            TextColumn("[bold]extract"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[stats]}"),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=Console(stderr=True),
            transient=False,
        )
        self.task = self.progress.add_task("extract", total=None, stats="")
        self.progress.start()

    def start(self, to_run: int, already_done: int) -> None:
        super().start(to_run, already_done)
        self.progress.update(self.task, total=to_run)

    def show(self, row: dict[str, Any]) -> None:
        seconds = time.perf_counter() - self.started
        stats = (
            f"failed {self.failed} cached {self.cached} records {self.records} "
            f"tokens {self.tokens} {self.done / max(seconds, 1e-9):.1f}/s"
        )
        self.progress.update(self.task, completed=self.done, stats=stats)

    def close(self) -> None:
        self.progress.stop()


def reporter_for(quiet: bool) -> Reporter:
    if quiet:
        return Reporter()
    return BarReporter() if sys.stderr.isatty() else PlainReporter()


def outputs(output: Path | None, fmt: str | None) -> tuple[Path | None, Path | None, str]:
    """(the resumable JSONL, the table file or None, the format) for ``-o`` and ``--format``.

    ``-o events.csv`` (or ``-o events.jsonl --format csv``) writes the table events.csv and
    keeps the resumable events.jsonl beside it; the format defaults to -o's suffix.
    """
    suffix = output.suffix.lstrip(".").lower() if output is not None else ""
    # A new file with a suffix we do not write (x.xlsx) would get JSONL under a false name; an
    # existing one is judged by its content (resumed if it is ours, refused if not).
    if suffix and suffix not in FORMATS and output is not None and not output.exists():
        raise ConfigError(
            f"Cannot write -o {output}: llm-extract writes {', '.join(FORMATS)}, not .{suffix}.",
            f"Name the output {output.with_suffix('.jsonl').name if output else 'x.jsonl'} "
            f"(or .csv / .parquet for a table beside it).",
        )
    fmt = (fmt or (suffix if suffix in FORMATS else "jsonl")).lower()
    if fmt not in FORMATS:
        raise ConfigError(f"Unknown --format {fmt!r}.", f"Use one of: {', '.join(FORMATS)}.")
    if fmt == "jsonl":
        return output, None, fmt
    if output is None:
        raise ConfigError(f"--format {fmt} writes a file.", f"Add -o events.{fmt}.")
    jsonl = output.with_suffix(".jsonl") if suffix in ("csv", "parquet") else output
    return jsonl, jsonl.with_suffix(f".{fmt}"), fmt


def run_corpus(
    extractor: Extractor,
    files: list[str],
    output: Path | None,
    published: str | None,
    quiet: bool = False,
    fmt: str | None = None,
    columns: Columns | None = None,
    redo: bool = False,
) -> None:
    """Run ``files`` into ``output`` (JSONL; stdout when None; a table too for csv/parquet),
    then report and exit. ``redo``: re-extract documents a different run left in ``output``."""

    def batch(out: Path | IO[str], reporter: Reporter) -> CorpusSummary:
        return corpus_run.run_corpus(
            extractor, files, out, published=published, on_result=reporter.result,
            on_start=reporter.start, columns=columns, redo=redo,
        )  # fmt: skip

    _run(batch, output, quiet, fmt)


@dataclass(frozen=True)
class RayRun:
    """``--ray-address``, ``--ray-actors``."""

    address: str | None
    actors: int


def run_ray_corpus(
    settings: ExtractorSettings,
    files: list[str],
    output: Path | None,
    published: str | None,
    ray: RayRun,
    quiet: bool = False,
    fmt: str | None = None,
    columns: Columns | None = None,
    redo: bool = False,
) -> None:
    """:func:`run_corpus` with ``--engine ray``: the documents go to Ray actors, each building
    its extractor from ``settings``; the lines, resume rule and summary are the same."""
    if output is None:
        raise ConfigError(
            "--engine ray writes a file, and resumes from it.", "Add -o events.jsonl."
        )
    endpoint = settings.base_url or settings.api_key or settings.replay
    if settings.backend == "embedded" or (settings.backend is None and not endpoint):
        raise ConfigError(
            "--engine ray sends documents to an endpoint; the embedded model is one process's.",
            "Pass --base-url (e.g. a vLLM server's http://host:8000/v1), or drop --engine ray.",
        )
    from llm_extract.runs.ray_engine import (
        run_ray_batch,  # Ray is imported only by runs that use it
    )

    if not quiet:
        where = ray.address or "RAY_ADDRESS, else a local Ray"
        note(f"Extracting on Ray ({ray.actors} actors; {where}) from {settings.base_url}.")

    def batch(out: Path | IO[str], reporter: Reporter) -> CorpusSummary:
        assert isinstance(out, Path)
        return run_ray_batch(
            settings, files, out, published=published, actors=ray.actors, address=ray.address,
            on_result=reporter.result, on_start=reporter.start, columns=columns, redo=redo,
        )  # fmt: skip

    _run(batch, output, quiet, fmt)


def _run(
    batch: Callable[[Path | IO[str], Reporter], CorpusSummary],
    output: Path | None,
    quiet: bool,
    fmt: str | None,
) -> None:
    jsonl, table, fmt = outputs(output, fmt)
    reporter = reporter_for(quiet)
    try:
        summary = batch(jsonl or sys.stdout, reporter)
    except LlmExtractError as e:
        # The run stopped (bad key, no server): its summary so far still goes beside the output.
        if jsonl is not None and isinstance(getattr(e, "summary", None), CorpusSummary):
            write_summary(jsonl, e.summary.to_json_dict())  # type: ignore[attr-defined]
        raise
    finally:
        reporter.close()
    if jsonl is not None and table is not None:
        written = write_table(jsonl, table, fmt, order=summary.order)
        if not quiet:
            typer.echo(written.line(), err=True)
    _finish(summary, jsonl, quiet)


def write_summary(output: Path, data: dict[str, Any]) -> None:
    """The run summary (``CorpusSummary.to_json_dict()`` and more) beside ``output``."""
    summary_path(output).write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


def _finish(summary: CorpusSummary, output: Path | None, quiet: bool) -> None:
    data = summary.to_json_dict()
    if output is not None:
        # The file's counts come from its lines (the last per document), so a resumed run's
        # summary describes the whole output; this run's own counts sit under "this_run".
        whole = corpus_run.summarize_output(output)
        whole.skipped, whole.seconds = summary.skipped, summary.seconds
        write_summary(output, {**whole.to_json_dict(), "this_run": data})
    if not quiet:
        tokens = data["tokens"]
        typer.echo(
            f"{summary.ok} ok, {summary.failed} failed, {summary.skipped} already done; "
            f"{summary.records} records; {data['requests']} requests, {data['cache_hits']} "
            f"cache hits, {data['validation_reasks']} validation re-asks, "
            f"{data['transport_retries']} transport retries; {tokens['total']} tokens "
            f"({tokens['prompt']} prompt, {tokens['completion']} completion, "
            f"{tokens['cached_prompt']} cached); {summary.seconds:.1f}s.",
            err=True,
        )
    if summary.failed:
        if not quiet:
            typer.echo(
                "Failed documents are kept in the output with their errors; rerun to retry them.",
                err=True,
            )
        raise typer.Exit(EXIT_PARTIAL)
