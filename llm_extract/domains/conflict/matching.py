"""How the conflict schema compares what records and text name: places, actors, monitors.

Fuzzy name agreement (rapidfuzz), state forces told apart by their state, monitors and news
sources that only tell of an event, and whether a text names a place or country at all. Used
when records from different windows are merged and when a record is settled against its text.
"""

from __future__ import annotations

import re
from typing import get_args

from rapidfuzz import fuzz

from llm_extract.domains.conflict.codebook import ActorCategory

#: How closely (rapidfuzz partial ratio) the text must spell a place for it to be named there.
PLACE_NAMED = 90
DIRECTION = re.compile(
    r"(?:north|south|east|west|central|centre|center|middle)(?:[\s-]*(?:east|west))?"
    r"(?:ern|erly)?(?:\s+(?:region|province|part))?",
    re.IGNORECASE,
)


def as_name(words: str, text: str) -> bool:
    """Whether ``text`` writes ``words`` with a capital, as a name, somewhere."""
    found = re.finditer(rf"\b{re.escape(words.strip())}\b", text, re.IGNORECASE)
    return any(m.group(0)[0].isupper() for m in found)


def alike(a: str, b: str) -> bool:
    return fuzz.token_set_ratio(a.casefold(), b.casefold()) >= 85


_STATE_FORCES = re.compile(r"^(?:military|police)\s+forces\s+of\s+(?:the\s+)?", re.IGNORECASE)


def same_actor(a: str, b: str) -> bool:
    # "Military Forces of Syria" and "... of Turkey" share most words: the state tells them apart.
    state_a, state_b = _STATE_FORCES.sub("", a), _STATE_FORCES.sub("", b)
    if state_a != a and state_b != b:
        return alike(state_a, state_b)
    return alike(a, b)


# Who watches and tells, rather than takes part: monitors and observer missions (whether the
# text has them observing), activists' networks and news agencies (when the record cites them as
# its source, or the text has them telling of what others did: activists are also arrested, and
# then they are the second actor).
_WATCHERS = re.compile(r"\b(?:monitor\w*|observ\w*|osce|smm)\b", re.IGNORECASE)
_TELLERS = re.compile(
    r"\b(?:activists?|human\s+rights|news\s+agency|agency|media|ngos?)\b", re.IGNORECASE
)
_REPORTING = r"(?:observed|reported|recorded|documented|said|says|noted|counted|heard)"


def reports_only(name: str, source: str | None, text: str) -> bool:
    """Whether the actor ``name`` is a monitor that the text has only telling of the event."""
    watcher = _WATCHERS.search(name) is not None
    if not watcher and not _TELLERS.search(name):
        return False
    if source and alike(name, source):
        return True
    if watcher:
        telling = rf"\s+(?:\w+\s+)?{_REPORTING}\b"
    else:
        # Activists or media telling of what someone else did ("activists say regime airstrikes
        # have hit"); "activists said they were beaten" is about themselves, so they stay.
        telling = r"\s+(?:say|says|said|reported)\s+(?!(?:that\s+)?(?:they|we|he|she|i)\b)"
    return re.search(rf"\b{re.escape(name)}{telling}", text, re.IGNORECASE) is not None


# Names that say only what kind of actor it is: one window's "State forces" can be another's
# "Syrian regime forces" (seen on the seed article), so as the actors who did it (actor1) they
# agree with any actor of their kind.
GENERIC_NAMES = {
    name.casefold()
    for name in (*get_args(ActorCategory), "Military Forces", "Police Forces",
                 "Unidentified Armed Group", "Rebels", "Government forces")
}  # fmt: skip


#: Generic names of a state's forces (the model's, and ACLED's without the country).
_STATE_GENERIC = {"military forces", "police forces", "state forces", "government forces",
                  "security forces", "soldiers", "police"}  # fmt: skip
#: Any word for an armed, security or state force (or its members).
_FORCE_WORDS = re.compile(
    r"\b(?:soldiers?|troops?|army|armies|militar\w*|police\w*|policem[ae]n|cops?|gendarm\w*"
    r"|forces?|security|officers?|navy|naval|air\s*force|marines?|regime|government|authorit\w*"
    r"|guards?|battalions?|brigades?|regiments?|commandos?|personnel|servicem[ae]n|militias?"
    r"|reinforcements?|jtf|fc|rab|idf|sdf|qsd|ypg)\b",
    re.IGNORECASE,
)


def unnamed_force(name: str, text: str) -> bool:
    """Whether ``name`` is a generic state force ("Military Forces") and ``text`` names no
    force of any kind: the model's guess at who fired or whom a crowd faced."""
    return name.strip().casefold() in _STATE_GENERIC and _FORCE_WORDS.search(text) is None


#: One kind of group fighting among itself: "unidentified tribesmen reportedly clashed ... over
#: a vengeance dispute", "rival clans clashed". ACLED names that group on both sides.
_AMONG = re.compile(
    r"\b(?:tribes(?:men)?|tribal\s+\w+|clans(?:men)?|clan\s+members|rival\s+\w+|factions"
    r"|gangs|two\s+(?:groups|factions|gangs|clans|tribes|communities|families))\b"
    r"[^.]{0,60}?\bclash(?:ed|es)\b(?![^.]{0,40}\b(?:with|against)\b)"
    r"|\bclashed\s+among\s+themselves\b",
    re.IGNORECASE,
)


def among_themselves(quotes: str) -> bool:
    """Whether ``quotes`` tell of one kind of group clashing among itself, with no other side."""
    return _AMONG.search(quotes) is not None


_VICTIMS = (
    r"(?:villagers?|civilians?|residents?|farmers?|herders?|shepherds?|fishermen|children|child"
    r"|boys?|girls?|wom[ae]n|students?|teachers?|pupils?|passers?-?by|worshippers|patients"
    r"|traders?|vendors?|journalists?|famil(?:y|ies))"
)
_STRUCK = r"(?:killed|killing|kills|injured|injuring|injures|wounded|wounding|wounds|hurt|died)"
#: Civilians said to be killed or hurt: "a landmine explosion injured a villager", "one school
#: teacher and an 11-year-old female student were injured".
_CIVILIANS_HIT = re.compile(
    rf"\b{_VICTIMS}\b[^.;]{{0,80}}?\b{_STRUCK}\b|\b{_STRUCK}\b[^.;]{{0,40}}?\b{_VICTIMS}\b",
    re.IGNORECASE,
)
_DENIED = re.compile(r"\b(?:no|not|without|none|neither|nor|never)\b", re.IGNORECASE)


def civilians_hit(quotes: str) -> bool:
    """Whether ``quotes`` say civilians were killed or hurt ("no civilians were hurt": no)."""
    return any(
        not _DENIED.search(quotes[max(0, m.start() - 20) : m.end()])
        for m in _CIVILIANS_HIT.finditer(quotes)
    )


def country_named(country: str, text: str) -> bool:
    """Whether ``text`` names the country (or a word it begins: "Syria" in "Syrian")."""
    return re.search(rf"\b{re.escape(country)}", text, re.IGNORECASE) is not None
