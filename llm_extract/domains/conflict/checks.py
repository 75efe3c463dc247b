"""The ACLED codebook's checks of one coded record: codes that the record's own actors, counts
or quotes contradict. Each problem is said in the codes the prompt uses; the pipeline turns it
into a follow-up (and, where it stands, a flag for review), not a validation error.
"""

from __future__ import annotations

import re
from typing import Any

from llm_extract.core.grounding import cited_text

#: Actor categories that are crowds, and the event types whose actor1 a crowd is.
CROWDS = {"Protesters", "Rioters"}
_CROWD_TYPES = {"Protests", "Riots"}


#: "<actor> was attacked / were shot dead / had been abducted": said of whom it was done to.
_SUFFERED = (
    r"\s+(?:was|were|has\s+been|have\s+been|had\s+been|got)\s+(?:\w+\s+){0,2}?"
    r"(?:attacked|killed|shot|beaten|stabbed|abducted|kidnapped|injured|wounded|hacked|lynched"
    r"|murdered|assaulted|ambushed|targeted|hit)\b"
)


def _victim_as_actor1(event: Any) -> str | None:
    """actor1's name, in the cited sentences, as the one something was done to."""
    if not event.actor1 or event.event_type in _CROWD_TYPES:
        return None  # a protest's or riot's actor1 is the crowd, even when police beat it
    name = event.actor1.name
    quotes = cited_text(event)
    if re.search(re.escape(name) + _SUFFERED, quotes, re.IGNORECASE) is None:
        return None
    return (
        f'actor1 is "{name}", but the text says it was done to them: actor1 is who did it '
        '(the one named after "by"; "Unidentified Armed Group" if the text does not say), '
        f'and "{name}" is actor2.'
    )


def codebook_problem(event: Any) -> str | None:
    """A code that the record's own actors or counts contradict (a follow-up, in the codes the
    prompt uses; as a validation error its re-ask made the model drop the record)."""
    actors = [a for a in (event.actor1, event.actor2) if a]
    if event.sub_event_type == "Armed clash" and any(a.category == "Civilians" for a in actors):
        return (
            'the code "Battles: armed clash" needs two armed, organised sides, but an actor is '
            'civilians: armed people killing or hurting civilians is "Violence against '
            'civilians: attack".'
        )
    if event.actor1 and event.actor1.category in CROWDS and event.event_type not in _CROWD_TYPES:
        return (
            f"actor1 is {event.actor1.category.lower()}, a crowd, but the code is not a protest "
            'or riot: a crowd or group of unarmed people beating or attacking someone is "Riots: '
            'mob violence"; if armed attackers (gunmen, a gang, a militia) did it, actor1 is them '
            '(named "Unidentified Armed Group" when the text does not name them), not the crowd.'
        )
    if event.sub_event_type == "Looting/property destruction" and event.fatalities:
        return (
            'the code "Strategic developments: looting/property destruction" is for property, '
            'with nobody hurt: armed people killing someone while looting is "Violence against '
            'civilians: attack".'
        )
    if event.sub_event_type == "Peaceful protest" and event.fatalities:
        return (
            'the code "Protests: peaceful" cannot have fatalities: forces killing protesters is '
            '"Protests: excessive force"; a crowd that fought is "Riots: violent demonstration".'
        )
    return _victim_as_actor1(event) or _agreement_unnamed(event)


# What an ACLED agreement is: a ceasefire, peace deal, prisoner exchange or other accord.
_AGREEMENT = re.compile(
    r"\b(?:cease-?fire|truce|peace|deal|agreement|accord|pact|treaty|exchang\w*|swap\w*|sign\w*"
    r"|agree\w*|negotiat\w*|talks|reconcil\w*|memorandum|settlement|handover|handed\s+over)\b",
    re.IGNORECASE,
)


def _agreement_unnamed(event: Any) -> str | None:
    """An agreement whose cited sentences name no accord: the small model's code for decrees,
    orders and announcements (none of 162 development notes outside the held-out splits has
    an agreement as its gold code)."""
    if event.sub_event_type != "Agreement":
        return None
    if _AGREEMENT.search(cited_text(event)):
        return None
    return (
        'the code "Strategic developments: agreement" is for a ceasefire, peace deal, prisoner '
        "exchange or other accord between sides, and the cited sentences name none: a decree, "
        'order, appointment or announcement is "Strategic developments: change to '
        'group/activity" or "Strategic developments: other".'
    )
