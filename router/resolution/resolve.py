"""Resolution: which model, parameters and fallback chain a prompt runs with, and why.

Every candidate value from every layer is kept in precedence order with its source, and the one
that won is marked, so a front end can print "promptls.toml:12 [agents.code-reviewer] model =
ollama/qwen2.5-coder" beats "frontmatter line 4 model: sonnet" without knowing the rules.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

from promptls.router.base.pathglob import path_under_root
from promptls.router.models.copilot import find_copilot_model, is_auto, vendor
from promptls.router.models.modelid import (
    BUILTIN_PROVIDERS,
    LOCAL_PROVIDERS,
    ModelId,
    ModelRef,
    RefKind,
    interpret,
)
from promptls.router.models.profiles import BUILTIN_PROFILES
from promptls.router.prompts.dialects import Dialect, command_namespace
from promptls.router.prompts.frontmatter import PromptFile
from promptls.router.prompts.params import ENV_PREFIX
from promptls.router.resolution.candidates import (
    Candidate,
    FallbackModel,
    Overrides,
    frontmatter_source,
    layer_settings,
    lookup_choice,
)
from promptls.router.resolution.fallback import fallback_chain
from promptls.router.resolution.parameters import run_params
from promptls.router.settings.discover import ProjectSettings
from promptls.router.settings.layers import Layer, Setting, Source
from promptls.router.settings.view import SettingsView, TableView

if TYPE_CHECKING:
    from promptls.router.models.catalog import Catalog, ModelInfo
    from promptls.router.models.fit import LocalMachine


class Resolution(NamedTuple):
    prompt: PromptFile
    settings: ProjectSettings
    model: ModelId | None
    ref: ModelRef | None
    info: ModelInfo | None
    params: dict[str, Setting]
    fallback: tuple[FallbackModel, ...]
    fallback_source: Source | None
    steps: dict[str, tuple[Candidate, ...]]
    options: dict[str, Any]
    problem: str | None = None
    """Why no model could be chosen, in words that say how to fix it."""

    @property
    def model_candidate(self) -> Candidate | None:
        for cand in self.steps.get("model", ()):
            if cand.chosen:
                return cand
        return None

    def chain(self) -> list[ModelId]:
        """The models to try, in order: the model, then the fallback chain."""
        out = [self.model] if self.model else []
        out += [f.model for f in self.fallback if f.model is not None and f.model not in out]
        return out


def declared_providers(settings: ProjectSettings) -> Mapping[str, Mapping[str, Any]]:
    """`[providers.NAME]` tables as the settings view merged them (nearer layers win key by key)."""
    return settings.view.provider_values


def known_providers(settings: ProjectSettings) -> tuple[str, ...]:
    return tuple(dict.fromkeys((*BUILTIN_PROVIDERS, *declared_providers(settings))))


HOSTED_PROVIDERS = frozenset({"openai", "openrouter", "gemini", "anthropic"})


def is_local_provider(provider: str, declared: Mapping[str, Mapping[str, Any]]) -> bool:
    """Runs on this machine (free, no key): Ollama, or a declared server on a local address.

    A hosted provider pointed at a local address (a proxy, a gateway) still bills and needs its
    key: only `local = true` makes it local.
    """
    table = declared.get(provider) or {}
    if "local" in table:
        return bool(table["local"])
    url = table.get("base_url")
    if isinstance(url, str) and provider not in HOSTED_PROVIDERS:
        from urllib.parse import urlsplit

        host = (urlsplit(url).hostname or "").lower()
        return host in ("localhost", "127.0.0.1", "::1") or host.endswith(".local")
    return provider in LOCAL_PROVIDERS


def resolve(
    prompt: PromptFile,
    settings: ProjectSettings,
    catalog: Catalog,
    overrides: Overrides | None = None,
    local_machine: Callable[[], LocalMachine | None] | None = None,
) -> Resolution:
    """`local_machine` reads this machine's free memory and installed local models, asked only when a
    `local` setting needs them (absent: a `local` list takes its first entry, `local = "fit"` nothing)."""
    overrides = overrides or Overrides()
    view = settings.view
    providers = known_providers(settings)
    declared = view.provider_values
    assignments = assigned_tables(prompt, settings)

    listed = prompt.value("model") if prompt.dialect.is_copilot else None
    choice = (
        copilot_list_choice(listed, prompt.dialect, catalog, providers) if isinstance(listed, list) else None
    )
    model_steps = _model_candidates(
        prompt, view, overrides, assignments, catalog, providers, choice, local_machine
    )
    shown_from = settings.root or os.path.dirname(os.path.abspath(prompt.path))
    model, ref, steps, problem = _choose_model(model_steps, catalog, prompt.dialect, providers, shown_from)
    info = model_info(model, settings, catalog, declared) if model else None

    params, param_steps = run_params(prompt, view, overrides, assignments, model)
    fallback, fallback_source, fallback_steps = fallback_chain(
        prompt, view, overrides, assignments, catalog, providers, model, choice
    )
    options = sdk_options(model, settings) if model else {}
    all_steps = {"model": steps, "fallback": fallback_steps, **param_steps}
    return Resolution(
        prompt, settings, model, ref, info, params, fallback, fallback_source, all_steps, options, problem
    )


def model_info(
    model: ModelId,
    settings: ProjectSettings,
    catalog: Catalog,
    declared: Mapping[str, Mapping[str, Any]] | None = None,
) -> ModelInfo:
    """The catalog's facts about a model, corrected by `[models."id"]` and local providers."""
    declared = declared_providers(settings) if declared is None else declared
    info = catalog.lookup(str(model))
    changes: dict[str, Any] = {}
    if is_local_provider(model.provider, declared):
        changes.update(local=True, free=True, input_price=0.0, output_price=0.0, tiers=())
    table = settings.view.models.get(str(model))
    if table is not None:
        for key in ("context_window", "max_output", "input_price", "output_price"):
            if key in table:
                changes[key] = table.value(key)
        if "input_price" in table or "output_price" in table:
            changes["tiers"] = ()  # a price the user declares is the price, at any length
        if "capabilities" in table:
            changes["capabilities"] = frozenset(table.value("capabilities"))
    return info._replace(**changes) if changes else info


def assigned_tables(prompt: PromptFile, settings: ProjectSettings) -> tuple[TableView, ...]:
    """The per-prompt tables that apply to `prompt`, one per settings layer, nearest first: by name
    first, then the most specific `[prompts."GLOB"]` (relative to the project's folder)."""
    view = settings.view
    section = prompt.dialect.assignment_table
    names = tuple(assignment_names(prompt)) if section else ()
    rel = path_under_root(prompt.path, settings.root) if view.prompts else ""
    return view.assigned(section, names, rel)


def assignment_names(prompt: PromptFile) -> Iterator[str]:
    yield prompt.name
    if prompt.dialect is Dialect.CLAUDE_COMMAND:
        namespace = command_namespace(prompt.path)
        if namespace:
            yield f"{namespace}:{prompt.name}"


def _model_candidates(
    prompt: PromptFile,
    view: SettingsView,
    overrides: Overrides,
    assignments: tuple[TableView, ...],
    catalog: Catalog,
    providers: tuple[str, ...],
    list_choice: int | None = None,
    local_machine: Callable[[], LocalMachine | None] | None = None,
) -> list[tuple[Candidate, ModelRef]]:
    generic = Dialect.GENERIC
    out: list[tuple[Candidate, ModelRef]] = []

    def add(
        value: Any, source: Source, dialect: Dialect, note: str | None = None, skipped: str | None = None
    ) -> None:
        ref = interpret(value, dialect, catalog, providers)
        if note is None:
            note = f"{ref.via} → {ref.model}" if ref.via and ref.model else ref.via
        defers = ref.kind in (RefKind.DEFAULT, RefKind.INHERIT)
        if ref.kind is RefKind.INHERIT:
            note = "Claude Code's `inherit` (the main conversation's model): promptls uses the default"
        if skipped is not None:
            note, defers = skipped, False
        out.append((Candidate("model", value, source, note, defers=defers, skipped=skipped is not None), ref))

    if overrides.model:
        add(overrides.model, Source(Layer.CLI, "--model"), generic)
    env_model = overrides.env.get(f"{ENV_PREFIX}MODEL")
    if env_model:
        add(env_model, Source(Layer.ENV, f"{ENV_PREFIX}MODEL"), generic)
    for assigned in assignments:
        _local_candidate(assigned.setting("local"), add, local_machine)
        setting = assigned.setting("model")
        if setting is not None:
            add(setting.value, setting.source, generic)
    model_entry = prompt.get("model")
    if prompt.dialect is Dialect.PROMPTY:
        _prompty_candidate(prompt, add, out)
    elif model_entry is not None:
        value = model_entry.value
        if list_choice is not None:  # Copilot's prioritized list: the entries up to the one in effect
            for index, item in enumerate(model_entry.items[: list_choice + 1]):
                source = Source(Layer.FRONTMATTER, f"model list #{index + 1}", prompt.path, item.span)
                why = (
                    None
                    if index == list_choice
                    else _why_skipped(item.value, prompt.dialect, catalog, providers)
                )
                add(item.value, source, prompt.dialect, skipped=why)
        else:
            if isinstance(value, list) and prompt.dialect.is_copilot and value:
                value = value[0]  # a list of which promptls can run nothing: the first says why
            add(value, frontmatter_source(prompt, "model"), prompt.dialect)
    profile = lookup_choice(prompt, assignments, "profile")
    if profile is not None:
        table = view.profiles.get(profile)
        if table is None and profile in BUILTIN_PROFILES:
            from promptls.router.models.profiles import pick_for_profile

            pick = pick_for_profile(profile, BUILTIN_PROFILES[profile], catalog)
            add(
                pick.model or "", Source(Layer.DEFAULT, f"built-in profile `{profile}`"), generic, pick.reason
            )
        elif table is not None:
            _local_candidate(table.setting("local"), add, local_machine)
            setting = table.setting("model")
            if setting is not None:
                add(setting.value, setting.source, generic)
            else:
                # A profile of needs and preferences, no model: pick one from the catalog.
                from promptls.router.models.profiles import pick_for_profile

                pick = pick_for_profile(profile, table.values(), catalog)
                add(pick.model or "", table.written[0], generic, pick.reason)
    tier = lookup_choice(prompt, assignments, "tier")
    if tier is not None and tier in view.tiers:
        setting = view.tiers[tier].setting
        add(setting.value, setting.source, generic)
    for setting in layer_settings(view.defaults, "model"):
        add(setting.value, setting.source, generic)
    return out


def _local_candidate(
    setting: Setting | None,
    add: Callable[..., None],
    local_machine: Callable[[], LocalMachine | None] | None,
) -> None:
    """A `local` setting (`"fit"`, or local models best first): the candidate that fits this machine,
    explained ("ollama/qwen2.5-coder:32b needs ~22 GB, 9.0 GB free → ollama/qwen2.5-coder:7b"); when none
    fits, a passed-over step that says why, and the layers below decide."""
    if setting is None:
        return
    from promptls.router.models.fit import local_choice

    model, why = local_choice(setting.value, local_machine() if local_machine else None)
    if model is not None:
        add(model, setting.source, Dialect.GENERIC, why)
    else:
        add(str(setting.value), setting.source, Dialect.GENERIC, skipped=why)


def _prompty_candidate(
    prompt: PromptFile, add: Callable[..., None], out: list[tuple[Candidate, ModelRef]]
) -> None:
    """A `.prompty` model: v2 `id` + `provider`, v1 `configuration`, or `model: <id>`. An Azure
    deployment names no model promptls can know: shown, and left to the lower layers to decide."""
    from promptls.router.prompts.prompty import read_model

    read = read_model(prompt)
    if read is None:
        return
    source = Source(Layer.FRONTMATTER, read.label, prompt.path, read.entry.value_span)
    if read.model is not None:
        add(read.model, source, Dialect.GENERIC, f"{read.note} → {read.model}")
        return
    out.append(
        (
            Candidate("model", read.written, source, read.note, defers=True),
            ModelRef(read.written, RefKind.DEFAULT),
        )
    )


def copilot_list_choice(
    values: list[Any], dialect: Dialect, catalog: Catalog, providers: tuple[str, ...]
) -> int | None:
    """The entry of a Copilot file's prioritized `model:` list that promptls runs, or None when it can
    run none of them. VS Code uses the first model available; for promptls that is the first entry
    Copilot offers that promptls can run (`Auto` ends the walk: Copilot always has it, and promptls
    runs the default for it), else, when Copilot offers none of them, the first promptls can run. The
    entries after it are the fallback chain."""
    first_runnable = None
    for index, value in enumerate(values):
        if not isinstance(value, str):
            continue
        if is_auto(value):
            return index
        ref = interpret(value, dialect, catalog, providers)
        if ref.kind is not RefKind.MODEL or ref.model is None or ref.model.provider not in providers:
            continue
        if _copilot_offers(value):
            return index
        if first_runnable is None:
            first_runnable = index
    return first_runnable


def _copilot_offers(value: str) -> bool:
    if vendor(value) not in (None, "copilot"):
        return True  # a model brought with one's own key: VS Code has it if the user set it up
    listed = find_copilot_model(value)
    return listed is not None and listed.offered


def _why_skipped(value: Any, dialect: Dialect, catalog: Catalog, providers: tuple[str, ...]) -> str:
    """Why an entry before the one in effect is passed over, in words."""
    if not isinstance(value, str):
        return "not a model name: the next entry is tried"
    listed = find_copilot_model(value) if vendor(value) in (None, "copilot") else None
    if listed is not None and listed.offered and listed.model is None:
        return f"Copilot's own `{listed.name}`: only Copilot runs it, so promptls tries the next entry"
    if listed is not None and not listed.offered:
        return "Copilot no longer offers it: VS Code tries the next entry"
    ref = interpret(value, dialect, catalog, providers)
    if ref.kind is RefKind.MODEL and ref.model is not None and ref.model.provider in providers:
        return "Copilot does not offer it: VS Code tries the next entry"
    return "not a model promptls can run: the next entry is tried"


def _choose_model(
    candidates: list[tuple[Candidate, ModelRef]],
    catalog: Catalog,
    dialect: Dialect,
    providers: tuple[str, ...],
    shown_from: str | None = None,
) -> tuple[ModelId | None, ModelRef | None, tuple[Candidate, ...], str | None]:
    """The first usable candidate; else why none is (file paths in it relative to `shown_from`)."""
    steps: list[Candidate] = []
    chosen: tuple[ModelId, ModelRef] | None = None
    problem = None
    for cand, ref in candidates:
        if chosen is not None or problem is not None or cand.defers or cand.skipped:
            steps.append(cand)
            continue
        if cand.value == "" and cand.note:  # a profile that found no model to pick
            problem = f"{cand.note}; name a `model` in the profile or relax what it needs"
            steps.append(cand)
            continue
        if ref.kind is RefKind.INVALID or ref.model is None:
            problem = (
                f"{cand.source.label} = {cand.value!r} is not a model id "
                f"({cand.source.location(shown_from)}); write `provider/name`, e.g. `openai/gpt-4o`"
            )
            steps.append(cand)
            continue
        if ref.model.provider not in providers:
            problem = (
                f"unknown provider `{ref.model.provider}` in {cand.source.label} "
                f"({cand.source.location(shown_from)}); use one of {', '.join(providers)} or declare "
                f"[providers.{ref.model.provider}] base_url = ... in promptls.toml"
            )
            steps.append(cand)
            continue
        chosen = (ref.model, ref)
        steps.append(cand._replace(chosen=True))
    if chosen is None and problem is None:
        problem = (
            "no model is set: add `model: provider/name` to the frontmatter, or "
            '`[defaults] model = "provider/name"` to promptls.toml'
        )
    if chosen is None:
        return None, None, tuple(steps), problem
    return chosen[0], chosen[1], tuple(steps), None


def sdk_options(model: ModelId, settings: ProjectSettings) -> dict[str, Any]:
    """SDK pass-through options: the provider's `options`, then the model's on top."""
    view = settings.view
    options: dict[str, Any] = dict((view.provider_values.get(model.provider) or {}).get("options") or {})
    table = view.models.get(str(model))
    if table is not None:
        options.update(table.value("options") or {})
    return options
