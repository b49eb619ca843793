"""The model values completion offers after `model:`: Claude Code's aliases or Copilot's picker names,
`default`, then model ids best first (`router.editor.ranking`), each with its facts. What depends only
on the catalog is built once per catalog (`Catalog.memo`)."""

from __future__ import annotations

import datetime
from collections.abc import Collection, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from promptls.router.editor import ranking
from promptls.router.editor.hover import model_detail, model_markdown
from promptls.router.models.catalog import recency_key
from promptls.router.models.copilot import AUTO, CopilotModel, copilot_models
from promptls.router.models.modelid import (
    CLAUDE_ALIASES,
    ModelId,
    interpret,
    native_spelling,
    parse_model_id,
)
from promptls.router.prompts.dialects import Dialect
from promptls.router.prompts.frontmatter import PromptFile

if TYPE_CHECKING:
    from promptls.router.models.catalog import Catalog
    from promptls.router.settings.discover import ProjectSettings


from promptls.router.editor.options import Option


def model_options(
    prompt: PromptFile,
    catalog: Catalog,
    settings: ProjectSettings,
    in_list: bool,
    spelling: Dialect,
    keyed: Collection[str],
    today: datetime.date,
    installed: Sequence[str] = (),
) -> list[Option]:
    """Aliases (Claude dialects) or Copilot's picker names, `default`, then model ids best first."""
    options: list[Option] = []
    if spelling.is_copilot:
        options += _picker_options(catalog, today)
    if prompt.dialect.is_claude:
        options += _alias_options(catalog)
        if not in_list:
            options.append(_inherit_option(settings))
    if not in_list:
        options.append(_default_option(settings))
    return options + ranked_models(prompt, catalog, settings, spelling, keyed, today, installed)


def ranked_models(
    prompt: PromptFile,
    catalog: Catalog,
    settings: ProjectSettings,
    spelling: Dialect,
    keyed: Collection[str],
    today: datetime.date,
    installed: Sequence[str] = (),
) -> list[Option]:
    """Every catalog id, the settings' `[models."id"]` and the `NAME/` of each declared provider, best
    first (`router.editor.ranking`), each written as `spelling`'s tool writes it where it can."""
    declared = settings.view.provider_values
    used = _used_models(prompt, settings, catalog)
    stubs = {f"{name}/".lower(): _provider_stub(name, table) for name, table in declared.items()}
    preferred = dict.fromkeys([*(m.split("/", 1)[0] for m in used), *declared, *sorted(keyed)])
    first = ranking.front(
        catalog,
        today,
        first=("anthropic",) if spelling.is_claude else (),
        # installed local models right after the ones in use, then a declared provider's `NAME/`
        used=[*used, *installed, *(stub.label for stub in stubs.values())],
        preferred=list(preferred),
    )
    known = _catalog_options(catalog)
    native = _native_options(catalog, spelling)
    facts = _settings_facts(settings, catalog, declared)
    options = []
    for model_id in first:
        key = model_id.lower()
        option = stubs.get(key)
        if option is None:
            found = facts.get(key)
            if found is not None:
                option = _respelled(found, spelling)
            else:
                option = native.get(key) or known.get(key) or _unlisted(model_id, settings, catalog, spelling)
        options.append(option)
    placed = {model_id.lower() for model_id in first}
    rest = [o for key, o in _ordered_options(catalog, today, spelling) if key not in placed]
    if facts:
        rest = [_respelled(facts[o.model.lower()], spelling) if o.model.lower() in facts else o for o in rest]
    return options + rest


_COPILOT_MAJOR = ("OpenAI", "Anthropic", "Google")
"""The providers whose models Copilot's picker names take turns first; the others' follow."""


def _picker_options(catalog: Catalog, today: datetime.date) -> list[Option]:
    """`Auto`, then the names Copilot's model picker offers (`models.copilot`: Copilot's own list, not
    the APIs'), newest first, the providers taking turns (OpenAI, Anthropic, Google, the others)."""

    def build() -> list[Option]:
        known = _catalog_options(catalog)
        by_provider: dict[str, list[CopilotModel]] = {}
        for model in copilot_models().models:
            if model.offered:
                by_provider.setdefault(model.provider, []).append(model)
        lists = {
            provider: [m.name for m in sorted(found, key=lambda m: recency_key(m.name), reverse=True)]
            for provider, found in by_provider.items()
        }
        major = [lists.pop(p) for p in _COPILOT_MAJOR if p in lists]
        entries = {m.name: m for found in by_provider.values() for m in found}
        options = [_auto_option()]
        for name in ranking.take_turns(major) + ranking.take_turns(list(lists.values())):
            model = entries[name]
            if model.model is None:
                options.append(_copilot_only_option(model))
                continue
            option = known.get(model.model.lower()) or _model_option(catalog.lookup(model.model))
            options.append(option._replace(label=name, insert_text=name))
        return options

    return catalog.memo(("complete", "copilot-picker", today), build)


def _auto_option() -> Option:
    return Option(
        AUTO,
        "model",
        "Copilot picks the model for each request · promptls runs the default",
        f"Copilot's `Auto`: {copilot_models().auto_about}. promptls runs the prompt on the default model "
        "from settings (`[defaults] model`).",
        AUTO,
        False,
        "",
    )


def _copilot_only_option(model: CopilotModel) -> Option:
    doc = (
        f"`{model.name}` ({model.provider}): a model only Copilot runs (no provider API serves it); "
        "promptls runs the prompt on the default model from settings."
    )
    return Option(model.name, "model", f"{model.provider} · only in Copilot", doc, model.name, False, "")


def _ordered_options(catalog: Catalog, today: datetime.date, spelling: Dialect) -> list[tuple[str, Option]]:
    """Every catalog model in the catalog's own order (`ranking.Ranking.order`) as `spelling` writes
    it, with its lower-cased id: built once per catalog, day and spelling."""
    kind = "claude" if spelling.is_claude else "dotprompt" if spelling is Dialect.DOTPROMPT else "generic"

    def build() -> list[tuple[str, Option]]:
        known = _catalog_options(catalog)
        native = _native_options(catalog, spelling)
        keys = [model_id.lower() for model_id in ranking.ranking(catalog, today).order]
        return [(key, native.get(key) or known[key]) for key in keys]

    return catalog.memo(("complete", "ordered-models", today, kind), build)


def _used_models(prompt: PromptFile, settings: ProjectSettings, catalog: Catalog) -> list[str]:
    """The model ids the project already names: its settings' (the default first), then this file's
    own; not those the catalog says are deprecated (they stay at the end of the list)."""
    view = settings.view
    tables = [view.defaults]
    for section in (view.agents, view.commands, view.skills, view.prompts, view.profiles):
        tables += section.values()
    written: list[str] = []
    for table in tables:
        written += _strings(table.value("model"))
        written += _strings(table.value("fallback"))
    written += [tier.value for tier in view.tiers.values() if isinstance(tier.value, str)]
    written += list(view.models)
    ids = [str(model) for model in map(parse_model_id, written) if model is not None]
    for key, dialect in (("model", prompt.dialect), ("fallback", Dialect.GENERIC)):
        entry = prompt.get(key)
        for raw in _strings(entry.value) if entry is not None else ():
            model = interpret(raw, dialect, catalog).model
            if model is not None:
                ids.append(str(model))
    found: dict[str, str] = {}
    for model_id in ids:
        info = catalog.get(model_id)
        if info is None or not info.deprecation_date:
            found.setdefault(model_id.lower(), info.id if info else model_id)
    return list(found.values())


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, (list, tuple)):
        return [item for item in value if isinstance(item, str)]
    return []


def _catalog_options(catalog: Catalog) -> dict[str, Option]:
    """Every catalog model as an option with its facts, by lower-cased id."""
    return catalog.memo(
        ("complete", "model-options"), lambda: {m.id.lower(): _model_option(m) for m in catalog.search()}
    )


def _native_options(catalog: Catalog, dialect: Dialect) -> dict[str, Option]:
    """The catalog's models that `dialect`'s tool writes otherwise (`claude-opus-4-5` in Claude files,
    `googleai/gemini-2.5-pro` in Dotprompt ones), by lower-cased promptls id."""
    if not (dialect.is_claude or dialect is Dialect.DOTPROMPT):
        return {}
    kind = "claude" if dialect.is_claude else "dotprompt"

    def build() -> dict[str, Option]:
        found = {}
        for key, option in _catalog_options(catalog).items():
            respelled = _respelled(option, dialect)
            if respelled is not option:
                found[key] = respelled
        return found

    return catalog.memo(("complete", "native-models", kind), build)


def _respelled(option: Option, dialect: Dialect) -> Option:
    """`option` labelled as `dialect`'s tool writes its model (itself when that is the promptls id)."""
    model = parse_model_id(option.model or "")
    native = native_spelling(model, dialect) if model is not None else None
    if native is None or native == option.label:
        return option
    return option._replace(label=native, insert_text=native)


def _model_option(info, label: str | None = None) -> Option:  # info: ModelInfo
    label = label or info.id
    return Option(
        label,
        "model",
        model_detail(info),
        model_markdown(info),
        label,
        bool(info.deprecation_date),
        "",
        info.id,
    )


def _unlisted(model_id: str, settings: ProjectSettings, catalog: Catalog, spelling: Dialect) -> Option:
    """A model the project names that the catalog does not list (a declared provider's, say)."""
    from promptls.router.resolution.resolve import model_info

    model = parse_model_id(model_id) or ModelId("", model_id)
    return _respelled(_model_option(model_info(model, settings, catalog), model_id), spelling)


def _alias_options(catalog: Catalog) -> list[Option]:
    today = datetime.date.today()
    return catalog.memo(("complete", "claude-aliases", today), lambda: _build_aliases(catalog))


_ALIAS_ABOUT = {
    "best": "Fable where the organization has it, else the newest Opus",
    "opusplan": "Opus in plan mode, Sonnet otherwise",
}
"""What an alias that names no family means (the others: the newest model of their family)."""


def _build_aliases(catalog: Catalog) -> list[Option]:
    """Claude Code's aliases and `opusplan`, each with the model promptls runs for it."""
    options = []
    for index, alias in enumerate((*CLAUDE_ALIASES, "opusplan")):
        ref = interpret(alias, Dialect.CLAUDE_AGENT, catalog)
        about = _ALIAS_ABOUT.get(alias, f"the newest {alias.capitalize()} model")
        if ref.model is None:
            detail, doc, deprecated = "no Claude model of this family in the catalog", None, False
        else:
            info = catalog.lookup(str(ref.model))
            detail = f"→ {ref.model} · {model_detail(info)}"
            doc = f"Claude Code alias `{alias}`: {about}, now `{ref.model}`.\n\n{model_markdown(info)}"
            deprecated = bool(info.deprecation_date)
        target = str(ref.model) if ref.model is not None else None
        options.append(Option(alias, "model", detail, doc, alias, deprecated, f"0{index}", target))
    return options


def _settings_default(settings: ProjectSettings) -> tuple[str, str] | None:
    """The settings' default model and the name of the file that sets it."""
    import os

    setting = settings.view.defaults.setting("model")
    if setting is None or setting.source.path is None:
        return None
    return setting.value, os.path.basename(setting.source.path)


def _inherit_option(settings: ProjectSettings) -> Option:
    default = _settings_default(settings)
    target = f"{default[0]} from {default[1]}" if default else "none is set"
    return Option(
        "inherit",
        "model",
        f"→ the default model ({target})",
        "Claude Code's `inherit`: the main conversation's model. promptls runs the prompt on the "
        "default model from settings (`[defaults] model`).",
        "inherit",
        False,
        "09",
    )


def _default_option(settings: ProjectSettings) -> Option:
    default = _settings_default(settings)
    detail = f"→ {default[0]} (from {default[1]})" if default else "→ the settings' default (none is set)"
    return Option(
        "default",
        "model",
        detail,
        "`default`: the model of `[defaults] model` in promptls.toml (the nearest settings layer wins).",
        "default",
        False,
        "1",
    )


def _provider_stub(name: str, table: Mapping[str, Any]) -> Option:
    url = table.get("base_url")
    detail = f"provider {name}" + (f" · {url}" if isinstance(url, str) else "")
    doc = f"A provider declared in settings (`[providers.{name}]`): type the model's name after `{name}/`."
    return Option(f"{name}/", "model", detail, doc, f"{name}/", False, "")


def _settings_facts(
    settings: ProjectSettings, catalog: Catalog, declared: Mapping[str, Mapping[str, Any]]
) -> dict[str, Option]:
    """Each `[models."id"]` of the settings as an option with its facts, by lower-cased id."""
    models = settings.view.models
    if not models:
        return {}
    from promptls.router.resolution.resolve import model_info

    options: dict[str, Option] = {}
    for model_id in models:
        parsed = parse_model_id(model_id)
        if parsed is not None and model_id.lower() not in options:
            options[model_id.lower()] = _model_option(
                model_info(parsed, settings, catalog, declared), model_id
            )
    return options
