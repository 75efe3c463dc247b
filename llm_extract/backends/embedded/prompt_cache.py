"""The embedded server's prompt cache, kept on disk: one slot file per prompt prefix.

On 2 CPU cores llama.cpp reads about 30 prompt tokens a second, so the ~2,000-token fixed part of
a template (rules and worked examples) costs about a minute, and each set of cue-chosen examples
that find-fill adds another 5-15 s. The server's one slot holds only the last prompt, so a run
that goes from one example set to another reads the new set in full, again in every article.

:class:`PrefixSlots` keeps a slot file per prefix (every message but the last: the rules and
examples, not the text), restored (tens of ms) before every request with that prefix. Where
llama.cpp starts reading changes how it splits the prompt into batches, and so, slightly, its
numbers and answers: a prefix read on from whatever the slot held made a text's records depend
on the documents before it and on which run wrote the file. So a new prefix is read in fixed
steps (the rules, then up to each worked example's answer, then the rest), each from the state
of the step before it (its file, or an empty slot), and a file depends on its prefix alone: the
same text gets the same records on a fresh machine, in a resumed run or in any order. Files
outlive the process, so only the first run on a machine reads a prefix. Files are keyed by the
model file and context size; the least recently used beyond ``LLM_EXTRACT_PROMPT_CACHE_FILES``
(default 8, 50-70 MB each) are deleted.
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
# Reading a long prefix on 2 CPU cores takes minutes; the request it is for waits anyway.
_READ_TIMEOUT = 600.0
_FORMAT = "steps-1"  # prefixes read in canonical steps (before: read on from the slot's state)


def folder() -> Path | None:
    """Where slot files live (None when disabled by LLM_EXTRACT_NO_PROMPT_CACHE=1)."""
    if (environ(_DISABLE) or "") not in ("", "0"):
        return None
    return cache_dir() / "prompt-cache"


def slot_file_name(model_path: Path, context_window: int, prefix: str) -> str:
    """One file per model file (path, size, mtime), context size and prompt prefix."""
    st = model_path.stat()
    # _FORMAT changes with the way files are written: older ones are never restored (pruned).
    model = f"{model_path.resolve()}|{st.st_size}|{st.st_mtime_ns}"
    key = f"{_FORMAT}|{model}|{context_window}|{prefix}"
    return f"{model_path.stem}-{hashlib.sha256(key.encode()).hexdigest()[:16]}.slot"


class PrefixSlots:
    """The slot files of one server, used around each request (see the module docstring).

    :meth:`before` and :meth:`after` are called holding the endpoint's only slot, so no other
    request runs between a restore and the request it was for. A prefix with a file is restored
    before every request, even when the slot may still hold it, so that every request starts
    from the same saved state. A follow-up (the last request, its answer and a note) goes on
    from what the slot holds: that state came from a restore too.
    """

    def __init__(self, server_url: str, model_path: Path, context_window: int) -> None:
        self.url, self.model_path, self.context_window = server_url, model_path, context_window
        self._last: list[object] | None = None  # the messages of the request the slot holds

    def before(self, body: bytes) -> None:
        """Restore the request's prefix from its file, writing the file first if there is none."""
        messages = _messages(body) if folder() is not None else None
        last, self._last = self._last, messages
        if messages is None:
            return
        prefix = messages[:-1]
        if last is not None and prefix[: len(last)] == last:
            return
        name = self._name(prefix)
        if restore(self.url, name):
            return
        if self._write(prefix, body):
            restore(self.url, name)
        else:
            self._last = None

    def after(self, ok: bool) -> None:
        """A failed request leaves the slot in an unknown state: no follow-up goes on from it."""
        if not ok:
            self._last = None

    def _write(self, prefix: list[object], body: bytes) -> bool:
        """Build the prefix's state from its canonical steps and save it (with its parent's).

        The steps are the system message, then each worked example up to its answer, then the
        rest: a prefix is read from the state of the step before it (restored from a file when
        there is one) and never from wherever the slot happened to stop, so the state, and the
        file, depend on the prefix alone. Keeping the parent's file too lets a sibling prefix
        (other cue-chosen examples after the same fixed ones) read only its own examples.
        """
        steps = [k for k in range(1, len(prefix)) if k == 1 or _role(prefix[k - 1]) == "assistant"]
        steps.append(len(prefix))
        start = 0
        for i in range(len(steps) - 2, -1, -1):  # the prefix itself has none: before() tried
            if restore(self.url, self._name(prefix[: steps[i]])):
                start = i + 1
                break
        else:
            if _slot_action(self.url, "erase", None) is None:
                return False
        for i in range(start, len(steps)):
            if not read_prefix(self.url, body, prefix[: steps[i]]):
                return False
            if i >= len(steps) - 2:
                save(self.url, self._name(prefix[: steps[i]]))
        prune(self.model_path.stem, keep_files())
        return True

    def _name(self, prefix: list[object]) -> str:
        key = json.dumps(prefix, sort_keys=True, ensure_ascii=False)
        return slot_file_name(self.model_path, self.context_window, key)


def _messages(body: bytes) -> list[object] | None:
    try:
        messages = json.loads(body)["messages"]
    except (ValueError, KeyError, TypeError):
        return None
    if not isinstance(messages, list) or len(messages) < 2:
        return None
    return messages


def _role(message: object) -> object:
    return message.get("role") if isinstance(message, dict) else None


def read_prefix(server_url: str, body: bytes, prefix: list[object]) -> bool:
    """Have the server read ``prefix`` (messages) with the request's other settings.

    It is sent as a chat of its own with one token to generate: its rendering ends in the
    assistant's header where the full prompt has the next message's, so the two agree up to
    that header and llama.cpp reuses all of the prefix read here.
    """
    request = {**json.loads(body), "messages": prefix, "max_tokens": 1, "stream": False}
    request.pop("response_format", None)  # one token: no grammar to build
    return _post(f"{server_url}/chat/completions", request, timeout=_READ_TIMEOUT) is not None


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


def save(server_url: str, name: str) -> bool:
    """Save slot 0 under ``name`` (written to a temporary name, then renamed: readers never
    see half a file, and concurrent savers do not mix)."""
    where = folder()
    if where is None:
        return False
    try:
        where.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        log.debug("prompt cache: cannot create %s: %s", where, e)
        return False
    partial = f"{name}.{os.getpid()}.part"
    if _slot_action(server_url, "save", partial) is None:
        return False
    try:
        (where / partial).replace(where / name)
    except OSError as e:
        log.debug("prompt cache: cannot keep %s: %s", where / name, e)
        return False
    return True


def _slot_action(server_url: str, action: str, name: str | None) -> dict[str, object] | None:
    root = server_url.removesuffix("/v1")
    body: dict[str, object] = {} if name is None else {"filename": name}
    return _post(f"{root}/slots/0?action={action}", body, timeout=60)


def _post(url: str, body: dict[str, object], timeout: float) -> dict[str, object] | None:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"content-type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            answer: dict[str, object] = json.loads(response.read())
            return answer
    except (OSError, ValueError, urllib.error.URLError) as e:
        # A cache is an optimisation: failing to use it must never fail an extraction.
        log.debug("prompt cache: %s failed: %s", url, e)
        return None
