"""The README tells the truth: every check listed, the test command is the one CI runs."""

from __future__ import annotations

from pathlib import Path

from promptls.router.rules.index import all_rules

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_lists_every_check_with_its_name():
    for rule in all_rules():
        assert f"| `{rule.code}` | `{rule.name}` |" in README, f"{rule.code} missing from README"


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "./scripts/test" in README and "./scripts/setup" in README
    assert ci.strip().splitlines()[-2:] == ["./scripts/setup", "./scripts/test"]


def test_readme_quick_start_output_is_what_resolve_prints():
    import os
    import subprocess
    import sys

    block = README.split("$ cd examples && promptls resolve .claude/agents/code-reviewer.md\n", 1)[1]
    expected = block.split("```", 1)[0].rstrip("\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PROMPTLS_")}
    env.update(PROMPTLS_CONFIG=str(ROOT / "no-such-user-config.toml"), NO_COLOR="1")
    result = subprocess.run(
        [sys.executable, "-m", "promptls", "resolve", ".claude/agents/code-reviewer.md"],
        cwd=ROOT / "examples",
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.rstrip("\n") == expected
