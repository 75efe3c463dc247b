"""Testing users' pipelines offline: the pytest plugin (:mod:`llm_extract.testing.plugin`).

Installed with the package and registered as a ``pytest11`` entry point, so a test only asks
for the ``llm_cassette`` fixture. The recording itself lives in :mod:`llm_extract.wire.recordings`
(the CLI's ``--record`` / ``--replay`` use it too); this package is the only place that
imports pytest.
"""
