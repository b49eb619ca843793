"""One bad glob blanks nothing: a reversed range or a broken bracket in `.gitignore`, `[check]
include/exclude` or `[prompts."…"]` is read as git reads it, a settings glob that cannot mean what it
says is a warning at its line, and every other prompt is still checked and resolved."""

from __future__ import annotations

import json


def test_bad_globs_are_warnings_at_their_line_and_everything_else_still_works(run_promptls, tmp_path):
    (tmp_path / "prompts").mkdir()
    (tmp_path / "prompts" / "a.md").write_text("---\nmodel: openai/gpt-4o\ntemprature: 1\n---\nHi\n")
    (tmp_path / ".gitignore").write_text("[z-a]\n[[:alpha:]]*.log\nbroken[\n")
    (tmp_path / "promptls.toml").write_text(
        '[check]\ninclude = ["docs/[z-a]*.md"]\nexclude = ["vendor/[[:nope:]]"]\n\n'
        '[prompts."prompts/[b-a].md"]\nmax_tokens = 5\n'
    )
    proc = run_promptls("check", "--output-format", "json", ".", cwd=tmp_path)
    found = sorted(
        (f["path"], f["location"]["line"], f["code"], f["severity"]) for f in json.loads(proc.stdout)
    )
    assert found == [
        ("promptls.toml", 2, "PLS303", "warning"),
        ("promptls.toml", 3, "PLS303", "warning"),
        ("promptls.toml", 5, "PLS303", "warning"),
        ("promptls.toml", 5, "PLS304", "warning"),
        ("prompts/a.md", 3, "PLS110", "warning"),
    ]
    messages = [f["message"] for f in json.loads(proc.stdout) if f["code"] == "PLS303"]
    assert "the range `z-a` is reversed: it matches only `z`" in messages[0]
    assert messages[2].startswith('[prompts."prompts/[b-a].md"]')

    proc = run_promptls("resolve", "prompts/a.md", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "openai/gpt-4o" in proc.stdout
