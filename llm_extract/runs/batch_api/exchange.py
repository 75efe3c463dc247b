"""One request and its answer, exactly as the live path builds and checks them.

The live path hands :meth:`~llm_extract.Extractor.request_kwargs` to instructor's patched
``create``, which turns them into the request body, parses the answer, and on a validation
failure builds the re-ask. Here the same patched ``create`` runs over a stand-in for the HTTP
call: one that captures the body (for a batch request line), or one that returns an answer read
from a result file (to validate and ground it, and to get instructor's own re-ask messages). So
a batch request's body, its fingerprint and its re-ask are the live request's.
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from instructor.core.exceptions import IncompleteOutputException, InstructorRetryException
from openai.types.chat import ChatCompletion
from pydantic import ValidationError

from llm_extract.core.context import ExtractionContext, extraction_context
from llm_extract.core.document import Document
from llm_extract.errors import cause_of
from llm_extract.wire.reasks import patch_create
from llm_extract.wire.retries import CallLog

if TYPE_CHECKING:
    from llm_extract.api import Extractor


class _Captured(Exception):
    """Raised by the stand-in HTTP call once it has the request body."""

    def __init__(self, body: dict[str, Any]) -> None:
        super().__init__("captured")
        self.body = body


def request_body(
    extractor: Extractor, messages: list[dict[str, Any]], *, at_least_one: bool = False
) -> dict[str, Any]:
    """The chat-completions body the live path sends for ``messages`` (``at_least_one``: with
    the schema that requires a record, as an insisting follow-up)."""

    def capture(**kwargs: Any) -> Any:
        raise _Captured(kwargs)

    create = patch_create(capture, extractor.backend.mode)
    kwargs = {
        **extractor.request_kwargs(copy.deepcopy(messages), CallLog(), at_least_one=at_least_one),
        "max_retries": 0,
    }
    try:
        create(**kwargs)
    except Exception as exc:
        captured = cause_of(exc, _Captured)
        if captured is None:
            raise
        return {k: v for k, v in captured.body.items() if v is not None}
    raise AssertionError("instructor returned without calling create")  # pragma: no cover


@dataclass
class Answer:
    """What one answer came to: ``parsed`` (valid), or ``error`` with the ``reask`` messages
    instructor would send next (None when a re-ask cannot help: the answer was cut off)."""

    content: str | None
    parsed: Any = None
    error: str | None = None
    reask: list[dict[str, Any]] | None = None
    truncated: bool = False


def read_answer(
    extractor: Extractor,
    piece: Document,
    published: date | None,
    messages: list[dict[str, Any]],
    completion: dict[str, Any],
    *,
    at_least_one: bool = False,
) -> Answer:
    """Validate and ground one chat-completion ``completion`` answering ``messages``."""
    response = ChatCompletion.model_validate(completion)
    content = response.choices[0].message.content if response.choices else None
    log = CallLog()
    create = patch_create(lambda **_: response, extractor.backend.mode)
    kwargs = {
        **extractor.request_kwargs(copy.deepcopy(messages), log, at_least_one=at_least_one),
        "max_retries": 0,
    }
    with extraction_context(ExtractionContext(piece, published, piece.language)):
        try:
            return Answer(content, parsed=create(**kwargs))
        except IncompleteOutputException:
            return Answer(content, error="cut off at max_tokens", truncated=True)
        except InstructorRetryException as exc:
            errors = log.attempts.validation_errors or [str(exc)]
            reask = (exc.create_kwargs or {}).get("messages")
            return Answer(content, error=errors[-1], reask=list(reask) if reask else None)
        except ValidationError as exc:  # pragma: no cover - instructor wraps these
            return Answer(content, error=str(exc))


def parse_completion(body: Any) -> dict[str, Any] | None:
    """The chat completion in a result line's ``response.body`` (None when it is not one)."""
    if isinstance(body, dict) and isinstance(body.get("choices"), list) and body["choices"]:
        return body
    return None


def completion_of(model: str, content: str) -> dict[str, Any]:
    """A stored answer as the chat completion that carried it."""
    message = {"role": "assistant", "content": content}
    return {
        "id": "batch", "object": "chat.completion", "created": 0, "model": model,
        "choices": [{"index": 0, "finish_reason": "stop", "message": message}],
    }  # fmt: skip


_FENCE = re.compile(r"```(?:json)?\s*(.*?)\s*```", re.DOTALL)


def raw_records(content: str | None) -> list[Any] | None:
    """The records of a JSON answer as the model wrote them (None when it is not that); a
    fenced answer (``MD_JSON`` mode: ```json ... ```) is read inside its fence."""
    text = content or ""
    if fenced := _FENCE.search(text):
        text = fenced.group(1)
    try:
        data = json.loads(text)
    except ValueError:
        return None
    records = data.get("records") if isinstance(data, dict) else None
    return records if isinstance(records, list) else None
