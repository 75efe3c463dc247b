"""How a recording file is written, so that a re-recording reviews as a readable diff.

Bodies are stored as YAML structures (as pytest-recording/pydantic-ai's JSON body serializer
does), not as one escaped string: multi-line strings (the prompts) are literal blocks, so a
template change diffs line by line. A string that holds JSON (the model's answer inside a chat
completion, the same answer echoed back in a re-ask, tool-call arguments) is written as
pretty-printed JSON in a literal block, tagged ``!json`` (``!json:compact``, ``!json:ascii``...)
with the serializer settings that give the original string back byte for byte; a string that no
setting reproduces stays as it is. Files written before this (plain strings) load unchanged.
"""

from __future__ import annotations

import json
from typing import Any

import yaml

_TAG = "!json"
#: Serializer settings tried, in order, to reproduce a JSON string exactly (name -> kwargs).
_STYLES: dict[str, dict[str, Any]] = {
    "": {"ensure_ascii": False},
    "compact": {"ensure_ascii": False, "separators": (",", ":")},
    "ascii": {},
    "ascii-compact": {"separators": (",", ":")},
}


def dump(data: Any) -> str:
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)


def load(text: str) -> Any:
    return yaml.load(text, Loader=_Loader)


def pretty_json(value: str) -> tuple[str, str] | None:
    """(style name, pretty text) for a string holding a JSON object or array that the style
    reproduces exactly; None for any other string."""
    if len(value) < 2 or value[0] not in "{[" or value[-1] not in "}]":
        return None
    try:
        parsed = json.loads(value)
    except ValueError:
        return None
    for name, style in _STYLES.items():
        if json.dumps(parsed, **style) == value:
            pretty = json.dumps(parsed, indent=2, ensure_ascii=False)
            if json.dumps(json.loads(pretty), **style) == value:
                return name, pretty
    return None


class _Dumper(yaml.SafeDumper):
    pass


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    if (found := pretty_json(value)) is not None:
        name, pretty = found
        tag = f"{_TAG}:{name}" if name else _TAG
        return dumper.represent_scalar(tag, pretty, style="|")
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    pass


def _json_string(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> str:
    style = _STYLES.get(suffix.removeprefix(":"))
    if style is None or not isinstance(node, yaml.ScalarNode):
        raise yaml.constructor.ConstructorError(
            None, None, f"unknown tag {_TAG}{suffix}", node.start_mark
        )
    return json.dumps(json.loads(loader.construct_scalar(node)), **style)


_Loader.add_multi_constructor(_TAG, _json_string)
