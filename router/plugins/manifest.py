"""A plugin's `.claude-plugin/plugin.json` and a marketplace's `.claude-plugin/marketplace.json`, read
into typed data that keeps the source span of each value it holds.

Reading never fails: invalid JSON, or JSON that is no object, is a `BrokenManifest` saying where; a
field of the wrong type is left out of the typed view (the checks report it from the raw nodes).
"""

from __future__ import annotations

import os
from enum import StrEnum
from typing import NamedTuple

from promptls.router.base.source import LineIndex, Span
from promptls.router.plugins import (  # noqa: F401  (where they are defined: cheap to import)
    MANIFEST_FOLDER,
    MARKETPLACE_FILE,
    MAX_MANIFEST_BYTES,
    PLUGIN_FILE,
    manifest_kind,
)
from promptls.router.plugins.jsonspans import JsonNode, JsonProblem, Member, parse_json


class Component(StrEnum):
    """The prompt-file components a plugin holds, by the manifest field that lists them."""

    AGENTS = "agents"
    COMMANDS = "commands"
    SKILLS = "skills"


class Text(NamedTuple):
    """A string value and where it is written (the span covers its quotes)."""

    value: str
    span: Span


class ComponentList(NamedTuple):
    """`agents`, `commands` or `skills`: one path or an array of paths, relative to the plugin root."""

    component: Component
    key: Span
    node: JsonNode
    paths: tuple[Text, ...]
    """The entries that are strings (a single string is a list of one)."""


class PluginManifest(NamedTuple):
    path: str
    lines: LineIndex
    node: JsonNode
    name: Text | None
    version: Text | None
    components: dict[Component, ComponentList]

    @property
    def root(self) -> str:
        """The plugin's root: the folder that holds `.claude-plugin/`."""
        return os.path.dirname(os.path.dirname(self.path))


class MarketplaceEntry(NamedTuple):
    """One item of a marketplace's `plugins` array."""

    index: int
    node: JsonNode
    name: Text | None
    version: Text | None
    source: JsonNode | None
    """A relative path (string) or a remote source (object); None when missing."""
    strict: bool
    """False: the entry, not the plugin's own `plugin.json`, defines the plugin's components."""
    components: dict[Component, ComponentList]


class Marketplace(NamedTuple):
    path: str
    lines: LineIndex
    node: JsonNode
    name: Text | None
    plugin_root: Text | None
    """`metadata.pluginRoot`: the folder bare source names resolve under."""
    entries: tuple[MarketplaceEntry, ...]

    @property
    def root(self) -> str:
        """The marketplace's root: the folder that holds `.claude-plugin/`. Sources resolve from here."""
        return os.path.dirname(os.path.dirname(self.path))


class BrokenManifest(NamedTuple):
    """A manifest that is not valid JSON, or whose JSON is not an object."""

    path: str
    lines: LineIndex
    message: str
    offset: int


Manifest = PluginManifest | Marketplace | BrokenManifest


def read_manifest(path: str, text: str) -> Manifest:
    """The manifest at `path` (a plugin's or a marketplace's, told by its file name) from its text."""
    lines = LineIndex(text)
    node = parse_json(text)
    if isinstance(node, JsonProblem):
        return BrokenManifest(path, lines, f"invalid JSON: {node.message}", node.offset)
    if not isinstance(node.value, dict):
        return BrokenManifest(path, lines, f"the manifest is a JSON {node.kind}, not an object", node.start)
    members = node.members
    if os.path.basename(path) == MARKETPLACE_FILE:
        metadata = members.get("metadata")
        plugin_root = _text(metadata.value.members.get("pluginRoot"), lines) if metadata else None
        plugins = members.get("plugins")
        entries = tuple(
            _entry(i, item, lines) for i, item in enumerate(plugins.value.items if plugins else ())
        )
        return Marketplace(path, lines, node, _text(members.get("name"), lines), plugin_root, entries)
    return PluginManifest(
        path,
        lines,
        node,
        _text(members.get("name"), lines),
        _text(members.get("version"), lines),
        _components(members, lines),
    )


def span_of(node: JsonNode, lines: LineIndex) -> Span:
    return Span(node.start, node.end, lines)


def _entry(index: int, node: JsonNode, lines: LineIndex) -> MarketplaceEntry:
    members = node.members
    source = members.get("source")
    strict = members.get("strict")
    return MarketplaceEntry(
        index,
        node,
        _text(members.get("name"), lines),
        _text(members.get("version"), lines),
        source.value if source else None,
        strict is None or strict.value.value is not False,
        _components(members, lines),
    )


def _components(members: dict[str, Member], lines: LineIndex) -> dict[Component, ComponentList]:
    found = {}
    for component in Component:
        member = members.get(component.value)
        if member is None:
            continue
        node = member.value
        items = node.items if isinstance(node.value, tuple) else (node,)
        paths = tuple(Text(i.value, span_of(i, lines)) for i in items if isinstance(i.value, str))
        key = Span(member.key_start, member.key_end, lines)
        found[component] = ComponentList(component, key, node, paths)
    return found


def _text(member: Member | None, lines: LineIndex) -> Text | None:
    if member is None or not isinstance(member.value.value, str):
        return None
    return Text(member.value.value, span_of(member.value, lines))
