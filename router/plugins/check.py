"""The findings of one plugin or marketplace manifest: what Claude Code's installer and `claude plugin
validate` reject (see router/rules/plugins.py), each at the line and column of the value it is about.

Whether a listed path exists is asked of a `Disk`, so the checks stay pure: the front ends hand in
the real one (`LOCAL_DISK`), tests may hand in any other.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterator
from typing import Protocol

from promptls.router.base.findings import Finding
from promptls.router.base.source import Span
from promptls.router.plugins.jsonspans import JsonNode
from promptls.router.plugins.layout import resolve, source_folder
from promptls.router.plugins.manifest import (
    MANIFEST_FOLDER,
    PLUGIN_FILE,
    BrokenManifest,
    Component,
    ComponentList,
    Manifest,
    Marketplace,
    MarketplaceEntry,
    PluginManifest,
    Text,
    span_of,
)
from promptls.router.rules.plugins import (
    DuplicatePluginName,
    InvalidComponentPath,
    InvalidManifest,
    InvalidManifestField,
    InvalidPluginSource,
    MissingComponentPath,
    PluginNameNotKebabCase,
    UnlistedPlugin,
    VersionNotSemver,
)

KEBAB_CASE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
"""Lower-case letters, digits and hyphens (marketplace reference, "Marketplace validation errors")."""

SEMVER = re.compile(
    r"(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*)?"
    r"(?:\+[0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*)?"
)
"""Semantic Versioning 2.0.0's own expression (https://semver.org)."""


class Disk(Protocol):
    def kind(self, path: str) -> str | None:
        """ "file", "folder", or None when nothing is there (symlinks followed)."""
        ...

    def folders(self, path: str) -> list[str]:
        """The names of the folders in the folder at `path` (none when it cannot be listed)."""
        ...


class _LocalDisk:
    def kind(self, path: str) -> str | None:
        try:
            mode = os.stat(path).st_mode
        except (OSError, ValueError):
            return None
        if stat.S_ISDIR(mode):
            return "folder"
        return "file" if stat.S_ISREG(mode) else "other"

    def folders(self, path: str) -> list[str]:
        try:
            return sorted(e.name for e in os.scandir(path) if e.is_dir())
        except OSError:
            return []


LOCAL_DISK: Disk = _LocalDisk()


def check_manifest(manifest: Manifest, disk: Disk = LOCAL_DISK) -> list[Finding]:
    if isinstance(manifest, BrokenManifest):
        span = Span(manifest.offset, min(manifest.offset + 1, manifest.lines.length), manifest.lines)
        return [InvalidManifest.finding(manifest.path, span, manifest.message)]
    if isinstance(manifest, PluginManifest):
        return list(_plugin(manifest, disk))
    return list(_marketplace(manifest, disk))


# --- plugin.json -------------------------------------------------------------------------------------


def _plugin(manifest: PluginManifest, disk: Disk) -> Iterator[Finding]:
    place = _Place(manifest.path, manifest.lines)
    members = manifest.node.members
    yield from place.required(manifest.node, "name", "plugin.json")
    yield from place.strings(manifest.node, ("version", "description", "displayName", "license"))
    if manifest.name is not None:
        yield from place.kebab_case(manifest.name, "plugin")
    if manifest.version is not None:
        yield from place.semver(manifest.version)
    for component in Component:
        if component.value in members:
            yield from place.component_list(members[component.value].value, component)
            listed = manifest.components.get(component)
            if listed is not None:
                yield from place.component_paths(listed, manifest.root, disk)


# --- marketplace.json --------------------------------------------------------------------------------


def _marketplace(market: Marketplace, disk: Disk) -> Iterator[Finding]:
    place = _Place(market.path, market.lines)
    node = market.node
    yield from place.required(node, "name", "marketplace.json")
    owner = node.members.get("owner")
    yield from place.required(node, "owner", "marketplace.json", kind="object")
    if owner is not None and owner.value.kind == "object":
        yield from place.required(owner.value, "name", "the marketplace's `owner`")
    yield from place.required(node, "plugins", "marketplace.json", kind="array")
    plugins = node.members.get("plugins")
    if plugins is None or plugins.value.kind != "array":
        return
    seen: dict[str, Text] = {}
    for item, entry in zip(plugins.value.items, market.entries, strict=True):
        if item.kind != "object":
            yield place.wrong_type(item, f"plugins[{entry.index}]", "object")
            continue
        yield from _entry(place, market, entry, disk)
        if entry.name is not None:
            first = seen.setdefault(entry.name.value, entry.name)
            if first is not entry.name:
                yield DuplicatePluginName.finding(
                    market.path,
                    entry.name.span,
                    f"the marketplace already lists a plugin named `{entry.name.value}` "
                    f"(line {first.span.line}): `claude plugin validate` rejects the marketplace",
                )._replace(related=((market.path, first.span, "first entry of that name"),))
    yield from _unlisted(market, disk)


def _entry(place: _Place, market: Marketplace, entry: MarketplaceEntry, disk: Disk) -> Iterator[Finding]:
    where = f"plugins[{entry.index}]"
    yield from place.required(entry.node, "name", where)
    yield from place.required(entry.node, "source", where, kind="string or object")
    yield from place.strings(entry.node, ("version", "description"))
    if entry.name is not None:
        yield from place.kebab_case(entry.name, "plugin")
    if entry.version is not None:
        yield from place.semver(entry.version)
    root = yield from _source(place, market, entry, disk)
    members = entry.node.members
    for component in Component:
        if component.value in members:
            listed = entry.components.get(component)
            yield from place.component_list(members[component.value].value, component)
            if listed is not None:
                # A remote plugin's files are not here to look at: only the paths' form is checked.
                yield from place.component_paths(listed, root, disk if root else None)


def _source(place: _Place, market: Marketplace, entry: MarketplaceEntry, disk: Disk):
    """Findings about a relative source (generator); returns the plugin's folder when it is local."""
    source = entry.source
    if source is None or not isinstance(source.value, str):
        return None
    span = span_of(source, market.lines)
    value = source.value
    folder = source_folder(market, entry)
    if folder is None:
        if ".." in value.replace("\\", "/").split("/"):
            why = "contains `..`: a plugin must lie within the marketplace"
        elif value.startswith(("/", "\\")) or re.match(r"[A-Za-z]:[\\/]", value):
            why = "is absolute: sources resolve from the marketplace root"
        elif market.plugin_root is None or "/" in value:
            why = "must start with `./` (relative to the marketplace root)"
            if "/" not in value:
                why += ", or be a bare name under `metadata.pluginRoot`"
        else:
            why = "is not a folder name"
        yield InvalidPluginSource.finding(market.path, span, f"the source `{value}` {why}")
        return None
    kind = disk.kind(folder)
    if kind != "folder":
        shown = os.path.relpath(folder, market.root).replace(os.sep, "/")
        what = "no folder" if kind is None else "a file, not a folder"
        yield InvalidPluginSource.finding(
            market.path,
            span,
            f"the source `{value}` names {what} (`{shown}` from the marketplace root): "
            "installing the plugin fails",
        )
        return None
    return folder


def _unlisted(market: Marketplace, disk: Disk) -> Iterator[Finding]:
    """Plugins (folders holding `.claude-plugin/plugin.json`) in the marketplace's plugin folders that
    no entry lists. The plugin folders: `metadata.pluginRoot`, else the folders the local sources lie in."""
    root = os.path.normpath(market.root)
    listed = {f for e in market.entries if (f := source_folder(market, e)) is not None}
    if market.plugin_root is not None:
        resolved = resolve(root, market.plugin_root.value)
        parents = {resolved} if resolved else set()
    else:
        parents = {os.path.dirname(f) for f in listed if f != root and f.startswith(root + os.sep)}
    plugins = market.node.members.get("plugins")
    span = Span(plugins.key_start, plugins.key_end, market.lines) if plugins else Span(0, 0, market.lines)
    for parent in sorted(parents):
        for name in disk.folders(parent):
            folder = os.path.join(parent, name)
            manifest = os.path.join(folder, MANIFEST_FOLDER, PLUGIN_FILE)
            if folder not in listed and disk.kind(manifest) == "file":
                shown = os.path.relpath(folder, root).replace(os.sep, "/")
                yield UnlistedPlugin.finding(
                    market.path,
                    span,
                    f"`./{shown}` holds a plugin that the marketplace does not list: users cannot install it",
                )


# --- shared ----------------------------------------------------------------------------------------


class _Place:
    """Findings in one manifest file."""

    def __init__(self, path: str, lines) -> None:
        self.path = path
        self.lines = lines

    def span(self, node: JsonNode) -> Span:
        return span_of(node, self.lines)

    def required(self, node: JsonNode, key: str, where: str, kind: str = "string") -> Iterator[Finding]:
        member = node.members.get(key)
        if member is None:
            yield InvalidManifestField.finding(
                self.path,
                Span(node.start, node.start + 1, self.lines),
                f"{where} has no `{key}`: Claude Code refuses the manifest without it",
            )
        elif member.value.kind not in kind.split(" or "):
            yield self.wrong_type(member.value, key, kind)

    def strings(self, node: JsonNode, keys: tuple[str, ...]) -> Iterator[Finding]:
        for key in keys:
            member = node.members.get(key)
            if member is not None and member.value.kind != "string":
                yield self.wrong_type(member.value, key, "string")

    def wrong_type(self, node: JsonNode, key: str, kind: str) -> Finding:
        return InvalidManifestField.finding(
            self.path,
            self.span(node),
            f"`{key}` must be a {kind}, not a{'n' if node.kind[0] in 'aeiou' else ''} {node.kind}: "
            "Claude Code refuses the manifest",
        )

    def kebab_case(self, name: Text, what: str) -> Iterator[Finding]:
        if not KEBAB_CASE.fullmatch(name.value):
            yield PluginNameNotKebabCase.finding(
                self.path,
                name.span,
                f"{what} name `{name.value}` is not kebab-case (lower-case letters, digits and hyphens): "
                "the claude.ai marketplace sync rejects it",
            )

    def semver(self, version: Text) -> Iterator[Finding]:
        if not SEMVER.fullmatch(version.value):
            yield VersionNotSemver.finding(
                self.path,
                version.span,
                f"version `{version.value}` is not a semantic version (MAJOR.MINOR.PATCH, e.g. `1.0.0`)",
            )

    def component_list(self, node: JsonNode, component: Component) -> Iterator[Finding]:
        if node.kind not in ("string", "array"):
            yield self.wrong_type(node, component.value, "path or an array of paths")
            return
        for item in node.items:
            if item.kind != "string":
                yield self.wrong_type(item, f"{component.value} entry", "string")

    def component_paths(
        self, listed: ComponentList, root: str | None, disk: Disk | None
    ) -> Iterator[Finding]:
        component = listed.component
        for text in listed.paths:
            value = text.value
            problem = _path_form(component, value)
            if problem is not None:
                yield InvalidComponentPath.finding(
                    self.path, text.span, f"`{component.value}` path `{value}` {problem}"
                )
                continue
            if root is None or disk is None:
                continue
            target = resolve(root, value)
            kind = disk.kind(target) if target else None
            if kind is None:
                yield MissingComponentPath.finding(
                    self.path,
                    text.span,
                    f"`{component.value}` path `{value}` names nothing in the plugin's folder: "
                    "it never loads",
                )
            elif component is Component.AGENTS and kind != "file":
                yield InvalidComponentPath.finding(
                    self.path,
                    text.span,
                    f"`agents` path `{value}` is a folder: agents are listed file by file, and Claude "
                    "Code refuses the manifest",
                )
            elif component is Component.COMMANDS and kind == "file" and not value.endswith(".md"):
                yield InvalidComponentPath.finding(
                    self.path, text.span, f"`commands` path `{value}` is not an `.md` file or a folder"
                )
            elif component is Component.SKILLS and kind != "folder":
                yield InvalidComponentPath.finding(
                    self.path, text.span, f"`skills` path `{value}` is a file: list the skill's folder"
                )


def _path_form(component: Component, value: str) -> str | None:
    """What is wrong with the form of a component path, or None."""
    if ".." in value.replace("\\", "/").split("/"):
        return "climbs out of the plugin with `..`: Claude Code refuses the manifest"
    starts = value.startswith("./") or (component is Component.SKILLS and value == ".")
    if not starts:
        return "must start with `./` (relative to the plugin root): Claude Code refuses the manifest"
    if component is Component.AGENTS and not value.endswith(".md"):
        return (
            "is not an `.md` file: `agents` lists agent files, and a folder there blocks installing "
            "the plugin"
        )
    return None
