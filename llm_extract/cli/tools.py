"""Command-line pieces shared by the commands, and the commands around a run: ``serve`` (the
embedded model, or recordings replayed) and ``render`` (the review page).

:mod:`llm_extract.cli.main` registers these on its app. Like it, they only translate: the work is in
:mod:`llm_extract.wire.replay_server` and :mod:`llm_extract.render`.
"""

from __future__ import annotations

import time
import traceback
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from llm_extract.backends import resolve_backend
from llm_extract.errors import ConfigError, LlmExtractError
from llm_extract.evaluation import acled_csv_to_gold, write_gold
from llm_extract.render import write_review
from llm_extract.settings import environ
from llm_extract.wire.replay_server import LOOPBACK, ReplayServer


def fail(error: LlmExtractError) -> NoReturn:
    """A library error: one line on stderr and its exit code (the traceback too with
    LLM_EXTRACT_DEBUG set)."""
    if environ("LLM_EXTRACT_DEBUG"):
        typer.echo("".join(traceback.format_exception(error)).rstrip(), err=True)
    typer.echo(f"Error: {error}", err=True)
    raise typer.Exit(error.exit_code)


def note(message: str) -> None:
    typer.echo(message, err=True)


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = LOOPBACK,
    port: Annotated[int, typer.Option(help="Port to listen on (0: any free port).")] = 8080,
    replay: Annotated[
        Path | None,
        typer.Option(
            help="Serve these recordings (a file or folder written by --record or the pytest "
            "plugin) instead of the embedded model; 127.0.0.1 only."
        ),
    ] = None,
) -> None:
    """Run the embedded model, or replay recordings, as an OpenAI-compatible server until Ctrl-C."""
    if replay is not None:
        _serve_replay(replay, host, port)
        return
    try:
        backend = resolve_backend("embedded", host=host, port=port)
        url = backend.base_url
    except LlmExtractError as e:
        fail(e)
    note(f"Serving {backend.model} at {url} (Ctrl-C to stop).")
    note(f"Use it with: llm-extract extract FILE --base-url {url} --model {backend.model}")
    typer.echo(url)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        note("Stopped.")
    finally:
        backend.close()


def _serve_replay(replay: Path, host: str, port: int) -> None:
    try:
        if host not in (LOOPBACK, "localhost"):
            raise ConfigError(
                f"The replay server listens on {LOOPBACK} only, not {host} (recordings hold "
                "prompts and documents).",
                "Leave --host out, or serve the embedded model (no --replay) on other addresses.",
            )
        server = ReplayServer(replay, port)
    except LlmExtractError as e:
        fail(e)
    count = sum(len(r.exchanges) for r in server.store.recordings)
    models = server.store.models
    note(
        f"Replaying {count} exchange(s) from {len(server.store.recordings)} recording(s) at "
        f"{server.url}; models: {', '.join(models) or 'none'} (Ctrl-C to stop)."
    )
    model = models[0] if models else "MODEL"
    note(f"Use it with: llm-extract extract FILE --base-url {server.url} --model {model} "
         "--api-key replay (with the recording's other settings)")  # fmt: skip
    typer.echo(server.url)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        note("Stopped.")
    finally:
        server.close()


def render(
    results: Annotated[Path, typer.Argument(help="Result JSONL from extract -o.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="The HTML page to write.")] = Path(
        "review.html"
    ),
    page_size: Annotated[int, typer.Option(min=1, help="Documents shown per page.")] = 20,
) -> None:
    """Write a self-contained review page: each document with its records' evidence highlighted,
    a table of records, and summary charts (works offline; one HTML file)."""
    try:
        summary = write_review(results, output, page_size=page_size)
    except LlmExtractError as e:
        fail(e)
    note(
        f"{summary.documents} document(s), {summary.records} record(s)"
        f"{f', {summary.skipped} failed document(s) listed' if summary.skipped else ''}"
        f" -> {output}"
    )


def convert_acled(
    csv_file: Annotated[Path, typer.Argument(help="ACLED export CSV (notes, event_type, ...).")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Gold JSONL to write.")],
    limit: Annotated[int | None, typer.Option(help="Keep the first N documents.")] = None,
) -> None:
    """ACLED CSV to gold JSONL: notes become the text, the upload timestamp the publication date."""
    try:
        docs = acled_csv_to_gold(csv_file, limit=limit)
        write_gold(docs, output)
        note(f"{len(docs)} documents, {sum(len(d.events) for d in docs)} events -> {output}")
    except LlmExtractError as e:
        fail(e)
