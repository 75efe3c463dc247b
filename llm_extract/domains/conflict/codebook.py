"""The ACLED codebook as data: event types and sub-types, one-line definitions, the codes the
model picks from, the actor categories, and the cue words that contradict a code.

The conflict schema (``domains/conflict/schema.py``) is built from these; they live apart from it
so the record class reads as the record, and the codebook as the codebook.
"""

from __future__ import annotations

from typing import Literal, get_args

from llm_extract.core.records import Cue

EventType = Literal[
    "Battles",
    "Explosions/Remote violence",
    "Violence against civilians",
    "Protests",
    "Riots",
    "Strategic developments",
]

# The sub-event types of each event type: one list each, so the flat type and the taxonomy
# cannot disagree.
_BATTLES = Literal[
    "Armed clash", "Government regains territory", "Non-state actor overtakes territory"
]
_EXPLOSIONS = Literal[
    "Chemical weapon", "Air/drone strike", "Suicide bomb", "Shelling/artillery/missile attack",
    "Remote explosive/landmine/IED", "Grenade",
]  # fmt: skip
_VIOLENCE = Literal["Sexual violence", "Attack", "Abduction/forced disappearance"]
_PROTESTS = Literal[
    "Peaceful protest", "Protest with intervention", "Excessive force against protesters"
]
_RIOTS = Literal["Violent demonstration", "Mob violence"]
_STRATEGIC = Literal[
    "Agreement", "Arrests", "Change to group/activity", "Disrupted weapons use",
    "Headquarters or base established", "Looting/property destruction",
    "Non-violent transfer of territory", "Other",
]  # fmt: skip
SubEventType = Literal[_BATTLES, _EXPLOSIONS, _VIOLENCE, _PROTESTS, _RIOTS, _STRATEGIC]

#: ACLED's event types and the sub-event types that belong to each.
TAXONOMY: dict[str, list[str]] = {
    "Battles": list(get_args(_BATTLES)),
    "Explosions/Remote violence": list(get_args(_EXPLOSIONS)),
    "Violence against civilians": list(get_args(_VIOLENCE)),
    "Protests": list(get_args(_PROTESTS)),
    "Riots": list(get_args(_RIOTS)),
    "Strategic developments": list(get_args(_STRATEGIC)),
}
assert list(TAXONOMY) == list(get_args(EventType))
TYPE_OF = {sub: event_type for event_type, subs in TAXONOMY.items() for sub in subs}

#: One-line coding rules per sub-event type (after the ACLED codebook, in our own words); the
#: template shows them, so the model picks the sub-type and code derives the event type.
DEFINITIONS: dict[str, str] = {
    "Armed clash": "armed, organised sides fight each other; no place changes hands",
    "Government regains territory": "state forces retake a place from non-state groups",
    "Non-state actor overtakes territory": "rebels, militias or other groups take a place",
    "Chemical weapon": "a chemical weapon is used",
    "Air/drone strike": "aircraft or drones strike, whoever or whatever is hit",
    "Suicide bomb": "a suicide bomber or suicide vehicle bomb",
    "Shelling/artillery/missile attack": "shells, mortars, rockets or missiles are fired",
    "Remote explosive/landmine/IED": "a planted bomb, IED or landmine explodes",
    "Grenade": "a grenade is thrown",
    "Sexual violence": "rape or other sexual violence by an armed or organised actor",
    "Attack": "armed people kill, wound, beat or shoot unarmed civilians",
    "Abduction/forced disappearance": "people are kidnapped or taken and held",
    "Peaceful protest": "a demonstration, march, sit-in or strike; nobody intervenes",
    "Protest with intervention": "police or others disperse, block or arrest peaceful "
    "protesters (tear gas, arrests), without killing",
    "Excessive force against protesters": "forces kill or gravely injure peaceful protesters",
    "Violent demonstration": "demonstrators riot: stones, burning tyres, damage, clashes with "
    "police",
    "Mob violence": "a crowd attacks people or property outside a demonstration (e.g. lynching)",
    "Agreement": "a ceasefire, peace deal or prisoner exchange",
    "Arrests": "forces arrest or detain people (not during a protest)",
    "Change to group/activity": "a group forms, merges, splits or changes its activity",
    "Disrupted weapons use": "bombs defused, weapons or explosives seized, attacks foiled",
    "Headquarters or base established": "a group sets up a base or headquarters",
    "Looting/property destruction": "property is looted, burned or destroyed, nobody hurt",
    "Non-violent transfer of territory": "a place changes hands without fighting",
    "Other": "any other important political or security development",
}
assert DEFINITIONS.keys() == set(get_args(SubEventType))

_SHORT = {"Peaceful protest": "peaceful", "Protest with intervention": "with intervention",
          "Excessive force against protesters": "excessive force"}  # fmt: skip
#: What the model picks from: "Event type: sub-type" in one string. The model commits to the
#: broad type first, then the sub-type; and no label is a prefix trap. With the bare ACLED names,
#: constrained decoding turned a model's "Pro..." into "Protest with intervention" for plain
#: protests ("Peaceful protest" cannot start with "Pro").
CODES: dict[str, str] = {
    f"{event_type}: {_SHORT.get(sub, sub.lower())}": sub
    for event_type, subs in TAXONOMY.items()
    for sub in subs
}

LABELS = {sub: code for code, sub in CODES.items()}

#: ``fatalities`` where the text reports no number of dead. ACLED's codebook records the most
#: conservative reported count and never a blank: no reported deaths is 0. A record keeps null
#: (the text did not say; the JSONL shows it); its table row has this, as ACLED codes it.
FATALITIES_NOT_REPORTED = 0


#: Someone killed or hurt, said as a fact: "killed 1 person", "two people were injured",
#: "shot dead"; not "No people were reported injured or killed" (notes often say so).
_HURT = (
    r"|\b(?:killed|killing|wounded|wounding|injured|injuring|shot|stabbed|beat|beaten|beating)"
    r"\s+(?:(?:up|dead|and)\s+)?(?:\w+\s+){0,2}?(?:\d+|one|two|three|four|five|several|many"
    r"|dozens|a|an|the|his|her|their)\b"
    r"|\b(?:\d+|one|two|three|four|five|several|many|dozens|a|an)\s+(?:[\w-]+\s+){0,3}"
    r"(?:was|were)\s+(?:\w+\s+)?(?:killed|wounded|injured|shot|beaten|stabbed|lynched)\b"
    r"|\bshot\s+dead\b"
)


#: A monitor's count of blasts: "a total of 21 explosions involving unknown weapons",
#: "4 projectiles/shots involving unknown weapons" (OSCE SMM reports).
_OBSERVED = r"\b(?:explosions?|projectiles?)\b[^.]{0,40}\binvolving\b"


def _cue(
    name: str, pattern: str, contradicts: set[str], hint: str, unless: str | None = None
) -> Cue:
    return Cue(pattern, "sub_event_type", frozenset(contradicts), hint, LABELS, unless, name)


#: Words in the cited sentences that contradict a code (after the ACLED codebook). Each found
#: pairing earns one re-ask that names the words; the model may keep its code. They target the
#: confusions measured on unseen notes: riots coded as peaceful protests, looting never chosen,
#: shelling coded as an IED or grenade, air strikes coded as ground fighting.
CUES: tuple[Cue, ...] = (
    _cue(
        "territory",
        r"\b(?:took|taken|taking|takes|seized|seizing|regained|regaining)\s+(?:full\s+)?"
        r"control\b|\bretook\b|\brecaptur\w*|\boverr[au]n\b|\bcaptured\s+the\s+"
        r"(?:town|city|village|district|base)\b",
        {"Armed clash", "Change to group/activity", "Other", "Disrupted weapons use"},
        'a side taking control of a place is "Battles: government regains territory" (state '
        'forces) or "Battles: non-state actor overtakes territory" (any other group).',
    ),
    _cue(
        "riot",
        r"\b(?:threw|throwing|hurl\w*|pelt\w*)\b[^.]{0,30}\b(?:stones?|rocks?|bricks?)\b"
        r"|\bstone[- ]?(?:pelting|throwing)\b|\bburn\w*\s+(?:of\s+)?(?:tyres|tires)\b"
        r"|\bbarricad\w*|\bvandali[sz]\w*|\bfired\s+(?:gun)?shots\s+in\s+the\s+air\b"
        r"|\bclash\w*\s+with\s+(?:the\s+)?police\b|\bbrawl\w*|\bscuffl\w*",
        # Police stepping in do not make a crowd's violence an intervention in a peaceful protest.
        {"Peaceful protest", "Protest with intervention"},
        "a crowd that throws stones, burns tyres, damages property or clashes is a riot: "
        '"Riots: violent demonstration" (or "Riots: mob violence" outside a demonstration).',
    ),
    _cue(
        "looting",
        r"\bloot\w*|\bransack\w*|\bpillag\w*|\btorch(?:ed|ing)\b|\barson\w*"
        r"|\bset\s+fire\s+to\b|\b(?:set|setting)\s+(?:[\w-]+\s+){0,3}on\s+fire\b"
        r"|\bburn\w*\s+down\b|\bdemolish\w*|\bcut\s+down\b|\buproot\w*"
        # Civilian property: "destroyed a technical" in a battle is not looting.
        r"|\bdestroy(?:ed|ing)\s+(?:[\w-]+\s+){0,3}?(?:houses?|homes?|shops?|property|vehicles?"
        r"|cars?|trucks?|lorries|crops|fields|trees|buildings?|offices?|schools?|churches"
        r"|church|mosques?|markets?|stalls?|scheme|facilit(?:y|ies)|equipment|machinery)\b",
        {
            "Abduction/forced disappearance",
            "Disrupted weapons use",
            "Armed clash",
            "Attack",
            "Other",
            "Remote explosive/landmine/IED",
            "Grenade",
        },
        'armed people looting, burning or destroying property with nobody hurt is "Strategic '
        'developments: looting/property destruction" (people attacked: "Violence against '
        'civilians: attack"; a rioting crowd: "Riots: ...").',
        # Damage done by a bomb, shell or air strike belongs to that attack; and where people
        # are killed or hurt, the attack on them is the event (ACLED: nobody hurt).
        unless=r"\bbomb\w*|\bexplo\w*|\bied\b|\bgrenade\w*|\bblast\w*|\bshell\w*"
        r"|\bair\s*strikes?\b|\bairstrikes?\b|\bdrones?\b|\brockets?\b|\bmortars?\b" + _HURT,
    ),
    _cue(
        "shelling",
        r"\bshell(?:s|ed|ing)\b|\bmortars?\b|\bartillery\b|\brockets?\b",
        {"Remote explosive/landmine/IED", "Grenade"},
        'shells, mortars, artillery and rockets are "Explosions/Remote violence: '
        'shelling/artillery/missile attack".',
    ),
    _cue(
        "exchange-of-fire",
        r"\bin\s+both\s+directions\b|\bexchang\w*\s+(?:of\s+)?(?:gun)?fire\b"
        r"|\bexchanged\s+(?:heavy\s+)?(?:gun)?fire\b|\bfire\s?fights?\b|\bgun\s?battles?\b"
        r"|\bshoot-?outs?\b",
        {
            "Air/drone strike",
            "Shelling/artillery/missile attack",
            "Remote explosive/landmine/IED",
            "Grenade",
        },
        "two sides firing at each other (an exchange of fire, fire in both directions of a "
        'frontline, a gun battle) is "Battles: armed clash", whatever the weapons.',
    ),
    _cue(
        "explosions-observed",
        _OBSERVED,
        {"Remote explosive/landmine/IED", "Air/drone strike", "Grenade"},
        "explosions or projectiles counted by a monitor, with no mine, bomb, grenade or aircraft "
        'named, are an event: "Explosions/Remote violence: shelling/artillery/missile attack".',
        # A mine as a weapon, not a place: "near Butovka-Donetskaya Mine" hid this cue. Fire "in
        # both directions" is the exchange-of-fire cue's clash.
        unless=r"\blandmines?\b|\b(?:a|an|the|anti-[\w-]+)\s+mines?\b|\bied\b|\bbombs?\b"
        r"|\bgrenades?\b|\bair\s*strikes?\b|\bairstrikes?\b|\bdrones?\b|\baircraft\b"
        r"|\bin\s+both\s+directions\b",
    ),
    _cue(
        "small-arms-observed",
        r"\b(?:shots|bursts)\b[^.]{0,40}\binvolving\s+"
        r"(?:small[- ]arms|(?:heavy\s+)?machine-?\s?guns?)",
        {
            "Air/drone strike",
            "Shelling/artillery/missile attack",
            "Remote explosive/landmine/IED",
            "Grenade",
        },
        "shots or bursts of small-arms or machine-gun fire counted by a monitor, with no "
        'explosion, are "Battles: armed clash" (the sides of the line; unknown: Unidentified '
        "Armed Group).",
        unless=r"\bexplosions?\b|\bprojectiles?\b",
    ),
    _cue(
        "air-strike",
        r"\bair\s*strikes?\b|\bairstrikes?\b|\bwarplanes?\b|\bdrones?\b|\baircraft\b"
        r"|\bhelicopters?\b|\bair\s+raids?\b",
        {"Armed clash", "Attack", "Remote explosive/landmine/IED", "Grenade"},
        'aircraft or drones striking is "Explosions/Remote violence: air/drone strike", even '
        "when people are killed.",
        # Ground fighting with air support is still a battle in ACLED.
        unless=r"\bclash\w*|\bfight\w*|\bfought\b|\bbattle\w*|\bexchange\w* of fire\b",
    ),
    _cue(
        "ied",
        r"\b(?:car|truck|roadside|parcel|pipe|home-?made|improvised|time)\s+bombs?\b"
        r"|\bbombs?\s+(?:was\s+|were\s+)?(?:planted|hidden|placed|left|exploded|went\s+off"
        r"|detonated)\b|\bexplosive\s+devices?\b|\bieds?\b|\b(?:land\s*)mines?\b"
        r"|\b(?:blast|explosion)s?\b",
        {"Air/drone strike", "Armed clash", "Attack"},
        'a bomb, mine or explosive device that is planted or set off is "Explosions/Remote '
        'violence: remote explosive/landmine/ied", even when people are killed; who set it off '
        "is actor1 (unknown: Unidentified Armed Group), not the police looking for them.",
        # The blast of a shell, rocket, grenade or aircraft's bomb has its own code; a suicide
        # bomber too.
        unless=r"\bair\s*strikes?\b|\bairstrikes?\b|\bdrones?\b|\baircraft\b|\bwarplanes?\b"
        r"|\bjets?\b|\bhelicopters?\b|\bshell\w*|\bmortars?\b|\brockets?\b|\bartillery\b"
        r"|\bmissiles?\b|\bgrenades?\b|\bsuicide\b|" + _OBSERVED,
    ),
    _cue(
        "grenade",
        r"\bgrenades?\b",
        {
            "Attack",
            "Armed clash",
            "Remote explosive/landmine/IED",
            "Shelling/artillery/missile attack",
        },
        'a grenade thrown or exploding is "Explosions/Remote violence: grenade", even when '
        "people are killed.",
    ),
    _cue(
        "movement",
        r"\breinforcements?\b|\breinforc(?:ed|ing)\s+(?:its|their|the)\b|\bredeploy\w*"
        r"|\bmovement\s+of\s+(?:forces|troops)\b",
        {
            "Agreement",
            "Headquarters or base established",
            "Other",
            "Non-violent transfer of territory",
        },
        'forces sent, moved or reinforced, with no fighting told, are "Strategic developments: '
        'change to group/activity".',
        unless=r"\bclash\w*|\bfight\w*|\bfought\b|\bbattle\w*|\battack\w*|\bkill\w*"
        r"|\bshell\w*|\bair\s*strikes?\b|\bairstrikes?\b",
    ),
    _cue(
        "intervention",
        # Done to the protesters, not a protest against an arrest ("against the arrest of ..."):
        # dispersing, tear gas, or an arrest whose object or subject is the crowd.
        r"\bdispers(?:ed|ing|e)\b|\bintervened\b|\btear\s*gas\b|\bwater\s*cannons?\b"
        r"|\brubber\s+bullets\b|\bbatons?\b|\bbaton-charg\w*"
        r"|\b(?:arrest|detain|remov)(?:ed|ing)\s+(?:[\w-]+\s+){0,3}?(?:of\s+the\s+)?"
        r"(?:protesters|demonstrators|participants|marchers|activists|strikers)\b"
        r"|\b(?:protesters|demonstrators|participants|marchers|activists|strikers|people|they)"
        r"(?:,[^,.]{0,40},)?\s+(?:were|was)\s+(?:\w+\s+)?(?:arrested|detained|removed"
        r"|dispersed|blocked)\b",
        {"Peaceful protest"},
        'police or others dispersing, blocking, removing or arresting protesters is "Protests: '
        'with intervention" (actor2: who intervened); forces killing or gravely hurting them is '
        '"Protests: excessive force".',
        # A crowd that riots is a riot whoever steps in ("prisoners rioted ... forces
        # intervened"): the riot cue speaks there, not this one.
        unless=r"\briot\w*|\bbrawl\w*|\bstones?\b|\brocks?\b|\bvandal\w*|\bburn\w*|\bloot\w*",
    ),
    _cue(
        "mob",
        r"\b(?:supporters|members|youths?|villagers|residents|students|traders|farmers|herders"
        r"|crowds?|mobs?|locals)\b[^.]{0,60}\bclash\w*|\bclash\w*\b[^.]{0,40}\b(?:supporters"
        r"|youths?|villagers|residents)\b|\bmobs?\b|\blynch\w*|\b(?:demonstrators|protesters"
        r"|crowds?|residents|villagers|youths?)\b[^.]{0,80}\b(?:killed|beat|lynched|stoned)\b",
        {"Armed clash", "Peaceful protest"},
        "unarmed groups (party supporters, youths, villagers, a mob) fighting each other or "
        'beating someone is "Riots: mob violence"; "Battles: armed clash" is for armed, '
        "organised groups.",
        unless=r"\bgunmen\b|\bmilitants?\b|\bsoldiers\b|\btroops\b|\barmy\b|\brebels?\b"
        r"|\bmilitia\w*|\bjihadists?\b|\bfighters\b",
    ),
)

ActorCategory = Literal[
    "State forces",
    "Rebel group",
    "Political militia",
    "Identity militia",
    "Rioters",
    "Protesters",
    "Civilians",
    "External/other forces",
]
