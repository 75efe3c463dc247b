"""The gold JSONL format: one annotated document per line.

    {"id": "doc-1", "text": "On 2 May 2020, ...", "published": "2020-05-04",
     "events": [{"event_type": "Protests", "sub_event_type": "Peaceful protest",
                 "date": "2020-05-02", "fatalities": 0,
                 "location": {"place": "Bolsi", "admin1": "Tillaberi", "admin2": "Say",
                              "admin3": "Torodi", "country": "Niger"},
                 "actor1": {"name": "Protesters (Niger)", "associated": ["Farmers (Niger)"]},
                 "actor2": null,
                 "evidence": [{"start": 0, "end": 42}]}]}

Every event key is optional, and only the keys a gold event has are scored: a source without
dates (WikiEvents) leaves ``date`` out, and ``"actor2": null`` (present, null) means "no second
actor" and is scored. ``evidence`` spans (character offsets into ``text``) are used only to pair
predicted with gold records when a document has several events.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, ValidationError

from llm_extract.errors import InputError


class GoldActor(BaseModel):
    name: str
    associated: list[str] = Field(default_factory=list)


class GoldLocation(BaseModel):
    place: str | None = None
    admin1: str | None = None
    admin2: str | None = None
    admin3: str | None = None
    country: str | None = None


class GoldSpan(BaseModel):
    start: int = Field(ge=0)
    end: int = Field(ge=0)


class GoldEvent(BaseModel):
    """One annotated event; fields left out are not scored."""

    event_type: str | None = None
    sub_event_type: str | None = None
    date: str | None = None
    fatalities: int | None = None
    location: GoldLocation | None = None
    actor1: GoldActor | None = None
    actor2: GoldActor | None = None
    evidence: list[GoldSpan] = Field(default_factory=list)

    def scored(self, field: str) -> bool:
        return field in self.model_fields_set


class GoldDocument(BaseModel):
    id: str
    text: str
    published: str | None = None
    events: list[GoldEvent]


def read_gold(path: str | Path) -> list[GoldDocument]:
    """Read and check a gold JSONL file (errors name the line)."""
    return list(_read_lines(Path(path)))


def _read_lines(path: Path) -> Iterator[GoldDocument]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(
            f"Cannot read gold file {path}: {exc}", "Pass a UTF-8 JSONL gold file."
        ) from exc
    seen: set[str] = set()
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            doc = GoldDocument.model_validate(json.loads(line))
        except (json.JSONDecodeError, ValidationError) as exc:
            raise InputError(
                f"{path}:{number} is not a gold document: {_first_error(exc)}",
                "Each line needs {'id', 'text', 'events': [...]}; see llm_extract.evaluation.gold.",
            ) from exc
        if doc.id in seen:
            raise InputError(
                f"{path}:{number} repeats document id {doc.id!r}.", "Give each document its own id."
            )
        seen.add(doc.id)
        yield doc
    if not seen:
        raise InputError(f"Gold file {path} holds no documents.", "Add one JSON object per line.")


def write_gold(documents: list[GoldDocument], path: str | Path) -> None:
    with Path(path).open("w", encoding="utf-8") as out:
        for doc in documents:
            out.write(json.dumps(_dump(doc), ensure_ascii=False) + "\n")


def _dump(doc: GoldDocument) -> dict[str, Any]:
    # exclude_unset keeps "not annotated" distinct from "annotated as null".
    return doc.model_dump(mode="json", exclude_unset=True)


def _first_error(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        err = exc.errors()[0]
        return f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}"
    return str(exc)
