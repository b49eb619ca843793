"""Completion in a prompt file's frontmatter: keys, model ids, allowed values and tool names.

`complete(prompt, offset, catalog, settings)` asks `router.editor.cursor` where the cursor is (read
from the text of its line, so a frontmatter being typed completes like a valid one), then offers what
fits there.

Model ids come best first (`router.editor.ranking`): the dialect's own, the project's, a fair share
of each major provider's newest, the retired last. Each item's `sort_text` is its place in the list,
as clients sort by it rather than by the list's order.

Cheap on large files: only the cursor's line and the frontmatter are read, never the body. What
depends only on the catalog (every model with its facts, their order) is built once per catalog with
`Catalog.memo`, the keys once per dialect; a request then only orders, filters and stamps the range.
"""

from __future__ import annotations

import datetime
from collections.abc import Collection, Iterable, Mapping, Sequence
from functools import cache
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

from promptls.router.base.source import Span
from promptls.router.editor import ranking
from promptls.router.editor.cursor import TOP_KEYS, CursorContext, cursor_context, frontmatter_region
from promptls.router.editor.hover import key_markdown, model_detail, model_markdown
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
from promptls.router.prompts.keyspec import Kind, keys_for

if TYPE_CHECKING:
    from promptls.router.models.catalog import Catalog
    from promptls.router.settings.discover import ProjectSettings


class Completion(NamedTuple):
    label: str
    kind: str
    """"model", "key" or "value"."""
    detail: str | None
    """For models: `context 128,000 · $2.5/$10 per 1M`, `local · free`, `price unknown`, with
    `deprecated DATE` appended when the model has a deprecation date."""
    documentation: str | None
    """Markdown: a key's doc with its type and allowed values; a model's facts."""
    insert_text: str
    """What to insert: `name: ` for a key (just `name` when a `:` follows already), the value."""
    replace: Span
    """The range the completion replaces: the partial word under the cursor, possibly empty."""
    deprecated: bool = False
    sort_text: str | None = None
    """The item's place in the list (`0000`, `0001`, ...): required keys, the dialect's keys,
    promptls's; dialect aliases, `default`, then model ids best first (`router.editor.ranking`)."""
    model: str | None = None
    """The model id an item stands for (`anthropic/claude-opus-4-5` for `claude-opus-4-5`, the target
    of an alias), for a front end that fetches a model's facts later."""


class _Option(NamedTuple):
    """A completion without its range: what can be built once and reused."""

    label: str
    kind: str
    detail: str | None
    documentation: str | None
    insert_text: str
    deprecated: bool
    sort_text: str
    model: str | None = None


def complete(
    prompt: PromptFile,
    offset: int,
    catalog: Catalog,
    settings: ProjectSettings,
    keyed: Collection[str] = (),
    today: datetime.date | None = None,
    installed: Sequence[str] = (),
) -> list[Completion]:
    """Completions at character `offset` of `prompt.text`, best first; [] outside the frontmatter.

    `keyed`: the providers that have a key (the front end knows; the core never reads keys). Their
    models come first among model ids, with those of the providers the project uses. `installed`: the
    local models on this machine (ids, as the front end last saw them), right after the models the
    prompt and its settings use.
    """
    return completion_list(prompt, offset, catalog, settings, keyed, today=today, installed=installed)[0]


def completion_list(
    prompt: PromptFile,
    offset: int,
    catalog: Catalog,
    settings: ProjectSettings,
    keyed: Collection[str] = (),
    limit: int | None = None,
    today: datetime.date | None = None,
    installed: Sequence[str] = (),
) -> tuple[list[Completion], bool]:
    """`complete`, at most `limit` items of it (the best matches of the word typed so far, see
    `narrow`), and whether any were left out: what an LSP server sends as a CompletionList. Only the
    items kept are made, so a request costs little more than the ~60 items it sends."""
    context = cursor_context(prompt, offset)
    if context is None and prompt.dialect is Dialect.PROMPTY:  # inside `model:`
        options, replace = _prompty_options(prompt, offset, catalog, settings, keyed, today, installed)
        incomplete = False
        if limit is not None:
            options, incomplete = _narrowed(options, prompt.text[replace.start : offset], limit)
        return _stamped(options, replace), incomplete
    if context is None:
        return [], False
    replace = prompt.lines.span(context.start, context.end)
    if context.key is None:
        options = _key_options(prompt, context)
    else:
        day = today or datetime.date.today()
        options = _value_options(prompt, context, catalog, settings, keyed, day, installed)
    incomplete = False
    if limit is not None:
        options, incomplete = _narrowed(options, prompt.text[context.start : offset], limit)
    return _stamped(options, replace), incomplete


def _prompty_options(
    prompt: PromptFile,
    offset: int,
    catalog: Catalog,
    settings: ProjectSettings,
    keyed: Collection[str],
    today: datetime.date | None,
    installed: Sequence[str] = (),
) -> tuple[list[_Option], Span]:
    """Keys, values and model names inside a Prompty `model:` (router.editor.prompty says which)."""
    from promptls.router.editor.prompty import nested_choices, nested_context

    context = nested_context(prompt, offset)
    if context is None:
        return [], prompt.lines.span(offset, offset)
    replace = prompt.lines.span(context.start, context.end)
    kind, choices = nested_choices(prompt, context)
    if kind == "key":
        return [
            _Option(name, "key", None, doc or None, f"{name}: ", False, f"{i:03d}")
            for i, (name, doc) in enumerate(choices)
        ], replace
    if kind == "value":
        return [_value(value, i) for i, (value, _) in enumerate(choices)], replace
    day = today or datetime.date.today()
    prefixes = tuple(f"{provider}/" for provider, _ in choices)
    ranked = _ranked_models(prompt, catalog, settings, Dialect.GENERIC, keyed, day, installed)
    # Prompty writes the model's name; its provider is a key of its own.
    return [
        o._replace(label=o.label.split("/", 1)[1], insert_text=o.label.split("/", 1)[1])
        for o in ranked
        if o.label.startswith(prefixes)
    ], replace


def _stamped(options: Iterable[_Option], replace: Span) -> list[Completion]:
    return [
        Completion(
            o.label,
            o.kind,
            o.detail,
            o.documentation,
            o.insert_text,
            replace,
            o.deprecated,
            _place(i),
            o.model,
        )
        for i, o in enumerate(options)
    ]


_PLACES: list[str] = []


def _place(index: int) -> str:
    """`0042`: an item's place as its sort text (made once: a model list has ~1,200)."""
    while len(_PLACES) <= index:
        _PLACES.append(f"{len(_PLACES):04d}")
    return _PLACES[index]


def narrow(items: list[Completion], typed: str, limit: int) -> tuple[list[Completion], bool]:
    """At most `limit` of `items` that contain `typed` (ignoring case), and whether any were left out.

    For a front end that cannot send the whole model list (about 1,200 ids with their facts) on
    every keystroke: send these marked incomplete (LSP `isIncomplete`), and the client asks again as
    the user types. Labels that start with `typed` (or whose part after a `/` does) come first; the
    order is otherwise kept, and each item's `sort_text` says its new place.
    """
    kept, incomplete = _narrowed(items, typed, limit)
    if kept is items:
        return items, False
    return [item._replace(sort_text=_place(i)) for i, item in enumerate(kept)], incomplete


_Item = TypeVar("_Item", Completion, _Option)


def _narrowed(items: list[_Item], typed: str, limit: int) -> tuple[list[_Item], bool]:
    needle = typed.strip().lower()
    if len(items) <= limit and not needle:
        return items, False
    if not needle:
        return items[:limit], True
    first: list[_Item] = []
    rest: list[_Item] = []
    slashed = f"/{needle}"
    for item in items:
        label = item.label.lower()
        if label.startswith(needle) or slashed in label:
            first.append(item)
        elif needle in label:
            rest.append(item)
    found = first + rest
    return found[:limit], len(found) > limit


# --- where the cursor is ---------------------------------------------------------------------------


def _key_options(prompt: PromptFile, context: CursorContext) -> list[_Option]:
    present = _present_keys(prompt, context.start)
    options = [o for o in _dialect_key_options(prompt.dialect) if o.label not in present]
    if context.colon_follows:
        options = [o._replace(insert_text=o.label) for o in options]
    return options


def _present_keys(prompt: PromptFile, current_line_start: int) -> set[str]:
    """Top-level keys written in the frontmatter, parsed or not; the key on the cursor's line aside."""
    present = {entry.key for entry in prompt.entries if entry.key_span.start != current_line_start}
    region = frontmatter_region(prompt)
    if region is not None:
        for match in TOP_KEYS.finditer(prompt.text, region[0], region[1] + 1):
            if match.start() != current_line_start:
                present.add(match.group(1))
    return present


@cache
def _dialect_key_options(dialect: Dialect) -> tuple[_Option, ...]:
    options = []
    for index, spec in enumerate(keys_for(dialect).values()):
        if spec.replaced_by:
            group = 3
        elif spec.required:
            group = 0
        elif not spec.promptls:
            group = 1
        else:
            group = 2
        detail = spec.kind.value + (" · required" if spec.required else "")
        if spec.replaced_by:
            detail += f" · deprecated: use {spec.replaced_by}"
        options.append(
            _Option(
                spec.name,
                "key",
                detail,
                key_markdown(spec, dialect),
                f"{spec.name}: ",
                bool(spec.replaced_by),
                f"{group}{index:03d}",
            )
        )
    return tuple(sorted(options, key=lambda o: o.sort_text))


# --- values -------------------------------------------------------------------------------------

_MODEL_KINDS = (Kind.MODEL, Kind.MODELS, Kind.MODEL_LIST)
_LIST_ONLY = (Kind.MODEL_LIST, Kind.STRING_LIST)
_COPILOT_AGENTS = ("ask", "edit", "agent")


def _value_options(
    prompt: PromptFile,
    context: CursorContext,
    catalog: Catalog,
    settings: ProjectSettings,
    keyed: Collection[str],
    today: datetime.date,
    installed: Sequence[str] = (),
) -> list[_Option]:
    key = context.key
    spec = keys_for(prompt.dialect).get(key or "")
    if spec is None:
        return []
    if spec.kind in _MODEL_KINDS:
        in_list = context.in_list or spec.kind is Kind.MODEL_LIST
        # `model:` is read by the dialect's own tool, in its spelling; promptls's own keys
        # (`fallback`) take promptls ids.
        spelling = prompt.dialect if key == "model" else Dialect.GENERIC
        options = _model_options(prompt, catalog, settings, in_list, spelling, keyed, today, installed)
    elif spec.kind in (Kind.BOOLEAN, Kind.FLAG):
        options = [_value("true", 0), _value("false", 1)]
    elif spec.allowed or spec.tools:
        options = [_value(v, i) for i, v in enumerate(spec.allowed or spec.tools)]
    elif key == "profile":
        options = [_value(name, i) for i, name in enumerate(_profile_names(settings))]
    elif key == "agent" and prompt.dialect is Dialect.COPILOT_PROMPT:
        options = [_value(v, i) for i, v in enumerate(_COPILOT_AGENTS)]
    else:
        return []
    if context.used:
        options = [o for o in options if o.label not in context.used]
    if spec.kind in _LIST_ONLY and not context.in_list:
        return [o._replace(insert_text=f"{context.prefix}[{o.insert_text}]") for o in options]
    if context.prefix:
        return [o._replace(insert_text=context.prefix + o.insert_text) for o in options]
    return options


def _value(value: str, index: int) -> _Option:
    return _Option(value, "value", None, None, value, False, f"{index:03d}")


def _profile_names(settings: ProjectSettings) -> list[str]:
    from promptls.router.models.profiles import BUILTIN_PROFILES

    return sorted({*BUILTIN_PROFILES, *settings.view.profiles})


def _model_options(
    prompt: PromptFile,
    catalog: Catalog,
    settings: ProjectSettings,
    in_list: bool,
    spelling: Dialect,
    keyed: Collection[str],
    today: datetime.date,
    installed: Sequence[str] = (),
) -> list[_Option]:
    """Aliases (Claude dialects) or Copilot's picker names, `default`, then model ids best first."""
    options: list[_Option] = []
    if spelling.is_copilot:
        options += _picker_options(catalog, today)
    if prompt.dialect.is_claude:
        options += _alias_options(catalog)
        if not in_list:
            options.append(_inherit_option(settings))
    if not in_list:
        options.append(_default_option(settings))
    return options + _ranked_models(prompt, catalog, settings, spelling, keyed, today, installed)


def model_choices(
    prompt: PromptFile,
    catalog: Catalog,
    settings: ProjectSettings,
    keyed: Collection[str] = (),
    today: datetime.date | None = None,
    installed: Sequence[str] = (),
) -> list[Completion]:
    """The model ids completion offers for `model:`, as promptls ids and without the values that are
    not models (`default`, `inherit`, Claude aliases): what an editor's "set model" picker lists."""
    today = today or datetime.date.today()
    options = _ranked_models(prompt, catalog, settings, Dialect.GENERIC, keyed, today, installed)
    return _stamped(options, prompt.lines.span(0, 0))


def _ranked_models(
    prompt: PromptFile,
    catalog: Catalog,
    settings: ProjectSettings,
    spelling: Dialect,
    keyed: Collection[str],
    today: datetime.date,
    installed: Sequence[str] = (),
) -> list[_Option]:
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


def _picker_options(catalog: Catalog, today: datetime.date) -> list[_Option]:
    """`Auto`, then the names Copilot's model picker offers (`models.copilot`: Copilot's own list, not
    the APIs'), newest first, the providers taking turns (OpenAI, Anthropic, Google, the others)."""

    def build() -> list[_Option]:
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


def _auto_option() -> _Option:
    return _Option(
        AUTO,
        "model",
        "Copilot picks the model for each request · promptls runs the default",
        f"Copilot's `Auto`: {copilot_models().auto_about}. promptls runs the prompt on the default model "
        "from settings (`[defaults] model`).",
        AUTO,
        False,
        "",
    )


def _copilot_only_option(model: CopilotModel) -> _Option:
    doc = (
        f"`{model.name}` ({model.provider}): a model only Copilot runs (no provider API serves it); "
        "promptls runs the prompt on the default model from settings."
    )
    return _Option(model.name, "model", f"{model.provider} · only in Copilot", doc, model.name, False, "")


def _ordered_options(catalog: Catalog, today: datetime.date, spelling: Dialect) -> list[tuple[str, _Option]]:
    """Every catalog model in the catalog's own order (`ranking.Ranking.order`) as `spelling` writes
    it, with its lower-cased id: built once per catalog, day and spelling."""
    kind = "claude" if spelling.is_claude else "dotprompt" if spelling is Dialect.DOTPROMPT else "generic"

    def build() -> list[tuple[str, _Option]]:
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


def _catalog_options(catalog: Catalog) -> dict[str, _Option]:
    """Every catalog model as an option with its facts, by lower-cased id."""
    return catalog.memo(
        ("complete", "model-options"), lambda: {m.id.lower(): _model_option(m) for m in catalog.search()}
    )


def _native_options(catalog: Catalog, dialect: Dialect) -> dict[str, _Option]:
    """The catalog's models that `dialect`'s tool writes otherwise (`claude-opus-4-5` in Claude files,
    `googleai/gemini-2.5-pro` in Dotprompt ones), by lower-cased promptls id."""
    if not (dialect.is_claude or dialect is Dialect.DOTPROMPT):
        return {}
    kind = "claude" if dialect.is_claude else "dotprompt"

    def build() -> dict[str, _Option]:
        found = {}
        for key, option in _catalog_options(catalog).items():
            respelled = _respelled(option, dialect)
            if respelled is not option:
                found[key] = respelled
        return found

    return catalog.memo(("complete", "native-models", kind), build)


def _respelled(option: _Option, dialect: Dialect) -> _Option:
    """`option` labelled as `dialect`'s tool writes its model (itself when that is the promptls id)."""
    model = parse_model_id(option.model or "")
    native = native_spelling(model, dialect) if model is not None else None
    if native is None or native == option.label:
        return option
    return option._replace(label=native, insert_text=native)


def _model_option(info, label: str | None = None) -> _Option:  # info: ModelInfo
    label = label or info.id
    return _Option(
        label,
        "model",
        model_detail(info),
        model_markdown(info),
        label,
        bool(info.deprecation_date),
        "",
        info.id,
    )


def _unlisted(model_id: str, settings: ProjectSettings, catalog: Catalog, spelling: Dialect) -> _Option:
    """A model the project names that the catalog does not list (a declared provider's, say)."""
    from promptls.router.resolution.resolve import model_info

    model = parse_model_id(model_id) or ModelId("", model_id)
    return _respelled(_model_option(model_info(model, settings, catalog), model_id), spelling)


def _alias_options(catalog: Catalog) -> list[_Option]:
    today = datetime.date.today()
    return catalog.memo(("complete", "claude-aliases", today), lambda: _build_aliases(catalog))


_ALIAS_ABOUT = {
    "best": "Fable where the organization has it, else the newest Opus",
    "opusplan": "Opus in plan mode, Sonnet otherwise",
}
"""What an alias that names no family means (the others: the newest model of their family)."""


def _build_aliases(catalog: Catalog) -> list[_Option]:
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
        options.append(_Option(alias, "model", detail, doc, alias, deprecated, f"0{index}", target))
    return options


def _settings_default(settings: ProjectSettings) -> tuple[str, str] | None:
    """The settings' default model and the name of the file that sets it."""
    import os

    setting = settings.view.defaults.setting("model")
    if setting is None or setting.source.path is None:
        return None
    return setting.value, os.path.basename(setting.source.path)


def _inherit_option(settings: ProjectSettings) -> _Option:
    default = _settings_default(settings)
    target = f"{default[0]} from {default[1]}" if default else "none is set"
    return _Option(
        "inherit",
        "model",
        f"→ the default model ({target})",
        "Claude Code's `inherit`: the main conversation's model. promptls runs the prompt on the "
        "default model from settings (`[defaults] model`).",
        "inherit",
        False,
        "09",
    )


def _default_option(settings: ProjectSettings) -> _Option:
    default = _settings_default(settings)
    detail = f"→ {default[0]} (from {default[1]})" if default else "→ the settings' default (none is set)"
    return _Option(
        "default",
        "model",
        detail,
        "`default`: the model of `[defaults] model` in promptls.toml (the nearest settings layer wins).",
        "default",
        False,
        "1",
    )


def _provider_stub(name: str, table: Mapping[str, Any]) -> _Option:
    url = table.get("base_url")
    detail = f"provider {name}" + (f" · {url}" if isinstance(url, str) else "")
    doc = f"A provider declared in settings (`[providers.{name}]`): type the model's name after `{name}/`."
    return _Option(f"{name}/", "model", detail, doc, f"{name}/", False, "")


def _settings_facts(
    settings: ProjectSettings, catalog: Catalog, declared: Mapping[str, Mapping[str, Any]]
) -> dict[str, _Option]:
    """Each `[models."id"]` of the settings as an option with its facts, by lower-cased id."""
    models = settings.view.models
    if not models:
        return {}
    from promptls.router.resolution.resolve import model_info

    options: dict[str, _Option] = {}
    for model_id in models:
        parsed = parse_model_id(model_id)
        if parsed is not None and model_id.lower() not in options:
            options[model_id.lower()] = _model_option(
                model_info(parsed, settings, catalog, declared), model_id
            )
    return options
