"""Which JSONL keys and CSV columns hold a document's text, id and publication date.

Corpora come as their tools write them: news-please's ``maintext`` and ``date_publish``, a
scraper's ``body`` and ``date``, our own ``text`` and ``published``. :class:`Columns` names them
(``--text-column``/``--text-field``, ``--id-column``/``--id-field``,
``--published-column``/``--published-field``); a name left out is found among the keys when
that is unambiguous, and a run says on stderr which one it took. Two keys that could both be
the text stop the run, naming the flag; two that could both be the date are left as metadata,
with a warning that names the flag. Names match case-insensitively (``Text``, ``Date``).
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from typing import Any

from llm_extract.core.document import parse_published
from llm_extract.errors import InputError

logger = logging.getLogger("llm_extract.runs.corpus")

#: Keys that hold the article's text when no ``text`` key does (one of them, and only one).
TEXT_NAMES = ("body", "content", "article", "maintext", "full_text", "article_text")
#: Keys that hold the publication date when no ``published`` key does (one of them only).
DATE_NAMES = ("date", "published_at", "publish_date", "publication_date", "pubdate",
              "date_published", "date_publish", "datepublished")  # fmt: skip
_FLAGS = {"text": "--text-column/--text-field", "id": "--id-column/--id-field",
          "published": "--published-column/--published-field"}  # fmt: skip


@dataclass(frozen=True)
class Columns:
    """The JSONL keys / CSV columns of a document's ``text``, ``id`` and ``published`` date.

    ``None`` (the default) finds each by name: ``text``, else the one of :data:`TEXT_NAMES`
    present; ``id``, else the row (line) number stands for it; ``published``, else the one of
    :data:`DATE_NAMES` present, else none (the run's ``published``). A name given must be
    there. The other keys are carried to the output line as ``metadata``.
    """

    text: str | None = None
    id: str | None = None
    published: str | None = None

    def resolve(self, names: Collection[str], where: str, *, strict: bool = True) -> Columns:
        """The names to read in a file whose keys (header) are ``names``; ``text`` is None
        when no key could be the text. ``strict`` (CSV: every row has every column): a name
        given that is not there is an error, naming the keys."""
        shown = ", ".join(names) or "none"
        kind = "column" if strict else "key"
        found = {}
        for part in ("text", "id", "published"):
            given = getattr(self, part)
            if given is None:
                continue
            match = _match(given, names)
            if match is None and strict:
                raise InputError(
                    f"{where} has no column {given!r} (columns: {shown}).",
                    f"Name the {_WHAT[part]} column with {_FLAGS[part]} "
                    f"(Columns({part}=...) in Python).",
                )
            found[part] = match or given
        text = found.get("text") or self._found_text(names, where, kind)
        doc_id = found.get("id") or _match("id", names)
        published = found.get("published") or self._found_date(names, where)
        return Columns(text, doc_id, published)

    def _found_text(self, names: Collection[str], where: str, kind: str) -> str | None:
        own = _match("text", names)
        if own is not None:
            return own
        maybe = [m for m in (_match(n, names) for n in TEXT_NAMES) if m]
        if len(maybe) > 1:
            raise InputError(
                f"{where} has no 'text' {kind}, and {' and '.join(map(repr, maybe))} could each "
                "be the article text.",
                f"Name the text {kind} with {_FLAGS['text']} (Columns(text=...) in Python).",
            )
        if maybe:
            logger.warning(
                "%s: reading the text from %r (name another with %s).",
                where, maybe[0], _FLAGS["text"],
            )  # fmt: skip
            return maybe[0]
        return None

    def _found_date(self, names: Collection[str], where: str) -> str | None:
        own = _match("published", names)
        if own is not None:
            return own
        maybe = [m for m in (_match(n, names) for n in DATE_NAMES) if m]
        if len(maybe) == 1:
            logger.warning(
                "%s: publication dates from %r (name another with %s).",
                where, maybe[0], _FLAGS["published"],
            )  # fmt: skip
            return maybe[0]
        if maybe:
            logger.warning(
                "%s: %s could each be the publication date; all are kept as metadata, and "
                "no date is read. Name one with %s.",
                where, ", ".join(map(repr, maybe)), _FLAGS["published"],
            )  # fmt: skip
        return None

    def published_of(self, value: Any, where: str) -> str | None:
        """A document's date as ISO ``YYYY-MM-DD`` (a timestamp gives its date in its own
        zone), or None when it has none; a value that is no date is an error naming the
        column and the flag."""
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        try:
            day = parse_published(value if isinstance(value, str | date) else repr(value))
        except InputError as e:
            raise InputError(
                f"{where}: {e.problem.rstrip('.')} (from {self.published!r}).",
                "Use YYYY-MM-DD or an ISO 8601 timestamp (2024-03-12T08:15:00Z) there, or name "
                f"the publication date column with {_FLAGS['published']}.",
            ) from None
        return day.isoformat() if day else None

    def metadata(self, row: dict[str, Any]) -> dict[str, Any]:
        """``row``'s other keys: what the output line carries as ``metadata``."""
        used = {self.text, self.id, self.published}
        return {k: v for k, v in row.items() if k and k not in used}


_WHAT = {"text": "text", "id": "id", "published": "publication date"}
#: The keys the engines write their own rows with (Ray Dataset rows, the batch state).
CANONICAL = Columns("text", "id", "published")


def _match(name: str, names: Collection[str]) -> str | None:
    """``name`` as ``names`` spell it: itself, else the one that differs only in case."""
    if name in names:
        return name
    folded = [n for n in names if n.casefold() == name.casefold()]
    return folded[0] if len(folded) == 1 else None
