"""Resolve the model's date expression ("on Wednesday", "2 May 2020") against the publication date.

Doing this in code, not in the model, is both more accurate for small models and checkable. The
rules here read English; :mod:`llm_extract.core.dates_multilingual` brings other languages to them.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Literal

from llm_extract.core.dates_multilingual import resolve_in

Precision = Literal["day", "week", "month", "year", "unknown"]

_MONTHS = {
    m: i + 1
    for i, names in enumerate(
        [("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"),
         ("may",), ("june", "jun"), ("july", "jul"), ("august", "aug"),
         ("september", "sep", "sept"), ("october", "oct"), ("november", "nov"),
         ("december", "dec")]
    )
    for m in names
}  # fmt: skip
_WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_ABBREVIATIONS = {m for m in _MONTHS if len(m) <= 4 and m not in ("may", "june", "july")}
_MONTH_RE = "|".join(sorted(_MONTHS, key=len, reverse=True))

_ISO = re.compile(r"\b(\d{4})-(\d{1,2})(?:-(\d{1,2}))?\b")
_DAY_MONTH = re.compile(
    rf"\b(\d{{1,2}})(?:st|nd|rd|th)?(?:\s+of)?\s+({_MONTH_RE})\.?(?:,?\s+(\d{{4}}))?\b"
)
_MONTH_DAY = re.compile(rf"\b({_MONTH_RE})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s+(\d{{4}}))?")
_MONTH_YEAR = re.compile(rf"\b({_MONTH_RE})\.?(?:\s+(\d{{4}}))?\b")
_DAYS_AGO = re.compile(r"\b(\d+|two|three|four|five|six|seven)\s+days?\s+ago\b")
_SMALL = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7}


_FINE = ("day", "week", "month")


def resolve_date(
    expression: str, published: date | None, language: str | None = None
) -> tuple[date | None, Precision]:
    """Best date and its precision; ``(None, "unknown")`` when the words do not fix a date.

    ``language`` is the document's (ISO 639-1, "fr"); None when unknown, and then English is
    tried first and a few common news languages after it.
    """
    text = expression.lower().strip()
    if not text:
        return None, "unknown"
    lang = language.lower().replace("_", "-").split("-")[0] if language else None
    english = lang in (None, "en")
    # Unknown or English: the English rules first. Another language: its own words first and
    # the English rules last (see resolve_in). A bare year (the English rules read "10/03/2024"
    # as 2024) is kept only when nothing reads more.
    first = _english(text, published) if english else None
    if first is not None and first[1] in _FINE:
        return first
    year: tuple[date | None, Precision] | None = first if first and first[0] else None
    for found in resolve_in(text, published, lang, _english):
        if found[1] in _FINE:
            return found
        year = year or (found if found[0] else None)
    return year or (None, "unknown")


def _english(text: str, published: date | None) -> tuple[date | None, Precision]:
    """The English rules, on lower-cased ``text``."""
    if m := _ISO.search(text):
        year, month = int(m.group(1)), int(m.group(2))
        if m.group(3):
            return _safe(year, month, int(m.group(3))), "day"
        return _safe(year, month, 1), "month"
    if m := _DAY_MONTH.search(text):
        return _with_year(int(m.group(1)), _MONTHS[m.group(2)], m.group(3), published)
    if m := _MONTH_DAY.search(text):
        return _with_year(int(m.group(2)), _MONTHS[m.group(1)], m.group(3), published)

    if published is not None:
        relative = _relative(text, published)
        if relative is not None:
            return relative

    for m in _MONTH_YEAR.finditer(text):
        if not m.group(2) and not _lone_month(m, text):
            continue
        month = _MONTHS[m.group(1)]
        in_year = int(m.group(2)) if m.group(2) else _infer_year(month, 1, published)
        if in_year is None:
            return None, "unknown"
        return _safe(in_year, month, 1), "month"
    if m := re.search(r"\b(19|20)\d{2}\b", text):
        return _safe(int(m.group(0)), 1, 1), "year"
    return None, "unknown"


def _lone_month(m: re.Match[str], text: str) -> bool:
    """Whether a month word without a day or a year names a month where it stands.

    "May" is too ambiguous with the verb, and an abbreviation with other words ("Jan Egeland",
    "Sept personnes", "en el mar"): they need a qualifier before them, or to be the whole
    expression (the abbreviation). A full name counts anywhere.
    """
    word = m.group(1)
    if word != "may" and word not in _ABBREVIATIONS:
        return True
    if re.search(r"\b(early|mid|late|in)\W+$", text[: m.start()]):
        return True
    return word != "may" and not re.search(r"[^\W\d_]", text[: m.start()] + text[m.end() :])


def _relative(text: str, published: date) -> tuple[date | None, Precision] | None:
    if re.search(r"\b(today|tonight|this (morning|afternoon|evening))\b", text):
        return published, "day"
    if re.search(r"\b(yesterday|last night)\b", text):
        return published - timedelta(days=1), "day"
    if m := _DAYS_AGO.search(text):
        n = _SMALL.get(m.group(1)) or int(m.group(1))
        return published - timedelta(days=n), "day"
    for i, name in enumerate(_WEEKDAYS):
        if re.search(rf"\b{name}", text):
            back = (published.weekday() - i) % 7
            if "last " + name in text and back == 0:
                back = 7
            return published - timedelta(days=back), "day"
    if re.search(r"\b(last|past|previous) week\b", text):
        return published - timedelta(days=7), "week"
    if re.search(r"\bthis week\b", text):
        return published, "week"
    if re.search(r"\blast month\b", text):
        first = published.replace(day=1) - timedelta(days=1)
        return first.replace(day=1), "month"
    if re.search(r"\bthis month\b", text):
        return published.replace(day=1), "month"
    return None


def _infer_year(month: int, day: int, published: date | None) -> int | None:
    """A date without a year is the latest one not after publication."""
    if published is None:
        return None
    candidate = _safe(published.year, month, day)
    if candidate is not None and candidate > published:
        return published.year - 1
    return published.year


def _with_year(
    day: int, month: int, year: str | None, published: date | None
) -> tuple[date | None, Precision]:
    y: int | None = int(year) if year else _infer_year(month, day, published)
    if y is None:
        return None, "unknown"
    d = _safe(y, month, day)
    return (d, "day") if d else (None, "unknown")


def _safe(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None
