"""The response cache: answers kept in SQLite, keyed by endpoint and request fingerprint.

A request whose :func:`~llm_extract.wire.fingerprint.fingerprint` (model, rendered messages,
response format, sampling parameters) was answered before on the same endpoint is answered from
here, and nothing is sent: re-running an unchanged corpus makes no requests, and editing the
template re-asks exactly the documents whose requests changed. Only whole chat completions are
kept (2xx, a JSON body with choices); errors and broken bodies are never cached. A cached answer
still goes through validation and grounding like a fresh one; it is counted as a cache hit, not
as tokens spent.

Safe for many threads and processes on one file: WAL journal, a busy timeout, one connection
per thread, and every answer committed as it arrives (a killed run keeps what it paid for).
"""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

from llm_extract.errors import ConfigError

_SCHEMA = """
CREATE TABLE IF NOT EXISTS responses (
    endpoint TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    body BLOB NOT NULL,
    created REAL NOT NULL,
    PRIMARY KEY (endpoint, fingerprint)
)
"""
_BUSY_MS = 60_000


class ResponseCache:
    """One SQLite cache file (created on first use)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._local = threading.local()
        self._lock = threading.Lock()
        self.hits = 0
        self.stores = 0
        self._connection()  # fail now, with a clear message, not on the first request

    def get(self, endpoint: str, digest: str) -> bytes | None:
        row = (
            self._connection()
            .execute(
                "SELECT body FROM responses WHERE endpoint = ? AND fingerprint = ?",
                (endpoint, digest),
            )
            .fetchone()
        )
        if row is None:
            return None
        with self._lock:
            self.hits += 1
        return bytes(row[0])

    def put(self, endpoint: str, digest: str, body: bytes) -> None:
        db = self._connection()
        with db:
            db.execute(
                "INSERT OR REPLACE INTO responses VALUES (?, ?, ?, ?)",
                (endpoint, digest, body, time.time()),
            )
        with self._lock:
            self.stores += 1

    def __len__(self) -> int:
        return int(self._connection().execute("SELECT count(*) FROM responses").fetchone()[0])

    def close(self) -> None:
        """Close this thread's connection (others close when their threads end)."""
        db = getattr(self._local, "db", None)
        if db is not None:
            db.close()
            self._local.db = None

    def _connection(self) -> sqlite3.Connection:
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is not None:
            return db
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(self.path, timeout=_BUSY_MS / 1000, check_same_thread=False)
            db.execute(f"PRAGMA busy_timeout = {_BUSY_MS}")
            db.execute("PRAGMA journal_mode = WAL")
            db.execute("PRAGMA synchronous = NORMAL")
            db.execute(_SCHEMA)
        except (OSError, sqlite3.Error) as e:
            raise ConfigError(
                f"Cannot use the response cache {self.path}: {e}.",
                "Pass --cache PATH to use another file, or --no-cache (LLM_EXTRACT_CACHE=off).",
            ) from e
        self._local.db = db
        return db
