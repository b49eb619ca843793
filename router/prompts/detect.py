"""Which files are prompt files (and of which dialect), and which are promptls settings files.

The policy is data, the tables below, read by pure functions. The workspace walk (`promptls check`),
the language server and the editors all ask here; the editors through files generated from these
tables (`python scripts/editor_patterns.py`; tests/test_editor_patterns.py fails when they are stale).
A new kind of file is a new row.

A file's dialect, first answer wins:

1. a row that names the file alone (`*.prompt.md`) decides it;
2. a row whose folder (`.claude/agents`) lies above the file decides it, or, in a Claude Code plugin,
   whose plugin folder (`agents`) lies right below the plugin's root; when several do, the one whose
   folder is nearest the file (a tie: the earlier row);
3. a `[check] include` glob that matches it makes it a generic prompt;
4. a row that needs something of the text decides when the text shows it: any file with a
   frontmatter `model:` key is a generic prompt.

Otherwise it is no prompt file. Rows of the first two kinds need only the path, so the editors can
match them with globs (all but the plugin folders: which folder is a plugin's root is a fact of the
disk, found by the front ends and handed in); rows that need the text are the server's to decide,
and the editors start for `EDITOR_HINTS`, the places such prompts are usually kept.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from enum import StrEnum
from typing import NamedTuple

from promptls.router.base.pathglob import path_matches, path_under_root
from promptls.router.prompts.dialects import MARKDOWN_SUFFIXES, Dialect, path_segments


class Needs(StrEnum):
    """What a file's text must show, beyond its path, for the file to count."""

    NOTHING = "nothing"
    MODEL_KEY = "model-key"
    """A frontmatter block at the top of the file with a top-level `model:` line."""
    PROMPTLS_TABLE = "promptls-table"
    """A `[tool.promptls]` table (or one below it): pyproject.toml holds promptls settings."""


class PromptRule(NamedTuple):
    """One kind of prompt file, told by its path and, where `needs` says so, its text."""

    dialect: Dialect
    what: str
    """For people: the generated editor files and the docs show it."""
    suffixes: tuple[str, ...] = ()
    """Lower-case endings of the file name; with no `name` either, any file name."""
    name: str = ""
    """The whole file name as documented (`SKILL.md`); compared case-insensitively."""
    folder: tuple[str, ...] = ()
    """Folders the file lies below, outermost first (`.claude`, `agents`); compared exactly."""
    depth: int | None = None
    """Folders between `folder` (or `plugin`) and the file: None any number, 1 exactly one (a skill's
    own folder)."""
    plugin: tuple[str, ...] = ()
    """Folders right below a Claude Code plugin's root (the folder holding `.claude-plugin/plugin.json`)
    the file lies below: a plugin keeps there what a project keeps below `.claude`."""
    needs: Needs = Needs.NOTHING


class SettingsRule(NamedTuple):
    """One promptls settings file, told by its name and, where `needs` says so, its text."""

    name: str
    what: str
    needs: Needs = Needs.NOTHING


PROMPT_RULES: tuple[PromptRule, ...] = (
    PromptRule(Dialect.DOTPROMPT, "Dotprompt", suffixes=(".prompt",)),
    PromptRule(Dialect.COPILOT_PROMPT, "Copilot prompt files", suffixes=(".prompt.md",)),
    PromptRule(Dialect.COPILOT_AGENT, "Copilot custom agents", suffixes=(".agent.md",)),
    PromptRule(Dialect.COPILOT_AGENT, "Copilot chat modes (agents' former name)", suffixes=(".chatmode.md",)),
    PromptRule(Dialect.COPILOT_INSTRUCTIONS, "Copilot instructions files", suffixes=(".instructions.md",)),
    PromptRule(Dialect.PROMPTY, "Prompty", suffixes=(".prompty",)),
    PromptRule(
        Dialect.CLAUDE_AGENT,
        "Claude Code agents",
        suffixes=MARKDOWN_SUFFIXES,
        folder=(".claude", "agents"),
        plugin=("agents",),
    ),
    PromptRule(
        Dialect.CLAUDE_COMMAND,
        "Claude Code slash commands",
        suffixes=MARKDOWN_SUFFIXES,
        folder=(".claude", "commands"),
        plugin=("commands",),
    ),
    PromptRule(
        Dialect.CLAUDE_SKILL,
        "Claude Code skills",
        name="SKILL.md",
        folder=(".claude", "skills"),
        depth=1,
        plugin=("skills",),
    ),
    PromptRule(
        Dialect.SKILL, "Agent Skills (Copilot)", name="SKILL.md", folder=(".github", "skills"), depth=1
    ),
    PromptRule(Dialect.SKILL, "Agent Skills", name="SKILL.md", folder=(".agents", "skills"), depth=1),
    PromptRule(Dialect.GENERIC, "any file whose frontmatter names a model", needs=Needs.MODEL_KEY),
)

EDITOR_HINTS: tuple[PromptRule, ...] = (
    PromptRule(
        Dialect.GENERIC,
        "markdown under a prompts/ folder",
        suffixes=MARKDOWN_SUFFIXES,
        folder=("prompts",),
        needs=Needs.MODEL_KEY,
    ),
)
"""Where prompts that the text decides are usually kept. An editor that cannot read the text starts
the server for these paths (the server still decides); it also means completion works in a new file
before its `model:` line is written."""

SETTINGS_FILES: tuple[SettingsRule, ...] = (
    SettingsRule("promptls.toml", "project settings"),
    SettingsRule("promptls.local.toml", "personal project settings (git-ignored)"),
    SettingsRule("pyproject.toml", "project settings in [tool.promptls]", needs=Needs.PROMPTLS_TABLE),
)

SETTINGS_NAMES = frozenset(rule.name for rule in SETTINGS_FILES)

WALKED_SUFFIXES: tuple[str, ...] = tuple(
    sorted(
        {*MARKDOWN_SUFFIXES}
        | {suffix for rule in PROMPT_RULES for suffix in rule.suffixes}
        | {rule.name.lower() for rule in PROMPT_RULES if rule.name}
    )
)
"""The file endings a workspace walk reads: markdown (where plain prompts are kept) and every ending
a row names. A walk cannot read every file; a file of another ending counts when named or opened."""


def dialect_from_path(
    path: str, rules: Sequence[PromptRule] = PROMPT_RULES, *, plugin: str | None = None
) -> Dialect | None:
    """The dialect the path alone decides (steps 1 and 2), or None when that needs more than the path.

    `plugin` is the root of the Claude Code plugin the file lies in, if any, written as `path` is
    (both absolute, or both from the same folder)."""
    parts = path_segments(path)
    if not parts:
        return None
    name = parts[-1].lower()
    base = _plugin_base(parts, plugin)
    found, nearest = None, -1
    for rule in rules:
        if rule.needs is not Needs.NOTHING or not _names_file(rule, name):
            continue
        if not rule.folder and not rule.plugin:
            return rule.dialect
        for end in (_folder_end(rule, parts) if rule.folder else None, _plugin_end(rule, parts, base)):
            if end is not None and end > nearest:
                found, nearest = rule.dialect, end
    return found


def classify(
    path: str,
    text: str,
    include: Sequence[str],
    root: str | None,
    rules: Sequence[PromptRule] = PROMPT_RULES,
    *,
    plugin: str | None = None,
) -> Dialect | None:
    """The dialect of a file, or None when it is no prompt file.

    `include` are the project's `[check] include` globs, relative to `root` (without a root they
    cannot apply); `plugin` the root of the Claude Code plugin the file lies in, if any. A relative
    `path` (or `plugin`) is taken from the current folder, whatever part of it was typed.
    """
    path = os.path.abspath(path)
    dialect = dialect_from_path(path, rules, plugin=os.path.abspath(plugin) if plugin else None)
    if dialect is not None:
        return dialect
    if include and root:
        rel = os.path.relpath(path, root).replace(os.sep, "/")
        if any(path_matches(glob, rel) for glob in include):
            return Dialect.GENERIC
    parts = path_segments(path)
    for rule in rules:
        if rule.needs is not Needs.NOTHING and covers(rule, parts) and text_shows(rule.needs, text):
            return rule.dialect
    return None


def covers(rule: PromptRule, parts: Sequence[str]) -> bool:
    """Does the path (as `path_segments`) fit the rule, leaving aside what the rule needs of the text?"""
    if not parts or not _names_file(rule, parts[-1].lower()):
        return False
    return not rule.folder or _folder_end(rule, parts) is not None


def is_candidate(path: str) -> bool:
    """Could this file be a prompt file, from its name alone: is it one a workspace walk reads?"""
    return path.lower().endswith(WALKED_SUFFIXES)


def is_settings_name(path: str) -> bool:
    """Is this file, by its name, one of promptls's settings files?"""
    parts = path_segments(path)
    return bool(parts) and parts[-1] in SETTINGS_NAMES


def text_shows(needs: Needs, text: str) -> bool:
    """Does `text` show what a rule needs of it? A cheap look, before any parsing."""
    if needs is Needs.MODEL_KEY:
        return _frontmatter_has_model(text)
    if needs is Needs.PROMPTLS_TABLE:
        return _PROMPTLS_TABLE.search(text) is not None
    return True


_PROMPTLS_TABLE = re.compile(r"^[ \t]*\[\[?[ \t]*tool\.promptls[ \t]*[\].]", re.MULTILINE)


def _frontmatter_has_model(text: str) -> bool:
    start = 1 if text.startswith("\ufeff") else 0
    if not text.startswith("---", start):
        return False
    end = text.find("\n---", start + 3)
    block = text[start : end if end != -1 else len(text)]
    return "\nmodel:" in block or "\nmodel :" in block


def _names_file(rule: PromptRule, name: str) -> bool:
    """Does the rule's name or endings fit `name` (lower case)?"""
    if rule.name:
        return name == rule.name.lower()
    return not rule.suffixes or name.endswith(rule.suffixes)


def _folder_end(rule: PromptRule, parts: Sequence[str]) -> int | None:
    """Where the nearest `rule.folder` above the file ends (an index into `parts`), keeping `depth`."""
    folder, size = rule.folder, len(rule.folder)
    own = len(parts) - 2  # the index of the folder holding the file
    ends = range(own, size - 2, -1) if rule.depth is None else (own - rule.depth,)
    for end in ends:
        if end >= size - 1 and parts[end] == folder[-1] and tuple(parts[end - size + 1 : end + 1]) == folder:
            return end
    return None


def _plugin_base(parts: Sequence[str], plugin: str | None) -> int | None:
    """How many of `parts` the plugin's root takes, when the file lies below it; else None."""
    if not plugin:
        return None
    root = path_segments(plugin)
    if len(root) >= len(parts) or tuple(parts[: len(root)]) != tuple(root):
        return None
    return len(root)


def _plugin_end(rule: PromptRule, parts: Sequence[str], base: int | None) -> int | None:
    """Where `rule.plugin` ends (an index into `parts`) when it lies right below the plugin's root
    (`base` segments long) above the file, keeping `depth`; else None."""
    if base is None or not rule.plugin:
        return None
    size = len(rule.plugin)
    between = len(parts) - 1 - base - size
    if between < 0 or (rule.depth is not None and between != rule.depth):
        return None
    return base + size - 1 if tuple(parts[base : base + size]) == rule.plugin else None


def excluded(path: str, globs: Sequence[str], root: str | None) -> bool:
    """Does a `[check] exclude` glob, anchored at the project's folder, match `path`? Asked of every
    file a workspace walk finds, by the shell and the server alike."""
    if not globs:
        return False
    rel = path_under_root(path, root or os.getcwd())
    return any(path_matches(glob, rel) for glob in globs)
