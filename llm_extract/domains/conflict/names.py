"""ACLED's names for what news text names otherwise: state forces named by nationality, groups
named by an acronym or an armed wing, and a site named where ACLED codes the town it is in.

News writes "Turkish forces", "Afghan troops", "ANDSF" or "pro-Houthi forces"; ACLED's actor
list writes "Military Forces of Turkey (2016-)", "Military Forces of Afghanistan (2014-)",
"Military Forces of Yemen (2016-) Supreme Political Council". The name a record carries is what
a coder filters and groups on, so the conflict schema maps the first to the second. The years
in ACLED's names (a government's term) are left out, as the text does not say them, except
where they tell two forces of one state apart (Yemen's).
"""

from __future__ import annotations

import re

#: Demonym -> ACLED's country name, for the countries with the most political violence and
#: protest in ACLED's data. A demonym shared by two countries ("Congolese") is left out.
COUNTRY_OF: dict[str, str] = {
    "Afghan": "Afghanistan", "Algerian": "Algeria", "American": "United States",
    "Armenian": "Armenia", "Azerbaijani": "Azerbaijan", "Bahraini": "Bahrain",
    "Bangladeshi": "Bangladesh", "Belarusian": "Belarus", "Beninese": "Benin",
    "Brazilian": "Brazil", "British": "United Kingdom", "Burkinabe": "Burkina Faso",
    "Burmese": "Myanmar", "Burundian": "Burundi", "Cameroonian": "Cameroon",
    "Chadian": "Chad", "Chilean": "Chile", "Chinese": "China", "Colombian": "Colombia",
    "Egyptian": "Egypt", "Emirati": "United Arab Emirates", "Eritrean": "Eritrea",
    "Ethiopian": "Ethiopia", "French": "France", "Georgian": "Georgia", "Ghanaian": "Ghana",
    "Guinean": "Guinea", "Indian": "India", "Indonesian": "Indonesia", "Iranian": "Iran",
    "Iraqi": "Iraq", "Israeli": "Israel", "Jordanian": "Jordan", "Kenyan": "Kenya",
    "Lebanese": "Lebanon", "Libyan": "Libya", "Malian": "Mali", "Mexican": "Mexico",
    "Moroccan": "Morocco", "Mozambican": "Mozambique", "Nepalese": "Nepal", "Nepali": "Nepal",
    "Nigerian": "Nigeria", "Nigerien": "Niger", "Pakistani": "Pakistan",
    "Palestinian": "Palestine", "Peruvian": "Peru", "Philippine": "Philippines",
    "Filipino": "Philippines", "Russian": "Russia", "Rwandan": "Rwanda", "Saudi": "Saudi Arabia",
    "Senegalese": "Senegal", "Somali": "Somalia", "South African": "South Africa",
    "South Sudanese": "South Sudan", "Sudanese": "Sudan", "Syrian": "Syria",
    "Tajik": "Tajikistan", "Tanzanian": "Tanzania", "Thai": "Thailand", "Tunisian": "Tunisia",
    "Turkish": "Turkey", "Ugandan": "Uganda", "Ukrainian": "Ukraine", "US": "United States",
    "U.S.": "United States", "Venezuelan": "Venezuela", "Yemeni": "Yemen",
    "Zimbabwean": "Zimbabwe",
}  # fmt: skip

_COUNTRY_BY_DEMONYM = {demonym.casefold(): country for demonym, country in COUNTRY_OF.items()}

#: Countries whose ACLED name has "the" after "Forces of".
_WITH_THE = frozenset({"United States", "United Kingdom", "United Arab Emirates", "Philippines"})

#: Groups that news text names by an acronym ACLED's own name for them does not contain (ACLED
#: writes "Islamic State", "Hayat Tahrir al-Sham"; "IS militants" shares no word with them).
#: Keys are spellings as written: matched case-sensitively ("IS" is the group, "is" a verb).
#: ACLED puts these groups in several categories: the model's category stays.
_ACRONYMS = {
    **dict.fromkeys(("IS", "ISIS", "ISIL", "Daesh", "DAESH", "Da'esh"), "Islamic State"),
    "HTS": "Hayat Tahrir al-Sham",
}
_BY_ACRONYM = re.compile(
    rf"(?:the\s+)?({'|'.join(map(re.escape, _ACRONYMS))})(?:\s+(?:militants?|fighters?|group|"
    r"terrorists?|jihadists?|insurgents?|members?|cells?|gunmen|elements))?"
)
#: Groups whose ACLED name the text's words do not contain, by the names news gives them, with
#: ACLED's category. Written as patterns for the whole name, case-insensitive: news adds a word
#: for who they are ("pro-Houthi snipers").
_MEMBERS = (
    r"(?:\s+(?:forces|fighters|militants|militiamen|militia|rebels|gunmen|snipers|troops|group"
    r"|movement))?"
)
_GROUPS: tuple[tuple[str, str, str], ...] = (
    (r"ANDSF|ANSF|ANA|Afghan\s+National\s+(?:Army|(?:Defen[cs]e\s+and\s+)?Security\s+Forces)",
     "Military Forces of Afghanistan", "State forces"),
    (r"IDF|Israel\s+Defen[cs]e\s+Forces", "Military Forces of Israel", "State forces"),
    (r"SAA|Syrian\s+Arab\s+Army|Syrian\s+regime|Assad\s+forces", "Military Forces of Syria",
     "State forces"),
    (r"FARDC", "Military Forces of the Democratic Republic of Congo", "State forces"),
    # ACLED codes the Houthi movement's forces as Yemen's 2016- state forces, and the Hadi
    # government's as its 2012- forces; "Operation Restoring Hope" is the Saudi-led coalition.
    (rf"(?:pro-)?Houthis?{_MEMBERS}|Ansar\s*Allah",
     "Military Forces of Yemen (2016-) Supreme Political Council", "State forces"),
    (rf"pro-Hadi{_MEMBERS}|Hadi\s+(?:forces|fighters|troops|loyalists)",
     "Military Forces of Yemen (2012-)", "State forces"),
    (r"(?:the\s+)?(?:Saudi-led\s+|Arab\s+)coalition(?:\s+(?:forces|warplanes|jets|aircraft))?",
     "Operation Restoring Hope", "External/other forces"),
    # Armed wings and coalitions known by another name.
    (r"(?:Izz\s+ad-Din\s+)?al[- ]Qassam\s+Brigades?|Qassam\s+Brigades?", "Hamas Movement",
     "Political militia"),
    (rf"(?:SDF|Syrian\s+Democratic\s+Forces){_MEMBERS}", "QSD: Syrian Democratic Forces",
     "Rebel group"),
    (r"(?:DPR|LPR|Donetsk\s+People's\s+Militia|Luhansk\s+People's\s+Militia)"
     r"(?:\s+(?:forces|fighters|militants))?", "NAF: United Armed Forces of Novorossiya",
     "Rebel group"),
)  # fmt: skip
_BY_PATTERN = [
    (re.compile(rf"(?:the\s+)?(?:{pattern})", re.IGNORECASE), name, category)
    for pattern, name, category in _GROUPS
]

_FORCES = re.compile(
    rf"(?:the\s+)?(?P<who>{'|'.join(sorted(map(re.escape, COUNTRY_OF), key=len, reverse=True))})"
    r"\s+(?:(?:national|government|state|regime|armed|security|military|special)\s+){0,2}"
    r"(?:(?P<police>police(?:\s+(?:forces|officers))?|policemen)"
    r"|forces|army|troops|military|soldiers|security\s+forces)",
    re.IGNORECASE,
)


def acled_actor(name: str) -> tuple[str, str | None] | None:
    """ACLED's name and category for the group written ``name`` in a text, or None.

    "Turkish forces" -> ("Military Forces of Turkey", "State forces"); "Pakistani police" ->
    "Police Forces of Pakistan"; "ANDSF" -> "Military Forces of Afghanistan"; "al-Qassam
    Brigades" -> ("Hamas Movement", "Political militia"); "IS militants" -> ("Islamic State",
    None): a None category leaves the one given.
    """
    name = name.strip()
    if known := _BY_ACRONYM.fullmatch(name):
        return _ACRONYMS[known.group(1)], None
    for pattern, acled, category in _BY_PATTERN:
        if pattern.fullmatch(name):
            return acled, category
    found = _FORCES.fullmatch(name)
    if found is None:
        return None
    country = _COUNTRY_BY_DEMONYM[found.group("who").casefold()]
    if country in _WITH_THE:
        country = f"the {country}"
    kind = "Police" if found.group("police") else "Military"
    return f"{kind} Forces of {country}", "State forces"


# A site inside a populated place, as ACLED notes write it: "al Sheikhi area on the outskirts of
# Abu Saida", "As Sirrah area of Lawdar district", "Al-Ashrafieh neighbourhood in Afrin city".
# ACLED codes the place it is in (on 16 such phrases in development notes: every "area of" /
# "on the outskirts of" and "neighbourhood of/in" went to the larger place; villages went either
# way, and "X area in <province>" stayed X, so neither is changed).
_PLACE = r"(?:(?:al|as|ad|an|el)[ -])?[A-Z][\w'-]*(?:[ -][A-Z][\w'-]*){0,3}"
#: Site words, each with the links that put such a site in a town.
_SITES = (
    (r"areas?", r"of|on\s+the\s+outskirts\s+of"),
    (r"neighbou?rhoods?|quarters?", r"of|in"),
)
_SITE_WORD = re.compile(rf"\s+(?:{'|'.join(site for site, _ in _SITES)})$", re.IGNORECASE)


def populated_place(place: str, text: str) -> str | None:
    """The town ``text`` says the site ``place`` is part of, or None when it says none.

    "al Sheikhi area" in "... in al Sheikhi area on the outskirts of Abu Saida in Diyala" ->
    "Abu Saida". ``place`` may carry the site word or not ("Tilak Nagar" for "Tilak Nagar area
    of Chembur suburb").
    """
    core = _SITE_WORD.sub("", place.strip())
    if not core:
        return None
    for site, within in _SITES:
        # The site and its link in any case; the town as a name, with capitals.
        found = re.search(
            rf"(?<![\w-])(?i:{re.escape(core)}\s+(?:{site})\s*,?\s+(?:{within})\s+(?:the\s+)?)"
            rf"(?P<town>{_PLACE})",
            text,
        )
        if found:
            return found.group("town")
    return None


# The OSCE Special Monitoring Mission's daily counts along the Donbas contact line (2014-2022),
# a large share of ACLED's Ukraine data: fire "in both directions of the frontline" is an armed
# clash between the two sides of that line, which ACLED names so.
_SMM = re.compile(r"\bOSCE\b|\bSMM\b|Special\s+Monitoring\s+Mission", re.IGNORECASE)
_BOTH_WAYS = re.compile(
    r"\bboth\s+directions\s+of\s+the\s+(?:frontline|front\s+line|contact\s+line)\b", re.IGNORECASE
)
DONBAS_SIDES = ("Military Forces of Ukraine", "NAF: United Armed Forces of Novorossiya")


def frontline_sides(text: str) -> tuple[str, str] | None:
    """ACLED's two sides for an OSCE SMM count of fire across the Donbas contact line, or None."""
    if _SMM.search(text) and _BOTH_WAYS.search(text):
        return DONBAS_SIDES
    return None
