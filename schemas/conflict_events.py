"""Political violence and protest events, coded after the ACLED codebook."""

from __future__ import annotations

import re
from itertools import chain
from typing import Any, ClassVar, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from rapidfuzz import fuzz

from llm_extract.acled_names import (
    acled_actor,
    frontline_sides,
    populated_place,
)
from llm_extract.schema_kit import (
    Cue,
    DateExpression,
    EventDate,
    EventRecord,
    EvidenceRefs,
    FatalityCounts,
    evidence_columns,
)

EventType = Literal[
    "Battles",
    "Explosions/Remote violence",
    "Violence against civilians",
    "Protests",
    "Riots",
    "Strategic developments",
]

SubEventType = Literal[
    "Armed clash",
    "Government regains territory",
    "Non-state actor overtakes territory",
    "Chemical weapon",
    "Air/drone strike",
    "Suicide bomb",
    "Shelling/artillery/missile attack",
    "Remote explosive/landmine/IED",
    "Grenade",
    "Sexual violence",
    "Attack",
    "Abduction/forced disappearance",
    "Peaceful protest",
    "Protest with intervention",
    "Excessive force against protesters",
    "Violent demonstration",
    "Mob violence",
    "Agreement",
    "Arrests",
    "Change to group/activity",
    "Disrupted weapons use",
    "Headquarters or base established",
    "Looting/property destruction",
    "Non-violent transfer of territory",
    "Other",
]

#: ACLED's event types and the sub-event types that belong to each.
TAXONOMY: dict[str, list[str]] = {
    "Battles": [
        "Armed clash",
        "Government regains territory",
        "Non-state actor overtakes territory",
    ],
    "Explosions/Remote violence": [
        "Chemical weapon",
        "Air/drone strike",
        "Suicide bomb",
        "Shelling/artillery/missile attack",
        "Remote explosive/landmine/IED",
        "Grenade",
    ],
    "Violence against civilians": ["Sexual violence", "Attack", "Abduction/forced disappearance"],
    "Protests": [
        "Peaceful protest",
        "Protest with intervention",
        "Excessive force against protesters",
    ],
    "Riots": ["Violent demonstration", "Mob violence"],
    "Strategic developments": [
        "Agreement",
        "Arrests",
        "Change to group/activity",
        "Disrupted weapons use",
        "Headquarters or base established",
        "Looting/property destruction",
        "Non-violent transfer of territory",
        "Other",
    ],
}
assert sorted(chain.from_iterable(TAXONOMY.values())) == sorted(get_args(SubEventType))
_TYPE_OF = {sub: event_type for event_type, subs in TAXONOMY.items() for sub in subs}

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

_LABELS = {sub: code for code, sub in CODES.items()}


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


def _cue(
    name: str, pattern: str, contradicts: set[str], hint: str, unless: str | None = None
) -> Cue:
    return Cue(pattern, "sub_event_type", frozenset(contradicts), hint, _LABELS, unless, name)


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
        r"\bexplosions?\b[^.]{0,40}\binvolving\b",
        {"Remote explosive/landmine/IED", "Air/drone strike", "Grenade"},
        "explosions counted by a monitor, with no mine, bomb, grenade or aircraft named, are an "
        'event: "Explosions/Remote violence: shelling/artillery/missile attack".',
        unless=r"\bmines?\b|\bied\b|\bbombs?\b|\bgrenades?\b|\bair\s*strikes?\b"
        r"|\bairstrikes?\b|\bdrones?\b|\baircraft\b",
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
        r"|\bmissiles?\b|\bgrenades?\b|\bsuicide\b|\bexplosions?\b[^.]{0,40}\binvolving\b",
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


class Actor(BaseModel):
    """A party to the event."""

    name: str = Field(
        min_length=2,
        description="A named group by its name ('Al Shabaab'); a generic actor by ACLED's "
        "generic name: 'Protesters', 'Rioters', 'Civilians', 'Military Forces', 'Police Forces', "
        "'Unidentified Armed Group'.",
    )
    category: ActorCategory = Field(description="The actor's ACLED category.")
    associated: list[str] = Field(
        max_length=2,
        description="Who they are or who acted with them, e.g. ['Teachers'] for protesting "
        "teachers (empty list if none).",
    )

    @field_validator("associated", mode="before")
    @classmethod
    def _no_placeholders(cls, value: Any) -> Any:
        # ["None"], ["Unknown"]: the small model's way of saying nobody, not an actor.
        if isinstance(value, list):
            return [v for v in value if not (isinstance(v, str) and _NOBODY.fullmatch(v.strip()))]
        return value

    @field_validator("name", mode="before")
    @classmethod
    def _unknown_is_generic(cls, value: Any) -> Any:
        # "Unknown", "unidentified gunmen": ACLED's generic name, so it compares and groups.
        if isinstance(value, str) and _UNKNOWN_ACTOR.fullmatch(value.strip()):
            return "Unidentified Armed Group"
        return value

    @model_validator(mode="after")
    def _acled_name(self) -> Actor:
        # "Turkish forces", "IS militants", "pro-Houthi forces": ACLED's name for them, so a record
        # compares and groups with ACLED's own ("Military Forces of Turkey (2016-)").
        if self.category in _NAMED_BY_CATEGORY or (acled := acled_actor(self.name)) is None:
            return self
        self.name, category = acled
        if category is not None:
            self.category = category  # type: ignore[assignment]
        return self

    @model_validator(mode="after")
    def _category_name(self) -> Actor:
        # ACLED names civilians, protesters and rioters by their category alone ("Civilians"),
        # and says who they are in the associated actor: "a motorcycle driver" is Civilians
        # with ["Motorcycle driver"], so it compares and groups with other civilian victims.
        if (
            self.category not in _NAMED_BY_CATEGORY
            or self.name.casefold() == self.category.casefold()
        ):
            return self
        who = [self.name, *(a for a in self.associated if a.casefold() != self.name.casefold())]
        self.name, self.associated = self.category, who[:2]
        return self


_NAMED_BY_CATEGORY = frozenset({"Civilians", "Protesters", "Rioters"})


_NOBODY = re.compile(
    r"none|null|n/?a|unknown|unidentified|not\s+(?:specified|stated|known)|-*", re.IGNORECASE
)
_WHO = r"(?:group|gunm[ae]n|men|attackers?|assailants?|persons?|individuals?|militants?|people)"
_UNKNOWN_ACTOR = re.compile(
    # "Unknown: Unidentified Armed Group": the model labelled the generic name (seen once).
    rf"(?:(?:unknown|unidentified)\s*:\s*)?"
    rf"(?:an?\s+)?(?:(?:unknown|unidentified)(?:\s+(?:armed|masked))?(?:\s+{_WHO})?"
    rf"|(?:armed|masked)\s+{_WHO}|gunm[ae]n|assailants?|attackers?)",
    re.IGNORECASE,
)


class Location(BaseModel):
    """Where the event happened: the populated place a coder records, not a site within it."""

    place: str | None = Field(
        description="The town, city or village where it happened (not a street, building, "
        "neighbourhood or camp; a village named near a town: the town)."
    )
    admin1: str | None = Field(description="Province/state/region, if the text names it.")
    country: str | None = Field(description="Country.")

    @field_validator("place", "admin1", "country", mode="before")
    @classmethod
    def _unknown_is_null(cls, value: Any) -> Any:
        # A small model writes "Unknown" where the text names no place; that is not a place.
        if isinstance(value, str) and value.strip().casefold() in _NO_PLACE:
            return None
        return value


_NO_PLACE = {"", "unknown", "not specified", "unspecified", "n/a", "none", "null", "unclear"}


def _model_gives_one_code(schema: dict[str, Any]) -> None:
    # The model answers with one CODES label in sub_event_type; the event type follows from it.
    schema["properties"].pop("event_type", None)
    schema["required"] = [name for name in schema.get("required", []) if name != "event_type"]
    schema["properties"]["sub_event_type"] = {
        "description": "Event type and sub-type, one of the listed codes.",
        "enum": list(CODES),
        "type": "string",
    }


_CROWDS = {"Protesters", "Rioters"}
_CROWD_TYPES = {"Protests", "Riots"}


#: "<actor> was attacked / were shot dead / had been abducted": said of whom it was done to.
_SUFFERED = (
    r"\s+(?:was|were|has\s+been|have\s+been|had\s+been|got)\s+(?:\w+\s+){0,2}?"
    r"(?:attacked|killed|shot|beaten|stabbed|abducted|kidnapped|injured|wounded|hacked|lynched"
    r"|murdered|assaulted|ambushed|targeted|hit)\b"
)


def _victim_as_actor1(event: ConflictEvent) -> str | None:
    """actor1's name, in the cited sentences, as the one something was done to."""
    if not event.actor1 or event.event_type in _CROWD_TYPES:
        return None  # a protest's or riot's actor1 is the crowd, even when police beat it
    name = event.actor1.name
    quotes = " ".join(ev.quote for ev in event.evidence)
    if re.search(re.escape(name) + _SUFFERED, quotes, re.IGNORECASE) is None:
        return None
    return (
        f'actor1 is "{name}", but the text says it was done to them: actor1 is who did it '
        '(the one named after "by"; "Unidentified Armed Group" if the text does not say), '
        f'and "{name}" is actor2.'
    )


def _codebook_problem(event: ConflictEvent) -> str | None:
    """A code that the record's own actors or counts contradict (a follow-up, in the codes the
    prompt uses; as a validation error its re-ask made the model drop the record)."""
    actors = [a for a in (event.actor1, event.actor2) if a]
    if event.sub_event_type == "Armed clash" and any(a.category == "Civilians" for a in actors):
        return (
            'the code "Battles: armed clash" needs two armed, organised sides, but an actor is '
            'civilians: armed people killing or hurting civilians is "Violence against '
            'civilians: attack".'
        )
    if event.actor1 and event.actor1.category in _CROWDS and event.event_type not in _CROWD_TYPES:
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


def _agreement_unnamed(event: ConflictEvent) -> str | None:
    """An agreement whose cited sentences name no accord: the small model's code for decrees,
    orders and announcements (none of 162 development notes outside the held-out splits has
    an agreement as its gold code)."""
    if event.sub_event_type != "Agreement":
        return None
    if _AGREEMENT.search(" ".join(ev.quote for ev in event.evidence)):
        return None
    return (
        'the code "Strategic developments: agreement" is for a ceasefire, peace deal, prisoner '
        "exchange or other accord between sides, and the cited sentences name none: a decree, "
        'order, appointment or announcement is "Strategic developments: change to '
        'group/activity" or "Strategic developments: other".'
    )


class ConflictEvent(EventRecord):
    """One political violence, protest or strategic event reported in the text (ACLED style).

    One record per distinct event: a different date, place, or pair of actors is a different
    event. Background statistics (totals over months or years) are not events.
    """

    model_config = ConfigDict(json_schema_extra=_model_gives_one_code)

    max_records = 6
    prompt_template = "conflict_events.j2"
    prompt_context: ClassVar[dict[str, Any]] = {
        "taxonomy": TAXONOMY,
        "definitions": DEFINITIONS,
        "codes": CODES,
    }
    codebook_cues = CUES
    codebook_checks = (_codebook_problem,)

    event_type: EventType = Field(
        description="ACLED event type; filled in from sub_event_type when not given."
    )
    sub_event_type: SubEventType = Field(description="ACLED sub-event type.")
    event_date: DateExpression
    location: Location
    actor1: Actor = Field(description="The actor who carried out the action.")
    actor2: Actor | None = Field(description="The actor it was done to or fought with, or null.")
    fatalities: FatalityCounts = Field(
        description="Number reported killed in this event (the model lists the stated counts, "
        "the library adds them); 0 if the text says nobody died; null if it does not say."
    )
    source: str | None = Field(
        description="Who reported it, e.g. 'Syrian Observatory for Human Rights', or null."
    )
    summary: str = Field(min_length=10, description="One sentence saying what happened.")
    evidence: EvidenceRefs

    @classmethod
    def table_row(cls, record: dict[str, Any]) -> dict[str, Any]:
        """A saved record as a row with ACLED's column names (``pd.read_csv`` beside an ACLED
        export compares column by column), plus the evidence offsets."""
        date = record.get("event_date") or {}
        place = record.get("location") or {}
        row: dict[str, Any] = {
            "event_date": date.get("date"),
            "event_date_text": date.get("text"),
            "event_date_precision": date.get("precision"),
            "event_type": record.get("event_type"),
            "sub_event_type": record.get("sub_event_type"),
        }
        for n in (1, 2):
            actor = record.get(f"actor{n}") or {}
            row[f"actor{n}"] = actor.get("name")
            row[f"assoc_actor_{n}"] = "; ".join(actor.get("associated") or [])
            row[f"inter{n}"] = actor.get("category")
        row.update(
            location=place.get("place"), admin1=place.get("admin1"), country=place.get("country"),
            fatalities=record.get("fatalities"), notes=record.get("summary"),
            source=record.get("source"),
        )  # fmt: skip
        return {**row, **evidence_columns(record.get("evidence") or [])}

    def merge_key(self) -> tuple[Any, ...]:
        """Same event when type, date, place and actors agree (used to merge chunks' records)."""
        actors = frozenset(a.name.casefold() for a in (self.actor1, self.actor2) if a)
        place = (self.location.place or "").casefold()
        return (self.event_type, self.event_date.date, place, actors)

    def same_event(self, other: Any) -> bool:
        """Looser than :meth:`merge_key`, for records coded from different windows of one text:
        same code, no conflicting day or place, and an actor in common (names compared fuzzily;
        where both name the place, a generic actor1 such as "State forces" agrees with any
        actor1 of its kind).
        """
        if not isinstance(other, ConflictEvent) or other.sub_event_type != self.sub_event_type:
            return False
        days = (self.event_date.date, other.event_date.date)
        places = (self.location.place, other.location.place)
        if (all(days) and days[0] != days[1]) or (all(places) and not _alike(*places)):  # type: ignore[arg-type]
            return False
        mine, theirs = self._telling_actors(), other._telling_actors()
        if any(_same_actor(a, b) for a in mine for b in theirs):
            return True
        # A generic actor1 is weak evidence alone: it takes the same named place as well.
        return all(places) and _same_kind(self.actor1, other.actor1)

    def _telling_actors(self) -> list[str]:
        # "Civilians", "Protesters", "Rioters" (named by their category, as ACLED does) are in
        # many events of an article: alone they tie no two together.
        actors = (self.actor1, self.actor2)
        return [a.name for a in actors if a and a.name not in _NAMED_BY_CATEGORY]

    def in_document(self, others: list[Any], text: str) -> ConflictEvent:
        """This record made consistent with its document.

        * A monitor that only reports the event is not its second actor: "Syrian opposition
          activists say regime airstrikes have hit a hospital", "the OSCE SMM observed 35
          explosions" (ACLED codes the side hit, or none). The actor goes when it is the
          record's source, or when the text has it observing, reporting or saying.
        * A country the text never names is replaced by the one country that every other
          record of the document has, where the text names that one. Coded alone, a window
          that names no place ("21 fighters were killed in Wednesday's clashes") gets a country
          the model guessed (Iraq, in a Syria article); the article's other events say where.
        * A place the text never names is no place: pressed for a record of a text that names
          none ("President Hadi issued a decree ..."), the model took Kumasi from a worked
          example. (Every place it gave on 101 tuning notes is named in the note.)
        * Fire "in both directions of the frontline" in an OSCE SMM report is a clash of the
          two sides of the Donbas contact line (ACLED's names for them), where the model could
          name neither.
        * A site the text places in a town is that town, as ACLED codes it: "al Sheikhi area
          on the outskirts of Abu Saida" -> "Abu Saida"
          (:func:`~llm_extract.acled_names.populated_place`).
        * A direction the text writes only as a plain word is no province: "the key
          northwestern town of Khan Sheikhoun" gave admin1 "Northwestern". Regions named by a
          direction ("Northern Region", "North West") are written with a capital in a text.
        """
        record = self
        if self.actor2 and _reports_only(self.actor2.name, self.source, text):
            record = self.model_copy(update={"actor2": None})
        if self.sub_event_type == "Armed clash" and (sides := frontline_sides(text)):
            record = record._sides_named(sides, text)
        place, admin1 = self.location.place, self.location.admin1
        if place and fuzz.partial_ratio(place.casefold(), text.casefold()) < _PLACE_NAMED:
            place = None
        if place and (town := populated_place(place, text)):
            place = town
        if admin1 and _DIRECTION.fullmatch(admin1.strip()) and not _as_name(admin1, text):
            admin1 = None
        if (place, admin1) != (self.location.place, self.location.admin1):
            location = self.location.model_copy(update={"place": place, "admin1": admin1})
            record = record.model_copy(update={"location": location})
        return record._country_settled(others, text)

    def _sides_named(self, sides: tuple[str, str], text: str) -> ConflictEvent:
        # The model could only write "Unidentified Armed Group" (or the monitor) for the sides
        # of fire across a known front line; a side it named stays.
        def unnamed(actor: Actor | None) -> bool:
            return (
                actor is None
                or actor.name.casefold() in _GENERIC_NAMES
                or _reports_only(actor.name, self.source, text)
            )

        if not (unnamed(self.actor1) and unnamed(self.actor2)):
            return self
        first = Actor(name=sides[0], category="State forces", associated=[])
        second = Actor(name=sides[1], category="Rebel group", associated=[])
        return self.model_copy(update={"actor1": first, "actor2": second})

    def _country_settled(self, others: list[Any], text: str) -> ConflictEvent:
        country = self.location.country
        if not country or not others or _named(country, text):
            return self
        if not all(isinstance(o, ConflictEvent) for o in others):
            return self
        theirs = {o.location.country for o in others}
        if len(theirs) != 1:
            return self
        (settled,) = theirs
        if not settled or not _named(settled, text):
            return self
        location = self.location.model_copy(update={"country": settled})
        return self.model_copy(update={"location": location})

    @model_validator(mode="before")
    @classmethod
    def _event_type_from_sub_type(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        sub = data.get("sub_event_type")
        if isinstance(sub, str) and sub in CODES:
            data = {**data, "sub_event_type": CODES[sub]}
            sub = CODES[sub]
        if "event_type" not in data and isinstance(sub, str) and sub in _TYPE_OF:
            data = {**data, "event_type": _TYPE_OF[sub]}
        elif "event_type" not in data:
            # The model was shown the codes only: say so in them, not "event_type Field required"
            # and a list of bare ACLED names it never saw.
            given = f"got {sub!r}" if "sub_event_type" in data else "it is missing"
            raise ValueError(
                f"sub_event_type must be one of the listed codes, {given}; the codes are: "
                f"{', '.join(CODES)}"
            )
        return data

    @model_validator(mode="after")
    def _peaceful_protest_alone(self) -> ConflictEvent:
        # ACLED codes a peaceful protest with the protesters only: what they protest against is
        # no actor (51 of 52 dev notes outside the held-out splits); police who step in make it
        # "Protest with intervention". The model named the target, or police it had not read of.
        if self.sub_event_type == "Peaceful protest" and self.actor2 is not None:
            self.actor2 = None
        return self

    @model_validator(mode="after")
    def _sub_type_belongs_to_type(self) -> ConflictEvent:
        allowed = TAXONOMY[self.event_type]
        if self.sub_event_type not in allowed:
            owner = next(t for t, subs in TAXONOMY.items() if self.sub_event_type in subs)
            raise ValueError(
                f"sub_event_type {self.sub_event_type!r} belongs to event_type {owner!r}, not "
                f"{self.event_type!r}; use event_type {owner!r} or one of {allowed}"
            )
        return self


#: How closely (rapidfuzz partial ratio) the text must spell a place for it to be named there.
_PLACE_NAMED = 90
_DIRECTION = re.compile(
    r"(?:north|south|east|west|central|centre|center|middle)(?:[\s-]*(?:east|west))?"
    r"(?:ern|erly)?(?:\s+(?:region|province|part))?",
    re.IGNORECASE,
)


def _as_name(words: str, text: str) -> bool:
    """Whether ``text`` writes ``words`` with a capital, as a name, somewhere."""
    found = re.finditer(rf"\b{re.escape(words.strip())}\b", text, re.IGNORECASE)
    return any(m.group(0)[0].isupper() for m in found)


def _alike(a: str, b: str) -> bool:
    return fuzz.token_set_ratio(a.casefold(), b.casefold()) >= 85


_STATE_FORCES = re.compile(r"^(?:military|police)\s+forces\s+of\s+(?:the\s+)?", re.IGNORECASE)


def _same_actor(a: str, b: str) -> bool:
    # "Military Forces of Syria" and "... of Turkey" share most words: the state tells them apart.
    state_a, state_b = _STATE_FORCES.sub("", a), _STATE_FORCES.sub("", b)
    if state_a != a and state_b != b:
        return _alike(state_a, state_b)
    return _alike(a, b)


# Who watches and tells, rather than takes part: monitors and observer missions (whether the
# text has them observing), activists' networks and news agencies (when the record cites them as
# its source, or the text has them telling of what others did: activists are also arrested, and
# then they are the second actor).
_WATCHERS = re.compile(r"\b(?:monitor\w*|observ\w*|osce|smm)\b", re.IGNORECASE)
_TELLERS = re.compile(
    r"\b(?:activists?|human\s+rights|news\s+agency|agency|media|ngos?)\b", re.IGNORECASE
)
_REPORTING = r"(?:observed|reported|recorded|documented|said|says|noted|counted|heard)"


def _reports_only(name: str, source: str | None, text: str) -> bool:
    """Whether the actor ``name`` is a monitor that the text has only telling of the event."""
    watcher = _WATCHERS.search(name) is not None
    if not watcher and not _TELLERS.search(name):
        return False
    if source and _alike(name, source):
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
_GENERIC_NAMES = {
    name.casefold()
    for name in (*get_args(ActorCategory), "Military Forces", "Police Forces",
                 "Unidentified Armed Group", "Rebels", "Government forces")
}  # fmt: skip


def _same_kind(a: Actor, b: Actor) -> bool:
    generic = a.name.casefold() in _GENERIC_NAMES or b.name.casefold() in _GENERIC_NAMES
    return generic and a.category == b.category


SCHEMA = ConflictEvent
__all__ = ["SCHEMA", "Actor", "ConflictEvent", "EventDate", "Location"]


def _named(country: str, text: str) -> bool:
    """Whether ``text`` names the country (or a word it begins: "Syria" in "Syrian")."""
    return re.search(rf"\b{re.escape(country)}", text, re.IGNORECASE) is not None
