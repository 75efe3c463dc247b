"""The command line: a thin layer over the library.

Results go to stdout as JSON; messages go to stderr. Library errors become one line naming the
fix and an exit code (2 bad input/config, 3 backend, 4 extraction failed, 5 some documents in a
batch failed). Set LLM_EXTRACT_DEBUG=1 to get the traceback too (the exit code stays). The
library's warnings (long retry waits, a dropped torn line, a repeated document) are printed to
stderr as they happen.
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import Annotated

import typer

from llm_extract.api import DEFAULT_SCHEMA, Extractor
from llm_extract.cli.batch import batch_app
from llm_extract.cli.corpus import (
    EXIT_PARTIAL,
    IdColumnOpt,
    InputsArg,
    PublishedColumnOpt,
    PublishedOpt,
    RayRun,
    TextColumnOpt,
    run_corpus,
    run_ray_corpus,
)
from llm_extract.cli.dataset import dataset
from llm_extract.cli.tools import convert_acled, render, serve
from llm_extract.cli.tools import fail as _fail
from llm_extract.cli.tools import note as _note
from llm_extract.core.document import DEFAULT_MAX_CHARS, Document
from llm_extract.core.registry import load_schema, shipped_schemas
from llm_extract.errors import ConfigError, LlmExtractError
from llm_extract.evaluation import evaluate, format_report, write_breakdown
from llm_extract.inputs.columns import Columns
from llm_extract.inputs.html import Page
from llm_extract.inputs.sources import is_url, read_source
from llm_extract.settings import ExtractorSettings, default_cache_path, environ
from llm_extract.wire.limits import parse_rate_limit

app = typer.Typer(
    help="Turn news text into validated, source-grounded event records.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
schemas_app = typer.Typer(help="List shipped schemas, or show one's JSON Schema.")
app.add_typer(schemas_app, name="schemas")
app.add_typer(batch_app, name="batch")
convert_app = typer.Typer(help="Convert gold data from other sources to llm-extract's gold JSONL.")
app.add_typer(convert_app, name="convert")
convert_app.command("acled")(convert_acled)


SchemaOpt = Annotated[
    str, typer.Option("--schema", "-s", help="Shipped schema name or path/to/file.py:Class.")
]
ModelOpt = Annotated[str | None, typer.Option(help="Model name (env LLM_EXTRACT_MODEL).")]
BaseUrlOpt = Annotated[
    str | None, typer.Option(help="OpenAI-compatible endpoint, e.g. http://localhost:8000/v1.")
]
ApiKeyOpt = Annotated[str | None, typer.Option(help="API key (env OPENAI_API_KEY).")]
StrategyOpt = Annotated[
    str | None,
    typer.Option(
        help="How a document becomes requests: single or find-fill (default: the backend's; "
        "find-fill for the embedded model)."
    ),
]
_D = ExtractorSettings()  # the defaults, shown in --help (the settings own them)
BackendOpt = Annotated[
    str | None, typer.Option(help="Backend name: openai or embedded (default: by settings).")
]


class _StderrNotes(logging.Handler):
    """The library's warnings, one plain line each (resolving stderr at emit time)."""

    def emit(self, record: logging.LogRecord) -> None:
        typer.echo(record.getMessage(), err=True)


@app.callback()
def _setup() -> None:
    # instructor logs every failed attempt at ERROR; the CLI reports outcomes itself.
    if not environ("LLM_EXTRACT_DEBUG"):
        logging.getLogger("instructor").setLevel(logging.CRITICAL)
    library = logging.getLogger("llm_extract")
    if not any(isinstance(h, _StderrNotes) for h in library.handlers):
        library.addHandler(_StderrNotes(logging.WARNING))


@app.command()
def extract(
    files: InputsArg,
    schema: SchemaOpt = DEFAULT_SCHEMA,
    published: PublishedOpt = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Append JSONL here; reruns resume.")
    ] = None,
    template: Annotated[str | None, typer.Option(help="Prompt template name or path.")] = None,
    strategy: StrategyOpt = None,
    model: ModelOpt = None,
    base_url: BaseUrlOpt = None,
    api_key: ApiKeyOpt = None,
    backend: BackendOpt = None,
    validation_retries: Annotated[
        int | None,
        typer.Option(help=f"Re-asks after invalid output (default: {_D.validation_retries})."),
    ] = None,
    transport_retries: Annotated[
        int | None,
        typer.Option(help=f"Resends after 429/5xx/timeouts (default: {_D.transport_retries})."),
    ] = None,
    timeout: Annotated[
        float | None,
        typer.Option(
            help="Seconds per HTTP request before it counts as hung and is retried "
            "(default: 120 for endpoints, 600 for the embedded model)."
        ),
    ] = None,
    max_tokens: Annotated[
        int | None, typer.Option(help=f"Answer length limit in tokens (default: {_D.max_tokens}).")
    ] = None,
    max_chars: Annotated[
        int | None,
        typer.Option(help=f"Refuse documents longer than this (default: {_D.max_chars})."),
    ] = None,
    chunk_chars: Annotated[
        int | None,
        typer.Option(
            help="Extract longer documents in chunks of this many characters "
            "(default: 6000 for the embedded model, 24000 for endpoints)."
        ),
    ] = None,
    record: Annotated[
        Path | None,
        typer.Option(
            help="Save every exchange with the model to this YAML file (secrets "
            "scrubbed), to replay with --replay."
        ),
    ] = None,
    replay: Annotated[
        Path | None,
        typer.Option(
            help="Answer every request from this recording, sending nothing; the "
            "same settings give the same records."
        ),
    ] = None,
    concurrency: Annotated[
        int | None,
        typer.Option(
            help="Requests in flight at once on the endpoint, shared by all documents, "
            f"chunks and retries (default: {_D.concurrency}; the embedded model serves 1)."
        ),
    ] = None,
    cache: Annotated[
        Path | None,
        typer.Option(help="Response cache file (SQLite; default with -o: in the cache dir)."),
    ] = None,
    no_cache: Annotated[
        bool, typer.Option("--no-cache", help="Send every request (no response cache).")
    ] = False,
    retry_wait: Annotated[
        float | None, typer.Option(help="First transport-retry backoff in seconds (default 1).")
    ] = None,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="No progress or summary on stderr.")
    ] = False,
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format",
            help="jsonl, csv (one row per record; ACLED columns for conflict_events) or "
            "parquet (needs pyarrow) (default: from -o's suffix, else jsonl).",
        ),
    ] = None,
    rate_limit: Annotated[
        str | None,
        typer.Option(help="Requests and/or tokens per minute, e.g. 600rpm or 600rpm,90000tpm."),
    ] = None,
    text_column: TextColumnOpt = None,
    id_column: IdColumnOpt = None,
    published_column: PublishedColumnOpt = None,
    engine: Annotated[
        str,
        typer.Option(help="Corpus runs: local (threads here) or ray (Ray Data actors; -o, [ray])."),
    ] = "local",
    ray_address: Annotated[
        str | None, typer.Option(help="--engine ray: cluster to join (default RAY_ADDRESS/local).")
    ] = None,
    ray_actors: Annotated[
        int, typer.Option(help="--engine ray: actors (they share --concurrency, --rate-limit).")
    ] = 2,
    lang: Annotated[
        str | None,
        typer.Option(
            "--lang",
            help="The documents' language, e.g. fr (default: each document's own, detected).",
        ),
    ] = None,
    redo: Annotated[
        bool,
        typer.Option(
            "--redo",
            help="-o holds documents another model, schema, template, strategy or request "
            "setting extracted: extract them again (their old lines are replaced).",
        ),
    ] = False,
) -> None:
    """Extract event records. One file prints a JSON result; several (or -o) write JSONL.

    Runs with -o use the response cache (--no-cache, --cache PATH, LLM_EXTRACT_CACHE) and write
    a run summary beside the output (events.jsonl -> events.summary.json).
    """
    try:
        cache_file, columns = None, Columns(text_column, id_column, published_column)
        if output is not None and not no_cache and record is None and replay is None:
            # A cluster's nodes cannot share this machine's cache file: only an explicit one.
            remote = engine == "ray" and (ray_address or environ("RAY_ADDRESS"))
            cache_file = cache or (None if remote else default_cache_path())
        rpm, tpm = parse_rate_limit(rate_limit) if rate_limit else (None, None)
        settings = ExtractorSettings.from_env(
            requests_per_minute=rpm, tokens_per_minute=tpm,
            schema=schema, backend=backend, model=model, base_url=base_url, api_key=api_key,
            template=template, strategy=strategy, validation_retries=validation_retries,
            transport_retries=transport_retries, retry_wait=retry_wait, timeout=timeout,
            max_tokens=max_tokens, max_chars=max_chars, chunk_chars=chunk_chars,
            concurrency=concurrency, cache=cache_file, record=record, replay=replay,
            language=lang,
        )  # fmt: skip
        if engine == "ray":
            ray = RayRun(ray_address, ray_actors)
            return run_ray_corpus(
                settings, files, output, published, ray, quiet, fmt, columns, redo
            )
        if engine != "local":
            raise ConfigError(f"Unknown --engine {engine!r}.", "Use local (the default) or ray.")
        extractor = Extractor.from_settings(settings)
        if quiet:
            pass
        elif replay is not None:
            _note(f"Replaying {replay} for {extractor.backend.model}: nothing is sent.")
        else:
            _announce(extractor)
        with extractor:
            if (
                len(files) == 1
                and output is None
                and (is_url(files[0]) or not Path(files[0]).is_dir())
                and not files[0].endswith((".jsonl", ".csv"))
                and fmt is None
            ):
                _extract_one(extractor, files[0], published)
            else:
                run_corpus(extractor, files, output, published, quiet, fmt, columns, redo)
    except LlmExtractError as e:
        _fail(e)


def _announce(extractor: Extractor) -> None:
    if extractor.backend.name == "embedded":
        _note(
            f"Using the {extractor.backend.label}: no endpoint configured (set OPENAI_BASE_URL or "
            "--base-url to use another). It is a small model; expect misses. Starting it..."
        )
    else:
        _note(f"Using {extractor.backend.label}.")


def _read_document(file: str, max_chars: int = DEFAULT_MAX_CHARS) -> Page:
    """A checked document from a path or URL (with what an HTML page says of itself), or from
    stdin for ``-``."""
    if file == "-":
        return Page(Document.from_text(sys.stdin.read(), source="<stdin>", max_chars=max_chars))
    return read_source(file, max_chars=max_chars)


def _extract_one(extractor: Extractor, file: str, published: str | None) -> None:
    page = _read_document(file, extractor.max_chars)
    if published is None and page.published:  # --published wins; say where the date came from
        _note(f"Published {page.published}, as the page states (--published overrides it).")
    result = extractor.extract(page.document, published=published or page.published)
    a = result.attempts
    chunks = f" from {result.chunks} pieces" if result.chunks > 1 else ""
    _note(
        f"{len(result.records)} record(s){chunks} in {result.seconds:.1f}s; "
        f"{result.usage.total_tokens} tokens; {a.requests} request(s): "
        f"{a.validation_reasks} validation re-ask(s), {a.second_looks} second look(s), "
        f"{a.transport_retries} transport retr(ies)."
    )
    if result.flags:
        _note(
            f"{len({f.record for f in result.flags})} record(s) flagged for review: their code "
            "is contradicted by their own quotes (see flags)."
        )
    for failed in result.failed_chunks:
        _note(
            f"Chunk {failed.index} (characters {failed.start}-{failed.end}) failed: "
            f"{failed.error['message']}"
        )
    typer.echo(json.dumps(result.to_json_dict(), indent=2, ensure_ascii=False))
    if not result.complete:
        raise typer.Exit(EXIT_PARTIAL)


@schemas_app.callback(invoke_without_command=True)
def schemas_list(ctx: typer.Context) -> None:
    """List the shipped schemas."""
    if ctx.invoked_subcommand is not None:
        return
    try:
        for name in shipped_schemas():
            first_line = load_schema(name).description.splitlines()[0]
            typer.echo(f"{name:20} {first_line}")
    except LlmExtractError as e:
        _fail(e)


@schemas_app.command("show")
def schemas_show(
    name: Annotated[str, typer.Argument(help="Schema name or file.py:Class.")],
) -> None:
    """Print a schema's JSON Schema (what the model is constrained to)."""
    try:
        typer.echo(json.dumps(load_schema(name).json_schema(), indent=2))
    except LlmExtractError as e:
        _fail(e)


@app.command()
def prompt(
    file: Annotated[str, typer.Argument(help="Text or HTML file, http(s) URL, or - (stdin).")],
    schema: SchemaOpt = DEFAULT_SCHEMA,
    template: Annotated[str | None, typer.Option(help="Prompt template name or path.")] = None,
    published: Annotated[str | None, typer.Option(help="Publication date YYYY-MM-DD.")] = None,
    strategy: StrategyOpt = None,
    backend: BackendOpt = None,
    base_url: BaseUrlOpt = None,
    chunk_chars: Annotated[int | None, typer.Option(help="As for extract.")] = None,
    lang: Annotated[str | None, typer.Option("--lang", help="As for extract.")] = None,
) -> None:
    """Print every request the strategy would send, piece by piece (sends nothing).

    Output: JSON, a list of {piece, start, end, messages}. A second look (after an empty answer
    or a codebook cue) depends on the answer and is sent only then.
    """
    try:
        # Resolving a backend starts nothing: the embedded server starts on the first request.
        with Extractor(
            schema, template=template, strategy=strategy, backend=backend, base_url=base_url,
            chunk_chars=chunk_chars, language=lang,
        ) as extractor:  # fmt: skip
            page = _read_document(file, extractor.max_chars)
            pub = published or page.published
            requests = [
                {"piece": c.index, "start": c.start, "end": c.end, "messages": messages}
                for c, messages in extractor.render_prompts(page.document, published=pub)
            ]
            _note(f"Strategy {extractor.strategy.describe()}: {len(requests)} request(s).")
        typer.echo(json.dumps(requests, indent=2, ensure_ascii=False))
    except LlmExtractError as e:
        _fail(e)


@app.command("eval")
def eval_command(
    gold: Annotated[
        Path,
        typer.Argument(
            help="Gold JSONL (see llm_extract.evaluation.gold), or an ACLED export CSV."
        ),
    ],
    pred: Annotated[
        Path | None,
        typer.Option(help="Score these predictions (JSONL from extract -o) instead of extracting."),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", help="Where extraction writes predictions (default GOLD.pred.jsonl)."
        ),
    ] = None,
    breakdown: Annotated[
        Path | None,
        typer.Option(help="Per-document scores JSONL (default GOLD.scores.jsonl)."),
    ] = None,
    schema: SchemaOpt = DEFAULT_SCHEMA,
    template: Annotated[str | None, typer.Option(help="Prompt template name or path.")] = None,
    strategy: StrategyOpt = None,
    model: ModelOpt = None,
    base_url: BaseUrlOpt = None,
    api_key: ApiKeyOpt = None,
    backend: BackendOpt = None,
) -> None:
    """Score extraction against gold: per-field accuracy, record P/R/F1, grounding, cost.

    Without --pred, runs extraction on the gold documents first (resumable, like extract -o).
    """
    try:
        extractor = None
        if pred is None:
            extractor = Extractor(
                schema, backend=backend, model=model, base_url=base_url, api_key=api_key,
                template=template, strategy=strategy,
            )  # fmt: skip
            _announce(extractor)
        try:
            report = evaluate(gold, extractor=extractor, predictions=pred or output)
        finally:
            if extractor is not None:
                extractor.close()
        target = breakdown or gold.with_suffix(".scores.jsonl")
        write_breakdown(report, target)
        typer.echo(format_report(report))
        _note(f"Per-document scores: {target}")
    except LlmExtractError as e:
        _fail(e)


app.command()(serve)
app.command()(render)
app.command()(dataset)


def main() -> None:
    app()
