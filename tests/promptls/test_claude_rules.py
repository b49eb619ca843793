"""Claude Code's memory rules (`.claude/rules/**/*.md`) in the shell: a rule without frontmatter is
fine, `paths` is a string or a list of globs, a glob that can match nothing is a warning at its item,
and another tool's key for the globs (`globs`, `applyTo`) is told in Claude Code's terms."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import RunPromptls

RULES = {
    # The layouts of the memory page: no frontmatter, a list, a string with a brace group, subfolders.
    ".claude/rules/code-style.md": "# Code style\n\n- Two spaces.\n",
    ".claude/rules/api.md": '---\npaths:\n  - "src/api/**/*.ts"\n  - "lib/**/*.{ts,tsx}"\n---\n# API\n',
    ".claude/rules/frontend/react.md": '---\npaths: "src/**/*.{ts,tsx}, tests/**/*.test.ts"\n---\n# React\n',
    # `\[` is a literal `[`, as the memory page says to write one; VS Code's keys are accepted.
    ".claude/rules/photos.md": (
        "---\nname: Photos\ndescription: Albums\npaths:\n  - 'photos \\[2024/**'\n---\n# Photos\n"
    ),
}


def _check(run_promptls: RunPromptls, root: Path) -> tuple[int, list[dict]]:
    proc = run_promptls("check", ".", "--output-format", "json", cwd=root)
    return proc.returncode, json.loads(proc.stdout)


def _write(root: Path, files: dict[str, str]) -> None:
    for relative, text in files.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text(text, encoding="utf-8")


def test_rules_as_the_memory_page_writes_them_pass(tmp_path: Path, run_promptls: RunPromptls) -> None:
    _write(tmp_path, RULES)
    assert _check(run_promptls, tmp_path) == (0, [])
    text = run_promptls("check", ".", cwd=tmp_path).stdout
    assert "4 prompt files" in text


def test_paths_problems_are_shown_where_they_are_written(tmp_path: Path, run_promptls: RunPromptls) -> None:
    _write(
        tmp_path,
        {
            ".claude/rules/photos.md": '---\npaths:\n  - "src/**"\n  - "photos [2024/**"\n---\n# Photos\n',
            ".claude/rules/cursor.md": '---\nglobs: "**/*.ts"\nalwaysApply: false\n---\n# From Cursor\n',
            ".claude/rules/count.md": "---\npaths: 3\n---\n# Three\n",
        },
    )
    status, found = _check(run_promptls, tmp_path)
    shown = {(f["path"], f["location"]["line"], f["code"], f["severity"]) for f in found}
    assert shown == {
        (".claude/rules/photos.md", 4, "PLS112", "warning"),
        (".claude/rules/cursor.md", 2, "PLS110", "warning"),
        (".claude/rules/cursor.md", 3, "PLS110", "warning"),
        (".claude/rules/count.md", 2, "PLS111", "error"),
    }
    messages = {(f["path"], f["location"]["line"]): f["message"] for f in found}
    assert "`[` is never closed" in messages[(".claude/rules/photos.md", 4)]
    assert "did you mean `paths`?" in messages[(".claude/rules/cursor.md", 2)]
    assert "list of strings or a comma-separated string" in messages[(".claude/rules/count.md", 2)]
    assert status == 1


def test_an_unquoted_glob_is_a_warning_since_claude_code_still_reads_the_rule(
    tmp_path: Path, run_promptls: RunPromptls
) -> None:
    # YAML reads `*` as an alias, but Claude Code's own reader loads such a rule
    # (anthropics/claude-code#17204): promptls warns, for the other tools, and does not fail the build.
    _write(tmp_path, {".claude/rules/cs.md": "---\npaths: **/*.cs\n---\n# C#\n"})
    status, findings = _check(run_promptls, tmp_path)
    assert status == 0
    [finding] = findings
    assert (finding["code"], finding["severity"]) == ("PLS101", "warning")
    assert finding["message"].endswith(
        "(Claude Code still reads this rule; other tools do not: quote the value)"
    )
