"""The README tells the truth: every check listed, the test command is the one CI runs."""

from __future__ import annotations

from pathlib import Path

from router.rules import all_rules

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_lists_every_check_with_its_name():
    for rule in all_rules():
        assert f"| `{rule.code}` | `{rule.name}` |" in README, f"{rule.code} missing from README"


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "./scripts/test" in README
    assert ci.strip().splitlines()[-1] == "./scripts/test"
