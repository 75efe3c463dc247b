"""Fakes for logic tests, shipped so users can test their own schemas, backends and plugins with
no server (recordings cover the real wire): a fake OpenAI-compatible server and its backend.

``FakeServer.enqueue`` queues what the next request gets: a JSON answer (wrapped in a chat
completion), an HTTP error, or an exception such as a timeout. ``FakeServer.responder`` answers
from the request instead (for concurrent requests, whose order is not fixed): it returns the
answer, or an ``int`` HTTP status. Every request is kept so tests can look at what was sent,
including re-ask prompts.

``LoopbackServer`` serves a FakeServer over real HTTP on 127.0.0.1, for the CLI and for other
processes (``--base-url``); there ``raises=DropConnection()`` resets the connection.
"""

from __future__ import annotations

import json
import socket
import struct
from collections import deque
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler
from typing import Any

import httpx2 as httpx
import openai

from llm_extract import Backend
from llm_extract.testing.loopback import LoopbackHTTPServer


class FakeServer:
    def __init__(self) -> None:
        self.queue: deque[Any] = deque()
        self.requests: list[dict[str, Any]] = []
        self.responder: Callable[[dict[str, Any]], Any] | None = None

    def enqueue(
        self,
        content: Any = None,
        *,
        status: int = 200,
        headers: dict[str, str] | None = None,
        raw: str | None = None,
        raises: Exception | None = None,
        finish_reason: str = "stop",
        usage: tuple[int, int] = (100, 20),
    ) -> FakeServer:
        self.queue.append((content, status, headers or {}, raw, raises, finish_reason, usage))
        return self

    def handler(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content or b"{}")
        self.requests.append(body)
        if self.queue:
            content, status, headers, raw, raises, finish_reason, usage = self.queue.popleft()
        elif self.responder is not None:
            answer = self.responder(body)
            status = answer if isinstance(answer, int) else 200
            content = None if isinstance(answer, int) else answer
            headers, raw, raises, finish_reason, usage = {}, None, None, "stop", (100, 20)
        else:
            raise AssertionError("FakeServer: no response queued for this request")
        if raises is not None:
            raise raises
        if raw is not None:
            return httpx.Response(
                status, headers={"content-type": "application/json", **headers}, text=raw
            )
        if status != 200:
            body = {"error": {"message": content or f"status {status}", "type": "fake"}}
            return httpx.Response(status, headers=headers, json=body)
        text = content if isinstance(content, str) else json.dumps(content)
        body = {
            "id": f"fake-{len(self.requests)}",
            "object": "chat.completion",
            "created": 0,
            "model": "fake-model",
            "choices": [
                {"index": 0, "finish_reason": finish_reason,
                 "message": {"role": "assistant", "content": text}}
            ],
            "usage": {"prompt_tokens": usage[0], "completion_tokens": usage[1],
                      "total_tokens": usage[0] + usage[1]},
        }  # fmt: skip
        return httpx.Response(200, headers=headers, json=body)

    async def async_handler(self, request: httpx.Request) -> httpx.Response:
        return self.handler(request)


class FakeBackend(Backend):
    """A backend whose clients talk to a FakeServer in memory."""

    name = "fake"
    label = "fake model"

    def __init__(
        self, server: FakeServer, context_window: int | None = None, model: str = "fake-model"
    ) -> None:
        self.server = server
        self.context_window = context_window
        self._model = model

    @property
    def model(self) -> str:
        return self._model

    @property
    def base_url(self) -> str:
        return "http://fake.test/v1"

    def client(self, timeout: float) -> openai.OpenAI:
        transport = httpx.MockTransport(self.server.handler)
        return openai.OpenAI(
            base_url=self.base_url, api_key="sk-fake", max_retries=0,
            http_client=httpx.Client(transport=transport),
        )  # fmt: skip

    def async_client(self, timeout: float) -> openai.AsyncOpenAI:
        transport = httpx.MockTransport(self.server.async_handler)
        return openai.AsyncOpenAI(
            base_url=self.base_url, api_key="sk-fake", max_retries=0,
            http_client=httpx.AsyncClient(transport=transport),
        )  # fmt: skip


class DropConnection(Exception):
    """Queued as ``raises=``: the loopback server resets the connection without answering."""


class LoopbackServer(LoopbackHTTPServer):
    """A FakeServer on a real port of 127.0.0.1 (use as a context manager)."""

    def __init__(self, fake: FakeServer | FakeBatchApi) -> None:
        self.fake = fake
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                self.do_POST("GET")

            def do_POST(self, method: str = "POST") -> None:
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                headers = {"content-type": self.headers.get("content-type", "application/json")}
                url = f"http://127.0.0.1{self.path}"
                request = httpx.Request(method, url, content=body, headers=headers)
                try:
                    response = outer.fake.handler(request)
                except DropConnection:
                    # SO_LINGER 0: close with a TCP reset, as a crashing server or proxy does.
                    linger = struct.pack("ii", 1, 0)
                    self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger)
                    self.close_connection = True
                    return
                self.send_response(response.status_code)
                for name, value in response.headers.items():
                    if name.lower() not in ("content-length", "transfer-encoding"):
                        self.send_header(name, value)
                self.send_header("content-length", str(len(response.content)))
                self.end_headers()
                self.wfile.write(response.content)

        super().__init__(Handler)


class FakeBatchApi:
    """The files and batches endpoints (upload, create, retrieve, download), in memory.

    ``answer(body)`` answers each request line of a batch when the test calls :meth:`run`:
    a chat-completion body (status 200), an ``int`` HTTP status, ``None`` (the line is left
    out of the result file) or an ``Exception`` (a per-line ``error``).
    """

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.batches: dict[str, dict[str, Any]] = {}
        self.requests: list[str] = []

    def handler(self, request: httpx.Request) -> httpx.Response:
        request.read()
        path = request.url.path.removeprefix("/v1")
        self.requests.append(f"{request.method} {path}")
        if request.method == "POST" and path == "/files":
            content = _multipart_file(request)
            file_id = f"file-{len(self.files) + 1}"
            self.files[file_id] = content
            return httpx.Response(200, json=self._file(file_id))
        if request.method == "POST" and path == "/batches":
            body = json.loads(request.content)
            batch_id = f"batch_{len(self.batches) + 1}"
            total = len(self.files[body["input_file_id"]].splitlines())
            self.batches[batch_id] = {
                "id": batch_id, "object": "batch", "endpoint": body["endpoint"],
                "input_file_id": body["input_file_id"], "created_at": 0,
                "completion_window": body["completion_window"], "status": "validating",
                "request_counts": {"total": total, "completed": 0, "failed": 0},
            }  # fmt: skip
            return httpx.Response(200, json=self.batches[batch_id])
        if request.method == "GET" and path.startswith("/batches/"):
            found = self.batches.get(path.split("/")[2])
            if found is None:
                return httpx.Response(404, json={"error": {"message": "no such batch"}})
            return httpx.Response(200, json=found)
        if request.method == "GET" and path.startswith("/files/") and path.endswith("/content"):
            return httpx.Response(200, content=self.files[path.split("/")[2]])
        return httpx.Response(404, json={"error": {"message": f"no route {path}"}})

    def run(self, batch_id: str, answer: Callable[[dict[str, Any]], Any]) -> None:
        """Answer every request line of the batch; it is ``completed`` afterwards."""
        batch = self.batches[batch_id]
        out: list[str] = []
        failed = 0
        for raw in self.files[batch["input_file_id"]].decode().splitlines():
            line = json.loads(raw)
            got = answer(line["body"])
            row: dict[str, Any] = {"id": f"req-{len(out)}", "custom_id": line["custom_id"]}
            if got is None:
                continue
            if isinstance(got, Exception):
                row |= {"response": None, "error": {"code": "fake", "message": str(got)}}
                failed += 1
            elif isinstance(got, int):
                error = {"error": {"message": f"status {got}"}}
                row |= {"response": {"status_code": got, "body": error}, "error": None}
                failed += 1
            else:
                row |= {"response": {"status_code": 200, "body": got}, "error": None}
            out.append(json.dumps(row))
        file_id = f"file-{len(self.files) + 1}"
        self.files[file_id] = ("\n".join(out) + "\n").encode()
        counts = batch["request_counts"]
        counts["completed"], counts["failed"] = len(out) - failed, failed
        batch |= {"status": "completed", "output_file_id": file_id}

    def _file(self, file_id: str) -> dict[str, Any]:
        return {"id": file_id, "object": "file", "bytes": len(self.files[file_id]),
                "created_at": 0, "filename": "requests.jsonl", "purpose": "batch",
                "status": "processed"}  # fmt: skip


def _multipart_file(request: httpx.Request) -> bytes:
    """The file part of a multipart upload."""
    boundary = request.headers["content-type"].split("boundary=")[1].encode()
    for part in request.content.split(b"--" + boundary):
        head, _, body = part.partition(b"\r\n\r\n")
        if b'name="file"' in head:
            return body.removesuffix(b"\r\n")
    raise AssertionError("no file in the upload")
