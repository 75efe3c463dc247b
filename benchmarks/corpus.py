"""Corpus runs against a loopback server replaying a real recorded answer (issue 10).

    python benchmarks/corpus.py [--latency 4] [--per-slot 2] [--overhead-docs 200]

The server (``llm_extract.testing.fault_server``, a separate process so it does not share the
client's interpreter) answers every request with the real recorded answer for the seed
article's lead after ``--latency`` seconds. Three measurements, ratios from the same run:

1. Throughput against the concurrency bound: N = per-slot x C documents at C in flight; the
   ideal wall time is N x L / C. Prints achieved/ideal (goal >= 0.9) for C = 1, 8, 32, 128.
2. Client overhead: CPU seconds per document in this process against a zero-latency server,
   ``Extractor.extract`` against a bare instructor call (same client settings, same rendered
   messages, same response model, same answers). Goal: within 1.5x and a few ms per document.
3. Cache: a corpus run with the response cache, then the same again: requests and wall time.

Writes the numbers to benchmarks/out/corpus.json too.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import instructor
import openai
from pydantic import BaseModel, Field, create_model

from llm_extract import Extractor, run_corpus
from llm_extract.core.context import ExtractionContext, extraction_context
from llm_extract.core.document import Document, parse_published
from llm_extract.testing.soak import SEED_PUBLISHED, make_corpus, seed_lead

ROOT = Path(__file__).resolve().parent.parent
CASSETTE = ROOT / "cassettes" / "test_wire" / "test_seed_lead_real.yaml"
SEED = seed_lead((ROOT / "examples" / "khan_sheikhoun_2019.txt").read_text(encoding="utf-8"))


class Server:
    """The fault server (no faults here) in its own process."""

    def __init__(self, latency: float) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "llm_extract.testing.fault_server", str(CASSETTE),
             "--latency", str(latency)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        assert self.proc.stdout is not None
        self.url = self.proc.stdout.readline().strip()

    def stats(self) -> dict[str, Any]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write("stats\n")
        self.proc.stdin.flush()
        result: dict[str, Any] = json.loads(self.proc.stdout.readline())
        return result

    def close(self) -> None:
        self.proc.kill()
        self.proc.wait()


def docs(n: int, tag: str) -> list[tuple[str, str]]:
    return [(f"{SEED}\n\nCopy {i} {tag}.", SEED_PUBLISHED) for i in range(n)]


def throughput(latency: float, per_slot: int, levels: list[int]) -> list[dict[str, Any]]:
    server = Server(latency)
    rows = []
    try:
        for c in levels:
            ex = Extractor(base_url=server.url, model="m", concurrency=c, timeout=latency + 60)
            list(ex.extract_many(docs(1, f"warm{c}")))  # connections, instructor caches
            n = per_slot * c
            before = server.stats()["requests"]
            started = time.perf_counter()
            outcomes = list(ex.extract_many(docs(n, f"c{c}")))
            wall = time.perf_counter() - started
            sent = server.stats()["requests"] - before
            ok = sum(o.result is not None for o in outcomes)
            ideal = n * latency / c
            rows.append({"concurrency": c, "documents": n, "ok": ok, "requests": sent,
                         "ideal_s": round(ideal, 2), "wall_s": round(wall, 2),
                         "achieved_over_ideal": round(ideal / wall, 3),
                         "peak_in_flight": server.stats()["peak_in_flight"]})  # fmt: skip
            ex.close()
    finally:
        server.close()
    return rows


def overhead(n: int) -> dict[str, Any]:
    server = Server(0.0)
    try:
        ex = Extractor(base_url=server.url, model="m", concurrency=1)
        texts = docs(n, "overhead")
        ex.extract(texts[0][0], published=texts[0][1])  # warm
        cpu, wall = time.process_time(), time.perf_counter()
        for text, pub in texts:
            ex.extract(text, published=pub)
        ours = ((time.process_time() - cpu) / n, (time.perf_counter() - wall) / n)

        # Bare instructor: same client settings, the same messages, the same response model
        # built as instructor users build one (without llm_extract's cached JSON schema).
        bare_model = _uncached(ex)
        client = instructor.from_openai(
            openai.OpenAI(base_url=server.url, api_key="k", max_retries=0),
            mode=instructor.Mode.JSON_SCHEMA,
        )
        prepared = []
        for text, pub in texts:
            doc = Document.from_text(text)
            prepared.append((doc, parse_published(pub), ex.render_prompts(doc, published=pub)))

        def bare(doc: Document, pub: Any, messages: list[dict[str, str]]) -> Any:
            # The schema's validators check evidence against the document: give them it.
            with extraction_context(ExtractionContext(doc, pub)):
                return client.chat.completions.create(
                    model="m", messages=messages, response_model=bare_model,
                    max_retries=0, temperature=0.0, max_tokens=2048,
                )  # type: ignore[call-overload]  # fmt: skip

        bare(prepared[0][0], prepared[0][1], prepared[0][2][0][1])
        cpu, wall = time.process_time(), time.perf_counter()
        for doc, pub, pieces in prepared:
            bare(doc, pub, pieces[0][1])
        theirs = ((time.process_time() - cpu) / n, (time.perf_counter() - wall) / n)
    finally:
        server.close()
    return {
        "documents": n,
        "llm_extract_cpu_ms_per_doc": round(ours[0] * 1000, 2),
        "bare_instructor_cpu_ms_per_doc": round(theirs[0] * 1000, 2),
        "cpu_ratio": round(ours[0] / theirs[0], 3),
        "llm_extract_wall_ms_per_doc": round(ours[1] * 1000, 2),
        "bare_instructor_wall_ms_per_doc": round(theirs[1] * 1000, 2),
    }


def _uncached(ex: Extractor) -> type[BaseModel]:
    """The schema's list model as :func:`llm_extract.core.registry.load_schema` builds it, minus the
    JSON-schema cache (what a bare instructor user passes)."""
    model = ex.schema.response_model
    field = model.model_fields["records"]
    return create_model(
        model.__name__, __doc__=model.__doc__,
        records=(field.annotation, Field(max_length=ex.schema.max_records,
                                         description=field.description)),
    )  # type: ignore[no-any-return,call-overload]  # fmt: skip


def cache_rerun(n: int, latency: float) -> dict[str, Any]:
    server = Server(latency)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            make_corpus(folder / "corpus.jsonl", n, SEED)
            ex = Extractor(base_url=server.url, model="m", concurrency=32,
                           cache=folder / "cache.sqlite")  # fmt: skip
            runs = []
            for name in ("cold", "warm"):
                before = server.stats()["requests"]
                started = time.perf_counter()
                summary = run_corpus(ex, [folder / "corpus.jsonl"], folder / f"{name}.jsonl")
                runs.append({"run": name, "ok": summary.ok,
                             "requests": server.stats()["requests"] - before,
                             "cache_hits": summary.attempts.cache_hits,
                             "wall_s": round(time.perf_counter() - started, 2)})  # fmt: skip
    finally:
        server.close()
    return {"documents": n, "latency_s": latency, "runs": runs}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency", type=float, default=4.0)
    parser.add_argument("--per-slot", type=int, default=2, help="documents per concurrency slot")
    parser.add_argument("--levels", default="1,8,32,128")
    parser.add_argument("--overhead-docs", type=int, default=200)
    parser.add_argument("--cache-docs", type=int, default=200)
    args = parser.parse_args()
    levels = [int(c) for c in args.levels.split(",")]
    report = {
        "throughput": throughput(args.latency, args.per_slot, levels),
        "overhead": overhead(args.overhead_docs),
        "cache": cache_rerun(args.cache_docs, 0.2),
    }
    print("| C | docs | ideal s | wall s | achieved/ideal | peak in flight |")
    print("|---|---|---|---|---|---|")
    for r in report["throughput"]:
        print(f"| {r['concurrency']} | {r['documents']} | {r['ideal_s']} | {r['wall_s']} | "
              f"{r['achieved_over_ideal']} | {r['peak_in_flight']} |")  # fmt: skip
    print(json.dumps({"overhead": report["overhead"], "cache": report["cache"]}, indent=2))
    out = ROOT / "benchmarks" / "out"
    out.mkdir(parents=True, exist_ok=True)
    (out / "corpus.json").write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
