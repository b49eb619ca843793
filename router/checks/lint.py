"""Run the checks: one prompt, one settings file, or the assignments of a settings file.

The shell's `check` and the language server both call these and render the same Findings.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, NamedTuple

from promptls.router.base.findings import Finding, Severity
from promptls.router.base.pathglob import path_matches, path_under_root
from promptls.router.checks import agents, cost, globs, keys, models, skills, tools
from promptls.router.checks.context import PromptContext
from promptls.router.prompts.dialects import Dialect
from promptls.router.prompts.frontmatter import PromptFile
from promptls.router.resolution.resolve import Overrides, Resolution, known_providers, resolve
from promptls.router.rules.settings import UnmatchedAssignment
from promptls.router.settings.discover import ProjectSettings
from promptls.router.settings.files import SettingsFile
from promptls.router.settings.layers import Layer

if TYPE_CHECKING:
    from promptls.router.checks.local import InstalledModels
    from promptls.router.models.catalog import Catalog

PromptCheck = Callable[[PromptContext], Iterable[Finding]]


def _check_prompty(ctx: PromptContext) -> Iterable[Finding]:
    """Prompty's own checks, imported when a .prompty file is checked (`check` on a repository
    without one never loads Prompty's tables)."""
    if ctx.prompt.dialect is not Dialect.PROMPTY:
        return ()
    from promptls.router.checks.prompty import check_prompty

    return check_prompty(ctx)


PROMPT_CHECKS: tuple[PromptCheck, ...] = (
    keys.check_keys,
    skills.check_names,
    globs.check_globs,
    tools.check_tools,
    agents.check_agent_target,
    agents.check_plugin_agent,
    agents.check_agent_prompt,
    models.check_model,
    models.check_fallback,
    models.check_params,
    models.check_profile,
    _check_prompty,
    cost.check_context,
)


def check_prompt(
    prompt: PromptFile,
    settings: ProjectSettings,
    catalog: Catalog,
    *,
    overrides: Overrides | None = None,
    today: datetime.date | None = None,
    resolution: Resolution | None = None,
    installed: InstalledModels | None = None,
) -> list[Finding]:
    """Every finding for one prompt file (its settings files are checked separately). `installed`:
    the local models of this machine, by provider, as the front end knows them (the model cache)."""
    findings = [_rule_yaml(f) if prompt.dialect is Dialect.CLAUDE_RULE else f for f in prompt.problems]
    if resolution is None:
        resolution = resolve(prompt, settings, catalog, overrides)
    ctx = PromptContext(prompt, resolution, catalog, today or datetime.date.today())
    for check in PROMPT_CHECKS:
        findings.extend(check(ctx))
    if installed is not None:
        from promptls.router.checks.local import not_installed

        findings.extend(not_installed(prompt, resolution, installed))
    return sorted(findings, key=Finding.sort_key)


def check_settings_file(
    file: SettingsFile,
    settings: ProjectSettings,
    catalog: Catalog,
    today: datetime.date | None = None,
) -> list[Finding]:
    """Findings for one settings file: its TOML, keys, values, and every model id in it."""
    from promptls.router.resolution.resolve import declared_providers

    today = today or datetime.date.today()
    providers = known_providers(settings)
    declared = declared_providers(settings)
    findings = list(file.problems)
    findings.extend(_rule_codes(file))
    findings.extend(_proxy_profile(file, settings))
    for value in file.models:
        findings.extend(
            models.model_value_findings(
                catalog,
                file.path,
                value.span,
                value.value,
                Dialect.GENERIC,
                providers,
                today,
                declared=declared,
                fixer=models.quoted_fixer(file.path, value.span, file.text),
            )
        )
    return sorted(findings, key=Finding.sort_key)


class PromptKey(NamedTuple):
    """What the assignment check needs of a prompt: small enough to send between processes."""

    path: str
    dialect: Dialect
    names: tuple[str, ...]


def prompt_key(prompt: PromptFile) -> PromptKey:
    from promptls.router.resolution.resolve import assignment_names

    return PromptKey(prompt.path, prompt.dialect, tuple(assignment_names(prompt)))


def _rule_yaml(finding: Finding) -> Finding:
    """Invalid YAML in a `.claude/rules` file is a warning: Claude Code reads a rule's frontmatter
    leniently (`paths: **/*.ts` unquoted loads, anthropics/claude-code#17204, while YAML makes `*` an
    alias), but other tools reading the file do not."""
    from promptls.router.rules.registry import shortened
    from promptls.router.rules.syntax import InvalidYaml

    if finding.code != InvalidYaml.code:
        return finding
    message = f"{finding.message} (Claude Code still reads this rule; other tools do not: quote the value)"
    return finding._replace(severity=Severity.WARNING, message=shortened(message))


def _proxy_profile(file: SettingsFile, settings: ProjectSettings) -> Iterator[Finding]:
    """`[proxy] profile` names a profile some layer defines (or a built-in one): else every request
    no route matches would go to the default model, without a word."""
    import difflib

    from promptls.router.models.profiles import BUILTIN_PROFILES
    from promptls.router.rules.models import UndefinedProfile

    setting = file.view.proxy.setting("profile")
    if setting is None or not isinstance(setting.value, str):
        return
    defined = sorted({*BUILTIN_PROFILES, *settings.view.profiles})
    if setting.value in defined:
        return
    span = file.value_span(("proxy", "profile"))
    close = difflib.get_close_matches(setting.value, defined, n=1, cutoff=0.6)
    hint = f"did you mean `{close[0]}`?" if close else f"add [profiles.{setting.value}]"
    yield UndefinedProfile.finding(
        file.path, span, f"[proxy] profile `{setting.value}` is not defined; {hint}"
    )


def _rule_codes(file: SettingsFile) -> Iterator[Finding]:
    """`[check] select/ignore` name rules that exist (a typo would silently select nothing)."""
    from promptls.router.rules.index import all_rules
    from promptls.router.rules.settings import InvalidSettingsValue

    rules = all_rules()
    for key in ("select", "ignore"):
        for code in file.view.check.value(key, ()):
            if any(r.code.startswith(code.upper()) or r.name == code.lower() for r in rules):
                continue
            keypath = (*file.prefix, "check", key)
            span = (file.spans.find_in_value(keypath, code) if file.spans else None) or file.value_span(
                ("check", key)
            )
            yield InvalidSettingsValue.finding(
                file.path,
                span,
                f"[check] {key} names `{code}`, which is no rule code, prefix or name; "
                "`promptls explain` lists them",
            )


def has_assignments(file: SettingsFile) -> bool:
    """Has `check_assignments` anything to look at in this file? Without per-prompt tables (or in the
    user's config) a caller need not gather the project's prompts."""
    if file.layer is Layer.USER:
        return False
    view = file.view
    return bool(view.agents or view.commands or view.skills or view.prompts)


def check_assignments(
    file: SettingsFile, prompts: Sequence[PromptFile | PromptKey], root: str | None
) -> Iterator[Finding]:
    """Per-prompt tables in a project's settings that match none of the project's prompts."""
    if file.layer is Layer.USER:
        return  # the user's config serves many projects; an unmatched name is no mistake there

    keys = [p if isinstance(p, PromptKey) else prompt_key(p) for p in prompts]
    by_table: dict[str, set[str]] = {}
    for prompt in keys:
        table = prompt.dialect.assignment_table
        if table:
            by_table.setdefault(table, set()).update(prompt.names)
    rel_paths = [path_under_root(p.path, root) for p in keys]
    view = file.view
    for table, written in (("agents", view.agents), ("commands", view.commands), ("skills", view.skills)):
        names = by_table.get(table, set())
        for name in written:
            if name not in names:
                yield _unmatched(file, (table, name), name, sorted(names), table)
    for glob in view.prompts:
        if not any(path_matches(glob, rel) for rel in rel_paths):
            yield UnmatchedAssignment.finding(
                file.path,
                file.span(("prompts", glob)),
                f'[prompts."{glob}"] matches no prompt file under {root or "this folder"}; '
                "globs are relative to the settings file's folder",
            )


def _unmatched(
    file: SettingsFile, keypath: tuple[str, str], name: str, names: list[str], table: str
) -> Finding:
    import difflib

    close = difflib.get_close_matches(name, names, n=1, cutoff=0.6)
    kind = table.rstrip("s")
    message = f"[{table}.{name}] matches no {kind} in this project"
    if close:
        message += f"; did you mean `{close[0]}`?"
    elif names:
        message += f" (its {table}: {', '.join(names[:8])}{', ...' if len(names) > 8 else ''})"
    return UnmatchedAssignment.finding(file.path, file.span(keypath), message)
