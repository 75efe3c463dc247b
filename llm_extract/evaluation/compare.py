"""Field comparison: is a predicted value the same as the gold one, tolerantly?

Gold data names things in canonical forms ("Military Forces of Syria (2000-)", "Protesters
(Algeria)") while text, and so a model, says "Syrian army" or "farmers". Names are normalised
(case, punctuation, parenthesised qualifiers, plural -s), then they match when one shares a
distinctive word with the other, when rapidfuzz finds them close, or when both name the same
generic role (army, police, protesters, civilians, unidentified gunmen...).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date

from rapidfuzz import fuzz

#: rapidfuzz ``token_set_ratio`` at or above which two normalised names match.
NAME_THRESHOLD = 85.0

# Words too common in actor and place names to identify one ("forces", "group", "city").
_GENERIC = frozenset((
    "a", "an", "and", "of", "the", "in", "at", "on", "for", "to", "by", "from", "with", "de",
    "al", "el", "armed", "force", "group", "unidentified", "unknown", "suspected", "presumed",
    "alleged", "men", "people", "member", "members", "faction", "city", "town", "village",
    "district", "province", "region", "state", "county", "area", "near", "central", "north",
    "south", "east", "west", "northern", "southern", "eastern", "western", "new", "local",
    "national",
))  # fmt: skip

# Generic ACLED roles and words that name them in text. A gold "Protesters (Kenya)" matches a
# predicted "demonstrators"; a gold "Military Forces of Niger (2011-)" matches "Nigerien troops".
_ROLES: dict[str, tuple[str, ...]] = {
    "military": ("military", "army", "soldier", "troop", "armed forces", "defence force",
                 "defense force", "regime force", "government force", "navy", "air force",
                 "marine", "national guard"),
    "police": ("police", "policemen", "gendarme", "security force", "security personnel",
               "law enforcement", "riot police"),
    "protesters": ("protester", "protestor", "demonstrator", "protest", "marcher"),
    "rioters": ("rioter", "mob", "youth", "riot"),
    "civilians": ("civilian", "villager", "resident", "farmer", "worker", "child", "woman",
                  "man", "women", "men", "children", "people", "person", "student", "journalist"),
    "unidentified": ("unidentified", "gunmen", "gunman", "unknown", "assailant", "attacker",
                     "armed men", "bandit", "militant"),
}  # fmt: skip


def normalise(name: str) -> str:
    text = re.sub(r"\([^)]*\)", " ", name.lower())  # "(2000-)", "(Niger)": qualifiers
    text = re.sub(r"[^\w\s]", " ", text)
    words = [w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w
             for w in text.split() if w != "the"]  # fmt: skip
    return " ".join(words)


def _distinctive(name: str) -> set[str]:
    return {w for w in name.split() if len(w) > 2 and w not in _GENERIC and not w.isdigit()}


def roles(name: str) -> set[str]:
    """Generic roles a name refers to (a name may carry none)."""
    padded = f" {normalise(name)} "
    return {
        role
        for role, cues in _ROLES.items()
        if any(f" {normalise(cue)} " in padded for cue in cues)
    }


def names_match(predicted: str | None, gold: str | None) -> bool:
    """Tolerant name equality for actors and places."""
    if not predicted or not gold:
        return False
    p, g = normalise(predicted), normalise(gold)
    if not p or not g:
        return False
    if p == g or _distinctive(p) & _distinctive(g):
        return True
    if fuzz.token_set_ratio(p, g) >= NAME_THRESHOLD:
        return True
    return bool(roles(predicted) & roles(gold))


def any_name_matches(predicted: Iterable[str | None], gold: Iterable[str | None]) -> bool:
    golds = [g for g in gold if g]
    return any(names_match(p, g) for p in predicted if p for g in golds)


def same_label(predicted: str | None, gold: str | None) -> bool:
    """Taxonomy labels: exact up to case and surrounding space."""
    return (predicted or "").strip().casefold() == (gold or "").strip().casefold()


def same_date(predicted: date | str | None, gold: str | None) -> bool:
    if predicted is None or gold is None:
        return predicted is None and gold is None
    return str(predicted)[:10] == gold[:10]


def same_fatalities(predicted: int | None, gold: int | None) -> bool:
    # ACLED-style gold codes "no deaths reported" as 0, so null and 0 are the same answer.
    return (predicted or 0) == (gold or 0)
