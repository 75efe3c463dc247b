"""The CLI through typer's runner: stdout is JSON, stderr is messages, exit codes mean things."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from llm_extract.cli.main import app
from tests.conftest import REPLAY_URL, SEED, replay, seed_lead

runner = CliRunner()
WIRE = ["--base-url", REPLAY_URL, "--model", "qwen2.5-coder-1.5b-instruct-q4_k_m"]


def run(*args: str, **kw: Any) -> Any:
    return runner.invoke(app, list(args), **kw)


def test_extract_one_file_prints_json_result(tmp_path: Path) -> None:
    lead = tmp_path / "lead.txt"
    lead.write_text(seed_lead(), encoding="utf-8")
    with replay("test_wire", "test_seed_lead_real.yaml"):
        res = run("extract", str(lead), "--published", "2019-08-21", *WIRE)
    assert res.exit_code == 0, res.stderr
    data = json.loads(res.stdout)
    assert data["records"] and data["usage"]["total_tokens"] > 0
    text = seed_lead()
    for record in data["records"]:
        for ev in record["evidence"]:
            assert text[ev["start"] : ev["end"]] == ev["quote"]
    assert "record(s)" in res.stderr and "validation re-ask" in res.stderr
    assert "Using qwen2.5" in res.stderr


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["extract", "EMPTY"], 2, "is empty"),
        (["extract", "BINARY"], 2, "looks binary"),
        (["extract", "LATIN1"], 2, "iconv"),
        (["extract", "GOOD", "--schema", "nope"], 2, "Unknown schema 'nope'"),
        (["extract", "GOOD", "--template", "nope.j2"], 2, "Template nope.j2 not found"),
        (["extract", "GOOD", "--published", "21/08/2019"], 2, "YYYY-MM-DD"),
        (
            [
                "extract",
                "GOOD",
                "--base-url",
                "http://127.0.0.1:9/v1",
                "--model",
                "m",
                "--transport-retries",
                "0",
            ],
            3,
            "Cannot connect",
        ),
        (["extract", "GOOD", "--base-url", "http://127.0.0.1:9/v1"], 2, "No model name"),
        (["extract", "GOOD", "--api-key", "sk-x", "--backend", "nope"], 2, "Unknown backend"),
    ],
)
def test_errors_are_one_line_with_exit_code(
    tmp_path: Path, args: list[str], code: int, message: str
) -> None:
    files = {
        "EMPTY": b"",
        "BINARY": b"\x00\x01\x02",
        "LATIN1": "Caf\u00e9".encode("latin-1"),
        "GOOD": b"Rebels attacked a town.",
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    args = [str(tmp_path / a) if a in files else a for a in args]
    res = run(*args)
    assert res.exit_code == code, res.stderr
    assert message in res.stderr
    last = res.stderr.strip().splitlines()[-1]
    assert last.startswith("Error: ") and message in last and "Traceback" not in res.stderr
    assert res.stdout == ""


def test_debug_env_adds_the_traceback_and_keeps_the_code(tmp_path: Path) -> None:
    (tmp_path / "e.txt").write_text("")
    res = run("extract", str(tmp_path / "e.txt"), env={"LLM_EXTRACT_DEBUG": "1"})
    assert res.exit_code == 2 and "Traceback (most recent call last)" in res.stderr


def test_schemas_list_and_show(tmp_path: Path) -> None:
    res = run("schemas")
    assert res.exit_code == 0
    assert "conflict_events" in res.stdout and "plover" in res.stdout
    shown = json.loads(run("schemas", "show", "conflict_events").stdout)
    assert shown["properties"]["records"]["items"]["$ref"].endswith("ConflictEvent")
    bad = run("schemas", "show", "nope")
    assert bad.exit_code == 2 and "Unknown schema" in bad.stderr


def test_user_schema_from_cli(tmp_path: Path) -> None:
    path = tmp_path / "mine.py"
    path.write_text(
        "from pydantic import BaseModel, Field\nfrom llm_extract import EvidenceRefs\n"
        "class Strike(BaseModel):\n    '''A strike.'''\n"
        "    union: str = Field(description='Union.')\n    evidence: EvidenceRefs\n"
    )
    shown = json.loads(run("schemas", "show", f"{path}:Strike").stdout)
    assert "union" in shown["$defs"]["Strike"]["properties"]
    res = run("prompt", str(SEED), "--schema", f"{path}:Strike")
    messages = json.loads(res.stdout)[0]["messages"]
    assert "- union (string): Union." in messages[0]["content"]


def test_prompt_command_sends_nothing() -> None:
    res = run("prompt", str(SEED), "--published", "2019-08-21")
    assert res.exit_code == 0
    requests = json.loads(res.stdout)
    # The embedded default (find-fill) sends the seed article as several short windows.
    assert "Strategy find-fill" in res.stderr and len(requests) > 1
    text = SEED.read_text(encoding="utf-8")
    for request in requests:
        assert request["messages"][-1]["content"].startswith("Published: 2019-08-21\n[S1]")
        first_line = request["messages"][-1]["content"].splitlines()[1].removeprefix("[S1] ")
        assert text[request["start"] :].startswith(first_line)
    single = json.loads(run("prompt", str(SEED), "--strategy", "single").stdout)
    assert len(single) == 1 and single[0]["start"] == 0


def test_embedded_missing_names_the_extra(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import builtins

    real_import = builtins.__import__

    def no_xllamacpp(name: str, *args: Any, **kw: Any) -> Any:
        if name == "xllamacpp":
            raise ImportError(name)
        return real_import(name, *args, **kw)

    monkeypatch.setattr(builtins, "__import__", no_xllamacpp)
    (tmp_path / "a.txt").write_text("Rebels attacked a town.")
    res = run("extract", str(tmp_path / "a.txt"))
    assert res.exit_code == 3
    assert "pip install 'llm-extract[local]'" in res.stderr
    assert "no endpoint configured" in res.stderr  # the stderr notice before starting


def test_extract_says_on_stderr_how_many_records_are_flagged(tmp_path: Path) -> None:
    from tests.fakes import FakeServer, LoopbackServer
    from tests.pipeline.test_strategies import STONES, answer

    note = tmp_path / "note.txt"
    note.write_text(STONES, encoding="utf-8")
    fake = FakeServer()
    protest = answer("Protests: peaceful", "On 12 March 2021", "Tamale", "Protesters", None, [1])
    fake.enqueue(protest).enqueue(protest)  # the model keeps its code when asked to check it
    with LoopbackServer(fake) as server:
        res = run("extract", str(note), "--published", "2021-03-15", "--base-url", server.url,
                  "--model", "m")  # fmt: skip
    assert res.exit_code == 0, res.stderr
    assert "1 record(s) flagged for review" in res.stderr
    assert json.loads(res.stdout)["flags"][0]["record"] == 0


# --- HTML pages, URLs and folders (issue 30) ----------------------------------------------


def test_prompt_reads_a_url_as_its_article_with_the_pages_date() -> None:
    from llm_extract.testing.loopback import LoopbackHTTPServer
    from tests.inputs.test_html import SCRIPT, _Site

    with LoopbackHTTPServer(_Site) as site:
        url = site.url.removesuffix("/v1") + "/news/article-123"
        res = run("prompt", url, "--strategy", "single")
        given = run("prompt", url, "--strategy", "single", "--published", "2024-03-14")
    assert res.exit_code == 0, res.stderr
    content = json.loads(res.stdout)[0]["messages"][-1]["content"]
    assert content.startswith("Published: 2024-03-12\n[S1] Clashes near Tripoli airport\n")
    assert SCRIPT not in content and "Subscribe" not in content
    assert json.loads(given.stdout)[0]["messages"][-1]["content"].startswith(
        "Published: 2024-03-14\n"
    )  # --published wins over the page


def test_an_unreachable_url_names_itself_whole(tmp_path: Path) -> None:
    url = "http://127.0.0.1:9/news/article-123"
    res = run("extract", url, *WIRE)
    assert res.exit_code == 2, res.stderr
    assert f"Cannot connect to fetch {url}" in res.stderr and "No such file" not in res.stderr


def test_corpus_of_a_folder_and_urls_records_a_404_and_goes_on(tmp_path: Path) -> None:
    from llm_extract.testing.loopback import LoopbackHTTPServer
    from tests.fakes import FakeServer, LoopbackServer
    from tests.inputs.test_html import ARTICLE, SCRIPT, _Site

    (tmp_path / "in" / "world").mkdir(parents=True)
    (tmp_path / "in" / "world" / "tripoli.html").write_text(ARTICLE, encoding="utf-8")
    (tmp_path / "in" / "scan.pdf").write_bytes(b"%PDF")
    fake = FakeServer()
    fake.responder = lambda body: {"records": []}
    out = tmp_path / "out.jsonl"
    with LoopbackHTTPServer(_Site) as site, LoopbackServer(fake) as model:
        base = site.url.removesuffix("/v1")
        res = run("extract", str(tmp_path / "in"), f"{base}/news/article-123", f"{base}/gone",
                  "-o", str(out), "--strategy", "single", "--base-url", model.url,
                  "--model", "m", "--no-cache")  # fmt: skip
    assert res.exit_code == 5, res.stderr  # some documents failed; the run finished
    rows = {r["document_id"]: r for r in map(json.loads, out.read_text().splitlines())}
    assert rows[f"{base}/news/article-123"]["status"] == "ok"
    assert rows[str(tmp_path / "in" / "world" / "tripoli.html")]["metadata"] == {
        "title": "Clashes near Tripoli airport"
    }
    assert rows[f"{base}/gone"]["status"] == "error"
    assert "answered 404" in rows[f"{base}/gone"]["error"]["message"]
    assert "skipped 1 file(s) of other kinds (1 .pdf)" in res.stderr
    # The document's message (after the few-shot examples, before any second-look note).
    messages = [m["content"] for r in fake.requests for m in r["messages"] if m["role"] == "user"]
    sent = [c for c in messages if "[S1] Clashes near Tripoli airport" in c]
    assert len(sent) >= 2 and all(c.startswith("Published: 2024-03-12\n") for c in sent)
    assert not any(SCRIPT in c for c in sent)


def test_a_folder_with_nothing_to_read_fails_the_run(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.pdf").write_bytes(b"%PDF")
    res = run("extract", str(tmp_path / "docs"), "-o", str(tmp_path / "o.jsonl"), *WIRE)
    assert res.exit_code == 2, res.stderr
    assert "has no .txt, .md, .html or .htm files (only 1 .pdf)" in res.stderr


def test_extract_help_names_the_corpus_column_options() -> None:
    helped = run("extract", "--help", env={"COLUMNS": "200"}).stdout
    for flag in ("--text-column", "--text-field", "--id-column", "--id-field",
                 "--published-column", "--published-field"):  # fmt: skip
        assert flag in helped, flag


def test_a_csv_date_column_gives_the_date_and_says_so(tmp_path: Path) -> None:
    news = tmp_path / "news.csv"
    quoted = seed_lead().replace('"', '""')  # CSV's own quoting: the text stays the recorded one
    news.write_text(f'id,text,date\nd1,"{quoted}",2019-08-21T06:00:00+03:00\n')
    with replay("test_wire", "test_seed_lead_real.yaml"):
        res = run("extract", str(news), "-o", str(tmp_path / "out.jsonl"), *WIRE)
    assert res.exit_code == 0, res.stderr
    assert "publication dates from 'date'" in res.stderr and "--published-column" in res.stderr
    (line,) = [json.loads(x) for x in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert line["published"] == "2019-08-21" and "date" not in line.get("metadata", {})
