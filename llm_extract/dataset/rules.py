"""What the dataset step needs from a schema: the facts of a record, and the codebook's rules.

A schema opts in with a ``dataset_rules`` class attribute on its record class (an object with the
:class:`DatasetRules` methods). The conflict schema's are in
:mod:`llm_extract.domains.conflict.dataset`: ACLED's precision codes, its fatality rule, its
columns. Generic code here holds none of them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any, Literal, Protocol

if TYPE_CHECKING:
    from llm_extract.dataset.merge import Event

#: What a geocode's coordinates stand for: the place itself, a part of it or a spot near it,
#: or only a province/district (``region``) or the ``country`` is known.
Level = Literal["place", "near", "region", "country"]
#: How two records compare on one field: they agree, they contradict, or one does not say.
Agreement = Literal["agree", "weak", "conflict", "unknown"]


@dataclass(frozen=True)
class Geocode:
    """Where a record's place is. Coordinates only where the gazetteer has the place (or the
    town it is part of or near); never guessed from a region."""

    level: Level | None = None
    latitude: float | None = None
    longitude: float | None = None
    name: str | None = None
    admin1: str | None = None
    admin2: str | None = None
    country: str | None = None
    iso2: str | None = None
    iso3: str | None = None
    iso_numeric: int | None = None
    subregion: str | None = None
    gazetteer_id: str | None = None
    #: The words of the answer that resolved ("Lima" of "Miguel Castro Castro prison, Lima").
    matched: str | None = None
    #: "exact" (the folded name) or "variant" (another spelling: same consonant skeleton).
    how: str | None = None
    #: Other places of that name were as likely (none of the context told them apart).
    ambiguous: bool = False

    @property
    def has_point(self) -> bool:
        return self.latitude is not None and self.longitude is not None

    @property
    def point(self) -> tuple[float, float] | None:
        """(latitude, longitude), or None."""
        if self.latitude is None or self.longitude is None:
            return None
        return (self.latitude, self.longitude)

    def to_json_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None and v is not False}


@dataclass(frozen=True)
class Facts:
    """The fields of a record that say which real-world event it is."""

    day: date | None
    kind: str | None
    sub_kind: str | None
    place: str | None
    admin1: str | None
    admin2: str | None
    country: str | None
    #: Who did it and to whom, by name (generic names included).
    actors: tuple[str, ...] = ()
    #: Who they are ("Teachers"): tells two crowds of one day and place apart.
    associated: tuple[str, ...] = ()
    fatalities: int | None = None
    summary: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


class DatasetRules(Protocol):
    """The codebook's rules for merging reports into events and writing them out."""

    #: Reports of one event may date it this many days apart.
    max_days: int
    #: Reports of one event may place it this far apart (km) when both are geocoded.
    max_km: float
    #: Country names the gazetteer lacks, as the codebook writes them -> ISO alpha-2.
    country_aliases: dict[str, str]

    def facts(self, record: dict[str, Any]) -> Facts:
        """The facts of a saved record (a result line's ``records`` item)."""
        ...

    def kinds(self, a: Facts, b: Facts) -> Agreement:
        """Whether the two records' types can be one event."""
        ...

    def actors(self, a: Facts, b: Facts) -> Agreement:
        """Whether the two records' actors can be one event's ("weak": generic names only)."""
        ...

    def days_apart(self, a: Facts, b: Facts, actors: Agreement) -> int:
        """How many days apart these two reports may date one event (at most ``max_days``)."""
        ...

    def fatalities(self, counts: Sequence[int]) -> int | None:
        """The event's toll from its reports' (known) counts."""
        ...

    def columns(self) -> list[str]:
        """The export's columns, in order."""
        ...

    def row(self, event: Event, number: int, timestamp: int) -> dict[str, Any]:
        """One event as an export row (``number``: its 1-based position in the export)."""
        ...
