"""The request fingerprint: one stable hash of everything that decides a model's answer.

Recordings (:mod:`llm_extract.wire.recordings`, the pytest plugin), replay and the response cache
all
key on :func:`fingerprint`; nothing else hashes requests. It works from the JSON body of a
``/chat/completions`` request, so it is the same for a request built by instructor, by the
openai SDK or read back from a recording file.

What counts: the model name, the rendered messages, the response format (instructor's
JSON_SCHEMA mode sends the schema as ``response_format``), tools, and every sampling parameter
(temperature, max_tokens, seed, top_p, stop, ...). What does not: headers, host and port (the
embedded server picks a free port each run), and body fields that do not change the content of
the answer (:data:`VOLATILE_FIELDS`). Integral floats are written as integers, so
``temperature=0`` and ``temperature=0.0`` are the same request.
"""

from __future__ import annotations

import difflib
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

#: Bumped when the canonical form changes, so old and new hashes never collide silently.
FINGERPRINT_VERSION = 1

#: Body fields that change bookkeeping, not the answer's content.
VOLATILE_FIELDS = frozenset(
    {"stream_options", "user", "metadata", "store", "service_tier", "prompt_cache_key",
     "safety_identifier"}
)  # fmt: skip

# The parts of a request, in the order a person reads them (and diffs show them).
_PARTS = ("model", "params", "response_format", "messages")
_ROLE_CONTENT = ("role", "content")
#: How a changed part is named in a message.
PART_NAMES = {
    "model": "model",
    "params": "sampling parameters",
    "response_format": "response format (schema)",
    "messages": "messages (template text or input)",
}
_WIDTH = 160


@dataclass(frozen=True)
class Fingerprint:
    """A request's identity: ``digest`` (sha256 hex) over ``canonical`` (the parts that count)."""

    digest: str
    canonical: dict[str, Any]

    @property
    def short(self) -> str:
        return self.digest[:12]

    def text(self) -> str:
        """The canonical form as readable lines (messages line by line), for diffs."""
        c = self.canonical
        lines = [f"model: {c['model']}"]
        lines += [f"param {k}: {_dumps(v)}" for k, v in c["params"].items()]
        if c["response_format"] is not None:
            lines.append("response_format (schema):")
            pretty = json.dumps(c["response_format"], indent=2, sort_keys=True, ensure_ascii=False)
            lines += ["  " + line for line in pretty.splitlines()]
        lines += _message_lines(c["messages"])
        return "\n".join(lines)


def fingerprint(body: Mapping[str, Any] | bytes | str) -> Fingerprint:
    """The fingerprint of a chat-completions request body (a dict, or its JSON text)."""
    data = json.loads(body) if isinstance(body, bytes | str) else body
    if not isinstance(data, Mapping):
        raise TypeError(f"a request body is a JSON object, not {type(data).__name__}")
    data = _normal(dict(data))
    canonical = {
        "model": data.pop("model", None),
        "messages": data.pop("messages", []),
        "response_format": data.pop("response_format", None),
        "params": {k: data[k] for k in sorted(data) if k not in VOLATILE_FIELDS},
    }
    payload = _dumps({"v": FINGERPRINT_VERSION, **canonical})
    return Fingerprint(hashlib.sha256(payload.encode("utf-8")).hexdigest(), canonical)


def diff(recorded: Fingerprint, now: Fingerprint, *, max_lines: int = 40) -> str:
    """A short unified diff of the canonical forms (``-`` recorded, ``+`` now); long changed
    lines are cut to a window around their first difference."""
    lines = list(
        difflib.unified_diff(
            recorded.text().splitlines(), now.text().splitlines(),
            "recorded", "now", n=1, lineterm="",
        )
    )  # fmt: skip
    shown = _cropped(lines[:max_lines])
    if len(lines) > max_lines:
        shown.append(f"... ({len(lines) - max_lines} more diff lines)")
    return "\n".join(shown)


def changed_parts(recorded: Fingerprint, now: Fingerprint) -> list[str]:
    """What differs, in words: the model, sampling parameters, schema, or messages."""
    return [PART_NAMES[p] for p in _PARTS if recorded.canonical[p] != now.canonical[p]]


def _cropped(lines: list[str], width: int = _WIDTH) -> list[str]:
    """Lines cut to ``width``; a removed line and the added line after it (pairs in a change
    block) are cut around where they first differ, so the change itself shows."""
    out = list(lines)
    i = 0
    while i < len(out):
        minus = i
        while i < len(out) and out[i].startswith("-") and not out[i].startswith("---"):
            i += 1
        plus = i
        while i < len(out) and out[i].startswith("+") and not out[i].startswith("+++"):
            i += 1
        for a, b in zip(range(minus, plus), range(plus, i), strict=False):
            start = _first_difference(out[a][1:], out[b][1:])
            out[a], out[b] = _window(out[a], start, width), _window(out[b], start, width)
        if i == minus:
            i += 1
    return [line if len(line) <= width else line[: width - 3] + "..." for line in out]


def _first_difference(a: str, b: str) -> int:
    return next(
        (k for k, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b))
    )


def _window(line: str, start: int, width: int) -> str:
    """The line's start (sign, indent, a sentence tag like [S4]), then its content from a
    little before ``start``."""
    if len(line) <= width or start < width // 2:
        return line
    begin = start - width // 3
    return f"{line[:12]}...{line[1 + begin :]}"


def closeness(a: Fingerprint, b: Fingerprint) -> float:
    """How alike two requests are (0 to 1): finds the recorded request a new one came from."""
    if a.digest == b.digest:
        return 1.0
    same = sum(a.canonical[p] == b.canonical[p] for p in _PARTS) / len(_PARTS)
    ratio = difflib.SequenceMatcher(
        None, _message_lines(a.canonical["messages"]), _message_lines(b.canonical["messages"])
    ).ratio()
    return float(same + ratio) / 2


def _message_lines(messages: list[Any]) -> list[str]:
    lines = []
    for i, message in enumerate(messages, 1):
        m = message if isinstance(message, dict) else {"content": message}
        lines.append(f"message {i} ({m.get('role', '?')}):")
        content = m.get("content")
        body = content if isinstance(content, str) else _dumps(content)
        lines += ["  " + line for line in body.splitlines() or [""]]
        lines += [f"  [{k}: {_dumps(v)}]" for k, v in sorted(m.items()) if k not in _ROLE_CONTENT]
    return lines


def _normal(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: _normal(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_normal(v) for v in value]
    return value


def _dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
