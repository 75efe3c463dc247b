"""Score predicted records against gold: one-to-one record matching, per-field accuracy, P/R/F1.

Pairing: each (predicted, gold) pair in a document gets an agreement score (event type, date,
place, actors; evidence overlap counts double). Pairs are taken best first, each record at most
once; a pair with no agreement at all is not a match. When both sides carry evidence spans they
must overlap to pair.

Field accuracy is counted over gold events: a gold event with no matched prediction scores wrong
on every field, so missing events cost accuracy, and extra predictions cost precision.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from llm_extract.evaluation.compare import (
    any_name_matches,
    same_date,
    same_fatalities,
    same_label,
)
from llm_extract.evaluation.gold import GoldActor, GoldDocument, GoldEvent
from llm_extract.evaluation.predictions import PredictedEvent, Prediction

#: Scored fields, in report order.
FIELDS = (
    "event_type",
    "sub_event_type",
    "date",
    "fatalities",
    "location",
    "actor1",
    "actor2",
)


def field_scores(pred: PredictedEvent, gold: GoldEvent) -> dict[str, bool]:
    """Which of the gold event's annotated fields the prediction gets right."""
    out: dict[str, bool] = {}
    if gold.scored("event_type"):
        out["event_type"] = same_label(pred.event_type, gold.event_type)
    if gold.scored("sub_event_type"):
        out["sub_event_type"] = same_label(pred.sub_event_type, gold.sub_event_type)
    if gold.scored("date"):
        out["date"] = same_date(pred.date, gold.date)
    if gold.scored("fatalities"):
        out["fatalities"] = same_fatalities(pred.fatalities, gold.fatalities)
    if gold.scored("location"):
        out["location"] = _location_ok(pred, gold)
    if gold.scored("actor1") or gold.scored("actor2"):
        out.update(_actors_ok(pred, gold))
    return out


def _location_ok(pred: PredictedEvent, gold: GoldEvent) -> bool:
    loc = gold.location
    if loc is None or not (loc.place or loc.admin3 or loc.admin2):
        return pred.place is None
    return any_name_matches([primary_place(pred.place)], [loc.place, loc.admin3, loc.admin2])


def primary_place(place: str | None) -> str | None:
    """The first place a location string names: "Jathol village, Amritsar (Punjab)" -> "Jathol
    village". A location is one place; listing several must not score as naming the right one."""
    if not place:
        return place
    first = re.split(r",|;|\(| and ", place, maxsplit=1)[0].strip()
    return first or place


def _actor_ok(pred: tuple[str, list[str]] | None, gold: GoldActor | None) -> bool:
    if gold is None or pred is None:
        return gold is None and pred is None
    name, associated = pred
    return any_name_matches([name, *associated], [gold.name, *gold.associated])


def _actors_ok(pred: PredictedEvent, gold: GoldEvent) -> dict[str, bool]:
    # ACLED's actor1/actor2 are undirected: take the better of the two assignments.
    p1, p2 = pred.actor1, pred.actor2
    best: dict[str, bool] = {}
    for first, second in ((p1, p2), (p2, p1)):
        trial = {}
        if gold.scored("actor1"):
            trial["actor1"] = _actor_ok(first, gold.actor1)
        if gold.scored("actor2"):
            trial["actor2"] = _actor_ok(second, gold.actor2)
        if sum(trial.values()) > sum(best.values()) or not best:
            best = trial
    return best


def _overlaps(pred: PredictedEvent, gold: GoldEvent) -> bool:
    return any(s < g.end and g.start < e for s, e in pred.spans for g in gold.evidence)


def pair_score(pred: PredictedEvent, gold: GoldEvent) -> float:
    """How much a prediction and a gold event agree; 0 means they are not the same event."""
    if gold.evidence and pred.spans and not _overlaps(pred, gold):
        return 0.0
    fields = field_scores(pred, gold)
    agreement = sum(fields.get(k, False) for k in ("event_type", "date", "location", "actor1"))
    return agreement + fields.get("sub_event_type", False) * 0.5 + 2 * _overlaps(pred, gold)


def match(preds: list[PredictedEvent], golds: list[GoldEvent]) -> list[tuple[int, int]]:
    """One-to-one (pred index, gold index) pairs, best agreement first."""
    scored = sorted(
        ((pair_score(p, g), i, j) for i, p in enumerate(preds) for j, g in enumerate(golds)),
        key=lambda t: (-t[0], t[1], t[2]),
    )
    used_p: set[int] = set()
    used_g: set[int] = set()
    pairs = []
    for score, i, j in scored:
        if score <= 0 or i in used_p or j in used_g:
            continue
        used_p.add(i)
        used_g.add(j)
        pairs.append((i, j))
    return sorted(pairs, key=lambda p: p[1])


@dataclass
class DocumentScore:
    """One document's result, as written to the per-document breakdown file."""

    id: str
    gold_events: int
    predicted_events: int
    matched: int
    fields: dict[str, list[bool]] = field(default_factory=dict)  # per gold event, gold order
    grounded: int = 0
    error: str | None = None
    prompt_tokens: int = 0
    cached_prompt_tokens: int = 0
    completion_tokens: int = 0
    seconds: float = 0.0


@dataclass
class Report:
    """Scores over a set of documents (see :func:`score`)."""

    documents: list[DocumentScore]
    fields: dict[str, float]
    mean_field_accuracy: float
    precision: float
    recall: float
    f1: float
    grounded: float
    failed: int
    prompt_tokens_per_doc: float
    cached_prompt_tokens_per_doc: float
    completion_tokens_per_doc: float
    seconds_per_doc: float

    def summary(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("documents")
        data["n_documents"] = len(self.documents)
        data["n_gold_events"] = sum(d.gold_events for d in self.documents)
        return data


def score_document(gold: GoldDocument, prediction: Prediction | None) -> DocumentScore:
    preds = prediction.events if prediction else []
    out = DocumentScore(gold.id, len(gold.events), len(preds), 0)
    if prediction is None:
        out.error = "no prediction for this document"
    else:
        out.error = prediction.error
        out.grounded = sum(p.grounded for p in preds)
        out.prompt_tokens = prediction.prompt_tokens
        out.cached_prompt_tokens = prediction.cached_prompt_tokens
        out.completion_tokens = prediction.completion_tokens
        out.seconds = prediction.seconds
    pairs = dict((j, i) for i, j in match(preds, gold.events))
    out.matched = len(pairs)
    for j, g in enumerate(gold.events):
        empty = PredictedEvent()
        got = field_scores(preds[pairs[j]], g) if j in pairs else field_scores(empty, g)
        for name in FIELDS:
            if name in got:
                # An unmatched gold event is wrong on every field, even ones "empty" would hit.
                out.fields.setdefault(name, []).append(got[name] and j in pairs)
    return out


def score(gold: Iterable[GoldDocument], predictions: Mapping[str, Prediction]) -> Report:
    """Score ``predictions`` (by document id) against ``gold``."""
    docs = [score_document(g, predictions.get(g.id)) for g in gold]
    fields: dict[str, float] = {}
    for name in FIELDS:
        values = [v for d in docs for v in d.fields.get(name, [])]
        if values:
            fields[name] = sum(values) / len(values)
    n_gold = sum(d.gold_events for d in docs)
    n_pred = sum(d.predicted_events for d in docs)
    tp = sum(d.matched for d in docs)
    precision = tp / n_pred if n_pred else 0.0
    recall = tp / n_gold if n_gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    n = max(len(docs), 1)
    return Report(
        documents=docs,
        fields=fields,
        mean_field_accuracy=statistics.fmean(fields.values()) if fields else 0.0,
        precision=precision,
        recall=recall,
        f1=f1,
        grounded=sum(d.grounded for d in docs) / n_pred if n_pred else 0.0,
        failed=sum(d.error is not None for d in docs),
        prompt_tokens_per_doc=sum(d.prompt_tokens for d in docs) / n,
        cached_prompt_tokens_per_doc=sum(d.cached_prompt_tokens for d in docs) / n,
        completion_tokens_per_doc=sum(d.completion_tokens for d in docs) / n,
        seconds_per_doc=sum(d.seconds for d in docs) / n,
    )
