"""Recordings served as an OpenAI-compatible endpoint (``llm-extract serve --replay PATH``).

Notebooks, other tools and other languages can run against a recording without a model or a
key: ``POST /v1/chat/completions`` is answered from the recorded exchange whose request has the
same :func:`~llm_extract.wire.fingerprint.fingerprint` (the function the recordings themselves key
on), in recorded order, then its last answer repeats; ``GET /v1/models`` lists the recorded
models. A request with no recording gets HTTP 400 with a JSON error whose message is the
recording's own miss message: what changed against the closest recorded request, and how to
re-record. The server listens on 127.0.0.1 only: recordings hold prompts and documents.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx2 as httpx

from llm_extract.errors import ConfigError
from llm_extract.wire.fingerprint import closeness
from llm_extract.wire.recordings import Recording, request_fingerprint, stored_response

#: The only address the replay server binds.
LOOPBACK = "127.0.0.1"
#: The status of a request no recording holds (not 404: clients read that as "no such model").
MISS_STATUS = 400
_SUFFIXES = (".yaml", ".yml")


def recording_files(path: str | Path) -> list[Path]:
    """The recording files at ``path``: the file itself, or every ``*.yaml`` under a folder."""
    path = Path(path)
    if path.is_file():
        return [path]
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.suffix in _SUFFIXES and p.is_file())
        if files:
            return files
        raise ConfigError(
            f"{path} holds no recordings (*.yaml).",
            "Record one with llm-extract extract FILE --record run.yaml, or point at one file.",
        )
    raise ConfigError(
        f"No recording at {path}.",
        "Pass a recording file or a folder of them (written by --record or the pytest plugin).",
    )


class ReplayStore:
    """Every exchange of one or more recording files, answered by request fingerprint."""

    def __init__(self, path: str | Path) -> None:
        self.recordings = [
            Recording(f, "none", rerecord=f"record it again from the real endpoint: --record {f}")
            for f in recording_files(path)
        ]

    @property
    def models(self) -> list[str]:
        """The model names the recorded requests asked for, in first-seen order."""
        names = (e.fingerprint.canonical.get("model") for r in self.recordings for e in r.exchanges)
        return list(dict.fromkeys(str(n) for n in names if n))

    def respond(self, method: str, path: str, body: bytes) -> tuple[int, dict[str, str], bytes]:
        """(status, headers, body) for one request: the recorded answer, or a miss error."""
        fp = request_fingerprint(httpx.Request(method, f"http://{LOOPBACK}{path}", content=body))
        for recording in self.recordings:
            if (exchange := recording.answer(fp)) is not None:
                return stored_response(exchange)
        nearest = max(
            self.recordings,
            key=lambda r: max((closeness(e.fingerprint, fp) for e in r.exchanges), default=-1.0),
        )
        miss = nearest.miss(fp, keep=False)  # the error goes to the client; the server goes on
        error = {
            "message": str(miss),
            "type": "recording_miss",
            "code": "fingerprint_miss",
            "fingerprint": fp.digest,
            "recording": str(nearest.path),
        }
        return _json_response(MISS_STATUS, {"error": error})


class ReplayServer:
    """A :class:`ReplayStore` on ``http://127.0.0.1:PORT/v1`` (port 0: any free port).

    Use as a context manager (serves in a thread), or call :meth:`serve_forever`.
    """

    def __init__(self, path: str | Path, port: int = 0) -> None:
        self.store = ReplayStore(path)
        handler = _handler_for(self.store)
        try:
            self.httpd = ThreadingHTTPServer((LOOPBACK, port), handler)
        except OSError as e:
            raise ConfigError(
                f"Cannot listen on {LOOPBACK}:{port} ({e.strerror or e}).",
                "Pick another --port (0 picks a free one).",
            ) from e
        self.httpd.daemon_threads = True
        self.host, self.port = str(self.httpd.server_address[0]), int(self.httpd.server_address[1])
        self.url = f"http://{self.host}:{self.port}/v1"
        self._thread: threading.Thread | None = None

    def serve_forever(self) -> None:
        self.httpd.serve_forever(poll_interval=0.1)

    def close(self) -> None:
        if self._thread is not None:
            self.httpd.shutdown()
            self._thread.join()
            self._thread = None
        self.httpd.server_close()

    def __enter__(self) -> ReplayServer:
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _json_response(status: int, data: Any) -> tuple[int, dict[str, str], bytes]:
    body = json.dumps(data, ensure_ascii=False).encode("utf-8")
    return status, {"content-type": "application/json"}, body


def _not_found(method: str, path: str) -> tuple[int, dict[str, str], bytes]:
    message = (
        f"This replay server has no {method} {path}: it answers POST /v1/chat/completions "
        "and GET /v1/models."
    )
    return _json_response(404, {"error": {"message": message, "type": "not_found"}})


def _handler_for(store: ReplayStore) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0].rstrip("/")
            if path in ("/v1/models", "/models"):
                models = [
                    {"id": m, "object": "model", "created": 0, "owned_by": "llm-extract-replay"}
                    for m in store.models
                ]
                self._send(*_json_response(200, {"object": "list", "data": models}))
            else:
                self._send(*_not_found("GET", path))

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length") or 0))
            path = self.path.split("?", 1)[0]
            if not path.rstrip("/").endswith("/chat/completions"):
                self._send(*_not_found("POST", path))
                return
            self._send(*store.respond("POST", path, body))

        def _send(self, status: int, headers: dict[str, str], body: bytes) -> None:
            self.send_response(status)
            for name, value in headers.items():
                if name.lower() not in ("content-length", "transfer-encoding", "connection"):
                    self.send_header(name, value)
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return Handler
