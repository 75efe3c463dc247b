"""Input documents: reading and checking files, and splitting text into numbered sentences.

This module reads plain text only. HTML files and URLs are read by
:func:`llm_extract.inputs.sources.read_source` (which extracts the article with trafilatura):
core stays free of parsers and HTTP, and the import-linter layers keep core below inputs, so
:meth:`Document.from_path` refuses HTML with a pointer there rather than calling up a layer.

Sentences are the unit of evidence: the prompt shows them as ``[S1] ...`` and the model cites
ids, so every evidence span is a slice of the source by construction.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from email.utils import parsedate_to_datetime
from functools import cached_property
from pathlib import Path

from llm_extract.errors import InputError

#: Default upper bound on document size. Past this the embedded model's context is long gone;
#: a user with a long-context endpoint raises it with ``max_chars=`` / ``--max-chars``.
DEFAULT_MAX_CHARS = 60_000

_ABBREVIATIONS = {
    "mr", "mrs", "ms", "dr", "prof", "gen", "col", "lt", "sgt", "capt", "maj", "cpl", "pvt",
    "gov", "sen", "rep", "st", "jr", "sr", "no", "vs", "etc", "inc", "ltd", "co", "corp",
    "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
    "u.s", "u.n", "u.k", "e.g", "i.e", "approx", "est", "dept", "univ", "mt", "ft",
}  # fmt: skip

# A sentence ends at . ! ? (plus closing quotes/brackets) followed by space and a likely start.
_BOUNDARY = re.compile(r"""[.!?]+["'”’)\]]*(?=\s+["'“‘(\[]?[A-Z0-9])""")
_NEWLINES = re.compile(r"\n\s*")
# Coder metadata such as ACLED's "[size=no report]" or "[women targeted: girls]" is not part of
# the story; shown to the 1.5B model it made it answer no records (6 of 48 unseen notes).
_CODER_TAG = re.compile(r"\s*\[[A-Za-z][A-Za-z ]{1,30}[=:][^\[\]]{0,80}\]")
#: File names read as HTML whatever their content; other files are HTML when they sniff as it.
HTML_SUFFIXES = frozenset({".html", ".htm"})
# A page starts with a doctype or an <html>/<head>/<body> tag, maybe after an XML declaration
# or comments. Plain text and Markdown practically never do.
_HTML_START = re.compile(
    rb"\A(?:\xef\xbb\xbf)?\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*"
    rb"<(?:!doctype\s+html|html|head|body)[\s>]",
    re.IGNORECASE | re.DOTALL,
)


def looks_like_html(raw: bytes | str) -> bool:
    """Whether the start of a file is an HTML page (a doctype or an html/head/body tag)."""
    head = raw[:4096] if isinstance(raw, bytes) else raw[:4096].encode("utf-8", "replace")
    return _HTML_START.match(head) is not None


@dataclass(frozen=True)
class Sentence:
    """One sentence: 1-based id and its exact span in the document text."""

    id: int
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Document:
    """A checked, decoded document. ``text[s.start:s.end] == s.text`` for every sentence."""

    text: str
    id: str = ""
    source: str | None = None
    sentences: tuple[Sentence, ...] = field(default=())
    #: ISO 639-1 code of the text's language ("fr"); None until given or detected.
    language: str | None = None

    @classmethod
    def from_text(
        cls,
        text: str,
        *,
        id: str | None = None,
        source: str | None = None,
        max_chars: int = DEFAULT_MAX_CHARS,
        language: str | None = None,
    ) -> Document:
        text = text.removeprefix("\ufeff")
        where = f" ({source})" if source else ""
        if not text.strip():
            raise InputError(
                f"The document{where} is empty.", "Pass a file or string with the article text."
            )
        if "\x00" in text:
            raise InputError(
                f"The document{where} contains NUL bytes; it looks binary.",
                "Extract the plain text first (e.g. pdftotext, or save as .txt).",
            )
        if len(text) > max_chars:
            raise InputError(
                f"The document{where} has {len(text):,} characters, over the limit of "
                f"{max_chars:,}.",
                "Split it into articles, or raise the limit with --max-chars / max_chars= "
                "if your endpoint has the context for it.",
            )
        doc_id = id or "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
        sentences = split_sentences(text)
        return cls(text=text, id=doc_id, source=source, sentences=sentences, language=language)

    @classmethod
    def from_path(cls, path: str | Path, *, max_chars: int = DEFAULT_MAX_CHARS) -> Document:
        """A plain-text (UTF-8) file. HTML is refused: read as text, its markup and scripts
        would become sentences the model could cite."""
        path = Path(path)
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            raise InputError(f"No such file: {path}.", "Check the path.") from None
        except IsADirectoryError:
            raise InputError(f"{path} is a directory.", "Pass the text files inside it.") from None
        except OSError as e:
            raise InputError(f"Cannot read {path}: {e.strerror}.", "Check permissions.") from e
        if b"\x00" in raw[:8192]:
            raise InputError(
                f"{path} looks binary (it contains NUL bytes).",
                "Extract the plain text first (e.g. pdftotext, or save as .txt).",
            )
        if path.suffix.lower() in HTML_SUFFIXES or looks_like_html(raw):
            raise InputError(
                f"{path} is an HTML page, and Document.from_path reads plain text.",
                "Read it with llm_extract.inputs.sources.read_source (or Extractor.extract_file"
                ", or the CLI), which extract the article's text, title and date.",
            )
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as e:
            raise InputError(
                f"{path} is not valid UTF-8 (byte 0x{raw[e.start]:02x} at offset {e.start}).",
                f"Convert it, e.g. `iconv -f latin1 -t utf-8 {path} > fixed.txt`.",
            ) from None
        return cls.from_text(text, id=str(path), source=str(path), max_chars=max_chars)

    @cached_property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()

    def numbered(self) -> str:
        """The text as the model sees it: one ``[S<id>] sentence`` per line, coder tags left out.

        Evidence is cited by sentence id, so spans still cover the source text exactly.
        """
        return "\n".join(f"[S{s.id}] {_CODER_TAG.sub('', s.text)}" for s in self.sentences)

    def sentence(self, sentence_id: int) -> Sentence | None:
        if 1 <= sentence_id <= len(self.sentences):
            return self.sentences[sentence_id - 1]
        return None


def split_sentences(text: str) -> tuple[Sentence, ...]:
    """Split on line breaks and sentence punctuation, keeping exact character offsets."""
    spans: list[tuple[int, int]] = []
    line_start = 0
    for match in [*_NEWLINES.finditer(text), None]:
        line_end = match.start() if match else len(text)
        _split_line(text, line_start, line_end, spans)
        if match:
            line_start = match.end()
    sentences: list[Sentence] = []
    for start, end in spans:
        # Trim whitespace inside the span so the quote is clean and offsets stay exact.
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if start < end:
            sentences.append(Sentence(len(sentences) + 1, start, end, text[start:end]))
    return tuple(sentences)


def _split_line(text: str, start: int, end: int, out: list[tuple[int, int]]) -> None:
    cursor = start
    for m in _BOUNDARY.finditer(text, start, end):
        word = re.search(r"(\S+)$", text[cursor : m.start()])
        token = word.group(1).lower().rstrip(".") if word else ""
        # "Gen. Haftar", "U.S. forces", "No. 5": not a boundary.
        if token in _ABBREVIATIONS or (len(token) == 1 and token.isalpha()):
            continue
        out.append((cursor, m.end()))
        cursor = m.end()
    out.append((cursor, end))


def parse_published(published: str | date | None) -> date | None:
    """The publication date: ``YYYY-MM-DD``, an ISO 8601 timestamp (``2024-03-12T08:15:00Z``,
    ``2024-03-12 23:30:00-05:00``) or an RFC 2822 one (RSS's ``Tue, 12 Mar 2024 08:15:00
    +0000``), or a :class:`~datetime.date`/:class:`~datetime.datetime`. A timestamp gives its
    date in its own zone, as the paper printed it: 23:30 in New York is that day, not the next
    day in UTC. A date after tomorrow is refused (a typo would make every event date up to it
    look valid). One day of slack covers time zones ahead of this machine's."""
    if published is None:
        return None
    if isinstance(published, datetime):
        day = published.date()
    elif isinstance(published, date):
        day = published
    else:
        read = _day_of(published.strip())
        if read is None:
            raise InputError(
                f"Publication date {published!r} is not an ISO date.",
                "Use YYYY-MM-DD (e.g. 2019-08-21) or an ISO 8601 timestamp (2019-08-21T08:15:00Z).",
            )
        day = read
    if day > date.today() + timedelta(days=1):
        raise InputError(
            f"Publication date {day} is in the future (today is {date.today()}).",
            "Check the year; pass the date the article was published, or leave it out.",
        )
    return day


def _day_of(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        pass
    try:
        return datetime.fromisoformat(text).date()  # its own zone's date: no conversion
    except ValueError:
        pass
    try:
        return parsedate_to_datetime(text).date()
    except (TypeError, ValueError, IndexError):
        return None
