"""Word lists as data: the files a codebook pack keeps its vocabulary in, per concept and language.

A list is a text file with one regular expression a line (matched case-insensitively; spaces
are ignored, so write ``\\s+`` between words); ``#`` starts a comment line. A pack keeps one
file per concept in a folder per language (``lexicon/en/event_words.txt``), so a coder adds a
language or a word without touching code. Lists are read once per process.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from llm_extract.errors import SchemaError

FLAGS = re.IGNORECASE | re.VERBOSE


@cache
def read_list(path: Path) -> tuple[str, ...]:
    """The patterns of one list file, in order; a bad pattern fails here, naming its line."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as e:
        raise SchemaError(f"Cannot read word list {path}: {e}.", "Check the pack's files.") from e
    items: list[str] = []
    for number, line in enumerate(lines, 1):
        item = line.strip()
        if not item or item.startswith("#"):
            continue
        try:
            re.compile(item, FLAGS)
        except re.error as e:
            raise SchemaError(
                f"Word list {path}, line {number}: {item!r} is not a valid pattern ({e}).",
                "Fix that line (one regular expression a line; escape ( ) [ ] ? * + with \\).",
            ) from e
        items.append(item)
    return tuple(items)


def alternation(items: tuple[str, ...]) -> str:
    """The list as one group, ``(?:a|b|c)``."""
    return "(?:" + "|".join(items) + ")"


def whole_words(items: tuple[str, ...]) -> re.Pattern[str]:
    """A pattern matching any item of the list as whole words."""
    return re.compile(rf"\b{alternation(items)}\b", FLAGS)


class Lexicon:
    """A pack's word lists: ``folder/<language>/<concept>.txt``."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def languages(self) -> tuple[str, ...]:
        """The languages that have a folder of lists, sorted."""
        if not self.folder.is_dir():
            return ()
        return tuple(sorted(p.name for p in self.folder.iterdir() if p.is_dir()))

    def has(self, concept: str, language: str) -> bool:
        return (self.folder / language / f"{concept}.txt").is_file()

    def items(self, concept: str, language: str) -> tuple[str, ...]:
        """The patterns of one concept in one language (a missing list is an error)."""
        path = self.folder / language / f"{concept}.txt"
        if not path.is_file():
            raise SchemaError(
                f"The word list {concept!r} has no {language!r} file ({path}).",
                f"Add {path.name} to {path.parent}, or use a language the pack has: "
                f"{', '.join(self.languages()) or 'none'}.",
            )
        return read_list(path)
