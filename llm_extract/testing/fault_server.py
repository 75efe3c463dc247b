"""A loopback OpenAI-compatible server that answers with recorded real answers, with latency
and injected faults: for fault tests, soaks and benchmarks (tests and ``benchmarks/`` share it).
Unlike ``llm-extract serve --replay`` (which answers each request from its own recording), it
gives every request one of a few real answers, so a corpus of any size can be run against it.

It listens on 127.0.0.1 only. Every ``POST .../chat/completions`` gets, after ``latency``
seconds, one of the recorded response bodies (real answers taken from a cassette, see
:func:`answers_from_cassette`), unless a fault is drawn for it. Faults are drawn from the
request's fingerprint and how many times that request was seen, so a run with the same
requests meets the same faults whatever order they arrive in.

Fault kinds (``faults={"429": 0.05, ...}``, probabilities summing to at most 1):
``429`` (with Retry-After in ms), ``500``, ``503``, ``timeout`` (answers only after ``hang``
seconds), ``reset`` (TCP reset, no answer), ``truncated`` (half a JSON body), ``non_json`` (a
200 with an HTML page).

``served`` counts good answers per fingerprint ("billed"); given ``cache_path``, a request that
arrives although the response cache already holds its answer is counted in
``sent_while_cached`` (a client with a working cache never sends one; a request sent before the
answer was cached, such as one abandoned after a timeout and answered late, does not count).

Run standalone: ``python -m llm_extract.testing.fault_server CASSETTE --latency 0.5`` prints
its base URL, then serves until killed.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import socket
import sqlite3
import struct
import sys
import threading
import time
from collections import Counter
from collections.abc import Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import yaml

from llm_extract.testing.loopback import LoopbackHTTPServer
from llm_extract.wire.fingerprint import fingerprint
from llm_extract.wire.recordings import Recording, stored_response

FAULT_KINDS = ("429", "500", "503", "timeout", "reset", "truncated", "non_json")
#: About 30% of requests fail, spread over every kind.
SOAK_FAULTS = {"429": 0.06, "500": 0.05, "503": 0.05, "timeout": 0.03, "reset": 0.04,
               "truncated": 0.04, "non_json": 0.03}  # fmt: skip


def answers_from_cassette(path: str | Path) -> list[dict[str, Any]]:
    """The 200 chat-completion bodies of a recording (llm_extract's format, any version) or a
    vcrpy cassette."""
    text = Path(path).read_text(encoding="utf-8")
    if "\nexchanges:" in text:  # an llm_extract recording: read it as replay does
        found = [stored_response(e) for e in Recording(path, "none").exchanges]
        bodies = [json.loads(body) for status, _, body in found if status == 200]
    else:
        data = yaml.safe_load(text)
        bodies = []
        for item in data.get("interactions") or []:
            response = item["response"]
            body = (response.get("body") or {}).get("string")
            if response.get("status", {}).get("code") == 200 and body:
                bodies.append(json.loads(body))
    bodies = [b for b in bodies if isinstance(b, dict) and b.get("choices")]
    if not bodies:
        raise ValueError(f"{path} holds no 200 chat completion")
    return bodies


class FaultServer(LoopbackHTTPServer):
    """Use as a context manager; ``url`` is the base URL (``http://127.0.0.1:PORT/v1``)."""

    def __init__(
        self,
        answers: Sequence[dict[str, Any]],
        *,
        latency: float = 0.0,
        faults: dict[str, float] | None = None,
        seed: int = 0,
        hang: float = 2.0,
        retry_after_ms: int = 50,
        cache_path: str | Path | None = None,
    ) -> None:
        unknown = set(faults or {}) - set(FAULT_KINDS)
        if unknown or sum((faults or {}).values()) > 1:
            raise ValueError(f"faults: kinds {FAULT_KINDS}, probabilities summing to <= 1")
        self.answers = [json.dumps(a).encode() for a in answers]
        self.latency, self.faults, self.seed = latency, dict(faults or {}), seed
        self.hang, self.retry_after_ms = hang, retry_after_ms
        self.cache_path = Path(cache_path) if cache_path else None
        self.requests = 0
        self.in_flight = self.peak_in_flight = 0
        self.fault_counts: Counter[str] = Counter()
        self.served: Counter[str] = Counter()
        self.sent_while_cached = 0
        self._seen: Counter[str] = Counter()
        self._lock = threading.Lock()
        super().__init__(_handler(self), server_class=_QuietServer, request_queue_size=1024)

    def stats(self) -> dict[str, Any]:
        with self._lock:
            return {
                "requests": self.requests,
                "answered": sum(self.served.values()),
                "faults": dict(self.fault_counts),
                "peak_in_flight": self.peak_in_flight,
                "billed_twice": sum(n - 1 for n in self.served.values() if n > 1),
                "sent_while_cached": self.sent_while_cached,
            }

    # --- one request -----------------------------------------------------------------------

    def draw(self, body: bytes) -> tuple[str, str | None]:
        """(fingerprint digest, fault kind or None) for this request."""
        try:
            digest = fingerprint(body).digest
        except (ValueError, TypeError):
            digest = hashlib.sha256(body).hexdigest()
        cached = self._cached(digest)
        with self._lock:
            self.requests += 1
            self.sent_while_cached += cached
            n = self._seen[digest]
            self._seen[digest] += 1
        roll = int(hashlib.sha256(f"{self.seed}:{digest}:{n}".encode()).hexdigest()[:8], 16)
        x, edge = roll / 0xFFFFFFFF, 0.0
        for kind in FAULT_KINDS:
            edge += self.faults.get(kind, 0.0)
            if x < edge:
                with self._lock:
                    self.fault_counts[kind] += 1
                return digest, kind
        return digest, None

    def answer_for(self, digest: str) -> bytes:
        with self._lock:
            self.served[digest] += 1
        return self.answers[int(digest[:8], 16) % len(self.answers)]

    def _cached(self, digest: str) -> bool:
        if self.cache_path is None or not self.cache_path.exists():
            return False
        try:
            db = sqlite3.connect(f"file:{self.cache_path}?mode=ro", uri=True, timeout=5)
            try:
                row = db.execute(
                    "SELECT 1 FROM responses WHERE fingerprint = ?", (digest,)
                ).fetchone()
            finally:
                db.close()
        except sqlite3.Error:
            return False
        return row is not None


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that timed out or was killed resets its connection: expected here


def _handler(server: FaultServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        _counted = False  # this request is in ``server.in_flight``
        protocol_version = "HTTP/1.1"  # keep-alive: clients reuse connections

        def log_message(self, *args: Any) -> None:
            pass

        def setup(self) -> None:
            super().setup()
            # Headers and body go out as separate writes: without this, Nagle plus delayed
            # ACKs add ~40 ms to every answer.
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", 0)))
            with server._lock:
                server.in_flight += 1
                server.peak_in_flight = max(server.peak_in_flight, server.in_flight)
            self._counted = True
            try:
                self._answer(body)
            finally:
                self._finished()

        def _finished(self) -> None:
            """This request no longer counts as in flight (once, whichever path ends it)."""
            if self._counted:
                self._counted = False
                with server._lock:
                    server.in_flight -= 1

        def _answer(self, body: bytes) -> None:
            digest, fault = server.draw(body)
            if server.latency:
                time.sleep(server.latency)
            if fault == "reset":
                linger = struct.pack("ii", 1, 0)
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger)
                self.close_connection = True
                return
            if fault == "timeout":
                time.sleep(server.hang)
            if fault in ("429", "500", "503"):
                error = {"error": {"message": f"injected {fault}", "type": "fault"}}
                extra = {"retry-after-ms": str(server.retry_after_ms)} if fault == "429" else {}
                self._send(int(fault), json.dumps(error).encode(), extra)
            elif fault == "truncated":
                whole = server.answers[0]
                self._send(200, whole[: len(whole) // 2])
            elif fault == "non_json":
                page = b"<html><body>502 Bad Gateway</body></html>"
                self._send(200, page, {"content-type": "text/html"})
            else:
                self._send(200, server.answer_for(digest))

        def _send(self, status: int, content: bytes, headers: dict[str, str] | None = None) -> None:
            try:
                self.send_response(status)
                headers = {"content-type": "application/json", **(headers or {})}
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("content-length", str(len(content)))
                self.end_headers()
                # Before the last byte goes out: a client that has its answer may send its next
                # request before this thread runs on, and must not find this one still counted.
                self._finished()
                self.wfile.write(content)
            except OSError:  # the client gave up (its timeout): nothing to answer
                self.close_connection = True

    return Handler


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cassette", help="cassette whose 200 answers are replayed")
    parser.add_argument("--latency", type=float, default=0.0)
    parser.add_argument("--soak-faults", action="store_true", help="inject SOAK_FAULTS")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--hang", type=float, default=2.0)
    args = parser.parse_args(argv)
    faults = SOAK_FAULTS if args.soak_faults else None
    server = FaultServer(
        answers_from_cassette(args.cassette), latency=args.latency, faults=faults,
        seed=args.seed, hang=args.hang,
    )  # fmt: skip
    with server:
        print(server.url, flush=True)
        try:
            for line in sys.stdin:  # "stats" prints the counts as JSON
                if line.strip() == "stats":
                    print(json.dumps(server.stats()), flush=True)
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
