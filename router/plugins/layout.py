"""Which files of a plugin are Claude agents, commands and skills, from its manifests: the plugin's own
`plugin.json` and the marketplace entries that list it.

The rules (Plugins reference, "Component path fields" and "Path behavior rules"; Plugin marketplaces,
"Advanced plugin entries" and "Strict mode"; checked 2026-12-07):
- `agents` lists agent files; `commands` lists `.md` files or folders of them; `skills` lists skill
  folders (holding `SKILL.md`) or folders of skill folders. Paths are relative to the plugin root.
- Listing `agents` or `commands` replaces the default `agents/` or `commands/` folder; listing `skills`
  adds to `skills/`, except in an entry whose source is the marketplace root itself, where the listed
  folders are the whole set unless they include `./skills/` or the root.
- A marketplace entry with `strict: false` is the whole definition of its plugin; otherwise its lists
  are added to the plugin's own.
- A plugin with no `skills/` folder and no `skills` list is a single skill when its root holds `SKILL.md`.

Pure: the front ends find the manifests on disk and say whether a `skills/` folder is there.
"""

from __future__ import annotations

import os
import posixpath
from collections.abc import Iterable, Sequence
from typing import NamedTuple

from promptls.router.plugins.manifest import (
    Component,
    ComponentList,
    Marketplace,
    MarketplaceEntry,
    PluginManifest,
)
from promptls.router.prompts.dialects import Dialect

DIALECT_OF = {
    Component.AGENTS: Dialect.CLAUDE_AGENT,
    Component.COMMANDS: Dialect.CLAUDE_COMMAND,
    Component.SKILLS: Dialect.CLAUDE_SKILL,
}
SKILL_FILE = "SKILL.md"


class PluginLayout(NamedTuple):
    """One way a plugin is loaded: by its own manifest, or by one marketplace entry (with its manifest)."""

    root: str
    listed: dict[Component, tuple[str, ...]]
    """Absolute, normalised paths the manifests list, by component."""
    replaced: frozenset[Component]
    """Components whose default folder (`agents/`, `commands/`, `skills/`) is not read."""
    root_skill: bool
    """The root's `SKILL.md` is the plugin's one skill."""

    def dialect_of(self, path: str) -> Dialect | None:
        """The dialect a manifest list gives the file at `path` (absolute, normalised), if any."""
        name = os.path.basename(path)
        for component, paths in self.listed.items():
            for listed in paths:
                if _lists(component, listed, path, name):
                    if component is Component.COMMANDS and name == SKILL_FILE:
                        return Dialect.CLAUDE_SKILL  # a commands folder may hold skill folders
                    return DIALECT_OF[component]
        if self.root_skill and name == SKILL_FILE and os.path.dirname(path) == self.root:
            return Dialect.CLAUDE_SKILL
        return None

    def reads_default_folder(self, path: str) -> bool:
        """Is the default folder the file lies in (`agents/`, ...) read for this plugin?"""
        rel = os.path.relpath(path, self.root).replace(os.sep, "/")
        first = rel.split("/", 1)[0]
        return not any(first == component.value for component in self.replaced)


def source_folder(market: Marketplace, entry: MarketplaceEntry) -> str | None:
    """The folder a marketplace entry's source names, when it is a path within the marketplace: `./x`,
    or a bare name under `metadata.pluginRoot`. None for a remote source or an invalid path."""
    source = entry.source
    if source is None or not isinstance(source.value, str):
        return None
    value = source.value
    if value == "." or value.startswith("./"):
        relative = value
    elif market.plugin_root is not None and value and "/" not in value and "\\" not in value:
        relative = posixpath.join(market.plugin_root.value, value)
    else:
        return None
    return resolve(market.root, relative)


def resolve(root: str, relative: str) -> str | None:
    """`relative` (a manifest's path, `/`-separated) from `root`; None when it is absolute or climbs out."""
    if not relative or relative.startswith(("/", "\\")) or ".." in relative.replace("\\", "/").split("/"):
        return None
    return os.path.normpath(os.path.join(root, *relative.replace("\\", "/").split("/")))


def layouts_of(
    root: str,
    plugin: PluginManifest | None,
    entries: Sequence[tuple[Marketplace, MarketplaceEntry]],
    has_skills_folder: bool,
) -> tuple[PluginLayout, ...]:
    """Every way the plugin at `root` is loaded: once per marketplace entry that lists it (merged with
    its own manifest unless the entry is not strict), or by its own manifest alone when none does."""
    own = plugin.components if plugin is not None else {}
    if not entries:
        return (_layout(root, own.values(), at_marketplace_root=False, has_skills=has_skills_folder),)
    layouts = []
    for market, entry in entries:
        lists = list(entry.components.values())
        if entry.strict:
            lists += own.values()
        at_root = os.path.normpath(market.root) == root
        layouts.append(_layout(root, lists, at_marketplace_root=at_root, has_skills=has_skills_folder))
    return tuple(layouts)


def _layout(
    root: str, lists: Iterable[ComponentList], *, at_marketplace_root: bool, has_skills: bool
) -> PluginLayout:
    listed: dict[Component, list[str]] = {}
    for item in lists:
        paths = listed.setdefault(item.component, [])
        for text in item.paths:
            resolved = resolve(root, text.value)
            if resolved is not None:
                paths.append(resolved)
    replaced = {c for c in (Component.AGENTS, Component.COMMANDS) if c in listed}
    skills = listed.get(Component.SKILLS)
    default_skills = os.path.join(root, Component.SKILLS.value)
    if at_marketplace_root and skills and not any(p in (root, default_skills) for p in skills):
        replaced.add(Component.SKILLS)
    root_skill = Component.SKILLS not in listed and not has_skills
    return PluginLayout(root, {c: tuple(p) for c, p in listed.items()}, frozenset(replaced), root_skill)


def _lists(component: Component, listed: str, path: str, name: str) -> bool:
    if component is Component.AGENTS:
        # A folder here is refused by Claude Code (PLS505); its files are still read as the agents
        # they were meant to be, rather than as prompts of no dialect.
        return path == listed or path.startswith(listed + os.sep)
    if component is Component.COMMANDS:
        return name.lower().endswith(".md") and (path == listed or path.startswith(listed + os.sep))
    # A skill folder (holding SKILL.md), or a folder of skill folders.
    if name != SKILL_FILE:
        return False
    folder = os.path.dirname(path)
    return folder == listed or os.path.dirname(folder) == listed
