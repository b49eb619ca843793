"""Which model answers a proxy request, and why: the same core as a prompt file's resolution.

The request's `model` (and, for a Claude Code sub-agent, the agent file it came from) goes through
these steps; the first that decides wins, and every step is kept with its source for `proxy routes`:

    1. a sub-agent whose agent file promptls assigns a model (`[agents.NAME]`, a profile or tier, or a
       `provider/name` id in its frontmatter): that agent's resolved model and fallback chain
       (an agent whose model is Claude Code's own spelling, `sonnet`, already sent it: step 2 on)
    2. a promptls id (`ollama/qwen2.5-coder`, `anthropic/claude-sonnet-4-5`): as it is
    3. `[proxy.routes]`: the most specific glob matching the id (or the id an alias stands for)
    4. `[proxy] profile`: that routing profile's model
    5. `[defaults] model`
    6. an Anthropic id (`claude-…`, or Claude Code's aliases): passed to Anthropic; another bare
       id the catalog knows under one provider (`gpt-4o`): that provider's

Routed models fall back along `[proxy] fallback`, else (with `[defaults] model_fallback = true`)
along `[defaults] fallback`; a profile's own chain and an agent's chain come with them.
"""

from __future__ import annotations

from fnmatch import fnmatchcase
from typing import TYPE_CHECKING, NamedTuple

from promptls.router.models.modelid import (
    BUILTIN_PROVIDERS,
    CLAUDE_ALIASES,
    ModelId,
    RefKind,
    interpret,
    split_model_id,
)
from promptls.router.models.profiles import BUILTIN_PROFILES
from promptls.router.prompts.dialects import Dialect
from promptls.router.resolution.resolve import known_providers, resolve
from promptls.router.settings.layers import Layer, Source

if TYPE_CHECKING:
    from promptls.router.models.catalog import Catalog
    from promptls.router.prompts.frontmatter import PromptFile
    from promptls.router.resolution.resolve import Resolution
    from promptls.router.settings.discover import ProjectSettings


class RouteStep(NamedTuple):
    """One say on which model answers."""

    label: str
    """What had the say: `[proxy.routes] "claude-haiku-*"`, `sub-agent code-reviewer`, ..."""
    value: str
    source: Source | None
    """Where it is written; None for the request itself or a built-in rule."""
    note: str | None = None
    chosen: bool = False


class ProxyRoute(NamedTuple):
    requested: str
    model: ModelId | None
    fallback: tuple[ModelId, ...]
    steps: tuple[RouteStep, ...]
    agent: str | None = None
    """The sub-agent whose agent file decided (None when the request's model did)."""
    problem: str | None = None
    """Why no model answers, in words that say how to fix it."""

    def chain(self) -> tuple[ModelId, ...]:
        """The models to try, in order."""
        if self.model is None:
            return ()
        return (self.model, *(m for m in self.fallback if m != self.model))

    @property
    def decided_by(self) -> RouteStep | None:
        return next((step for step in self.steps if step.chosen), None)


def route(
    requested: str,
    settings: ProjectSettings,
    catalog: Catalog,
    agent: PromptFile | None = None,
) -> ProxyRoute:
    """The model that answers a request for `requested`, sent by `agent` (a matched sub-agent's file)."""
    steps: list[RouteStep] = []
    providers = known_providers(settings)
    if agent is not None:
        decided = _agent_route(requested, agent, settings, catalog, steps)
        if decided is not None:
            return decided
    parsed = split_model_id(requested)
    if isinstance(parsed, ModelId) and parsed.provider in providers:
        steps.append(RouteStep("the request", requested, None, "a promptls model id: used as it is", True))
        return ProxyRoute(requested, parsed, _fallback(settings, catalog, providers, parsed), tuple(steps))
    names = _names(requested, catalog)
    matched = _matching_route(settings, names)
    if matched is not None:
        glob, setting = matched
        ref = interpret(setting.value, Dialect.GENERIC, catalog, providers)
        label = f'[proxy.routes] "{glob}"'
        if ref.kind is not RefKind.MODEL or ref.model is None or ref.model.provider not in providers:
            problem = (
                f"{label} = {setting.value!r} ({setting.source.location(settings.root)}) is no model "
                f"promptls can call: write `provider/name` with one of {', '.join(providers)}"
            )
            steps.append(RouteStep(label, setting.value, setting.source, "not a usable model id"))
            return ProxyRoute(requested, None, (), tuple(steps), problem=problem)
        steps.append(RouteStep(label, setting.value, setting.source, _matched_note(requested, names), True))
        model = ref.model
        return ProxyRoute(requested, model, _fallback(settings, catalog, providers, model), tuple(steps))
    profile = _profile_route(requested, settings, catalog, providers, steps)
    if profile is not None:
        return profile
    default = settings.view.defaults.setting("model")
    if default is not None:
        ref = interpret(default.value, Dialect.GENERIC, catalog, providers)
        if ref.kind is RefKind.MODEL and ref.model is not None and ref.model.provider in providers:
            note = "no [proxy.routes] glob matches: the project's default model"
            steps.append(RouteStep("[defaults] model", default.value, default.source, note, True))
            model = ref.model
            return ProxyRoute(requested, model, _fallback(settings, catalog, providers, model), tuple(steps))
        steps.append(RouteStep("[defaults] model", default.value, default.source, "not a usable model id"))
    native = _native_model(requested, names, catalog, providers)
    if native is not None:
        model, note = native
        steps.append(RouteStep("the request", requested, None, note, True))
        return ProxyRoute(requested, model, _fallback(settings, catalog, providers, model), tuple(steps))
    problem = (
        f"no route for model `{requested}`: add a glob that matches it to [proxy.routes] in promptls.toml "
        '(e.g. "' + requested + '" = "ollama/qwen2.5-coder"), or send a promptls id (provider/name)'
    )
    return ProxyRoute(requested, None, (), tuple(steps), problem=problem)


def agent_route_applies(resolution: Resolution) -> bool:
    """Whether promptls, not Claude Code, chose the agent's model: a settings table naming the agent
    (or its profile or tier), or a `provider/name` id in its frontmatter. The project's default, or
    Claude Code's own spelling (`sonnet`, `claude-…`, `inherit`), is what Claude Code already sent."""
    chosen = resolution.model_candidate
    if chosen is None or resolution.model is None:
        return False
    if chosen.source.layer is Layer.FRONTMATTER:
        return isinstance(chosen.value, str) and resolution.ref is not None and resolution.ref.via is None
    if chosen.source.layer in (Layer.LOCAL, Layer.PROJECT, Layer.USER):
        defaults = resolution.settings.view.defaults.layered("model")
        return defaults is None or all(chosen.source != s.source for s in defaults.settings)
    return chosen.source.layer is Layer.DEFAULT and chosen.source.label.startswith("built-in profile")


def _agent_route(
    requested: str,
    agent: PromptFile,
    settings: ProjectSettings,
    catalog: Catalog,
    steps: list[RouteStep],
) -> ProxyRoute | None:
    resolution = resolve(agent, settings, catalog)
    label = f"sub-agent `{agent.name}`"
    chosen = resolution.model_candidate
    if resolution.model is None:
        note = "promptls assigns it no model (`inherit`, or none): the normal route"
        steps.append(RouteStep(label, agent.path, None, note))
        return None
    if not agent_route_applies(resolution):
        value = str(chosen.value) if chosen else str(resolution.model)
        note = "its model is Claude Code's own choice (sent as the request's model): the normal route"
        steps.append(RouteStep(label, value, chosen.source if chosen else None, note))
        return None
    assert chosen is not None
    note = "its agent file's assigned model (as `promptls resolve` shows it)"
    steps.append(RouteStep(label, str(chosen.value), chosen.source, note, True))
    chain = resolution.chain()
    return ProxyRoute(requested, chain[0], tuple(chain[1:]), tuple(steps), agent=agent.name)


def _names(requested: str, catalog: Catalog) -> tuple[str, ...]:
    """The spellings a route glob is matched against: the id, and what a Claude alias stands for."""
    names = [requested.strip()]
    ref = interpret(requested, Dialect.CLAUDE_AGENT, catalog)
    if ref.kind is RefKind.MODEL and ref.model is not None and ref.via and ref.model.name not in names:
        names.append(ref.model.name)
    return tuple(names)


def _matching_route(settings: ProjectSettings, names: tuple[str, ...]):
    """(glob, its setting) of the most specific route matching one of `names`: the glob with the
    most characters that are no wildcard; on a tie the longer glob, then the first in order."""
    best = None
    for glob, layered in settings.view.proxy_routes.items():
        if any(fnmatchcase(name, glob) or fnmatchcase(f"anthropic/{name}", glob) for name in names):
            literal = sum(ch not in "*?[]" for ch in glob)
            rank = (literal, len(glob))
            if best is None or rank > best[0]:
                best = (rank, glob, layered.setting)
    return None if best is None else (best[1], best[2])


def _matched_note(requested: str, names: tuple[str, ...]) -> str:
    if len(names) > 1:
        return f"`{requested}` stands for `{names[1]}`, which this glob matches"
    return "the most specific glob that matches"


def _profile_route(
    requested: str,
    settings: ProjectSettings,
    catalog: Catalog,
    providers: tuple[str, ...],
    steps: list[RouteStep],
) -> ProxyRoute | None:
    from promptls.router.models.profiles import pick_for_profile

    setting = settings.view.proxy.setting("profile")
    if setting is None:
        return None
    name = setting.value
    label = "[proxy] profile"
    table = settings.view.profiles.get(name)
    if table is None and name not in BUILTIN_PROFILES:
        note = f"no profile `{name}`: define [profiles.{name}] or use one of {', '.join(BUILTIN_PROFILES)}"
        steps.append(RouteStep(label, name, setting.source, note))
        return None
    values = table.values() if table is not None else BUILTIN_PROFILES[name]
    written = table.setting("model") if table is not None else None
    if written is not None:
        where = written.source.location(settings.root)
        raw, note = written.value, f"profile `{name}` names its model ({where})"
    else:
        pick = pick_for_profile(name, values, catalog)
        raw, note = pick.model or "", pick.reason
    ref = interpret(raw, Dialect.GENERIC, catalog, providers)
    if ref.kind is not RefKind.MODEL or ref.model is None or ref.model.provider not in providers:
        steps.append(RouteStep(label, name, setting.source, f"{note}: no usable model"))
        return None
    steps.append(RouteStep(label, name, setting.source, note, True))
    chain = _models(values.get("fallback") or (), catalog, providers)
    fallback = chain or _fallback(settings, catalog, providers, ref.model)
    return ProxyRoute(requested, ref.model, tuple(m for m in fallback if m != ref.model), tuple(steps))


def _native_model(
    requested: str, names: tuple[str, ...], catalog: Catalog, providers: tuple[str, ...]
) -> tuple[ModelId, str] | None:
    text = requested.strip()
    if "anthropic" in providers and (text.startswith("claude-") or text in CLAUDE_ALIASES):
        model = ModelId("anthropic", names[-1])
        return model, "an Anthropic model no route names: passed to Anthropic"
    if "/" in text or not text:
        return None
    for provider in BUILTIN_PROVIDERS:
        if provider in providers and f"{provider}/{text}" in catalog:
            return ModelId(provider, text), f"no route names it; the catalog knows it as {provider}/{text}"
    return None


def _fallback(
    settings: ProjectSettings, catalog: Catalog, providers: tuple[str, ...], model: ModelId
) -> tuple[ModelId, ...]:
    view = settings.view
    chain = view.proxy.value("fallback")
    if chain is None and view.defaults.value("model_fallback") is True:
        chain = view.defaults.value("fallback")
    return tuple(m for m in _models(chain or (), catalog, providers) if m != model)


def _models(items, catalog: Catalog, providers: tuple[str, ...]) -> tuple[ModelId, ...]:
    out: list[ModelId] = []
    for raw in items:
        ref = interpret(raw, Dialect.GENERIC, catalog, providers)
        usable = ref.kind is RefKind.MODEL and ref.model is not None and ref.model.provider in providers
        if usable and ref.model not in out:
            out.append(ref.model)
    return tuple(out)
