"""One front door for options, limits that extractors do not share by accident, and the old
module paths kept as deprecated aliases."""

from __future__ import annotations

import importlib
import sys

import pytest

from llm_extract import ConfigError, Extractor, ExtractorSettings
from tests.fakes import FakeBackend, FakeServer


def test_every_setting_is_accepted_by_name() -> None:
    ex = Extractor(backend=FakeBackend(FakeServer()), requests_per_minute=60)
    assert ex.settings.requests_per_minute == 60
    assert ex.gate.rate is not None
    with pytest.raises(ConfigError, match="settings= and separate arguments"):
        Extractor(settings=ExtractorSettings(), requests_per_minute=60)


def test_two_extractors_on_one_endpoint_keep_their_own_limits() -> None:
    server = FakeServer()
    a = Extractor(backend=FakeBackend(server), concurrency=2)
    b = Extractor(backend=FakeBackend(server), concurrency=8)
    assert (a.gate.limit, b.gate.limit) == (2, 8)
    same = Extractor(backend=FakeBackend(server), concurrency=2)
    assert same.gate is a.gate  # the same (endpoint, limit) shares one gate and its pauses
    b.set_concurrency(3)
    assert (a.gate.limit, b.gate.limit, b.settings.concurrency) == (2, 3, 3)


def test_old_module_paths_warn_and_are_the_new_modules() -> None:
    for old in ("llm_extract.extractor", "llm_extract.schema_modules.conflict_events"):
        sys.modules.pop(old, None)
    with pytest.warns(DeprecationWarning, match="moved to llm_extract.api"):
        old = importlib.import_module("llm_extract.extractor")
    assert old is importlib.import_module("llm_extract.api")
    assert old.__spec__ is not None and old.__spec__.name == "llm_extract.api"
    with pytest.warns(DeprecationWarning):
        schema = importlib.import_module("llm_extract.schema_modules.conflict_events")
    assert schema.ConflictEvent.__module__ == "llm_extract.domains.conflict.schema"


def test_renamed_names_warn() -> None:
    import llm_extract

    with pytest.warns(DeprecationWarning, match="use llm_extract.run_corpus"):
        assert llm_extract.run_batch is llm_extract.run_corpus
