"""A Copilot custom agent's prompt against GitHub's cloud agent limit (30,000 characters)."""

from __future__ import annotations

from collections.abc import Iterator

from promptls.router.base.findings import Finding, Severity
from promptls.router.checks.context import PromptContext
from promptls.router.prompts.dialects import Dialect
from promptls.router.prompts.schemas.copilot import CLOUD_AGENT_PROMPT_LIMIT
from promptls.router.rules.keys import AgentPromptTooLong


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
