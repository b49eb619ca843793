"""Read one settings file: TOML values, their spans, and findings for what is wrong in it.

Invalid values never become silent defaults: each is reported at its line and left out, so the
layers below decide instead, visibly.
"""

from __future__ import annotations

import re
import tomllib
from functools import lru_cache
from typing import Any, NamedTuple

from promptls.router.base.findings import Edit, Finding, Fix, Severity
from promptls.router.base.pathglob import glob_problem
from promptls.router.base.source import LineIndex, Span
from promptls.router.rules.settings import InvalidSettingsFile, InvalidSettingsValue, UnknownSettingsKey
from promptls.router.settings.layers import Layer, Setting, Source
from promptls.router.settings.spec import SCHEMA, Field, MapOf, Table, VKind
from promptls.router.settings.tomlspans import TomlSpans
from promptls.router.settings.view import SettingsView, file_view

KeyPath = tuple[str, ...]
PYPROJECT_TABLE: KeyPath = ("tool", "promptls")

_TOML_ERROR_AT = re.compile(r"\(at line (\d+), column (\d+)\)")


class ModelValue(NamedTuple):
    """A model id written in a settings file, kept for the catalog checks."""

    keypath: KeyPath
    value: str
    span: Span


class SettingsFile:
    """One settings file: its validated values, spans, and what is wrong in it (built by
    `load_settings`, which fills `problems`, `models` and `spans` as it validates).

    Its values are read through `view` (typed, each value with its source) or, for a project, the
    merged `ProjectSettings.view`; the raw dict `_data` stays inside the settings package
    (`test_settings` fails when a module outside it reads it).
    """

    __slots__ = ("_data", "_view", "layer", "lines", "models", "path", "prefix", "problems", "spans", "text")

    def __init__(
        self,
        path: str,
        layer: Layer,
        text: str,
        lines: LineIndex,
        data: dict[str, Any],
        prefix: KeyPath = (),
    ) -> None:
        self.path = path
        self.layer = layer
        self.text = text
        self.lines = lines
        self._data = data
        self._view: SettingsView | None = None
        self.prefix = prefix
        self.problems: list[Finding] = []
        self.models: list[ModelValue] = []
        self.spans: TomlSpans | None = None

    def __repr__(self) -> str:
        return f"SettingsFile({self.path!r}, {self.layer.name}, {len(self.problems)} problems)"

    def span(self, keypath: KeyPath) -> Span:
        """The span of a key (or of its table), for findings and "go to definition"."""
        if self.spans is not None:
            found = self.spans.key_span(self.prefix + keypath)
            if found is not None:
                return found
        return self.lines.span(0, 0)

    def value_span(self, keypath: KeyPath) -> Span:
        if self.spans is not None:
            found = self.spans.value_span(self.prefix + keypath)
            if found is not None:
                return found
        return self.span(keypath)

    @property
    def view(self) -> SettingsView:
        """This file's values alone, typed and with their sources (built on first use)."""
        if self._view is None:
            self._view = file_view(self._data, self._setting, self._table_source)
        return self._view

    def _setting(self, keypath: KeyPath) -> Setting:
        node: Any = self._data
        for key in keypath:
            node = node[key]
        label = _label(self.prefix + keypath)
        return Setting(node, Source(self.layer, label, self.path, self.span(keypath)))

    def _table_source(self, keypath: KeyPath) -> Source:
        # Labelled as written without the pyproject prefix: `[profiles.fast]`.
        return Source(self.layer, f"[{'.'.join(keypath)}]", self.path, self.span(keypath))


@lru_cache(maxsize=1024)
def _label(keypath: KeyPath) -> str:
    """`[agents.code-reviewer] model` for ("agents", "code-reviewer", "model")."""
    if len(keypath) == 1:
        return keypath[0]
    table = ".".join(_quote_key(k) for k in keypath[:-1])
    return f"[{table}] {_quote_key(keypath[-1])}"


def _quote_key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else f'"{key}"'


def load_settings(path: str, text: str, layer: Layer, *, pyproject: bool = False) -> SettingsFile:
    """Parse and validate one settings file. Never raises on bad input."""
    lines = LineIndex(text)
    settings = SettingsFile(path, layer, text, lines, {}, PYPROJECT_TABLE if pyproject else ())
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        settings.problems.append(_toml_error(path, exc, lines))
        return settings
    except RecursionError:
        message = (
            "invalid TOML: values nested too deeply; none of this file's settings apply until it is fixed"
        )
        settings.problems.append(InvalidSettingsFile.finding(path, lines.span(0, 1), message))
        return settings
    settings.spans = TomlSpans(text, lines)
    if pyproject:
        raw = raw.get("tool", {}).get("promptls", {})
        if not isinstance(raw, dict):
            return settings
    settings._data = _validate(settings, raw, SCHEMA, ())
    return settings


def _toml_error(path: str, exc: tomllib.TOMLDecodeError, lines: LineIndex) -> Finding:
    message = str(exc)
    match = _TOML_ERROR_AT.search(message)
    offset = lines.length if "(at end of document)" in message else 0
    message = message.replace(" (at end of document)", "")
    if match:
        offset = lines.offset(int(match.group(1)) - 1, int(match.group(2)) - 1)
        message = message[: match.start()].strip()
    span = lines.span(offset, offset + 1)
    return InvalidSettingsFile.finding(
        path, span, f"invalid TOML: {message}; none of this file's settings apply until it is fixed"
    )


def _validate(settings: SettingsFile, data: dict, schema: Table, keypath: KeyPath) -> dict:
    clean: dict[str, Any] = {}
    for key, value in data.items():
        here = (*keypath, key)
        spec = schema.get(key)
        if spec is None:
            _unknown_key(settings, here, key, schema)
            continue
        checked = _check(settings, here, value, spec)
        if checked is not _INVALID:
            clean[key] = checked
    return clean


_INVALID = object()


def _check(settings: SettingsFile, keypath: KeyPath, value: Any, spec: Field | Table | MapOf) -> Any:
    if isinstance(spec, MapOf):
        if not isinstance(value, dict):
            return _invalid(settings, keypath, f"a table of {spec.what}s", value)
        out = {}
        for name, item in value.items():
            if spec.keys_are_globs:
                table = ".".join(_quote_key(k) for k in (*settings.prefix, *keypath, name))
                _check_glob(settings, f"[{table}]", name, settings.span((*keypath, name)))
            checked = _check(settings, (*keypath, name), item, spec.item)
            if checked is not _INVALID:
                out[name] = checked
        return out
    if isinstance(spec, dict):
        if not isinstance(value, dict):
            return _invalid(settings, keypath, "a table", value)
        return _validate(settings, value, spec, keypath)
    return _check_field(settings, keypath, value, spec)


def _check_field(settings: SettingsFile, keypath: KeyPath, value: Any, spec: Field) -> Any:
    kind = spec.kind
    ok = {
        VKind.STRING: isinstance(value, str),
        VKind.URL: isinstance(value, str),
        VKind.MODEL: isinstance(value, str),
        VKind.BOOLEAN: isinstance(value, bool),
        VKind.INTEGER: isinstance(value, int) and not isinstance(value, bool),
        VKind.NUMBER: isinstance(value, int | float) and not isinstance(value, bool),
        VKind.STRINGS: isinstance(value, list) and all(isinstance(v, str) for v in value),
        VKind.GLOBS: isinstance(value, list) and all(isinstance(v, str) for v in value),
        VKind.MODELS: isinstance(value, list) and all(isinstance(v, str) for v in value),
        VKind.LOCAL: value == "fit" or (isinstance(value, list) and all(isinstance(v, str) for v in value)),
        VKind.TABLE: isinstance(value, dict),
    }[kind]
    if not ok:
        return _invalid(settings, keypath, kind.value, value)
    if (
        (kind is VKind.NUMBER and value != value)  # nan
        or (spec.minimum is not None and value < spec.minimum)
        or (spec.maximum is not None and value > spec.maximum)
    ):
        bounds = _bounds(spec)
        return _invalid(settings, keypath, bounds, value)
    if spec.allowed and value not in spec.allowed:
        return _invalid(settings, keypath, "one of " + ", ".join(spec.allowed), value)
    if kind is VKind.URL:
        from urllib.parse import urlsplit

        try:
            parts = urlsplit(value)
        except ValueError:  # e.g. an unclosed `[` of an IPv6 host
            return _invalid(settings, keypath, kind.value, value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            return _invalid(settings, keypath, kind.value, value)
    if kind is VKind.GLOBS:
        for item in value:
            span = settings.spans.find_in_value(settings.prefix + keypath, item) if settings.spans else None
            _check_glob(
                settings, _label(settings.prefix + keypath), item, span or settings.value_span(keypath)
            )
    if kind is VKind.MODEL:
        settings.models.append(ModelValue(keypath, value, settings.value_span(keypath)))
    elif kind is VKind.MODELS or (kind is VKind.LOCAL and isinstance(value, list)):
        for item in value:
            span = None
            if settings.spans is not None:
                span = settings.spans.find_in_value(settings.prefix + keypath, item)
            settings.models.append(ModelValue(keypath, item, span or settings.value_span(keypath)))
    return value


def _check_glob(settings: SettingsFile, label: str, glob: str, span: Span) -> None:
    """A glob that cannot match what it seems to say is a warning at it; it still applies, read as
    git reads it (a glob is never an error that stops the other settings)."""
    problem = glob_problem(glob)
    if problem is not None:
        settings.problems.append(
            InvalidSettingsValue.finding(
                settings.path,
                span,
                f"{label}: {problem}",
                severity=Severity.WARNING,
            )
        )


def _bounds(spec: Field) -> str:
    if spec.minimum is not None and spec.maximum is not None:
        return f"a value from {spec.minimum:g} to {spec.maximum:g}"
    if spec.minimum is not None:
        return f"a value of at least {spec.minimum:g}"
    return f"a value of at most {spec.maximum:g}"


def _invalid(settings: SettingsFile, keypath: KeyPath, expected: str, value: Any) -> object:
    shown = repr(value) if not isinstance(value, dict | list) else type(value).__name__
    settings.problems.append(
        InvalidSettingsValue.finding(
            settings.path,
            settings.value_span(keypath),
            f"{_label(settings.prefix + keypath)} must be {expected}, not {shown}; "
            "this setting is ignored until it is fixed",
        )
    )
    return _INVALID


def _unknown_key(settings: SettingsFile, keypath: KeyPath, key: str, schema: Table) -> None:
    known = sorted(schema)
    import difflib  # here: only a misspelt key needs it

    close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
    span = settings.span(keypath)
    table = settings.prefix + keypath[:-1]
    where = f"[{'.'.join(_quote_key(k) for k in table)}]" if table else "the top level"
    message = f"unknown key `{key}` in {where}"
    fix = None
    if close:
        message += f"; did you mean `{close[0]}`?"
        key_text = settings.text[span.start : span.end]
        if key_text.endswith(key):
            new = key_text[: len(key_text) - len(key)] + close[0]
            fix = Fix(f"Rename to `{close[0]}`", (Edit(settings.path, span, new),), safe=True)
    else:
        message += f" (known keys: {', '.join(known)})"
    settings.problems.append(UnknownSettingsKey.finding(settings.path, span, message, fix=fix))
