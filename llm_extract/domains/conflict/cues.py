"""Cheap lexical cues: which sentences may report an event, and which are background.

The find pass of :class:`~llm_extract.strategies.find_fill.FindThenFill` rests on these, not on
the model's judgement: probed on the seed article, the embedded 1.5B model's zero-shot "does
this sentence report an event?" was close to useless, while a keyword floor finds most events
(recall 0.93 on WikiEvents at precision 0.48). The model then confirms and codes each
candidate, so a false candidate costs one short request, and a missed one costs an event.

The words are data, one list per concept and language, in ``lexicon/<language>/``:
``event_words`` (acts a codebook records), ``background`` (totals over a period),
``specific_day`` (words that pin a day), ``unrealized`` (frames of acts that did not happen)
and ``casualty`` (words that only count the dead and hurt).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from llm_extract.core.lexicon import FLAGS, Lexicon, alternation, whole_words

LEXICON = Lexicon(Path(__file__).resolve().parent / "lexicon")


@dataclass(frozen=True)
class Cues:
    """One language's compiled find lexicon."""

    event: re.Pattern[str]
    background: re.Pattern[str]
    specific_day: re.Pattern[str]
    unrealized: re.Pattern[str]
    casualty: re.Pattern[str]


@cache
def cues_for(language: str = "en") -> Cues | None:
    """The compiled lists of ``language``, or None when the pack has none for it."""
    if not LEXICON.has("event_words", language):
        return None
    items = LEXICON.items
    return Cues(
        event=whole_words(items("event_words", language)),
        background=whole_words(items("background", language)),
        specific_day=whole_words(items("specific_day", language)),
        # A frame right before the act word, with at most one word between (or an elided
        # one: French "menacent d'attaquer").
        unrealized=re.compile(
            rf"\b{alternation(items('unrealized', language))}\s+(?:\w+(?:\s+|['’]))?$", FLAGS
        ),
        casualty=re.compile(alternation(items("casualty", language)), FLAGS),
    )


def _cues(language: str) -> Cues:
    found = cues_for(language)
    if found is None:
        raise ValueError(f"no find lexicon for {language!r}")
    return found


def is_casualty_detail(sentence: str, language: str = "en") -> bool:
    """True when every cue in the sentence only counts the dead or hurt."""
    cues = _cues(language)
    found = [cue.group(0) for cue in cues.event.finditer(sentence)]
    return bool(found) and all(cues.casualty.fullmatch(cue) for cue in found)


def is_event_candidate(sentence: str, language: str = "en") -> bool:
    """True when the sentence names an act a codebook records (not only as a plan, threat or
    near miss) and is not a background total."""
    cues = _cues(language)
    if not any(
        not cues.unrealized.search(sentence[max(0, cue.start() - 40) : cue.start()])
        for cue in cues.event.finditer(sentence)
    ):
        return False
    return not (cues.background.search(sentence) and not cues.specific_day.search(sentence))
