"""Death counts as the conflict codebook reads them: the model lists each number it reads off
the text, and the library drops the injured and adds the rest up (ACLED's ``fatalities``)."""

from __future__ import annotations

import re
from collections import Counter
from functools import cache
from typing import Annotated, Any

from pydantic import BeforeValidator, ValidationInfo, WithJsonSchema

from llm_extract.core.context import current_context
from llm_extract.core.lexicon import FLAGS, alternation, whole_words
from llm_extract.domains.conflict.cues import LEXICON


@cache
def _words(concept: str, language: str) -> re.Pattern[str] | None:
    """The pack's ``death``/``hurt`` list for ``language`` as one pattern; None if it has none."""
    if not LEXICON.has(concept, language):
        return None
    return whole_words(LEXICON.items(concept, language))


# Where one stated count ends and the next begins ("1 was killed and 11 were injured"); not the
# comma or point inside a number ("1,200", "1.5 km").
@cache
def _clause_break(language: str) -> re.Pattern[str]:
    words = LEXICON.items("conjunctions", language) if LEXICON.has("conjunctions", language) else ()
    joins = rf"|\b{alternation(words)}" if words else ""
    return re.compile(rf"[;:()\[\]،؛]|[.,](?!\d){joins}", FLAGS)


_NUMBER_WORDS = [
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
    "nineteen", "twenty",
]  # fmt: skip
_COUNT = re.compile(
    r"(?<![\w.,])(\d+(?:,\d{3})*)(?![\w]|[.,]\d)|\b(" + "|".join(_NUMBER_WORDS) + r")\b"
    r"|\b(an?|another)\b",
    re.IGNORECASE,
)


def _stated_counts(
    text: str, death: re.Pattern[str], hurt_words: re.Pattern[str], language: str
) -> tuple[Counter[int], Counter[int]]:
    """How often each number is stated in a clause of deaths, and in one of injuries only.

    "a"/"an"/"another" count as one only in such clauses ("killing a fighter and injuring
    another one"): elsewhere they are articles."""
    dead: Counter[int] = Counter()
    hurt: Counter[int] = Counter()
    for clause in _clause_break(language).split(text):
        if death.search(clause):
            counter = dead
        elif hurt_words.search(clause):
            counter = hurt
        else:
            continue
        numbers = set()
        for m in _COUNT.finditer(clause):
            digits, word, article = m.groups()
            if digits:
                numbers.add(int(digits.replace(",", "")))
            elif word:
                numbers.add(_NUMBER_WORDS.index(word.lower()))
            elif article:
                numbers.add(1)
        counter.update(numbers)
    return dead, hurt


def without_injured(counts: list[int], text: str, language: str = "en") -> list[int]:
    """The model's ``counts`` less those ``text`` states only for the injured.

    Each count is matched with a clause that states it, deaths first: "1 person was killed and
    11 were injured" -> [1, 11] keeps 1; "killing a fighter and injuring another one" -> [1, 1]
    keeps one 1. A count no such clause states (the model added two up) is kept. Where the text
    names injuries and no death at all, every count is of the injured ("a teacher and a pupil
    were injured" -> [2] keeps none).
    """
    death, hurt_words = _words("death", language), _words("hurt", language)
    if death is None or hurt_words is None:
        return counts  # no word lists for the language: the model's counts stand
    if hurt_words.search(text) and not death.search(text):
        return [c for c in counts if c == 0]
    dead, hurt = _stated_counts(text, death, hurt_words, language)
    kept = []
    for count in counts:
        if count and not dead[count] and hurt[count]:
            hurt[count] -= 1
            continue
        dead[count] -= bool(dead[count])
        kept.append(count)
    return kept


def _sum_counts(value: Any, info: ValidationInfo) -> Any:
    if isinstance(value, list):
        if not all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in value):
            raise ValueError(f"fatalities must be a list of whole numbers >= 0, got {value!r}")
        # Small models add the injured to the dead ("1 killed, 11 injured" -> [1, 11]); a
        # count the text gives only for the injured is dropped.
        ctx = current_context(info.context)
        death = _words("death", ctx.language or "en") if ctx is not None else None
        if ctx is not None and death is not None:
            text = ctx.document.text
            if not death.search(text):
                # The text names no death: a count is of the detained, the injured or a calibre
                # ("detained 5 protesters", "fired 120mm mortars"). 0 dead, as ACLED codes it.
                value = [0] if value else value
            else:
                value = without_injured(value, text, ctx.language or "en")
        return sum(value) if value else None
    if isinstance(value, int) and value < 0:
        raise ValueError(f"fatalities cannot be negative, got {value}")
    return value  # an int or None (saved records, other producers)


FatalityCounts = Annotated[
    int | None,
    BeforeValidator(_sum_counts),
    WithJsonSchema(
        {
            "type": "array",
            "items": {"type": "integer", "minimum": 0},
            "maxItems": 6,
            "description": "Each number of people reported killed in this event, as the text "
            "states it ('killed 3 soldiers and 2 civilians' -> [3, 2]); [0] if the text says "
            "nobody died; [] if it does not say.",
        }
    ),
]
"""Death counts as the model reads them off the text; the library adds them up (null if none)."""
