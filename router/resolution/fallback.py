"""A prompt's fallback chain: the first layer that says (`--no-fallback`, `PROMPTLS_FALLBACK`, its
settings tables' `fallback` or `model_fallback`, a Copilot model list's later entries, its
frontmatter, `[defaults] model_fallback`) decides; `true` takes `[defaults] fallback`."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from promptls.router.models.modelid import ModelId, RefKind, interpret
from promptls.router.prompts.dialects import Dialect
from promptls.router.prompts.frontmatter import PromptFile
from promptls.router.prompts.params import ENV_PREFIX
from promptls.router.resolution.candidates import (
    Candidate,
    FallbackModel,
    Overrides,
    frontmatter_source,
    layer_settings,
)
from promptls.router.settings.layers import Layer, Source
from promptls.router.settings.view import SettingsView, TableView

if TYPE_CHECKING:
    from promptls.router.models.catalog import Catalog


def fallback_chain(
    prompt: PromptFile,
    view: SettingsView,
    overrides: Overrides,
    assignments: tuple[TableView, ...],
    catalog: Catalog,
    providers: tuple[str, ...],
    model: ModelId | None,
    list_choice: int | None = None,
) -> tuple[tuple[FallbackModel, ...], Source | None, tuple[Candidate, ...]]:
    """Walk the layers: an explicit list wins; `model_fallback` true uses the default chain."""
    layers: list[tuple[Any, Source, Dialect]] = []
    generic = Dialect.GENERIC
    if overrides.no_fallback:
        layers.append((False, Source(Layer.CLI, "--no-fallback"), generic))
    env_chain = overrides.env.get(f"{ENV_PREFIX}FALLBACK")
    if env_chain is not None:
        chain = [m.strip() for m in env_chain.split(",") if m.strip()]
        layers.append((chain, Source(Layer.ENV, f"{ENV_PREFIX}FALLBACK"), generic))
    for assigned in assignments:  # a layer's `fallback` or `model_fallback` decides, nearest first
        for key in ("fallback", "model_fallback"):
            for setting in layer_settings(assigned, key):
                layers.append((setting.value, setting.source, generic))
    if prompt.dialect.is_copilot and isinstance(prompt.value("model"), list):
        after = 1 if list_choice is None else list_choice + 1  # the entries after the one in effect
        rest = [m for m in prompt.value("model")[after:] if isinstance(m, str)]
        if rest:
            layers.append((rest, frontmatter_source(prompt, "model", "model (list)"), prompt.dialect))
    for key in ("fallback", "model_fallback"):
        entry = prompt.get(key)
        if entry is not None and isinstance(entry.value, list | bool):
            layers.append((entry.value, frontmatter_source(prompt, key), prompt.dialect))
    for setting in layer_settings(view.defaults, "model_fallback"):
        layers.append((setting.value, setting.source, generic))

    steps: list[Candidate] = []
    result: tuple[FallbackModel, ...] = ()
    result_source: Source | None = None
    decided = False
    for value, source, dialect in layers:
        if decided:
            steps.append(Candidate("fallback", value, source))
            continue
        decided = True
        if value is False:
            steps.append(Candidate("fallback", value, source, "no fallback", chosen=True))
            continue
        if value is True:
            chain_source, items = default_chain(view)
            note = (
                "uses [defaults] fallback"
                if chain_source
                else ("no default chain is set: add `[defaults] fallback = [...]` to promptls.toml")
            )
            steps.append(Candidate("fallback", value, source, note, chosen=True))
            result_source = chain_source
            result = tuple(fallback_models(items, chain_source, catalog, providers, generic))
            continue
        steps.append(Candidate("fallback", value, source, chosen=True))
        result_source = source
        result = tuple(fallback_models(value, source, catalog, providers, dialect))
    if model is not None:
        result = tuple(f for f in result if f.model != model)
    seen: set[ModelId | str] = set()
    unique = []
    for item in result:
        key = item.model or item.raw
        if key not in seen:
            seen.add(key)
            unique.append(item)
    return tuple(unique), result_source, tuple(steps)


def default_chain(view: SettingsView) -> tuple[Source | None, list[str]]:
    setting = view.defaults.setting("fallback")
    if setting is None:
        return None, []
    return setting.source, list(setting.value)


def fallback_models(
    items: Iterable[Any],
    source: Source | None,
    catalog: Catalog,
    providers: tuple[str, ...],
    dialect: Dialect,
) -> Iterator[FallbackModel]:
    for raw in items:
        if not isinstance(raw, str):
            continue
        ref = interpret(raw, dialect, catalog, providers)
        ok = ref.kind is RefKind.MODEL and ref.model and ref.model.provider in providers
        yield FallbackModel(
            raw, ref.model if ok else None, source or Source(Layer.DEFAULT, "fallback"), ref.via
        )
