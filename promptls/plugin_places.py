"""Which Claude Code plugin a file lies in, and what its manifests make of it: the plugin's own
`.claude-plugin/plugin.json` and the `.claude-plugin/marketplace.json` entries that list its folder
(a plugin of a marketplace need not have a manifest of its own). What the manifests say is the core's
(`router/plugins/layout.py`); finding them on disk, and remembering them, is done here.

Remembered per folder, so a walk reads each manifest once however many files share it; an answer is
used again only while the manifests it was built from are unchanged on disk (their size and time of
change), and `forget_plugins()` drops everything (the language server calls it when a manifest is
created or deleted).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, NamedTuple

from promptls.router.base.reading import Unreadable, read_text
from promptls.router.plugins import MANIFEST_FOLDER, MARKETPLACE_FILE, MAX_MANIFEST_BYTES, PLUGIN_FILE
from promptls.router.prompts.dialects import Dialect

if TYPE_CHECKING:  # the JSON reader and layouts are imported only where a `.claude-plugin` folder is
    from promptls.router.plugins.layout import PluginLayout
    from promptls.router.plugins.manifest import Manifest, Marketplace

StatKey = tuple[int, int, int] | None


class PluginPlace(NamedTuple):
    """The plugin a folder lies in: its root and each way it is loaded."""

    root: str
    layouts: tuple[PluginLayout, ...]

    def dialect_of(self, path: str) -> Dialect | None:
        return next((d for layout in self.layouts if (d := layout.dialect_of(path)) is not None), None)

    def reads_default_folder(self, path: str) -> bool:
        return any(layout.reads_default_folder(path) for layout in self.layouts)


def plugin_root(path: str) -> str | None:
    """The root of the Claude Code plugin the file at `path` lies in: the nearest folder up holding
    `.claude-plugin/plugin.json` or listed by a marketplace above it, looking no higher than a folder
    holding `.git`; else None."""
    place = plugin_place(path)
    return place.root if place is not None else None


def plugin_dialect(path: str) -> tuple[Dialect | None, str | None]:
    """What a plugin's manifests make of the file at `path`: the dialect a manifest list gives it (a
    listed agent, command or skill), else None; and the plugin's root when the file lies in a default
    folder (`agents/`, `commands/`, `skills/`) the plugin reads, for the core's path rules."""
    path = os.path.abspath(path)
    place = plugin_place(path)
    if place is None:
        return None, None
    listed = place.dialect_of(path)
    if listed is not None:
        return listed, place.root
    return None, place.root if place.reads_default_folder(path) else None


def loading_plugin(path: str) -> str | None:
    """The root of the plugin that loads the file at `path` as one of its agents, commands or skills
    (Claude Code reads some keys differently there), else None."""
    path = os.path.abspath(path)
    return loading_root(path, *plugin_dialect(path))


def loading_root(path: str, listed: Dialect | None, root: str | None) -> str | None:
    """`loading_plugin` from what `plugin_dialect` answered for the absolute `path`: a file a manifest
    lists, or one in a default folder the plugin reads (not the plugin repository's own `.claude`)."""
    from promptls.router.prompts.detect import in_plugin_folder

    if root is not None and (listed is not None or in_plugin_folder(path, root)):
        return root
    return None


def plugin_place(path: str) -> PluginPlace | None:
    folder = os.path.dirname(os.path.abspath(path))
    cached = _PLACES.get(folder)
    if cached is not None and all(_stat_key(p) == key for p, key in cached[0]):
        return cached[1]
    used: dict[str, StatKey] = {}
    place = _find(folder, used)
    _PLACES[folder] = (tuple(used.items()), place)
    return place


def manifest_at(path: str) -> Manifest | None:
    """The manifest at `path`, read once while it is unchanged; None when it cannot be read."""
    key = _stat_key(path)
    cached = _MANIFESTS.get(path)
    if cached is not None and cached[0] == key:
        return cached[1]
    from promptls.router.plugins.manifest import read_manifest

    text = read_text(path, MAX_MANIFEST_BYTES) if key is not None else None
    manifest = None if text is None or isinstance(text, Unreadable) else read_manifest(path, text)
    _MANIFESTS[path] = (key, manifest)
    return manifest


def forget_plugins() -> None:
    """Drop every remembered manifest and answer (a manifest was created, changed or deleted)."""
    _PLACES.clear()
    _MANIFESTS.clear()


_PLACES: dict[str, tuple[tuple[tuple[str, StatKey], ...], PluginPlace | None]] = {}
_MANIFESTS: dict[str, tuple[StatKey, Manifest | None]] = {}


def _find(folder: str, used: dict[str, StatKey]) -> PluginPlace | None:
    """Walk up from `folder`: the nearest plugin root above it, from plugin manifests and from the
    entries of marketplaces (a marketplace's plugins usually lie below it, in `plugins/`)."""
    own: str | None = None
    markets: list[Marketplace] = []
    current = folder
    while True:
        manifests = os.path.join(current, MANIFEST_FOLDER)
        if os.path.isdir(manifests):
            from promptls.router.plugins.manifest import Marketplace

            if own is None and os.path.isfile(os.path.join(manifests, PLUGIN_FILE)):
                own = current
            market = _read(os.path.join(manifests, MARKETPLACE_FILE), used)
            if isinstance(market, Marketplace):
                markets.append(market)
        parent = os.path.dirname(current)
        if parent == current or os.path.exists(os.path.join(current, ".git")):
            break
        current = parent
    listing = []
    if markets:
        from promptls.router.plugins.layout import source_folder

        listing = [(m, e, f) for m in markets for e in m.entries if (f := source_folder(m, e)) is not None]
    roots = [f for _, _, f in listing if folder == f or folder.startswith(f.rstrip(os.sep) + os.sep)]
    if own is not None:
        roots.append(own)
    if not roots:
        return None
    from promptls.router.plugins.layout import layouts_of
    from promptls.router.plugins.manifest import PluginManifest

    root = max(roots, key=len)  # the nearest
    plugin = _read(os.path.join(root, MANIFEST_FOLDER, PLUGIN_FILE), used)
    entries = [(m, e) for m, e, f in listing if f == root]
    has_skills = os.path.isdir(os.path.join(root, "skills"))
    own_manifest = plugin if isinstance(plugin, PluginManifest) else None
    return PluginPlace(root, layouts_of(root, own_manifest, entries, has_skills))


def _read(path: str, used: dict[str, StatKey]) -> Manifest | None:
    manifest = manifest_at(path)
    if manifest is not None:
        used[path] = _MANIFESTS[path][0]
    return manifest


def _stat_key(path: str) -> StatKey:
    try:
        info = os.stat(path)
    except (OSError, ValueError):
        return None
    return (info.st_mtime_ns, info.st_size, info.st_ino)
