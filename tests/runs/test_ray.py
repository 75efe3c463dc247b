"""The Ray Data engine (``llm_extract.runs.ray_engine``, ``extract --engine ray``): a local Ray
started here
(2 CPUs) against a loopback fake endpoint. Counts reconcile by id, a document that always fails
is an error row (never a failed job), and a run killed with SIGKILL resumes without losing or
repeating a document. The checks that need no running Ray come first."""

from __future__ import annotations

import json
import logging
import random
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from llm_extract import ExtractorSettings, run_corpus
from llm_extract.cli.main import app
from llm_extract.errors import ConfigError
from llm_extract.testing.fault_server import FaultServer, answers_from_cassette
from llm_extract.testing.soak import (
    cli_args,
    cli_command,
    make_corpus,
    reconcile,
    run_with_kills,
    spawned,
)
from tests.conftest import ROOT, seed_lead

ANSWERS = answers_from_cassette(ROOT / "cassettes/test_wire/test_seed_lead_real.yaml")
POISON = "POISON: this document's requests always fail."
runner = CliRunner()


class PoisonServer(FaultServer):
    """The fault server, answering every request about a POISON document with a 500."""

    def draw(self, body: bytes) -> tuple[str, str | None]:
        digest, fault = super().draw(body)
        return digest, ("500" if b"POISON" in body else fault)


def poisoned_corpus(path: Path, n: int) -> list[str]:
    """``n`` documents of which the last always fails at the endpoint; returns the ids."""
    ids = make_corpus(path, n - 1, seed_lead())
    with path.open("a", encoding="utf-8") as f:
        f.write(json.dumps({"id": "poison", "text": f"{seed_lead()}\n\n{POISON}"}) + "\n")
    return [*ids, "poison"]


# --- no Ray needed ------------------------------------------------------------------------------


def test_without_ray_installed_the_error_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    from llm_extract.runs.ray_engine import require_ray

    monkeypatch.setitem(sys.modules, "ray", None)  # import ray -> ImportError
    with pytest.raises(ConfigError, match=r"pip install 'llm-extract\[ray\]'"):
        require_ray()


def test_the_package_root_does_not_import_ray() -> None:
    import subprocess

    code = "import sys, llm_extract; print('ray' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_endpoint_wide_settings_are_split_over_actors() -> None:
    from llm_extract.runs.ray_engine import per_actor

    s = ExtractorSettings(base_url="http://x/v1", concurrency=9, requests_per_minute=600)
    share = per_actor(s, 2)
    assert (share.concurrency, share.requests_per_minute, share.tokens_per_minute) == (5, 300, None)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--engine", "spark"], "Unknown --engine 'spark'"),
        (["--engine", "ray", "--base-url", "http://127.0.0.1:9/v1"], "--engine ray writes a file"),
        (["--engine", "ray", "-o", "{out}"], "the embedded model is one process's"),
        (
            [
                "--engine",
                "ray",
                "-o",
                "{out}",
                "--base-url",
                "http://127.0.0.1:9/v1",
                "--record",
                "{rec}",
            ],
            "Recording (--record) needs one process",
        ),
    ],
)
def test_engine_ray_refuses_what_cannot_work(
    tmp_path: Path, extra: list[str], message: str
) -> None:
    corpus = tmp_path / "c.jsonl"
    make_corpus(corpus, 2, seed_lead())
    args = [a.format(out=tmp_path / "o.jsonl", rec=tmp_path / "r.yaml") for a in extra]
    res = runner.invoke(app, ["extract", str(corpus), "--quiet", *args])
    assert res.exit_code == 2, res.output
    assert message in res.stderr


def test_an_actor_turns_any_exception_into_an_error_row(monkeypatch: pytest.MonkeyPatch) -> None:
    pa = pytest.importorskip("pyarrow", reason="the [ray] extra brings pyarrow")
    from llm_extract.runs.ray_engine import ExtractActor

    actor = ExtractActor(ExtractorSettings(base_url="http://127.0.0.1:9/v1", model="m"))

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("a bug in one document's path")

    monkeypatch.setattr(actor.extractor, "extract", broken)
    batch = pa.Table.from_pylist([
        {"id": "a", "text": seed_lead(), "published": "2019-08-21", "source": None,
         "metadata": '{"feed": "f1"}'},
        {"id": "b", "text": "", "published": None, "source": "in.jsonl:2", "metadata": None},
    ])  # fmt: skip
    out = actor(batch).to_pylist()
    assert [(r["document_id"], r["status"]) for r in out] == [("a", "error"), ("b", "error")]
    a, b = (json.loads(r["json"]) for r in out)
    assert a["error"] == {"type": "RuntimeError", "message": "a bug in one document's path"}
    assert (a["source"], a["metadata"]) == ("ray:a", {"feed": "f1"})
    assert b["error"]["type"] == "InputError" and b["source"] == "in.jsonl:2"


# --- a local Ray ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ray_cluster() -> Iterator[str]:
    """A local Ray for this module (2 CPUs, no dashboard); yields its address."""
    ray = pytest.importorskip("ray", reason="Ray is not installed: pip install -e '.[ray]'")
    ray.init(num_cpus=2, include_dashboard=False, logging_level=logging.WARNING)
    context = ray.data.DataContext.get_current()
    context.enable_progress_bars = False
    context.print_on_execution_start = False
    try:
        yield str(ray.get_runtime_context().gcs_address)
    finally:
        ray.shutdown()


@pytest.fixture(scope="module")
def endpoint() -> Iterator[PoisonServer]:
    with PoisonServer(ANSWERS, latency=0.01) as srv:
        yield srv


def test_extract_dataset_rows_are_the_jsonl_rows(
    ray_cluster: str, endpoint: PoisonServer, tmp_path: Path
) -> None:
    import ray.data

    from llm_extract.runs.ray_engine import COLUMNS, extract_dataset, iter_result_rows

    corpus = tmp_path / "c.jsonl"
    ids = poisoned_corpus(corpus, 12)
    docs = [json.loads(line) for line in corpus.read_text().splitlines()]
    settings = ExtractorSettings(
        base_url=endpoint.url, model="m", concurrency=4, transport_retries=1, retry_wait=0.01
    )
    ds = ray.data.from_items(docs, override_num_blocks=3)
    # Materialized once: schema() of a lazy Dataset would run the actors a second time.
    results = extract_dataset(ds, settings, concurrency=1, batch_size=4).materialize()
    assert tuple(results.schema().names) == COLUMNS
    rows = {row["document_id"]: row for row in iter_result_rows(results)}
    assert sorted(rows) == sorted(ids)

    # The same documents through the default engine: the same lines (timings aside).
    from llm_extract import Extractor

    with Extractor.from_settings(settings) as ex:
        run_corpus(ex, [corpus], tmp_path / "local.jsonl")
    local = {
        r["document_id"]: r
        for r in map(json.loads, (tmp_path / "local.jsonl").read_text().splitlines())
    }
    for doc_id, row in rows.items():
        assert set(row) == set(local[doc_id]), doc_id
        assert row["status"] == local[doc_id]["status"]
        assert row.get("records") == local[doc_id].get("records")
        assert row.get("metadata") == local[doc_id].get("metadata")
    assert rows["poison"]["status"] == "error"
    assert rows["poison"]["error"]["type"] == "TransportRetriesExhaustedError"
    assert rows["doc-00001"]["metadata"] == {"feed": "feed-1"}


def test_cli_engine_ray_200_documents_reconcile(
    ray_cluster: str, endpoint: PoisonServer, tmp_path: Path
) -> None:
    corpus, out = tmp_path / "corpus.jsonl", tmp_path / "out.jsonl"
    ids = poisoned_corpus(corpus, 200)
    args = cli_args(corpus, out, endpoint.url, "--engine", "ray", "--concurrency", "16",
                    "--transport-retries", "1", "--retry-wait", "0.01", "--no-cache")  # fmt: skip
    res = runner.invoke(app, args)
    assert res.exit_code == 5, res.output  # one document failed: the job did not
    counts = reconcile(ids, out)
    assert counts == {"inputs": 200, "ok": 199, "partial": 0, "failed": 1, "lost": 0,
                      "unknown": 0, "duplicate_ok": 0, "broken_lines": 0}  # fmt: skip
    summary = json.loads((tmp_path / "out.summary.json").read_text())
    assert summary["documents"] == {"ok": 199, "partial": 0, "failed": 1, "skipped": 0}
    assert summary["records"] == 199 and summary["requests"] == 199 + 2  # poison: 1 retry


def test_a_killed_ray_run_resumes_without_loss_or_duplicates(
    ray_cluster: str, tmp_path: Path
) -> None:
    corpus, out = tmp_path / "corpus.jsonl", tmp_path / "out.jsonl"
    ids = make_corpus(corpus, 200, seed_lead())
    cache = tmp_path / "cache.sqlite"
    # Slow enough that the run is still going when the driver is killed.
    with FaultServer(ANSWERS, latency=0.2, cache_path=cache) as srv:
        args = cli_args(corpus, out, srv.url, "--engine", "ray", "--ray-address", ray_cluster,
                        "--ray-actors", "1", "--concurrency", "16",
                        "--cache", str(cache))  # fmt: skip
        run = run_with_kills(
            spawned(cli_command(args)), out, kills=1, rng=random.Random(3), min_lines=40,
            max_lines=60, timeout=240,
        )  # fmt: skip
        stats = srv.stats()
    assert len(run["killed_at_lines"]) == 1 and run["killed_at_lines"][0] < 200, run
    assert run["exit_code"] == 0, run
    counts = reconcile(ids, out)
    assert (counts["ok"], counts["lost"], counts["duplicate_ok"], counts["broken_lines"]) == (
        200, 0, 0, 0,
    ), counts  # fmt: skip
    # Documents answered before the kill but not yet written came from the cache on the rerun.
    assert stats["sent_while_cached"] == 0, stats
    summary = json.loads((tmp_path / "out.summary.json").read_text())
    assert summary["documents"]["skipped"] == run["killed_at_lines"][0]


def test_an_error_no_document_causes_stops_the_run(
    ray_cluster: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bad key or a dead endpoint stops the run at its first row, as the default engine
    does, instead of an error line per document (the actors are faked: this is the driver)."""
    import llm_extract.runs.ray_engine as engine

    corpus, out = tmp_path / "corpus.jsonl", tmp_path / "out.jsonl"
    make_corpus(corpus, 3, seed_lead())
    rows = [
        {"document_id": "doc-00000", "source": "s", "status": "error",
         "error": {"type": "TransportRetriesExhaustedError", "message": "one document's"}},
        {"document_id": "doc-00001", "source": "s", "status": "error",
         "error": {"type": "EndpointUnreachableError", "message": "No server at x. Start it.",
                   "fix": "Start it."}},
    ]  # fmt: skip
    monkeypatch.setattr(engine, "extract_dataset", lambda *a, **k: None)
    monkeypatch.setattr(engine, "iter_result_rows", lambda results: iter(rows))
    url = "http://127.0.0.1:9/v1"
    res = runner.invoke(app, cli_args(corpus, out, url, "--engine", "ray", "--no-cache"))
    assert res.exit_code == 3, res.output
    assert "Error: No server at x. Start it." in res.stderr
    assert [json.loads(x)["document_id"] for x in out.read_text().splitlines()] == ["doc-00000"]
    summary = json.loads((tmp_path / "out.summary.json").read_text())
    assert summary["documents"]["failed"] == 1
