"""The merged view of a project's settings: raw layers → one typed view → every reader.

    raw      files.py: one validated dict per settings file, internal to this package
    merged   this module: `SettingsView`, built once per file and once per `ProjectSettings`
    used     resolution, checks, completion, the shell and the server read the view, never a file

Every key keeps every layer's value with its `Source` (layer, file, span), nearest layer first, so
`promptls resolve` can explain which layer won; `Layered.value` is what the layers combine to, by the
key's rule in `spec.SCHEMA` (`Combine`): the nearest layer wins unless the key says its lists
concatenate (`[check] include/exclude/ignore`) or its tables merge key by key (`options`, `headers`).
Tables merge key by key; a named entry (`[providers.NAME]`) too, except a profile, which the nearest
layer that writes it defines whole.

Per-prompt tables (`[agents.NAME]`, `[commands.NAME]`, `[skills.NAME]`, `[prompts."GLOB"]`) are picked
per layer: in each layer the table naming the prompt, else its most specific matching glob
(`SettingsView.assigned`); the picks then rank nearest layer first, key by key.

A table a later change adds (the proxy's `[proxy]` routes, local-model options under `[local]`, tier
settings for cascades beside `[tiers]`) goes into `spec.SCHEMA` with each key's `combine`, and gets a
field on `SettingsView` below (`test_settings` fails when a SCHEMA table has none); readers then use
the field, never the file.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from types import MappingProxyType
from typing import Any, NamedTuple

from promptls.router.base.pathglob import path_matches, specificity
from promptls.router.prompts.dialects import Dialect
from promptls.router.settings.layers import Setting, Source
from promptls.router.settings.spec import SCHEMA, Combine, Field, MapOf, Table

KeyPath = tuple[str, ...]
_EMPTY: Mapping[str, Any] = MappingProxyType({})


class Layered(NamedTuple):
    """One key as the layers write it, nearest first, and the value they combine to."""

    settings: tuple[Setting, ...]
    """Every layer's value with its source, nearest layer first: the candidates an explanation lists."""
    combine: Combine
    value: Any
    """The value used: the nearest layer's, or every layer's list items, or the tables merged."""

    @property
    def source(self) -> Source:
        """Where the nearest layer sets it (the winner, for a key whose nearest layer wins)."""
        return self.settings[0].source

    @property
    def setting(self) -> Setting:
        return Setting(self.value, self.source)

    @classmethod
    def of(cls, settings: tuple[Setting, ...], combine: Combine) -> Layered:
        if combine is Combine.CONCAT:
            value: Any = tuple(item for s in settings for item in s.value)
        elif combine is Combine.MERGE:
            merged: dict[str, Any] = {}
            for setting in reversed(settings):
                merged.update(setting.value)
            value = MappingProxyType(merged)
        else:
            value = settings[0].value
        return cls(settings, combine, value)


class TableView:
    """One table merged across the layers: its keys, and where each layer writes the table."""

    __slots__ = ("entries", "written")

    def __init__(self, entries: Mapping[str, Entry], written: tuple[Source, ...] = ()) -> None:
        self.entries = entries
        self.written = written
        """The table's header (or first key) in each layer that writes it, nearest first."""

    def __repr__(self) -> str:
        return f"TableView({list(self.entries)})"

    def __contains__(self, key: object) -> bool:
        return key in self.entries

    def __iter__(self) -> Iterator[str]:
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.entries)

    def layered(self, key: str) -> Layered | None:
        entry = self.entries.get(key)
        return entry if isinstance(entry, Layered) else None

    def setting(self, key: str) -> Setting | None:
        """The value used for `key` with the source of its nearest layer; None when no layer sets it."""
        entry = self.entries.get(key)
        return entry.setting if isinstance(entry, Layered) else None

    def value(self, key: str, default: Any = None) -> Any:
        entry = self.entries.get(key)
        return entry.value if isinstance(entry, Layered) else default

    def table(self, key: str) -> TableView | None:
        entry = self.entries.get(key)
        return entry if isinstance(entry, TableView) else None

    def values(self) -> dict[str, Any]:
        """The values used, as plain data (for code that takes a mapping, like profile picking)."""
        return {key: _plain(entry) for key, entry in self.entries.items()}


Entry = Layered | TableView | Mapping[str, Any]
"""A key's merged form: a value (Layered), a table (TableView) or named entries (`[agents.NAME]`)."""


def _plain(entry: Entry) -> Any:
    if isinstance(entry, Layered):
        return entry.value
    if isinstance(entry, TableView):
        return entry.values()
    return {name: _plain(item) for name, item in entry.items()}


_NO_TABLE = TableView(_EMPTY)


class SettingsView:
    """A project's settings merged, one typed field per table of `spec.SCHEMA`.

    Built by `ProjectSettings.view` (once per project, rebuilt when the loader forgets its files) or
    by `SettingsFile.view` (one file alone, for the checks of that file).
    """

    __slots__ = (
        "agents",
        "budget",
        "check",
        "commands",
        "defaults",
        "dialect_globs",
        "dialects",
        "layers",
        "models",
        "profiles",
        "prompts",
        "provider_values",
        "providers",
        "proxy",
        "run",
        "skills",
        "tiers",
    )

    def __init__(self, top: TableView, layers: tuple[SettingsView, ...] = ()) -> None:
        self.layers = layers
        """One view per settings file, nearest first (empty for a view of one file)."""
        self.defaults: TableView = top.table("defaults") or _NO_TABLE
        self.agents: Mapping[str, TableView] = _named(top, "agents")
        self.commands: Mapping[str, TableView] = _named(top, "commands")
        self.skills: Mapping[str, TableView] = _named(top, "skills")
        self.prompts: Mapping[str, TableView] = _named(top, "prompts")
        """Per-prompt tables by path glob."""
        self.providers: Mapping[str, TableView] = _named(top, "providers")
        self.models: Mapping[str, TableView] = _named(top, "models")
        self.profiles: Mapping[str, TableView] = _named(top, "profiles")
        self.tiers: Mapping[str, Layered] = _named(top, "tiers")
        self.check: TableView = top.table("check") or _NO_TABLE
        self.dialects: Mapping[str, Layered] = _named(top, "dialects")
        """`[dialects]`: globs of prompt paths, each with the dialect its files are read in."""
        self.dialect_globs: tuple[tuple[str, Dialect], ...] = _dialect_globs(self.dialects)
        """`[dialects]` as prompt detection takes it: the most specific glob first."""
        self.run: TableView = top.table("run") or _NO_TABLE
        """How long a run waits for a streamed answer (`[providers.NAME]` may say otherwise)."""
        self.budget: TableView = top.table("budget") or _NO_TABLE
        self.proxy: TableView = top.table("proxy") or _NO_TABLE
        """`promptls proxy`: its port and token, and which model answers a requested id (`routes`:
        glob → model, read with `proxy_routes`)."""
        self.provider_values: Mapping[str, Mapping[str, Any]] = MappingProxyType(
            {name: MappingProxyType(table.values()) for name, table in self.providers.items()}
        )
        """`[providers.NAME]` as plain values, for code that takes provider tables as mappings."""

    def __repr__(self) -> str:
        return f"SettingsView({len(self.layers)} layers)"

    @property
    def proxy_routes(self) -> Mapping[str, Layered]:
        """`[proxy.routes]`: each glob of requested model ids with its model, merged across layers."""
        routes = self.proxy.entries.get("routes")
        return routes if isinstance(routes, Mapping) else _EMPTY

    def assigned(self, section: str | None, names: Sequence[str], rel_path: str) -> tuple[TableView, ...]:
        """The per-prompt tables that apply to one prompt, one per layer that has one, nearest first.

        In each layer: the table of `section` (`agents`, `commands`, `skills`) under one of `names`,
        else the most specific `[prompts."GLOB"]` matching `rel_path` (relative to the project).
        """
        picks = []
        for layer in self.layers or (self,):
            pick = layer._assigned_here(section, names, rel_path)
            if pick is not None:
                picks.append(pick)
        return tuple(picks)

    def _assigned_here(self, section: str | None, names: Sequence[str], rel_path: str) -> TableView | None:
        if section:
            tables = getattr(self, section)
            for name in names:
                table = tables.get(name)
                if table is not None:
                    return table
        if not self.prompts:
            return None
        matching = [glob for glob in self.prompts if path_matches(glob, rel_path)]
        if not matching:
            return None
        return self.prompts[max(matching, key=lambda g: (specificity(g), g))]


def _dialect_globs(table: Mapping[str, Layered]) -> tuple[tuple[str, Dialect], ...]:
    # The most specific glob first, then by its text, so that one answer holds whatever the order of
    # the files; each glob's value is its nearest layer's (`Combine.NEAREST`).
    ranked = sorted(table, key=lambda glob: (specificity(glob), glob), reverse=True)
    return tuple((glob, Dialect(table[glob].value)) for glob in ranked)


def _named(top: TableView, key: str) -> Mapping[str, Any]:
    entry = top.entries.get(key)
    return entry if isinstance(entry, Mapping) else _EMPTY


SourceOf = Callable[[KeyPath], Setting]
"""A file's value at a key path with its source (`SettingsFile` hands in its own)."""
TableAt = Callable[[KeyPath], Source]
"""Where a file writes the table at a key path."""


def file_view(data: Mapping[str, Any], setting_at: SourceOf, table_at: TableAt) -> SettingsView:
    """The view of one file's validated data (every key in it is in `spec.SCHEMA`)."""
    return SettingsView(_table(data, SCHEMA, (), setting_at, table_at))


def _table(
    data: Mapping[str, Any], schema: Table, keypath: KeyPath, setting_at: SourceOf, table_at: TableAt
) -> TableView:
    entries = {
        key: _entry(value, schema[key], (*keypath, key), setting_at, table_at) for key, value in data.items()
    }
    return TableView(MappingProxyType(entries), (table_at(keypath),) if keypath else ())


def _entry(
    value: Any, spec: Field | Table | MapOf, here: KeyPath, setting_at: SourceOf, table_at: TableAt
) -> Entry:
    if isinstance(spec, Field):
        return Layered.of((setting_at(here),), spec.combine)
    if isinstance(spec, MapOf):
        return MappingProxyType(
            {
                name: _entry(item, spec.item, (*here, name), setting_at, table_at)
                for name, item in value.items()
            }
        )
    return _table(value, spec, here, setting_at, table_at)


def merged_view(layers: Sequence[SettingsView]) -> SettingsView:
    """The views of a project's files (nearest first) merged by each key's combine rule."""
    if not layers:
        return SettingsView(_NO_TABLE)
    tops = [_top(layer) for layer in layers]
    return SettingsView(_merge(tops, SCHEMA), tuple(layers))


def _top(view: SettingsView) -> TableView:
    entries: dict[str, Entry] = {}
    for key in SCHEMA:
        entry = getattr(view, key)
        if entry:
            entries[key] = entry
    return TableView(entries)


def _merge(parts: list[Any], spec: Field | Table | MapOf) -> Any:
    if len(parts) == 1:
        return parts[0]
    if isinstance(spec, Field):
        return Layered.of(tuple(s for part in parts for s in part.settings), spec.combine)
    if isinstance(spec, MapOf):
        names = dict.fromkeys(name for part in parts for name in part)
        if spec.combine is Combine.NEAREST:
            return MappingProxyType({n: next(p[n] for p in parts if n in p) for n in names})
        return MappingProxyType({n: _merge([p[n] for p in parts if n in p], spec.item) for n in names})
    keys = dict.fromkeys(key for part in parts for key in part.entries)
    entries = {k: _merge([p.entries[k] for p in parts if k in p.entries], spec[k]) for k in keys}
    return TableView(MappingProxyType(entries), tuple(s for part in parts for s in part.written))


def combine_rules(schema: Table = SCHEMA, keypath: KeyPath = ()) -> Iterator[tuple[KeyPath, Combine]]:
    """Every key's combine rule (`*` for a name the user picks), for the docs and their test."""
    for key, spec in schema.items():
        here = (*keypath, key)
        if isinstance(spec, Field):
            yield here, spec.combine
        elif isinstance(spec, MapOf):
            if isinstance(spec.item, Field):
                yield (*here, "*"), spec.item.combine  # a named value: `[tiers] NAME = ...`
            else:
                yield (*here, "*"), spec.combine
                yield from combine_rules(spec.item, (*here, "*"))
        else:
            yield from combine_rules(spec, here)
