"""An agent against what reads it: a Copilot custom agent's keys that its target ignores and GitHub's
cloud agent limit on the prompt (30,000 characters); a Claude Code agent's keys that Claude Code
ignores when a plugin ships the agent."""

from __future__ import annotations

from collections.abc import Iterator

from promptls.router.base.findings import Edit, Finding, Fix, Severity
from promptls.router.checks.context import PromptContext
from promptls.router.prompts.dialects import Dialect
from promptls.router.prompts.keyspec import keys_for
from promptls.router.prompts.schemas.claude import PLUGIN_AGENT_IGNORED
from promptls.router.prompts.schemas.copilot import (
    CLOUD_AGENT_KEYS,
    CLOUD_AGENT_PROMPT_LIMIT,
    GITHUB_ONLY_KEYS,
)
from promptls.router.rules.keys import AgentPromptTooLong, UnknownKey


def check_agent_target(ctx: PromptContext) -> Iterator[Finding]:
    """Keys of the agent table that the agent's `target` does not read (VS Code marks them unused)."""
    prompt = ctx.prompt
    if prompt.dialect is not Dialect.COPILOT_AGENT:
        return
    target = prompt.value("target")
    if target not in ("github-copilot", "vscode"):
        return  # both read the file: every key of the table counts
    specs = keys_for(prompt.dialect)
    for entry in prompt.entries:
        spec = specs.get(entry.key)
        if spec is None or spec.promptls:
            continue
        if target == "github-copilot" and entry.key not in CLOUD_AGENT_KEYS:
            reader = "GitHub's Copilot cloud agent"
        elif target == "vscode" and entry.key in GITHUB_ONLY_KEYS:
            reader = "VS Code"
        else:
            continue
        yield UnknownKey.finding(
            ctx.path,
            entry.key_span,
            f"`{entry.key}` is ignored by {reader} (`target: {target}`)",
            fix=Fix(f"Remove `{entry.key}`", (Edit(ctx.path, entry.entry_span, ""),)),
        )


def check_plugin_agent(ctx: PromptContext) -> Iterator[Finding]:
    """Keys Claude Code ignores, for security, in an agent a plugin ships."""
    prompt = ctx.prompt
    if prompt.dialect is not Dialect.CLAUDE_AGENT or prompt.plugin is None:
        return
    for key in PLUGIN_AGENT_IGNORED:
        entry = prompt.get(key)
        if entry is None:
            continue
        yield UnknownKey.finding(
            ctx.path,
            entry.key_span,
            f"`{key}` is ignored by Claude Code in an agent a plugin ships (for security); to use it, "
            "copy the agent into .claude/agents or ~/.claude/agents",
            fix=Fix(f"Remove `{key}`", (Edit(ctx.path, entry.entry_span, ""),)),
        )


def check_agent_prompt(ctx: PromptContext) -> Iterator[Finding]:
    prompt = ctx.prompt
    # `.chatmode.md` is VS Code's old format, which the cloud agent never reads.
    if prompt.dialect is not Dialect.COPILOT_AGENT or prompt.path.endswith(".chatmode.md"):
        return
    target = prompt.value("target")
    if target == "vscode":
        return
    size = len(prompt.body.strip())
    if size <= CLOUD_AGENT_PROMPT_LIMIT:
        return
    where = (
        "for `target: github-copilot`"
        if target == "github-copilot"
        else "(no `target`, so GitHub's cloud agent reads it too)"
    )
    yield AgentPromptTooLong.finding(
        ctx.path,
        prompt.opening,
        f"the agent's prompt has {size:,} characters; GitHub's Copilot cloud agent takes at most "
        f"{CLOUD_AGENT_PROMPT_LIMIT:,} {where}",
        severity=None if target == "github-copilot" else Severity.WARNING,
    )
