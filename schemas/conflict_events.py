"""Political violence and protest events, coded after the ACLED codebook."""

from __future__ import annotations

from itertools import chain
from typing import Any, ClassVar, Literal, get_args

from pydantic import BaseModel, Field, model_validator

from llm_extract.schema_kit import DateExpression, EventDate, EventRecord, EvidenceRefs

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
        description="Name of the actor as the text identifies it, e.g. 'Syrian regime forces'.",
    )
    category: ActorCategory = Field(description="The actor's ACLED category.")
    associated: list[str] = Field(
        max_length=2,
        description="Groups acting with or identifying this actor (empty list if none).",
    )


class Location(BaseModel):
    """Where the event happened, as specific as the text allows."""

    place: str | None = Field(description="Town, village or site named in the text.")
    admin1: str | None = Field(description="Province/state/governorate, if stated or obvious.")
    country: str | None = Field(description="Country.")


class ConflictEvent(EventRecord):
    """One political violence, protest or strategic event reported in the text (ACLED style).

    One record per distinct event: a different date, place, or pair of actors is a different
    event. Background statistics (totals over months or years) are not events.
    """

    max_records = 6
    prompt_template = "conflict_events.j2"
    prompt_context: ClassVar[dict[str, Any]] = {"taxonomy": TAXONOMY}

    event_type: EventType = Field(description="ACLED event type.")
    sub_event_type: SubEventType = Field(
        description="ACLED sub-event type; must belong to event_type."
    )
    event_date: DateExpression
    location: Location
    actor1: Actor = Field(description="The actor who carried out the action.")
    actor2: Actor | None = Field(description="The actor it was done to or fought with, or null.")
    fatalities: int | None = Field(
        ge=0,
        description="Number reported killed in this event; 0 if the text says none; null if "
        "the text does not say.",
    )
    source: str | None = Field(
        description="Who reported it, e.g. 'Syrian Observatory for Human Rights', or null."
    )
    summary: str = Field(min_length=10, description="One sentence saying what happened.")
    evidence: EvidenceRefs

    def merge_key(self) -> tuple[Any, ...]:
        """Same event when type, date, place and actors agree (used to merge chunks' records)."""
        actors = frozenset(a.name.casefold() for a in (self.actor1, self.actor2) if a)
        place = (self.location.place or "").casefold()
        return (self.event_type, self.event_date.date, place, actors)

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


SCHEMA = ConflictEvent
__all__ = ["SCHEMA", "Actor", "ConflictEvent", "EventDate", "Location"]
