"""The state of a batch-file run between rounds: one small JSON file beside the output.

``batch prepare`` writes it beside the request file (``requests.batch-state.json``); the first
``batch collect`` carries it on beside the output (``events.batch-state.json``), where every
later collect finds it. It holds what a result file does not: each document's text, hash,
published date and source, the extractor settings the requests were built with, and each
pending request's messages (what a re-ask or a second look quotes back). It is rewritten whole
(a temporary file, then a rename), so an interrupted collect leaves the previous state.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from llm_extract.errors import InputError, LlmExtractError

STATE_VERSION = 1
#: The settings a batch run keeps (never the API key).
KEPT_SETTINGS = ("schema", "backend", "model", "base_url", "template", "strategy",
                 "validation_retries", "max_tokens", "temperature", "max_chars", "chunk_chars",
                 "chunk_overlap")  # fmt: skip


class BatchStateError(LlmExtractError):
    """The batch state file is missing, unreadable, or from another run."""

    exit_code = 2


def state_path(path: Path) -> Path:
    """``events.jsonl`` -> ``events.batch-state.json`` (and likewise for a request file)."""
    return path.with_name(f"{path.stem}.batch-state.json")


@dataclass
class Request:
    """One request line waiting for its answer."""

    document_id: str
    piece: int
    round: int
    #: ``fill`` (the strategy's request for a piece) or ``second_look`` (its follow-up).
    kind: str
    messages: list[dict[str, Any]]
    #: The request file it was written to (a result file answers one request file).
    file: str
    #: Validation re-asks already spent on this request chain.
    reasks: int = 0
    #: For a second look: the answer it may replace.
    first_answer: str | None = None
    #: How many records the first answer had (a second look that drops them all is ignored).
    first_count: int = 0
    #: Times this request was sent again after a per-line error or a missing line.
    resubmits: int = 0
    #: A second look that insists: its schema requires a record (``Schema.insisting_model``).
    at_least_one: bool = False


@dataclass
class Piece:
    """One piece of a document: ``pending``, ``done`` (with its valid ``answer``) or ``failed``."""

    status: str = "pending"
    answer: str | None = None
    error: dict[str, Any] | None = None
    usage: dict[str, Any] = field(default_factory=dict)
    attempts: dict[str, Any] = field(default_factory=dict)


@dataclass
class Doc:
    source: str
    sha256: str
    text: str
    published: str | None
    metadata: dict[str, Any]
    pieces: list[Piece]
    written: bool = False
    #: Why the input could not be read (such a document has no pieces and ends as an error).
    error: dict[str, Any] | None = None


@dataclass
class BatchState:
    settings: dict[str, Any]
    requests_file: str
    round: int = 1
    documents: dict[str, Doc] = field(default_factory=dict)
    pending: dict[str, Request] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "version": STATE_VERSION,
            "settings": self.settings,
            "requests_file": self.requests_file,
            "round": self.round,
            "documents": {k: _doc_json(d) for k, d in self.documents.items()},
            "pending": {k: vars(r) for k, r in self.pending.items()},
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> BatchState:
        docs = {
            k: Doc(**{**d, "pieces": [Piece(**p) for p in d["pieces"]]})
            for k, d in data["documents"].items()
        }
        pending = {k: Request(**r) for k, r in data["pending"].items()}
        return cls(data["settings"], data["requests_file"], data["round"], docs, pending)

    def save(self, path: Path) -> None:
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(json.dumps(self.to_json(), ensure_ascii=False), encoding="utf-8")
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path) -> BatchState:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise BatchStateError(
                f"No batch state at {path}.",
                "Pass --state with the .batch-state.json that `batch prepare` wrote beside the "
                "request file.",
            ) from None
        except (OSError, ValueError) as e:
            raise InputError(f"Cannot read the batch state {path}: {e}.") from e
        if not isinstance(data, dict) or data.get("version") != STATE_VERSION:
            raise BatchStateError(
                f"{path} is not a batch state file of this version.",
                "Run `batch prepare` again with this version of llm-extract.",
            )
        return cls.from_json(data)


def _doc_json(doc: Doc) -> dict[str, Any]:
    data = dict(vars(doc))
    data["pieces"] = [vars(p) for p in doc.pieces]
    return data
