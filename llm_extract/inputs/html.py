"""HTML pages as documents: the article's main text, title and publication date, by trafilatura.

Read as raw text, a page's doctype, scripts and menus became numbered sentences the model could
cite. trafilatura keeps the article body (dropping navigation, footers, scripts, comments) and
reads the date from the markup (``<time datetime>``, meta tags, JSON-LD). It is imported only
when a page is read: it brings lxml, dateparser and htmldate, which a text-only run never needs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from llm_extract.core.document import DEFAULT_MAX_CHARS, Document
from llm_extract.errors import InputError
from llm_extract.inputs.html_clean import tidy

# Fewer words than this is a menu, a cookie wall or an empty shell, not an article.
_MIN_WORDS = 5
# Dates from the page's markup only: the extensive search also guesses from the body text,
# where the first date is usually the event's, not the publication's.
_DATE_PARAMS = {"extensive_search": False, "original_date": True}


@dataclass(frozen=True)
class Page:
    """A read input: its document, plus what the page's markup said (None for plain text)."""

    document: Document
    title: str | None = None
    #: The publication date the page states (ISO ``YYYY-MM-DD``); the user's date wins over it.
    published: str | None = None

    @property
    def metadata(self) -> dict[str, Any]:
        """What a corpus run carries to the output line (and table columns)."""
        return {"title": self.title} if self.title else {}


def page_from_html(
    html: str | bytes,
    *,
    id: str,
    source: str,
    url: str | None = None,
    max_chars: int = DEFAULT_MAX_CHARS,
) -> Page:
    """The article in ``html`` as a document with id ``id``. Bytes are decoded by trafilatura
    (the page's declared charset, else detection), so non-UTF-8 pages read too."""
    import trafilatura  # lazily: see the module docstring

    tree = trafilatura.load_html(html)  # decoded as trafilatura decodes (declared charset)
    found = trafilatura.bare_extraction(
        html if tree is None else tidy(tree),
        url=url,
        with_metadata=True,
        include_comments=False,
        date_extraction_params=_DATE_PARAMS,
    )
    fields: dict[str, Any] = {}
    if isinstance(found, dict):
        fields = found
    elif found is not None:
        fields = found.as_dict()
    text = _paragraphs(fields.get("text") or "")
    if len(text.split()) < _MIN_WORDS:
        raise InputError(
            f"{source} has no article text that could be extracted (an index, login or "
            "cookie page, or one that builds its text with JavaScript).",
            "Open it in a browser and save the article text as .txt (or the loaded page as "
            ".html), then pass that file.",
        )
    doc = Document.from_text(text, id=id, source=source, max_chars=max_chars)
    title = (fields.get("title") or "").strip() or None
    return Page(doc, title, _page_date(fields.get("date")))


def _paragraphs(text: str) -> str:
    """trafilatura gives one paragraph (or heading) per line; a blank line between them keeps
    them paragraphs in the text shown and saved, and a sentence never runs across one."""
    return "\n\n".join(line.strip() for line in text.splitlines() if line.strip())


def _page_date(value: Any) -> str | None:
    """The page's date if it is one a publication date can be: a wrong date in a page's
    metadata is dropped, not allowed to fail the document (a user's own is still checked)."""
    try:
        day = date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None
    if day is None or day > date.today() + timedelta(days=1):
        return None
    return day.isoformat()
