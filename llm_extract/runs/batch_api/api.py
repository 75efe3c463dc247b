"""The provider side, through the openai SDK's ``files`` and ``batches`` endpoints: upload a
request file and start its batch, report a batch's progress, download its results.

Any endpoint that serves ``/v1/files`` and ``/v1/batches`` works (OpenAI's, or a compatible
server); ``vllm run-batch`` needs none of this (collect its local result file).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openai

from llm_extract.errors import BackendError, ConfigError, InputError, LlmExtractError


class BatchNotReadyError(LlmExtractError):
    """The batch has no results yet (or ended without any)."""

    exit_code = 3


@dataclass(frozen=True)
class BatchStatus:
    id: str
    status: str
    total: int
    completed: int
    failed: int
    output_file_id: str | None
    error_file_id: str | None

    def line(self) -> str:
        return (
            f"{self.id}: {self.status}, {self.completed}/{self.total} requests done, "
            f"{self.failed} failed"
        )


def submit(client: openai.OpenAI, requests: Path) -> str:
    """Upload ``requests`` and create its batch; returns the batch id."""
    if not requests.is_file():
        raise InputError(f"No request file {requests}.", "Write one with `batch prepare`.")
    try:
        with requests.open("rb") as f:
            uploaded = client.files.create(file=(requests.name, f), purpose="batch")
        batch = client.batches.create(
            input_file_id=uploaded.id, endpoint="/v1/chat/completions", completion_window="24h"
        )
    except openai.APIError as e:
        raise _backend_error("submit the batch", e) from e
    return batch.id


def status(client: openai.OpenAI, batch_id: str) -> BatchStatus:
    """The batch's progress."""
    try:
        batch = client.batches.retrieve(batch_id)
    except openai.APIError as e:
        raise _backend_error(f"read batch {batch_id}", e) from e
    counts = batch.request_counts
    return BatchStatus(
        batch.id,
        batch.status,
        counts.total if counts else 0,
        counts.completed if counts else 0,
        counts.failed if counts else 0,
        batch.output_file_id,
        batch.error_file_id,
    )


def download_results(client: openai.OpenAI, batch_id: str) -> list[dict[str, Any]]:
    """The result lines of a finished batch (its output file, then its error file)."""
    found = status(client, batch_id)
    if found.status not in ("completed", "expired", "cancelled", "failed"):
        raise BatchNotReadyError(
            f"Batch {batch_id} is {found.status}: its results are not ready.",
            f"Wait, checking with `llm-extract batch status {batch_id}`, then collect again.",
        )
    lines: list[dict[str, Any]] = []
    for file_id in (found.output_file_id, found.error_file_id):
        if file_id:
            try:
                text = client.files.content(file_id).text
            except openai.APIError as e:
                raise _backend_error(f"download {file_id}", e) from e
            lines += read_result_text(text, file_id)
    return lines


def read_results(path: Path) -> list[dict[str, Any]]:
    """The lines of a local result file (a provider's, or ``vllm run-batch -o``'s)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise InputError(f"Cannot read the result file {path}: {e.strerror}.") from e
    return read_result_text(text, str(path))


def read_result_text(text: str, where: str) -> list[dict[str, Any]]:
    lines = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            lines.append(json.loads(line))
        except ValueError:
            raise InputError(
                f"Line {number} of {where} is not JSON.",
                "Give collect the result file the batch wrote, unchanged.",
            ) from None
    return lines


def _backend_error(what: str, e: openai.APIError) -> BackendError:
    return BackendError(
        f"Could not {what}: {e.message}",
        "Check --base-url / --api-key, and that the endpoint serves the files and batches APIs.",
    )


def make_client(base_url: str | None, api_key: str | None, timeout: float = 120.0) -> openai.OpenAI:
    """An SDK client for the batch endpoints (``base_url`` None: api.openai.com)."""
    if not base_url and not api_key:
        raise ConfigError(
            "No endpoint for the batch API.",
            "Pass --base-url (or set OPENAI_BASE_URL), and --api-key / OPENAI_API_KEY if it "
            "needs one.",
        )
    return openai.OpenAI(base_url=base_url, api_key=api_key or "no-key", timeout=timeout)
