"""What a resolution is made of: each layer's say on a setting (`Candidate`), the command line's and
environment's overrides, the fallback chain's entries, and the helpers that read a layer's value."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, NamedTuple

from promptls.router.models.modelid import ModelId
from promptls.router.prompts.frontmatter import PromptFile
from promptls.router.settings.layers import Layer, Setting, Source
from promptls.router.settings.view import TableView

_NOTHING: Mapping[str, Any] = MappingProxyType({})


class Overrides(NamedTuple):
    """What the command line and the environment say, above every file."""

    model: str | None = None
    params: Mapping[str, Any] = _NOTHING
    env: Mapping[str, str] = _NOTHING
    no_fallback: bool = False


class Candidate(NamedTuple):
    """One layer's say on one setting."""

    key: str
    value: Any
    source: Source
    note: str | None = None
    chosen: bool = False
    defers: bool = False
    """Says "use the default" (`model: default`, Claude Code's `inherit`): lets lower layers decide."""
    skipped: bool = False
    """An entry of a Copilot file's model list passed over for the next one (`copilot_list_choice`)."""


class FallbackModel(NamedTuple):
    raw: str
    model: ModelId | None
    source: Source
    note: str | None = None


def frontmatter_source(prompt: PromptFile, key: str, label: str | None = None) -> Source:
    entry = prompt.get(key)
    span = entry.value_span if entry else None
    return Source(Layer.FRONTMATTER, label or key, prompt.path, span)


def layer_settings(table: TableView | None, key: str) -> tuple[Setting, ...]:
    """Every layer's value of `key`, nearest first: the candidates an explanation lists."""
    layered = table.layered(key) if table is not None else None
    return layered.settings if layered is not None else ()


def lookup_choice(prompt: PromptFile, assignments: tuple[TableView, ...], key: str) -> str | None:
    for assigned in assignments:
        value = assigned.value(key)
        if isinstance(value, str):
            return value
    value = prompt.value(key)
    return value if isinstance(value, str) else None
