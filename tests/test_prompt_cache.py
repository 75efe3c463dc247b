"""The embedded server's prompt cache on disk: save and restore through llama.cpp's slot API.

A loopback stand-in for the two slot endpoints (the real ones run in `pytest -m embedded`)."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest

from llm_extract.backends import prompt_cache


@pytest.fixture
def slot_server(tmp_path: Path) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    calls: list[dict[str, Any]] = []
    folder = prompt_cache.folder()
    assert folder is not None

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["content-length"])))
            action = self.path.split("action=")[1]
            calls.append({"action": action, **body})
            if action == "save":  # llama.cpp writes slot_save_path + filename
                (folder / body["filename"]).write_bytes(b"kv")
                answer: dict[str, Any] = {"n_saved": 2}
            else:
                answer = {"n_restored": len((folder / body["filename"]).read_bytes())}
            data = json.dumps(answer).encode()
            self.send_response(200)
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1", calls
    server.shutdown()


def test_save_then_restore(slot_server: tuple[str, list[dict[str, Any]]], tmp_path: Path) -> None:
    url, calls = slot_server
    model = tmp_path / "m.gguf"
    model.write_bytes(b"weights")
    name = prompt_cache.slot_file_name(model, 8192, "rules")
    assert name != prompt_cache.slot_file_name(model, 4096, "rules")  # keyed by context size
    assert name != prompt_cache.slot_file_name(model, 8192, "other rules")  # and by prefix
    assert prompt_cache.restore(url, name) == 0 and calls == []  # nothing saved yet: no call
    prompt_cache.save(url, name)
    folder = prompt_cache.folder()
    assert folder is not None and (folder / name).read_bytes() == b"kv"
    assert not list(folder.glob("*.part"))  # written under a temporary name, then renamed
    assert prompt_cache.restore(url, name) == 2
    assert [c["action"] for c in calls] == ["save", "restore"]


def test_a_failing_cache_never_fails_extraction(tmp_path: Path) -> None:
    model = tmp_path / "m.gguf"
    model.write_bytes(b"weights")
    name = prompt_cache.slot_file_name(model, 8192, "rules")
    folder = prompt_cache.folder()
    assert folder is not None
    folder.mkdir(parents=True)
    (folder / name).write_bytes(b"kv")
    dead = "http://127.0.0.1:9/v1"  # nothing listens there
    assert prompt_cache.restore(dead, name) == 0
    prompt_cache.save(dead, name)  # logs, does not raise


def test_disabled_by_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LLM_EXTRACT_NO_PROMPT_CACHE", "1")
    assert prompt_cache.folder() is None


def _body(*examples: str, text: str = "note") -> bytes:
    messages = [{"role": "system", "content": "rules"}]
    messages += [{"role": "user", "content": e} for e in examples]
    return json.dumps({"messages": [*messages, {"role": "user", "content": text}]}).encode()


def test_one_file_per_prefix_saved_once_and_restored_when_the_slot_moved_on(
    slot_server: tuple[str, list[dict[str, Any]]], tmp_path: Path
) -> None:
    url, calls = slot_server
    model = tmp_path / "m.gguf"
    model.write_bytes(b"weights")
    slots = prompt_cache.PrefixSlots(url, model, 8192)
    a1, a2, b = _body("ex-a", text="one"), _body("ex-a", text="two"), _body("ex-b", text="one")

    def send(body: bytes, ok: bool = True) -> list[str]:
        before = len(calls)
        slots.before(body)
        slots.after(ok)
        return [c["action"] for c in calls[before:]]

    assert send(a1) == ["save"]  # a new prefix: read in full, then kept
    # From then on every request starts from the saved state: the same text gets the same
    # answer whatever came before it.
    assert send(a2) == ["restore"]
    assert send(b) == ["save"]
    assert send(a1) == ["restore"]  # back to the first examples: restored, not read again
    folder = prompt_cache.folder()
    assert folder is not None and len(list(folder.glob("m-*.slot"))) == 2
    # A prefix whose first request failed is saved after its first answer instead.
    assert send(_body("ex-c"), ok=False) == []
    assert send(_body("ex-c")) == ["save"]
    assert send(_body("ex-c")) == ["restore"]


def test_only_the_most_recently_used_files_are_kept(
    slot_server: tuple[str, list[dict[str, Any]]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url, _ = slot_server
    monkeypatch.setenv("LLM_EXTRACT_PROMPT_CACHE_FILES", "2")
    model = tmp_path / "m.gguf"
    model.write_bytes(b"weights")
    slots = prompt_cache.PrefixSlots(url, model, 8192)
    folder = prompt_cache.folder()
    assert folder is not None
    names = []
    for i, example in enumerate(("a", "b", "c")):
        slots.before(_body(example))
        slots.after(True)
        names.append(str(slots._name(_body(example))))
        if i < 2:  # used long ago, in this order
            os.utime(folder / names[-1], (1000 + i, 1000 + i))
    assert {f.name for f in folder.glob("m-*.slot")} == {names[1], names[2]}
    slots.before(_body("b"))  # a restore counts as a use
    slots.after(True)
    slots.before(_body("d"))
    slots.after(True)
    assert {f.name for f in folder.glob("m-*.slot")} == {names[1], str(slots._name(_body("d")))}
