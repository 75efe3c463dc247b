"""The conflict pack in other languages: fatality counts read with the language's word lists,
and every shipped language's lists complete and valid."""

from __future__ import annotations

from typing import Any

import pytest

from llm_extract import Document, load_schema
from llm_extract.core.context import ExtractionContext, extraction_context
from llm_extract.domains.conflict import cues
from llm_extract.domains.conflict.cues import LEXICON
from tests.conftest import conflict_answer

CONCEPTS = ("event_words", "background", "specific_day", "unrealized", "casualty", "death",
            "hurt", "conjunctions")  # fmt: skip


def _fatalities(text: str, language: str | None, counts: list[int]) -> Any:
    record = load_schema("conflict_events").record
    data = conflict_answer(sub_event_type="Armed clash", fatalities=counts, event_date=None)
    data = {**data["records"][0], "evidence": [1]}
    doc = Document.from_text(text, language=language)
    with extraction_context(ExtractionContext(doc, None, language)):
        return record.model_validate(data).fatalities


@pytest.mark.parametrize(
    ("language", "text", "counts", "expected"),
    [
        ("fr", "Un soldat a été tué et 11 autres ont été blessés mardi à Beni.", [1, 11], 1),
        ("fr", "La police a arrêté 5 manifestants devant la mairie de Goma.", [5], 0),
        ("es", "Un soldado murió y 11 resultaron heridos el martes en Tumaco.", [1, 11], 1),
        ("es", "Seis policías resultaron heridos en los disturbios de Cali.", [6], 0),
        ("ru", "Один военный погиб, а 11 получили ранения во вторник в Донецке.", [1, 11], 1),
        ("ar", "قتل جندي وأصيب 11 آخرون يوم الثلاثاء في درعا.", [1, 11], 1),
        ("ar", "اعتقلت الشرطة 5 متظاهرين أمام البرلمان.", [5], 0),
        # No word lists for German: the model's counts stand as it gave them.
        ("de", "Ein Soldat wurde getötet und 11 wurden verletzt.", [1, 11], 12),
        # English keeps its rules.
        ("en", "One soldier was killed and 11 were injured on Tuesday.", [1, 11], 1),
    ],
)
def test_fatalities_are_read_in_the_documents_language(
    language: str, text: str, counts: list[int], expected: int | None
) -> None:
    assert _fatalities(text, language, counts) == expected


@pytest.mark.parametrize("language", ["en", "fr", "es", "ru", "ar"])
def test_every_shipped_language_has_every_list(language: str) -> None:
    for concept in CONCEPTS:
        assert LEXICON.items(concept, language), f"{language}/{concept}.txt is empty"
    assert cues.cues_for(language) is not None


@pytest.mark.parametrize(
    ("language", "event", "background", "plan"),
    [
        ("fr", "Des miliciens ont attaqué le village de Djugu mardi, tuant sept civils.",
         "Depuis janvier, plus de 300 personnes ont été tuées dans la province.",
         "Les rebelles menacent d'attaquer la ville de Sake."),
        ("es", "Milicianos atacaron el martes la aldea de Bojayá y mataron a siete civiles.",
         "Desde enero, más de 300 personas han muerto en la provincia.",
         "Los rebeldes amenazan con atacar la ciudad."),
        ("ru", "Боевики во вторник напали на село и убили семь мирных жителей.",
         "С начала года в области погибли более 300 человек.",
         "Повстанцы угрожают атаковать город в ближайшие дни."),
        ("ar", "هاجم مسلحون قرية يوم الثلاثاء وقتلوا سبعة مدنيين.",
         "منذ يناير، قتل أكثر من 300 شخص في المحافظة.",
         "يهدد المتمردون بمهاجمة المدينة في الأيام المقبلة."),
    ],
)  # fmt: skip
def test_the_find_pass_in_each_language(
    language: str, event: str, background: str, plan: str
) -> None:
    assert cues.is_event_candidate(event, language)
    assert not cues.is_event_candidate(background, language)
    if language != "ar":  # an Arabic frame glued to the verb (بمهاجمة) is not told apart
        assert not cues.is_event_candidate(plan, language)
