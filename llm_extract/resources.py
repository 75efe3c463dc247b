"""Where the shipped ``prompts/`` and ``schemas/`` live.

In a wheel they are bundled under ``llm_extract/_bundled``; in a source checkout (editable
install) they are the top-level folders beside the package.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def resource_dir(name: str) -> Path:
    bundled = _PACKAGE / "_bundled" / name
    if bundled.is_dir():
        return bundled
    return _PACKAGE.parent / name
