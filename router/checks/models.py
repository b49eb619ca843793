"""Rules for model ids and run parameters: valid ids, known providers and models, dialect fit."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from promptls.router.base.findings import Edit, Finding, Fix, Severity
from promptls.router.base.source import Span
from promptls.router.checks.context import PromptContext, replace_value_fix
from promptls.router.models.modelid import (
    CLAUDE_ALIASES,
    ModelId,
    ModelRef,
    RefKind,
    SyntaxProblem,
    interpret,
    native_spelling,
)
from promptls.router.models.nearest import nearest_models
from promptls.router.prompts.dialects import Dialect
from promptls.router.prompts.frontmatter import Entry
from promptls.router.prompts.keyspec import DOTPROMPT_CONFIG_PARAMS, PARAMETER_KEYS
from promptls.router.prompts.params import bounds_problem, type_problem
from promptls.router.resolution.resolve import is_local_provider
from promptls.router.rules.models import (
    BadFallbackModel,
    DeprecatedModel,
    InvalidModelId,
    ModelNotNativeToDialect,
    ParameterOutOfRange,
    UndefinedProfile,
    UnknownModel,
    UnknownProvider,
)
from promptls.router.rules.registry import Rule

if TYPE_CHECKING:
    import datetime

    from promptls.router.models.catalog import Catalog


Fixer = Callable[[str, str], Fix]


def entry_fixer(path: str, entry: Entry) -> Fixer:
    """Replace a frontmatter value, keeping its quotes."""
    return lambda new, title: replace_value_fix(path, entry, new, title)


def quoted_fixer(path: str, span: Span, text: str) -> Fixer | None:
    """Replace a quoted TOML/YAML string at `span` (None when the span holds no quoted string)."""
    written = text[span.start : span.end]
    if len(written) < 2 or written[0] not in "\"'" or written[-1] != written[0]:
        return None
    quote = written[0]
    return lambda new, title: Fix(title, (Edit(path, span, f"{quote}{new}{quote}"),), safe=True)


def check_model(ctx: PromptContext) -> Iterator[Finding]:
    entry = ctx.prompt.get("model")
    if entry is None or ctx.prompt.dialect is Dialect.PROMPTY:  # Prompty's model: checks.prompty
        return
    providers = _providers(ctx)
    if isinstance(entry.value, list) and ctx.prompt.dialect.is_copilot:
        for item in entry.items:
            if isinstance(item.value, str):
                yield from model_value_findings(
                    ctx.catalog,
                    ctx.path,
                    item.span,
                    item.value,
                    ctx.prompt.dialect,
                    providers,
                    ctx.today,
                    fixer=quoted_fixer(ctx.path, item.span, ctx.prompt.text),
                    declared=_declared(ctx),
                    in_list=True,
                )
        return
    if not isinstance(entry.value, str):
        return
    yield from model_value_findings(
        ctx.catalog,
        ctx.path,
        entry.value_span,
        entry.value,
        ctx.prompt.dialect,
        providers,
        ctx.today,
        fixer=entry_fixer(ctx.path, entry),
        declared=_declared(ctx),
        prompt_name=ctx.prompt.name,
    )


def _providers(ctx: PromptContext) -> tuple[str, ...]:
    from promptls.router.resolution.resolve import known_providers

    return known_providers(ctx.resolution.settings)


def _declared(ctx: PromptContext) -> dict[str, Any]:
    from promptls.router.resolution.resolve import declared_providers

    return declared_providers(ctx.resolution.settings)


def model_value_findings(
    catalog: Catalog,
    path: str,
    span: Span,
    raw: str,
    dialect: Dialect,
    providers: tuple[str, ...],
    today: datetime.date,
    *,
    fixer: Fixer | None = None,
    declared: dict[str, Any] | None = None,
    prompt_name: str | None = None,
    rule: type[Rule] | None = None,
    suggest: bool = True,
    in_list: bool = False,
) -> Iterator[Finding]:
    """Findings for one model value, wherever it is written (frontmatter, settings, fallback).

    `fixer(new_value, title)` makes the edit that writes another model in its place. Without
    `suggest`, no "did you mean" is searched for (the catalog search costs ~1 ms a value). `in_list`:
    an entry of a Copilot file's prioritized model list.
    """
    ref = interpret(raw, dialect, catalog, providers)
    if dialect.is_copilot and rule is None:
        # here, not at the top: Copilot's model list is read only for Copilot files
        from promptls.router.checks.copilot_models import copilot_value_findings, is_picker_value

        picker = is_picker_value(raw)
    else:
        picker = False
    if picker:
        # Copilot reads this value: what matters is Copilot's own model list, not the APIs'.
        yield from copilot_value_findings(catalog, path, span, raw, ref, today, fixer, suggest, in_list)
        return
    if ref.kind in (RefKind.DEFAULT, RefKind.INHERIT):
        return
    invalid_rule = rule or InvalidModelId
    if ref.kind is RefKind.INVALID or ref.model is None:
        yield _invalid(catalog, path, span, raw, ref, dialect, invalid_rule, fixer, suggest)
        return
    model = ref.model
    if model.provider not in providers:
        yield _unknown_provider(path, span, raw, model, providers, rule, fixer)
        return
    info = catalog.get(str(model))
    local = is_local_provider(model.provider, declared or {})
    if info is None and not local and model.provider not in (declared or {}):
        yield _unknown_model(catalog, path, span, raw, model, dialect, rule, fixer, suggest)
    if not ref.native and rule is None:
        yield _not_native(path, span, raw, model, dialect, fixer, prompt_name)
    if info is not None and info.deprecation_date:
        yield _deprecated(catalog, path, span, model, ref, info.deprecation_date, today, fixer, rule)


def _deprecated(
    catalog: Catalog,
    path: str,
    span: Span,
    model: ModelId,
    ref: ModelRef,
    date: str,
    today: datetime.date,
    fixer: Fixer | None,
    rule: type[Rule] | None,
) -> Finding:
    """Retired models fail every run (an error); ones with a retirement date ahead warn."""
    import datetime as dt

    try:
        days = (dt.date.fromisoformat(date) - today).days
    except ValueError:
        days = 0
    if days <= 0:
        message = f"`{model}` was retired on {date}: every run on it fails"
        severity = Severity.ERROR
    else:
        message = f"`{model}` is deprecated and retires on {date} (in {days} days)"
        severity = Severity.WARNING
    replacement = catalog.replacement_for(str(model))
    fix = None
    if replacement:
        message += f"; switch to `{replacement}`"
        if fixer is not None and ref.via is None:
            fix = fixer(replacement, f"Switch to `{replacement}`")
    if rule is not None:
        severity = Severity.WARNING
    return (rule or DeprecatedModel).finding(path, span, message, fix=fix, severity=severity)


def _suggestion_fix(fixer: Fixer | None, suggestion: str) -> Fix | None:
    return None if fixer is None else fixer(suggestion, f"Change to `{suggestion}`")


def _invalid(
    catalog: Catalog,
    path: str,
    span: Span,
    raw: str,
    ref: ModelRef,
    dialect: Dialect,
    rule: type[Rule],
    fixer: Fixer | None,
    suggest: bool,
) -> Finding:
    text = raw.strip()
    problem = ref.problem
    suggestions: list[str] = []
    if problem is SyntaxProblem.NO_PROVIDER and text and suggest:
        suggestions = nearest_models(text, dialect, catalog)
    claude_alias = not dialect.is_claude and _claude_alias_target(text, catalog)
    if claude_alias:
        suggestions = [claude_alias]  # what Claude Code would run, as an id any prompt file takes
    harness = _harness_spelling(text, catalog) if dialect is Dialect.GENERIC else None
    if harness is not None and harness[2]:
        suggestions = [harness[2]]
    what = {
        SyntaxProblem.EMPTY: "the model is empty",
        SyntaxProblem.WHITESPACE: f"`{text}` contains spaces",
        SyntaxProblem.NO_PROVIDER: f"`{text}` has no provider",
        SyntaxProblem.NO_NAME: f"`{text}` has no model name after the provider",
        SyntaxProblem.BAD_PROVIDER: f"`{text}` has an invalid provider name",
        SyntaxProblem.BAD_NAME: f"`{text}` has an empty path segment",
    }.get(problem or SyntaxProblem.EMPTY, f"`{text}` is not a model id")
    expected = "write `provider/name`, e.g. `openai/gpt-4o` or `ollama/llama3.2:3b`"
    if dialect.is_claude:
        expected = (
            f"write {', '.join(f'`{a}`' for a in CLAUDE_ALIASES)}, `inherit`, a `claude-…` id "
            "or `provider/name`"
        )
    elif dialect.is_copilot:
        expected = "write a name from Copilot's model picker (`GPT-4o`, `Claude Sonnet 4`) or `provider/name`"
    if claude_alias:
        loads = "reads no model from a rule" if dialect is Dialect.CLAUDE_RULE else "does not load this file"
        what = f"`{text}` is a Claude Code alias, but Claude Code {loads}"
    if harness is not None:
        # An agent collection kept outside .claude/agents or .github/agents (a template library, an
        # installer's sources): its harness reads it once copied into place, so this is no error of
        # the file, only promptls does not know what it is.
        tool, mapped, _ = harness
        if not claude_alias:
            what = f"`{text}` is how {tool} writes a model, but {tool} does not load this file"
        kind = "agent" if mapped.endswith("agent") else "file"
        expected = (
            f"if it is a {tool} {kind} kept elsewhere, map its folder to `{mapped}` under [dialects] in "
            "promptls.toml; else write `provider/name`"
        )
    message = f"{what}: {expected}"
    fix = None
    if suggestions:
        message += f"; did you mean `{suggestions[0]}`?"
        fix = _suggestion_fix(fixer, suggestions[0])
        if fix is not None and (claude_alias or harness):
            fix = fix._replace(safe=False)  # the file may be meant as an agent its harness does not find
    severity = None if rule is InvalidModelId and harness is None else Severity.WARNING
    return rule.finding(path, span, message, fix=fix, severity=severity)


def _harness_spelling(text: str, catalog: Catalog) -> tuple[str, str, str | None] | None:
    """When a generic file's model is written as Claude Code or Copilot writes one (`sonnet`,
    `inherit`, `claude-sonnet-4-5`, `Claude Sonnet 4.5 (copilot)`, `Auto`): the harness, the dialect to
    map such files to, and the promptls id it names (None for `inherit` and `Auto`)."""
    # A bare id (`gpt-4o`, `claude-sonnet-4-5`) is as likely a promptls id missing its provider: only
    # the spellings no promptls id can have count (an alias, `inherit`, a picker name with spaces).
    if text == "inherit":
        return "Claude Code", Dialect.CLAUDE_AGENT.value, None
    alias = _claude_alias_target(text, catalog)
    if alias:
        return "Claude Code", Dialect.CLAUDE_AGENT.value, alias
    if " " not in text and text.lower() != "auto":
        return None
    copilot = interpret(text, Dialect.COPILOT_AGENT, catalog)
    if copilot.kind is RefKind.DEFAULT or (copilot.via or "").startswith("Copilot"):
        return "Copilot", Dialect.COPILOT_AGENT.value, str(copilot.model) if copilot.model else None
    return None


def _claude_alias_target(text: str, catalog: Catalog) -> str | None:
    """The id Claude Code's alias `text` (`sonnet`, `opus[1m]`) names, if it is one."""
    if text.removesuffix("[1m]") not in (*CLAUDE_ALIASES, "opusplan"):
        return None
    model = interpret(text, Dialect.CLAUDE_AGENT, catalog).model
    return str(model) if model is not None else None


def _unknown_provider(
    path: str,
    span: Span,
    raw: str,
    model: ModelId,
    providers: tuple[str, ...],
    rule: type[Rule] | None,
    fixer: Fixer | None,
) -> Finding:
    import difflib

    close = difflib.get_close_matches(model.provider, providers, n=1, cutoff=0.6)
    message = f"unknown provider `{model.provider}` in `{raw.strip()}`"
    fix = None
    if close:
        fixed = f"{close[0]}/{model.name}"
        message += f"; did you mean `{fixed}`?"
        fix = _suggestion_fix(fixer, fixed)
    else:
        message += (
            f"; use one of {', '.join(providers)}, or declare "
            f'[providers.{model.provider}] base_url = "http://..." in promptls.toml'
        )
    return (rule or UnknownProvider).finding(
        path, span, message, fix=fix, severity=None if rule is None else Severity.WARNING
    )


def _unknown_model(
    catalog: Catalog,
    path: str,
    span: Span,
    raw: str,
    model: ModelId,
    dialect: Dialect,
    rule: type[Rule] | None,
    fixer: Fixer | None,
    suggest: bool,
) -> Finding:
    written = raw.strip()
    suggestions = nearest_models(written, dialect, catalog, model=model) if suggest else []
    message = f"`{model}` is not in the model catalog"
    fix = None
    if suggestions:
        message += f"; did you mean `{suggestions[0]}`?"
        if len(suggestions) > 1:
            message += f" (or {', '.join(f'`{s}`' for s in suggestions[1:])})"
        # A Copilot name read as an id gets ids back: a quick fix would write what Copilot cannot read.
        if written == str(model) or interpret(suggestions[0], dialect, catalog).native:
            fix = _suggestion_fix(fixer, suggestions[0])
    else:
        message += f"; list known ones with `promptls models --provider {model.provider}`"
    return (rule or UnknownModel).finding(path, span, message, fix=fix)


def _not_native(
    path: str,
    span: Span,
    raw: str,
    model: ModelId,
    dialect: Dialect,
    fixer: Fixer | None,
    prompt_name: str | None,
) -> Finding:
    native = native_spelling(model, dialect)
    table = dialect.assignment_table
    fix = None
    if native and native != raw.strip():
        message = f"{_tool(dialect)} writes this model as `{native}`"
        if fixer is not None:
            fix = fixer(native, f"Change to `{native}`")
    else:
        message = f"{_tool(dialect)} cannot run `{model}`; only promptls can"
        if table and prompt_name:
            message += (
                f": keep the file valid for {_tool(dialect)} and assign the model in "
                f'promptls.toml as [{table}.{prompt_name}] model = "{model}"'
            )
    return ModelNotNativeToDialect.finding(path, span, message, fix=fix)


def _tool(dialect: Dialect) -> str:
    if dialect.is_claude:
        return "Claude Code"
    if dialect.is_copilot:
        return "Copilot"
    if dialect is Dialect.DOTPROMPT:
        return "Genkit"
    return "the tool"


SUGGESTED_FALLBACKS = 20
"""Fallback entries that get a "did you mean": the catalog search costs ~1 ms a value, seconds for a
list of thousands (a generated or hostile file); real chains are far shorter."""


def check_fallback(ctx: PromptContext) -> Iterator[Finding]:
    entry = ctx.prompt.get("fallback")
    if entry is None or not isinstance(entry.value, list):
        return
    providers = _providers(ctx)
    for index, item in enumerate(entry.items):
        if not isinstance(item.value, str):
            yield BadFallbackModel.finding(
                ctx.path, item.span, f"fallback entries must be model ids, not {item.value!r}"
            )
            continue
        yield from model_value_findings(
            ctx.catalog,
            ctx.path,
            item.span,
            item.value,
            ctx.prompt.dialect,  # read as resolution reads it: `sonnet` in a Claude agent's fallback
            providers,
            ctx.today,
            fixer=quoted_fixer(ctx.path, item.span, ctx.prompt.text) or _plain_fixer(ctx, item),
            declared=_declared(ctx),
            rule=BadFallbackModel,
            suggest=index < SUGGESTED_FALLBACKS,
        )


def _plain_fixer(ctx: PromptContext, item: Any) -> Fixer:
    return lambda new, title: Fix(title, (Edit(ctx.path, item.span, new),), safe=True)


def check_params(ctx: PromptContext) -> Iterator[Finding]:
    """Frontmatter parameters: type, the key's range, and the resolved model's limits."""
    from promptls.router.checks.keys import WrongType

    info = ctx.resolution.info
    for key, entry in _param_entries(ctx):
        value = entry.value
        problem = type_problem(key, value)
        if problem:
            if entry.key in DOTPROMPT_CONFIG_PARAMS or entry is not ctx.prompt.get(entry.key):  # nested
                yield WrongType.finding(ctx.path, entry.value_span, problem)
            continue
        problem = bounds_problem(key, value)
        if problem is None and info is not None:
            problem = _model_limit(key, value, info, ctx.resolution.model)
        if problem:
            yield ParameterOutOfRange.finding(ctx.path, entry.value_span, problem)


def _param_entries(ctx: PromptContext) -> Iterator[tuple[str, Entry]]:
    prompt = ctx.prompt
    entries = prompt.by_key  # the parameter keys are many, a file's keys few: one dict look-up each
    for key in PARAMETER_KEYS:
        entry = entries.get(key)
        if entry is not None:
            yield key, entry
    if prompt.dialect is Dialect.DOTPROMPT:
        config = prompt.get("config")
        if config is not None:
            for child in config.children:
                key = DOTPROMPT_CONFIG_PARAMS.get(child.key)
                if key:
                    yield key, child
    elif prompt.dialect is Dialect.PROMPTY:
        from promptls.router.prompts.prompty import parameter_entries

        for key, child, _ in parameter_entries(prompt):
            yield key, child


def _model_limit(key: str, value: Any, info: Any, model: ModelId | None) -> str | None:
    if key == "max_tokens" and info.max_output and value > info.max_output:
        return (
            f"`max_tokens` is {value:,} but `{model}` writes at most {info.max_output:,} "
            f"tokens; use {info.max_output:,} or less"
        )
    if key == "temperature" and model is not None and model.provider == "anthropic" and value > 1:
        return f"Anthropic models take `temperature` from 0 to 1, not {value:g}"
    return None


def check_profile(ctx: PromptContext) -> Iterator[Finding]:
    from promptls.router.models.profiles import BUILTIN_PROFILES

    view = ctx.resolution.settings.view
    for key, written, builtin in (("profile", view.profiles, BUILTIN_PROFILES), ("tier", view.tiers, {})):
        entry = ctx.prompt.get(key)
        if entry is None or not isinstance(entry.value, str):
            continue
        name = entry.value
        defined = set(written) | set(builtin)
        if name in defined:
            continue
        import difflib

        close = difflib.get_close_matches(name, sorted(defined), n=1, cutoff=0.6)
        if close:
            message = f"{key} `{name}` is not defined; did you mean `{close[0]}`?"
            fix = replace_value_fix(ctx.path, entry, close[0], f"Change to `{close[0]}`")
        else:
            where = f"[profiles.{name}]" if key == "profile" else f'[tiers] {name} = "provider/model"'
            message = f"{key} `{name}` is not defined: add {where} to promptls.toml"
            fix = None
        yield UndefinedProfile.finding(ctx.path, entry.value_span, message, fix=fix)
