"""Which tool a prompt file is written for, and the names its path gives it.

Which files are prompt files, and of which dialect, `detect` tells.
"""

from __future__ import annotations

from enum import StrEnum


class Dialect(StrEnum):
    CLAUDE_AGENT = "claude-agent"
    CLAUDE_COMMAND = "claude-command"
    CLAUDE_SKILL = "claude-skill"
    CLAUDE_RULE = "claude-rule"
    """A Claude Code memory rule (`.claude/rules/**/*.md`): instructions, optionally scoped by `paths`
    globs. It names no model, so it is no Claude file for model handling (`is_claude`)."""
    COPILOT_PROMPT = "copilot-prompt"
    COPILOT_AGENT = "copilot-agent"
    COPILOT_INSTRUCTIONS = "copilot-instructions"
    SKILL = "skill"
    """An Agent Skill outside Claude Code's folders (agentskills.io; Copilot's `.github/skills`,
    `.agents/skills`)."""
    DOTPROMPT = "dotprompt"
    PROMPTY = "prompty"
    GENERIC = "generic"

    @property
    def is_claude(self) -> bool:
        return self in (Dialect.CLAUDE_AGENT, Dialect.CLAUDE_COMMAND, Dialect.CLAUDE_SKILL)

    @property
    def is_copilot(self) -> bool:
        return self in (Dialect.COPILOT_PROMPT, Dialect.COPILOT_AGENT, Dialect.COPILOT_INSTRUCTIONS)

    @property
    def is_skill(self) -> bool:
        return self in (Dialect.CLAUDE_SKILL, Dialect.SKILL)

    @property
    def assignment_table(self) -> str | None:
        """The settings table that assigns models by prompt name (`[agents.NAME]`, ...)."""
        return _TABLES.get(self)


_TABLES = {
    Dialect.CLAUDE_AGENT: "agents",
    Dialect.COPILOT_AGENT: "agents",
    Dialect.CLAUDE_COMMAND: "commands",
    Dialect.COPILOT_PROMPT: "commands",
    Dialect.CLAUDE_SKILL: "skills",
    Dialect.SKILL: "skills",
}

MARKDOWN_SUFFIXES = (".md", ".markdown", ".mdx")


def prompt_name(path: str, dialect: Dialect, declared: object = None) -> str:
    """The name settings assign models by: `[agents.NAME]`, `[commands.NAME]`, `[skills.NAME]`.

    Agents and skills go by their `name` key when it is a string; otherwise, like commands, by the
    file name without its suffix (a skill by its folder).
    """
    if (
        isinstance(declared, str)
        and declared.strip()
        and dialect
        in (
            Dialect.CLAUDE_AGENT,
            Dialect.CLAUDE_SKILL,
            Dialect.SKILL,
            Dialect.COPILOT_AGENT,
            Dialect.DOTPROMPT,
        )
    ):
        return declared.strip()
    parts = path_segments(path)
    if dialect.is_skill:
        return parts[-2] if len(parts) > 1 else ""
    name = parts[-1] if parts else ""
    for suffix in (
        ".prompt.md",
        ".agent.md",
        ".chatmode.md",
        ".instructions.md",
        ".prompt",
        ".prompty",
        *MARKDOWN_SUFFIXES,
    ):
        if name.lower().endswith(suffix):
            return name[: -len(suffix)]
    return name


def command_namespace(path: str) -> str | None:
    """`frontend` for `.claude/commands/frontend/component.md`: Claude Code's namespaced commands."""
    parts = path_segments(path)
    for i in range(len(parts) - 1, -1, -1):
        if parts[i] == ".claude" and i + 1 < len(parts) and parts[i + 1] == "commands":
            inner = parts[i + 2 : -1]
            return ":".join(inner) if inner else None
    return None


def path_segments(path: str) -> list[str]:
    """Path segments, `/` and `\\` both separating, empty and `.` segments dropped."""
    return [p for p in path.replace("\\", "/").split("/") if p and p != "."]
