"""The batch output file (``-o``): checked, locked, and read back for resuming.

Everything here happens before the first document is extracted, so a wrong ``-o`` costs nothing:
a missing folder, a folder, a file that is not llm-extract output, or a file another run is
writing (an exclusive ``flock``, held until the run ends; POSIX only, elsewhere runs are not
locked) stops with :class:`~llm_extract.errors.OutputFileError`.

Resuming: the last line of a killed run may lack its newline. A line that parses as a whole
result is kept (only the newline is added); a real fragment is cut off, and a warning on the
``llm_extract.runs.output_file`` logger says what was dropped.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from llm_extract.errors import OutputFileError

try:
    import fcntl
except ImportError:  # Windows: no advisory locks; runs are simply not locked there.
    fcntl = None  # type: ignore[assignment]

logger = logging.getLogger(__name__)

# Every line run_corpus writes starts this way (document_id is the first key).
_LINE_START = b'{"document_id"'
_FRESH = "-o appends to (and resumes from) its file: give a new file, or one an earlier run wrote."


@contextmanager
def open_output(path: Path) -> Iterator[tuple[IO[str], dict[tuple[str, str], Any]]]:
    """The locked output stream, and the (document_id, sha256) pairs already done in it, each
    with the run fingerprint of its line (None on lines from versions that wrote none)."""
    _check_path(path)
    try:
        stream = path.open("a", encoding="utf-8")
    except OSError as e:
        raise OutputFileError(f"Cannot write {path}: {e.strerror}.", "Check permissions.") from e
    try:
        _lock(stream, path)
        yield stream, _read_back(path, stream)
    finally:
        stream.close()  # closing releases the lock


def _check_path(path: Path) -> None:
    if path.is_dir():
        raise OutputFileError(
            f"{path} is a folder.", f"Give -o a file name, e.g. {path / 'results.jsonl'}."
        )
    parent = path.parent
    if not parent.is_dir():
        raise OutputFileError(
            f"The folder {parent} (for {path.name}) does not exist.",
            f"Create it first (mkdir -p {parent}), or choose another path.",
        )


def _lock(stream: IO[str], path: Path) -> None:
    if fcntl is None:
        return
    try:
        fcntl.flock(stream.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        raise OutputFileError(
            f"{path} is being written by another llm-extract run.",
            "Wait for that run to finish (rerunning then resumes), or write to another file.",
        ) from None
    except OSError:  # a file system without locks (some network mounts): run unlocked
        logger.warning("Could not lock %s; do not run two batches into it at once.", path)


def _read_back(path: Path, stream: IO[str]) -> dict[tuple[str, str], Any]:
    data = path.read_bytes()
    cut = data.rfind(b"\n") + 1
    head, tail = data[:cut], data[cut:]
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as e:
        raise OutputFileError(
            f"{path} is not UTF-8 (byte 0x{head[e.start]:02x} at offset {e.start}), so it is not "
            "llm-extract output.",
            _FRESH,
        ) from None
    rows = [_parse(line) for line in text.splitlines() if line.strip()]
    if tail:
        last = _parse(tail)
        if last is not None:
            # A whole result whose newline was lost: keep it, and end the line.
            stream.write("\n")
            stream.flush()
            rows.append(last)
        elif tail.startswith(_LINE_START):
            _drop_fragment(path, stream, cut, tail)
        else:
            raise OutputFileError(f"{path} does not end with an llm-extract result line.", _FRESH)
    if rows and not any(row is not None and "document_id" in row for row in rows):
        raise OutputFileError(f"{path} has no llm-extract result lines.", _FRESH)
    done: dict[tuple[str, str], Any] = {}
    for row in rows:  # the last line of a document is the one that counts
        if row is None or "document_id" not in row:
            continue
        key = (str(row.get("document_id")), str(row.get("sha256")))
        if row.get("status") == "ok":
            done[key] = row.get("run")
        else:
            done.pop(key, None)
    return done


def compact(path: Path) -> int:
    """Rewrite ``path`` keeping only the last line of each document (after ``--redo``), through
    a temporary file and an atomic rename, so a crash leaves the old file or the new one.
    Returns the number of lines dropped."""
    lines = path.read_text(encoding="utf-8").splitlines()
    last: dict[str, int] = {}
    for n, line in enumerate(lines):
        row = _parse(line)
        if row is not None and "document_id" in row:
            last[str(row["document_id"])] = n
    keep = sorted(last.values())
    tmp = path.with_name(f".{path.name}.compact")
    with tmp.open("w", encoding="utf-8") as f:
        f.writelines(lines[n] + "\n" for n in keep)
        f.flush()
        os.fsync(f.fileno())
    tmp.replace(path)
    return len(lines) - len(keep)


def _drop_fragment(path: Path, stream: IO[str], cut: int, tail: bytes) -> None:
    stream.flush()
    os.ftruncate(stream.fileno(), cut)
    shown = tail[:60].decode("utf-8", errors="replace")
    logger.warning(
        "Dropped an unfinished last line from %s (%d bytes: %s...); a run was interrupted while "
        "writing it, and that document is extracted again.",
        path, len(tail), shown,
    )  # fmt: skip


def _parse(line: str | bytes) -> dict[str, Any] | None:
    try:
        row = json.loads(line)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None
    return row if isinstance(row, dict) else None
