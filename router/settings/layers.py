"""Settings layers and the provenance every resolved value carries."""

from __future__ import annotations

from enum import IntEnum
from pathlib import Path
from typing import Any, NamedTuple

from promptls.router.base.source import Span


class Layer(IntEnum):
    """Settings layers, highest precedence first (a lower number wins)."""

    CLI = 1
    ENV = 2
    LOCAL = 3
    PROJECT = 4
    USER = 5
    FRONTMATTER = 6
    DEFAULT = 7

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    Layer.CLI: "command line",
    Layer.ENV: "environment",
    Layer.LOCAL: "local settings",
    Layer.PROJECT: "project settings",
    Layer.USER: "user settings",
    Layer.FRONTMATTER: "frontmatter",
    Layer.DEFAULT: "default",
}


class Source(NamedTuple):
    """Where a value came from: layer, file and span (when it has one), and a short label."""

    layer: Layer
    label: str
    """What was written, e.g. `[agents.code-reviewer] model` or `PROMPTLS_MODEL`."""
    path: str | None = None
    span: Span | None = None

    def location(self, relative_to: str | None = None) -> str:
        """`promptls.toml:12`, `frontmatter line 4`, `environment`, ..."""
        if self.path is None or self.span is None:
            return self.layer.label
        shown = _shown_path(self.path, relative_to)
        return f"{shown}:{self.span.line}"


class Setting(NamedTuple):
    value: Any
    source: Source


def _shown_path(path: str, relative_to: str | None) -> str:
    if relative_to is None:
        return path
    try:
        return str(Path(path).resolve().relative_to(Path(relative_to).resolve()))
    except ValueError:
        return path
