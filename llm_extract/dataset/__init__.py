"""The dataset step: per-document records become one row per real-world event.

Geocoding against an offline gazetteer (:mod:`.geocode`), merging the records that report one
event in different documents (:mod:`.merge`), and the export in the schema's own columns
(:mod:`.build`). The codebook's rules come from the schema (:mod:`.rules`).
"""

from llm_extract.dataset.build import Dataset, build_dataset, geocode_reports, reports_from_records
from llm_extract.dataset.geocode import Geocoder, PlaceQuery
from llm_extract.dataset.merge import Decision, Event, Report, merge
from llm_extract.dataset.rules import DatasetRules, Facts, Geocode

__all__ = [
    "Dataset",
    "DatasetRules",
    "Decision",
    "Event",
    "Facts",
    "Geocode",
    "Geocoder",
    "PlaceQuery",
    "Report",
    "build_dataset",
    "geocode_reports",
    "merge",
    "reports_from_records",
]
