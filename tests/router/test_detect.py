"""Which files are prompt files, of which dialect, and which are settings files: the core's table.

`CASES` is also what tests/test_editor_patterns.py holds the editors' generated patterns to.
"""

from __future__ import annotations

import pytest
from promptls.router.prompts.detect import (
    EDITOR_HINTS,
    MODEL_LOOKALIKES,
    PROMPT_RULES,
    SETTINGS_FILES,
    WALKED_SUFFIXES,
    Needs,
    classify,
    covers,
    dialect_from_globs,
    dialect_from_path,
    in_plugin_folder,
    is_candidate,
    is_settings_name,
    text_shows,
)
from promptls.router.prompts.dialects import Dialect, path_segments, prompt_name
from promptls.router.settings.discover import LOCAL_FILE, PROJECT_FILE, PYPROJECT_FILE

WITH_MODEL = "---\nname: x\nmodel: openai/gpt-4o\n---\nHello\n"
WITHOUT_MODEL = "---\nname: x\ndescription: no model here\n---\nmodel: in the body is not frontmatter\n"
PLAIN = "# Notes\n\nNot a prompt.\n"
TYPO = "---\nname: draft\nmodle: openai/gpt-4o\n---\nHello\n"
"""The typo that silently drops the model: one edit away from `model`."""
MODE = "---\ndescription: a Copilot prompt of old\nmode: agent\n---\nHello\n"
"""`mode` is one edit away from `model` too, but a key of its own (MODEL_LOOKALIKES)."""
SPACE_CARD = "---\ntitle: Demo\nsdk: gradio\npinned: false\nmodels:\n  - Qwen/Qwen3-4B\n---\n# Demo\n"
"""A Hugging Face Space's README.md: `models` lists the models the Space uses."""
FLOW = "---\n{name: x, model: openai/gpt-4o}\n---\nHello\n"

A, C, S = Dialect.CLAUDE_AGENT, Dialect.CLAUDE_COMMAND, Dialect.CLAUDE_SKILL
CP, CA, D, G = Dialect.COPILOT_PROMPT, Dialect.COPILOT_AGENT, Dialect.DOTPROMPT, Dialect.GENERIC

MODEL_KEY_TEXTS: list[tuple[str, bool]] = [
    # A typo of `model`: one letter wrong, missing, extra or two swapped; any case.
    ("---\nmodle: openai/gpt-4o\n---\n", True),
    ("---\nmdoel: openai/gpt-4o\n---\n", True),
    ("---\nmodl: openai/gpt-4o\n---\n", True),
    ("---\nmodell: openai/gpt-4o\n---\n", True),
    ("---\nmodek: openai/gpt-4o\n---\n", True),
    ("---\nModel: openai/gpt-4o\n---\n", True),
    # Words of their own, one edit away but no typo; two edits away.
    *((f"---\n{key}: x\n---\n", False) for key in sorted(MODEL_LOOKALIKES)),
    ("---\nMode: agent\n---\n", False),
    ("---\nmdl: openai/gpt-4o\n---\n", False),
    ("---\nmodels_used: [a]\n---\n", False),
    # Quoted keys, a flow mapping (its own keys only), a BOM and CRLF line endings.
    ('---\n"model": openai/gpt-4o\n---\n', True),
    ("---\n'modle': openai/gpt-4o\n---\n", True),
    ("---\n{model: openai/gpt-4o}\n---\n", True),
    ('---\n# a comment first\n{"name": "x", "modle": "openai/gpt-4o"}\n---\n', True),
    ("---\n{description: 'it''s {odd}, isn''t it', model: x}\n---\n", True),
    ('---\n{description: "a \\" {", model: x}\n---\n', True),
    ("---\n{description: don't, model: x}\n---\n", True),
    ("---\n{config: {model: x}, tags: [model]}\n---\n", False),
    ("---\n{description: x # {, model: y\n}\n---\n", False),
    ("\ufeff---\r\nname: x\r\nmodle: y\r\n---\r\n", True),
    # Not a top-level key of the frontmatter.
    ("---\nconfig:\n  model: x\n---\n", False),
    ("---\nmodel:x\n---\n", False),
    ("---\nname: x\n---\nmodle: in the body\n", False),
    ("----\nmodel: x\n---\n", False),
]
"""Frontmatters that show a `model` key (or a typo of it) or do not; the editors are held to them too."""

CASES: list[tuple[str, str, Dialect | None]] = [
    # Claude Code: the folder decides, whatever the text.
    ("ws/.claude/agents/reviewer.md", PLAIN, A),
    ("ws/.claude/agents/team/reviewer.markdown", PLAIN, A),
    ("ws/.claude/commands/ship.md", PLAIN, C),
    ("ws/.claude/commands/git/commit.mdx", PLAIN, C),
    ("ws/.claude/skills/changelog/SKILL.md", PLAIN, S),
    ("ws/.claude/skills/changelog/skill.md", PLAIN, S),  # file names in any case
    ("ws/.claude/skills/SKILL.md", PLAIN, None),  # a skill is a folder of its own
    ("ws/.claude/skills/a/b/SKILL.md", PLAIN, None),
    ("ws/.claude/skills/changelog/notes.md", PLAIN, None),
    ("ws/.claude/CLAUDE.md", PLAIN, None),
    ("ws/.claude/agents.md", PLAIN, None),
    ("ws/agents/reviewer.md", PLAIN, None),  # not below .claude
    ("ws/.Claude/agents/reviewer.md", PLAIN, None),  # folders compare exactly
    ("ws/.claude/agents/notes.txt", PLAIN, None),
    # The nearest folder decides; a row naming the file beats any folder.
    ("ws/.claude/agents/.claude/commands/x.md", PLAIN, C),
    ("ws/.claude/commands/old/.claude/agents/x.md", PLAIN, A),
    ("ws/.claude/agents/x.prompt.md", PLAIN, CP),
    # Copilot and Dotprompt: the name decides.
    ("ws/.github/prompts/explain.prompt.md", PLAIN, CP),
    ("ws/Explain.PROMPT.MD", PLAIN, CP),
    ("ws/.github/agents/planner.agent.md", PLAIN, CA),
    ("ws/.github/chatmodes/planner.chatmode.md", PLAIN, CA),
    # GitHub and VS Code read any `.md` right in .github/agents as an agent profile; Copilot's personal
    # folders (~/.copilot) hold agents and skills too.
    ("ws/.github/agents/planner.md", PLAIN, CA),
    ("ws/.github/agents/team/planner.md", PLAIN, None),
    ("ws/.github/agents/planner.markdown", PLAIN, None),
    ("home/.copilot/agents/helper.md", PLAIN, CA),
    ("home/.copilot/skills/pdf/SKILL.md", PLAIN, Dialect.SKILL),
    ("home/.copilot/skills/pdf/notes.md", PLAIN, None),
    # The user's ~/.claude, when promptls is pointed at it, and .claude folders nested in a monorepo.
    ("home/.claude/agents/reviewer.md", PLAIN, A),
    ("home/.claude/commands/ship.md", PLAIN, C),
    ("home/.claude/skills/pdf/SKILL.md", PLAIN, S),
    ("home/.claude/CLAUDE.md", WITHOUT_MODEL, None),
    ("ws/packages/web/.claude/agents/reviewer.md", PLAIN, A),
    # Claude Code's memory rules: any .md below .claude/rules (subfolders too), project or user; a rule
    # needs no frontmatter.
    ("ws/.claude/rules/testing.md", PLAIN, Dialect.CLAUDE_RULE),
    ("ws/.claude/rules/frontend/react.md", WITHOUT_MODEL, Dialect.CLAUDE_RULE),
    ("home/.claude/rules/preferences.md", PLAIN, Dialect.CLAUDE_RULE),
    ("ws/.claude/rules/notes.txt", PLAIN, None),
    ("ws/.claude/rules/style.instructions.md", PLAIN, Dialect.COPILOT_INSTRUCTIONS),
    ("ws/.claude/agents/rules/reviewer.md", PLAIN, A),  # the nearest folder decides
    # Instructions the tools read as plain markdown, with no frontmatter of theirs: no prompts.
    ("ws/AGENTS.md", WITHOUT_MODEL, None),
    ("ws/.github/copilot-instructions.md", WITHOUT_MODEL, None),
    ("ws/dotprompt/summarize.prompt", PLAIN, D),
    # Generic: the text decides. Under a prompts/ folder any frontmatter makes a prompt.
    ("ws/prompts/hello.md", WITH_MODEL, G),
    ("ws/prompts/readme.md", WITHOUT_MODEL, G),
    ("ws/prompts/team/old.md", MODE, G),
    ("ws/prompts/readme.md", PLAIN, None),
    ("ws/prompts/notes.txt", WITHOUT_MODEL, None),
    ("ws/notes/readme.md", PLAIN, None),
    # Elsewhere a `model` key does, or a typo of it; a word that is only one edit away does not.
    ("ws/notes/draft.md", TYPO, G),
    ("ws/notes/flow.md", FLOW, G),
    ("ws/notes/old.md", MODE, None),
    ("ws/README.md", SPACE_CARD, None),
    ("ws/notes/readme.md", WITHOUT_MODEL, None),
    ("ws/notes/draft.md", WITH_MODEL, G),
    ("ws/notes/draft.txt", WITH_MODEL, G),  # any file the walk or an editor hands over
    # Copilot instructions, Agent Skills outside .claude, Prompty: the name (and folder) decides.
    ("ws/.github/instructions/style.instructions.md", WITHOUT_MODEL, Dialect.COPILOT_INSTRUCTIONS),
    ("ws/style.instructions.md", PLAIN, Dialect.COPILOT_INSTRUCTIONS),
    ("ws/.github/skills/pdf/SKILL.md", PLAIN, Dialect.SKILL),
    ("ws/.agents/skills/pdf/SKILL.md", PLAIN, Dialect.SKILL),
    ("ws/.agents/skills/SKILL.md", PLAIN, None),
    ("ws/prompty/basic.prompty", PLAIN, Dialect.PROMPTY),
    ("ws/promptls.toml", PLAIN, None),
    # Every frontmatter of the text test, in a file whose path decides nothing (a CR-only file aside:
    # an editor splits it into lines no other way).
    *((f"ws/notes/{n}.md", text, G if shows else None) for n, (text, shows) in enumerate(MODEL_KEY_TEXTS)),
]


@pytest.mark.parametrize(("rel", "text", "dialect"), CASES)
def test_classify(tmp_path, rel: str, text: str, dialect: Dialect | None) -> None:
    assert classify(str(tmp_path / rel), text, [], str(tmp_path)) is dialect


PLUGIN_CASES: list[tuple[str, str, Dialect | None]] = [
    # In a Claude Code plugin (root `ws/plug`) its own folders hold agents, commands and skills.
    ("ws/plug/agents/reviewer.md", PLAIN, A),
    ("ws/plug/commands/ship.md", PLAIN, C),
    ("ws/plug/commands/git/commit.md", PLAIN, C),
    ("ws/plug/skills/pdf/SKILL.md", PLAIN, S),
    ("ws/plug/skills/SKILL.md", PLAIN, None),  # a skill is a folder of its own, here too
    ("ws/plug/skills/pdf/forms.md", PLAIN, None),
    ("ws/plug/docs/agents/notes.md", PLAIN, None),  # right below the plugin's root only
    ("ws/plug/README.md", PLAIN, None),
    ("ws/other/agents/reviewer.md", PLAIN, None),  # outside the plugin
    ("ws/other/agents/reviewer.md", WITH_MODEL, G),
    ("ws/plug/agents/x.prompt.md", PLAIN, CP),  # a row naming the file still wins
    ("ws/plug/.claude/commands/x.md", PLAIN, C),  # `.claude` rows keep working inside a plugin
]


@pytest.mark.parametrize(("rel", "text", "dialect"), PLUGIN_CASES)
def test_classify_in_a_plugin(tmp_path, rel: str, text: str, dialect: Dialect | None) -> None:
    plugin = str(tmp_path / "ws" / "plug")
    assert classify(str(tmp_path / rel), text, [], str(tmp_path), plugin=plugin) is dialect


@pytest.mark.parametrize(
    ("rel", "inside"),
    [
        ("agents/reviewer.md", True),
        ("agents/security/audit.md", True),
        ("commands/git/commit.md", True),
        ("skills/pdf/SKILL.md", True),
        ("skills/pdf/forms.md", False),
        (".claude/agents/helper.md", False),  # the plugin repository's own project files
        ("docs/agents/notes.md", False),
    ],
)
def test_in_plugin_folder_tells_the_plugins_own_files(rel: str, inside: bool) -> None:
    assert in_plugin_folder(f"/w/plug/{rel}", "/w/plug") is inside
    assert not in_plugin_folder(f"/w/other/{rel}", "/w/plug")


def test_plugin_folders_count_only_with_a_plugin_root() -> None:
    assert dialect_from_path("/w/plug/agents/reviewer.md") is None
    assert dialect_from_path("/w/plug/agents/reviewer.md", plugin="/w/plug") is Dialect.CLAUDE_AGENT
    assert dialect_from_path("/w/plug/agents/reviewer.md", plugin="/w/elsewhere") is None
    assert (
        dialect_from_path("C:\\w\\plug\\skills\\pdf\\SKILL.md", plugin="C:\\w\\plug") is Dialect.CLAUDE_SKILL
    )


def test_windows_separators_tell_the_same_dialect() -> None:
    assert dialect_from_path("C:\\work\\.claude\\agents\\reviewer.md") is Dialect.CLAUDE_AGENT
    assert dialect_from_path("C:\\work\\.claude\\skills\\x\\SKILL.md") is Dialect.CLAUDE_SKILL


def test_every_dialect_has_a_row() -> None:
    assert {rule.dialect for rule in PROMPT_RULES} == set(Dialect)


def test_the_path_alone_decides_only_rows_that_need_nothing_of_the_text() -> None:
    assert dialect_from_path("/ws/prompts/hello.md") is None
    assert dialect_from_path("/ws/.claude/agents/x.md") is Dialect.CLAUDE_AGENT


def test_model_key_is_a_top_level_key_of_the_frontmatter() -> None:
    assert text_shows(Needs.MODEL_KEY, WITH_MODEL)
    assert text_shows(Needs.MODEL_KEY, "\ufeff" + WITH_MODEL)
    assert text_shows(Needs.MODEL_KEY, "---\r\nname: x\r\nmodel: openai/gpt-4o\r\n---\r\n")
    assert text_shows(Needs.MODEL_KEY, "---\nmodel : openai/gpt-4o\n---\n")
    assert not text_shows(Needs.MODEL_KEY, WITHOUT_MODEL)
    assert not text_shows(Needs.MODEL_KEY, "# A README\n\nmodel: not frontmatter\n")
    assert not text_shows(Needs.MODEL_KEY, "---\nconfig:\n  model: openai/gpt-4o\n---\n")


@pytest.mark.parametrize(("text", "shows"), MODEL_KEY_TEXTS)
def test_model_key_or_a_typo_of_it(text: str, shows: bool) -> None:
    assert text_shows(Needs.MODEL_KEY, text) is shows


def test_a_file_of_cr_line_endings_is_read_by_lines_too() -> None:
    assert text_shows(Needs.MODEL_KEY, "---\rname: x\rmodel: y\r---\r")


def test_frontmatter_is_a_first_line_of_three_dashes() -> None:
    assert text_shows(Needs.FRONTMATTER, WITHOUT_MODEL)
    assert text_shows(Needs.FRONTMATTER, "\ufeff---\r\ntitle: x\r\n---\r\n")
    assert text_shows(Needs.FRONTMATTER, "---\ntitle: never closed\n")
    assert not text_shows(Needs.FRONTMATTER, PLAIN)
    assert not text_shows(Needs.FRONTMATTER, "# Title\n---\nx: y\n---\n")
    assert not text_shows(Needs.FRONTMATTER, "------\n")


A_TABLE = (("library/agents/**/*.md", A), ("library/**", C), ("*.prompt.md", G))
"""A project's `[dialects]`, most specific glob first (as `SettingsView.dialect_globs` gives it)."""


@pytest.mark.parametrize(
    ("rel", "dialect"),
    [
        ("library/agents/team/reviewer.md", A),
        ("library/commands/ship.md", C),
        ("library/agents/notes.txt", C),  # the next glob that matches
        ("docs/explain.prompt.md", G),  # the table beats where the file lies, and its name
        (".claude/agents/reviewer.md", A),  # no glob matches: the rows decide
        ("notes/readme.md", None),
    ],
)
def test_the_dialects_table_beats_the_rows(tmp_path, rel: str, dialect: Dialect | None) -> None:
    path = str(tmp_path / rel)
    assert classify(path, PLAIN, [], str(tmp_path), dialects=A_TABLE) is dialect
    # Anchored at the project's folder, as `[check] include`: without one it cannot apply.
    assert dialect_from_globs(path, A_TABLE, None) is None


@pytest.mark.parametrize(
    ("text", "shows"),
    [
        ('[tool.promptls]\nmodel = "x"\n', True),
        ('[project]\nname = "x"\n\n[tool.promptls.agents.rev]\nmodel = "x"\n', True),
        ('  [ tool.promptls ]\nmodel = "x"\n', True),
        ("[tool.ruff]\nline-length = 110\n", False),
        ("[tool.promptlsx]\n", False),
        ("# [tool.promptls]\n", False),
        ('description = "see [tool.promptls]"\n', False),
    ],
)
def test_pyproject_counts_when_it_holds_a_promptls_table(text: str, shows: bool) -> None:
    assert text_shows(Needs.PROMPTLS_TABLE, text) is shows


def test_settings_files_are_the_ones_the_settings_loader_reads() -> None:
    assert {rule.name for rule in SETTINGS_FILES} == {PROJECT_FILE, LOCAL_FILE, PYPROJECT_FILE}
    for name in (PROJECT_FILE, LOCAL_FILE, PYPROJECT_FILE):
        assert is_settings_name(f"/ws/sub/{name}")
    for other in ("promptls.toml.bak", "Promptls.toml", "config.toml", "/ws/promptls.toml/x.md", ""):
        assert not is_settings_name(other)


def test_walk_reads_markdown_and_every_ending_a_row_names() -> None:
    for rule in PROMPT_RULES:
        for ending in rule.suffixes or ((rule.name.lower(),) if rule.name else ()):
            assert is_candidate(f"/ws/x/file{ending}" if not rule.name else f"/ws/x/{ending}"), rule
    assert is_candidate("README.MD") and is_candidate("a.mdx") and is_candidate("a.markdown")
    assert not is_candidate("main.py") and not is_candidate("data.json") and not is_candidate("prompt")
    assert ".md" in WALKED_SUFFIXES


def test_each_editor_hint_lies_within_a_row_that_needs_the_text() -> None:
    # Hints widen nothing: the server still decides by the text, with the same row.
    for hint in EDITOR_HINTS:
        folder = "/".join(hint.folder) + "/" if hint.folder else ""
        sample = path_segments(f"/ws/{folder}x{hint.suffixes[0]}")
        assert covers(hint, sample)
        rows = [r for r in PROMPT_RULES if r.needs is hint.needs and r.dialect is hint.dialect]
        assert any(covers(row, sample) for row in rows), hint


def test_prompt_names_drop_each_rows_ending() -> None:
    for rule in PROMPT_RULES:
        if rule.name:
            assert prompt_name(f"/ws/{'/'.join(rule.folder)}/tidy/{rule.name}", rule.dialect) == "tidy"
        for suffix in rule.suffixes:
            assert prompt_name(f"/ws/{'/'.join(rule.folder)}/tidy{suffix}", rule.dialect) == "tidy", suffix
