"""``batch prepare``: every request the strategy needs first, as OpenAI Batch API request lines.

Each line is ``{"custom_id", "method": "POST", "url": "/v1/chat/completions", "body"}``; the
body is exactly what the live path sends (:func:`~llm_extract.runs.batch_api.exchange.
request_body`). ``custom_id`` is ``<document id>#p<piece>#r<round>``. Files are split at the
format's limits (:data:`MAX_REQUESTS` lines, :data:`MAX_BYTES` bytes): ``requests.jsonl``,
``requests.2.jsonl``, ... The run's state goes beside the first file
(:mod:`llm_extract.runs.batch_api.state`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import instructor

from llm_extract.core.document import parse_published
from llm_extract.errors import ConfigError, InputError, describe
from llm_extract.inputs.columns import Columns
from llm_extract.inputs.corpus import iter_jobs, unique_jobs
from llm_extract.runs.batch_api.exchange import request_body
from llm_extract.runs.batch_api.state import (
    KEPT_SETTINGS,
    BatchState,
    Doc,
    Piece,
    Request,
    state_path,
)

if TYPE_CHECKING:
    from llm_extract.api import Extractor

#: The OpenAI Batch API's limits per input file.
MAX_REQUESTS = 50_000
MAX_BYTES = 200 * 1024 * 1024
CHAT_URL = "/v1/chat/completions"


@dataclass(frozen=True)
class Limits:
    """Where a request file is split (the Batch API's limits by default)."""

    max_requests: int = MAX_REQUESTS
    max_bytes: int = MAX_BYTES


DEFAULT_LIMITS = Limits()


@dataclass
class Prepared:
    """What ``prepare`` wrote."""

    files: list[Path] = field(default_factory=list)
    requests: int = 0
    documents: int = 0
    unreadable: int = 0
    state: Path | None = None


def custom_id(document_id: str, piece: int, round_: int) -> str:
    return f"{document_id}#p{piece}#r{round_}"


def request_line(cid: str, body: dict[str, Any]) -> dict[str, Any]:
    return {"custom_id": cid, "method": "POST", "url": CHAT_URL, "body": body}


#: instructor modes whose answer is JSON in the message content (what collect keeps).
_CONTENT_MODES = frozenset(
    {instructor.Mode.JSON_SCHEMA, instructor.Mode.JSON, instructor.Mode.MD_JSON}
)


def prepare(
    extractor: Extractor,
    inputs: Iterable[str | Path],
    output: Path,
    *,
    published: str | date | None = None,
    limits: Limits = DEFAULT_LIMITS,
    columns: Columns | None = None,
) -> Prepared:
    """Write the first round's request file(s) for ``inputs`` to ``output`` (and beyond), and
    the run's state beside it."""
    parse_published(published)
    settings = {k: v for k, v in extractor.settings.as_dict().items() if k in KEPT_SETTINGS}
    if not isinstance(settings["schema"], str):
        raise ConfigError(
            "A batch run needs the schema by name (a record class cannot be kept in the state).",
            "Pass --schema NAME or --schema path/to/file.py:Class.",
        )
    settings["strategy"] = extractor.strategy.name
    if extractor.backend.mode not in _CONTENT_MODES:
        # collect keeps each answer's message content; a tool call's arguments are not kept.
        raise ConfigError(
            f"Batch files need answers in the message content; {extractor.backend.label} answers "
            f"in {extractor.backend.mode.value} mode, whose records are in a tool call.",
            "Use a backend in JSON-schema or JSON mode for batch runs, or run `llm-extract "
            "extract -o` (the live path handles every mode).",
        )
    # Absolute paths in the state: a collect run from another folder still finds the files.
    state = BatchState(_anchored(settings), str(output.absolute()))
    lines: list[tuple[dict[str, Any], Request]] = []
    jobs = unique_jobs(
        iter_jobs(inputs, published=published, max_chars=extractor.max_chars, columns=columns)
    )
    for job in jobs:
        if job.document is None:
            error = describe(job.failure)
            state.documents[job.document_id] = Doc(
                job.source, "", "", None, job.metadata, [], error=error
            )
            continue
        pub = parse_published(job.published)
        prompts = extractor.render_prompts(job.document, published=pub)
        state.documents[job.document_id] = Doc(
            job.source, job.document.sha256, job.document.text,
            pub.isoformat() if pub else None, job.metadata, [Piece() for _ in prompts],
        )  # fmt: skip
        for piece, messages in prompts:
            cid = custom_id(job.document_id, piece.index, 1)
            request = Request(job.document_id, piece.index, 1, "fill", messages, "")
            lines.append((request_line(cid, request_body(extractor, messages)), request))
    result = Prepared(documents=len(state.documents))
    result.unreadable = sum(1 for d in state.documents.values() if d.error)
    result.files = write_requests(output, lines, limits, state)
    result.requests = len(lines)
    result.state = state_path(output)
    state.save(result.state)
    return result


def write_requests(
    output: Path,
    lines: list[tuple[dict[str, Any], Request]],
    limits: Limits,
    state: BatchState,
) -> list[Path]:
    """Write request lines to ``output``, ``output.2``, ... split at ``limits``; each request
    is noted pending in ``state`` with the file it went to."""
    if limits.max_requests < 1 or limits.max_bytes < 1:
        raise ConfigError("The request-file limits must be 1 or more.")
    files: list[Path] = []
    chunk: list[str] = []
    size = 0

    def current() -> Path:  # the file being filled: output, then output.2.jsonl, ...
        return output if not files else output.with_name(f"{output.stem}.{len(files) + 1}.jsonl")

    def flush() -> None:
        nonlocal size
        path = current()
        path.write_text("".join(chunk), encoding="utf-8")
        files.append(path)
        chunk.clear()
        size = 0

    for line, request in lines:
        text = json.dumps(line, ensure_ascii=False) + "\n"
        n = len(text.encode("utf-8"))
        if n > limits.max_bytes:
            raise InputError(
                f"The request {line['custom_id']} alone is {n:,} bytes, over the file limit.",
                "Lower --chunk-chars so each request is smaller.",
            )
        if chunk and (len(chunk) >= limits.max_requests or size + n > limits.max_bytes):
            flush()
        chunk.append(text)
        size += n
        request.file = str(current().absolute())
        state.pending[line["custom_id"]] = request
    if chunk or not files:
        flush()
    return files


def _anchored(settings: dict[str, Any]) -> dict[str, Any]:
    """``settings`` with a schema file (``file.py:Class``) and a template file made absolute."""
    schema, template = settings["schema"], settings.get("template")
    path, _, name = schema.rpartition(":")
    if path.endswith(".py") and Path(path).is_file():
        settings["schema"] = f"{Path(path).absolute()}:{name}"
    if isinstance(template, str) and Path(template).is_file():
        settings["template"] = str(Path(template).absolute())
    return settings
