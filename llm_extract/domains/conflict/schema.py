"""Political violence and protest events, coded after the ACLED codebook.

The record, its parts, and how it is settled against its document and merged with others. The
codebook itself (codes, definitions, cue words, the checks of a coded record), ACLED's names and
the name matching live in :mod:`llm_extract.domains.conflict`.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from rapidfuzz import fuzz

from llm_extract.core.grounding import cited_text
from llm_extract.core.records import (
    DateExpression,
    EventDate,
    EventRecord,
    EvidenceRefs,
    evidence_columns,
    table_date,
)
from llm_extract.domains.conflict.casualties import FatalityCounts
from llm_extract.domains.conflict.checks import CROWDS, codebook_problem
from llm_extract.domains.conflict.codebook import (
    CODES,
    CUES,
    DEFINITIONS,
    FATALITIES_NOT_REPORTED,
    TAXONOMY,
    TYPE_OF,
    ActorCategory,
    EventType,
    SubEventType,
)
from llm_extract.domains.conflict.dataset import RULES as DATASET_RULES
from llm_extract.domains.conflict.matching import (
    DIRECTION,
    GENERIC_NAMES,
    PLACE_NAMED,
    alike,
    among_themselves,
    as_name,
    civilians_hit,
    country_named,
    reports_only,
    same_actor,
    unnamed_force,
)
from llm_extract.domains.conflict.names import acled_actor, frontline_sides, populated_place
from llm_extract.domains.conflict.pack import PACK


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


#: Codes of a protest that went further than a peaceful one.
_ESCALATED = {"Protest with intervention", "Excessive force against protesters",
              "Violent demonstration"}  # fmt: skip
#: How far apart (characters) two records' quotes may be and still tell one protest.
_NEAR = 300


def _cited_near(a: ConflictEvent, b: ConflictEvent) -> bool:
    return any(
        max(x.start, y.start) - min(x.end, y.end) <= _NEAR for x in a.evidence for y in b.evidence
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
    codebook_checks = (codebook_problem,)
    codebook_pack = PACK
    #: How the dataset step merges and exports these records (ACLED's rules and columns).
    dataset_rules: ClassVar[Any] = DATASET_RULES

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
        export compares column by column) and its codes (``fatalities`` 0 where no death is
        reported), plus the evidence offsets and quotes."""
        date = record.get("event_date") or {}
        place = record.get("location") or {}
        fatalities = record.get("fatalities")
        row: dict[str, Any] = {
            "event_date": table_date(date.get("date")),
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
            fatalities=FATALITIES_NOT_REPORTED if fatalities is None else fatalities,
            notes=record.get("summary"),
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
        if not isinstance(other, ConflictEvent):
            return False
        if self._escalates(other) or other._escalates(self):
            return True
        if other.sub_event_type != self.sub_event_type or not self._same_day_and_place(other):
            return False
        places = (self.location.place, other.location.place)
        mine, theirs = self._telling_actors(), other._telling_actors()
        if any(same_actor(a, b) for a in mine for b in theirs):
            return True
        # A generic actor1 is weak evidence alone: it takes the same named place as well.
        return all(places) and _same_kind(self.actor1, other.actor1)

    def _same_day_and_place(self, other: ConflictEvent) -> bool:
        days = (self.event_date.date, other.event_date.date)
        places = (self.location.place, other.location.place)
        return not ((all(days) and days[0] != days[1]) or (all(places) and not alike(*places)))  # type: ignore[arg-type]

    def _escalates(self, other: ConflictEvent) -> bool:
        """Whether this record tells how ``other``, a peaceful protest, went on: police stepping
        in, force, or the crowd turning violent, on its day and in its place, in the sentences
        right after or before it. ACLED codes that as one event, with the escalated code; the
        small model gave a record for each sentence ("a group held a march in Izmir" / "Police
        dispersed the group and detained 5 protesters")."""
        return (
            other.sub_event_type == "Peaceful protest"
            and self.sub_event_type in _ESCALATED
            and self._same_day_and_place(other)
            and _cited_near(self, other)
        )

    def joined(self, other: Any) -> ConflictEvent:
        """This record and ``other`` as one event, when one escalates the other (see
        :meth:`same_event`): the escalated code, day, place, toll and summary, the crowd as
        actor1 and whoever faced it as actor2. Otherwise this record (merging adds evidence)."""
        if isinstance(other, ConflictEvent) and self._escalates(other):
            escalated, protest = self, other
        elif isinstance(other, ConflictEvent) and other._escalates(self):
            escalated, protest = other, self
        else:
            return self
        actors = [a for a in (escalated.actor1, protest.actor1, escalated.actor2) if a]
        crowds = [a for a in actors if a.category in CROWDS] or [protest.actor1]
        who = list(dict.fromkeys(w for a in crowds for w in a.associated))[:2]
        category = "Rioters" if escalated.event_type == "Riots" else crowds[0].category
        crowd = Actor(name=category, category=category, associated=who)
        faced = next((a for a in actors if a.category not in CROWDS), None)
        return escalated.model_copy(
            update={
                "actor1": crowd,
                "actor2": faced,
                "event_date": escalated.event_date
                if escalated.event_date.date
                else protest.event_date,
                "location": escalated.location if escalated.location.place else protest.location,
            }
        )

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
          (:func:`~llm_extract.domains.conflict.names.populated_place`).
        * A direction the text writes only as a plain word is no province: "the key
          northwestern town of Khan Sheikhoun" gave admin1 "Northwestern". Regions named by a
          direction ("Northern Region", "North West") are written with a capital in a text.
        * A generic state force ("Military Forces") in a text that names no soldier, police or
          other force is the model's guess: as actor1 it is "Unidentified Armed Group" ("one
          shell fell into the village"), as actor2 no actor ("prisoners rioted at the central
          prison").
        * A clash of one kind of group among itself ("unidentified tribesmen clashed over a
          vengeance dispute") has that group on both sides, as ACLED codes it, where the model
          gave no second actor.
        * Violence against civilians is done to civilians, and a strike, shell or mine that the
          quotes say killed or hurt civilians ("a landmine explosion injured a villager") has
          them as actor2, as ACLED codes it, where the model gave no second actor.
        """
        record = self
        if self.actor2 and (
            reports_only(self.actor2.name, self.source, text)
            or unnamed_force(self.actor2.name, text)
        ):
            record = self.model_copy(update={"actor2": None})
        if unnamed_force(self.actor1.name, text):
            unknown = Actor(name="Unidentified Armed Group", category="Political militia",
                            associated=[])  # fmt: skip
            record = record.model_copy(update={"actor1": unknown})
        quotes = cited_text(self)
        if (
            record.actor2 is None
            and self.sub_event_type in {"Armed clash", "Mob violence"}
            and among_themselves(quotes)
        ):
            record = record.model_copy(update={"actor2": record.actor1})
        if record.actor2 is None and (
            self.event_type == "Violence against civilians"
            or (self.event_type == "Explosions/Remote violence" and civilians_hit(quotes))
        ):
            civilians = Actor(name="Civilians", category="Civilians", associated=[])
            record = record.model_copy(update={"actor2": civilians})
        if self.sub_event_type == "Armed clash" and (sides := frontline_sides(text)):
            record = record._sides_named(sides, text)
        place, admin1 = self.location.place, self.location.admin1
        if place and fuzz.partial_ratio(place.casefold(), text.casefold()) < PLACE_NAMED:
            place = None
        if place and (town := populated_place(place, text)):
            place = town
        if admin1 and DIRECTION.fullmatch(admin1.strip()) and not as_name(admin1, text):
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
                or actor.name.casefold() in GENERIC_NAMES
                or reports_only(actor.name, self.source, text)
            )

        if not (unnamed(self.actor1) and unnamed(self.actor2)):
            return self
        first = Actor(name=sides[0], category="State forces", associated=[])
        second = Actor(name=sides[1], category="Rebel group", associated=[])
        return self.model_copy(update={"actor1": first, "actor2": second})

    def _country_settled(self, others: list[Any], text: str) -> ConflictEvent:
        country = self.location.country
        if not country or not others or country_named(country, text):
            return self
        if not all(isinstance(o, ConflictEvent) for o in others):
            return self
        theirs = {o.location.country for o in others}
        if len(theirs) != 1:
            return self
        (settled,) = theirs
        if not settled or not country_named(settled, text):
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
        if "event_type" not in data and isinstance(sub, str) and sub in TYPE_OF:
            data = {**data, "event_type": TYPE_OF[sub]}
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


def _same_kind(a: Actor, b: Actor) -> bool:
    generic = a.name.casefold() in GENERIC_NAMES or b.name.casefold() in GENERIC_NAMES
    return generic and a.category == b.category


SCHEMA = ConflictEvent
__all__ = ["SCHEMA", "Actor", "ConflictEvent", "EventDate", "Location"]
