"""``llm-extract batch``: OpenAI-format batch files (prepare, submit, status, collect).

Like the rest of the CLI it only translates: the work is in :mod:`llm_extract.runs.batch_api`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from llm_extract.api import DEFAULT_SCHEMA, Extractor
from llm_extract.cli.corpus import (
    EXIT_PARTIAL,
    IdColumnOpt,
    InputsArg,
    PublishedColumnOpt,
    PublishedOpt,
    TextColumnOpt,
    outputs,
    write_summary,
)
from llm_extract.cli.tools import fail, note
from llm_extract.errors import LlmExtractError
from llm_extract.inputs.columns import Columns
from llm_extract.runs.batch_api import (
    BatchState,
    Limits,
    collect,
    download_results,
    make_client,
    prepare,
    read_results,
    state_path,
    status,
    submit,
)
from llm_extract.runs.batch_api.collect import DEFAULT_RESUBMITS, Collected
from llm_extract.runs.batch_api.prepare import MAX_BYTES, MAX_REQUESTS
from llm_extract.runs.corpus import summarize_output
from llm_extract.runs.tables import write_table
from llm_extract.settings import ExtractorSettings

batch_app = typer.Typer(
    help="OpenAI-format batch files: prepare -> submit -> status -> collect (-> re-ask rounds).",
    no_args_is_help=True,
)

BaseUrlOpt = Annotated[
    str | None, typer.Option(help="Endpoint serving the API, e.g. http://localhost:8000/v1.")
]
ApiKeyOpt = Annotated[str | None, typer.Option(help="API key (env OPENAI_API_KEY).")]
MaxRequestsOpt = Annotated[int, typer.Option(help="Requests per request file at most.")]
MaxBytesOpt = Annotated[int, typer.Option(help="Bytes per request file at most.")]


@batch_app.command("prepare")
def prepare_command(
    files: InputsArg,
    output: Annotated[Path, typer.Option("--output", "-o", help="The request file to write.")],
    schema: Annotated[str, typer.Option("--schema", "-s", help="Schema name or path.")] = (
        DEFAULT_SCHEMA
    ),
    model: Annotated[str | None, typer.Option(help="Model name (env LLM_EXTRACT_MODEL).")] = None,
    base_url: BaseUrlOpt = None,
    api_key: ApiKeyOpt = None,
    template: Annotated[str | None, typer.Option(help="Prompt template name or path.")] = None,
    strategy: Annotated[str | None, typer.Option(help="single or find-fill.")] = None,
    published: PublishedOpt = None,
    text_column: TextColumnOpt = None,
    id_column: IdColumnOpt = None,
    published_column: PublishedColumnOpt = None,
    validation_retries: Annotated[
        int | None, typer.Option(help="Re-ask rounds for invalid answers (default 2).")
    ] = None,
    max_tokens: Annotated[int | None, typer.Option(help="Answer length limit in tokens.")] = None,
    chunk_chars: Annotated[int | None, typer.Option(help="Chunk longer documents.")] = None,
    max_chars: Annotated[
        int | None, typer.Option(help="Refuse documents longer than this (as for extract).")
    ] = None,
    max_requests: MaxRequestsOpt = MAX_REQUESTS,
    max_bytes: MaxBytesOpt = MAX_BYTES,
) -> None:
    """Write the first round's requests (OpenAI Batch API lines), and the run's state beside.

    Inputs are read as `extract` reads them (the same column options)."""
    try:
        settings = ExtractorSettings.from_env(
            schema=schema, model=model, base_url=base_url, api_key=api_key, template=template,
            strategy=strategy, validation_retries=validation_retries, max_tokens=max_tokens,
            chunk_chars=chunk_chars, max_chars=max_chars, backend="openai",
        )  # fmt: skip
        with _offline_extractor(settings) as extractor:
            done = prepare(
                extractor, files, output, published=published,
                limits=Limits(max_requests, max_bytes),
                columns=Columns(text_column, id_column, published_column),
            )  # fmt: skip
    except LlmExtractError as e:
        fail(e)
    names = ", ".join(str(p) for p in done.files)
    note(
        f"{done.requests} requests for {done.documents} documents ({done.unreadable} unreadable) "
        f"-> {names}; state: {done.state}. Submit with: llm-extract batch submit {done.files[0]}"
    )


@batch_app.command("submit")
def submit_command(
    requests: Annotated[Path, typer.Argument(help="A request file from batch prepare/collect.")],
    base_url: BaseUrlOpt = None,
    api_key: ApiKeyOpt = None,
) -> None:
    """Upload a request file and start its batch; prints the batch id."""
    try:
        batch_id = submit(_client(base_url, api_key), requests)
    except LlmExtractError as e:
        fail(e)
    typer.echo(batch_id)
    note(f"Check it with: llm-extract batch status {batch_id}")


@batch_app.command("status")
def status_command(
    batch_id: Annotated[str, typer.Argument(help="The batch id that submit printed.")],
    base_url: BaseUrlOpt = None,
    api_key: ApiKeyOpt = None,
) -> None:
    """Report a batch's progress."""
    try:
        found = status(_client(base_url, api_key), batch_id)
    except LlmExtractError as e:
        fail(e)
    typer.echo(found.line())


@batch_app.command("collect")
def collect_command(
    source: Annotated[str, typer.Argument(help="A batch id, or a local result file.")],
    output: Annotated[
        Path,
        typer.Option(
            "--output",
            "-o",
            help="Append JSONL rows here (events.csv / .parquet: the tables too, the JSONL "
            "beside them, as for extract).",
        ),
    ],
    state: Annotated[
        Path | None,
        typer.Option(help="The state file batch prepare wrote (first collect only)."),
    ] = None,
    base_url: BaseUrlOpt = None,
    api_key: ApiKeyOpt = None,
    max_requests: MaxRequestsOpt = MAX_REQUESTS,
    max_bytes: MaxBytesOpt = MAX_BYTES,
    resubmits: Annotated[
        int, typer.Option(help="Times a request with no answer (an error, no line) is resent.")
    ] = DEFAULT_RESUBMITS,
    fmt: Annotated[
        str | None,
        typer.Option("--format", help="jsonl, csv or parquet (default: from -o's suffix)."),
    ] = None,
    redo: Annotated[
        bool,
        typer.Option(
            "--redo",
            help="-o holds documents of this batch another run extracted: write this "
            "batch's lines for them (the old ones are replaced).",
        ),
    ] = False,
) -> None:
    """Validate and ground a result file's answers, write finished documents, and write the
    next round (re-asks, second looks) to submit."""
    try:
        jsonl, table, fmt = outputs(output, fmt)
        assert jsonl is not None  # -o is required
        output = jsonl
        sidecar = state_path(output)
        kept: dict[str, Any] = dict(
            BatchState.load(sidecar if sidecar.exists() or state is None else state).settings
        )
        kept["base_url"] = base_url or kept.get("base_url")
        settings = ExtractorSettings.from_env(**kept, api_key=api_key)
        path = Path(source)
        if path.is_file():
            lines = read_results(path)
        else:
            lines = download_results(_client(settings.base_url, settings.api_key), source)
        with _offline_extractor(settings) as extractor:
            out = collect(
                extractor,
                lines,
                output,
                state=state,
                limits=Limits(max_requests, max_bytes),
                resubmits=resubmits,
                redo=redo,
            )
        if table is not None:
            written = write_table(output, table, fmt, order=out.summary.order)
    except LlmExtractError as e:
        fail(e)
    _write_summary(output, out)
    if table is not None:
        note(written.line())
    s = out.summary
    note(
        f"{out.answered} answers read ({out.errors} errors, {out.invalid} invalid, "
        f"{out.missing} missing, {out.ignored} already collected or unknown); "
        f"{s.ok} documents ok, {s.failed} failed, {s.records} records -> {output}."
    )
    if out.next_requests:
        files = ", ".join(str(p) for p in out.next_files)
        note(
            f"{out.next_requests} requests ({out.reasks} re-asks, {out.second_looks} second "
            f"looks, {out.resubmits} resubmitted) written to {files}: submit them, then collect "
            "again."
        )
    elif out.pending_documents:
        note(f"{out.pending_documents} documents still wait for results: collect them.")
    else:
        note("Every document is done.")
    if s.failed:
        raise typer.Exit(EXIT_PARTIAL)


def _write_summary(output: Path, out: Collected) -> None:
    """``events.summary.json`` beside the output, counting every collect so far (the output's
    lines), with the documents still waiting and the round reached."""
    data = summarize_output(output).to_json_dict()
    del data["wall_seconds"], data["documents"]["skipped"]  # neither means anything here
    data["pending_documents"], data["round"] = out.pending_documents, out.round
    write_summary(output, data)


def _client(base_url: str | None, api_key: str | None) -> Any:
    settings = ExtractorSettings.from_env(base_url=base_url, api_key=api_key)
    return make_client(settings.base_url, settings.api_key)


def _offline_extractor(settings: ExtractorSettings) -> Extractor:
    """The extractor that builds and checks requests; it sends none, so a run for
    ``vllm run-batch`` needs no endpoint or key (a placeholder key stands in)."""
    if not settings.base_url and not settings.api_key:
        settings = settings.with_(api_key="unused-for-batch-files")
    return Extractor.from_settings(settings)
