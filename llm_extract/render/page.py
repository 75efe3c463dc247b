"""The review page: one self-contained HTML file (inline CSS, JS and SVG; no external assets).

The documents travel as JSON inside the page (every ``<``, ``>`` and ``&`` escaped, so no text
can close the script element) and the page's script builds one page of documents at a time
with DOM text nodes, so untrusted text is never parsed as HTML and a page of 1,000 documents
opens as fast as one of 20. Each text is cut in Python into pieces at every evidence boundary,
each piece listing the records whose evidence covers it: the browser joins pieces and never
computes an offset (JavaScript counts UTF-16 units, Python code points).
"""

from __future__ import annotations

import itertools
import json
import re
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any

from llm_extract.errors import OutputFileError
from llm_extract.render.charts import event_type, summary
from llm_extract.render.rows import ReviewDocument, Span, is_evidence, load_documents

_ASSETS = Path(__file__).with_name("assets")
_MARKER = re.compile(r"\{\{(\w+)\}\}")
#: Colours for event types, in order of first use (sorted type names); then they repeat.
PALETTE = (
    "#f4a261", "#8ecae6", "#90be6d", "#c77dff", "#ffd166", "#f28482", "#84a59d", "#a3c4f3",
    "#d4a373", "#b5e48c", "#ff99c8", "#e9c46a",
)  # fmt: skip


@dataclass
class ReviewSummary:
    documents: int
    records: int
    skipped: int  # documents whose extraction failed (listed on the page, nothing to show)


def pieces(text: str, spans: list[list[Span]]) -> list[tuple[str, list[int]]]:
    """``text`` cut at every span boundary: (piece, indexes of the records covering it).

    The pieces join back to ``text`` exactly.
    """
    cuts = {0, len(text)}
    for record_spans in spans:
        for s in record_spans:
            cuts.update((s.start, s.end))
    bounds = sorted(cuts)
    out: list[tuple[str, list[int]]] = []
    for a, b in itertools.pairwise(bounds):
        covering = [i for i, rs in enumerate(spans) if any(s.start <= a and b <= s.end for s in rs)]
        if out and out[-1][1] == covering:
            out[-1] = (out[-1][0] + text[a:b], covering)
        else:
            out.append((text[a:b], covering))
    return out


def flat_fields(record: dict[str, Any], prefix: str = "") -> dict[str, str]:
    """A record's fields as ``dotted.name -> text`` (evidence left out: it is highlighted)."""
    out: dict[str, str] = {}
    for key, value in record.items():
        name = f"{prefix}{key}"
        if is_evidence(value):
            continue
        if isinstance(value, dict):
            out.update(flat_fields(value, name + "."))
        elif isinstance(value, list):
            out[name] = "; ".join(v if isinstance(v, str) else json.dumps(v) for v in value)
        else:
            out[name] = "" if value is None else str(value)
    return out


def type_colours(docs: list[ReviewDocument]) -> dict[str, str]:
    types = sorted({event_type(r) for d in docs for r in d.records})
    return {t: PALETTE[i % len(PALETTE)] for i, t in enumerate(types)}


def page_data(docs: list[ReviewDocument], colours: dict[str, str]) -> list[dict[str, Any]]:
    """What the page's script renders: per document its pieces, columns and record rows."""
    out = []
    for doc in docs:
        fields = [flat_fields(r) for r in doc.records]
        columns = list(dict.fromkeys(k for f in fields for k in f))
        records = [
            {
                "type": event_type(r),
                "colour": colours.get(event_type(r), PALETTE[0]),
                "values": [f.get(c, "") for c in columns],
                "evidence": [f"{s.start}–{s.end}" for s in spans],
                "review": doc.flags.get(n, []),
            }
            for n, (r, f, spans) in enumerate(zip(doc.records, fields, doc.spans, strict=True))
        ]
        out.append(
            {
                "id": doc.document_id,
                "source": doc.source,
                "status": doc.status,
                "error": doc.error,
                "failedSpans": [f"{a}–{b}" for a, b in doc.failed_spans],
                "language": doc.language,
                "dropped": doc.dropped,
                "notes": doc.notes,
                "pieces": pieces(doc.text, doc.spans),
                "columns": columns,
                "records": records,
            }
        )
    return out


def script_json(data: Any) -> str:
    """JSON safe inside ``<script type="application/json">``: no ``<``, ``>`` or ``&``."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def render_html(docs: list[ReviewDocument], *, title: str, page_size: int = 20) -> str:
    """The whole review page for these documents."""
    colours = type_colours(docs)
    n_records = sum(len(d.records) for d in docs)
    failed = sum(d.status == "error" for d in docs)
    legend = "".join(
        f'<span class="key"><i style="background:{escape(c)}"></i>{escape(t)}</span>'
        for t, c in colours.items()
    )
    head = (
        f"{len(docs)} document(s), {n_records} record(s)"
        + (f", {failed} failed document(s)" if failed else "")
        + f"; {page_size} documents per page."
    )
    data = {"pageSize": max(1, page_size), "docs": page_data(docs, colours)}
    values = {
        "title": escape(title),
        "head": escape(head),
        "legend": legend,
        "summary": summary(docs, colours),
        "css": (_ASSETS / "review.css").read_text(encoding="utf-8"),
        "data": script_json(data),
        "js": (_ASSETS / "review.js").read_text(encoding="utf-8"),
    }
    # One pass over the template: text inserted for one marker is never searched for another.
    template = (_ASSETS / "review.html").read_text(encoding="utf-8")
    return _MARKER.sub(lambda m: values[m[1]], template)


def write_review(results: str | Path, output: str | Path, *, page_size: int = 20) -> ReviewSummary:
    """Read ``extract -o`` results and write the review page to ``output``."""
    results, output = Path(results), Path(output)
    docs = load_documents(results)
    html = render_html(docs, title=f"Review: {results.name}", page_size=page_size)
    if not output.parent.is_dir():
        raise OutputFileError(
            f"The folder {output.parent} (for {output.name}) does not exist.",
            "Create it, or pass another -o.",
        )
    try:
        output.write_text(html, encoding="utf-8")
    except OSError as e:
        problem = f"Cannot write {output}: {e.strerror or e}."
        raise OutputFileError(problem, "Pass another -o.") from e
    return ReviewSummary(
        documents=len(docs),
        records=sum(len(d.records) for d in docs),
        skipped=sum(d.status == "error" for d in docs),
    )
