"""Measure extraction quality against gold data.

:func:`evaluate` runs an :class:`~llm_extract.Extractor` over a gold JSONL file (resumably, via
the batch runner) or reads existing predictions, and scores them: per-field accuracy, record
precision/recall/F1 with one-to-one matching, grounding, and tokens and seconds per document.
The gold format is documented in :mod:`llm_extract.evaluation.gold`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from llm_extract.evaluation.convert import acled_csv_to_gold
from llm_extract.evaluation.gold import (
    GoldActor,
    GoldDocument,
    GoldEvent,
    GoldLocation,
    GoldSpan,
    read_gold,
    write_gold,
)
from llm_extract.evaluation.predictions import (
    PredictedEvent,
    Prediction,
    from_result,
    read_event,
    read_predictions,
)
from llm_extract.evaluation.report import compare_reports, format_report, write_breakdown
from llm_extract.evaluation.score import FIELDS, DocumentScore, Report, match, score

if TYPE_CHECKING:
    from llm_extract.api import Extractor


def evaluate(
    gold: str | Path,
    *,
    extractor: Extractor | None = None,
    predictions: str | Path | None = None,
) -> Report:
    """Score ``predictions`` (a batch JSONL), extracting them first with ``extractor`` if given.

    ``gold`` is a gold JSONL file, or an ACLED export (``.csv``: an ACLED download, or one
    written by ``llm-extract dataset``), read as :func:`acled_csv_to_gold` reads it. With an
    extractor, predictions go to the ``predictions`` path (default: next to the gold file,
    ``<gold>.pred.jsonl``), so an interrupted evaluation resumes where it stopped; an ACLED
    export's documents are written beside it first (``<gold>.gold.jsonl``) and extracted from
    there.
    """
    from llm_extract.runs.corpus import run_corpus

    gold_path = Path(gold)
    if gold_path.suffix.lower() == ".csv":
        docs = acled_csv_to_gold(gold_path)
        documents = gold_path.with_suffix(".gold.jsonl")
        if extractor is not None:
            write_gold(docs, documents)
    else:
        docs, documents = read_gold(gold_path), gold_path
    pred_path = Path(predictions) if predictions else gold_path.with_suffix(".pred.jsonl")
    if extractor is not None:
        run_corpus(extractor, [documents], pred_path)
    elif predictions is None:
        from llm_extract.errors import ConfigError

        raise ConfigError("Nothing to score.", "Pass predictions=PATH, or an extractor to run.")
    return score(docs, read_predictions(pred_path, {d.id: d.text for d in docs}))


__all__ = [
    "FIELDS",
    "DocumentScore",
    "GoldActor",
    "GoldDocument",
    "GoldEvent",
    "GoldLocation",
    "GoldSpan",
    "PredictedEvent",
    "Prediction",
    "Report",
    "acled_csv_to_gold",
    "compare_reports",
    "evaluate",
    "format_report",
    "from_result",
    "match",
    "read_event",
    "read_gold",
    "read_predictions",
    "score",
    "write_breakdown",
    "write_gold",
]
