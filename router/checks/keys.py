"""Rules for frontmatter keys: known to the dialect, of the right type, with an allowed value."""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from promptls.router.base.findings import Edit, Finding, Fix, Severity
from promptls.router.checks.context import PromptContext
from promptls.router.prompts.dialects import Dialect
from promptls.router.prompts.frontmatter import Entry
from promptls.router.prompts.keyspec import KeySpec, Kind, keys_for
from promptls.router.prompts.schemas.claude import RULE_KEYS_ELSEWHERE
from promptls.router.rules.keys import (
    DeprecatedKey,
    InvalidValue,
    MissingRequiredKey,
    UnknownKey,
    ValueTooLong,
    WrongType,
)


def check_keys(ctx: PromptContext) -> Iterator[Finding]:
    prompt = ctx.prompt
    if not prompt.has_frontmatter and not prompt.problems:
        yield from _missing(ctx)
        return
    specs = keys_for(prompt.dialect)
    for entry in prompt.entries:
        spec = specs.get(entry.key)
        if spec is None:
            yield _unknown(ctx, entry, specs)
            continue
        if spec.replaced_by or spec.deprecated:
            yield _deprecated(ctx, spec, entry)
        if spec.kind in (Kind.MODEL, Kind.MODELS, Kind.MODEL_LIST):
            problem = _model_type_problem(spec, entry.value)
            if problem:
                yield WrongType.finding(ctx.path, entry.value_span, problem)
            continue
        if not _fits(spec.kind, entry.value):
            problem = type_problem(spec, entry.value)
            if problem:
                yield WrongType.finding(ctx.path, entry.value_span, problem)
            continue
        # Most keys allow any value of their type: only a key with a list, a range or a length is looked at.
        if not spec.promptls and (spec.allowed or spec.minimum is not None or spec.maximum is not None):
            yield from _allowed(ctx, spec, entry)
        if (
            spec.max_length is not None
            and isinstance(entry.value, str)
            and len(entry.value) > spec.max_length
        ):
            yield ValueTooLong.finding(
                ctx.path,
                entry.value_span,
                f"`{spec.name}` has {len(entry.value)} characters; at most {spec.max_length} are allowed",
            )
    if not prompt.problems:
        yield from _missing(ctx)


def _deprecated(ctx: PromptContext, spec: KeySpec, entry: Entry) -> Finding:
    if spec.replaced_by:
        fix = Fix(
            f"Rename `{entry.key}` to `{spec.replaced_by}`",
            (Edit(ctx.path, entry.key_span, spec.replaced_by),),
            safe=True,
        )
        return DeprecatedKey.finding(
            ctx.path, entry.key_span, f"`{entry.key}` is deprecated: use `{spec.replaced_by}`", fix=fix
        )
    # A key replaced by several: the replacement depends on the value (`infer: false` hid the agent
    # from both the picker and other agents).
    replacement = next((text for value, text in spec.rewrites if value == entry.value), None)
    fix = None
    if replacement is not None and isinstance(entry.value, bool):
        # Keys the file already sets are left as they are.
        kept = [line for line in replacement.splitlines() if ctx.prompt.get(line.split(":")[0]) is None]
        written = f"`{entry.key}: {shown_value(entry.value)}`"
        shown = ", ".join(f"`{line}`" for line in kept)
        title = f"Replace {written} with {shown}" if kept else f"Remove {written}"
        fix = Fix(
            title, (Edit(ctx.path, entry.entry_span, "".join(f"{line}\n" for line in kept)),), safe=True
        )
    return DeprecatedKey.finding(
        ctx.path, entry.key_span, f"`{entry.key}` is deprecated: {spec.deprecated}", fix=fix
    )


def _unknown(ctx: PromptContext, entry: Entry, specs: dict[str, KeySpec]) -> Finding:
    instead = RULE_KEYS_ELSEWHERE.get(entry.key) if ctx.prompt.dialect is Dialect.CLAUDE_RULE else None
    close = [instead] if instead else _close_key(entry.key, ctx.prompt.dialect)
    dialect = ctx.prompt.dialect.value
    if close and not ctx.prompt.get(close[0]):
        fix = Fix(f"Rename to `{close[0]}`", (Edit(ctx.path, entry.key_span, close[0]),), safe=True)
        return UnknownKey.finding(
            ctx.path,
            entry.key_span,
            f"unknown key `{entry.key}` for a {dialect} file; did you mean `{close[0]}`?",
            fix=fix,
        )
    advice = "remove it, or see `promptls explain PLS110` for the known keys"
    if ctx.prompt.dialect.is_skill and "metadata" not in (entry.key, *close):
        advice = "keep your own data under `metadata:`, as the Agent Skills spec says, or remove it"
    return UnknownKey.finding(
        ctx.path,
        entry.key_span,
        f"unknown key `{entry.key}` for a {dialect} file; the tool ignores it ({advice})",
        fix=Fix(f"Remove `{entry.key}`", (Edit(ctx.path, entry.entry_span, ""),)),
    )


@lru_cache(maxsize=4096)
def _close_key(key: str, dialect: Dialect) -> list[str]:
    """Did-you-mean for a key, remembered: an editor re-checks the same unknown keys per keystroke."""
    return difflib.get_close_matches(key, list(keys_for(dialect)), n=1, cutoff=0.7)


def type_problem(spec: KeySpec, value: Any) -> str | None:
    kind = spec.kind
    if _fits(kind, value):
        return None
    hint = ""
    if kind in (Kind.NUMBER, Kind.INTEGER, Kind.BOOLEAN, Kind.FLAG) and isinstance(value, str):
        hint = "; remove the quotes"
    elif kind is Kind.STRING_LIST and isinstance(value, str):
        hint = f"; write it as a list: [{value}]"
    elif kind is Kind.STRING and value is None:
        hint = "; give it a value or remove the key"
    return f"`{spec.name}` must be {_describe(kind)}, not {shown_value(value)}{hint}"


def _fits(kind: Kind, value: Any) -> bool:
    """Is `value` of `kind`? Only that kind's test runs: every frontmatter key of every file asks."""
    if kind is Kind.STRING:
        return isinstance(value, str)
    if kind is Kind.BOOLEAN:
        return isinstance(value, bool)
    if kind is Kind.FLAG:
        if isinstance(value, bool):
            return True
        if isinstance(value, int):
            return value in (0, 1)
        return isinstance(value, str) and value.lower() in _FLAG_WORDS
    if kind is Kind.INTEGER:
        return isinstance(value, int) and not isinstance(value, bool)
    if kind is Kind.NUMBER:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if kind is Kind.STRINGS:
        return isinstance(value, str) or (isinstance(value, list) and all(isinstance(v, str) for v in value))
    if kind is Kind.STRING_LIST:
        return isinstance(value, list) and all(isinstance(v, str) for v in value)
    if kind is Kind.MAPPING:
        return isinstance(value, dict)
    return True


_FLAG_WORDS = frozenset(("true", "false", "yes", "no", "on", "off", "1", "0"))
"""Claude Code: "Boolean fields accept yes, no, on, off, 1, and 0 in any letter case"."""


def _model_type_problem(spec: KeySpec, value: Any) -> str | None:
    if spec.kind is Kind.MODEL and isinstance(value, str):
        return None
    if spec.kind is Kind.MODELS and (
        isinstance(value, str) or (isinstance(value, list) and all(isinstance(v, str) for v in value))
    ):
        return None
    if spec.kind is Kind.MODEL_LIST and isinstance(value, list) and all(isinstance(v, str) for v in value):
        return None
    if spec.kind is Kind.MODEL_LIST and isinstance(value, str):
        return f"`{spec.name}` must be a list of model ids, not a string; write [{value}]"
    return f"`{spec.name}` must be {_describe(spec.kind)}, not {shown_value(value)}"


def _describe(kind: Kind) -> str:
    text = kind.value
    if text.startswith(("list", "model", "any")):
        return text
    return f"an {text}" if text.startswith(("a", "e", "i", "o", "u")) else f"a {text}"


def shown_value(value: Any) -> str:
    """A frontmatter value as a message names it: `true`, `empty`, `a list`, `the string 'x'`."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "empty"
    if isinstance(value, list | dict):
        return f"a {'list' if isinstance(value, list) else 'mapping'}"
    if isinstance(value, str):
        return f"the string {value!r}"
    return repr(value)


def _allowed(ctx: PromptContext, spec: KeySpec, entry: Entry) -> Iterator[Finding]:
    if spec.promptls:
        return  # run parameters are range-checked against the model in checks.models
    if spec.kind is Kind.STRING and spec.allowed and entry.value not in spec.allowed:
        close = difflib.get_close_matches(str(entry.value), spec.allowed, n=1, cutoff=0.6)
        lowered = {a.lower(): a for a in spec.allowed}.get(str(entry.value).lower())
        suggestion = lowered or (close[0] if close else None)
        message = f"`{spec.name}` must be one of {', '.join(spec.allowed)}, not {entry.value!r}"
        fix = None
        if suggestion:
            message += f"; did you mean `{suggestion}`?"
            fix = Fix(
                f"Change to `{suggestion}`",
                (Edit(ctx.path, entry.value_span, entry.replacement_text(suggestion)),),
                safe=True,
            )
        yield InvalidValue.finding(ctx.path, entry.value_span, message, fix=fix)
    elif spec.kind in (Kind.INTEGER, Kind.NUMBER) and (spec.minimum is not None or spec.maximum is not None):
        low, high = spec.minimum, spec.maximum
        value = entry.value
        if (low is not None and value < low) or (high is not None and value > high):
            limit = f"at least {low:g}" if high is None else f"between {low:g} and {high:g}"
            yield InvalidValue.finding(
                ctx.path, entry.value_span, f"`{spec.name}` must be {limit}, not {value!r}"
            )


@lru_cache(maxsize=16)
def _required(dialect: Dialect) -> tuple[KeySpec, ...]:
    """The dialect's required keys, looked for in every file (of dozens of keys, a few are required)."""
    return tuple(spec for spec in keys_for(dialect).values() if spec.required or spec.recommended)


def _missing(ctx: PromptContext) -> Iterator[Finding]:
    prompt = ctx.prompt
    for spec in _required(prompt.dialect):
        if prompt.get(spec.name) is not None:
            continue
        if spec.name == "name" and prompt.plugin is not None and prompt.dialect is Dialect.CLAUDE_AGENT:
            continue  # a plugin's agent loads under its file name (schemas.claude.PLUGIN_AGENT_IGNORED)
        fix = None
        if spec.name == "name":
            line = f"name: {prompt.name}\n"
            if prompt.has_frontmatter:
                at = prompt.lines.span(prompt.insertion_point(), prompt.insertion_point())
                fix = Fix(f"Add `name: {prompt.name}`", (Edit(ctx.path, at, line),))
            else:
                at = prompt.lines.span(prompt.opening.start, prompt.opening.start)
                fix = Fix(
                    f"Add frontmatter with `name: {prompt.name}`", (Edit(ctx.path, at, f"---\n{line}---\n"),)
                )
        where = "the frontmatter" if prompt.has_frontmatter else "a frontmatter block (`---` lines)"
        needs = "needs" if spec.required else "should have"
        yield MissingRequiredKey.finding(
            ctx.path,
            prompt.opening,
            f"a {prompt.dialect.value} {needs} `{spec.name}`: add it to {where} ({spec.doc.rstrip('.')})",
            fix=fix,
            severity=None if spec.required else Severity.WARNING,
        )
