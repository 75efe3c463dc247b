"""The pipeline's core: documents, pieces, grounding, dates, templates, records and the schema
registry.

Nothing here imports a strategy, the wire, a backend or a domain.
"""
