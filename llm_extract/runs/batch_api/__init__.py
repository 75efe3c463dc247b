"""OpenAI-format batch files: prepare request files, submit them, collect and re-ask in rounds.

``prepare`` writes every first request (the live path's exact bodies) to Batch API request
files; ``submit``/``status``/``download_results`` talk to an endpoint's files and batches APIs;
``collect`` validates and grounds a result file's answers, writes finished documents as
``extract -o`` does, and writes the next round (validation re-asks, second looks).
"""

from __future__ import annotations

from llm_extract.runs.batch_api.api import (
    BatchNotReadyError,
    BatchStatus,
    download_results,
    make_client,
    read_results,
    status,
    submit,
)
from llm_extract.runs.batch_api.collect import Collected, collect
from llm_extract.runs.batch_api.exchange import request_body
from llm_extract.runs.batch_api.finished import BatchAnswerError
from llm_extract.runs.batch_api.prepare import Limits, Prepared, prepare
from llm_extract.runs.batch_api.state import BatchState, BatchStateError, state_path

__all__ = [
    "BatchAnswerError",
    "BatchNotReadyError",
    "BatchState",
    "BatchStateError",
    "BatchStatus",
    "Collected",
    "Limits",
    "Prepared",
    "collect",
    "download_results",
    "make_client",
    "prepare",
    "read_results",
    "request_body",
    "state_path",
    "status",
    "submit",
]
