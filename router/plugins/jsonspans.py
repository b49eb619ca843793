"""JSON read with the place of every value: a manifest's findings point at the line and column of the
value they are about.

The standard library decides what is JSON (its `json.loads`, held to what JavaScript's `JSON.parse`
accepts: no `NaN` or `Infinity`), and says where invalid JSON goes wrong. A second pass over text that
is known to be valid records where each value starts and ends, with the standard library's own scanners
reading each string and scalar: only braces, brackets, commas and colons are walked here.
"""

from __future__ import annotations

import json
import re
from json.decoder import scanstring
from typing import NamedTuple

_SPACE = re.compile(r"[ \t\n\r]*")
_SCALARS = json.JSONDecoder()


class JsonNode(NamedTuple):
    """One JSON value: a `str`, `int`, `float`, `bool` or None; an object as `dict[str, Member]` (the
    last of keys written twice wins, as in `JSON.parse`); an array as `tuple[JsonNode, ...]`."""

    value: object
    start: int
    end: int

    @property
    def members(self) -> dict[str, Member]:
        """The object's members; none for any other value."""
        return self.value if isinstance(self.value, dict) else {}

    @property
    def items(self) -> tuple[JsonNode, ...]:
        """The array's items; none for any other value."""
        return self.value if isinstance(self.value, tuple) else ()

    @property
    def kind(self) -> str:
        """The value's JSON type, as a message names it: object, array, string, number, boolean, null."""
        value = self.value
        if isinstance(value, dict):
            return "object"
        if isinstance(value, tuple):
            return "array"
        if isinstance(value, str):
            return "string"
        if isinstance(value, bool):
            return "boolean"
        return "null" if value is None else "number"


class Member(NamedTuple):
    key: str
    key_start: int
    key_end: int
    value: JsonNode


class JsonProblem(NamedTuple):
    """Why a text is not JSON, and where (a character offset)."""

    message: str
    offset: int


def parse_json(text: str) -> JsonNode | JsonProblem:
    """The JSON value `text` holds, with positions; or what is wrong with it."""
    try:
        json.loads(text, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        return JsonProblem(exc.msg, exc.pos)
    except _NotJson as exc:
        return JsonProblem(f"{exc.args[0]} is not JSON", _constant_offset(text, exc.args[0]))
    except RecursionError:
        return JsonProblem("arrays or objects nested too deeply to read", 0)
    try:
        node, _ = _value(text, 0)
    except RecursionError:
        return JsonProblem("arrays or objects nested too deeply to read", 0)
    return node


class _NotJson(ValueError):
    pass


def _no_constant(name: str) -> object:
    raise _NotJson(name)


def _constant_offset(text: str, name: str) -> int:
    # Only a value outside a string can be `NaN`: the first one written outside quotes.
    for match in re.finditer(re.escape(name), text):
        if text.count('"', 0, match.start()) % 2 == 0:
            return match.start()
    return 0


def _value(text: str, at: int) -> tuple[JsonNode, int]:
    start = _SPACE.match(text, at).end()  # type: ignore[union-attr]  # always matches
    first = text[start]
    if first == "{":
        return _object(text, start)
    if first == "[":
        return _array(text, start)
    if first == '"':
        value, end = scanstring(text, start + 1)
        return JsonNode(value, start, end), end
    value, end = _SCALARS.raw_decode(text, start)
    return JsonNode(value, start, end), end


def _object(text: str, start: int) -> tuple[JsonNode, int]:
    members: dict[str, Member] = {}
    at = _SPACE.match(text, start + 1).end()  # type: ignore[union-attr]
    if text[at] == "}":
        return JsonNode(members, start, at + 1), at + 1
    while True:
        key, key_end = scanstring(text, at + 1)  # `at` is the key's opening quote
        colon = _SPACE.match(text, key_end).end()  # type: ignore[union-attr]
        value, after = _value(text, colon + 1)
        members[key] = Member(key, at, key_end, value)
        at = _SPACE.match(text, after).end()  # type: ignore[union-attr]
        if text[at] == "}":
            return JsonNode(members, start, at + 1), at + 1
        at = _SPACE.match(text, at + 1).end()  # type: ignore[union-attr]  # past the comma


def _array(text: str, start: int) -> tuple[JsonNode, int]:
    items: list[JsonNode] = []
    at = _SPACE.match(text, start + 1).end()  # type: ignore[union-attr]
    if text[at] == "]":
        return JsonNode((), start, at + 1), at + 1
    while True:
        item, after = _value(text, at)
        items.append(item)
        at = _SPACE.match(text, after).end()  # type: ignore[union-attr]
        if text[at] == "]":
            return JsonNode(tuple(items), start, at + 1), at + 1
        at += 1  # past the comma
