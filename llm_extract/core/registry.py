"""Schema registry: a registered name or ``path.py:Class`` resolves to a record model.

Shipped schemas live in the package (``llm_extract/domains/<domain>/schema.py``, each with its
codebook pack and template beside it) and are registered in the ``llm_extract.schemas``
entry-point group, as a third-party package registers its own: ``name = "module:Class"``. The
shipped ones are also listed here, so a source tree that is not installed still finds them. A
user's ``path.py:Class`` loads under a private module name.
"""

from __future__ import annotations

import copy
import hashlib
import importlib
import importlib.util
import sys
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, create_model

from llm_extract.core.pack import NO_PACK, CodebookPack
from llm_extract.core.records import Cue, EventRecord
from llm_extract.errors import SchemaError


@dataclass(frozen=True)
class Schema:
    """A record model plus the list model the LLM is asked to fill.

    ``insisting_model`` is the same list whose JSON schema asks for at least one record: what
    a follow-up sends when the pipeline holds that the text reports an event (llama.cpp turns
    it into a grammar, so the model cannot close the list at once). It parses an empty list
    all the same, so an endpoint that ignores ``minItems`` costs no validation re-ask.
    """

    name: str
    record: type[BaseModel]
    response_model: type[BaseModel]
    insisting_model: type[BaseModel]

    @property
    def description(self) -> str:
        return (self.record.__doc__ or "").strip()

    @property
    def max_records(self) -> int:
        return int(getattr(self.record, "max_records", EventRecord.max_records))

    @property
    def prompt_template(self) -> str:
        return str(getattr(self.record, "prompt_template", EventRecord.prompt_template))

    @property
    def prompt_context(self) -> dict[str, Any]:
        return dict(getattr(self.record, "prompt_context", {}))

    @property
    def codebook_cues(self) -> tuple[Cue, ...]:
        return tuple(getattr(self.record, "codebook_cues", ()))

    @property
    def pack(self) -> CodebookPack:
        """The schema's codebook pack (:mod:`~llm_extract.core.pack`); none: no domain words."""
        if issubclass(self.record, EventRecord):
            return self.record.codebook_pack
        return NO_PACK

    @property
    def codebook_checks(self) -> tuple[Callable[[Any], str | None], ...]:
        return tuple(getattr(self.record, "codebook_checks", ()))

    def json_schema(self) -> dict[str, Any]:
        return self.response_model.model_json_schema()


#: The entry-point group a package registers its schemas in (``name = "module:Class"``).
ENTRY_POINT_GROUP = "llm_extract.schemas"
_SHIPPED = {
    "conflict_events": "llm_extract.domains.conflict.schema:ConflictEvent",
    "plover": "llm_extract.domains.plover.schema:PloverEvent",
}


@cache
def registered_schemas() -> dict[str, str]:
    """Every registered schema name and its ``module:Class`` target (shipped ones first)."""
    from importlib.metadata import entry_points

    found = dict(_SHIPPED)
    for point in entry_points(group=ENTRY_POINT_GROUP):
        found.setdefault(point.name, point.value)
    return found


def shipped_schemas() -> dict[str, Path]:
    """Names of the registered schemas and the files that define them (nothing is imported)."""
    out: dict[str, Path] = {}
    for name, target in registered_schemas().items():
        module = target.partition(":")[0]
        spec = importlib.util.find_spec(module)
        if spec is not None and spec.origin:
            out[name] = Path(spec.origin)
    return out


def load_schema(spec: str | type[BaseModel]) -> Schema:
    """Resolve a schema name, ``path/to/file.py:ClassName``, or a pydantic class."""
    if isinstance(spec, type):
        if not issubclass(spec, BaseModel):
            raise SchemaError(f"{spec!r} is not a pydantic model.", "Subclass pydantic.BaseModel.")
        return _wrap(spec.__name__, spec)
    return _load_schema_spec(spec)


@cache
def _load_schema_spec(spec: str) -> Schema:
    registered = registered_schemas()
    if spec in registered:
        return _wrap(spec, _import_registered(spec, registered[spec]))
    path_part, sep, class_name = spec.rpartition(":")
    if not sep or not path_part.endswith(".py"):
        raise SchemaError(
            f"Unknown schema {spec!r}.",
            f"Use one of {', '.join(registered) or '(none registered)'}, or "
            "path/to/file.py:ClassName.",
        )
    path = Path(path_part)
    if not path.is_file():
        raise SchemaError(f"Schema file {path} does not exist.", "Check the path before ':'.")
    module = _import_file(path)
    record = getattr(module, class_name, None)
    if record is None:
        found = sorted(
            n
            for n, v in vars(module).items()
            if isinstance(v, type)
            and issubclass(v, BaseModel)
            and v.__module__ == module.__name__  # defined there, not imported
        )
        raise SchemaError(
            f"{path} has no class {class_name!r}.",
            f"Pydantic models in that file: {', '.join(found) or 'none'}.",
        )
    if not (isinstance(record, type) and issubclass(record, BaseModel)):
        raise SchemaError(f"{spec} is not a pydantic model class.", "Subclass pydantic.BaseModel.")
    return _wrap(class_name, record)


def _import_registered(name: str, target: str) -> type[BaseModel]:
    """A registered schema's record class, from its importable module (so records pickle)."""
    module_name, _, attr = target.partition(":")
    try:
        module = importlib.import_module(module_name)
    except Exception as e:
        raise SchemaError(
            f"Importing schema {name!r} ({module_name}) failed: {type(e).__name__}: {e}.",
            f"Fix the error in that module (run `python -c 'import {module_name}'` to see the "
            "traceback).",
        ) from e
    record = getattr(module, attr or "SCHEMA", None)
    if not (isinstance(record, type) and issubclass(record, BaseModel)):
        raise SchemaError(
            f"Schema {name!r}: {target} is not a pydantic model class.",
            "Point the entry point at the record class (module:Class).",
        )
    return record


def _import_file(path: Path) -> Any:
    digest = hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:12]
    module_name = f"llm_extract_schema_{path.stem}_{digest}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise SchemaError(f"Cannot import {path}.", "Is it a Python file?")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module  # pydantic resolves forward references through this
    try:
        spec.loader.exec_module(module)
    except Exception as e:
        del sys.modules[module_name]
        raise SchemaError(
            f"Importing schema file {path} failed: {type(e).__name__}: {e}.",
            "Fix the error in that file (run `python` on it to see the traceback).",
        ) from e
    return module


def _wrap(name: str, record: type[BaseModel]) -> Schema:
    max_records = int(getattr(record, "max_records", EventRecord.max_records))
    response_model = _list_model(record, 0, max_records)
    insisting_model = _list_model(record, 1, max_records)
    return Schema(name, record, response_model, insisting_model)


def _list_model(record: type[BaseModel], least: int, most: int) -> type[BaseModel]:
    """The list model a request asks for: between ``least`` and ``most`` records."""
    model = create_model(
        f"{record.__name__}List",
        __doc__=f"Every distinct record in the document. {(record.__doc__ or '').strip()}",
        records=(
            list[record],  # type: ignore[valid-type]
            Field(
                # minItems goes to the endpoint only (llama.cpp makes it a grammar); an empty
                # answer from one that ignores it still parses, so no re-ask is spent on it.
                # None at 0: the request every document sends stays byte-identical.
                json_schema_extra={"minItems": least} if least else None,
                max_length=most,
                description=(
                    f"The records, at most {most}; empty if there are none."
                    if least == 0
                    else f"The records, at least {least} and at most {most}."
                ),
            ),
        ),
    )
    _cache_json_schema(model)
    return model


def _cache_json_schema(model: type[BaseModel]) -> None:
    """Build the list model's JSON schema once, not on every request.

    instructor wraps the response model in a fresh subclass on every call and asks it for its
    JSON schema; generating it is a large part of a request's CPU. A wrapper with the model's
    name and fields gets the model's schema, once checked to be identical to what it would
    generate itself; each caller gets its own copy. So the request sent is exactly the one
    generating the schema afresh would give.
    """
    generate = BaseModel.model_json_schema.__func__  # type: ignore[attr-defined]
    cached: dict[Any, dict[str, Any]] = {}
    wrappers_agree: dict[Any, bool] = {}

    def model_json_schema(cls: type[BaseModel], *args: Any, **kwargs: Any) -> dict[str, Any]:
        try:
            key = hash((args, tuple(sorted(kwargs.items()))))
        except TypeError:  # unhashable arguments: no caching
            return dict(generate(cls, *args, **kwargs))
        if cls is not model and not _same_shape(cls, model):
            return dict(generate(cls, *args, **kwargs))
        if key not in cached:
            cached[key] = generate(model, *args, **kwargs)
        if cls is not model:
            if key not in wrappers_agree:
                wrappers_agree[key] = generate(cls, *args, **kwargs) == cached[key]
            if not wrappers_agree[key]:
                return dict(generate(cls, *args, **kwargs))
        return copy.deepcopy(cached[key])

    model.model_json_schema = classmethod(model_json_schema)  # type: ignore[assignment,method-assign]


def _same_shape(cls: type[BaseModel], model: type[BaseModel]) -> bool:
    return (
        issubclass(cls, model)
        and cls.__name__ == model.__name__
        and cls.__doc__ == model.__doc__
        and cls.model_fields.keys() == model.model_fields.keys()
    )
