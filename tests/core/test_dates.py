from __future__ import annotations

from datetime import date, timedelta

import pytest

from llm_extract.core.dates import resolve_date

PUB = date(2019, 8, 21)  # a Wednesday


@pytest.mark.parametrize(
    ("words", "published", "expected", "precision"),
    [
        ("on Wednesday", PUB, date(2019, 8, 21), "day"),
        ("Wednesday's clashes", PUB, date(2019, 8, 21), "day"),
        ("on Tuesday", PUB, date(2019, 8, 20), "day"),
        ("on Monday", PUB, date(2019, 8, 19), "day"),
        ("on Thursday", PUB, date(2019, 8, 15), "day"),
        ("last Wednesday", PUB, date(2019, 8, 14), "day"),
        ("yesterday", PUB, date(2019, 8, 20), "day"),
        ("early on Wednesday", PUB, date(2019, 8, 21), "day"),
        ("three days ago", PUB, date(2019, 8, 18), "day"),
        ("On 2 May 2020", PUB, date(2020, 5, 2), "day"),
        ("May 2, 2020", None, date(2020, 5, 2), "day"),
        ("2020-05-02", None, date(2020, 5, 2), "day"),
        ("on 15 August", PUB, date(2019, 8, 15), "day"),
        ("on 25 December", PUB, date(2018, 12, 25), "day"),  # no year: latest not after pub
        ("since late April", PUB, date(2019, 4, 1), "month"),
        ("in August 2019", None, date(2019, 8, 1), "month"),
        ("last week", PUB, date(2019, 8, 14), "week"),
        ("in 2018", None, date(2018, 1, 1), "year"),
        ("on Wednesday", None, None, "unknown"),
        ("recently", PUB, None, "unknown"),
        ("", PUB, None, "unknown"),
    ],
)
def test_resolution(
    words: str, published: date | None, expected: date | None, precision: str
) -> None:
    assert resolve_date(words, published) == (expected, precision)


def test_may_the_verb_is_not_a_month() -> None:
    assert resolve_date("troops may advance", PUB) == (None, "unknown")


TUE = date(2019, 8, 20)  # a Tuesday: "last Tuesday" is then a week back

# (language, words, publication date, expected date, precision): read in the document's language.
IN_LANGUAGE = [
    ("fr", "mercredi", PUB, date(2019, 8, 21), "day"),  # the publication day itself
    ("fr", "jeudi", PUB, date(2019, 8, 15), "day"),
    ("fr", "mardi dernier", TUE, date(2019, 8, 13), "day"),
    ("fr", "mercredi soir", PUB, date(2019, 8, 21), "day"),
    ("fr", "hier", PUB, date(2019, 8, 20), "day"),
    ("fr", "aujourd'hui", PUB, date(2019, 8, 21), "day"),
    ("fr", "avant-hier", PUB, date(2019, 8, 19), "day"),
    ("fr", "le 3 mars", PUB, date(2019, 3, 3), "day"),
    ("fr", "le 22 août", PUB, date(2018, 8, 22), "day"),  # no year: latest not after pub
    ("fr", "10 mars 2024", None, date(2024, 3, 10), "day"),
    ("fr", "mars 2019", PUB, date(2019, 3, 1), "month"),
    ("fr", "10/03/2019", PUB, date(2019, 3, 10), "day"),  # day first
    ("fr", "il y a trois jours", PUB, date(2019, 8, 18), "day"),
    ("fr", "la semaine dernière", PUB, date(2019, 8, 14), "week"),
    ("fr", "le mois dernier", PUB, date(2019, 7, 1), "month"),
    ("fr", "Sept personnes ont été tuées mardi à Idleb.", PUB, date(2019, 8, 20), "day"),
    ("es", "el martes", PUB, date(2019, 8, 20), "day"),
    ("es", "el pasado martes", TUE, date(2019, 8, 13), "day"),
    ("es", "el domingo pasado", PUB, date(2019, 8, 18), "day"),
    ("es", "ayer", PUB, date(2019, 8, 20), "day"),
    ("es", "hoy", PUB, date(2019, 8, 21), "day"),
    ("es", "el 3 de marzo", PUB, date(2019, 3, 3), "day"),
    ("es", "3 de marzo de 2019", None, date(2019, 3, 3), "day"),
    ("es", "agosto de 2018", None, date(2018, 8, 1), "month"),
    ("es", "hace 3 días", PUB, date(2019, 8, 18), "day"),
    ("es", "la semana pasada", PUB, date(2019, 8, 14), "week"),
    ("ru", "вчера", PUB, date(2019, 8, 20), "day"),
    ("ru", "позавчера", PUB, date(2019, 8, 19), "day"),
    ("ru", "в среду", PUB, date(2019, 8, 21), "day"),
    ("ru", "во вторник", PUB, date(2019, 8, 20), "day"),
    ("ru", "в прошлую среду", PUB, date(2019, 8, 14), "day"),
    ("ru", "3 марта", PUB, date(2019, 3, 3), "day"),
    ("ru", "3 марта 2019 года", None, date(2019, 3, 3), "day"),
    ("ru", "в марте 2019 года", None, date(2019, 3, 1), "month"),
    ("ru", "10.03.2019", PUB, date(2019, 3, 10), "day"),
    ("ru", "три дня назад", PUB, date(2019, 8, 18), "day"),
    ("ar", "أمس", PUB, date(2019, 8, 20), "day"),
    ("ar", "أول أمس", PUB, date(2019, 8, 19), "day"),
    ("ar", "اليوم", PUB, date(2019, 8, 21), "day"),
    ("ar", "الثلاثاء", PUB, date(2019, 8, 20), "day"),
    ("ar", "يوم الثلاثاء", PUB, date(2019, 8, 20), "day"),
    ("ar", "الخميس الماضي", PUB, date(2019, 8, 15), "day"),
    ("ar", "3 مارس 2019", None, date(2019, 3, 3), "day"),
    ("ar", "٣ مارس ٢٠١٩", None, date(2019, 3, 3), "day"),  # Arabic-Indic digits
    ("ar", "في 17 آب 2019", None, date(2019, 8, 17), "day"),  # Levantine month name
    ("ar", "مارس 2019", None, date(2019, 3, 1), "month"),
    ("ar", "10/03/2019", PUB, date(2019, 3, 10), "day"),
    ("fr", "on Wednesday", PUB, date(2019, 8, 21), "day"),  # the model answered in English
    ("fr", "2019", None, date(2019, 1, 1), "year"),
    ("fr", "hier", None, None, "unknown"),  # relative words need the publication date
    ("fr", "demain", PUB, None, "unknown"),  # forward-looking, as "tomorrow"
    ("es", "hace 3 horas", PUB, None, "unknown"),  # as "3 hours ago": the hour is unknown
]


@pytest.mark.parametrize(("language", "words", "published", "expected", "precision"), IN_LANGUAGE)
def test_resolution_in_the_documents_language(
    language: str, words: str, published: date | None, expected: date | None, precision: str
) -> None:
    assert resolve_date(words, published, language) == (expected, precision)


@pytest.mark.parametrize(
    ("words", "published", "expected", "precision"),
    [
        ("mercredi", PUB, date(2019, 8, 21), "day"),
        ("hier", PUB, date(2019, 8, 20), "day"),
        ("10 mars 2024", None, date(2024, 3, 10), "day"),
        ("вчера", PUB, date(2019, 8, 20), "day"),
        ("أمس", PUB, date(2019, 8, 20), "day"),
        ("martes", PUB, date(2019, 8, 20), "day"),
        # Day first, as in the English news of the development data; month first only when
        # day first is impossible or after publication.
        ("10/03/2019", PUB, date(2019, 3, 10), "day"),
        ("08/09/2019", PUB, date(2019, 8, 9), "day"),
        ("05/25/2019", PUB, date(2019, 5, 25), "day"),
        # English words that are abbreviations elsewhere ("So" Sunday in German, "may" and
        # "ago" May and August in Spanish) pick no language.
        ("So far", PUB, None, "unknown"),
        ("May", PUB, None, "unknown"),
        ("two weeks ago", PUB, None, "unknown"),
        ("20 minutes", PUB, None, "unknown"),
        ("31", PUB, None, "unknown"),
    ],
)
def test_unknown_language_tries_english_then_others(
    words: str, published: date | None, expected: date | None, precision: str
) -> None:
    assert resolve_date(words, published) == (expected, precision)


@pytest.mark.parametrize(
    ("language", "names"),
    [
        ("fr", ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"]),
        ("es", ["lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"]),
        ("ru", ["понедельник", "вторник", "среда", "четверг", "пятница", "суббота",
                "воскресенье"]),
        ("ar", ["الاثنين", "الثلاثاء", "الأربعاء", "الخميس", "الجمعة", "السبت", "الأحد"]),
    ],
)  # fmt: skip
def test_a_weekday_is_the_latest_on_or_before_publication(language: str, names: list[str]) -> None:
    for offset in range(7):
        published = PUB + timedelta(days=offset)
        for weekday, name in enumerate(names):
            day, precision = resolve_date(name, published, language)
            assert precision == "day" and day is not None, name
            assert day.weekday() == weekday and published - timedelta(days=6) <= day <= published


def test_a_stated_date_after_publication_still_resolves_so_it_can_be_refused() -> None:
    assert resolve_date("le 5 septembre 2019", PUB, "fr") == (date(2019, 9, 5), "day")
    assert resolve_date("10/09/2019", PUB, "es") == (date(2019, 9, 10), "day")
    # Without a year, a month and day are the latest ones not after publication.
    assert resolve_date("el 5 de septiembre", PUB, "es") == (date(2018, 9, 5), "day")


def test_a_language_dateparser_does_not_know_counts_as_unknown() -> None:
    assert resolve_date("mercredi", PUB, "xx") == (date(2019, 8, 21), "day")
    assert resolve_date("hier", PUB, "fr-FR") == (date(2019, 8, 20), "day")
