"""Prompt templates: Jinja2 files, rendered in a sandbox, checked before any call.

Shipped templates sit beside their domain's schema (``domains/<domain>/*.j2``); the generic
default in ``core/prompts/``.

A template renders to chat messages. Lines ``--- system ---``, ``--- user ---`` and
``--- assistant ---`` start a message (worked examples are user/assistant pairs); text before
the first marker is a system message.

Variables: ``document`` (the text as numbered ``[S#]`` sentences), ``sentence_count``,
``published`` (ISO date or None), ``hints`` (the strategy's notes on this text, e.g. codebook
cues found in it; may be empty), ``cues`` (the names of those cues, to pick worked examples),
``max_records``, ``schema`` (``name``, ``description``,
``fields``: list of ``{name, type, kind, enum, description}`` where ``type`` spells out
allowed values and ``kind`` does not, ``field_guide``: those as text,
``json_schema``), plus whatever the schema puts in ``prompt_context`` (e.g. ``taxonomy``).
Undefined variables are errors, raised before any request is sent.
"""

from __future__ import annotations

import hashlib
import json
import re
import traceback
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment

from llm_extract.core.document import Document
from llm_extract.core.language import language_name
from llm_extract.errors import TemplateError

if TYPE_CHECKING:
    from llm_extract.core.registry import Schema

_MARKER = re.compile(r"^---\s*(system|user|assistant)\s*---\s*$", re.MULTILINE)
_SAMPLE = Document.from_text("Check sentence one. Check sentence two.", id="template-check")


@dataclass(frozen=True)
class PromptTemplate:
    """A parsed template and the file it came from."""

    path: Path
    template: jinja2.Template
    #: The source text's hash: part of a corpus run's fingerprint (an edited template is a
    #: different run).
    sha256: str = ""

    @classmethod
    def load(cls, spec: str | Path) -> PromptTemplate:
        """Load by shipped name (``conflict_events.j2``) or by file path, and parse it."""
        path = _find(spec)
        try:
            source = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as e:
            raise TemplateError(f"Cannot read template {path}: {e}.", "Check the file.") from e
        env = ImmutableSandboxedEnvironment(
            undefined=jinja2.StrictUndefined, keep_trailing_newline=True, autoescape=False
        )
        try:
            template = env.from_string(source)
        except jinja2.TemplateSyntaxError as e:
            raise TemplateError(
                f"Template {path}, line {e.lineno}: {e.message}.", "Fix the Jinja2 syntax there."
            ) from e
        template.filename = str(path)
        digest = hashlib.sha256(source.encode()).hexdigest()
        return cls(path=path, template=template, sha256=digest)

    def render(
        self,
        document: Document,
        schema: Schema,
        published: date | None,
        hints: tuple[str, ...] = (),
        cues: tuple[str, ...] = (),
    ) -> list[dict[str, str]]:
        """Render to chat messages for one document (``hints``: the strategy's notes on it;
        ``cues``: the names of the codebook cues found in it)."""
        variables = {
            **schema.prompt_context,
            "document": document.numbered(),
            "hints": list(hints),
            "cues": list(cues),
            "sentence_count": len(document.sentences),
            "published": published.isoformat() if published else None,
            "max_records": schema.max_records,
            # The document's language (ISO 639-1) and its English name; None when unknown.
            "language": document.language,
            "language_name": language_name(document.language),
            "schema": _schema_view(schema),
        }
        try:
            text = self.template.render(**variables)
        except jinja2.TemplateError as e:
            raise TemplateError(
                f"Template {self.path}{_line_of(e, self.path)}: {type(e).__name__}: "
                f"{str(e).rstrip('.')}.",
                f"Available variables: {', '.join(sorted(variables))}.",
            ) from e
        messages = _split_messages(text)
        if not messages or messages[-1]["role"] != "user":
            raise TemplateError(
                f"Template {self.path} must end with a user message.",
                "Add a '--- user ---' line before the part that shows the document.",
            )
        if "[S1]" not in text:
            raise TemplateError(
                f"Template {self.path} never shows the document.", "Put {{ document }} in it."
            )
        return messages

    def check(self, schema: Schema) -> None:
        """Render once with a sample document, so mistakes surface before any API call."""
        self.render(_SAMPLE, schema, date(2000, 1, 1))


def shipped_templates() -> dict[str, Path]:
    """Shipped template names and files: the generic default beside this module, and each
    domain's templates beside its schema (``llm_extract/domains/<domain>/*.j2``)."""
    here = Path(__file__).resolve().parent
    files = [*sorted((here / "prompts").glob("*.j2")),
             *sorted((here.parent / "domains").glob("*/*.j2"))]  # fmt: skip
    return {f.name: f for f in files}


def _find(spec: str | Path) -> Path:
    path = Path(spec)
    if path.is_file():
        return path
    shipped = shipped_templates()
    if str(spec) in shipped:
        return shipped[str(spec)]
    raise TemplateError(
        f"Template {spec!s} not found.",
        f"Pass a path to a .j2 file, or one of: {', '.join(sorted(shipped))}.",
    )


def _line_of(error: BaseException, path: Path) -> str:
    lines = [f.lineno for f in traceback.extract_tb(error.__traceback__) if f.filename == str(path)]
    return f", line {lines[-1]}" if lines else ""


def _split_messages(text: str) -> list[dict[str, str]]:
    parts = _MARKER.split(text)
    messages = []
    if parts[0].strip():
        messages.append({"role": "system", "content": parts[0].strip()})
    for role, content in zip(parts[1::2], parts[2::2], strict=True):
        if content.strip():
            messages.append({"role": role, "content": content.strip()})
    return messages


@lru_cache(maxsize=64)
def _schema_view(schema: Schema) -> dict[str, Any]:
    """What templates see of a schema; built once per schema, not per document (the
    immutable sandbox keeps templates from changing the shared value)."""
    record_schema = schema.record.model_json_schema()
    fields = list(_fields(record_schema, record_schema.get("$defs", {}), prefix=""))
    guide = "\n".join(
        f"- {f['name']} ({f['type']}): {f['description']}".rstrip(": ") for f in fields
    )
    return {
        "name": schema.name,
        "description": schema.description,
        "fields": fields,
        "field_guide": guide,
        "json_schema": json.dumps(schema.json_schema(), indent=1),
    }


def _fields(node: dict[str, Any], defs: dict[str, Any], prefix: str) -> Any:
    for name, prop in node.get("properties", {}).items():
        prop, nullable = _resolve(prop, defs)
        target = prop
        if prop.get("type") == "array" and "items" in prop:
            target, _ = _resolve(prop["items"], defs)
        if "properties" in target:
            kind = "list of objects" if prop.get("type") == "array" else "object"
            desc = prop.get("description") or target.get("description", "")
            kind += " or null" if nullable else ""
            yield {"name": prefix + name, "type": kind, "kind": kind, "enum": None,
                   "description": " ".join(desc.split())}  # fmt: skip
            yield from _fields(target, defs, prefix + name + ".")
            continue
        yield {
            "name": prefix + name,
            "type": _type_text(prop) + (" or null" if nullable else ""),
            "kind": prop.get("type", "enum" if "enum" in prop else "text")
            + (" or null" if nullable else ""),
            "enum": prop.get("enum"),
            "description": " ".join(prop.get("description", "").split()),
        }


def _resolve(prop: dict[str, Any], defs: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    nullable = False
    if "anyOf" in prop:
        options = [o for o in prop["anyOf"] if o.get("type") != "null"]
        nullable = len(options) < len(prop["anyOf"])
        if len(options) == 1:
            prop = {**options[0], **{k: v for k, v in prop.items() if k != "anyOf"}}
    if "$ref" in prop:
        ref = defs.get(prop["$ref"].rsplit("/", 1)[-1], {})
        prop = {**ref, **{k: v for k, v in prop.items() if k != "$ref"}}
    return prop, nullable


def _type_text(prop: dict[str, Any]) -> str:
    if "enum" in prop:
        return "one of: " + ", ".join(json.dumps(v) for v in prop["enum"])
    if prop.get("type") == "array":
        return f"list of {prop.get('items', {}).get('type', 'values')}"
    return str(prop.get("type", "text"))
