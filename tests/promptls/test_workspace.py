"""Workspace discovery: which files `promptls check` visits, in which order, and what each one is."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from promptls.router.prompts.detect import classify
from promptls.router.prompts.dialects import Dialect
from pytest_lsp import ClientServerConfig, LanguageClient

from promptls.workspace import ALWAYS_SKIPPED, plugin_root, walk
from tests.promptls.server.conftest import SERVER_ENV, capabilities, diagnostics, open_doc


def make(root: Path, *files: str, text: str = "") -> None:
    for rel in files:
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def walked(*paths: Path, exclude: tuple[str, ...] = (), root: Path | None = None) -> list[str]:
    """The walk as posix paths relative to `root` (default: the first path)."""
    base = root or paths[0]
    return [Path(f.path).relative_to(base).as_posix() for f in walk([str(p) for p in paths], exclude)]


# --- order and candidates ------------------------------------------------------------------------


def test_walk_lists_a_folders_files_by_name_before_its_subfolders(tmp_path: Path) -> None:
    make(
        tmp_path,
        "z.md",
        "b.md",
        "a.prompt",
        "promptls.toml",
        "pyproject.toml",
        "sub/c.md",
        ".claude/agents/x.md",
        ".github/prompts/p.prompt.md",
        "Readme.markdown",
        "notes.mdx",
    )
    assert walked(tmp_path) == [
        "Readme.markdown",
        "a.prompt",
        "b.md",
        "notes.mdx",
        "promptls.toml",
        "pyproject.toml",
        "z.md",
        ".claude/agents/x.md",
        ".github/prompts/p.prompt.md",
        "sub/c.md",
    ]


def test_walk_skips_files_that_cannot_be_prompts_or_settings(tmp_path: Path) -> None:
    make(tmp_path, "main.py", "data.json", "notes.txt", "promptls.local.toml", "config.toml", "x.md")
    assert walked(tmp_path) == ["promptls.local.toml", "x.md"]


def test_walk_follows_the_given_paths_in_order_and_marks_named_files_explicit(tmp_path: Path) -> None:
    make(tmp_path, "one/a.md", "two/b.md", "notes.txt")
    paths = [tmp_path / "two", tmp_path / "notes.txt", tmp_path / "missing", tmp_path / "one"]
    found = list(walk([str(p) for p in paths]))
    assert [(Path(f.path).relative_to(tmp_path).as_posix(), f.explicit) for f in found] == [
        ("two/b.md", False),
        ("notes.txt", True),  # named on the command line: visited whatever its suffix
        ("one/a.md", False),
    ]


def test_walk_of_a_single_file_yields_it_even_when_gitignored(tmp_path: Path) -> None:
    make(tmp_path, "secret.md")
    (tmp_path / ".gitignore").write_text("secret.md\n")
    assert walked(tmp_path) == []
    [found] = walk([str(tmp_path / "secret.md")])
    assert found.explicit and found.path == str(tmp_path / "secret.md")


# --- .gitignore ----------------------------------------------------------------------------------


def test_gitignore_patterns_for_files_and_folders(tmp_path: Path) -> None:
    make(tmp_path, "keep.md", "draft.tmp.md", "drafts/a.md", "build/out.md", "deep/drafts/b.md")
    (tmp_path / ".gitignore").write_text("# comment\n*.tmp.md\ndrafts/\n/build\n")
    assert walked(tmp_path) == ["keep.md"]


def test_nested_gitignore_applies_below_its_folder_only(tmp_path: Path) -> None:
    make(tmp_path, "local.md", "sub/local.md", "sub/other.md", "sub/deeper/local.md")
    (tmp_path / "sub" / ".gitignore").write_text("/local.md\n")
    assert walked(tmp_path) == ["local.md", "sub/other.md", "sub/deeper/local.md"]


def test_negation_reincludes_a_file(tmp_path: Path) -> None:
    make(tmp_path, "a.md", "keep.md", "sub/b.md", "sub/important.md")
    (tmp_path / ".gitignore").write_text("*.md\n!keep.md\n")
    (tmp_path / "sub" / ".gitignore").write_text("!important.md\n")
    assert walked(tmp_path) == ["keep.md", "sub/important.md"]


def test_nested_gitignore_can_ignore_what_a_parent_reincluded(tmp_path: Path) -> None:
    make(tmp_path, "a.md", "sub/a.md", "sub/b.md")
    (tmp_path / ".gitignore").write_text("*.md\n!a.md\n")
    (tmp_path / "sub" / ".gitignore").write_text("a.md\n")
    assert walked(tmp_path) == ["a.md"]


def test_no_file_in_an_ignored_folder_comes_back_through_negation(tmp_path: Path) -> None:
    # As in git: a file cannot be re-included when a folder above it is excluded.
    make(tmp_path, "vendor/keep.md")
    (tmp_path / ".gitignore").write_text("vendor/\n!vendor/keep.md\n")
    assert walked(tmp_path) == []


def test_gitignore_of_parent_folders_applies_up_to_the_repository_top(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    make(repo, "app/prompts/a.md", "app/prompts/generated.md")
    (repo / ".git").mkdir()
    (repo / ".gitignore").write_text("generated.md\n")
    (tmp_path / ".gitignore").write_text("a.md\n")  # above the repository: not git's business
    assert walked(repo / "app") == ["prompts/a.md"]


def test_gitignore_of_parent_folders_is_not_read_outside_a_repository(tmp_path: Path) -> None:
    make(tmp_path, "app/a.md")
    (tmp_path / ".gitignore").write_text("a.md\n")
    assert walked(tmp_path / "app") == ["a.md"]
    assert walked(tmp_path) == []


@pytest.mark.parametrize("folder", sorted(ALWAYS_SKIPPED))
def test_always_skipped_folders_are_never_walked(tmp_path: Path, folder: str) -> None:
    make(tmp_path, f"{folder}/a.md", f"nested/{folder}/b.md", "c.md")
    assert walked(tmp_path) == ["c.md"]


def test_always_skipped_holds_version_control_and_dependency_folders() -> None:
    assert {".git", "node_modules", "__pycache__"} <= ALWAYS_SKIPPED


# --- exclude -------------------------------------------------------------------------------------


def test_exclude_globs_are_relative_to_the_walked_folder(tmp_path: Path) -> None:
    make(tmp_path, "prompts/a.md", "prompts/old/b.md", "other/prompts/c.md", "x.draft.md", "sub/y.draft.md")
    assert walked(tmp_path, exclude=("prompts/**",)) == ["x.draft.md", "other/prompts/c.md", "sub/y.draft.md"]
    assert walked(tmp_path, exclude=("prompts/*",)) == [
        "x.draft.md",
        "other/prompts/c.md",
        "prompts/old/b.md",
        "sub/y.draft.md",
    ]
    # A glob without `/` matches the file name in any folder, as in .gitignore.
    assert walked(tmp_path, exclude=("*.draft.md",)) == [
        "other/prompts/c.md",
        "prompts/a.md",
        "prompts/old/b.md",
    ]


def test_exclude_does_not_drop_a_file_named_explicitly(tmp_path: Path) -> None:
    make(tmp_path, "a.draft.md")
    assert [f.explicit for f in walk([str(tmp_path / "a.draft.md")], ["*.draft.md"])] == [True]


# --- classify ------------------------------------------------------------------------------------

WITH_MODEL = "---\nname: x\nmodel: openai/gpt-4o\n---\nHello\n"
WITHOUT_MODEL = "---\nname: x\ndescription: no model here\n---\nmodel: in the body is not frontmatter\n"


@pytest.mark.parametrize(
    ("rel", "dialect"),
    [
        (".claude/agents/reviewer.md", Dialect.CLAUDE_AGENT),
        (".claude/commands/git/commit.md", Dialect.CLAUDE_COMMAND),
        (".claude/skills/changelog/SKILL.md", Dialect.CLAUDE_SKILL),
        (".github/prompts/explain.prompt.md", Dialect.COPILOT_PROMPT),
        (".github/agents/planner.agent.md", Dialect.COPILOT_AGENT),
        ("dotprompt/summarize.prompt", Dialect.DOTPROMPT),
    ],
)
def test_classify_by_path_whatever_the_content(tmp_path: Path, rel: str, dialect: Dialect) -> None:
    assert classify(str(tmp_path / rel), "no frontmatter at all", [], str(tmp_path)) is dialect


def test_classify_plain_markdown_is_generic_only_with_a_model_key(tmp_path: Path) -> None:
    path = str(tmp_path / "notes" / "x.md")
    assert classify(path, WITH_MODEL, [], str(tmp_path)) is Dialect.GENERIC
    assert classify(path, "\ufeff" + WITH_MODEL, [], str(tmp_path)) is Dialect.GENERIC
    assert classify(path, "---\r\nname: x\r\nmodel: openai/gpt-4o\r\n---\r\n", [], None) is Dialect.GENERIC
    assert classify(path, WITHOUT_MODEL, [], str(tmp_path)) is None
    assert classify(path, "# A README\n\nmodel: not frontmatter\n", [], str(tmp_path)) is None
    nested = "---\nconfig:\n  model: openai/gpt-4o\n---\n"
    assert classify(path, nested, [], str(tmp_path)) is None
    # A typo of `model` counts (it is what silently drops the model); `mode`, a key of its own, not.
    assert classify(path, "---\nmodle: openai/gpt-4o\n---\n", [], None) is Dialect.GENERIC
    assert classify(path, "---\nmode: agent\n---\n", [], None) is None


def test_classify_markdown_with_frontmatter_under_a_prompts_folder_is_generic(tmp_path: Path) -> None:
    for rel in ("prompts/x.md", "docs/prompts/team/x.md", ".github/prompts/x.md"):
        path = str(tmp_path / rel)
        assert classify(path, WITHOUT_MODEL, [], None) is Dialect.GENERIC
        assert classify(path, "# A README\n\nmodel: not frontmatter\n", [], None) is None


def test_classify_include_globs_make_plain_markdown_generic(tmp_path: Path) -> None:
    path = str(tmp_path / "notes" / "x.md")
    assert classify(path, WITHOUT_MODEL, ["notes/*.md"], str(tmp_path)) is Dialect.GENERIC
    assert classify(path, WITHOUT_MODEL, ["*.md"], str(tmp_path)) is Dialect.GENERIC
    assert classify(path, WITHOUT_MODEL, ["docs/**"], str(tmp_path)) is None
    # Include globs are anchored at the project root; without one they cannot apply.
    assert classify(path, WITHOUT_MODEL, ["notes/*.md"], None) is None


def test_classify_a_relative_path_by_where_the_file_is_not_how_it_was_typed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    make(tmp_path, ".claude/agents/reviewer.md", text=WITHOUT_MODEL)
    monkeypatch.chdir(tmp_path / ".claude" / "agents")
    assert classify("reviewer.md", WITHOUT_MODEL, [], str(tmp_path)) is Dialect.CLAUDE_AGENT
    monkeypatch.chdir(tmp_path / ".claude")
    assert classify("agents/reviewer.md", WITHOUT_MODEL, [], str(tmp_path)) is Dialect.CLAUDE_AGENT


def test_plugin_root_is_the_nearest_folder_up_with_a_plugin_manifest(tmp_path: Path) -> None:
    make(tmp_path, "repo/plug/.claude-plugin/plugin.json", "outer/.claude-plugin/plugin.json", text="{}")
    (tmp_path / "outer" / "repo").mkdir()
    (tmp_path / "outer" / "repo" / ".git").mkdir()
    make(tmp_path, "repo/.claude-plugin/marketplace.json", text="{}")  # a marketplace is no plugin
    assert plugin_root(str(tmp_path / "repo/plug/agents/team/x.md")) == str(tmp_path / "repo/plug")
    assert plugin_root(str(tmp_path / "repo/plug/x.md")) == str(tmp_path / "repo/plug")
    assert plugin_root(str(tmp_path / "repo/x.md")) is None
    # The repository's top bounds the search: a plugin around the repository is not this file's.
    assert plugin_root(str(tmp_path / "outer/repo/agents/x.md")) is None
    assert plugin_root(str(tmp_path / "outer/agents/x.md")) == str(tmp_path / "outer")


# --- what a walk finds, as a user sees it ----------------------------------------------------------


def test_a_walk_checks_a_draft_whose_frontmatter_misspells_model(tmp_path: Path, run_promptls) -> None:
    make(tmp_path, "prompts/draft.md", text="---\nmodle: openai/gpt-4o\n---\nSummarize {{text}}\n")
    make(tmp_path, "notes/typo.md", text="---\nname: x\nmdoel: openai/gpt-4o\n---\nHi\n")
    # One edit away from `model` too, but keys of their own: a Copilot prompt of old, a Space card.
    make(tmp_path, "notes/old.md", text="---\nmode: agent\ntemperature: 5\n---\nHi\n")
    make(tmp_path, "README.md", text="---\ntitle: Demo\nsdk: gradio\nmodels:\n  - Qwen/Qwen3-4B\n---\n")
    proc = run_promptls("check", ".", cwd=tmp_path)
    assert proc.stdout.splitlines()[:2] == [
        "notes/typo.md:3:1: PLS110 [*] unknown key `mdoel` for a generic file; did you mean `model`?",
        "prompts/draft.md:2:1: PLS110 [*] unknown key `modle` for a generic file; did you mean `model`?",
    ]
    assert "in 2 prompt files" in proc.stdout


def test_check_on_the_users_claude_folder_checks_its_agents_commands_and_skills(
    tmp_path: Path, run_promptls
) -> None:
    home = tmp_path / "home"
    make(home, ".claude/agents/rev.md", text="---\nname: rev\ndescription: x\nmodel: sonet\n---\nHi\n")
    make(home, ".claude/commands/git/commit.md", text="---\ndescription: x\nmodel: sonet\n---\nHi\n")
    make(home, ".claude/skills/pdf/SKILL.md", text="---\nname: pdf\ndescription: x\nmodel: sonet\n---\nHi\n")
    make(home, ".claude/CLAUDE.md", text="# My instructions\n")
    make(home, ".claude/agents/ok.md", text="---\nname: ok\ndescription: x\nmodel: sonnet\n---\nHi\n")
    for where in (home, home / ".claude"):
        proc = run_promptls(
            "check", str(home / ".claude"), "--output-format", "json", cwd=where, env={"HOME": str(home)}
        )
        found = sorted((Path(f["path"]).as_posix(), f["code"]) for f in json.loads(proc.stdout))
        assert [(path.split(".claude/")[-1], code) for path, code in found] == [
            ("agents/rev.md", "PLS201"),
            ("commands/git/commit.md", "PLS201"),
            ("skills/pdf/SKILL.md", "PLS201"),
        ]
        assert all("did you mean `sonnet`" in f["message"] for f in json.loads(proc.stdout))


def test_resolve_and_check_read_a_file_in_the_dialect_settings_give_it(tmp_path: Path, run_promptls) -> None:
    (tmp_path / "promptls.toml").write_text('[dialects]\n"library/agents/**/*.md" = "claude-agent"\n')
    make(
        tmp_path,
        "library/agents/team/rev.md",
        text="---\nname: rev\ndescription: x\nmodel: sonnet\n---\nHi\n",
    )
    check = run_promptls("check", ".", cwd=tmp_path)
    assert (check.returncode, check.stdout.splitlines()[0]) == (
        0,
        "All checks passed (1 prompt file, 1 settings file).",
    )
    resolved = run_promptls("resolve", "library/agents/team/rev.md", "--json", cwd=tmp_path)
    assert json.loads(resolved.stdout)["dialect"] == "claude-agent"


# --- the shell and the editor agree ---------------------------------------------------------------

FLAWED = "---\nmodel: sonnet\ntemperature: 5\n---\nHi {{name}} $ARGUMENTS\n"
"""Flawed as a prompt of any dialect, and differently by dialect (`sonnet` is a Claude Code alias)."""
NO_MODEL = "---\ndescription: no model\ntemperature: 5\n---\nHi\n"
CLAUDE_AGENT = "---\nname: rev\ndescription: Reviews\nmodel: sonnet\ncolor: blue\n---\nReview it.\n"
"""Clean as a Claude Code agent; as a generic prompt `sonnet` names no provider and `color` is unknown."""
"""Flawed too, but a prompt only where its path or a `[check] include` glob makes it one."""

AGREEMENT = {
    ".claude/agents/rev.md": FLAWED,
    ".claude/commands/git/commit.md": FLAWED,
    ".claude/skills/log/SKILL.md": FLAWED,
    ".claude/skills/SKILL.md": FLAWED,  # no skill (no folder of its own): generic by its `model:`
    ".claude/skills/deep/er/SKILL.md": NO_MODEL,
    ".github/prompts/explain.prompt.md": FLAWED,
    ".github/agents/plan.agent.md": NO_MODEL,
    "old.chatmode.md": FLAWED,
    "dotprompt/hello.prompt": FLAWED,
    "prompts/with-model.md": FLAWED,
    "prompts/without-model.md": NO_MODEL,
    "notes/with-model.md": FLAWED,
    "notes/readme.md": "# Notes\n\nmodel: in the body is not frontmatter\n",
    "docs/ai/included.md": NO_MODEL,
    ".github/instructions/style.instructions.md": NO_MODEL,
    # A Claude Code plugin (`plug/.claude-plugin/plugin.json`): there `sonnet` is a Claude alias.
    "plug/agents/reviewer.md": FLAWED,
    "plug/commands/ship.md": NO_MODEL,
    "plug/skills/pdf/SKILL.md": NO_MODEL,
    "plug/agents/clean.md": CLAUDE_AGENT,  # no diagnostics, in the shell or the editor
    "unplugged/agents/reviewer.md": FLAWED,
    "unplugged/agents/clean.md": CLAUDE_AGENT,
    # Layouts and generic prompts of issue 12: a plain `.md` in .github/agents is an agent profile;
    # a typo of `model` makes a prompt (and is reported), `mode` does not.
    ".github/agents/plan.md": NO_MODEL,
    "prompts/draft.md": "---\nmodle: openai/gpt-4o\n---\nHi\n",
    "notes/typo.md": "---\nmdoel: openai/gpt-4o\n---\nHi\n",
    "notes/mode.md": "---\nmode: agent\ntemperature: 5\n---\nHi\n",
    # `[dialects]` in promptls.toml reads library/agents as Claude Code agents, in both.
    "library/agents/rev.md": FLAWED,
    "library/agents/clean.md": CLAUDE_AGENT,
}
AGREEMENT_PROMPTS = [
    ".claude/agents/rev.md",
    ".claude/commands/git/commit.md",
    ".claude/skills/SKILL.md",
    ".claude/skills/log/SKILL.md",
    ".github/agents/plan.agent.md",
    ".github/agents/plan.md",
    ".github/instructions/style.instructions.md",
    ".github/prompts/explain.prompt.md",
    "docs/ai/included.md",
    "dotprompt/hello.prompt",
    "library/agents/rev.md",
    "notes/typo.md",
    "notes/with-model.md",
    "old.chatmode.md",
    "plug/agents/reviewer.md",
    "plug/commands/ship.md",
    "plug/skills/pdf/SKILL.md",
    "prompts/draft.md",
    "prompts/with-model.md",
    "prompts/without-model.md",
    "unplugged/agents/clean.md",
    "unplugged/agents/reviewer.md",
]


@pytest.fixture
def mixed_workspace(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    (root / ".git").mkdir(parents=True)
    for rel, text in AGREEMENT.items():
        make(root, rel, text=text)
    settings = '[check]\ninclude = ["docs/ai/*.md"]\n\n[dialects]\n"library/agents/*.md" = "claude-agent"\n'
    (root / "promptls.toml").write_text(settings, encoding="utf-8")
    make(root, "plug/.claude-plugin/plugin.json", text='{"name": "plug"}\n')
    return root


@pytest_lsp.fixture(
    config=ClientServerConfig(
        server_command=[sys.executable, "-m", "promptls", "serve"], server_env=SERVER_ENV
    )
)
async def server(lsp_client: LanguageClient, mixed_workspace: Path):
    """The real `promptls serve`, for a client that pulls diagnostics (an answer for every file)."""
    params = types.InitializeParams(
        capabilities=capabilities("pull"),
        root_uri=mixed_workspace.as_uri(),
        workspace_folders=[types.WorkspaceFolder(uri=mixed_workspace.as_uri(), name="ws")],
        initialization_options={"diagnosticsDelay": 0},
    )
    await lsp_client.initialize_session(params)
    yield
    await lsp_client.shutdown_session()


async def test_check_and_the_server_agree_on_what_is_a_prompt_and_its_dialect(
    server: LanguageClient, mixed_workspace: Path, run_promptls
) -> None:
    proc = run_promptls("check", "--output-format", "json", ".", cwd=mixed_workspace)
    shell = sorted(
        (f["path"], f["code"], f["location"]["line"], f["location"]["column"])
        for f in json.loads(proc.stdout)
    )
    editor = []
    for rel in AGREEMENT:
        uri = open_doc(
            server, mixed_workspace / rel, language="prompt" if rel.endswith(".prompt") else "markdown"
        )
        for found in await diagnostics(server, uri):
            editor.append((rel, found.code, found.range.start.line + 1, found.range.start.character + 1))
    assert sorted(editor) == shell
    assert sorted({path for path, *_ in shell}) == AGREEMENT_PROMPTS
