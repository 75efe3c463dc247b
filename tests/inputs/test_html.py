"""HTML pages, URLs and folders as inputs (issue 30): the article's text, not its markup; the
page's date when the run gives none; fetch errors as per-document errors; recursive folders."""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from llm_extract import Document, Extractor, InputError
from llm_extract.inputs.corpus import folder_files, iter_jobs
from llm_extract.inputs.sources import is_url, read_source
from llm_extract.testing.loopback import LoopbackHTTPServer

SCRIPT = "trackPageView"
PARAGRAPHS = [
    "Fighting broke out on Monday near the old Tripoli international airport between forces "
    "loyal to the Government of National Accord and fighters of the Libyan National Army. "
    "Residents said heavy artillery could be heard through the night.",
    "At least four civilians were killed and eleven wounded when a shell struck a house in the "
    "Qasr bin Ghashir district, a health ministry spokesman said. Gen. Haftar's forces denied "
    "targeting residential areas.",
    "The United Nations mission called for an immediate ceasefire and said it was deeply "
    "concerned by the escalation. Aid agencies reported that hundreds of families had fled "
    "towards the city centre.",
]
ARTICLE = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Clashes near Tripoli airport | Daily Wire</title>
<script>window.dataLayer = []; function {SCRIPT}() {{ console.log("pixel fired"); }}</script>
<style>body {{ font-family: sans-serif; }}</style></head>
<body>
<nav><ul><li><a href="/">Home</a></li><li><a href="/world">World news</a></li>
<li><a href="/subscribe">Subscribe to our newsletter today</a></li></ul></nav>
<article>
<h1>Clashes near Tripoli airport</h1>
<p class="byline">By Staff Reporter, <time datetime="2024-03-12T08:15:00Z">12 March</time></p>
{"".join(f"<p>{p}</p>{chr(10)}" for p in PARAGRAPHS)}</article>
<footer><p>Copyright Daily Wire. All rights reserved.</p><script>{SCRIPT}();</script></footer>
</body></html>
"""
NAV_ONLY = "<!doctype html><html><body><nav><a href='/'>Home</a></nav></body></html>"


def test_an_html_file_is_its_article_text_title_and_date(tmp_path: Path) -> None:
    path = tmp_path / "article.html"
    path.write_text(ARTICLE, encoding="utf-8")
    page = read_source(path)
    doc = page.document
    quotes = [s.text for s in doc.sentences]
    assert not any(SCRIPT in q or "dataLayer" in q or "DOCTYPE" in q for q in quotes)
    assert not any("Subscribe" in q or "Copyright" in q for q in quotes)  # boilerplate
    assert "Gen. Haftar's forces denied targeting residential areas." in quotes
    assert all(p in doc.text for p in PARAGRAPHS) and "\n\n".join(PARAGRAPHS) in doc.text
    assert (page.title, page.published, doc.id) == (
        "Clashes near Tripoli airport",
        "2024-03-12",
        str(path),
    )


def test_html_content_is_sniffed_and_plain_text_reader_refuses_it(tmp_path: Path) -> None:
    saved = tmp_path / "saved.txt"  # a page saved under a text name
    saved.write_text(ARTICLE, encoding="utf-8")
    assert SCRIPT not in read_source(saved).document.text
    assert read_source(saved).published == "2024-03-12"
    for path in (saved, tmp_path / "a.htm"):
        path.write_text(ARTICLE, encoding="utf-8")
        with pytest.raises(InputError, match="HTML page") as info:
            Document.from_path(path)  # as text, the script would be citable
        assert "read_source" in str(info.value.fix)
    plain = tmp_path / "plain.md"
    plain.write_text("Rebels attacked a <b>town</b> on Monday.", encoding="utf-8")
    assert read_source(plain).document.text.startswith("Rebels")  # markup inside text is text
    assert read_source(plain).published is None


def test_a_page_without_article_text_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "index.html"
    path.write_text(NAV_ONLY, encoding="utf-8")
    with pytest.raises(InputError, match="no article text") as info:
        read_source(path)
    assert "save the article text as .txt" in str(info.value.fix)


def test_the_runs_date_wins_over_the_pages(tmp_path: Path) -> None:
    path = tmp_path / "article.html"
    path.write_text(ARTICLE, encoding="utf-8")
    (job,) = iter_jobs([path], published=None, max_chars=60_000)
    assert job.published == "2024-03-12"
    assert job.metadata == {"title": "Clashes near Tripoli airport"}
    (job,) = iter_jobs([path], published="2024-03-14", max_chars=60_000)
    assert job.published == "2024-03-14"
    (text,) = iter_jobs([tmp_path], published=None, max_chars=60_000)  # the folder takes .html
    assert text.document is not None and SCRIPT not in text.document.text


def test_extract_file_reads_html_and_uses_the_pages_date(tmp_path: Path) -> None:
    from tests.fakes import FakeBackend, FakeServer

    path = tmp_path / "article.html"
    path.write_text(ARTICLE, encoding="utf-8")
    fake = FakeServer()
    fake.responder = lambda body: {"records": []}
    with Extractor(backend=FakeBackend(fake), strategy="single") as extractor:
        extractor.extract_file(path)
        extractor.extract_file(path, published="2024-03-14")
    asked = [
        m["content"] for r in fake.requests for m in r["messages"] if "[S1] Clashes" in m["content"]
    ]
    assert asked[0].startswith("Published: 2024-03-12\n") and SCRIPT not in asked[0]
    assert asked[-1].startswith("Published: 2024-03-14\n")


# --- URLs ---------------------------------------------------------------------------------


class _Site(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == "/old/123":
            self._send(301, b"", "text/html", location="/news/article-123")
        elif self.path == "/news/article-123":
            assert self.headers["User-Agent"].startswith("llm-extract/")
            self._send(200, ARTICLE.encode(), "text/html; charset=utf-8")
        elif self.path == "/report.pdf":
            self._send(200, b"%PDF-1.4", "application/pdf")
        elif self.path == "/slow":
            time.sleep(2)
            self._send(200, ARTICLE.encode(), "text/html")
        else:
            self._send(404, b"<html><body>Not here</body></html>", "text/html")

    def _send(self, status: int, body: bytes, kind: str, location: str | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        if location:
            self.send_header("Location", location)
        self.end_headers()
        # /slow: the client has given up waiting by then, as it should.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.wfile.write(body)

    def log_message(self, *args: object) -> None:  # keep the test output clean
        pass


@pytest.fixture
def site() -> Iterator[str]:
    """A news site on 127.0.0.1: its base URL (no internet needed)."""
    with LoopbackHTTPServer(_Site) as server:
        yield server.url.removesuffix("/v1")


def test_a_url_is_fetched_and_read_as_its_page(site: str) -> None:
    url = f"{site}/news/article-123"
    assert is_url(url) and not is_url(Path(url))  # a Path has already lost a slash
    page = read_source(url)
    assert page.document.id == url and page.document.source == url
    assert page.published == "2024-03-12" and SCRIPT not in page.document.text
    moved = read_source(f"{site}/old/123")  # redirects are followed; the id is what was given
    assert moved.document.id == f"{site}/old/123" and moved.document.text == page.document.text


def test_fetch_failures_are_document_errors_that_name_the_fix(site: str) -> None:
    urls = [f"{site}/news/article-123", f"{site}/gone", f"{site}/report.pdf",
            "http://127.0.0.1:9/news/article-123"]  # fmt: skip
    ok, gone, pdf, refused = iter_jobs(urls, published=None, max_chars=60_000)
    assert ok.document is not None and ok.error is None
    assert gone.document is None and gone.document_id == urls[1]
    assert isinstance(gone.error, InputError) and "answered 404" in gone.error.problem
    assert "Check the address" in str(gone.error.fix)
    assert pdf.error is not None and "application/pdf, not a web page" in str(pdf.error)
    assert refused.error is not None and f"Cannot connect to fetch {urls[3]}" in str(refused.error)
    with pytest.raises(InputError, match="timed out") as info:
        read_source(f"{site}/slow", timeout=0.3)
    assert "save the page as .html" in str(info.value.fix)


# --- folders ------------------------------------------------------------------------------


def test_folders_are_walked_recursively_in_order(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    files = {"b.txt": "Rebels attacked.", "a/z.md": "Police fired.", "a/y/page.HTML": ARTICLE,
             "c.htm": ARTICLE.replace("Tripoli", "Sirte"), "notes.pdf": "%PDF",
             "a/data.jsonl": "{}", ".git/x.txt": "hidden", "a/.DS_Store": ""}  # fmt: skip
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="llm_extract"):
        found = folder_files(tmp_path)
    assert [p.relative_to(tmp_path).as_posix() for p in found] == [
        "a/y/page.HTML", "a/z.md", "b.txt", "c.htm"
    ]  # fmt: skip
    assert "skipped 2 file(s) of other kinds (1 .jsonl, 1 .pdf)" in caplog.text
    jobs = list(iter_jobs([tmp_path], published=None, max_chars=60_000))
    assert [j.error for j in jobs] == [None] * 4 and jobs[0].published == "2024-03-12"


def test_a_folder_with_nothing_to_read_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"has no \.txt, \.md, \.html or \.htm files \(it is"):
        list(iter_jobs([tmp_path], published=None, max_chars=60_000))
    (tmp_path / "scan.pdf").write_bytes(b"%PDF")
    with pytest.raises(InputError, match=r"\(only 1 \.pdf\)") as info:
        folder_files(tmp_path)
    assert info.value.exit_code == 2 and info.value.fix
