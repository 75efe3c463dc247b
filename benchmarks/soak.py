"""Fault soak with kill -9 and resume (issue 10); ``tests/runs/test_soak.py`` runs a short version.

    python benchmarks/soak.py [--documents 1000] [--kills 4] [--concurrency 32] [--seed 0]

A loopback fault server (in this process) answers with the real recorded answer for the seed
article's lead and fails about 30% of requests (429 with Retry-After, 500, 503, timeouts,
connection resets, truncated and non-JSON bodies; ``SOAK_FAULTS``). Two runs, each the real CLI
in its own process:

1. uninterrupted: ``llm-extract extract corpus.jsonl -o a.jsonl --concurrency C``;
2. killed: the same command into b.jsonl, ``kill -9`` at ``--kills`` random moments, then run
   again to the end.

Each output is reconciled by id (every input ends as records or an explicit failure line; no
losses, no unknown ids, no document ``ok`` twice, no broken lines), and the server counts any
request sent although the response cache already held its answer (must be 0). Then the same
command again until nothing is left to retry (a rerun retries failed documents only), and once
more: with every answer cached it must send nothing. Prints the counts as JSON.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from llm_extract.testing.fault_server import SOAK_FAULTS, FaultServer, answers_from_cassette
from llm_extract.testing.soak import (
    cli_args,
    cli_command,
    make_corpus,
    reconcile,
    run_with_kills,
    seed_lead,
    spawned,
)

ROOT = Path(__file__).resolve().parent.parent
CASSETTE = ROOT / "cassettes" / "test_wire" / "test_seed_lead_real.yaml"
SEED = seed_lead((ROOT / "examples" / "khan_sheikhoun_2019.txt").read_text(encoding="utf-8"))


def soak(args: argparse.Namespace, folder: Path, killed: bool) -> dict[str, Any]:
    corpus = folder / "corpus.jsonl"
    ids = make_corpus(corpus, args.documents, SEED)
    name = "killed" if killed else "uninterrupted"
    out, cache = folder / f"{name}.jsonl", folder / f"{name}.sqlite"
    answers = answers_from_cassette(CASSETTE)
    with FaultServer(
        answers, faults=SOAK_FAULTS, seed=args.seed, hang=1.5, cache_path=cache,
        latency=args.latency,
    ) as server:  # fmt: skip
        command = cli_command(cli_args(
            corpus, out, server.url, "--concurrency", str(args.concurrency), "--timeout", "1",
            "--retry-wait", "0.05", "--cache", str(cache),
        ))  # fmt: skip
        started = time.perf_counter()
        if killed:
            rng = random.Random(args.seed)
            most = max(args.documents // args.kills, 20)  # kills spread over the whole run
            run = run_with_kills(
                spawned(command), out, kills=args.kills, rng=rng, min_lines=20, max_lines=most
            )
        else:
            code = subprocess.run(command, check=False).returncode
            run = {"killed_at_lines": [], "exit_code": code}
        wall = time.perf_counter() - started
        stats = server.stats()
        first = reconcile(ids, out)
        # Rerun until nothing failed (a rerun retries failed documents only), then once more:
        # with every answer cached, that run must send nothing.
        reruns = []
        for _ in range(5):
            before = server.stats()["requests"]
            code = subprocess.run(command, check=False).returncode
            reruns.append({"exit_code": code, "requests": server.stats()["requests"] - before})
            if code == 0 and reruns[-1]["requests"] == 0:
                break
        final_stats = server.stats()
    summary = json.loads((folder / f"{name}.summary.json").read_text())
    return {
        "run": name,
        "reconcile": first,
        "killed_at_lines": run["killed_at_lines"],
        "exit_code": run["exit_code"],
        "wall_s": round(wall, 1),
        "server": stats,
        "reruns": reruns,
        "after_reruns": {"reconcile": reconcile(ids, out), "server": final_stats},
        "last_summary": summary,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=1000)
    parser.add_argument("--kills", type=int, default=4)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        results = [soak(args, Path(tmp), killed) for killed in (False, True)]
    print(json.dumps(results, indent=2))
    out = ROOT / "benchmarks" / "out"
    out.mkdir(parents=True, exist_ok=True)
    (out / "soak.json").write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
