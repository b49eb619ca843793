"""Names and metadata the Agent Skills spec and the harnesses rule on: a skill's `name` (charset, length,
equal to its folder) and `metadata` (strings), and a Claude subagent's `name` (no `:`, no leading `-`).

Severity follows the harness: VS Code skips a skill with a bad name (an error); Claude Code loads it
under its folder's name (a warning, for the places that do enforce the spec: claude.ai, the Skills API).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from promptls.router.base.findings import Finding, Severity
from promptls.router.checks.context import PromptContext, replace_value_fix
from promptls.router.prompts.dialects import Dialect, path_segments
from promptls.router.prompts.frontmatter import Entry
from promptls.router.prompts.schemas.skills import NAME_MAX, NAME_PATTERN
from promptls.router.rules.keys import InvalidName, NameFolderMismatch, WrongType

_VALID_NAME = re.compile(NAME_PATTERN)


def check_names(ctx: PromptContext) -> Iterator[Finding]:
    dialect = ctx.prompt.dialect
    if dialect.is_skill:
        yield from _skill_name(ctx)
        yield from _metadata(ctx)
    elif dialect is Dialect.CLAUDE_AGENT:
        yield from _agent_name(ctx)


def skill_name_problem(name: str) -> str | None:
    """What is wrong with a skill name by the Agent Skills spec, or None."""
    if len(name) > NAME_MAX:
        return f"has {len(name)} characters; at most {NAME_MAX} are allowed"
    if _VALID_NAME.fullmatch(name):
        return None
    if name != name.lower():
        return "has capital letters; only lowercase letters, digits and hyphens are allowed"
    if name.startswith("-") or name.endswith("-"):
        return "starts or ends with a hyphen"
    if "--" in name:
        return "has two hyphens in a row"
    return "may hold only lowercase letters, digits and hyphens"


def _skill_name(ctx: PromptContext) -> Iterator[Finding]:
    entry = ctx.prompt.get("name")
    if entry is None or not isinstance(entry.value, str) or not entry.value.strip():
        return
    name = entry.value.strip()
    folder = _folder(ctx.prompt.path)
    problem = skill_name_problem(name)
    if problem:
        claude = ctx.prompt.dialect is Dialect.CLAUDE_SKILL
        consequence = (
            "Claude Code uses the folder's name, but claude.ai and the Skills API refuse it"
            if claude
            else "VS Code skips the skill without a word"
        )
        fix = None
        if folder and skill_name_problem(folder) is None:
            fix = replace_value_fix(ctx.path, entry, folder, f"Change to `{folder}`", safe=False)
        yield InvalidName.finding(
            ctx.path,
            entry.value_span,
            f"skill name `{name}` {problem} (Agent Skills spec): {consequence}",
            fix=fix,
            severity=Severity.WARNING if claude else None,
        )
    # In a Claude Code plugin the `name` sets the command, so a different folder is on purpose there.
    if folder and name != folder and not _claude_plugin_skill(ctx.prompt.path, ctx.prompt.dialect):
        yield NameFolderMismatch.finding(
            ctx.path,
            entry.value_span,
            f"skill name `{name}` differs from its folder `{folder}`; the Agent Skills spec wants them equal",
            fix=replace_value_fix(ctx.path, entry, folder, f"Change to `{folder}`", safe=False),
        )


def _claude_plugin_skill(path: str, dialect: Dialect) -> bool:
    return dialect is Dialect.CLAUDE_SKILL and ".claude" not in path_segments(path)


def _folder(path: str) -> str | None:
    """The skill's folder: the one holding its SKILL.md."""
    parts = path_segments(path)
    if len(parts) < 2 or parts[-1] != "SKILL.md":
        return None
    return parts[-2]


def _metadata(ctx: PromptContext) -> Iterator[Finding]:
    entry = ctx.prompt.get("metadata")
    if entry is None or not isinstance(entry.value, dict):
        return  # a missing key, or a wrong type the key check reports
    for child in entry.children:
        if not isinstance(child.value, str):
            yield _not_a_string(ctx, child)


def _not_a_string(ctx: PromptContext, child: Entry) -> Finding:
    hint = ""
    if isinstance(child.value, int | float | bool) and child.style is None:
        hint = f'; quote it: {child.key}: "{ctx.prompt.text[child.value_span.start : child.value_span.end]}"'
    return WrongType.finding(
        ctx.path,
        child.value_span,
        f"`metadata.{child.key}` should be a string (the Agent Skills spec: a map of strings){hint}",
        severity=Severity.WARNING,
    )


def _agent_name(ctx: PromptContext) -> Iterator[Finding]:
    entry = ctx.prompt.get("name")
    if entry is None or not isinstance(entry.value, str):
        return
    name = entry.value
    if ":" in name:
        problem = "contains `:`, which Claude Code keeps for plugin-scoped names (`my-plugin:reviewer`)"
    elif name.startswith("-"):
        problem = "starts with `-`"
    else:
        return
    yield InvalidName.finding(
        ctx.path,
        entry.value_span,
        f"subagent name `{name}` {problem}: Claude Code skips the file (see `claude --debug`)",
    )
