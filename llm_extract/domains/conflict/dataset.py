"""The ACLED codebook's rules for the dataset step: when two reports are one event, which toll
an event gets, and the export in ACLED's own columns and codes.

* One event: the same event type (a protest and a riot may be one crowd reported two ways), and
  an actor in common by name (ACLED's names; fuzzily, state forces told apart by their state).
  Generic names ("Protesters", "Civilians", "Unidentified Armed Group") agree only weakly, and
  two crowds that the reports say are different people ("Teachers" / "Farmers") are two events.
* Fatalities: ACLED takes the most conservative credible figure when reports differ: the
  lowest count given.
* ``geo_precision``: 1 the place itself, 2 a part of it or near it, 3 only a larger region.
* ``time_precision``: 1 the day, 2 the week (or a few days), 3 the month or vaguer.
* ``inter1``/``inter2`` are ACLED's actor-category codes; ``interaction`` the two of them, the
  lower first (``60``: protesters alone).
* ``region``: ACLED's regions, from the country's UN M49 subregion, with ACLED's exceptions.
* Where a report leaves the toll unsaid, the export writes 0 (ACLED's columns have no blank)
  and our ``fatalities_known`` column says so.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date as Date
from typing import Any, ClassVar

from llm_extract.dataset.merge import Event
from llm_extract.dataset.names import ascii_name, key
from llm_extract.dataset.rules import Agreement, Facts
from llm_extract.domains.conflict.matching import GENERIC_NAMES, alike, same_actor
from llm_extract.domains.conflict.names import acled_actor

ACLED_COLUMNS = [
    "event_id_cnty",
    "event_date",
    "year",
    "time_precision",
    "disorder_type",
    "event_type",
    "sub_event_type",
    "actor1",
    "assoc_actor_1",
    "inter1",
    "actor2",
    "assoc_actor_2",
    "inter2",
    "interaction",
    "civilian_targeting",
    "iso",
    "region",
    "country",
    "admin1",
    "admin2",
    "admin3",
    "location",
    "latitude",
    "longitude",
    "geo_precision",
    "source",
    "source_scale",
    "notes",
    "fatalities",
    "tags",
    "timestamp",
]
#: Ours, after ACLED's: where each event came from and how it was built.
OWN_COLUMNS = [
    "sources_count",
    "document_ids",
    "record_refs",
    "outlets",
    "publication_dates",
    "quotes",
    "fatalities_known",
    "fatalities_reported",
    "gazetteer_id",
    "geocode_match",
    "merge_reasons",
    "flags",
]

INTER_CODES = {
    "State forces": 1,
    "Rebel group": 2,
    "Political militia": 3,
    "Identity militia": 4,
    "Rioters": 5,
    "Protesters": 6,
    "Civilians": 7,
    "External/other forces": 8,
}
GEO_PRECISION = {"place": 1, "near": 2, "region": 3, "country": 3}
TIME_PRECISION = {"day": 1, "week": 2, "month": 3, "year": 3}
_CROWDS = {"Protests", "Riots"}

#: ACLED's country names where they differ from the gazetteer's.
ACLED_COUNTRY = {
    "CD": "Democratic Republic of Congo",
    "CG": "Republic of Congo",
    "PS": "Palestine",
    "RU": "Russia",
    "TR": "Turkey",
    "CI": "Ivory Coast",
    "SZ": "eSwatini",
    "SY": "Syria",
    "IR": "Iran",
    "KR": "South Korea",
    "KP": "North Korea",
    "MD": "Moldova",
    "TZ": "Tanzania",
    "VE": "Venezuela",
    "BO": "Bolivia",
    "LA": "Laos",
    "VN": "Vietnam",
    "CZ": "Czech Republic",
    "GB": "United Kingdom",
    "US": "United States",
    "TW": "Taiwan",
    "BN": "Brunei",
    "CV": "Cape Verde",
    "TL": "East Timor",
    "GM": "Gambia",
    "MK": "North Macedonia",
    "FM": "Micronesia",
    "VA": "Vatican City",
    "XK": "Kosovo",
}
_REGION_OF_SUBREGION = {
    "Western Asia": "Middle East",
    "Central Asia": "Caucasus and Central Asia",
    "Eastern Asia": "East Asia",
    "Eastern Europe": "Europe",
    "Northern Europe": "Europe",
    "Southern Europe": "Europe",
    "Western Europe": "Europe",
    "Northern America": "North America",
    "Australia and New Zealand": "Oceania",
    "Melanesia": "Oceania",
    "Micronesia": "Oceania",
    "Polynesia": "Oceania",
}
_REGION_OF_COUNTRY = {
    "AM": "Caucasus and Central Asia",
    "AZ": "Caucasus and Central Asia",
    "GE": "Caucasus and Central Asia",
    "AF": "Caucasus and Central Asia",
    "CY": "Europe",
    "IR": "Middle East",
}


def acled_region(iso2: str | None, subregion: str | None) -> str:
    if iso2 in _REGION_OF_COUNTRY:
        return _REGION_OF_COUNTRY[iso2]
    return _REGION_OF_SUBREGION.get(subregion or "", subregion or "")


def disorder_type(event_type: str | None, sub_event_type: str | None) -> str:
    if sub_event_type == "Excessive force against protesters":
        return "Political violence; Demonstrations"
    if sub_event_type == "Mob violence":
        return "Political violence"
    if event_type in _CROWDS:
        return "Demonstrations"
    if event_type == "Strategic developments":
        return "Strategic developments"
    return "Political violence" if event_type else ""


class ConflictRules:
    """:class:`~llm_extract.dataset.rules.DatasetRules` after the ACLED codebook."""

    max_days = 1
    max_km = 25.0
    country_aliases: ClassVar[dict[str, str]] = {
        **{name: iso2 for iso2, name in ACLED_COUNTRY.items()},
        "DR Congo": "CD",
        "DRC": "CD",
        "Congo-Kinshasa": "CD",
        "Congo-Brazzaville": "CG",
        "Gaza Strip": "PS",
        "West Bank": "PS",
        "Burma": "MM",
        "Swaziland": "SZ",
    }

    def facts(self, record: dict[str, Any]) -> Facts:
        when = record.get("event_date") or {}
        day = when.get("date") if isinstance(when, dict) else when
        place = record.get("location") or {}
        actors, associated, raw = [], [], []
        for n in (1, 2):
            actor = record.get(f"actor{n}") or {}
            if actor.get("name"):
                actors.append(_acled_name(actor["name"]))
                raw.append(actor["name"])
            associated += [a for a in actor.get("associated") or [] if a]
        return Facts(
            day=Date.fromisoformat(day[:10]) if isinstance(day, str) and day else None,
            kind=record.get("event_type"),
            sub_kind=record.get("sub_event_type"),
            place=place.get("place"),
            admin1=place.get("admin1"),
            admin2=place.get("admin2"),
            country=place.get("country"),
            actors=tuple(actors),
            associated=tuple(associated),
            fatalities=_count(record.get("fatalities")),
            summary=record.get("summary"),
            extra={
                "source": record.get("source"),
                "named": tuple(raw),
                "actor2": (record.get("actor2") or {}).get("name"),
            },
        )

    def kinds(self, a: Facts, b: Facts) -> Agreement:
        if a.kind == b.kind:
            return "agree" if a.sub_kind == b.sub_kind else "weak"
        if {a.kind, b.kind} == _CROWDS and "Violent demonstration" in (a.sub_kind, b.sub_kind):
            return "weak"  # a protest that turned violent, reported as a riot
        return "conflict"

    def actors(self, a: Facts, b: Facts) -> Agreement:
        mine, theirs = _telling(a.actors), _telling(b.actors)
        told_apart = _told_apart(a.associated, b.associated)
        if a.kind in _CROWDS and b.kind in _CROWDS and told_apart:
            return "conflict"  # teachers' protest and farmers' protest
        kinds = [_generic(f.extra.get("actor2")) for f in (a, b)]
        if all(kinds) and kinds[0] != kinds[1]:
            return "conflict"  # protesters arrested, and a journalist arrested
        if any(_same(x, y) for x in mine for y in theirs):
            return "agree"
        # ACLED's name for one report's words may not be the other's ("Libyan National Army"
        # became "Military Forces of Libya"): the names as written may still agree.
        written = [_telling(f.extra.get("named", ())) for f in (a, b)]
        if any(_same(x, y) for x in written[0] for y in written[1]):
            return "agree"
        if (mine and theirs) or told_apart:
            return "conflict"  # other groups, or other people (a shopkeeper, a journalist)
        if a.associated and b.associated:
            return "agree"
        return "weak"

    def days_apart(self, a: Facts, b: Facts, actors: Agreement) -> int:
        # A day's slack only where a named actor agrees: crowds, generic gunmen and strategic
        # developments recur in one place on consecutive days (sit-ins, shootings, decrees).
        if actors != "agree" or "Strategic developments" in (a.kind, b.kind):
            return 0
        return self.max_days

    def fatalities(self, counts: Sequence[int]) -> int | None:
        return min(counts) if counts else None

    def columns(self) -> list[str]:
        return ACLED_COLUMNS + OWN_COLUMNS

    def row(self, event: Event, number: int, timestamp: int) -> dict[str, Any]:
        lead = event.lead
        record, geo = lead.record, event.geo
        inter = [_inter(record.get(f"actor{n}")) for n in (1, 2)]
        codes = sorted(c for c in inter if c)
        interaction = (
            codes[0] * 10 if len(codes) == 1 else (codes[0] * 10 + codes[1] if codes else 0)
        )
        day = event.day
        date = record.get("event_date") or {}
        row: dict[str, Any] = {
            "event_id_cnty": f"{geo.iso3 or 'XXX'}{number}",
            "event_date": day.isoformat() if day else "",
            "year": day.year if day else "",
            "time_precision": TIME_PRECISION.get(date.get("precision", ""), 3) if day else 3,
            "disorder_type": disorder_type(record.get("event_type"), record.get("sub_event_type")),
            "event_type": record.get("event_type") or "",
            "sub_event_type": record.get("sub_event_type") or "",
        }
        for n in (1, 2):
            actor = record.get(f"actor{n}") or {}
            row[f"actor{n}"] = _acled_name(actor["name"]) if actor.get("name") else ""
            row[f"assoc_actor_{n}"] = "; ".join(actor.get("associated") or [])
            row[f"inter{n}"] = inter[n - 1]
        place = (record.get("location") or {}).get("place")
        row.update(
            interaction=interaction,
            civilian_targeting="Civilian targeting" if inter[1] == INTER_CODES["Civilians"] else "",
            iso=geo.iso_numeric or "",
            region=acled_region(geo.iso2, geo.subregion),
            country=ACLED_COUNTRY.get(geo.iso2 or "", geo.country or "")
            or (record.get("location") or {}).get("country")
            or "",
            admin1=ascii_name(geo.admin1 or "")
            or (record.get("location") or {}).get("admin1")
            or "",
            admin2=ascii_name(geo.admin2 or ""),
            admin3="",
            location=ascii_name(geo.name) if geo.name else (place or ""),
            latitude=geo.latitude if geo.has_point else "",
            longitude=geo.longitude if geo.has_point else "",
            geo_precision=GEO_PRECISION.get(geo.level or "", 3),
            source="; ".join(
                dict.fromkeys(
                    o for r in event.reports if (o := r.outlet or r.facts.extra.get("source"))
                )
            ),
            source_scale="",
            notes=lead.facts.summary or "",
            fatalities=event.fatalities or 0,
            tags="",
            timestamp=timestamp,
        )
        row.update(
            sources_count=len(event.document_ids),
            document_ids="; ".join(event.document_ids),
            record_refs="; ".join(r.ref for r in event.reports),
            outlets="; ".join(r.outlet or "" for r in event.reports),
            publication_dates="; ".join(r.published or "" for r in event.reports),
            quotes=" | ".join(f"[{r.ref}] {q}" for r in event.reports for q in r.quotes),
            fatalities_known=event.fatalities is not None,
            fatalities_reported="; ".join(
                "" if r.facts.fatalities is None else str(r.facts.fatalities) for r in event.reports
            ),
            gazetteer_id=geo.gazetteer_id or "",
            geocode_match=_match(geo),
            merge_reasons=" || ".join(d.describe() for d in event.decisions),
            flags=" | ".join(f"[{r.ref}] {f}" for r in event.reports for f in r.flags),
        )
        return row


def _acled_name(name: str) -> str:
    found = acled_actor(name)
    return found[0] if found else name


_GENERIC_KEYS = {key(g) for g in GENERIC_NAMES}
#: ACLED writes a generic actor with its country: "Civilians (Niger)", "Protesters (India)".
_OF_COUNTRY = re.compile(r"\s*\([^)]*\)\s*$")


def _telling(actors: Sequence[str]) -> list[str]:
    """The actors named by name, not by their kind."""
    return [a for a in actors if key(_OF_COUNTRY.sub("", a)) not in _GENERIC_KEYS]


def _same(a: str, b: str) -> bool:
    # Punctuation aside: "CODECO: Cooperative for Development of Congo" and "CODECO".
    return same_actor(key(a), key(b))


def _generic(name: str | None) -> str | None:
    """The kind a generic name says ("civilians" of "Civilians (Niger)"); None for a name."""
    bare = key(_OF_COUNTRY.sub("", name or ""))
    return bare if bare in _GENERIC_KEYS else None


def _told_apart(mine: Sequence[str], theirs: Sequence[str]) -> bool:
    """Both reports say who the people were, and none of them agree."""
    return bool(mine and theirs) and not any(alike(x, y) for x in mine for y in theirs)


def _inter(actor: Any) -> int:
    return INTER_CODES.get((actor or {}).get("category") or "", 0) if actor else 0


def _count(value: Any) -> int | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


def _match(geo: Any) -> str:
    if not geo.level:
        return "not found"
    said = f"{geo.level}"
    if geo.matched:
        said += f": {geo.matched!r} ({geo.how})"
    return said + (", ambiguous" if geo.ambiguous else "")


RULES = ConflictRules()
