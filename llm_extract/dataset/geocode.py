"""A record's place on the map: its answer resolved against the offline gazetteer.

The answer may be a town ("Torodi"), a town with its province ("Torodi, Tillaberi"), a site in a
town ("Miguel Castro Castro prison, Lima-San Juan de Lurigancho"), a spot near one ("outskirts of
Abu Saida"), or only a province. The most specific part the gazetteer knows is taken: level
``place`` when that part is the whole answer, ``near`` when the answer named a site in it or a
spot near it, ``region`` when only a province or district resolved (no coordinates: a region's
point would be a guess), ``country`` when only the country did.

A name several places bear is resolved with the record's province and district, the names the
document's text gives (a candidate whose province or district the text names), the other places
of the document (a candidate near them), and last the population. The qualifier words are
English.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from llm_extract.dataset.gazetteer import Country, Gazetteer, Place, Subdivision
from llm_extract.dataset.names import key, skeleton
from llm_extract.dataset.rules import Geocode

#: Words that put the event near a place, or in part of it, rather than at it.
_NEAR = re.compile(
    r"^(?:(?:on\s+)?the\s+)?(?:(?:near|outside|around|close\s+to|nearby|by|next\s+to)\b"
    r"|(?:outskirts|suburbs?|vicinity|area|environs|countryside|edge|part|district|"
    r"neighbou?rhood|village)\s+(?:of|near)\b"
    r"|(?:\d+(?:\.\d+)?\s*(?:km|kilometres?|kilometers?|miles?)\s+)?"
    r"(?:north|south|east|west)(?:-?(?:east|west))?(?:ern)?(?:\s+(?:part|outskirts))?\s+of\b"
    r"|\d+(?:\.\d+)?\s*(?:km|kilometres?|kilometers?|miles?)\s+(?:from|of|outside)\b)\s*",
    re.IGNORECASE,
)
#: A province or district named with its kind ("Idlib province", "Say department").
_REGION_WORD = re.compile(
    r"\s*\b(?:province|governorate|region|district|state|county|department|prefecture|"
    r"division|oblast|municipality|wilaya|rayon|raion)\b\s*",
    re.IGNORECASE,
)
_CITY = re.compile(r"\s+city$", re.IGNORECASE)
_PARTS = re.compile(r"\s*[,;()/]\s*|\s+-\s+")
#: How far (km) a candidate may lie from the document's other places and count as near them.
_NEIGHBOURS_KM = 100.0


@dataclass(frozen=True)
class PlaceQuery:
    """What a record says of where: the place answer, its province/district and country."""

    place: str | None = None
    admin1: str | None = None
    admin2: str | None = None
    country: str | None = None


def km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance (haversine, km)."""
    (lat1, lon1), (lat2, lon2) = a, b
    p = math.pi / 180
    h = (
        math.sin((lat2 - lat1) * p / 2) ** 2
        + math.cos(lat1 * p) * math.cos(lat2 * p) * math.sin((lon2 - lon1) * p / 2) ** 2
    )
    return 12742.0 * math.asin(min(1.0, math.sqrt(h)))


class Geocoder:
    """Resolves :class:`PlaceQuery` answers against a :class:`Gazetteer`."""

    def __init__(self, gazetteer: Gazetteer, country_aliases: dict[str, str] | None = None) -> None:
        self.gazetteer = gazetteer
        #: Country names the gazetteer lacks ("Democratic Republic of Congo") -> ISO alpha-2.
        self.country_aliases = {key(n): c for n, c in (country_aliases or {}).items()}

    def country(self, name: str | None) -> Country | None:
        alias = self.country_aliases.get(key(name or ""))
        return self.gazetteer.country_by_code(alias) if alias else self.gazetteer.country(name)

    def geocode(
        self,
        query: PlaceQuery,
        *,
        text: str = "",
        neighbours: Sequence[tuple[float, float]] = (),
    ) -> Geocode:
        """Where ``query`` is; ``text``: the document's words (or the record's quotes) that may
        name a candidate's province; ``neighbours``: the document's other places' points."""
        country = self.country(query.country)
        countries = [country] if country else self.gazetteer.countries
        admin1 = self._subdivision(query.admin1, country, 1)
        admin2 = self._subdivision(query.admin2, country, 2)
        context = _Context(admin1, admin2, key(text), tuple(neighbours))
        found = self._resolve(query.place, countries, context) if query.place else None
        if found is not None:
            place, matched, how, near, ambiguous = found
            return _placed(
                place,
                self.gazetteer.country_by_code(place.country),
                matched,
                how,
                "near" if near else "place",
                ambiguous,
            )
        region = admin2 or admin1
        if region is None and query.place and country:
            region = self._subdivision(_REGION_WORD.sub(" ", query.place).strip(), country, None)
        if region is not None and country is not None:
            upper = (admin1 if region.level == 2 else None) or region
            return _country_only(
                country,
                "region",
                upper.name if upper.level == 1 else None,
                region.name if region.level == 2 else None,
            )
        if country is not None:
            return _country_only(country, "country", None, None)
        return Geocode()

    def _subdivision(
        self, name: str | None, country: Country | None, level: int | None
    ) -> Subdivision | None:
        if not name or country is None:
            return None
        return self.gazetteer.subdivision(
            _REGION_WORD.sub(" ", name).strip() or name, country.iso2, level
        )

    def _resolve(
        self, answer: str, countries: Sequence[Country], context: _Context
    ) -> tuple[Place, str, str, bool, bool] | None:
        near, whole = _qualified(answer)
        places, how = self._candidates(whole, countries)
        if places:
            best, ambiguous = _choose(places, context)
            return best, whole, how, near, ambiguous
        resolved: list[tuple[str, list[Place], str]] = []
        sites = 0
        for piece in _pieces(whole):
            # A piece is a place, a province or country, or else a site ("... prison"); of a
            # hyphenated piece ("Lima-San Juan de Lurigancho", ACLED's city-district), each half.
            halves = [piece, *_halves(piece)]
            found = False
            for i, part in enumerate(halves):
                if i == 0 and piece == whole:
                    continue  # tried above
                part_near, name = _qualified(part)
                places, how = self._candidates(name, countries)
                if places:
                    resolved.append((name, places, how))
                    near, found = near or part_near, True
                    if i == 0:
                        break
                elif i > 0 and not self._is_region(name, countries):
                    sites += 1
            if not found and not self._is_region(_qualified(piece)[1], countries):
                sites += 1
        if not resolved:
            return None
        name, places, how = _most_specific(resolved, context)
        best, ambiguous = _choose(places, context)
        return best, name, how, near or sites > 0, ambiguous

    def _candidates(self, name: str, countries: Sequence[Country]) -> tuple[list[Place], str]:
        if not key(name):
            return [], ""
        if len(countries) > 1:  # no country named: exact names only, in any country
            places = self.gazetteer.anywhere(name)
            return places, "exact"
        codes = [c.iso2 for c in countries]
        exact = self.gazetteer.in_countries(name, codes)
        if not exact and _CITY.search(name):  # "Gaza City": the gazetteer's "Gaza"
            exact = self.gazetteer.in_countries(_CITY.sub("", name), codes)
        if exact:
            return exact, "exact"
        return [p for c in codes for p in self.gazetteer.variants(name, c)], "variant"

    def _is_region(self, name: str, countries: Sequence[Country]) -> bool:
        if self.country(name) is not None:
            return True
        bare = _REGION_WORD.sub(" ", name).strip()
        return (
            len(countries) == 1 and self.gazetteer.subdivision(bare, countries[0].iso2) is not None
        )


@dataclass(frozen=True)
class _Context:
    admin1: Subdivision | None
    admin2: Subdivision | None
    text: str
    neighbours: tuple[tuple[float, float], ...]


def _qualified(answer: str) -> tuple[bool, str]:
    stripped = _NEAR.sub("", answer.strip(), count=1)
    return stripped != answer.strip(), stripped.strip()


def _pieces(answer: str) -> list[str]:
    """The comma- (or semicolon-, bracket-) separated pieces of an answer."""
    return [p.strip() for p in _PARTS.split(answer) if p and p.strip()] or [answer]


def _halves(piece: str) -> list[str]:
    return [h.strip() for h in piece.split("-") if len(h.strip()) > 2] if "-" in piece else []


def _score(place: Place, context: _Context) -> float:
    score = 0.0
    for wanted, name in ((context.admin1, place.admin1), (context.admin2, place.admin2)):
        if wanted is not None and name:
            same = key(name) in {key(n) for n in (wanted.name, *wanted.aliases)}
            score += 4.0 if same or skeleton(name) == skeleton(wanted.name) else -4.0
    for name in (place.admin1, place.admin2):
        if name and context.text and re.search(rf"\b{re.escape(key(name))}\b", context.text):
            score += 1.0
    if any(km((place.latitude, place.longitude), n) <= _NEIGHBOURS_KM for n in context.neighbours):
        score += 2.0
    return score + math.log10(place.population + 10) / 10.0


def _choose(places: list[Place], context: _Context) -> tuple[Place, bool]:
    ranked = sorted(places, key=lambda p: (-_score(p, context), p.geonames_id))
    best = ranked[0]
    # Ambiguous: a second candidate far away that only population ranks below the first.
    ambiguous = any(
        int(_score(p, context)) == int(_score(best, context))
        and km((p.latitude, p.longitude), (best.latitude, best.longitude)) > 25
        and p.population * 10 > best.population
        for p in ranked[1:]
    )
    return best, ambiguous


def _most_specific(
    resolved: list[tuple[str, list[Place], str]], context: _Context
) -> tuple[str, list[Place], str]:
    """Of the parts that resolved, the smallest place that lies by the others ("San Juan de
    Lurigancho" of "Lima-San Juan de Lurigancho"); the whole answer first if it resolved."""
    first = resolved[0]
    picked = first
    anchor, _ = _choose(first[1], context)
    for name, places, how in resolved[1:]:
        best, _ = _choose(places, context)
        near = km((best.latitude, best.longitude), (anchor.latitude, anchor.longitude)) <= 50
        chosen, _ = _choose(picked[1], context)
        if near and best.population < chosen.population:
            picked = (name, places, how)
    return picked


def _placed(
    place: Place, country: Country | None, matched: str, how: str, level: str, ambiguous: bool
) -> Geocode:
    geo = Geocode(
        level=level,  # type: ignore[arg-type]
        latitude=place.latitude,
        longitude=place.longitude,
        name=place.name,
        admin1=place.admin1,
        admin2=place.admin2,
        gazetteer_id=place.gazetteer_id,
        matched=matched,
        how=how,
        ambiguous=ambiguous,
        iso2=place.country,
    )
    return _with_country(geo, country) if country else geo


def _country_only(country: Country, level: str, admin1: str | None, admin2: str | None) -> Geocode:
    return _with_country(Geocode(level=level, admin1=admin1, admin2=admin2), country)  # type: ignore[arg-type]


def _with_country(geo: Geocode, country: Country) -> Geocode:
    return replace(
        geo,
        country=country.name,
        iso2=country.iso2,
        iso3=country.iso3,
        iso_numeric=country.numeric,
        subregion=country.subregion,
    )
