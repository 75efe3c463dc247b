"""An HTTP server on 127.0.0.1, served from a daemon thread: the base of the loopback fakes.

Used by :class:`~llm_extract.testing.fault_server.FaultServer` and the test suite's fakes, so
starting, addressing and stopping one lives in one place.
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TypeVar

_S = TypeVar("_S", bound="LoopbackHTTPServer")


class LoopbackHTTPServer:
    """``handler`` served on a free port of 127.0.0.1 while the context is open; ``url`` is the
    OpenAI-style base URL (``http://127.0.0.1:PORT/v1``)."""

    def __init__(
        self,
        handler: type[BaseHTTPRequestHandler],
        *,
        server_class: type[ThreadingHTTPServer] = ThreadingHTTPServer,
        **attributes: Any,
    ) -> None:
        self.httpd = server_class(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        for name, value in attributes.items():  # e.g. request_queue_size for many clients
            setattr(self.httpd, name, value)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        self._thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def __enter__(self: _S) -> _S:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
