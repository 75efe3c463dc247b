"""The fault soak and kill-and-resume, short versions (``benchmarks/soak.py`` runs 1,000
documents): ~30% of requests fail in every way the fault server knows, and the output still
reconciles exactly by id."""

from __future__ import annotations

import random
from pathlib import Path

from llm_extract import Extractor, run_corpus
from llm_extract.testing.fault_server import SOAK_FAULTS, FaultServer, answers_from_cassette
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


CLEAN = {"lost": 0, "unknown": 0, "duplicate_ok": 0, "broken_lines": 0, "partial": 0}


def test_fault_soak_reconciles_by_id(tmp_path: Path) -> None:
    ids = make_corpus(tmp_path / "corpus.jsonl", 60, seed_lead())
    cache = tmp_path / "cache.sqlite"
    with FaultServer(ANSWERS, faults=SOAK_FAULTS, hang=0.6, cache_path=cache, seed=5) as srv:
        ex = Extractor(
            base_url=srv.url, model="m", concurrency=16, timeout=0.3, retry_wait=0.01,
            cache=cache,
        )  # fmt: skip
        out = tmp_path / "out.jsonl"
        summary = run_corpus(ex, [tmp_path / "corpus.jsonl"], out)
        stats = srv.stats()
    counts = reconcile(ids, out)
    assert {k: counts[k] for k in CLEAN} == CLEAN, counts
    assert counts["ok"] + counts["failed"] == 60 and counts["ok"] >= 55
    # Every kind of fault happened, and retried faults are reported as transport retries.
    assert set(stats["faults"]) == set(SOAK_FAULTS), stats
    # Each fault was retried, or was the last try of a failed document (a client timeout on
    # a slow answer is a retry the server did not cause: hence >=).
    faults = sum(stats["faults"].values())
    assert summary.attempts.transport_retries >= faults - counts["failed"]
    assert stats["sent_while_cached"] == 0
    # Metadata keys ride along.
    assert '"metadata": {"feed": "feed-0"}' in out.read_text()


def test_kill_9_and_resume_loses_and_duplicates_nothing(tmp_path: Path) -> None:
    ids = make_corpus(tmp_path / "corpus.jsonl", 60, seed_lead())
    cache, out = tmp_path / "cache.sqlite", tmp_path / "out.jsonl"
    with FaultServer(ANSWERS, faults=SOAK_FAULTS, hang=0.6, cache_path=cache, seed=2,
                      latency=0.02) as srv:  # fmt: skip
        args = cli_args(
            tmp_path / "corpus.jsonl", out, srv.url, "--concurrency", "8", "--timeout", "0.3",
            "--retry-wait", "0.01", "--cache", str(cache),
        )  # fmt: skip
        # Spawned, not forked: a fork would inherit the fault server's open SQLite handle on
        # the cache (SQLite forbids carrying one across fork) and die of SIGBUS now and then.
        run = run_with_kills(
            spawned(cli_command(args)), out, kills=3, rng=random.Random(7), min_lines=4
        )
        stats = srv.stats()
    assert len(run["killed_at_lines"]) == 3, run
    assert run["exit_code"] in (0, 5), run
    counts = reconcile(ids, out)
    assert {k: counts[k] for k in CLEAN} == CLEAN, counts
    assert counts["ok"] + counts["failed"] == 60
    # Once the cache held an answer, the server was never asked (and paid) for it again.
    assert stats["sent_while_cached"] == 0, stats
