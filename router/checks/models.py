"""Rules for model ids and run parameters: valid ids, known providers and models, dialect fit."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from router.checks.context import PromptContext, replace_value_fix
from router.dialects import Dialect
from router.findings import Edit, Finding, Fix, Severity
from router.frontmatter import Entry
from router.modelid import (
    CLAUDE_ALIASES,
    ModelId,
    ModelRef,
    RefKind,
    SyntaxProblem,
    interpret,
    native_spelling,
)
from router.params import bounds_problem, type_problem
from router.resolve import is_local_provider
from router.rules import Rule
from router.schema import DOTPROMPT_CONFIG_PARAMS, PARAMETER_KEYS
from router.source import Span

if TYPE_CHECKING:
    import datetime

    from router.catalog import Catalog


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
    return lambda new, title: Fix(title, (Edit(path, span, f"{quote}{new}{quote}"),))


class InvalidModelId(Rule):
    """A model value is not a valid model id.

    ## Why it matters
    A model promptls cannot read cannot run, and the tool that reads the file will reject it too.

    ## How to fix
    Write `provider/name`: `openai/gpt-4o`, `anthropic/claude-sonnet-4-5`,
    `openrouter/meta-llama/llama-3.3-70b-instruct:free`, `ollama/llama3.2:3b`, or `default`.
    Claude Code files also take `sonnet`, `opus`, `haiku` and `inherit`; Copilot files take the
    names of its model picker (`GPT-4o`, `Claude Sonnet 4`).
    """

    code = "PLS201"
    name = "invalid-model-id"
    severity = Severity.ERROR


class UnknownProvider(Rule):
    """A model id names a provider promptls does not know.

    ## Why it matters
    promptls cannot reach a provider it does not know, so the prompt cannot run.

    ## How to fix
    Use a built-in provider (`openai`, `openrouter`, `gemini`, `ollama`, `anthropic`) or declare
    your OpenAI-compatible server in promptls.toml:

        [providers.lmstudio]
        base_url = "http://localhost:1234/v1"
    """

    code = "PLS202"
    name = "unknown-provider"
    severity = Severity.ERROR


class UnknownModel(Rule):
    """The catalog does not know this model of a hosted provider.

    ## Why it matters
    Usually a typo (`gpt4o`), or a model the provider retired: the first run fails with a
    "model not found" error. Its context window, limits and prices are unknown, so promptls can
    check none of them.

    ## How to fix
    Use the suggested id (the quick fix applies it) or pick one with `promptls models QUERY`. If
    the model is real but newer than the shipped catalog, describe it under `[models."id"]` in
    promptls.toml. Models of local providers (Ollama, declared local servers) are not reported.
    """

    code = "PLS203"
    name = "unknown-model"
    severity = Severity.WARNING


class ModelNotNativeToDialect(Rule):
    """The model is written in a form the prompt file's own tool does not accept.

    ## Why it matters
    Claude Code runs only Anthropic models (`sonnet`, `opus`, `haiku`, `inherit` or a `claude-…`
    id); Copilot takes the names of its model picker; Genkit expects its plugin prefixes
    (`googleai/…`). The tool rejects or ignores a model it cannot name, even though promptls can
    run it.

    ## How to fix
    Keep the file valid for its tool and assign the model in promptls.toml instead
    (`[agents.NAME] model = "openrouter/..."`), or use the spelling the message suggests.
    """

    code = "PLS204"
    name = "model-not-native"
    severity = Severity.WARNING


class DeprecatedModel(Rule):
    """The model is deprecated by its provider, or already retired.

    ## Why it matters
    Deprecated models stop answering on their retirement date, and every prompt on them fails
    with it. A model already past that date is reported as an error; one with the date still
    ahead, as a warning that says how many days are left.

    ## How to fix
    Switch to the replacement the message suggests (the quick fix applies it), or another
    current model from `promptls models`.
    """

    code = "PLS205"
    name = "deprecated-model"
    severity = Severity.WARNING


class BadFallbackModel(Rule):
    """A fallback chain names a model that is invalid, of an unknown provider, or unknown.

    ## Why it matters
    The fallback is only needed when the first model fails: a broken entry is found out at the
    worst moment.

    ## How to fix
    Fix the id as the message says, or remove it from the chain.
    """

    code = "PLS206"
    name = "bad-fallback-model"
    severity = Severity.WARNING


class ParameterOutOfRange(Rule):
    """A run parameter is outside what the key or the resolved model accepts.

    ## Why it matters
    Providers answer an out-of-range `temperature`, `top_p` or `max_tokens` with a 400 error, so
    the run fails (and a fallback is tried for nothing). Anthropic accepts temperatures up to 1;
    `max_tokens` must not exceed the model's maximum output.

    ## How to fix
    Use a value within the range the message gives.
    """

    code = "PLS207"
    name = "parameter-out-of-range"
    severity = Severity.ERROR


def check_model(ctx: PromptContext) -> Iterator[Finding]:
    entry = ctx.prompt.get("model")
    if entry is None:
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
    from router.resolve import known_providers

    return known_providers(ctx.resolution.settings)


def _declared(ctx: PromptContext) -> dict[str, Any]:
    from router.resolve import declared_providers

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
) -> Iterator[Finding]:
    """Findings for one model value, wherever it is written (frontmatter, settings, fallback).

    `fixer(new_value, title)` makes the edit that writes another model in its place.
    """
    ref = interpret(raw, dialect, catalog, providers)
    if ref.kind in (RefKind.DEFAULT, RefKind.INHERIT):
        return
    invalid_rule = rule or InvalidModelId
    if ref.kind is RefKind.INVALID or ref.model is None:
        yield _invalid(catalog, path, span, raw, ref, dialect, invalid_rule, fixer)
        return
    model = ref.model
    if model.provider not in providers:
        yield _unknown_provider(path, span, raw, model, providers, rule, fixer)
        return
    info = catalog.get(str(model))
    local = is_local_provider(model.provider, declared or {})
    if info is None and not local and model.provider not in (declared or {}):
        yield _unknown_model(catalog, path, span, raw, model, rule, fixer)
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
) -> Finding:
    text = raw.strip()
    problem = ref.problem
    suggestions: list[str] = []
    if problem is SyntaxProblem.NO_PROVIDER and text:
        suggestions = [m for m in catalog.ids() if m.split("/", 1)[1].lower() == text.lower()]
        if not suggestions:
            suggestions = catalog.suggest(text, limit=3)
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
    message = f"{what}: {expected}"
    fix = None
    if suggestions:
        message += f"; did you mean `{suggestions[0]}`?"
        fix = _suggestion_fix(fixer, suggestions[0])
    return rule.finding(
        path, span, message, fix=fix, severity=None if rule is InvalidModelId else Severity.WARNING
    )


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
    rule: type[Rule] | None,
    fixer: Fixer | None,
) -> Finding:
    suggestions = catalog.suggest(str(model), limit=3)
    message = f"`{model}` is not in the model catalog"
    fix = None
    if suggestions:
        message += f"; did you mean `{suggestions[0]}`?"
        if len(suggestions) > 1:
            message += f" (or {', '.join(f'`{s}`' for s in suggestions[1:])})"
        if raw.strip() == str(model):
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


def check_fallback(ctx: PromptContext) -> Iterator[Finding]:
    entry = ctx.prompt.get("fallback")
    if entry is None or not isinstance(entry.value, list):
        return
    providers = _providers(ctx)
    for item in entry.items:
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
            Dialect.GENERIC,
            providers,
            ctx.today,
            fixer=quoted_fixer(ctx.path, item.span, ctx.prompt.text) or _plain_fixer(ctx, item),
            declared=_declared(ctx),
            rule=BadFallbackModel,
        )


def _plain_fixer(ctx: PromptContext, item: Any) -> Fixer:
    return lambda new, title: Fix(title, (Edit(ctx.path, item.span, new),))


def check_params(ctx: PromptContext) -> Iterator[Finding]:
    """Frontmatter parameters: type, the key's range, and the resolved model's limits."""
    from router.checks.keys import WrongType

    info = ctx.resolution.info
    for key, entry in _param_entries(ctx):
        value = entry.value
        problem = type_problem(key, value)
        if problem:
            if entry.key in DOTPROMPT_CONFIG_PARAMS:
                yield WrongType.finding(ctx.path, entry.value_span, problem)
            continue
        problem = bounds_problem(key, value)
        if problem is None and info is not None:
            problem = _model_limit(key, value, info, ctx.resolution.model)
        if problem:
            yield ParameterOutOfRange.finding(ctx.path, entry.value_span, problem)


def _param_entries(ctx: PromptContext) -> Iterator[tuple[str, Entry]]:
    prompt = ctx.prompt
    for key in PARAMETER_KEYS:
        entry = prompt.get(key)
        if entry is not None:
            yield key, entry
    if prompt.dialect is Dialect.DOTPROMPT:
        config = prompt.get("config")
        if config is not None:
            for child in config.children:
                key = DOTPROMPT_CONFIG_PARAMS.get(child.key)
                if key:
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


class UndefinedProfile(Rule):
    """A prompt names a routing profile or tier that no settings file defines.

    ## Why it matters
    `profile: reviw` or `tier: heavy` without a `[tiers]` entry chooses nothing: the prompt
    silently runs on the default model instead.

    ## How to fix
    Use a built-in profile (`fast`, `general`, `code`, `creative`), or define it in promptls.toml:

        [profiles.review]
        min_context = 100000
        capabilities = ["tools"]
        prefer = ["claude-sonnet", "gpt-5"]

        [tiers]
        heavy = "anthropic/claude-opus-4-1"
    """

    code = "PLS208"
    name = "undefined-profile"
    severity = Severity.WARNING


def check_profile(ctx: PromptContext) -> Iterator[Finding]:
    from router.profiles import BUILTIN_PROFILES

    files = ctx.resolution.settings.files
    for key, table_name, builtin in (("profile", "profiles", BUILTIN_PROFILES), ("tier", "tiers", {})):
        entry = ctx.prompt.get(key)
        if entry is None or not isinstance(entry.value, str):
            continue
        name = entry.value
        defined = {n for f in files for n in (f.data.get(table_name) or {})} | set(builtin)
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
