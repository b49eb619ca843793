"""Tool input schemas (JSON Schema 2020-12, as Claude Code writes them) in the form each target takes.

- OpenAI and compatible servers take JSON Schema: only `$schema` (and `$id`, `$comment`) go, which
  some compatible servers' grammar converters refuse.
- Gemini's function declarations take an OpenAPI 3.0 subset and refuse the rest with a 400:
  `gemini_schema` keeps `type` (upper-cased; a list of types becomes the first non-null one plus
  `nullable`), `format`, `description`, `nullable`, `enum` (strings only), `properties`,
  `required`, `items`, `minItems`, `maxItems`, `minLength`, `maxLength`, `minimum`, `maximum`,
  `pattern`, `title`, `default`. `const` becomes a one-value `enum`; `exclusiveMinimum`/`Maximum`
  become `minimum`/`maximum`; `anyOf`/`oneOf` of a type and null becomes that type, `nullable`; of
  several types, the first, with the alternatives said in `description`; `allOf` is merged;
  `additionalProperties`, `propertyNames`, `patternProperties`, `$ref`/`$defs` and the like go.
- Ollama's SDK carries, per property, only `type` (a name or a list), `items`, `description` and
  `enum`: `ollama_schema` turns a nested object's own properties into its description, so the model
  still reads them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

_META = frozenset({"$schema", "$id", "$comment"})

_GEMINI_KEYS = frozenset(
    {
        "format",
        "description",
        "nullable",
        "minItems",
        "maxItems",
        "minLength",
        "maxLength",
        "minimum",
        "maximum",
        "pattern",
        "title",
        "default",
    }
)


def openai_schema(schema: Any) -> dict[str, Any]:
    """The schema without its meta keys (a missing schema is an object with no properties)."""
    if not isinstance(schema, Mapping):
        return {"type": "object", "properties": {}}
    return {key: value for key, value in schema.items() if key not in _META}


def gemini_schema(schema: Any) -> dict[str, Any]:
    """The OpenAPI subset Gemini's function declarations accept (see the module docstring)."""
    if not isinstance(schema, Mapping):
        return {"type": "OBJECT", "properties": {}}
    return _gemini(schema, depth=0)


def _gemini(schema: Mapping[str, Any], depth: int) -> dict[str, Any]:
    schema = _merged_all_of(schema)
    out: dict[str, Any] = {}
    notes: list[str] = []
    alternatives = schema.get("anyOf") or schema.get("oneOf")
    if isinstance(alternatives, list) and alternatives:
        chosen, nullable, others = _one_of(alternatives)
        schema = {**chosen, **{k: v for k, v in schema.items() if k not in ("anyOf", "oneOf")}}
        if nullable:
            out["nullable"] = True
        if others:
            notes.append("also accepts: " + "; ".join(json.dumps(other, sort_keys=True) for other in others))
    kind = schema.get("type")
    if isinstance(kind, list):
        named = [k for k in kind if k != "null"]
        if "null" in kind:
            out["nullable"] = True
        if len(named) > 1:
            notes.append(f"may be any of: {', '.join(named)}")
        kind = named[0] if named else "string"
    if "const" in schema and "enum" not in schema:
        schema = {**schema, "enum": [schema["const"]]}
    if kind is None:
        kind = _guess_type(schema)
    if kind is not None:
        out["type"] = str(kind).upper()
    for key in _GEMINI_KEYS:
        if key in schema and key not in out:
            out[key] = schema[key]
    if "exclusiveMinimum" in schema and "minimum" not in out and _is_number(schema["exclusiveMinimum"]):
        out["minimum"] = schema["exclusiveMinimum"]
    if "exclusiveMaximum" in schema and "maximum" not in out and _is_number(schema["exclusiveMaximum"]):
        out["maximum"] = schema["exclusiveMaximum"]
    if isinstance(schema.get("enum"), list):
        out["enum"] = [str(value) for value in schema["enum"] if value is not None]
        out["type"] = "STRING"  # Gemini takes enums of strings only
    if isinstance(schema.get("properties"), Mapping):
        out["properties"] = {
            name: _gemini(value if isinstance(value, Mapping) else {}, depth + 1)
            for name, value in schema["properties"].items()
        }
        required = [name for name in schema.get("required") or () if name in out["properties"]]
        if required:
            out["required"] = required
        out["type"] = "OBJECT"
    if isinstance(schema.get("items"), Mapping):
        out["items"] = _gemini(schema["items"], depth + 1)
    elif out.get("type") == "ARRAY":
        out["items"] = {"type": "STRING"}  # Gemini refuses an array without its items' type
    if out.get("type") == "OBJECT" and not out.get("properties") and depth > 0:
        out.pop("properties", None)
    if notes:
        out["description"] = " ".join(filter(None, [out.get("description"), f"({'; '.join(notes)})"]))
    return out


def _merged_all_of(schema: Mapping[str, Any]) -> Mapping[str, Any]:
    parts = schema.get("allOf")
    if not isinstance(parts, list):
        return schema
    merged: dict[str, Any] = {k: v for k, v in schema.items() if k != "allOf"}
    for part in parts:
        if not isinstance(part, Mapping):
            continue
        for key, value in part.items():
            if key == "properties" and isinstance(value, Mapping):
                merged["properties"] = {**(merged.get("properties") or {}), **value}
            elif key == "required" and isinstance(value, list):
                merged["required"] = [*(merged.get("required") or []), *value]
            else:
                merged.setdefault(key, value)
    return merged


def _one_of(alternatives: list[Any]) -> tuple[Mapping[str, Any], bool, list[Any]]:
    """The alternative to keep, whether null is allowed, and the others (for the description)."""
    real = [a for a in alternatives if isinstance(a, Mapping) and a.get("type") != "null"]
    nullable = len(real) < len(alternatives)
    if real and all("const" in a or "enum" in a for a in real):  # anyOf of constants: one enum
        values = [v for a in real for v in (a.get("enum") or [a.get("const")])]
        return {"type": "string", "enum": values}, nullable, []
    if not real:
        return {"type": "string"}, nullable, []
    return real[0], nullable, real[1:]


def _guess_type(schema: Mapping[str, Any]) -> str | None:
    if "properties" in schema:
        return "object"
    if "items" in schema:
        return "array"
    if "enum" in schema:
        return "string"
    return None


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


_OLLAMA_PROPERTY_KEYS = ("type", "items", "description", "enum")


def ollama_schema(schema: Any) -> dict[str, Any]:
    """What the `ollama` SDK's `Tool` model carries (see the module docstring)."""
    schema = openai_schema(schema)
    properties: dict[str, Any] = {}
    for name, value in (schema.get("properties") or {}).items():
        value = value if isinstance(value, Mapping) else {}
        prop = {key: value[key] for key in _OLLAMA_PROPERTY_KEYS if key in value}
        alternatives = value.get("anyOf") or value.get("oneOf")
        if "type" not in prop and isinstance(alternatives, list):
            kinds = [
                a.get("type")
                for a in alternatives
                if isinstance(a, Mapping) and isinstance(a.get("type"), str)
            ]
            prop["type"] = kinds if len(kinds) > 1 else (kinds[0] if kinds else "string")
        if "const" in value and "enum" not in prop:
            prop["enum"] = [value["const"]]
        extra = {
            k: v for k, v in value.items() if k not in _OLLAMA_PROPERTY_KEYS and k not in ("anyOf", "oneOf")
        }
        if extra.get("properties") or extra.get("additionalProperties") not in (None, False, True):
            shape = json.dumps(
                {k: extra[k] for k in ("properties", "required", "additionalProperties") if k in extra}
            )
            prop["description"] = " ".join(filter(None, [prop.get("description"), f"(schema: {shape})"]))
        properties[name] = prop
    out: dict[str, Any] = {"type": "object", "properties": properties}
    if schema.get("required"):
        out["required"] = list(schema["required"])
    if schema.get("$defs"):
        out["$defs"] = schema["$defs"]
    return out
