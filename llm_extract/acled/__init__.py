"""The ACLED codebook as code, for the conflict schema (``schemas/conflict_events.py``).

* :mod:`~llm_extract.acled.codebook`: the codes, their definitions and the cue words that
  contradict a code.
* :mod:`~llm_extract.acled.checks`: codes a record's own actors, counts or quotes contradict.
* :mod:`~llm_extract.acled.names`: ACLED's names for actors and places that news names otherwise.
* :mod:`~llm_extract.acled.matching`: how names in records and text are compared.
"""
