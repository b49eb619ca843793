"""Agent Skills (agentskills.io): `SKILL.md` outside Claude Code's folders, as VS Code and Copilot read it.

The spec's rules (name charset, length and folder, description length, `metadata` strings) are data
here; `promptls.router.checks.skills` applies them to both skill dialects, with the severity each
harness gives them.
"""

from __future__ import annotations

from promptls.router.prompts.schemas.base import DialectSchema, KeySpec, Kind, Source

SPEC = Source(
    "Agent Skills specification",
    "https://agentskills.io/specification",
    "2026-12-07",
    "agentskills/agentskills docs/specification.mdx",
)
VSCODE_SKILLS = Source(
    "VS Code: Use Agent Skills (SKILL.md file format)",
    "https://code.visualstudio.com/docs/agent-customization/agent-skills",
    "2026-12-07",
)

NAME_MAX = 64
DESCRIPTION_MAX = 1024
COMPATIBILITY_MAX = 500
NAME_PATTERN = r"[a-z0-9]+(?:-[a-z0-9]+)*"
"""Lowercase letters, digits and single hyphens, neither first nor last (the spec's `name` rules)."""

SKILL_KEYS: tuple[KeySpec, ...] = (
    KeySpec(
        "name",
        Kind.STRING,
        "The skill's identifier: lowercase letters, digits and hyphens, at most 64 characters, equal to "
        "its folder's name. VS Code silently skips a skill whose name has other characters.",
        recommended=True,
    ),
    KeySpec(
        "description",
        Kind.STRING,
        "What the skill does and when to use it, at most 1024 characters: the agent loads the skill "
        "when the task matches it.",
        recommended=True,
        max_length=DESCRIPTION_MAX,
    ),
    # VS Code accepts a mapping for these two as well ("scalar | map").
    KeySpec("license", Kind.ANY, "The licence, or the name of a bundled licence file."),
    KeySpec(
        "compatibility",
        Kind.ANY,
        "Environment requirements (product, system packages, network), at most 500 characters.",
        max_length=COMPATIBILITY_MAX,
    ),
    KeySpec("metadata", Kind.MAPPING, "Your own data: a map from string keys to string values."),
    KeySpec(
        "allowed-tools",
        Kind.STRINGS,
        "Pre-approved tools, space-separated or a list (experimental; support varies by agent).",
    ),
    KeySpec("argument-hint", Kind.STRINGS, "Hint shown when the skill is run as a slash command (VS Code)."),
    KeySpec("user-invocable", Kind.BOOLEAN, "`false` hides the skill from the `/` menu (VS Code)."),
    KeySpec(
        "disable-model-invocation",
        Kind.BOOLEAN,
        "`true` keeps the agent from loading the skill on its own (VS Code).",
    ),
    KeySpec(
        "context",
        Kind.STRING,
        "`fork` runs the skill in a subagent (VS Code, experimental).",
        allowed=("fork",),
    ),
)

SKILL = DialectSchema(SKILL_KEYS, (SPEC, VSCODE_SKILLS))
