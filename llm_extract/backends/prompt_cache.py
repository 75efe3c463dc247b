"""The embedded server's prompt cache, kept on disk: one slot file per prompt prefix.

On 2 CPU cores llama.cpp reads about 30 prompt tokens a second, so the ~2,000-token fixed part of
a template (rules and worked examples) costs about a minute, and each set of cue-chosen examples
that find-fill adds another 5-15 s. The server's one slot holds only the last prompt, so a run
that goes from one example set to another reads the new set in full, again in every article.

:class:`PrefixSlots` keeps a slot file per prefix (every message but the last: the rules and
examples, not the text): saved after the first answer to a new prefix, restored (tens of ms)
before every later request with that prefix. Files outlive the process, so only the
first run on a machine reads a prefix. llama.cpp reuses restored tokens only up to the first one
that differs, so a stale or wrong file costs time, never correctness. Files are keyed by the
model file and context size; the least recently used beyond ``LLM_EXTRACT_PROMPT_CACHE_FILES``
(default 8, about 70 MB each) are deleted.
"""

from __future__ import annotations

import contextlib
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
_KEEP = "LLM_EXTRACT_PROMPT_CACHE_FILES"
_DEFAULT_KEEP = 8


def folder() -> Path | None:
    """Where slot files live (None when disabled by LLM_EXTRACT_NO_PROMPT_CACHE=1)."""
    if (environ(_DISABLE) or "") not in ("", "0"):
        return None
    return cache_dir() / "prompt-cache"


def slot_file_name(model_path: Path, context_window: int, prefix: str) -> str:
    """One file per model file (path, size, mtime), context size and prompt prefix."""
    st = model_path.stat()
    key = f"{model_path.resolve()}|{st.st_size}|{st.st_mtime_ns}|{context_window}|{prefix}"
    return f"{model_path.stem}-{hashlib.sha256(key.encode()).hexdigest()[:16]}.slot"


class PrefixSlots:
    """The slot files of one server, used around each request (see the module docstring).

    :meth:`before` and :meth:`after` are called holding the endpoint's only slot, so no other
    request runs between a restore and the request it was for. A prefix with a file is restored
    before every request, even when the slot may still hold it: llama.cpp's answer depends
    slightly on where in the prompt it started reading (its batches split there), so starting
    each request from the same saved state makes a text's records the same whatever was
    extracted before it in the run (a resumed run, another order). Restoring takes tens of ms.
    """

    def __init__(self, server_url: str, model_path: Path, context_window: int) -> None:
        self.url, self.model_path, self.context_window = server_url, model_path, context_window
        self._unsaved: str | None = None  # a new prefix, to save once it has been answered

    def before(self, body: bytes) -> None:
        """Restore the request's prefix from its file; no file yet: save it after the answer."""
        name = self._name(body)
        self._unsaved = None if name is None or restore(self.url, name) else name

    def after(self, ok: bool) -> None:
        """Save a new prefix once answered (not after a failure: the slot's content is
        unknown then)."""
        if ok and self._unsaved is not None:
            save(self.url, self._unsaved)
            prune(self.model_path.stem, keep_files())
        self._unsaved = None

    def _name(self, body: bytes) -> str | None:
        if folder() is None:
            return None
        try:
            messages = json.loads(body)["messages"]
        except (ValueError, KeyError, TypeError):
            return None
        if not isinstance(messages, list) or len(messages) < 2:
            return None
        prefix = json.dumps(messages[:-1], sort_keys=True, ensure_ascii=False)
        return slot_file_name(self.model_path, self.context_window, prefix)


def keep_files() -> int:
    """How many slot files to keep ($LLM_EXTRACT_PROMPT_CACHE_FILES, default 8)."""
    try:
        return max(1, int(environ(_KEEP) or _DEFAULT_KEEP))
    except ValueError:
        log.warning("%s must be a whole number; keeping %d files.", _KEEP, _DEFAULT_KEEP)
        return _DEFAULT_KEEP


def prune(stem: str, keep: int) -> None:
    """Delete all but the ``keep`` most recently used slot files of the model ``stem``."""
    where = folder()
    if where is None:
        return
    try:
        files = sorted(where.glob(f"{stem}-*.slot"), key=lambda f: f.stat().st_mtime, reverse=True)
        for old in files[keep:]:
            old.unlink(missing_ok=True)
    except OSError as e:  # another process pruning the same folder: harmless
        log.debug("prompt cache: pruning %s: %s", where, e)


def restore(server_url: str, name: str) -> int:
    """Load the saved slot into slot 0; returns the tokens restored (0 if none or failed)."""
    where = folder()
    if where is None or not (where / name).is_file():
        return 0
    answer = _slot_action(server_url, "restore", name)
    restored = answer.get("n_restored") if answer else None
    if not isinstance(restored, int):
        return 0
    with contextlib.suppress(OSError):
        os.utime(where / name)  # recently used: kept by prune()
    return restored


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
