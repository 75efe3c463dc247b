"""Date words in other languages ("mercredi", "el pasado martes", "3 марта", "أمس"), via dateparser.

:mod:`llm_extract.core.dates` owns the rules (a weekday is the latest one on or before
publication, a date without a year is the latest one not after it); this module only turns other
languages into words those rules read, and asks dateparser for what they do not cover. dateparser
is imported inside the functions: loading it and its locale data takes a good part of a second,
which ``import llm_extract`` and English text should not pay for.

Before translation, the month and weekday names that name no date where they stand are blanked
(see :func:`_masked`): abbreviations that are also common words ("sa maison", "en el mar", "ВС
РФ") count only next to a number, and a month name alone only after a word that introduces a date
("en mars", "في آذار") or when it is the whole expression ("sept personnes", "Rio de Janeiro",
"مارس الجيش ضغوطا" are no dates). The words per language are the tables below.
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

# Words right before a month name that make it a date without a day or a year ("en mars", "a
# mediados de marzo", "в начале марта", "في آذار"); without one, a lone month name is a noun or a
# name ("la planète Mars", "Plaza de Mayo"). Regular expressions, lower case.
_MONTH_AFTER = {
    "fr": r"en|depuis|dès|d[ée]but|fin|mi|courant|jusqu'(?:en|à|a)|mois\s+d[e']",
    "es": r"en|desde|hasta|durante|(?:principios|finales|fines|mediados|comienzos|inicios|mes)"
          r"\s+de",
    "pt": r"em|desde|até|durante|(?:início|inícios|final|finais|fim|meados|começo|mês)\s+de",
    "ru": r"с|со|до|к|(?:в\s+)?(?:начал[аеу]|конц[аеу]|середин[аеуы])|месяц[ае]",
    "uk": r"з|із|до|(?:на\s+)?початку|наприкінці|(?:в|у)\s+середині|кінці|місяці",
    "ar": r"و?(?:في|فى|منذ|خلال|حتى|شهر|مطلع|أوائل|اوائل|أواخر|اواخر|أواسط|منتصف|بداية|نهاية)",
    "de": r"im|seit|bis|ab|anfang|ende|mitte|monat",
    "it": r"a|ad|in|da|dal|fino\s+a|inizio|fine|metà|mese\s+di",
}  # fmt: skip
# Words right after one that do the same ("mars dernier", "مارس الماضي", Turkish "Mart ayında").
_MONTH_BEFORE = {
    "fr": r"derni[eè]re?|pass[ée]e?|prochaine?",
    "es": r"pasado|pr[oó]ximo|del\s+año|de\s+este\s+año",
    "pt": r"passado|próximo|deste\s+ano",
    "ar": r"الماضي|المقبل|القادم|من\s+(?:العام|هذا\s+العام)",
    "tr": r"ay[ıi]nda|ay[ıi]|başında|sonunda|ortasında|'?[dt][ae]n?",
}  # fmt: skip
# Month names dateparser's locales lack, as the locale's own names: Levantine (Syrian, Iraqi,
# Lebanese news) and Maghreb Arabic. "آب" (August) only next to a number: it is also "father".
_MONTH_SYNONYMS = {
    "ar": {
        "كانون الثاني": "يناير", "شباط": "فبراير", "آذار": "مارس", "نيسان": "أبريل",
        "أيار": "مايو", "حزيران": "يونيو", "تموز": "يوليو", r"(?<=\d )آب|آب(?= \d)": "أغسطس",
        "أيلول": "سبتمبر", "تشرين الأول": "أكتوبر", "تشرين الثاني": "نوفمبر",
        "كانون الأول": "ديسمبر", "جانفي": "يناير", "فيفري": "فبراير", "أفريل": "أبريل",
        "ماي": "مايو", "جوان": "يونيو", "جويلية": "يوليو", "أوت": "أغسطس",
    },
}  # fmt: skip
# Number words from two to ten that dateparser's locales lack ("hace dos días", "há três dias",
# "قبل ثلاثة أيام"); Arabic "two" is left out: اثنين is also Monday, and "two days" is يومين.
_NUMBER_WORDS = {
    "es": "dos tres cuatro cinco seis siete ocho nueve diez",
    "pt": "dois|duas três quatro cinco seis sete oito nove dez",
    "ar": "- ثلاثة|ثلاث أربعة|أربع خمسة|خمس ستة|ست سبعة|سبع ثمانية|ثماني تسعة|تسع عشرة|عشر",
}
# Phrases of a day or year, as the English rules say them ("this morning" is the publication day,
# "last night" the day before) or as the locale does: dateparser's locales do not know them.
_PHRASES = {
    "fr": {r"ce matin|cet? apr[eè]s-midi|ce soir": "this morning",
           r"la nuit derni[eè]re|hier soir|hier dans la nuit": "last night",
           r"l'an (?:dernier|pass[ée])": "l'année dernière"},
    "es": {r"esta (?:mañana|tarde|noche)|hoy por la (?:mañana|tarde|noche)": "this morning",
           r"anoche|ayer por la noche": "last night", "anteanoche": "2 days ago"},
    "pt": {r"esta (?:manhã|tarde|noite)|hoje de manhã": "this morning",
           r"ontem à noite|na noite passada": "last night"},
    "ru": {r"этим утром|сегодня (?:утром|днём|днем|вечером)": "this morning",
           r"прошлой ночью|минувшей ночью|вчера (?:вечером|ночью)": "last night"},
    "ar": {r"أمس الأول|أول من أمس|أول أمس|قبل أمس": "2 days ago",
           r"هذا الصباح|(?:صباح|مساء|ظهر|فجر|ليلة) اليوم": "this morning",
           r"الليلة الماضية|(?:ليلة|مساء|صباح|فجر) (?:أمس|البارحة)|البارحة": "last night"},
}  # fmt: skip
# Names that read as dates ("Santo Domingo": Sunday; "Mardi gras": Tuesday).
_NAMES = {"es": r"santo domingo", "pt": r"santo domingo", "fr": r"mardi[ -]gras"}

_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "0123456789" * 2)
_ORDINAL = re.compile(r"(?<!\d)(\d{1,2})(?:º|°|ª|-?го)(?!\w)")  # "1º de mayo", "1-го марта"
_NUMERIC = re.compile(r"(?<![\d/.-])(\d{1,2})([/.-])(\d{1,2})\2(\d{4}|\d{2})(?![\d/-])")
_YEAR = re.compile(r"\b\d{4}\b")
# A month or weekday name beside a number: "3 mars", "3 de marzo", "mars 2019", "mer. 21 août".
_NUMBER_BEFORE = re.compile(r"\d[^\W\d_]{0,2}\.?,?\s*(?:(?:de|del|of)\s+)?$")
_NUMBER_AFTER = re.compile(r"\.?,?\s*(?:(?:de|del)\s+)?\d")
_LETTER = re.compile(r"[^\W\d_]")
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
# Russian and Ukrainian "in March" (в марте, у березні), after translation: the English rules
# read "in march" ("may" alone they refuse: the verb).
_IN_MONTH = {
    "january": "январе|січні", "february": "феврале|лютому", "march": "марте|березні",
    "april": "апреле|квітні", "may": "мае|травні", "june": "июне|червні", "july": "июле|липні",
    "august": "августе|серпні", "september": "сентябре|вересні", "october": "октябре|жовтні",
    "november": "ноябре|листопаді", "december": "декабре|грудні",
}  # fmt: skip
_LOCATIVE = [
    (re.compile(rf"(?<!\w)(?:{names})(?!\w)"), "in " + m) for m, names in _IN_MONTH.items()
]
# A word of three ASCII letters or fewer is an English word as often as an abbreviation in some
# language ("so" is German Sunday, "ago" Spanish August, "may" Spanish May): with the language
# unknown, such words alone do not pick a language.
_TELLING_WORD = re.compile(r"[^\W\d_]{4,}|[^\W\d_a-z]")
# English words that are no date word in any of those languages (a test checks it): text with
# one is not made only of another language's date words, and is not sent to dateparser's
# detection, which takes most of the time of English sentences with the language unknown.
ENGLISH_ONLY = ("the", "and", "of", "was", "were", "is", "are", "has", "have", "had", "been",
                "said", "with", "for", "that", "from", "by", "at", "to", "after", "who",
                "which", "their", "they", "killed", "people")  # fmt: skip
_ENGLISH_ONLY = re.compile(rf"\b(?:{'|'.join(ENGLISH_ONLY)})\b")
_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august",
           "september", "october", "november", "december")  # fmt: skip
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _alef(lang: str, words: str) -> str:
    """Arabic words with any form of alef: "آذار" as written or as "اذار"."""
    return re.sub("[اأإآ]", "[اأإآ]", words) if lang == "ar" else words


def _compiled(table: dict[str, str], template: str) -> dict[str, re.Pattern[str]]:
    return {lang: re.compile(template.format(_alef(lang, w))) for lang, w in table.items()}


_INTRODUCED = _compiled(_MONTH_AFTER, r"(?<![^\W\d_])(?:{})[\s'-]*$")
_QUALIFIED = _compiled(_MONTH_BEFORE, r"\s*(?:{})(?![^\W\d_])")
_NAME = _compiled(_NAMES, r"(?<!\w)(?:{})(?!\w)")
_NUMBERS = {
    lang: {words: str(n) for n, words in enumerate(numbers.split(), start=2) if words != "-"}
    for lang, numbers in _NUMBER_WORDS.items()
}
_REWRITES = {
    lang: [
        (re.compile(rf"(?<![\w-])(?:{_alef(lang, words)})(?!\w)"), english)
        for table in (_MONTH_SYNONYMS, _NUMBERS, _PHRASES)
        for words, english in table.get(lang, {}).items()
    ]
    for lang in {*_MONTH_SYNONYMS, *_NUMBERS, *_PHRASES}
}


def resolve_in(
    text: str, published: date | None, language: str | None, english: Resolver
) -> Iterator[tuple[date | None, Period]]:
    """Readings of lower-cased ``text``, best first; ``english`` applies the English rules.

    ``language`` None means unknown (as does one dateparser does not know): the caller has
    tried English, and the other languages of :data:`AUTO_LANGUAGES` whose date words make up
    the whole expression are tried in order, as dateparser's own detection does. A known
    language is read more leniently: its date words anywhere ("mercredi soir", a sentence), and
    the English rules last, on what is left of them (a model may answer "on Wednesday" for
    "mercredi"). With ``"en"`` only numeric dates are read here, without dateparser.
    """
    text = _ORDINAL.sub(r"\1", text.translate(_DIGITS))
    years = {int(y) for y in _YEAR.findall(text)}
    for day, precision in _readings(text, published, language, english):
        # "1992 - septiembre" is not September of the publication year.
        if day is not None and (not years or day.year in years):
            yield day, precision


def _readings(
    text: str, published: date | None, language: str | None, english: Resolver
) -> Iterator[tuple[date | None, Period]]:
    numeric = _NUMERIC.search(text)
    if language == "en":
        if numeric:
            yield _numeric(numeric, published, day_first_only=False)
        return
    locales = _locales(language)
    if numeric:
        yield _numeric(numeric, published, day_first_only=bool(locales))
    prepared = [(loc, _prepared(loc, text)) for loc in (locales or _applicable(text))]
    translations = [_english_words(loc, words) for loc, words in prepared]
    for translated in translations:
        yield english(translated, published)
    # dateparser reads what the English rules do not ("1 week ago", "en mai"), but also counts
    # and durations ("deux", "20 minutes"): only words that name a day, month or "ago" count.
    # Hours ago, counted back from midnight (the publication time is unknown), would give the
    # day before; the English rules leave "3 hours ago" unresolved too.
    for (loc, words), translated in zip(prepared, translations, strict=True):
        if _DATE_WORD.search(translated) and not _HOURS.search(translated):
            yield _parsed(words, published, loc.shortname)
    if language is not None:
        yield english(prepared[0][1] if locales else text, published)


def _applicable(text: str) -> list[Locale]:
    """The other languages of :data:`AUTO_LANGUAGES` that the whole of ``text`` is date words of."""
    from dateparser.conf import settings
    from dateparser.languages.loader import default_loader

    if not _TELLING_WORD.search(text) or _ENGLISH_ONLY.search(text):
        return []
    others = [lang for lang in AUTO_LANGUAGES if lang != "en"]
    found = default_loader.get_locale_map(languages=others, use_given_order=True).values()
    return [loc for loc in found if loc.is_applicable(_rewritten(loc, text), settings=settings)]


def _locales(language: str | None) -> list[Locale]:
    """The locale of a language dateparser knows; none for None or one it does not know."""
    from dateparser.languages.loader import default_loader

    if language is None:
        return []
    try:
        return list(default_loader.get_locale_map(languages=[language]).values())
    except ValueError:
        return []


def _rewritten(locale: Locale, text: str) -> str:
    """``text`` with the words of the tables above that the locale lacks in words it knows."""
    for pattern, words in _REWRITES.get(locale.shortname, []):
        text = pattern.sub(words, text)
    return text


def _prepared(locale: Locale, text: str) -> str:
    """``text`` as the locale reads it, less the month and weekday names that name no date."""
    from dateparser.conf import settings

    text = _rewritten(locale, text)
    if name := _NAME.get(locale.shortname):
        text = name.sub(" ", text)
    # The locale's own first step, so that a number word is read as one ("sept jours": seven
    # days, not September). A private method: without it only such counts are lost.
    simplify = getattr(locale, "_simplify", None)
    if simplify is not None:
        text = simplify(text, settings=settings)
    return _masked(locale, text)


def _masked(locale: Locale, text: str) -> str:
    """``text`` with month and weekday names blanked where they name no date.

    A weekday name counts always ("mardi", "sábado"), its abbreviation only before a day number
    ("mer. 21 août"; not "sa maison", "un jeu", "en mer"); a month name and its abbreviation
    beside a day number or a year ("3 sept. 2019"), the name also after a word that introduces a
    date (:data:`_MONTH_AFTER`), before one that qualifies it (:data:`_MONTH_BEFORE`), or as the
    whole expression. Abbreviations of two letters or fewer ("sa", "me", "вс") never count.
    """
    pattern, abbreviations, months = _vocabulary(locale)
    lang = locale.shortname
    introduced, qualified = _INTRODUCED.get(lang), _QUALIFIED.get(lang)

    def named(m: re.Match[str]) -> bool:
        word, before, after = m.group(1), text[: m.start()], text[m.end() :]
        day_after = _NUMBER_AFTER.match(after) is not None
        if word not in months:  # a weekday: "sa 3 mars", not "sa maison", "1 jeu"
            return word not in abbreviations or (len(word) > 2 and day_after)
        if day_after or _NUMBER_BEFORE.search(before):
            return len(word) > 2 or word not in abbreviations
        return word not in abbreviations and (
            not _LETTER.search(before + after)
            or bool(introduced and introduced.search(before))
            or bool(qualified and qualified.match(after))
        )

    return pattern.sub(lambda m: m.group(0) if named(m) else " " * len(m.group(0)), text)


_VOCABULARY: dict[str, tuple[re.Pattern[str], frozenset[str], frozenset[str]]] = {}


def _vocabulary(locale: Locale) -> tuple[re.Pattern[str], frozenset[str], frozenset[str]]:
    """The locale's month and weekday names as one pattern, its abbreviations, its month names.

    An abbreviation is a name shorter than the longest of its month or day and of three letters
    or fewer, or of four that begin a name two letters longer ("sept", "févr", but not "март",
    March beside "марта").
    """
    if found := _VOCABULARY.get(locale.shortname):
        return found
    words: set[str] = set()
    abbreviations: set[str] = set()
    months: set[str] = set()
    for key in (*_MONTHS, *_WEEKDAYS):
        names = {str(n).lower().rstrip(".") for n in locale.info.get(key, [])} - {""}
        longest = max(map(len, names), default=0)
        for n in names:
            if len(n) < longest and (
                len(n) <= 3 or (len(n) == 4 and any(o.startswith(n) and len(o) >= 6 for o in names))
            ):
                abbreviations.add(n)
            if key in _MONTHS:
                months.add(n)
        words |= names
    alternatives = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    pattern = re.compile(rf"(?<!\w)({alternatives})\.?(?!\w)")
    _VOCABULARY[locale.shortname] = found = (pattern, frozenset(abbreviations), frozenset(months))
    return found


def _english_words(locale: Locale, text: str) -> str:
    """``text`` with the locale's date words in English ("hier" -> "1 day ago")."""
    from dateparser.conf import settings

    translated = locale.translate(text, keep_formatting=True, settings=settings)
    for pattern, month in _LOCATIVE:
        translated = pattern.sub(month, translated)
    if _LAST.search(translated):
        translated = _WEEKDAY.sub(r"last \1", _LAST.sub(" ", translated))
    return " ".join(translated.split())


def _numeric(
    m: re.Match[str], published: date | None, *, day_first_only: bool
) -> tuple[date | None, Period]:
    """A dd/mm/yyyy date. Day first: the languages of :data:`AUTO_LANGUAGES` other than English
    write dates so, and so do the English news of the development data (every numeric date in
    it, 6 of 6, is day first: "29/8/2012", "6/02/2015"). English (or an unknown language) reads
    month first only when day first would put the date after publication and month first not
    (US style, "08/09/2019" published 21 August), or day first is impossible ("05/25/2020")."""
    first, second, year = int(m.group(1)), int(m.group(3)), int(m.group(4))
    if len(m.group(4)) == 2:  # as strptime's %y
        year += 1900 if year >= 69 else 2000
    day_first = _day(year, second, first)
    if day_first_only or (day_first is not None and (published is None or day_first <= published)):
        return (day_first, "day") if day_first else (None, "unknown")
    month_first = _day(year, first, second)
    if month_first is not None and (published is None or month_first <= published):
        return month_first, "day"
    found = day_first or month_first
    return (found, "day") if found else (None, "unknown")


def _day(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _parsed(text: str, published: date | None, language: str) -> tuple[date | None, Period]:
    """dateparser's reading of the whole expression ("hace 3 días", "в марте 2019 года")."""
    stated_year = _YEAR.search(text) is not None
    if published is None and not stated_year:
        return None, "unknown"  # relative words need the publication date
    found = _dateparser(text, published, language)
    if found is None or (published is not None and found[0] > published and not stated_year):
        # A date after publication from words without a year is a forward-looking phrase
        # ("demain", "la semaine prochaine"), which the English rules leave unresolved too.
        return None, "unknown"
    return found


def _dateparser(text: str, published: date | None, language: str) -> tuple[date, Period] | None:
    from dateparser.date import DateDataParser

    base = datetime.combine(published, datetime.min.time()) if published else datetime.now()
    settings = {
        "RELATIVE_BASE": base,
        "PREFER_DATES_FROM": "past",
        "DATE_ORDER": "DMY",
        "PREFER_DAY_OF_MONTH": "first",
        # Not "timestamp" or "no-spaces-time": a bare number is a count, not a date.
        "PARSERS": ["relative-time", "custom-formats", "absolute-time"],
    }
    parser = DateDataParser(languages=[language], settings=settings)
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
