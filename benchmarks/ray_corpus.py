"""The Ray Data engine against the single-process concurrent runner (issue 11), same run.

    python benchmarks/ray_corpus.py [--docs 500] [--latency 0.5] [--concurrency 16]
                                    [--actors 1,2] [--cpu-docs 300]

Both engines run the same corpus into a fresh JSONL file, with ``--concurrency`` requests in
flight endpoint-wide (Ray splits it over the actors, see
``llm_extract.runs.ray_engine.per_actor``), against
the fault server (no faults) in its own process answering every request with a real recorded
answer after ``--latency`` seconds. No response cache. Two scenarios:

1. Endpoint-bound: ``--docs`` documents at ``--latency``; the ideal wall time is docs x latency /
   concurrency. Where the endpoint is the bottleneck, Ray can only add its fixed costs.
2. CPU-bound: ``--cpu-docs`` documents at zero latency, where the client's own work (request
   building, validation, grounding) is the bottleneck: the case Ray's extra processes are for.

For each run: wall seconds, docs/s, throughput relative to the concurrent runner measured in this
run, per-document wall overhead against it (ms), and the steady rate (first to last result line,
leaving out the fixed start-up). Ray's own start-up (``ray.init``) is reported once. Also: the
concurrent runner's CPU seconds per document in this process, which caps one process at about
1 / that many documents per second on one core. Writes benchmarks/out/ray_corpus.json.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

# The same fault server in its own process, documents and seed as the corpus benchmark (a
# sibling script: python benchmarks/ray_corpus.py puts benchmarks/ first on sys.path).
from corpus import ROOT, SEED, Server

from llm_extract import Extractor, ExtractorSettings, run_corpus
from llm_extract.runs.ray_engine import run_ray_batch
from llm_extract.testing.soak import make_corpus


class Clock:
    """Times of the first and last result line (``on_result``)."""

    def __init__(self) -> None:
        self.first = self.last = 0.0
        self.n = 0

    def __call__(self, row: dict[str, Any]) -> None:
        now = time.perf_counter()
        self.first = self.first or now
        self.last, self.n = now, self.n + 1

    def steady(self) -> float:
        span = self.last - self.first
        return (self.n - 1) / span if span > 0 else float("nan")


def scenario(
    name: str, docs: int, latency: float, concurrency: int, actors: list[int], work: Path
) -> list[dict[str, Any]]:
    corpus = work / f"{name}.jsonl"
    make_corpus(corpus, docs, SEED)
    server = Server(latency)
    rows: list[dict[str, Any]] = []
    try:
        settings = ExtractorSettings(
            base_url=server.url, model="m", concurrency=concurrency, timeout=latency + 60
        )
        # Warm this process (imports, instructor's caches) as the actors warm themselves.
        with Extractor.from_settings(settings) as ex:
            ex.extract(SEED + "\n\nWarm-up.", published="2019-08-21")
        clock = Clock()
        cpu, started = time.process_time(), time.perf_counter()
        with Extractor.from_settings(settings) as ex:
            summary = run_corpus(ex, [corpus], work / f"{name}-local.jsonl", on_result=clock)
        wall = time.perf_counter() - started
        cpu_per_doc = (time.process_time() - cpu) / docs
        base = {"wall": wall, "rate": docs / wall}
        cpu_ms = round(cpu_per_doc * 1000, 2)
        rows.append(_row(name, "concurrent runner", docs, latency, concurrency, wall,
                         summary.ok, clock, base, cpu_ms_per_doc=cpu_ms))  # fmt: skip
        for n in actors:
            clock = Clock()
            started = time.perf_counter()
            summary = run_ray_batch(
                settings, [corpus], work / f"{name}-ray{n}.jsonl", actors=n, on_result=clock
            )
            wall = time.perf_counter() - started
            rows.append(_row(name, f"ray, {n} actor(s)", docs, latency, concurrency, wall,
                             summary.ok, clock, base))  # fmt: skip
    finally:
        server.close()
    return rows


def _row(
    scenario: str, engine: str, docs: int, latency: float, concurrency: int, wall: float,
    ok: int, clock: Clock, base: dict[str, float], **extra: Any,
) -> dict[str, Any]:  # fmt: skip
    rate = docs / wall
    return {
        "scenario": scenario, "engine": engine, "docs": docs, "ok": ok, "latency_s": latency,
        "concurrency": concurrency, "wall_s": round(wall, 2), "docs_per_s": round(rate, 1),
        "ideal_s": round(docs * latency / concurrency, 2),
        "throughput_vs_runner": round(rate / base["rate"], 3),
        "overhead_ms_per_doc": round((wall - base["wall"]) / docs * 1000, 2),
        "steady_docs_per_s": round(clock.steady(), 1), **extra,
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=500)
    parser.add_argument("--latency", type=float, default=0.5)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--actors", default="1,2")
    parser.add_argument("--cpu-docs", type=int, default=300)
    args = parser.parse_args()
    actors = [int(a) for a in args.actors.split(",")]

    import ray

    started = time.perf_counter()
    ray.init(num_cpus=os.cpu_count(), include_dashboard=False, logging_level=logging.WARNING)
    ray_init = time.perf_counter() - started
    context = ray.data.DataContext.get_current()
    context.enable_progress_bars = context.print_on_execution_start = False
    try:
        with tempfile.TemporaryDirectory() as tmp:
            rows = scenario("endpoint-bound", args.docs, args.latency, args.concurrency, actors,
                            Path(tmp))  # fmt: skip
            rows += scenario("cpu-bound", args.cpu_docs, 0.0, args.concurrency, actors,
                             Path(tmp))  # fmt: skip
    finally:
        ray.shutdown()
    result = {"cpus": os.cpu_count(), "ray_init_s": round(ray_init, 2), "runs": rows,
              "command": " ".join(["python", *sys.argv])}  # fmt: skip
    out = ROOT / "benchmarks" / "out"
    out.mkdir(parents=True, exist_ok=True)
    (out / "ray_corpus.json").write_text(json.dumps(result, indent=2) + "\n")
    print(f"{os.cpu_count()} CPUs; ray.init (local, once): {ray_init:.2f} s")
    print("| scenario | engine | docs | ok | wall s | ideal s | docs/s | vs runner | "
          "overhead ms/doc | steady docs/s |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['scenario']} | {r['engine']} | {r['docs']} | {r['ok']} | {r['wall_s']} | "
              f"{r['ideal_s']} | {r['docs_per_s']} | {r['throughput_vs_runner']:.2f}x | "
              f"{r['overhead_ms_per_doc']} | {r['steady_docs_per_s']} |")  # fmt: skip
    cpu = next(r["cpu_ms_per_doc"] for r in rows if r["scenario"] == "endpoint-bound")
    print(f"Concurrent runner: {cpu} ms CPU per document in one process "
          f"(one core caps it near {1000 / cpu:.0f} docs/s).")  # fmt: skip


if __name__ == "__main__":
    main()
