"""Date words in other languages ("mercredi", "el pasado martes", "3 марта", "أمس"), via dateparser.

:mod:`llm_extract.core.dates` owns the rules (a weekday is the latest one on or before
publication, a date without a year is the latest one not after it); this module only turns other
languages into words those rules read, and asks dateparser for what they do not cover. dateparser
is imported inside the functions: loading it and its locale data takes a good part of a second,
which ``import llm_extract`` should not pay for English-only runs.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import date, datetime
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from dateparser.languages.locale import Locale

Period = Literal["day", "week", "month", "year", "unknown"]
Resolver = Callable[[str, date | None], tuple[date | None, Period]]

#: Tried in this order when the document's language is unknown (English first, by the caller).
AUTO_LANGUAGES = ("en", "fr", "es", "ru", "ar", "pt", "de", "it", "uk", "tr")

_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "0123456789" * 2)
_NUMERIC = re.compile(r"(?<![\d/.-])\d{1,2}([/.-])\d{1,2}\1(?:\d{4}|\d{2})(?![\d/-])")
_YEAR = re.compile(r"\b\d{4}\b")
_DATE_WORD = re.compile(
    r"\b(ago|(mon|tues|wednes|thurs|fri|satur|sun)day|january|february|march|april|may|june"
    r"|july|august|september|october|november|december)\b"
)
_HOURS = re.compile(r"\b(hour|minute|second)s?\b")
_WEEKDAY = re.compile(r"\b(monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b")
# "mardi dernier", "el pasado martes", "в прошлую среду", "الثلاثاء الماضي": the English rules
# read "last tuesday" (a week back when publication is itself a Tuesday). dateparser's locales
# know these words only inside whole phrases ("la semaine dernière"), so they are listed here.
_LAST = re.compile(
    r"(?<!\w)(derni[eè]re?|pass[ée]e?|pasad[oa]|[uú]ltim[oa]|passad[oa]|scors[oa]|letzte[nr]?"
    r"|vergangene[nr]?|прошл\w*|минул\w*|الماضي[ةه]?|ge[çc]en|ge[çc]ti[ğg]imiz)(?!\w)"
)
# Month names dateparser's locales lack, as they come out of its translation (which drops the
# Arabic hamza and madda): the Levantine names of Syrian and Iraqi news, and Russian and Ukrainian
# "in March" (в марте, у березні), which the English rules read as "in march" ("may" alone
# they refuse: the verb). "آب" (August) only next to a number: it is also "father".
_LEVANTINE = {
    "january": "كانون الثاني", "february": "شباط", "march": "اذار", "april": "نيسان",
    "may": "ايار", "june": "حزيران", "july": "تموز", "august": r"(?<=\d )اب|اب(?= \d)",
    "september": "ايلول", "october": "تشرين الاول", "november": "تشرين الثاني",
    "december": "كانون الاول",
}  # fmt: skip
_IN_MONTH = {
    "january": "январе|січні", "february": "феврале|лютому", "march": "марте|березні",
    "april": "апреле|квітні", "may": "мае|травні", "june": "июне|червні", "july": "июле|липні",
    "august": "августе|серпні", "september": "сентябре|вересні", "october": "октябре|жовтні",
    "november": "ноябре|листопаді", "december": "декабре|грудні",
}  # fmt: skip
_EXTRA = [
    (re.compile(rf"(?<!\w)(?:{names})(?!\w)"), english)
    for table, prefix in ((_LEVANTINE, ""), (_IN_MONTH, "in "))
    for month, names in table.items()
    for english in [prefix + month]
]
# Arabic "the day before yesterday" (أول أمس, أول من أمس, قبل أمس) comes out as "اول 1 day ago":
# the English rules would read yesterday.
_BEFORE_YESTERDAY = re.compile(r"(?:اول(?: من)?|قبل) 1 day ago")
# A word of three ASCII letters or fewer is an English word as often as an abbreviation in some
# language ("so" is German Sunday, "ago" Spanish August, "may" Spanish May): with the language
# unknown, such words alone do not pick a language.
_TELLING_WORD = re.compile(r"[^\W\d_]{4,}|[^\W\d_a-z]")


def resolve_in(
    text: str, published: date | None, language: str | None, english: Resolver
) -> Iterator[tuple[date | None, Period]]:
    """Readings of lower-cased ``text``, best first; ``english`` applies the English rules.

    ``language`` None means unknown (as does one dateparser does not know): the caller has
    tried English, and the other languages of :data:`AUTO_LANGUAGES` whose date words make up
    the whole expression are tried in order, as dateparser's own detection does. A known
    language is read more leniently: its date words anywhere ("mercredi soir", a sentence).
    With ``"en"`` only numeric dates are read here.
    """
    text = text.translate(_DIGITS)
    years = {int(y) for y in _YEAR.findall(text)}
    for day, precision in _readings(text, published, language, english):
        # "1992 - septiembre" is not September of the publication year.
        if day is not None and (not years or day.year in years):
            yield day, precision


def _readings(
    text: str, published: date | None, language: str | None, english: Resolver
) -> Iterator[tuple[date | None, Period]]:
    locales = _locales(language) if language != "en" else []
    known = bool(locales)
    if m := _NUMERIC.search(text):
        yield _numeric(m.group(0), published, dmy_only=known)
    if language == "en":
        return
    if not known:
        locales = _applicable(text)
    translations = [_english_words(locale, text) for locale in locales]
    for translated in translations:
        yield english(translated, published)
    # dateparser reads what the English rules do not ("1 week ago", "en mai"), but also counts
    # and durations ("deux", "20 minutes"): only words that name a day, month or "ago" count.
    # Hours ago, counted back from midnight (the publication time is unknown), would give the
    # day before; the English rules leave "3 hours ago" unresolved too.
    if any(_DATE_WORD.search(t) and not _HOURS.search(t) for t in translations):
        yield _parsed(text, published, [loc.shortname for loc in locales])


def _applicable(text: str) -> list[Locale]:
    """The other languages of :data:`AUTO_LANGUAGES` that the whole of ``text`` is date words of."""
    from dateparser.conf import settings
    from dateparser.languages.loader import default_loader

    if not _TELLING_WORD.search(text):
        return []
    others = [lang for lang in AUTO_LANGUAGES if lang != "en"]
    found = default_loader.get_locale_map(languages=others, use_given_order=True).values()
    return [loc for loc in found if loc.is_applicable(text, settings=settings)]


def _locales(language: str | None) -> list[Locale]:
    """The locale of a language dateparser knows; none for None or one it does not know."""
    from dateparser.languages.loader import default_loader

    if language is None:
        return []
    try:
        return list(default_loader.get_locale_map(languages=[language]).values())
    except ValueError:
        return []


def _english_words(locale: Locale, text: str) -> str:
    """``text`` with the locale's date words in English ("hier" -> "1 day ago")."""
    from dateparser.conf import settings

    translated = locale.translate(text, keep_formatting=True, settings=settings)
    for pattern, month in _EXTRA:
        translated = pattern.sub(month, translated)
    translated = _BEFORE_YESTERDAY.sub("2 day ago", translated)
    if _LAST.search(translated):
        translated = _WEEKDAY.sub(r"last \1", _LAST.sub(" ", translated))
    return " ".join(translated.split())


def _numeric(words: str, published: date | None, *, dmy_only: bool) -> tuple[date | None, Period]:
    """A dd/mm/yyyy date. Day first: the languages of :data:`AUTO_LANGUAGES` other than English
    write dates so, and so do the English news of the development data (every numeric date in
    it, 6 of 6, is day first: "29/8/2012", "6/02/2015"). English (or an unknown language) reads
    month first only when day first would put the date after publication and month first not
    (US style, "08/09/2019" published 21 August), or day first is impossible ("05/25/2020")."""
    day_first = _dateparser(words, published, [], "DMY")
    if dmy_only or (day_first is not None and (published is None or day_first[0] <= published)):
        return day_first or (None, "unknown")
    month_first = _dateparser(words, published, [], "MDY")
    if month_first is not None and (published is None or month_first[0] <= published):
        return month_first
    return day_first or month_first or (None, "unknown")


def _parsed(text: str, published: date | None, languages: list[str]) -> tuple[date | None, Period]:
    """dateparser's reading of the whole expression ("hace 3 días", "в марте 2019 года")."""
    stated_year = _YEAR.search(text) is not None
    if published is None and not stated_year:
        return None, "unknown"  # relative words need the publication date
    found = _dateparser(text, published, languages, "DMY")
    if found is None or (published is not None and found[0] > published and not stated_year):
        # A date after publication from words without a year is a forward-looking phrase
        # ("demain", "la semaine prochaine"), which the English rules leave unresolved too.
        return None, "unknown"
    return found


def _dateparser(
    text: str, published: date | None, languages: list[str], order: Literal["DMY", "MDY"]
) -> tuple[date, Period] | None:
    from dateparser.date import DateDataParser

    base = datetime.combine(published, datetime.min.time()) if published else datetime.now()
    settings = {
        "RELATIVE_BASE": base,
        "PREFER_DATES_FROM": "past",
        "DATE_ORDER": order,
        "PREFER_DAY_OF_MONTH": "first",
        # Not "timestamp" or "no-spaces-time": a bare number is a count, not a date.
        "PARSERS": ["relative-time", "custom-formats", "absolute-time"],
    }
    parser = DateDataParser(languages=languages or ["en"], use_given_order=True, settings=settings)
    try:
        data = parser.get_date_data(text)
    except (ValueError, OverflowError):  # out-of-range parts ("31/02/2020") on some paths
        return None
    if data.date_obj is None or data.period == "time":  # hours and minutes ago: no day
        return None
    day = data.date_obj.date()
    if data.period == "year":
        return day.replace(month=1, day=1), "year"
    if data.period == "month":
        return day.replace(day=1), "month"
    if data.period == "week":
        return day, "week"
    return day, "day"
