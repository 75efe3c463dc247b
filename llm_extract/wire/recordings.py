"""Record and replay: a run's HTTP exchanges kept in a YAML file and answered again offline.

A :class:`Recording` is one file of exchanges keyed by request :func:`fingerprint`. The
:class:`~llm_extract.Extractor` builds its clients through it (``record=`` / ``replay=``, the
CLI's ``--record`` / ``--replay``, or the one made active by the pytest plugin in
:mod:`llm_extract.testing`), so every request an extraction makes passes through it.

Why this and not vcrpy: replay must not start a backend (a replayed run on the embedded model
must not load the model, and in CI there is none), so the hook sits where the extractor builds
its clients, not under an HTTP library; it is needed at run time by the CLI, where a global
monkeypatch of every HTTP library is out of place; and a miss must say what changed, which
needs the fingerprint's canonical form, not a matcher's yes/no. The file format follows
pytest-recording's spirit: secrets scrubbed, bodies stored as structured data with multi-line
prompts as YAML literal blocks and the model's JSON answers pretty-printed
(:mod:`llm_extract.wire.recording_yaml`), so a re-recording reads as a diff of the prompt and the
answer themselves.

Modes (as vcrpy/pytest-recording): ``none`` replays only and never sends; ``once`` records a
file that does not exist yet, else replays; ``new`` replays what is recorded and records the
rest; ``rewrite`` records everything afresh. The same request recorded several times (a 429,
then the answer) is replayed in recorded order; after that its last answer repeats.
"""

from __future__ import annotations

import json
import threading
from collections import defaultdict, deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import httpx2 as httpx
import openai
import yaml

from llm_extract.errors import ConfigError, RecordingMissError
from llm_extract.wire import recording_yaml
from llm_extract.wire.fingerprint import Fingerprint, changed_parts, closeness, diff, fingerprint

if TYPE_CHECKING:
    from llm_extract.backends import Backend

RecordMode = Literal["none", "once", "new", "rewrite"]
RECORD_MODES: tuple[RecordMode, ...] = ("none", "once", "new", "rewrite")
#: 2: strings holding JSON are pretty-printed (``!json`` tags); version 1 files load as before.
FORMAT_VERSION = 2
READABLE_VERSIONS = (1, 2)

#: Never written to disk, in requests or responses.
SECRET_HEADERS = frozenset(
    {"authorization", "proxy-authorization", "api-key", "x-api-key", "openai-organization",
     "openai-project", "cookie", "set-cookie"}
)  # fmt: skip
# Not secret, but different on every run or rebuilt on replay: kept out so diffs show content.
_NOISE_HEADERS = frozenset(
    {"host", "content-length", "transfer-encoding", "content-encoding", "connection",
     "keep-alive", "accept-encoding", "date", "user-agent", "x-request-id", "cf-ray"}
)  # fmt: skip
# Requests in replay-only mode go nowhere; the host is never resolved.
REPLAY_URL = "http://replay.llm-extract.invalid/v1"


@dataclass
class Exchange:
    """One request and the response it got, as stored (headers scrubbed)."""

    fingerprint: Fingerprint
    request: dict[str, Any]
    response: dict[str, Any]


class Recording:
    """One recording file, read at start and written by :meth:`save`.

    ``rerecord`` is the command that records it again, named in every miss message.
    """

    def __init__(
        self, path: str | Path, mode: RecordMode = "none", *, rerecord: str | None = None
    ) -> None:
        if mode not in RECORD_MODES:
            raise ConfigError(
                f"Unknown record mode {mode!r}.", f"Use one of: {', '.join(RECORD_MODES)}."
            )
        self.path = Path(path)
        self.mode: RecordMode = mode
        self.rerecord = rerecord or f"record it again with record={str(self.path)!r}"
        self.existed = self.path.is_file()
        self.exchanges = _load(self.path) if self.existed and mode != "rewrite" else []
        self.misses: list[RecordingMissError] = []
        self._queues: dict[str, deque[int]] = defaultdict(deque)
        for i, exchange in enumerate(self.exchanges):
            self._queues[exchange.fingerprint.digest].append(i)
        self._last: dict[str, int] = {}
        self._played: set[int] = set()
        self._dirty = mode == "rewrite" and self.existed
        self._lock = threading.Lock()

    @property
    def sends(self) -> bool:
        """Whether requests with no recording go to the real endpoint (and are recorded)."""
        return self.mode in ("new", "rewrite") or (self.mode == "once" and not self.existed)

    @property
    def unplayed(self) -> int:
        """Recorded exchanges no request has asked for (yet)."""
        return len(self.exchanges) - len(self._played)

    # --- clients ---------------------------------------------------------------------------

    def client(self, backend: Backend, timeout: float) -> openai.OpenAI:
        """A client whose every request goes through this recording."""
        if not self.sends:  # never calls the backend: a replay starts no server
            transport = _Transport(self, None)
            return openai.OpenAI(
                base_url=REPLAY_URL, api_key="replay", max_retries=0, timeout=timeout,
                http_client=httpx.Client(transport=transport, timeout=timeout),
            )  # fmt: skip
        real = backend.client(timeout)
        # The real client's own HTTP client sends the misses: a backend's transport is kept.
        transport = _Transport(self, real._client)
        return real.with_options(http_client=httpx.Client(transport=transport, timeout=timeout))

    def async_client(self, backend: Backend, timeout: float) -> openai.AsyncOpenAI:
        """Async twin of :meth:`client`."""
        if not self.sends:
            transport = _Transport(self, None)
            return openai.AsyncOpenAI(
                base_url=REPLAY_URL, api_key="replay", max_retries=0, timeout=timeout,
                http_client=httpx.AsyncClient(transport=transport, timeout=timeout),
            )  # fmt: skip
        real = backend.async_client(timeout)
        transport = _Transport(self, None, real._client)
        return real.with_options(
            http_client=httpx.AsyncClient(transport=transport, timeout=timeout)
        )

    # --- lookups ---------------------------------------------------------------------------

    def answer(self, fp: Fingerprint) -> Exchange | None:
        """The recorded exchange for this request, in recorded order; None if there is none."""
        if self.mode == "rewrite":
            return None
        with self._lock:
            queue = self._queues.get(fp.digest)
            if queue:
                index = queue.popleft()
            elif fp.digest in self._last:
                index = self._last[fp.digest]
            else:
                return None
            self._played.add(index)
            self._last[fp.digest] = index
            return self.exchanges[index]

    def keep(self, exchange: Exchange) -> None:
        """Add a newly recorded exchange (written by :meth:`save`)."""
        with self._lock:
            self.exchanges.append(exchange)
            index = len(self.exchanges) - 1
            self._played.add(index)
            self._last[exchange.fingerprint.digest] = index
            self._dirty = True

    def miss(self, fp: Fingerprint, *, keep: bool = True) -> RecordingMissError:
        """The error for a request with no recording: what changed, and how to re-record.

        Kept in :attr:`misses` (the pytest plugin fails a test that caught one) unless ``keep``
        is false (the replay server answers it to the client and goes on).
        """
        where = f"{self.path} (fingerprint {fp.short})"
        if not self.exchanges:
            state = "does not exist" if not self.existed else "holds no exchanges"
            problem = f"No recorded answer for this request: {self.path} {state}."
        else:
            closest = max(self.exchanges, key=lambda e: closeness(e.fingerprint, fp))
            parts = ", ".join(changed_parts(closest.fingerprint, fp)) or "nothing"
            problem = (
                f"No recorded answer for this request in {where}. Changed since recording: "
                f"{parts}. Diff against the closest recorded request:\n"
                f"{diff(closest.fingerprint, fp)}\n"
            )
        error = RecordingMissError(
            problem + " Nothing was sent (replay never uses the network).",
            f"If the change is intended, {self.rerecord}",
        )
        if keep:
            with self._lock:
                self.misses.append(error)
        return error

    # --- the file --------------------------------------------------------------------------

    def save(self) -> None:
        """Write the file if anything was recorded (atomically: a crash leaves the old one)."""
        with self._lock:
            if not self._dirty:
                return
            data = {
                "version": FORMAT_VERSION,
                "exchanges": [
                    {"fingerprint": e.fingerprint.digest, "request": e.request,
                     "response": e.response}
                    for e in self.exchanges
                ],
            }  # fmt: skip
            header = (
                "# llm_extract recording: requests match on their fingerprint (model, messages,\n"
                "# response format, sampling parameters). Secrets are scrubbed.\n"
                f"# Re-record: {self.rerecord}\n"
            )
            text = header + recording_yaml.dump(data)
            self.path.parent.mkdir(parents=True, exist_ok=True)
            partial = self.path.with_name(self.path.name + ".partial")
            partial.write_text(text, encoding="utf-8")
            partial.replace(self.path)
            self._dirty = False


# --- the transport -------------------------------------------------------------------------


class _Transport(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """Answers from the recording; sends a miss on (and records it) only when allowed."""

    def __init__(
        self,
        recording: Recording,
        send: httpx.Client | None,
        asend: httpx.AsyncClient | None = None,
    ) -> None:
        self.recording = recording
        self.send = send
        self.asend = asend

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.read()
        fp = request_fingerprint(request)
        if (exchange := self.recording.answer(fp)) is not None:
            return _replayed(exchange, request)
        if self.send is None:
            raise self.recording.miss(fp)
        response = self.send.send(request)
        response.read()
        return self._kept(fp, request, response)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await request.aread()
        fp = request_fingerprint(request)
        if (exchange := self.recording.answer(fp)) is not None:
            return _replayed(exchange, request)
        if self.asend is None:
            raise self.recording.miss(fp)
        response = await self.asend.send(request)
        await response.aread()
        return self._kept(fp, request, response)

    def _kept(
        self, fp: Fingerprint, request: httpx.Request, response: httpx.Response
    ) -> httpx.Response:
        exchange = Exchange(
            fp,
            {"method": request.method, "path": request.url.path,
             "headers": scrubbed(request.headers), **_body(request.content)},
            {"status": response.status_code, "headers": scrubbed(response.headers),
             **_body(response.content)},
        )  # fmt: skip
        self.recording.keep(exchange)
        return _replayed(exchange, request)


def request_fingerprint(request: httpx.Request) -> Fingerprint:
    """The fingerprint of a request's JSON body; a request without one keys on method+path."""
    try:
        body = json.loads(request.content or b"null")
    except ValueError:
        body = None
    if isinstance(body, dict):
        return fingerprint(body)
    return fingerprint({"method": request.method, "path": request.url.path, "body": body})


def scrubbed(headers: httpx.Headers | dict[str, str]) -> dict[str, str]:
    """Headers without secrets (:data:`SECRET_HEADERS`) and without per-run noise."""
    return {
        name.lower(): value
        for name, value in headers.items()
        if name.lower() not in SECRET_HEADERS | _NOISE_HEADERS
        and not name.lower().startswith("x-stainless")
    }


def _body(content: bytes) -> dict[str, Any]:
    text = content.decode("utf-8", errors="replace")
    try:
        return {"json": json.loads(text)}
    except ValueError:
        return {"text": text}


def stored_response(exchange: Exchange) -> tuple[int, dict[str, str], bytes]:
    """The recorded response as (status, headers, body bytes), as it is replayed."""
    stored = exchange.response
    if "json" in stored:
        content = json.dumps(stored["json"], ensure_ascii=False).encode("utf-8")
    else:
        content = str(stored.get("text", "")).encode("utf-8")
    return int(stored["status"]), dict(stored.get("headers") or {}), content


def _replayed(exchange: Exchange, request: httpx.Request) -> httpx.Response:
    status, headers, content = stored_response(exchange)
    return httpx.Response(status, headers=headers, content=content, request=request)


# --- reading the file ----------------------------------------------------------------------


def _load(path: Path) -> list[Exchange]:
    try:
        data = recording_yaml.load(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict) or data.get("version") not in READABLE_VERSIONS:
            raise TypeError(f"expected format version {FORMAT_VERSION}")
        exchanges = []
        for item in data["exchanges"]:
            request, response = dict(item["request"]), dict(item["response"])
            body = request["json"] if "json" in request else {
                "method": request.get("method"), "path": request.get("path"),
                "body": request.get("text"),
            }  # fmt: skip
            exchanges.append(Exchange(fingerprint(body), request, response))
    except (OSError, UnicodeDecodeError, yaml.YAMLError, KeyError, TypeError, ValueError) as e:
        raise ConfigError(
            f"{path} is not a readable llm_extract recording ({type(e).__name__}: {e}).",
            "Record it again (--record / record=, or the test with --llm-record=rewrite).",
        ) from e
    return exchanges


# --- the recording the pytest plugin makes active -----------------------------------------

_active: Recording | None = None


def active() -> Recording | None:
    """The recording every extractor without its own uses now (set by :func:`use`)."""
    return _active


@contextmanager
def use(recording: Recording) -> Iterator[Recording]:
    """Make ``recording`` answer every extractor's requests (process-wide, threads included)."""
    global _active
    previous, _active = _active, recording
    try:
        yield recording
    finally:
        _active = previous


def for_extractor(record: str | Path | None, replay: str | Path | None) -> Recording | None:
    """The recording ``Extractor(record=..., replay=...)`` asks for, or None."""
    if record is not None and replay is not None:
        raise ConfigError("Pass record= or replay=, not both.")
    if record is not None:
        return Recording(record, "rewrite", rerecord=_rerecord(record))
    if replay is None:
        return None
    if not Path(replay).is_file():
        raise ConfigError(
            f"No recording at {replay}.", "Record one first with record= (CLI: --record FILE)."
        )
    return Recording(replay, "none", rerecord=_rerecord(replay))


def _rerecord(path: str | Path) -> str:
    return f"record it again from the real endpoint: record={str(path)!r} (CLI: --record {path})."
