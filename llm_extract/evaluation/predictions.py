"""Predictions to score: llm_extract records (objects or batch JSONL) or flat dicts from elsewhere.

A record is read leniently so that other tools' output can be scored too: ``event_date`` may be
``{"value": ...}`` or a string, ``location`` a dict or a place name, an actor a dict or a name,
evidence ``[{"start", "end", "quote"}]`` or a single ``quote`` string.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from llm_extract.core.result import ExtractionResult, row_flags
from llm_extract.errors import InputError

Actor = tuple[str, list[str]]


@dataclass
class PredictedEvent:
    event_type: str | None = None
    sub_event_type: str | None = None
    date: str | None = None
    fatalities: int | None = None
    place: str | None = None
    actor1: Actor | None = None
    actor2: Actor | None = None
    spans: list[tuple[int, int]] = field(default_factory=list)
    # Of ``spans``, those the pipeline attached (alignment "attached"), not the model's citations.
    attached: list[tuple[int, int]] = field(default_factory=list)
    grounded: bool = False  # every evidence item is verbatim in the source (and there is one)
    flagged: bool = False  # in the result's flags (its code contradicted by its own quotes)


@dataclass
class Prediction:
    """One document's predicted events and what they cost."""

    events: list[PredictedEvent]
    error: str | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    seconds: float = 0.0
    cached_prompt_tokens: int = 0  # of prompt_tokens, served from the server's prompt cache


def read_event(record: BaseModel | dict[str, Any], text: str) -> PredictedEvent:
    data = record.model_dump(mode="json") if isinstance(record, BaseModel) else record
    event = PredictedEvent(
        event_type=_str(data.get("event_type")),
        sub_event_type=_str(data.get("sub_event_type")),
        date=_date(data.get("event_date", data.get("date"))),
        fatalities=_int(data.get("fatalities")),
        place=_place(data.get("location")),
        actor1=_actor(data.get("actor1")),
        actor2=_actor(data.get("actor2")),
    )
    event.spans, event.grounded, event.attached = _evidence(data, text)
    return event


def from_result(result: ExtractionResult, text: str) -> Prediction:
    events = [read_event(r, text) for r in result.records]
    return Prediction(
        events=_flagged(events, (flag.record for flag in result.flags)),
        prompt_tokens=result.usage.prompt_tokens,
        cached_prompt_tokens=result.usage.cached_prompt_tokens,
        completion_tokens=result.usage.completion_tokens,
        seconds=result.seconds,
    )


def read_predictions(path: str | Path, texts: dict[str, str]) -> dict[str, Prediction]:
    """Read a batch output JSONL (``llm-extract extract -o``); the last line per id wins."""
    out: dict[str, Prediction] = {}
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(
            f"Cannot read predictions {path}: {exc}",
            "Pass the JSONL written by `llm-extract extract -o`.",
        ) from exc
    for number, line in enumerate(lines, 1):
        try:
            row = json.loads(line)
            doc_id = str(row["document_id"])
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise InputError(
                f"{path}:{number} is not a prediction line ({exc}).",
                'Each line needs "document_id" and "records" (or "status": "error").',
            ) from exc
        text = texts.get(doc_id, "")
        error = row.get("error")
        # A failed extraction still spent tokens; its error line carries them.
        usage = row.get("usage") or (error.get("usage") if isinstance(error, dict) else None) or {}
        events = [read_event(r, text) for r in row.get("records") or []]
        out[doc_id] = Prediction(
            events=_flagged(events, row_flags(row)),
            error=(error.get("message") if isinstance(error, dict) else error) or None,
            prompt_tokens=int(usage.get("prompt_tokens", 0)),
            cached_prompt_tokens=int(usage.get("cached_prompt_tokens", 0)),
            completion_tokens=int(usage.get("completion_tokens", 0)),
            seconds=float(row.get("seconds") or 0.0),
        )
    return out


def _str(value: Any) -> str | None:
    return str(value) if value not in (None, "") else None


def _int(value: Any) -> int | None:
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def _date(value: Any) -> str | None:
    if isinstance(value, dict):  # llm_extract's EventDate, or {"value": ...}
        value = value.get("date") or value.get("value")
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip()[:10]).isoformat()
        except ValueError:
            return None
    return None


def _place(value: Any) -> str | None:
    if isinstance(value, dict):
        return _str(value.get("place")) or _str(value.get("location"))
    return _str(value)


def _actor(value: Any) -> Actor | None:
    if isinstance(value, dict) and value.get("name"):
        return str(value["name"]), [str(a) for a in value.get("associated") or []]
    if isinstance(value, str) and value.strip():
        return value, []
    return None


def _evidence(
    data: dict[str, Any], text: str
) -> tuple[list[tuple[int, int]], bool, list[tuple[int, int]]]:
    """The record's evidence spans, whether all are verbatim, and those the pipeline attached."""
    items = data.get("evidence")
    if isinstance(items, list) and items and all(isinstance(i, dict) for i in items):
        spans = [(int(i["start"]), int(i["end"])) for i in items]
        verbatim = all(text[i["start"] : i["end"]] == i.get("quote") for i in items)
        attached = [
            sp for sp, i in zip(spans, items, strict=True) if i.get("alignment") == "attached"
        ]
        return spans, verbatim, attached
    quote = data.get("quote") or data.get("evidence")
    if isinstance(quote, str) and quote.strip() and (start := text.find(quote.strip())) >= 0:
        return [(start, start + len(quote.strip()))], True, []
    return [], False, []


def _flagged(events: list[PredictedEvent], indexes: Iterable[int]) -> list[PredictedEvent]:
    """``events`` with those at ``indexes`` (a result's flags) marked; an index past the list
    (a row edited by hand) is skipped, as the review page skips it."""
    for at in indexes:
        if 0 <= at < len(events):
            events[at].flagged = True
    return events
