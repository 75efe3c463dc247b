"""One input, named by a path or a URL, as a document: plain text, an HTML file, or a web page.

Every reader of a single input (the CLI, :meth:`Extractor.extract_file`, corpus runs, the review
page) comes here, so an ``.html`` file or an ``https://`` address reads the same everywhere.
A URL is recognised before anything makes it a :class:`~pathlib.Path`: a Path collapses
``http://host`` to ``http:/host``.
"""

from __future__ import annotations

import re
from importlib import metadata
from pathlib import Path

import httpx2 as httpx

from llm_extract.core.document import DEFAULT_MAX_CHARS, HTML_SUFFIXES, Document, looks_like_html
from llm_extract.errors import InputError
from llm_extract.inputs.html import Page, page_from_html

#: Seconds a page may take to connect and to send each part of its answer.
DEFAULT_FETCH_TIMEOUT = 20.0
# A news page is well under a megabyte; far more is not an article (or not a page at all).
_MAX_PAGE_BYTES = 20 * 2**20
_URL = re.compile(r"\Ahttps?://", re.IGNORECASE)
_SAVE_IT = "Or open it in a browser, save the page as .html, and pass that file."


def is_url(item: str | Path) -> bool:
    """An ``http://`` or ``https://`` address (a Path never is: it has lost a slash)."""
    return isinstance(item, str) and _URL.match(item) is not None


def read_source(
    item: str | Path,
    *,
    max_chars: int = DEFAULT_MAX_CHARS,
    timeout: float = DEFAULT_FETCH_TIMEOUT,
) -> Page:
    """The document ``item`` names: a URL (fetched), an HTML file (``.html``/``.htm``, or content
    that starts like a page), or a UTF-8 text file. Its id is the URL or the path."""
    if is_url(item):
        return _read_url(str(item), max_chars, timeout)
    path = Path(item)
    if path.suffix.lower() in HTML_SUFFIXES or _sniffs_as_html(path):
        try:
            raw = path.read_bytes()
        except OSError:
            return Page(Document.from_path(path, max_chars=max_chars))  # its clear message
        return page_from_html(raw, id=str(path), source=str(path), max_chars=max_chars)
    return Page(Document.from_path(path, max_chars=max_chars))


def _sniffs_as_html(path: Path) -> bool:
    try:
        with path.open("rb") as f:
            return looks_like_html(f.read(4096))
    except OSError:
        return False  # the text reader says what is wrong (missing, a folder, unreadable)


def _read_url(url: str, max_chars: int, timeout: float) -> Page:
    raw, content_type, charset = fetch(url, timeout=timeout)
    if content_type.startswith("text/plain"):
        text = raw.decode(charset or "utf-8", errors="replace")
        return Page(Document.from_text(text, id=url, source=url, max_chars=max_chars))
    if not (content_type in ("text/html", "application/xhtml+xml", "") or looks_like_html(raw)):
        raise InputError(
            f"{url} is {content_type}, not a web page.",
            "Pass the address of an article's HTML page, or save the text as .txt and pass it.",
        )
    # A charset the server declares wins over the page's own; without one trafilatura reads
    # the page's <meta charset> (or detects it).
    html: str | bytes = raw.decode(charset, errors="replace") if charset else raw
    return page_from_html(html, id=url, source=url, url=url, max_chars=max_chars)


def fetch(url: str, *, timeout: float = DEFAULT_FETCH_TIMEOUT) -> tuple[bytes, str, str | None]:
    """GET ``url`` (redirects followed): its body, media type and declared charset. Every
    failure is an :class:`InputError` naming the fix, so a corpus run records it for that
    document and goes on."""
    headers = {"User-Agent": _user_agent(), "Accept": "text/html,application/xhtml+xml,*/*;q=0.5"}
    try:
        with (
            httpx.Client(headers=headers, timeout=timeout, follow_redirects=True) as client,
            client.stream("GET", url) as response,
        ):
            if response.status_code >= 400:
                raise _status_error(url, response.status_code, response.reason_phrase)
            body = bytearray()
            for part in response.iter_bytes():
                body += part
                if len(body) > _MAX_PAGE_BYTES:
                    raise InputError(
                        f"{url} sent more than {_MAX_PAGE_BYTES // 2**20} MiB; not an article.",
                        "Check the address. " + _SAVE_IT,
                    )
            media = response.headers.get("content-type", "").split(";")[0].strip().lower()
            return bytes(body), media, response.charset_encoding
    except httpx.TimeoutException:
        raise InputError(
            f"Fetching {url} timed out (no answer within {timeout:g}s).",
            "Check the address and try again later. " + _SAVE_IT,
        ) from None
    except httpx.TooManyRedirects:
        raise InputError(
            f"{url} redirects in a loop.", "Check the address in a browser. " + _SAVE_IT
        ) from None
    except httpx.ConnectError as e:  # DNS failures are connect errors too
        raise InputError(
            f"Cannot connect to fetch {url} ({e or 'connection failed'}).",
            "Check the address and your network (and HTTPS_PROXY if you need a proxy). " + _SAVE_IT,
        ) from None
    except (httpx.HTTPError, httpx.InvalidURL) as e:
        raise InputError(f"Cannot fetch {url}: {e or type(e).__name__}.", _SAVE_IT) from None


def _status_error(url: str, status: int, reason: str) -> InputError:
    problem = f"{url} answered {status} {reason}".rstrip() + "."
    if status in (404, 410):
        return InputError(problem, "Check the address: the page is not there. " + _SAVE_IT)
    if status in (401, 403, 429, 451):
        return InputError(problem, "The site refuses this reader (or needs a login). " + _SAVE_IT)
    return InputError(problem, "The site failed; try again later. " + _SAVE_IT)


def _user_agent() -> str:
    # Sites block anonymous clients; a named one says who is reading.
    try:
        version = metadata.version("llm-extract")
    except metadata.PackageNotFoundError:
        version = "dev"
    return f"llm-extract/{version} (news article reader)"
