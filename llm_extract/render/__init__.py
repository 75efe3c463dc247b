"""The review page (``llm-extract render RESULTS.jsonl -o review.html``).

Reads result rows only (the JSONL of ``extract -o``, and the source texts they name); it never
imports the extractor or a backend. :func:`write_review` is the front door.
"""

from __future__ import annotations

from llm_extract.render.page import ReviewSummary, render_html, write_review
from llm_extract.render.rows import ReviewDocument, load_documents, read_rows

__all__ = [
    "ReviewDocument",
    "ReviewSummary",
    "load_documents",
    "read_rows",
    "render_html",
    "write_review",
]
