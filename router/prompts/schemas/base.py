"""What a key schema is made of: a key's kind, its spec, and the page it was read from."""

from __future__ import annotations

from enum import StrEnum
from typing import NamedTuple


class Kind(StrEnum):
    STRING = "string"
    BOOLEAN = "boolean"
    FLAG = "boolean (true/false, yes/no, on/off or 1/0)"
    """A boolean as Claude Code reads skill and command frontmatter: the YAML words and 1/0 as well."""
    INTEGER = "integer"
    NUMBER = "number"
    STRINGS = "list of strings or a comma-separated string"
    STRING_LIST = "list of strings"
    MAPPING = "mapping"
    ANY = "any value"
    MODEL = "model id"
    MODELS = "model id or list of model ids"
    MODEL_LIST = "list of model ids"


class KeySpec(NamedTuple):
    name: str
    kind: Kind
    doc: str
    allowed: tuple[str, ...] = ()
    required: bool = False
    minimum: float | None = None
    maximum: float | None = None
    replaced_by: str | None = None
    promptls: bool = False
    """A promptls key (run parameters, fallback), accepted in every dialect."""
    recommended: bool = False
    """Missing, the harness still loads the file but says so (a warning, not an error)."""
    max_length: int | None = None
    """Most characters a string value may have."""
    tools: tuple[str, ...] = ()
    """The tool names the harness knows for this key: unknown names are legal (MCP tools, patterns),
    only near-misses of these are reported, and completion offers them."""
    deprecated: str | None = None
    """Why the key is deprecated and what replaces it, when no single key does (`replaced_by`)."""
    rewrites: tuple[tuple[object, str], ...] = ()
    """value -> the frontmatter lines that replace a deprecated key with that value ("" removes it)."""


class Source(NamedTuple):
    """A documentation page a schema was taken from, and the day it was read."""

    title: str
    url: str
    checked: str
    """ISO date the page was last compared with the table."""
    copy: str = ""
    """Where the page was read when not live: a dated mirror or the harness's own source."""


class DialectSchema(NamedTuple):
    keys: tuple[KeySpec, ...]
    sources: tuple[Source, ...]
