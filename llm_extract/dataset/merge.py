"""Reports of one real-world event in different documents, merged into one event.

Two records are one event when the schema's rules find their types compatible, their dates at
most ``max_days`` apart, their places within ``max_km`` (both geocoded) or of one name, and their
actors in agreement; where only generic actors agree ("Protesters"), the place must agree too.
Records of one document are never merged here: the extraction already merged what it read as one
event, so two records of a document are two events (two protests in one city on one day).

A record joins the event whose every report it agrees with (no chains: A like B and B like C does
not put A with C unless A is like C), the best-scoring one where several would take it.
Records are blocked by country and day, and compared only with events of their block and of the
neighbouring days: the cost grows with the records of one country and day, not with all of them.
Each merge keeps its reasons (:class:`Decision`: which fields agreed, how closely).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from llm_extract.dataset.geocode import km
from llm_extract.dataset.names import key, skeleton
from llm_extract.dataset.rules import Agreement, DatasetRules, Facts, Geocode

_LEVELS = {"place": 0, "near": 1, "region": 2, "country": 3, None: 4}


@dataclass
class Report:
    """One record of one document, with where it came from and where it is."""

    document_id: str
    index: int
    record: dict[str, Any]
    facts: Facts
    geo: Geocode = field(default_factory=Geocode)
    outlet: str | None = None
    published: str | None = None
    source: str | None = None
    quotes: list[str] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)

    @property
    def ref(self) -> str:
        return f"{self.document_id}#{self.index}"


@dataclass(frozen=True)
class Decision:
    """Why ``report`` joined the event: each field and how it agreed with ``other``."""

    report: str
    other: str
    fields: dict[str, str]

    def describe(self) -> str:
        said = "; ".join(f"{name} {how}" for name, how in self.fields.items())
        return f"{self.report} = {self.other}: {said}"


@dataclass
class Event:
    """One real-world event: its reports (every source kept), and how they were merged."""

    reports: list[Report]
    decisions: list[Decision] = field(default_factory=list)
    fatalities: int | None = None

    @property
    def lead(self) -> Report:
        """The report the event's row is written from: the best-placed, then the one naming
        the most actors, then the one with the most evidence."""
        return min(
            self.reports,
            key=lambda r: (_LEVELS.get(r.geo.level, 4), -_named(r.facts), -len(r.quotes), r.ref),
        )

    @property
    def day(self) -> date | None:
        """The day most reports give (the earliest of a tie)."""
        days = Counter(r.facts.day for r in self.reports if r.facts.day)
        if not days:
            return None
        top = max(days.values())
        return min(d for d, n in days.items() if n == top)

    @property
    def geo(self) -> Geocode:
        return self.lead.geo

    @property
    def document_ids(self) -> list[str]:
        return list(dict.fromkeys(r.document_id for r in self.reports))


def merge(reports: Sequence[Report], rules: DatasetRules) -> list[Event]:
    """The events the ``reports`` tell of, in order of their first report."""
    order = sorted(range(len(reports)), key=lambda i: _order(reports[i]))
    events: list[Event] = []
    blocks: dict[tuple[str, date], list[int]] = {}
    for i in order:
        report = reports[i]
        day = report.facts.day
        found: tuple[float, int, Decision] | None = None
        if day is not None:
            near = {
                e
                for d in range(-rules.max_days, rules.max_days + 1)
                for e in blocks.get((_country(report), day + timedelta(days=d)), ())
            }
            for e in sorted(near):
                verdict = _joins(report, events[e], rules)
                if verdict and (found is None or verdict[0] > found[0]):
                    found = (verdict[0], e, verdict[1])
        if found is None:
            events.append(Event([report]))
            at = len(events) - 1
        else:
            _, at, decision = found
            events[at].reports.append(report)
            events[at].decisions.append(decision)
        if day is not None:
            block = blocks.setdefault((_country(report), day), [])
            if at not in block:
                block.append(at)
    for event in events:
        counts = [r.facts.fatalities for r in event.reports if r.facts.fatalities is not None]
        event.fatalities = rules.fatalities(counts) if counts else None
    return events


def _order(report: Report) -> tuple[Any, ...]:
    return (report.facts.day or date.max, report.published or "", report.document_id, report.index)


def _country(report: Report) -> str:
    return report.geo.iso2 or key(report.facts.country or "")


def _named(facts: Facts) -> int:
    return len(facts.actors)


def _joins(report: Report, event: Event, rules: DatasetRules) -> tuple[float, Decision] | None:
    """Whether ``report`` agrees with every report of ``event``: the mean score and the reasons
    (against the report it agrees with best)."""
    scored = []
    for other in event.reports:
        verdict = compare(report, other, rules)
        if verdict is None:
            return None
        scored.append((verdict[0], other, verdict[1]))
    best = max(scored, key=lambda s: s[0])
    mean = sum(s[0] for s in scored) / len(scored)
    return mean, Decision(report.ref, best[1].ref, best[2])


def compare(a: Report, b: Report, rules: DatasetRules) -> tuple[float, dict[str, str]] | None:
    """Whether two reports can be one event: a score and how each field agreed, or None."""
    if a.document_id == b.document_id:
        return None
    days = abs((a.facts.day - b.facts.day).days) if a.facts.day and b.facts.day else None
    if days is None or days > rules.max_days:
        return None
    kinds = rules.kinds(a.facts, b.facts)
    actors = rules.actors(a.facts, b.facts)
    place, where = _places(a, b, rules)
    if "conflict" in (kinds, actors, place) or days > rules.days_apart(a.facts, b.facts, actors):
        return None
    if place != "agree" and (actors != "agree" or place == "unknown"):
        return None
    fields = {
        "type": f"{kinds} ({_kind(a.facts)} / {_kind(b.facts)})",
        "date": "same day" if days == 0 else f"{days} day(s) apart",
        "place": where,
        "actors": f"{actors} ({_actors(a.facts)} / {_actors(b.facts)})",
    }
    score = _POINTS[kinds] + (1.0 if days == 0 else 0.5) + 2 * _POINTS[place] + 2 * _POINTS[actors]
    return score, fields


_POINTS: dict[Agreement, float] = {"agree": 1.0, "weak": 0.25, "unknown": 0.0, "conflict": 0.0}


def _places(a: Report, b: Report, rules: DatasetRules) -> tuple[Agreement, str]:
    ga, gb = a.geo, b.geo
    if ga.has_point and gb.has_point:
        apart = km((ga.latitude, ga.longitude), (gb.latitude, gb.longitude))  # type: ignore[arg-type]
        if apart <= rules.max_km:
            return "agree", f"{apart:.1f} km apart ({ga.name} / {gb.name})"
    names = [r.facts.place for r in (a, b)]
    if all(names) and (key(names[0]) == key(names[1]) or skeleton(names[0]) == skeleton(names[1])):  # type: ignore[arg-type]
        return "agree", f"same name ({names[0]} / {names[1]})"
    if ga.has_point and gb.has_point:
        return "conflict", f"{apart:.0f} km apart"
    regions = [r.geo.admin1 or r.facts.admin1 for r in (a, b)]
    if all(regions) and key(regions[0]) != key(regions[1]):  # type: ignore[arg-type]
        return "conflict", f"different provinces ({regions[0]} / {regions[1]})"
    if all(names):
        return "conflict", f"different places ({names[0]} / {names[1]})"
    return "unknown", "one report names no place"


def _kind(facts: Facts) -> str:
    return facts.sub_kind or facts.kind or "?"


def _actors(facts: Facts) -> str:
    return ", ".join(facts.actors) or "none named"
