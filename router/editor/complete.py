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
from collections.abc import Collection, Iterable, Sequence
from functools import cache
from typing import TYPE_CHECKING, NamedTuple, TypeVar

from promptls.router.base.source import Span
from promptls.router.editor.cursor import TOP_KEYS, CursorContext, cursor_context, frontmatter_region
from promptls.router.editor.hover import key_markdown
from promptls.router.editor.model_options import model_options, ranked_models
from promptls.router.editor.options import Option
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
) -> tuple[list[Option], Span]:
    """Keys, values and model names inside a Prompty `model:` (router.editor.prompty says which)."""
    from promptls.router.editor.prompty import nested_choices, nested_context

    context = nested_context(prompt, offset)
    if context is None:
        return [], prompt.lines.span(offset, offset)
    replace = prompt.lines.span(context.start, context.end)
    kind, choices = nested_choices(prompt, context)
    if kind == "key":
        return [
            Option(name, "key", None, doc or None, f"{name}: ", False, f"{i:03d}")
            for i, (name, doc) in enumerate(choices)
        ], replace
    if kind == "value":
        return [_value(value, i) for i, (value, _) in enumerate(choices)], replace
    day = today or datetime.date.today()
    prefixes = tuple(f"{provider}/" for provider, _ in choices)
    ranked = ranked_models(prompt, catalog, settings, Dialect.GENERIC, keyed, day, installed)
    # Prompty writes the model's name; its provider is a key of its own.
    return [
        o._replace(label=o.label.split("/", 1)[1], insert_text=o.label.split("/", 1)[1])
        for o in ranked
        if o.label.startswith(prefixes)
    ], replace


def _stamped(options: Iterable[Option], replace: Span) -> list[Completion]:
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


_Item = TypeVar("_Item", Completion, Option)


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


def _key_options(prompt: PromptFile, context: CursorContext) -> list[Option]:
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
def _dialect_key_options(dialect: Dialect) -> tuple[Option, ...]:
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
            Option(
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
) -> list[Option]:
    key = context.key
    spec = keys_for(prompt.dialect).get(key or "")
    if spec is None:
        return []
    if spec.kind in _MODEL_KINDS:
        in_list = context.in_list or spec.kind is Kind.MODEL_LIST
        # `model:` is read by the dialect's own tool, in its spelling; promptls's own keys
        # (`fallback`) take promptls ids.
        spelling = prompt.dialect if key == "model" else Dialect.GENERIC
        options = model_options(prompt, catalog, settings, in_list, spelling, keyed, today, installed)
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


def _value(value: str, index: int) -> Option:
    return Option(value, "value", None, None, value, False, f"{index:03d}")


def _profile_names(settings: ProjectSettings) -> list[str]:
    from promptls.router.models.profiles import BUILTIN_PROFILES

    return sorted({*BUILTIN_PROFILES, *settings.view.profiles})


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
    options = ranked_models(prompt, catalog, settings, Dialect.GENERIC, keyed, today, installed)
    return _stamped(options, prompt.lines.span(0, 0))
