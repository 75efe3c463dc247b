"""Cheap lexical cues: which sentences may report an event, and which are background.

The find pass of :class:`~llm_extract.strategies.find_fill.FindThenFill` rests on these, not on
the model's judgement: probed on the seed article, the embedded 1.5B model's zero-shot "does
this sentence report an event?" was close to useless, while a keyword floor finds most events
(recall 0.93 on WikiEvents at precision 0.48). The model then confirms and codes each
candidate, so a false candidate costs one short request, and a missed one costs an event.
"""

from __future__ import annotations

import re

# Word stems of acts that political-violence and protest codebooks record (ACLED, UCDP, PLOVER):
# fighting, killing, attacks from afar, protest and riot, arrests and abductions, territory.
_EVENT_WORDS = r"""
    kill\w* | dead | died | dies | death\w* | fatalit\w* | murder\w* | massacre\w* | execut\w* |
    behead\w* | lynch\w* | stab\w* | shot | shoot\w* | gunm[ae]n | gunfire | gunshots? |
    open(?:ed|s)?\s+fire | fired | firing | wound\w* | injur\w* | casualt\w* | beat(?:en|ing)? |
    attack\w* | assault\w* | hit | targeted | targeting | ambush\w* | raid\w* | clash\w* |
    fight\w* | fought | battle\w* |
    combat | offensive | skirmish\w* | hostilit\w* | insurgen\w* |
    strikes? | struck | air\s*strikes? | airstrikes? | drones? | bomb\w* | shell\w* | mortars? |
    rockets? | missiles? | artillery | explo\w* | blast\w* | ied | landmines? | mines? |
    grenades? | suicide | detonat\w* | chemical |
    protest\w* | demonstrat\w* | rall(?:y|ies|ied) | march\w* | sit-ins? | boycott\w* |
    picket\w* | riot\w* | stones? | stoned | tear\s*gas | dispers\w* | burn\w* | torch\w* |
    set\s+(?:on\s+)?fire | arson | loot\w* | vandal\w* | ransack\w* | destroy\w* | destruct\w* |
    arrest\w* | detain\w* | detention | abduct\w* | kidnap\w* | hostages? | captur\w* | seiz\w* |
    took\s+(?:full\s+)?control | tak(?:e|es|en|ing)\s+(?:full\s+)?control | retak\w* |
    recaptur\w* | overr[au]n\w* | withdr[ae]w\w* | pulled\s+back | retreat\w* |
    surround\w* | encircl\w* | besieg\w* | siege | reinforcements? | redeploy\w* |
    ceasefire | cease-fire | truce |
    peace\s+(?:deal|agreement|talks) | surrender\w* | defus\w* | rape\w* | sexual\s+violence
"""
EVENT_CUE = re.compile(rf"\b(?:{_EVENT_WORDS})\b", re.IGNORECASE | re.VERBOSE)

# Totals over a period ("890 civilians have been killed since then", "eight years of war have
# killed 560,000") and ongoing patterns ("attacks had continued despite ...") are background,
# not events, unless the sentence also pins a day.
_BACKGROUND = re.compile(
    r"""\b(?: since\s+(?:then|early|late|mid|the\s+(?:start|beginning)|january|february|march|
            april|may|june|july|august|september|october|november|december|\d{4})
        | (?:years?|decades?|months?)\s+of\s+(?:war|conflict|fighting|violence)
        | (?:days|weeks|months)\s+of\s+(?:heavy\s+)?(?:fighting|clashes|bombardment)
        | so\s+far\s+this\s+(?:year|month) | in\s+recent\s+(?:days|weeks|months|years)
        | over\s+the\s+(?:past|last)\s+\w+\s+(?:weeks|months|years)
        | (?:civil\s+)?war\s+(?:that\s+)?(?:began|erupted|broke\s+out)
        | (?:have|has|had)\s+(?:been\s+)?continu\w+ )\b""",
    re.IGNORECASE | re.VERBOSE,
)
_SPECIFIC_DAY = re.compile(
    r"\b(?:on|early|late|last)\s+(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b"
    r"|\b(?:yesterday|today|overnight|this\s+morning|tonight)\b"
    r"|\b\d{1,2}\s+(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)\w*\b"
    r"|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)\w*\s+\d{1,2}\b",
    re.IGNORECASE,
)


# An act that has not happened: "has come close to capturing", "vowed to attack", "would strike".
# A cue right after one of these frames does not make the sentence a candidate (the prompt's
# "skip plans and threats" rule, applied before a request is spent on it).
_UNREALIZED = re.compile(
    r"""\b(?: close\s+to | plan(?:s|ned|ning)?\s+to | threat\w*\s+to | vow\w*\s+to |
        intend\w*\s+to | prepar\w*\s+to | ready\s+to | would | will | call\w*\s+for )
        \s+(?:\w+\s+)?$""",
    re.IGNORECASE | re.VERBOSE,
)


# Words that only count the dead and hurt: a sentence with no other cue ("A local commander was
# also reportedly killed.") is a detail of the event told near it, rarely one of its own.
_CASUALTY = re.compile(
    r"kill\w*|dead|died|dies|death\w*|fatalit\w*|wound\w*|injur\w*|casualt\w*", re.IGNORECASE
)


def is_casualty_detail(sentence: str) -> bool:
    """True when every cue in the sentence only counts the dead or hurt."""
    cues = [cue.group(0) for cue in EVENT_CUE.finditer(sentence)]
    return bool(cues) and all(_CASUALTY.fullmatch(cue) for cue in cues)


def is_event_candidate(sentence: str) -> bool:
    """True when the sentence names an act a codebook records (not only as a plan, threat or
    near miss) and is not a background total."""
    if not any(
        not _UNREALIZED.search(sentence[max(0, cue.start() - 40) : cue.start()])
        for cue in EVENT_CUE.finditer(sentence)
    ):
        return False
    return not (_BACKGROUND.search(sentence) and not _SPECIFIC_DAY.search(sentence))
