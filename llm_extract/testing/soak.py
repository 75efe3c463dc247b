"""The fault soak and the kill-and-resume check, shared by ``tests/runs/test_soak.py`` (short) and
``benchmarks/soak.py`` (1,000 documents).

A corpus of copies of the seed article's lead (each with its own id and a closing line, so each is a
different request) runs against a :class:`~llm_extract.testing.fault_server.FaultServer`
injecting faults. :func:`reconcile` then checks the output by id: every input ends as records or
an explicit failure line, nothing is lost, no document is ``ok`` twice.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

SEED_PUBLISHED = "2019-08-21"


def seed_cassette() -> Path:
    """The real recorded answer for the seed article's lead (single pass; in a source
    checkout)."""
    return (
        Path(__file__).resolve().parents[2] / "cassettes" / "test_wire" / "test_seed_lead_real.yaml"
    )


def seed_lead(article: str) -> str:
    """The seed article's first four sentences: the text the recorded answer is about."""
    return "\n".join(article.split("\n")[:4])


def make_corpus(path: Path, n: int, seed_text: str) -> list[str]:
    """Write ``n`` JSONL documents (with a ``feed`` metadata key); returns their ids."""
    ids = [f"doc-{i:05d}" for i in range(n)]
    with path.open("w", encoding="utf-8") as f:
        for i, doc_id in enumerate(ids):
            row = {"id": doc_id, "text": f"{seed_text}\n\nCopy {i}.", "published": SEED_PUBLISHED,
                   "feed": f"feed-{i % 3}"}  # fmt: skip
            f.write(json.dumps(row) + "\n")
    return ids


def reconcile(input_ids: list[str], output: Path) -> dict[str, Any]:
    """Counts by id: the final status of each input, losses, strangers, duplicate ``ok`` lines,
    and lines that are not whole JSON."""
    final: dict[str, str] = {}
    ok_lines: Counter[str] = Counter()
    broken = 0
    for line in output.read_text(encoding="utf-8").splitlines():
        try:
            row = json.loads(line)
        except json.JSONDecodeError:
            broken += 1
            continue
        final[row["document_id"]] = row["status"]
        if row["status"] == "ok":
            ok_lines[row["document_id"]] += 1
        if row["status"] == "error":
            assert row["error"]["message"], "a failure line names its error"
    statuses = Counter(final.values())
    return {
        "inputs": len(input_ids),
        "ok": statuses["ok"],
        "partial": statuses["partial"],
        "failed": statuses["error"],
        "lost": len(set(input_ids) - set(final)),
        "unknown": len(set(final) - set(input_ids)),
        "duplicate_ok": sum(n - 1 for n in ok_lines.values() if n > 1),
        "broken_lines": broken,
    }


def cli_args(corpus: Path, output: Path, url: str, *extra: str) -> list[str]:
    """``llm-extract`` arguments for a quiet corpus run against ``url``."""
    return [
        "extract", str(corpus), "-o", str(output), "--base-url", url, "--model", "m",
        "--quiet", *extra,
    ]  # fmt: skip


def cli_command(args: list[str]) -> list[str]:
    """The command line running ``llm-extract args`` with this interpreter."""
    return [sys.executable, "-c", "from llm_extract.cli.main import main; main()", *args]


def spawned(command: list[str], env: dict[str, str] | None = None) -> Callable[[], int]:
    """A starter for :func:`run_with_kills` that runs ``command`` as a new process."""

    def start() -> int:
        return os.posix_spawn(command[0], command, {**os.environ, **(env or {})})

    return start


def run_with_kills(
    start: Callable[[], int],
    output: Path,
    *,
    kills: int,
    rng: random.Random,
    min_lines: int = 3,
    max_lines: int | None = None,
    timeout: float = 600,
) -> dict[str, Any]:
    """Start a run (``start`` returns its pid), ``kill -9`` it ``kills`` times at random
    moments (once it has written between ``min_lines`` and ``max_lines`` more lines, then a
    random fraction of a second more), then run it to the end. Returns the line counts at each
    kill and the last run's exit code."""
    killed_at: list[int] = []
    ended: list[tuple[int, int]] = []  # (lines, exit code) of runs that ended before their kill
    for _ in range(kills):
        target = _line_count(output) + rng.randint(min_lines, max(max_lines or 0, min_lines))
        pid = start()
        deadline = time.monotonic() + timeout
        status = None
        while _line_count(output) < target and time.monotonic() < deadline:
            if (status := _poll(pid)) is not None:
                break
            time.sleep(0.01)
        if status is None:
            time.sleep(rng.uniform(0.0, 0.2))
            os.kill(pid, signal.SIGKILL)
            killed_at.append(_line_count(output))
            os.waitpid(pid, 0)
        else:
            ended.append((_line_count(output), status))
    pid = start()
    deadline = time.monotonic() + timeout
    while (status := _poll(pid)) is None:
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            raise TimeoutError(f"the final run took more than {timeout:g} s")
        time.sleep(0.02)
    return {"killed_at_lines": killed_at, "ended_before_kill": ended, "exit_code": status}


def _poll(pid: int) -> int | None:
    """The exit code if ``pid`` has ended (reaping it), else None."""
    done, status = os.waitpid(pid, os.WNOHANG)
    return os.waitstatus_to_exitcode(status) if done else None


def _line_count(path: Path) -> int:
    try:
        return path.read_bytes().count(b"\n")
    except FileNotFoundError:
        return 0
