"""The repository's pre-commit hooks (.pre-commit-hooks.yaml), run by the real `pre-commit` on a
temporary git repository, as a project that lists promptls in its .pre-commit-config.yaml would.

`pre-commit try-repo` clones this checkout at its last commit (what a user's `rev:` would name; a
working tree's half-made changes would not install) and installs promptls into an environment of its
own (from PyPI, with pip's cache: about 15 s the first time), once for the module.
"""

from __future__ import annotations

import os
import pathlib
import subprocess
import sys

import pytest

CHECKOUT = pathlib.Path(__file__).resolve().parents[2]

AGENT = "---\nname: reviewer\ndescription: Reviews code\nmodel: sonnet\n---\nReview the diff.\n"


@pytest.fixture(scope="module")
def pre_commit_home(tmp_path_factory: pytest.TempPathFactory) -> pathlib.Path:
    return tmp_path_factory.mktemp("pre-commit-home")


def _repo(root: pathlib.Path, files: dict[str, str]) -> pathlib.Path:
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    subprocess.run(["git", "add", "-A"], cwd=root, check=True)
    return root


def _try_repo(
    repo: pathlib.Path, home: pathlib.Path, *args: str, hook: str = "promptls-check"
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PRE_COMMIT_HOME": str(home), "NO_COLOR": "1"}
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pre_commit",
            "try-repo",
            str(CHECKOUT),
            hook,
            "--ref",
            "HEAD",
            *args,
        ],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def test_the_hook_passes_a_clean_project(tmp_path, pre_commit_home):
    repo = _repo(tmp_path / "clean", {".claude/agents/reviewer.md": AGENT})
    proc = _try_repo(repo, pre_commit_home, "--all-files")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "promptls check" in proc.stdout and "Passed" in proc.stdout


def test_the_hook_fails_a_commit_with_an_error_and_says_where(tmp_path, pre_commit_home):
    repo = _repo(
        tmp_path / "flawed",
        {
            ".claude/agents/reviewer.md": AGENT,
            "prompts/summarize.md": "---\nmodel: gpt-4o\n---\nSummarize {{text}}.\n",
        },
    )
    proc = _try_repo(repo, pre_commit_home, "--all-files")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "Failed" in proc.stdout
    assert "prompts/summarize.md:2:8: PLS201" in proc.stdout
    assert ".claude/agents/reviewer.md" not in proc.stdout  # `sonnet` is right in a Claude agent


def test_the_hook_skips_a_commit_that_touches_no_file_promptls_reads(tmp_path, pre_commit_home):
    repo = _repo(
        tmp_path / "other",
        {"prompts/summarize.md": "---\nmodel: gpt-4o\n---\nHi\n", "src/app.py": "print('hi')\n"},
    )
    proc = _try_repo(repo, pre_commit_home, "--files", "src/app.py")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Skipped" in proc.stdout


def test_the_locked_hook_fails_when_a_prompt_moved_from_its_lock(tmp_path, pre_commit_home, run_promptls):
    repo = _repo(tmp_path / "locked", {".claude/agents/reviewer.md": AGENT})
    assert run_promptls("lock", cwd=repo).returncode == 0
    subprocess.run(["git", "add", "-A"], cwd=repo, check=True)
    passed = _try_repo(repo, pre_commit_home, "--all-files", hook="promptls-check-locked")
    assert passed.returncode == 0, passed.stdout + passed.stderr
    (repo / "promptls.toml").write_text('[agents.reviewer]\nmodel = "openai/gpt-4o-mini"\n')
    subprocess.run(["git", "add", "-A"], cwd=repo, check=True)
    failed = _try_repo(repo, pre_commit_home, "--files", "promptls.toml", hook="promptls-check-locked")
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert ".claude/agents/reviewer.md:4:8: PLS601 resolves to `openai/gpt-4o-mini`" in failed.stdout
