"""One bad record does not sink an answer: after the last re-ask, keep the records that validate.

instructor validates the model's answer as one list, so a single record that still fails after
the re-asks (a small model inventing a date after publication, in one of five records) would
discard the other four, and with them the whole piece. Here the last answer is read again
record by record, inside the same extraction context (the validators see the same document,
publication date and language): the valid records make the answer, each invalid one is
reported with its error, and an answer with no valid record still fails as before.
"""

from __future__ import annotations

import json
import re
from typing import Any

from pydantic import BaseModel, ValidationError

from llm_extract import errors
from llm_extract.wire.retries import CallLog

_FENCE = re.compile(r"^\s*```(?:json)?\s*|\s*```\s*$")
_MAX_ERROR_CHARS = 300


def kept_in_part(
    failure: Exception,
    record: type[BaseModel],
    answer_model: type[BaseModel],
    log: CallLog,
) -> BaseModel | None:
    """The answer of ``failure`` with only its valid records, or None when there is nothing to
    keep (not a validation failure, no JSON, or no record that validates)."""
    if not isinstance(failure, errors.ValidationRetriesExhaustedError):
        return None
    items = _records(failure.last_output)
    if not items:
        return None
    valid: list[BaseModel] = []
    dropped: list[dict[str, Any]] = []
    for item in items:
        try:
            valid.append(record.model_validate(item))
        except ValidationError as e:
            dropped.append({"error": _brief(e), "record": item})
    if not valid:
        return None
    try:
        answer = answer_model.model_validate({"records": valid})
    except ValidationError:
        return None
    log.kept_in_part += 1
    log.dropped.extend(dropped)
    return answer


def _records(content: str | None) -> list[Any]:
    if not content:
        return []
    try:
        data = json.loads(_FENCE.sub("", content))
    except ValueError:
        return []
    items = data.get("records") if isinstance(data, dict) else data
    return items if isinstance(items, list) else []


def _brief(error: ValidationError) -> str:
    parts = [
        f"{'.'.join(str(p) for p in e['loc']) or 'record'}: {e['msg']}" for e in error.errors()
    ]
    return "; ".join(parts)[:_MAX_ERROR_CHARS]
