"""The review page's summary: counts over records, drawn as hand-made inline SVG bar charts."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from html import escape
from typing import Any

from llm_extract.render.rows import ReviewDocument

_BAR_HEIGHT = 18
_LABEL_WIDTH = 190
_BAR_WIDTH = 240
_MAX_BARS = 15


def event_type(record: dict[str, Any]) -> str:
    """The record's type for colouring and counting (``event_type``; else the first of
    ``type``/``category``; else "record")."""
    for key in ("event_type", "type", "category"):
        if isinstance(record.get(key), str) and record[key]:
            return str(record[key])
    return "record"


def _nested(record: dict[str, Any], *paths: tuple[str, ...]) -> Any:
    for path in paths:
        value: Any = record
        for key in path:
            value = value.get(key) if isinstance(value, dict) else None
        if value is not None:
            return value
    return None


def fatalities(record: dict[str, Any]) -> int:
    value = record.get("fatalities")
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def event_day(record: dict[str, Any]) -> str:
    value = _nested(record, ("event_date", "date"), ("date",), ("event_date",))
    return str(value) if isinstance(value, str) and value else "no date"


def place(record: dict[str, Any]) -> str:
    value = _nested(record, ("location", "place"), ("place",), ("location",))
    return str(value) if isinstance(value, str) and value else "no place"


def summary(docs: Iterable[ReviewDocument], colours: dict[str, str]) -> str:
    """Three charts: records by event type, fatalities by date, fatalities by place."""
    records = [r for d in docs for r in d.records]
    by_type = Counter(event_type(r) for r in records)
    by_day: Counter[str] = Counter()
    by_place: Counter[str] = Counter()
    for r in records:
        if n := fatalities(r):
            by_day[event_day(r)] += n
            by_place[place(r)] += n
    days = sorted(by_day.items(), key=lambda kv: (kv[0] == "no date", kv[0]))
    return "\n".join(
        [
            bar_chart("Records by event type", by_type.most_common(), colours),
            bar_chart(
                "Fatalities by date", days[-_MAX_BARS:], None, more=len(days), which="latest"
            ),
            bar_chart(
                "Fatalities by place", by_place.most_common(_MAX_BARS), None, more=len(by_place)
            ),
        ]
    )


def bar_chart(
    title: str,
    items: list[tuple[str, int]],
    colours: dict[str, str] | None,
    *,
    more: int = 0,
    which: str = "top",
) -> str:
    """A horizontal bar chart as an ``<svg>`` in a ``<figure>`` (labels escaped); ``more``: how
    many bars there were before the cut to ``items`` (``which`` ones are shown)."""
    caption = escape(title)
    if more > len(items):
        caption += escape(f" ({which} {len(items)} of {more})")
    if not items:
        return f'<figure class="chart"><figcaption>{caption}</figcaption><p>none</p></figure>'
    top = max(v for _, v in items) or 1
    height = _BAR_HEIGHT * len(items) + 4
    width = _LABEL_WIDTH + _BAR_WIDTH + 50
    rows = []
    for i, (label, value) in enumerate(items):
        y = i * _BAR_HEIGHT + 2
        bar = max(1, round(_BAR_WIDTH * value / top))
        colour = (colours or {}).get(label, "#5b7fa6")
        short = label if len(label) <= 30 else label[:29] + "…"
        rows.append(
            f"<g><title>{escape(label)}: {value}</title>"
            f'<text x="{_LABEL_WIDTH - 6}" y="{y + 13}" text-anchor="end">{escape(short)}</text>'
            f'<rect x="{_LABEL_WIDTH}" y="{y + 2}" width="{bar}" height="{_BAR_HEIGHT - 5}" '
            f'fill="{escape(colour)}"/>'
            f'<text x="{_LABEL_WIDTH + bar + 4}" y="{y + 13}">{value}</text></g>'
        )
    return (
        f'<figure class="chart"><figcaption>{caption}</figcaption>'
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'role="img" aria-label="{caption}">{"".join(rows)}</svg></figure>'
    )
