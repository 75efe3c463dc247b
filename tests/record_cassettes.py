"""Re-record every cassette from the embedded model, then rebuild the crafted fault cassettes.

    python tests/record_cassettes.py

Needs the [local] extra (the embedded llama.cpp server); takes a few minutes on 2 CPU cores.
Real cassettes (``test_*_real.yaml``) hold what the server answered. Crafted ones
(``crafted_*.yaml``) prepend fault responses (429, 500/502, a non-JSON body) to the real
interaction, or swap in a truncated answer, so every success body in them is a real one.
Headers with keys, org/project ids and cookies are scrubbed before writing (tests/conftest.py).
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
WIRE = ROOT / "cassettes" / "test_wire"
REAL = WIRE / "test_seed_article_real.yaml"


def record() -> None:
    cmd = [sys.executable, "-m", "pytest", "tests/test_wire.py", "-k", "real and not crafted",
           "--record-mode=rewrite", "-p", "no:cacheprovider", "-q"]  # fmt: skip
    subprocess.run(cmd, cwd=ROOT, check=True)


def fault(real: dict[str, Any], status: int, message: str, body: str | None = None,
          headers: dict[str, list[str]] | None = None) -> dict[str, Any]:  # fmt: skip
    interaction = copy.deepcopy(real)
    interaction["response"] = {
        "status": {"code": status, "message": message},
        "headers": {"content-type": ["application/json"], **(headers or {})},
        "body": {"string": body if body is not None else json.dumps(
            {"error": {"message": f"crafted {status} {message}", "type": "crafted"}})},
    }  # fmt: skip
    return interaction


def malformed(real: dict[str, Any]) -> dict[str, Any]:
    """The real response with its answer cut in half: invalid JSON content, a re-ask case."""
    interaction = copy.deepcopy(real)
    body = json.loads(interaction["response"]["body"]["string"])
    content = body["choices"][0]["message"]["content"]
    body["choices"][0]["message"]["content"] = content[: len(content) // 2]
    interaction["response"]["body"]["string"] = json.dumps(body)
    return interaction


def craft() -> None:
    data = yaml.safe_load(REAL.read_text())
    real = data["interactions"][-1]
    sets = {
        "crafted_429_then_real_ok.yaml": [
            fault(real, 429, "Too Many Requests", headers={"retry-after": ["0"]}), real],
        "crafted_500_502_then_real_ok.yaml": [
            fault(real, 500, "Internal Server Error"), fault(real, 502, "Bad Gateway"), real],
        "crafted_non_json_body_then_real_ok.yaml": [
            fault(real, 200, "OK", body="<html>proxy error</html>"), real],
        "crafted_malformed_content_then_real_ok.yaml": [malformed(real), real],
        "crafted_429_x3.yaml": [fault(real, 429, "Too Many Requests")] * 3,
    }  # fmt: skip
    for name, interactions in sets.items():
        out = {"interactions": interactions, "version": data.get("version", 1)}
        (WIRE / name).write_text(yaml.safe_dump(out, sort_keys=False, allow_unicode=True))
        print(f"wrote {WIRE / name}")


if __name__ == "__main__":
    if "--craft-only" not in sys.argv:
        record()
    craft()
