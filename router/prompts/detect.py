"""Which files are prompt files (and of which dialect), and which are promptls settings files.

The policy is data, the tables below, read by pure functions. The workspace walk (`promptls check`),
the language server and the editors all ask here; the editors through files generated from these
tables (`python scripts/editor_patterns.py`; tests/test_editor_patterns.py fails when they are stale).
A new kind of file is a new row.

A file's dialect, first answer wins:

0. the project's `[dialects]` table, globs that map a collection laid out any other way to a dialect
   (the most specific matching glob);
1. a row that names the file alone (`*.prompt.md`) decides it;
2. a row whose folder (`.claude/agents`) lies above the file decides it, or, in a Claude Code plugin,
   whose plugin folder (`agents`) lies right below the plugin's root; when several do, the one whose
   folder is nearest the file (a tie: the earlier row);
3. a `[check] include` glob that matches it makes it a generic prompt;
4. a row that needs something of the text decides when the text shows it: markdown with frontmatter
   under a `prompts/` folder, and any file whose frontmatter has a `model:` key (or a key one edit
   away from it, `modle:`: the typo that silently drops the model) are generic prompts.

Otherwise it is no prompt file. Rows of the first two kinds need only the path, so the editors can
match them with globs (all but the plugin folders: which folder is a plugin's root is a fact of the
disk, found by the front ends and handed in); rows that need the text are the server's to decide,
and the editors start for `EDITOR_HINTS`, the places such prompts are usually kept.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Sequence
from enum import StrEnum
from typing import NamedTuple

from promptls.router.base.pathglob import path_matches, path_under_root
from promptls.router.prompts.dialects import MARKDOWN_SUFFIXES, Dialect, path_segments


class Needs(StrEnum):
    """What a file's text must show, beyond its path, for the file to count."""

    NOTHING = "nothing"
    MODEL_KEY = "model-key"
    """A frontmatter block at the top of the file with a top-level key `model`, or one a typo away
    from it (`modle`, `mdoel`, `modl`; not `MODEL_LOOKALIKES`), written plain, quoted or in a flow
    mapping (`{model: openai/gpt-4o}`)."""
    FRONTMATTER = "frontmatter"
    """A frontmatter block at the top of the file: its first line is `---`."""
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


# Where the tools read these files, checked 2026-12-07 against their documentation:
# - VS Code: code.visualstudio.com/docs/agent-customization/custom-agents ("VS Code detects any `.md`
#   files in the `.github/agents` folder ... as custom agents"; user agents in `~/.copilot/agents`;
#   `.claude/agents` in Claude's format), .../prompt-files (`*.prompt.md`, `.github/prompts`),
#   .../custom-instructions (`*.instructions.md` in `.github/instructions`, searched recursively;
#   `copilot-instructions.md`, `AGENTS.md` and `CLAUDE.md` are plain markdown, no frontmatter is read:
#   no rows), .../agent-skills (`SKILL.md` in a folder of its own below `.github/skills`,
#   `.claude/skills`, `.agents/skills`, and `~/.copilot/skills`, `~/.claude/skills`, `~/.agents/skills`).
# - GitHub: docs.github.com/en/copilot/reference/custom-agents-configuration (an agent profile's name
#   is its file name "minus `.md` or `.agent.md`": a plain `.md` in `.github/agents` is a profile).
# - Claude Code: code.claude.com/docs/en/sub-agents and /skills (`.claude/agents`, `.claude/commands`,
#   `.claude/skills/<name>/SKILL.md` in the project, in nested folders of a monorepo and in the user's
#   `~/.claude/`; agents are read from subfolders too). `promptls check ~/.claude` finds them by the
#   `.claude` folder in the path. /memory: "All `.md` files are discovered recursively" below
#   `.claude/rules` (and `~/.claude/rules`), which VS Code also reads as instructions files (`paths:`
#   for `applyTo`). Left out (no model, a schema of their own): `.claude/output-styles/*.md`.
PROMPT_RULES: tuple[PromptRule, ...] = (
    PromptRule(Dialect.DOTPROMPT, "Dotprompt", suffixes=(".prompt",)),
    PromptRule(Dialect.COPILOT_PROMPT, "Copilot prompt files", suffixes=(".prompt.md",)),
    PromptRule(Dialect.COPILOT_AGENT, "Copilot custom agents", suffixes=(".agent.md",)),
    PromptRule(Dialect.COPILOT_AGENT, "Copilot chat modes (agents' former name)", suffixes=(".chatmode.md",)),
    PromptRule(Dialect.COPILOT_INSTRUCTIONS, "Copilot instructions files", suffixes=(".instructions.md",)),
    PromptRule(Dialect.PROMPTY, "Prompty", suffixes=(".prompty",)),
    # Only the files right in the folder: the documents name no subfolders for agents.
    PromptRule(
        Dialect.COPILOT_AGENT,
        "Copilot agent profiles (any .md in .github/agents)",
        suffixes=(".md",),
        folder=(".github", "agents"),
        depth=0,
    ),
    PromptRule(
        Dialect.COPILOT_AGENT,
        "Copilot personal agents (~/.copilot/agents)",
        suffixes=(".md",),
        folder=(".copilot", "agents"),
        depth=0,
    ),
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
        Dialect.CLAUDE_RULE, "Claude Code rules (memory)", suffixes=(".md",), folder=(".claude", "rules")
    ),
    PromptRule(
        Dialect.SKILL, "Agent Skills (Copilot)", name="SKILL.md", folder=(".github", "skills"), depth=1
    ),
    PromptRule(Dialect.SKILL, "Agent Skills", name="SKILL.md", folder=(".agents", "skills"), depth=1),
    PromptRule(
        Dialect.SKILL,
        "Agent Skills (Copilot, personal)",
        name="SKILL.md",
        folder=(".copilot", "skills"),
        depth=1,
    ),
    PromptRule(
        Dialect.GENERIC,
        "markdown with frontmatter under a prompts/ folder",
        suffixes=MARKDOWN_SUFFIXES,
        folder=("prompts",),
        needs=Needs.FRONTMATTER,
    ),
    PromptRule(Dialect.GENERIC, "any file whose frontmatter names a model", needs=Needs.MODEL_KEY),
)

EDITOR_HINTS: tuple[PromptRule, ...] = (
    PromptRule(
        Dialect.GENERIC,
        "markdown under a prompts/ folder",
        suffixes=MARKDOWN_SUFFIXES,
        folder=("prompts",),
        needs=Needs.FRONTMATTER,
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


DialectGlobs = Sequence[tuple[str, Dialect]]
"""The project's `[dialects]` table: (glob, dialect) pairs, the most specific glob first
(`SettingsView.dialect_globs`)."""


def dialect_from_globs(path: str, globs: DialectGlobs, root: str | None) -> Dialect | None:
    """The dialect the project's `[dialects]` table gives `path` (its globs anchored at `root`, as
    `[check] include` is): the first glob that matches; None when none does or there is no root."""
    if not globs or not root:
        return None
    rel = path_under_root(path, root)
    return next((dialect for glob, dialect in globs if path_matches(glob, rel)), None)


def classify(
    path: str,
    text: str,
    include: Sequence[str],
    root: str | None,
    rules: Sequence[PromptRule] = PROMPT_RULES,
    *,
    plugin: str | None = None,
    dialects: DialectGlobs = (),
) -> Dialect | None:
    """The dialect of a file, or None when it is no prompt file.

    `include` are the project's `[check] include` globs and `dialects` its `[dialects]` table, both
    relative to `root` (without a root they cannot apply); `plugin` the root of the Claude Code plugin
    the file lies in, if any. A relative `path` (or `plugin`) is taken from the current folder,
    whatever part of it was typed.
    """
    path = os.path.abspath(path)
    dialect = dialect_from_globs(path, dialects, root)
    if dialect is not None:
        return dialect
    dialect = dialect_from_path(path, rules, plugin=os.path.abspath(plugin) if plugin else None)
    if dialect is not None:
        return dialect
    if include and root:
        rel = path_under_root(path, root)
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


def in_plugin_folder(path: str, plugin: str, rules: Sequence[PromptRule] = PROMPT_RULES) -> bool:
    """Does the file lie where a row puts a plugin's own files: in `agents/`, `commands/` or
    `skills/NAME/` right below the root of the plugin (`plugin`, written as `path` is)? Claude Code
    loads such a file from the plugin, whatever else lies between (a `.claude/agents` in the plugin's
    own repository is the project's, not the plugin's)."""
    parts = path_segments(path)
    base = _plugin_base(parts, plugin)
    name = parts[-1].lower() if parts else ""
    return any(
        rule.plugin and _names_file(rule, name) and _plugin_end(rule, parts, base) is not None
        for rule in rules
    )


def is_candidate(path: str) -> bool:
    """Could this file be a prompt file, from its name alone: is it one a workspace walk reads?"""
    return path.lower().endswith(WALKED_SUFFIXES)


def is_settings_name(path: str) -> bool:
    """Is this file, by its name, one of promptls's settings files?"""
    parts = path_segments(path)
    return bool(parts) and parts[-1] in SETTINGS_NAMES


def text_shows(needs: Needs, text: str) -> bool:
    """Does `text` show what a rule needs of it? A cheap look, before any parsing: a walk asks it of
    every markdown file whose path decides nothing, so it reads lines, never YAML."""
    if needs is Needs.MODEL_KEY:
        block = _frontmatter_block(text)
        return block is not None and any(map(_names_model, _top_level_keys(block)))
    if needs is Needs.FRONTMATTER:
        return _OPEN_FENCE.match(text, 1 if text.startswith("\ufeff") else 0) is not None
    if needs is Needs.PROMPTLS_TABLE:
        return _PROMPTLS_TABLE.search(text) is not None
    return True


MODEL_LOOKALIKES = frozenset({"mode", "modes", "modal", "models", "modem", "motel", "morel", "yodel"})
"""Keys one edit away from `model` that are words of their own, not typos of it: a file whose
frontmatter has one is no prompt for that alone. Measured (2026-12-07): `mode` is in 16 of the 1,598
markdown files with frontmatter on this machine (Copilot's old prompt files, `mode: agent`), `models`
lists the models a Hugging Face Space uses (its README.md's documented key: all of 10 sampled hits of
`pinned: false` + `models:` in public repositories were Space cards), `modal` and `modes` are UI
words; none of them means `model` misspelt. Under a `prompts/` folder such a file is a prompt anyway,
and its key is reported there."""


def _names_model(key: str) -> bool:
    """Is `key` the `model` key, or a typo of it (one letter wrong, missing, extra or swapped)?"""
    if key == "model":
        return True
    lower = key.lower()
    return lower not in MODEL_LOOKALIKES and (lower == "model" or _one_edit(lower, "model"))


def _one_edit(a: str, b: str) -> bool:
    """Are `a` and `b` different by one letter substituted, inserted, deleted or two swapped?"""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) > len(b):
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    if len(a) < len(b):
        return a[i:] == b[i + 1 :]
    swapped = i + 1 < len(a) and a[i] == b[i + 1] and a[i + 1] == b[i] and a[i + 2 :] == b[i + 2 :]
    return a[i + 1 :] == b[i + 1 :] or swapped


_PROMPTLS_TABLE = re.compile(r"^[ \t]*\[\[?[ \t]*tool\.promptls[ \t]*[\].]", re.MULTILINE)
# As the frontmatter parser reads the fences (router/prompts/frontmatter.py).
_OPEN_FENCE = re.compile(r"---[ \t]*(?:\r\n|\n|\r|$)")
_BLOCK_KEY = re.compile(
    r"""^(?:"([^"\r\n]{4,6})"|'([^'\r\n]{4,6})'|([A-Za-z][A-Za-z0-9_-]{3,5}))[ \t]*:(?=[ \t\r\n]|$)""",
    re.MULTILINE,
)
"""A key at the start of a line (a top-level key), plain or quoted, of the lengths `model` and its
typos have: others need no look."""
_FLOW_KEY = re.compile(
    r"""[ \t\r\n]*(?:"([^"\\\r\n]*)"|'([^'\r\n]*)'|([^\s"'{}\[\],:#][^{}\[\],:\r\n]*?))[ \t\r\n]*:"""
)
_FLOW_MARK = re.compile(r"""[{}\[\],"'#]""")


def _frontmatter_block(text: str) -> str | None:
    """The frontmatter's text between its fences (to the end when it is never closed), or None when
    the file opens with no `---` line. A BOM and any line ending are allowed."""
    start = 1 if text.startswith("\ufeff") else 0
    fence = _OPEN_FENCE.match(text, start)
    if fence is None:
        return None
    if fence.group().endswith("\r"):  # lines ended by CR alone: read as lines ended by LF
        text, start = text.replace("\r", "\n"), fence.end()
    else:
        start = fence.end()
    return text[start : _closing_fence(text, start)]


def _closing_fence(text: str, start: int) -> int:
    """Where the line `---` (or `...`) that closes a frontmatter starts, looking from the line
    starting at `start`; the end of `text` when there is none. `str.find`, not a regex: a walk asks
    this of every markdown file with frontmatter."""
    at = start - 1
    while True:
        dashes = text.find("\n---", at)
        dots = text.find("\n...", at, len(text) if dashes == -1 else dashes)  # `...` is rare: look no further
        found = dots if dots != -1 else dashes
        if found == -1:
            return len(text)
        end = text.find("\n", found + 4)
        if not text[found + 4 : len(text) if end == -1 else end].strip(" \t\r"):
            return found + 1
        at = found + 1


def _top_level_keys(block: str) -> list[str]:
    """The top-level keys of a frontmatter of the lengths `model` and its typos have, block style,
    or one flow mapping's (`{model: x}`)."""
    first = block.lstrip(" \t\r\n")
    while first.startswith("#"):  # comment lines before a flow mapping
        first = first.partition("\n")[2].lstrip(" \t\r\n")
    if first.startswith("{"):
        return list(_flow_keys(first))
    return [plain or double or single for double, single, plain in _BLOCK_KEY.findall(block)]


def _flow_keys(text: str) -> Iterator[str]:
    """The keys of the flow mapping `text` opens, not those of mappings nested in it. Quoted strings
    and comments are skipped, so a brace or comma inside them counts for nothing."""
    depth, i = 0, 0
    while (mark := _FLOW_MARK.search(text, i)) is not None:
        i, char = mark.end(), mark.group()
        if char in "{[":
            depth += 1
        elif char in "}]":
            depth -= 1
            if depth <= 0:
                return
        elif char == "#":
            if mark.start() == 0 or text[mark.start() - 1] in " \t\r\n":
                i = _line_end(text, i)
            continue
        elif char in "\"'":
            if text[: mark.start()].rstrip(" \t\r\n")[-1:] in ("{", "[", ",", ":"):
                i = _quote_end(text, i, char)
            continue
        if depth == 1 and char in "{,":
            key = _FLOW_KEY.match(text, i)
            if key is not None:
                yield (key.group(1) or key.group(2) or key.group(3) or "").strip()
                i = key.end()


def _line_end(text: str, i: int) -> int:
    end = text.find("\n", i)
    return len(text) if end == -1 else end


def _quote_end(text: str, i: int, quote: str) -> int:
    """The index after the quoted string whose opening `quote` ends at `i`."""
    while True:
        end = text.find(quote, i)
        if end == -1:
            return len(text)
        if quote == '"' and _escaped(text, end):
            i = end + 1
        elif quote == "'" and text.startswith("''", end):
            i = end + 2
        else:
            return end + 1


def _escaped(text: str, i: int) -> bool:
    backslashes = 0
    while i - backslashes - 1 >= 0 and text[i - backslashes - 1] == "\\":
        backslashes += 1
    return backslashes % 2 == 1


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
