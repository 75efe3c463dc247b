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

from llm_extract.backends.embedded import prompt_cache

SlotServer = tuple[str, list[dict[str, Any]], list[bool]]


@pytest.fixture
def slot_server(tmp_path: Path) -> Iterator[SlotServer]:
    calls: list[dict[str, Any]] = []
    fail_reads: list[bool] = []  # append True to answer prefix reads with a 500
    folder = prompt_cache.folder()
    assert folder is not None

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["content-length"])))
            answer: dict[str, Any] = {}
            if self.path.endswith("/chat/completions"):  # a prefix read on its own
                calls.append({"action": f"read {len(body['messages'])}", **body})
                if fail_reads:
                    self.send_error(500)
                    return
            else:
                action = self.path.split("action=")[1]
                calls.append({"action": action, **body})
            if "save" in self.path:  # llama.cpp writes slot_save_path + filename
                (folder / body["filename"]).write_bytes(b"kv")
                answer = {"n_saved": 2}
            elif "restore" in self.path:
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
    yield f"http://127.0.0.1:{server.server_address[1]}/v1", calls, fail_reads
    server.shutdown()


def test_save_then_restore(slot_server: SlotServer, tmp_path: Path) -> None:
    url, calls, _ = slot_server
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


def _body(*examples: str, text: str = "note", then: tuple[str, ...] = ()) -> bytes:
    """A request: rules, worked examples (question and answer), the text, then ``then`` (a
    follow-up's answer and note)."""
    messages = [{"role": "system", "content": "rules"}]
    for e in examples:
        messages += [{"role": "user", "content": e}, {"role": "assistant", "content": e + "!"}]
    messages.append({"role": "user", "content": text})
    roles = ("assistant", "user")
    messages += [{"role": roles[i % 2], "content": m} for i, m in enumerate(then)]
    return json.dumps({"messages": messages, "max_tokens": 99}).encode()


def test_a_new_prefix_is_read_from_its_canonical_steps_then_restored_every_time(
    slot_server: SlotServer, tmp_path: Path
) -> None:
    url, calls, fail_reads = slot_server
    model = tmp_path / "m.gguf"
    model.write_bytes(b"weights")
    slots = prompt_cache.PrefixSlots(url, model, 8192)

    def send(body: bytes, ok: bool = True) -> list[str]:
        before = len(calls)
        slots.before(body)
        slots.after(ok)
        return [c["action"] for c in calls[before:]]

    # A new prefix starts from an empty slot, never from what it held: the rules alone, then
    # the rules and the example; the last two steps are kept, and the request starts from
    # the file like every later one.
    assert send(_body("ex-a", text="one")) == [
        "erase",
        "read 1",
        "save",
        "read 3",
        "save",
        "restore",
    ]
    reads = [c for c in calls if c["action"].startswith("read")]
    assert all(c["max_tokens"] == 1 and c["stream"] is False for c in reads)
    assert send(_body("ex-a", text="two")) == ["restore"]
    # Other examples after the same rules: read from the rules' file, not from the slot.
    assert send(_body("ex-b", text="one")) == ["restore", "read 3", "save", "restore"]
    # More examples: from the nearest step with a file.
    assert send(_body("ex-a", "ex-c")) == ["restore", "read 5", "save", "restore"]
    # A follow-up goes on from the request and answer the slot holds.
    assert send(_body("ex-a", "ex-c", then=("answer", "try again"))) == []
    assert send(_body("ex-a", text="one")) == ["restore"]  # back to the first examples
    folder = prompt_cache.folder()
    assert folder is not None and len(list(folder.glob("m-*.slot"))) == 4
    # After a failed request the slot is unknown: its follow-up starts from a file.
    assert send(_body("ex-b", text="x"), ok=False) == ["restore"]
    assert send(_body("ex-b", text="x", then=("answer", "again"))) == [
        "restore",
        "read 5",
        "save",
        "restore",
    ]
    # A read that fails saves nothing (and the request still goes out).
    fail_reads.append(True)
    assert send(_body("ex-d")) == ["restore", "read 3"]
    assert not any(folder.glob("*.part"))


def test_only_the_most_recently_used_files_are_kept(
    slot_server: SlotServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url, _, _ = slot_server
    monkeypatch.setenv("LLM_EXTRACT_PROMPT_CACHE_FILES", "2")
    model = tmp_path / "m.gguf"
    model.write_bytes(b"weights")
    slots = prompt_cache.PrefixSlots(url, model, 8192)
    folder = prompt_cache.folder()
    assert folder is not None

    def file_of(body: bytes) -> Path:
        return folder / slots._name(json.loads(body)["messages"][:-1])

    rules = folder / slots._name([{"role": "system", "content": "rules"}])
    for example in ("a", "b", "c"):
        slots.before(_body(example))
        slots.after(True)
        os.utime(file_of(_body(example)), (1000, 1000))  # used long ago
    # Each new prefix restored the rules' file, so it stays; a and b went, oldest first.
    assert set(folder.glob("m-*.slot")) == {rules, file_of(_body("c"))}
    slots.before(_body("c", text="other"))  # a restore counts as a use
    assert file_of(_body("c")).stat().st_mtime > 1000
