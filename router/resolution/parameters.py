"""A prompt's run parameters (temperature, max_tokens, ...), each with every layer's say: the command
line, the environment, its settings tables, its frontmatter, its profile, its model's `params`, and
`[defaults]`, nearest first."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from promptls.router.models.modelid import ModelId
from promptls.router.prompts.dialects import Dialect
from promptls.router.prompts.frontmatter import PromptFile
from promptls.router.prompts.keyspec import DOTPROMPT_CONFIG_PARAMS, PARAMETER_KEYS
from promptls.router.prompts.params import ENV_PREFIX, ParamError, parse_param, valid_param_value
from promptls.router.resolution.candidates import (
    Candidate,
    Overrides,
    frontmatter_source,
    layer_settings,
    lookup_choice,
)
from promptls.router.settings.layers import Layer, Setting, Source
from promptls.router.settings.view import SettingsView, TableView


def run_params(
    prompt: PromptFile,
    view: SettingsView,
    overrides: Overrides,
    assignments: tuple[TableView, ...],
    model: ModelId | None,
) -> tuple[dict[str, Setting], dict[str, tuple[Candidate, ...]]]:
    candidates: dict[str, list[Candidate]] = {}

    def add(key: str, value: Any, source: Source) -> None:
        candidates.setdefault(key, []).append(Candidate(key, value, source))

    for key, value in overrides.params.items():
        add(key, value, Source(Layer.CLI, f"--param {key}"))
    for key, name in ENV_PARAMS:
        if name in overrides.env:
            parsed = parse_param(key, overrides.env[name])
            if not isinstance(parsed, ParamError):
                add(key, parsed, Source(Layer.ENV, name))
    for assigned in assignments:  # each layer's table in turn, nearest first
        for key in param_keys(assigned):
            for setting in layer_settings(assigned, key):
                add(key, setting.value, setting.source)
    for key, value, source in frontmatter_params(prompt):
        add(key, value, source)
    profile = lookup_choice(prompt, assignments, "profile")
    profile_table = view.profiles.get(profile) if profile else None
    for key in param_keys(profile_table):
        for setting in layer_settings(profile_table, key):
            add(key, setting.value, setting.source)
    model_table = view.models.get(str(model)) if model is not None else None
    model_params = model_table.table("params") if model_table is not None else None
    for key in model_params or ():
        for setting in layer_settings(model_params, key):
            add(key, setting.value, setting.source)
    for key in view.defaults:
        if key in PARAMETER_KEYS:
            for setting in layer_settings(view.defaults, key):
                add(key, setting.value, setting.source)
    params: dict[str, Setting] = {}
    steps: dict[str, tuple[Candidate, ...]] = {}
    for key, cands in candidates.items():
        first = cands[0]
        params[key] = Setting(first.value, first.source)
        steps[key] = (first._replace(chosen=True), *cands[1:])
    return params, steps


ENV_PARAMS = tuple((key, f"{ENV_PREFIX}{key.upper()}") for key in PARAMETER_KEYS)
"""Each run parameter and the environment variable that sets it (`PROMPTLS_TEMPERATURE`)."""


def param_keys(table: TableView | None) -> list[str]:
    """The run parameters a settings table sets, in PARAMETER_KEYS' order (asked per prompt: only
    the keys the table has are looked at)."""
    if table is None:
        return []
    return [key for key in PARAMETER_KEYS if key in table]


def frontmatter_params(prompt: PromptFile) -> Iterable[tuple[str, Any, Source]]:
    entries = prompt.by_key  # the parameter keys are many, a file's keys few: one dict look-up each
    for key in PARAMETER_KEYS:
        entry = entries.get(key)
        if entry is not None and param_ok(key, entry.value):
            yield key, entry.value, frontmatter_source(prompt, key)
    if prompt.dialect is Dialect.DOTPROMPT:
        config = prompt.get("config")
        if config is not None:
            for child in config.children:
                param = DOTPROMPT_CONFIG_PARAMS.get(child.key)
                if param and param_ok(param, child.value):
                    yield (
                        param,
                        child.value,
                        Source(Layer.FRONTMATTER, f"config.{child.key}", prompt.path, child.value_span),
                    )
    elif prompt.dialect is Dialect.PROMPTY:
        from promptls.router.prompts.prompty import parameter_entries

        for param, child, label in parameter_entries(prompt):
            if param_ok(param, child.value):
                yield param, child.value, Source(Layer.FRONTMATTER, label, prompt.path, child.value_span)


def param_ok(key: str, value: Any) -> bool:
    """Frontmatter values of the wrong type are reported by checks and left out of the run."""
    return valid_param_value(key, value)
