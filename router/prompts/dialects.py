"""Which tool a prompt file is written for, told from its path (and, for plain markdown, its keys)."""

from __future__ import annotations

from enum import StrEnum


class Dialect(StrEnum):
    CLAUDE_AGENT = "claude-agent"
    CLAUDE_COMMAND = "claude-command"
    CLAUDE_SKILL = "claude-skill"
    COPILOT_PROMPT = "copilot-prompt"
    COPILOT_AGENT = "copilot-agent"
    DOTPROMPT = "dotprompt"
    GENERIC = "generic"

    @property
    def is_claude(self) -> bool:
        return self in (Dialect.CLAUDE_AGENT, Dialect.CLAUDE_COMMAND, Dialect.CLAUDE_SKILL)

    @property
    def is_copilot(self) -> bool:
        return self in (Dialect.COPILOT_PROMPT, Dialect.COPILOT_AGENT)

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
}

MARKDOWN_SUFFIXES = (".md", ".markdown", ".mdx")


def dialect_from_path(path: str) -> Dialect | None:
    """The dialect a path alone decides, or None for markdown that needs its keys looked at.

    Returns None too for files that are no prompt at all; `is_candidate` tells those apart.
    """
    parts = _parts(path)
    name = parts[-1].lower() if parts else ""
    if name.endswith(".prompt"):
        return Dialect.DOTPROMPT
    if name.endswith(".prompt.md"):
        return Dialect.COPILOT_PROMPT
    if name.endswith((".agent.md", ".chatmode.md")):
        return Dialect.COPILOT_AGENT
    if not name.endswith(MARKDOWN_SUFFIXES):
        return None
    for i in range(len(parts) - 1, -1, -1):
        if parts[i] != ".claude" or i + 1 >= len(parts) - 1:
            continue
        area = parts[i + 1]
        if area == "agents":
            return Dialect.CLAUDE_AGENT
        if area == "commands":
            return Dialect.CLAUDE_COMMAND
        if area == "skills" and name == "skill.md" and len(parts) - i == 4:
            return Dialect.CLAUDE_SKILL
    return None


def is_candidate(path: str) -> bool:
    """Could this file be a prompt file of some dialect (before reading it)?"""
    name = path.lower()
    return name.endswith((".prompt", *MARKDOWN_SUFFIXES))


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
            Dialect.COPILOT_AGENT,
            Dialect.DOTPROMPT,
        )
    ):
        return declared.strip()
    parts = _parts(path)
    if dialect is Dialect.CLAUDE_SKILL:
        return parts[-2] if len(parts) > 1 else ""
    name = parts[-1] if parts else ""
    for suffix in (".prompt.md", ".agent.md", ".chatmode.md", ".prompt", *MARKDOWN_SUFFIXES):
        if name.lower().endswith(suffix):
            return name[: -len(suffix)]
    return name


def command_namespace(path: str) -> str | None:
    """`frontend` for `.claude/commands/frontend/component.md`: Claude Code's namespaced commands."""
    parts = _parts(path)
    for i in range(len(parts) - 1, -1, -1):
        if parts[i] == ".claude" and i + 1 < len(parts) and parts[i + 1] == "commands":
            inner = parts[i + 2 : -1]
            return ":".join(inner) if inner else None
    return None


def _parts(path: str) -> list[str]:
    """Path segments, `/` and `\\` both separating, empty and `.` segments dropped."""
    return [p for p in path.replace("\\", "/").split("/") if p and p != "."]
