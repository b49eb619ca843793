"""Checks for Prompty files (`.prompty`): the `model:` mapping of both schemas and the model it names.

The top-level keys are checked by `checks.keys` like every dialect's; this looks inside `model:`
(its keys, `provider`/`api`/`configuration.type` values, `options` names) and reads the model as
Prompty would, with each finding at the nested key's line. Run parameters under `options` or
`parameters` are checked for type and range by `checks.models.check_params`.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from typing import Any

from promptls.router.base.findings import Edit, Finding, Fix, Severity
from promptls.router.base.pathglob import path_under_root
from promptls.router.checks.context import PromptContext, replace_value_fix
from promptls.router.checks.keys import shown_value
from promptls.router.prompts import prompty
from promptls.router.prompts.dialects import Dialect
from promptls.router.prompts.frontmatter import Entry
from promptls.router.rules.keys import InvalidValue, MissingRequiredKey, UnknownKey, WrongType
from promptls.router.rules.models import ModelNotNativeToDialect, UnresolvableModel

_MAPPING_OR_REFERENCE = ("connection", "configuration", "options", "parameters")
"""Keys whose value is a mapping, or a `${file:...}` reference to one."""
_STRINGS = ("id", "provider", "apiType", "api", "response")
_TOP_SHAPES = {
    "inputs": ((list, dict), "a list of properties or a mapping"),
    "outputs": ((list, dict), "a list of properties or a mapping"),
    "tools": ((list,), "a list of tools"),
    "template": ((str, dict), "a mapping (`format`, `parser`) or an engine name"),
    "sample": ((dict, str), "a mapping of input values or a file name"),
}


def check_prompty(ctx: PromptContext) -> Iterator[Finding]:
    if ctx.prompt.dialect is not Dialect.PROMPTY:
        return
    yield from _shapes(ctx)
    if prompty.is_v2_file(ctx.prompt):
        yield from _v2_file(ctx)
    entry = ctx.prompt.get("model")
    if entry is None:
        return
    if isinstance(entry.value, dict):
        yield from _model_keys(ctx, entry)
    elif not isinstance(entry.value, str):
        yield WrongType.finding(
            ctx.path,
            entry.value_span,
            "`model` must be a model id or a mapping (`id`, `provider`, `options`, ...), "
            f"not {shown_value(entry.value)}",
        )
        return
    yield from _model(ctx)


def _shapes(ctx: PromptContext) -> Iterator[Finding]:
    for key, (types, what) in _TOP_SHAPES.items():
        entry = ctx.prompt.get(key)
        if entry is not None and entry.value is not None and not isinstance(entry.value, types):
            if isinstance(entry.value, str) and entry.value.startswith("${"):
                continue  # a `${file:...}` reference, read by Prompty's loader
            yield WrongType.finding(
                ctx.path, entry.value_span, f"`{key}` must be {what}, not {shown_value(entry.value)}"
            )


_V1_TOP_HINTS = {
    "authors": "move it under `metadata`",
    "tags": "move it under `metadata`",
    "version": "move it under `metadata`",
    "sample": "give each input an `example` instead",
    "base": "Prompty 2 has no base files",
}


def _v2_file(ctx: PromptContext) -> Iterator[Finding]:
    """What Prompty 2's loader rejects or ignores in a file written for it (migration.mdx; the loader
    of prompty 2.1.0)."""
    template = ctx.prompt.get("template")
    if template is not None and isinstance(template.value, str) and not template.value.startswith("${"):
        fix = None
        if template.value.strip() in ("jinja2", "jinja"):
            fix = Fix("Remove `template` (jinja2 is the default)", (Edit(ctx.path, template.entry_span, ""),))
        yield WrongType.finding(
            ctx.path,
            template.value_span,
            f"Prompty 2 rejects `template: {template.value}` (v1's form): write `template: {{format: "
            f"{{kind: {template.value}}}, parser: {{kind: prompty}}}}`, or leave jinja2 out (the default)",
            fix=fix,
        )
    elif template is not None and isinstance(template.value, dict):
        for part in ("format", "parser"):
            if template.child(part) is None:
                yield MissingRequiredKey.finding(
                    ctx.path,
                    template.key_span,
                    f"Prompty 2 fails to load a `template` without `{part}`: add `{part}: "
                    f"{{kind: {'jinja2' if part == 'format' else 'prompty'}}}` (or leave `template` out)",
                )
    for key, hint in _V1_TOP_HINTS.items():
        entry = ctx.prompt.get(key)
        if entry is not None:
            yield UnknownKey.finding(
                ctx.path,
                entry.key_span,
                f"`{key}` is Prompty v1's: Prompty 2 ignores it in this v2 file; {hint}",
            )


def _model_keys(ctx: PromptContext, model: Entry) -> Iterator[Finding]:
    v1 = prompty.is_v1_model(model)
    v2 = prompty.is_v2_model(model)
    for child in model.children:
        if v2 and child.key in prompty.V1_MODEL_KEYS:
            renamed = prompty.V1_MODEL_KEYS[child.key]
            fix = None
            if child.key == "api":
                fix = Fix("Rename to `apiType`", (Edit(ctx.path, child.key_span, "apiType"),))
            yield UnknownKey.finding(
                ctx.path,
                child.key_span,
                f"`model.{child.key}` is Prompty v1's: Prompty 2 ignores it beside "
                f"`{'provider' if model.child('provider') else 'apiType'}`"
                + (f"; write `{renamed}` (see Prompty's migration guide)" if renamed else ""),
                fix=fix,
            )
            continue
        if child.key not in prompty.MODEL_KEYS:
            yield _unknown(ctx, child, tuple(prompty.MODEL_KEYS), "`model`", "Prompty ignores it")
            continue
        value = child.value
        if child.key in _STRINGS and not isinstance(value, str):
            yield WrongType.finding(
                ctx.path, child.value_span, f"`model.{child.key}` must be a string, not {shown_value(value)}"
            )
            continue
        if child.key in _MAPPING_OR_REFERENCE and not (
            isinstance(value, dict) or (isinstance(value, str) and value.startswith("${"))
        ):
            yield WrongType.finding(
                ctx.path,
                child.value_span,
                f"`model.{child.key}` must be a mapping (or a `${{file:...}}` reference), "
                f"not {shown_value(value)}",
            )
            continue
        allowed = prompty.MODEL_VALUES.get(child.key)
        if allowed and value not in allowed:
            yield _invalid(
                ctx, child, f"model.{child.key}", allowed, open_set=child.key in prompty.OPEN_VALUES
            )
    configuration = prompty.child_map(model, "configuration") or prompty.child_map(model, "connection")
    kind = configuration.child("type") if configuration is not None else None
    if kind is not None and isinstance(kind.value, str) and kind.value not in prompty.CONFIGURATION_TYPES:
        yield _invalid(
            ctx, kind, f"model.{configuration.key}.type", prompty.CONFIGURATION_TYPES[:4:], open_set=True
        )
    options = prompty.child_map(model, "options")
    if options is not None and not v1:
        yield from _option_keys(ctx, options)


def _option_keys(ctx: PromptContext, options: Entry) -> Iterator[Finding]:
    known = (*prompty.OPTIONS_PARAMS, *prompty.OPTIONS_OTHER)
    for child in options.children:
        if child.key in prompty.OPTIONS_PARAMS:
            continue  # type and range: checks.models.check_params
        kind = prompty.OPTIONS_OTHER.get(child.key)
        if kind is not None:
            if not _fits(kind.value, child.value):
                yield WrongType.finding(
                    ctx.path,
                    child.value_span,
                    f"`model.options.{child.key}` must be a {kind.value}, not {shown_value(child.value)}",
                )
            continue
        renamed = prompty.V1_OPTION_NAMES.get(child.key)
        if renamed is not None:
            fix = Fix(f"Rename to `{renamed}`", (Edit(ctx.path, child.key_span, renamed),), safe=True)
            yield UnknownKey.finding(
                ctx.path,
                child.key_span,
                f"`{child.key}` is Prompty v1's name, which Prompty 2 ignores under `options`: "
                f"write `{renamed}`",
                fix=fix,
            )
            continue
        yield _unknown(
            ctx,
            child,
            known,
            "`model.options`",
            "Prompty ignores it (provider-specific options go under `additionalProperties`)",
        )


def _fits(kind: str, value: Any) -> bool:
    return isinstance(value, bool) if kind == "boolean" else isinstance(value, dict)


def _unknown(ctx: PromptContext, entry: Entry, known: tuple[str, ...], where: str, ignored: str) -> Finding:
    close = difflib.get_close_matches(entry.key, known, n=1, cutoff=0.7)
    if close:
        fix = Fix(f"Rename to `{close[0]}`", (Edit(ctx.path, entry.key_span, close[0]),), safe=True)
        return UnknownKey.finding(
            ctx.path,
            entry.key_span,
            f"unknown key `{entry.key}` in {where}; did you mean `{close[0]}`?",
            fix=fix,
        )
    return UnknownKey.finding(
        ctx.path,
        entry.key_span,
        f"unknown key `{entry.key}` in {where}: {ignored}",
        fix=Fix(f"Remove `{entry.key}`", (Edit(ctx.path, entry.entry_span, ""),)),
    )


def _invalid(
    ctx: PromptContext, entry: Entry, label: str, allowed: tuple[str, ...], *, open_set: bool
) -> Finding:
    value = str(entry.value)
    lowered = {a.lower(): a for a in allowed}.get(value.lower())
    close = difflib.get_close_matches(value, allowed, n=1, cutoff=0.6)
    suggestion = lowered or (close[0] if close else None)
    if open_set:
        message = (
            f"`{label}` `{value}` is none of Prompty's own ({', '.join(allowed)}): "
            "the run fails unless a plugin provides it"
        )
    else:
        message = f"`{label}` must be one of {', '.join(allowed)}, not {value!r}"
    fix = None
    if suggestion:
        message += f"; did you mean `{suggestion}`?"
        fix = replace_value_fix(ctx.path, entry, suggestion, f"Change to `{suggestion}`")
    return InvalidValue.finding(
        ctx.path, entry.value_span, message, fix=fix, severity=Severity.WARNING if open_set else None
    )


def _model(ctx: PromptContext) -> Iterator[Finding]:
    """The model, read as Prompty reads it: findings at the value that names it."""
    from promptls.router.checks.models import model_value_findings
    from promptls.router.resolution.resolve import declared_providers, known_providers

    read = prompty.read_model(ctx.prompt)
    if read is None:
        return
    span = read.entry.value_span
    if read.model is None:
        if ctx.resolution.model is None:
            root = ctx.resolution.settings.root
            where = (
                path_under_root(ctx.path, root)
                if root
                else f"**/{ctx.path.replace(chr(92), '/').rsplit('/', 1)[-1]}"
            )
            note = f'{read.note}; name it in promptls.toml: [prompts."{where}"] model = "provider/name"'
        else:
            note = f"{read.note}; promptls runs it on `{ctx.resolution.model}`, from {_source(ctx)}"
        yield UnresolvableModel.finding(ctx.path, span, note)
        return
    if read.label == "model" and "/" in read.written:
        yield _promptls_id(ctx, read)
    settings = ctx.resolution.settings
    provider = read.model.split("/", 1)[0]

    def fixer(new: str, title: str) -> Fix:
        # The file holds the name alone; its provider is written apart (or guessed from the name).
        name = new.split("/", 1)[1] if new.startswith(f"{provider}/") and "/" not in read.written else new
        return replace_value_fix(ctx.path, read.entry, name, title)

    for finding in model_value_findings(
        ctx.catalog,
        ctx.path,
        span,
        read.model,
        Dialect.GENERIC,
        known_providers(settings),
        ctx.today,
        fixer=fixer,
        declared=declared_providers(settings),
    ):
        if read.guessed:
            # No provider is written: the model is promptls's reading of the name, not a fact.
            finding = finding._replace(
                severity=min(finding.severity, Severity.WARNING),
                message=f"{finding.message} (no `provider` is written: promptls reads `{read.written}` "
                f"as {provider}'s)",
            )
        yield finding


def _source(ctx: PromptContext) -> str:
    candidate = ctx.resolution.model_candidate
    return candidate.source.label if candidate is not None else "the settings"


def _promptls_id(ctx: PromptContext, read: prompty.PromptyModel) -> Finding:
    provider, _, name = read.written.partition("/")
    return ModelNotNativeToDialect.finding(
        ctx.path,
        read.entry.value_span,
        f"Prompty sends `{read.written}` to its provider as the model's name; write the provider apart: "
        f"`model: {{id: {name}, provider: {provider}}}` (promptls reads either)",
    )
