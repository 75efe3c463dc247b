"""HTML pages as corpus inputs (issue 30): is the text read from a saved news page its article,
all of it and nothing else, and does reading pages slow a corpus run down?

    python benchmarks/html_inputs.py [--pages 10000] [--raw]

The pages (``benchmarks/data/html/*.html``) are written as real sites lay them out: a wire
story, a regional WordPress site with reader comments, a broadsheet with an inline newsletter
promo, a paywalled French daily, a legacy table layout in windows-1252, and an AMP page; each
has a consent banner, navigation, related links and, most, comments. Beside each,
``<page>.json`` holds its article paragraphs (``article``), what may go either way (headline,
standfirst, byline, caption: ``either``) and the publication date.

1. Quality, per page: the text :func:`llm_extract.inputs.sources.read_source` reads (what
   every corpus run and ``extract`` take) must hold every sentence of ``article`` and no
   boilerplate sentence. Boilerplate is every other text of the page, found from its markup
   (each text node, cut into sentences; four words or more, so that a menu's "World" does not
   count as found in an article about the world), so nothing is left to a hand-made list.
2. Speed: ``--pages`` files (the pages repeated, each copy made unique by a comment so no cache
   helps) in a folder, read by :func:`llm_extract.read_corpus` as a run reads them, against the
   same number of ``.txt`` files holding the same articles' text (the baseline, same run).
   Prints pages per second for each and the ratio.

``--raw`` reads the pages with trafilatura alone, without the tidying of
:mod:`llm_extract.inputs.html_clean` (consent layers, inline link promos, ``<br><br>``
paragraphs), to show what that step is for. The title each page gets is shown beside its
expected one (``title`` in the JSON), not scored.

No model is needed. Writes the numbers to ``benchmarks/out/html_inputs.json`` too.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
import tempfile
import time
import unicodedata
from pathlib import Path
from typing import Any

from llm_extract import read_corpus
from llm_extract.inputs.sources import read_source

ROOT = Path(__file__).resolve().parent.parent
PAGES = ROOT / "benchmarks" / "data" / "html"
OUT = ROOT / "benchmarks" / "out" / "html_inputs.json"
# A sentence ends at . ! ? (and closing quotes) before a space; good enough for these pages.
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"”»’)]?\s+")
_MIN_WORDS = 4
_NOT_SHOWN = ("script", "style", "noscript", "template")


def norm(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


def sentences(text: str) -> list[str]:
    return [s for s in (norm(x) for x in _SENTENCE_END.split(norm(text))) if s]


def boilerplate(raw: bytes, keep: list[str]) -> list[str]:
    """Every sentence of the page's text nodes (4 words or more) that is not in ``keep``."""
    import lxml.html  # trafilatura's own parser: installed with it

    tree = lxml.html.fromstring(raw)
    for bad in tree.iter(*_NOT_SHOWN):
        bad.drop_tree()
    kept = [norm(k) for k in keep]
    found: list[str] = []
    for node in tree.iter():
        if not isinstance(node.tag, str):
            continue  # comments, processing instructions
        for text in (node.text, node.tail):
            for sentence in sentences(text or ""):
                if len(sentence.split()) < _MIN_WORDS or any(sentence in k for k in kept):
                    continue
                found.append(sentence)
    return list(dict.fromkeys(found))


def check_page(html: Path) -> dict[str, Any]:
    expected = json.loads(html.with_suffix(".json").read_text(encoding="utf-8"))
    page = read_source(html)
    text = norm(page.document.text)
    wanted = [s for p in expected["article"] for s in sentences(p)]
    missing = [s for s in wanted if s not in text]
    noise = boilerplate(html.read_bytes(), expected["article"] + expected.get("either", []))
    leaked = [s for s in noise if s in text]
    return {
        "page": html.stem,
        "layout": expected["site"],
        "article_sentences": len(wanted),
        "missing": missing,
        "boilerplate_sentences": len(noise),
        "leaked": leaked,
        "published": page.published,
        "expected_published": expected.get("published"),
        "title": page.title,
        "expected_title": expected.get("title"),
        "chars": len(page.document.text),
        "ok": not missing and not leaked,
    }


def make_copies(folder: Path, n: int) -> tuple[Path, Path]:
    """``n`` unique HTML pages and ``n`` text files of the same articles, in two folders."""
    html_dir, text_dir = folder / "html", folder / "txt"
    html_dir.mkdir()
    text_dir.mkdir()
    pages = sorted(PAGES.glob("*.html"))
    sources = [(p.read_bytes(), json.loads(p.with_suffix(".json").read_text())) for p in pages]
    for i in range(n):
        raw, expected = sources[i % len(sources)]
        marker = f"<!-- copy {i} -->".encode()
        (html_dir / f"{i:05d}.html").write_bytes(raw.replace(b"<head>", b"<head>" + marker, 1))
        article = "\n\n".join(expected["article"]) + f"\n\nCopy {i}.\n"
        (text_dir / f"{i:05d}.txt").write_text(article, encoding="utf-8")
    return html_dir, text_dir


def timed_read(folder: Path) -> tuple[float, int, int]:
    started = time.perf_counter()
    jobs = read_corpus([folder])
    seconds = time.perf_counter() - started
    failed = sum(1 for j in jobs if j.document is None)
    chars = sum(len(j.document.text) for j in jobs if j.document is not None)
    return seconds, failed, chars


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=10_000, help="pages read for the speed run")
    parser.add_argument("--raw", action="store_true", help="trafilatura alone (no tidying)")
    args = parser.parse_args()
    if args.raw:
        from llm_extract.inputs import html

        html.tidy = lambda tree: tree  # type: ignore[assignment]

    how = "trafilatura alone, --raw" if args.raw else "read_source"
    print(f"1. Main text of each saved page ({how}):")
    checks = [check_page(p) for p in sorted(PAGES.glob("*.html"))]
    for c in checks:
        date = "date ok" if c["published"] == c["expected_published"] else (
            f"date {c['published']} (page says {c['expected_published']})")  # fmt: skip
        print(
            f"  {'PASS' if c['ok'] else 'FAIL'} {c['page']:16} article sentences "
            f"{c['article_sentences'] - len(c['missing'])}/{c['article_sentences']}, "
            f"boilerplate sentences leaked {len(c['leaked'])}/{c['boilerplate_sentences']}, "
            f"{c['chars']} chars, {date}"
        )
        if c["title"] != c["expected_title"]:
            print(f"       title:   {c['title']!r} (the page's headline: {c['expected_title']!r})")
        for s in c["missing"]:
            print(f"       missing: {s[:110]}")
        for s in c["leaked"]:
            print(f"       leaked:  {s[:110]}")
    passed = sum(c["ok"] for c in checks)
    print(f"  {passed}/{len(checks)} pages hold every article sentence and no boilerplate one.")

    print(f"\n2. Reading {args.pages:,} files as a corpus run does (read_corpus on a folder):")
    folder = Path(tempfile.mkdtemp(prefix="html-bench-"))
    try:
        html_dir, text_dir = make_copies(folder, args.pages)
        txt_s, txt_failed, _ = timed_read(text_dir)
        html_s, html_failed, html_chars = timed_read(html_dir)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    speed = {
        "pages": args.pages,
        "html_seconds": round(html_s, 3),
        "html_pages_per_second": round(args.pages / html_s, 1),
        "html_ms_per_page": round(1000 * html_s / args.pages, 3),
        "html_chars_per_page": round(html_chars / args.pages),
        "html_failed": html_failed,
        "txt_seconds": round(txt_s, 3),
        "txt_pages_per_second": round(args.pages / txt_s, 1),
        "txt_ms_per_page": round(1000 * txt_s / args.pages, 3),
        "txt_failed": txt_failed,
        "ratio_html_to_txt_time": round(html_s / txt_s, 2),
    }
    print(
        f"  .html: {html_s:.1f} s, {speed['html_pages_per_second']} pages/s "
        f"({speed['html_ms_per_page']} ms a page, {speed['html_chars_per_page']} chars of "
        f"article text a page, {html_failed} failed)"
    )
    print(
        f"  .txt baseline: {txt_s:.2f} s, {speed['txt_pages_per_second']} files/s "
        f"({speed['txt_ms_per_page']} ms a file, {txt_failed} failed)"
    )
    print(f"  ratio: reading a page takes {speed['ratio_html_to_txt_time']}x reading its text.")
    OUT.parent.mkdir(exist_ok=True)
    out = OUT.with_name("html_inputs.raw.json") if args.raw else OUT
    out.write_text(json.dumps({"pages": checks, "speed": speed}, indent=2, ensure_ascii=False))
    print(f"\nWrote {out.relative_to(ROOT)}")
    return 0 if passed == len(checks) else 1


if __name__ == "__main__":
    sys.exit(main())
