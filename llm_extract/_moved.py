"""Old module paths (before the 0.2 layout) as deprecated aliases of their new homes, for one
release: ``import llm_extract.extractor`` still works, warns, and is the same module object as
``llm_extract.api`` (so records pickled under an old path load too)."""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
import warnings
from collections.abc import Sequence
from types import ModuleType

MOVED = {
    "llm_extract.extractor": "llm_extract.api",
    "llm_extract.acled": "llm_extract.domains.conflict",
    "llm_extract.acled.checks": "llm_extract.domains.conflict.checks",
    "llm_extract.acled.codebook": "llm_extract.domains.conflict.codebook",
    "llm_extract.acled.matching": "llm_extract.domains.conflict.matching",
    "llm_extract.acled.names": "llm_extract.domains.conflict.names",
    "llm_extract.backends.model_files": "llm_extract.backends.embedded.model_files",
    "llm_extract.backends.prompt_cache": "llm_extract.backends.embedded.prompt_cache",
    "llm_extract.batch": "llm_extract.runs.corpus",
    "llm_extract.batchfiles": "llm_extract.runs.batch_api",
    "llm_extract.batchfiles.api": "llm_extract.runs.batch_api.api",
    "llm_extract.batchfiles.collect": "llm_extract.runs.batch_api.collect",
    "llm_extract.batchfiles.exchange": "llm_extract.runs.batch_api.exchange",
    "llm_extract.batchfiles.finished": "llm_extract.runs.batch_api.finished",
    "llm_extract.batchfiles.prepare": "llm_extract.runs.batch_api.prepare",
    "llm_extract.batchfiles.state": "llm_extract.runs.batch_api.state",
    "llm_extract.cache": "llm_extract.wire.cache",
    "llm_extract.chunking": "llm_extract.core.pieces",
    "llm_extract.cli_batch": "llm_extract.cli.batch",
    "llm_extract.cli_corpus": "llm_extract.cli.corpus",
    "llm_extract.cli_tools": "llm_extract.cli.tools",
    "llm_extract.clients": "llm_extract.wire.clients",
    "llm_extract.concurrent": "llm_extract.pipeline.many",
    "llm_extract.context": "llm_extract.core.context",
    "llm_extract.dates": "llm_extract.core.dates",
    "llm_extract.documents": "llm_extract.core.document",
    "llm_extract.fingerprint": "llm_extract.wire.fingerprint",
    "llm_extract.grounding": "llm_extract.core.grounding",
    "llm_extract.limiter": "llm_extract.wire.limits",
    "llm_extract.output_file": "llm_extract.runs.output_file",
    "llm_extract.piece": "llm_extract.pipeline.ask",
    "llm_extract.ray": "llm_extract.runs.ray_engine",
    "llm_extract.recording": "llm_extract.wire.recordings",
    "llm_extract.recording_yaml": "llm_extract.wire.recording_yaml",
    "llm_extract.replay_server": "llm_extract.wire.replay_server",
    "llm_extract.result": "llm_extract.core.result",
    "llm_extract.schema_kit": "llm_extract.core.records",
    "llm_extract.schema_modules": "llm_extract.domains",
    "llm_extract.schema_modules.conflict_events": "llm_extract.domains.conflict.schema",
    "llm_extract.schema_modules.plover": "llm_extract.domains.plover.schema",
    "llm_extract.schemas": "llm_extract.core.registry",
    "llm_extract.strategies.attach": "llm_extract.domains.conflict.attach",
    "llm_extract.strategies.cues": "llm_extract.domains.conflict.cues",
    "llm_extract.tables": "llm_extract.runs.tables",
    "llm_extract.templates": "llm_extract.core.templates",
    "llm_extract.transport": "llm_extract.wire.retries",
    "llm_extract.validate": "llm_extract.wire.reasks",
}


class _Alias(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def __init__(self) -> None:
        self._own_specs: dict[str, importlib.machinery.ModuleSpec | None] = {}

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None = None,
        target: ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname not in MOVED:
            return None
        new = MOVED[fullname]
        is_package = hasattr(importlib.import_module(new), "__path__")
        return importlib.machinery.ModuleSpec(fullname, self, is_package=is_package)

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        new = MOVED[spec.name]
        warnings.warn(
            f"{spec.name} moved to {new}; the old path goes in the next release",
            DeprecationWarning,
            stacklevel=3,
        )
        module = importlib.import_module(new)
        self._own_specs[new] = module.__spec__
        return module

    def exec_module(self, module: ModuleType) -> None:
        # The import system stamped the old spec on the (shared) new module: put its own back.
        module.__spec__ = self._own_specs[module.__name__]


def install() -> None:
    if not any(isinstance(f, _Alias) for f in sys.meta_path):
        sys.meta_path.append(_Alias())
