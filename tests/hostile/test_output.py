"""What promptls prints cannot be turned against the reader: file names and values from files do not
inject GitHub workflow commands or terminal escapes, and a closed pipe does not change `check`'s
verdict."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

EVIL_NAME = "a,line=9::x\n::warning file=pwned.md::injected \x1b[2J\x1b]0;title\x07.md"


def evil_workspace(root: Path) -> Path:
    prompts = root / "prompts"
    prompts.mkdir()
    (prompts / EVIL_NAME).write_text("---\nmodel: openai/gpt-4o-mini\n\x1b[31mkey: 1\n---\nHi\n")
    return root


def test_github_annotations_escape_file_names_and_messages(run_promptls, tmp_path):
    evil_workspace(tmp_path)
    proc = run_promptls("check", "--output-format", "github", ".", cwd=tmp_path)
    lines = proc.stdout.splitlines()
    # One finding (YAML rejects the escape character), one annotation: nothing injected.
    assert len(lines) == 1
    assert lines[0].startswith(
        "::error title=promptls (PLS101),file=prompts/a%2Cline=9%3A%3Ax%0A%3A%3Awarning"
    )
    assert "::warning file=pwned.md" not in proc.stdout
    assert "\x1b" not in proc.stdout


def test_text_output_shows_control_characters_instead_of_sending_them(run_promptls, tmp_path):
    evil_workspace(tmp_path)
    (tmp_path / "prompts" / "plain.md").write_text("---\nmodel: openai/gpt-4o-mini\n'\x1b[2Jk': 1\n---\nHi\n")
    proc = run_promptls("check", "--color", "always", ".", cwd=tmp_path)
    shown = proc.stdout.replace("\x1b[0m", "").replace("\x1b[1m", "")
    for style in ("\x1b[31;1m", "\x1b[33;1m", "\x1b[32m", "\x1b[36m"):
        shown = shown.replace(style, "")
    assert "\x1b" not in shown, shown  # only promptls's own colours are escape sequences
    assert "\x07" not in shown
    assert "\\x1b[2J" in shown
    assert "\\x0a::warning" in shown


def test_a_closed_pipe_keeps_checks_verdict(tmp_path):
    prompts = tmp_path / "prompts"
    prompts.mkdir()
    for n in range(300):  # more output than a pipe buffer holds
        (prompts / f"p{n:03}.md").write_text("---\nmodel: nope/x\n---\nHi\n")
    script = f'{sys.executable} -m promptls check . | head -c 1 >/dev/null; echo "status=${{PIPESTATUS[0]}}"'
    proc = subprocess.run(["bash", "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert proc.stdout.strip() == "status=1"
    assert "Traceback" not in proc.stderr
