"""The ACLED codebook as code, for the conflict schema (``domains/conflict/schema.py``).

* :mod:`~llm_extract.domains.conflict.codebook`: the codes, their definitions and the cue words that
  contradict a code.
* :mod:`~llm_extract.domains.conflict.checks`: codes a record's own actors, counts or quotes
contradict.
* :mod:`~llm_extract.domains.conflict.names`: ACLED's names for actors and places that news names
otherwise.
* :mod:`~llm_extract.domains.conflict.matching`: how names in records and text are compared.
"""
