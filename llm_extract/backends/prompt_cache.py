"""The embedded server's prompt cache, kept on disk between processes.

On 2 CPU cores llama.cpp reads about 30 prompt tokens a second, so the ~2,000-token fixed part of
a template (rules and worked examples) costs a cold process about a minute before the first
answer. The server keeps that prefix's KV cache in its slot while it runs; here the slot is saved
to a file when an extractor closes and restored when the next process starts the server, so
only the first run on a machine pays. llama.cpp reuses the restored tokens only up to the first
one that differs, so a changed template or document is still read in full: a stale file costs
time, never correctness. The file is keyed by the model file and context size.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import urllib.error
import urllib.request
from pathlib import Path

from llm_extract.settings import cache_dir, environ

log = logging.getLogger("llm_extract")
_DISABLE = "LLM_EXTRACT_NO_PROMPT_CACHE"


def folder() -> Path | None:
    """Where slot files live (None when disabled by LLM_EXTRACT_NO_PROMPT_CACHE=1)."""
    if (environ(_DISABLE) or "") not in ("", "0"):
        return None
    return cache_dir() / "prompt-cache"


def slot_file_name(model_path: Path, context_window: int) -> str:
    """One file per model file (path, size, mtime) and context size."""
    st = model_path.stat()
    key = f"{model_path.resolve()}|{st.st_size}|{st.st_mtime_ns}|{context_window}"
    return f"{model_path.stem}-{hashlib.sha256(key.encode()).hexdigest()[:16]}.slot"


def restore(server_url: str, name: str) -> int:
    """Load the saved slot into slot 0; returns the tokens restored (0 if none or failed)."""
    where = folder()
    if where is None or not (where / name).is_file():
        return 0
    answer = _slot_action(server_url, "restore", name)
    restored = answer.get("n_restored") if answer else None
    return restored if isinstance(restored, int) else 0


def save(server_url: str, name: str) -> None:
    """Save slot 0 under ``name`` (written to a temporary name, then renamed: readers never
    see half a file, and concurrent savers do not mix)."""
    where = folder()
    if where is None:
        return
    try:
        where.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        log.debug("prompt cache: cannot create %s: %s", where, e)
        return
    partial = f"{name}.{os.getpid()}.part"
    if _slot_action(server_url, "save", partial) is not None:
        try:
            (where / partial).replace(where / name)
        except OSError as e:
            log.debug("prompt cache: cannot keep %s: %s", where / name, e)


def _slot_action(server_url: str, action: str, name: str) -> dict[str, object] | None:
    root = server_url.removesuffix("/v1")
    request = urllib.request.Request(
        f"{root}/slots/0?action={action}",
        data=json.dumps({"filename": name}).encode(),
        headers={"content-type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            answer: dict[str, object] = json.loads(response.read())
            return answer
    except (OSError, ValueError, urllib.error.URLError) as e:
        # A cache is an optimisation: failing to use it must never fail an extraction.
        log.debug("prompt cache: %s of %s failed: %s", action, name, e)
        return None
