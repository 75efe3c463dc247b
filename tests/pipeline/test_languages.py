"""Languages: detection (real and faked), the per-language find pass, the language note in the
prompt, chunks for a language the pack lacks, and answers that keep their valid records."""

from __future__ import annotations

from typing import Any

import pytest

from llm_extract import ConfigError, Extractor, ValidationRetriesExhaustedError
from llm_extract.core.document import Document
from llm_extract.core.language import Language, detect_language, given_language
from llm_extract.strategies.find_fill import FindThenFill
from tests.conftest import SEED_PUBLISHED, conflict_answer, fast_retrying, seed_text
from tests.fakes import FakeBackend, FakeServer

# Written for these tests (not translations of any dev or held-out text).
FRENCH = [
    "Le conseil municipal de Bunia s'est réuni lundi pour examiner le budget de l'année.",
    "Les élus ont voté la rénovation de deux écoles et d'un dispensaire du centre-ville.",
    "Mardi, des miliciens ont attaqué le village de Djugu, tuant sept civils, dit la Croix-Rouge.",
    "Le maire a aussi annoncé la construction d'un nouveau pont sur la rivière Shari.",
    "Les travaux doivent commencer au mois de juin et durer environ deux ans et demi.",
    "Depuis janvier, plus de 300 personnes ont été tuées dans la province de l'Ituri.",
    "Les commerçants du grand marché réclament depuis longtemps une route goudronnée.",
    "Jeudi, la police a dispersé une manifestation d'étudiants devant le gouvernorat.",
    "Une délégation de la province voisine est attendue la semaine prochaine à Bunia.",
    "Le gouverneur a promis de présenter un plan de développement avant la fin de l'année.",
    "Les habitants espèrent que les écoles rénovées ouvriront pour la rentrée de septembre.",
    "La radio locale diffusera les débats du conseil chaque vendredi soir à partir d'avril.",
    "Le directeur de l'hôpital général a présenté le bilan des vaccinations de l'année écoulée.",
    "Plus de douze mille enfants ont reçu leurs vaccins dans les centres de santé du district.",
    "Les agriculteurs de la plaine attendent la saison des pluies pour semer le manioc et le maïs.",
    "Une coopérative de femmes a ouvert un atelier de couture dans l'ancien bâtiment de la poste.",
    "La bibliothèque municipale a reçu un don de trois mille livres d'une association belge.",
    "Le club de football de la ville a inauguré son nouveau terrain en présence des écoliers.",
    "Les cours de la farine et du sucre sont restés stables sur les marchés ce mois-ci.",
]
GERMAN = (
    "Der Stadtrat von Bunia hat am Montag den Haushalt des Jahres beraten und beschlossen. "
    "Am Dienstag griffen Milizionäre das Dorf Djugu an und töteten sieben Zivilisten. "
) * 12


def fixed(code: str | None) -> Any:
    calls: list[str] = []

    def detect(text: str) -> Language:
        calls.append(text)
        return Language(code, "detected" if code else "undetermined", 0.99 if code else None)

    detect.calls = calls  # type: ignore[attr-defined]
    return detect


def make(fake: FakeServer, **kw: Any) -> Extractor:
    return Extractor(backend=FakeBackend(fake), transport_retries=fast_retrying(2), **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Government forces shelled the village on Tuesday, killing four civilians.", "en"),
        ("Les forces gouvernementales ont bombardé le village mardi, tuant quatre civils.", "fr"),
        ("Las fuerzas del gobierno bombardearon la aldea el martes y mataron a cuatro civiles.",
         "es"),
        ("Правительственные войска обстреляли деревню во вторник, убив четырех мирных жителей.",
         "ru"),
        ("قصفت القوات الحكومية القرية يوم الثلاثاء، ما أسفر عن مقتل أربعة مدنيين.", "ar"),
    ],
)  # fmt: skip
def test_the_real_detector_tells_the_news_languages(text: str, code: str) -> None:
    found = detect_language(text)
    assert (found.code, found.source) == (code, "detected")
    assert found.confidence is not None and found.confidence > 0.5


def test_too_little_text_is_undetermined_not_guessed() -> None:
    assert detect_language("12 34 -- ok") == Language(None, "undetermined")


def test_a_given_language_is_checked_and_normalised() -> None:
    assert given_language("FR-ca") == "fr"
    with pytest.raises(ConfigError, match="--lang"):
        given_language("French!")


def test_each_document_is_detected_once_and_the_result_says_its_language() -> None:
    fake, detect = FakeServer(), fixed("fr")
    fake.enqueue({"records": []}).enqueue({"records": []})
    result = make(fake, language_detector=detect).extract(
        "Mardi, des miliciens ont attaqué Djugu.", published="2024-03-14"
    )
    assert result.language == "fr"
    assert result.to_json_dict()["language"] == "fr"
    assert len(detect.calls) == 1


def test_a_forced_language_wins_over_detection_and_over_the_document() -> None:
    fake, detect = FakeServer(), fixed("en")
    fake.enqueue({"records": []}).enqueue({"records": []})
    ex = make(fake, language="es", language_detector=detect)
    doc = Document.from_text("Texto breve de prueba para el extractor.", language="fr")
    assert ex.extract(doc).language == "es"
    assert detect.calls == []


def test_the_prompt_tells_the_model_the_language_and_english_prompts_stay_as_they_were() -> None:
    ex = make(FakeServer(), language_detector=fixed("fr"))
    ((_, messages),) = ex.render_prompts(" ".join(FRENCH[:2]), published="2024-03-14")
    assert (
        "The text is in French. Write names, places and the summary in English"
        in (messages[-1]["content"])
    )
    english = make(FakeServer(), language_detector=fixed("en"))
    ((_, messages),) = english.render_prompts(seed_text()[:600], published=SEED_PUBLISHED)
    assert "The text is in" not in messages[-1]["content"]


def test_the_french_find_pass_sends_the_event_sentences_and_skips_the_background_total() -> None:
    ex = make(FakeServer(), language_detector=fixed("fr"), strategy=FindThenFill())
    doc = ex.with_language(Document.from_text(" ".join(FRENCH)))
    assert len(doc.text) > 1500  # long enough for the find pass (short notes go whole)
    pieces = ex.plan(doc)
    sent = [s.text for p in pieces for s in p.document.sentences]
    assert FRENCH[2] in sent and FRENCH[7] in sent  # the attack and the dispersed protest
    assert FRENCH[5] not in sent  # "Depuis janvier, plus de 300 personnes ont été tuées"
    assert FRENCH[9] not in sent  # a promise is not an act
    assert all(p.document.language == "fr" for p in pieces)


def test_a_language_without_word_lists_is_read_in_chunks_and_the_result_says_so() -> None:
    fake = FakeServer()
    fake.responder = lambda body: {"records": []}
    ex = make(fake, language_detector=fixed("de"), strategy=FindThenFill(), chunk_chars=800)
    result = ex.extract(GERMAN, published="2024-03-14")
    assert result.language == "de"
    assert result.chunks > 1  # chunks of the whole text, not find-pass windows
    (note,) = result.notes
    assert "no word lists for the language 'de'" in note and "lexicon/de/" in note


def _answer(*records: dict[str, Any]) -> dict[str, Any]:
    return {"records": [r["records"][0] for r in records]}


def test_one_record_that_still_fails_is_dropped_and_the_others_kept() -> None:
    fake = FakeServer()
    good = conflict_answer()
    late = conflict_answer(event_date="on 5 September 2019", evidence=[2])  # after publication
    for _ in range(3):  # the first answer and two re-asks all hold the bad record
        fake.enqueue(_answer(good, late))
    result = make(fake, validation_retries=2).extract(seed_text(), published=SEED_PUBLISHED)
    assert [r.sub_event_type for r in result.records] == ["Government regains territory"]
    (dropped,) = result.dropped_records
    assert "after the publication date" in dropped.error
    assert dropped.record["event_date"] == "on 5 September 2019"
    assert result.attempts.validation_reasks == 2  # counted apart from the dropped record
    assert result.attempts.dropped_records == 1
    assert result.attempts.requests == 3
    assert result.to_json_dict()["dropped_records"][0]["error"] == dropped.error


def test_an_answer_with_no_valid_record_still_fails() -> None:
    fake = FakeServer()
    for _ in range(2):
        fake.enqueue(conflict_answer(evidence=[42]))
    with pytest.raises(ValidationRetriesExhaustedError):
        make(fake, validation_retries=1).extract(seed_text(), published=SEED_PUBLISHED)
