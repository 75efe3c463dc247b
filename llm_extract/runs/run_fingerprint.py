"""What made a corpus run's requests, written on every output line as ``"run"``, so a resume
notices a changed model, endpoint, schema, template, strategy or request setting instead of
passing old records off as new.

Only what changes a request (or how its answer is turned into records) is in it: concurrency,
timeouts, caches and rate limits are not, so a rerun with more workers still resumes.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from llm_extract.errors import OutputFileError

if TYPE_CHECKING:
    from llm_extract.api import Extractor
    from llm_extract.settings import ExtractorSettings

#: The parts named in a stale-output error, in the order a user thinks of them.
PARTS = (
    "model",
    "endpoint",
    "schema",
    "template",
    "strategy",
    "max_tokens",
    "temperature",
    "validation_retries",
    "chunk_chars",
    "chunk_overlap",
    "max_chars",
    "language",
)


def run_fingerprint(extractor: Extractor) -> dict[str, Any]:
    """The fingerprint of ``extractor``'s requests (its ``id`` is a short hash of the rest)."""
    s = extractor.settings
    return _with_id(
        model=extractor.backend.model,
        endpoint=extractor.backend.endpoint,
        schema=extractor.schema.name,
        template=f"{extractor.template.path.name}@{extractor.template.sha256[:12]}",
        strategy=extractor.strategy.name,
        chunk_chars=extractor.chunk_chars,
        **_request_settings(s),
    )


def _request_settings(s: ExtractorSettings) -> dict[str, Any]:
    return {
        "max_tokens": s.max_tokens,
        "temperature": s.temperature,
        "validation_retries": s.validation_retries,
        "chunk_overlap": s.chunk_overlap,
        "max_chars": s.max_chars,
        # None: each document's own language, detected.
        "language": s.language,
    }


def _with_id(**parts: Any) -> dict[str, Any]:
    digest = hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode())
    return {"id": digest.hexdigest()[:16], **parts}


def same_run(old: Any, now: Mapping[str, Any]) -> bool:
    """Whether a line's fingerprint ``old`` is ``now`` (a line without one is not)."""
    return isinstance(old, Mapping) and old.get("id") == now.get("id")


def changed(old: Mapping[str, Any] | None, new: Mapping[str, Any]) -> list[str]:
    """``part: old -> new`` for each part that differs (an old line without a fingerprint was
    written by a version that kept none)."""
    if not isinstance(old, Mapping):
        return ["run fingerprint: none (written by an older llm-extract) -> " + str(new["id"])]
    out = [
        f"{part}: {old.get(part)!r} -> {new.get(part)!r}"
        for part in PARTS
        if old.get(part) != new.get(part)
    ]
    return out or [f"run fingerprint: {old.get('id')} -> {new['id']}"]


def stale_error(output: str, stale: list[tuple[str, Mapping[str, Any] | None]],
                now: Mapping[str, Any]) -> OutputFileError:  # fmt: skip
    """The error for a resume whose output holds documents done by another run."""
    first_id, first_run = stale[0]
    what = "; ".join(changed(first_run, now))
    more = f" (and {len(stale) - 1} more)" if len(stale) > 1 else ""
    return OutputFileError(
        f"{output} holds {len(stale)} document(s) extracted by a different run: {what} "
        f"(document {first_id!r}{more}). Resuming would keep their old records.",
        "Write to a new -o, or pass --redo (redo=True) to extract those documents again; "
        "their old lines are replaced once the run ends.",
    )
