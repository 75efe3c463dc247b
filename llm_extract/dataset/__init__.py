"""The dataset step: per-document records become one row per real-world event.

Geocoding against an offline gazetteer (:mod:`.geocode`), merging the records that report one
event in different documents (:mod:`.merge`), and the export in the schema's own columns
(:mod:`.build`). The codebook's rules come from the schema (:mod:`.rules`).
"""
