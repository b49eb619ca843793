"""The README tells the truth: every check listed, the test command is the one CI runs."""

from __future__ import annotations

from pathlib import Path

from promptls.router.rules.index import all_rules

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_lists_every_check_with_its_name():
    for rule in all_rules():
        assert f"| `{rule.code}` | `{rule.name}` |" in README, f"{rule.code} missing from README"


def test_readme_tables_every_dialect_where_it_is_found_and_what_is_checked():
    from promptls.router.prompts.dialects import Dialect

    table = README.split("## Prompt files and dialects", 1)[1].split("###", 1)[0]
    for dialect in Dialect:
        assert f"\n| `{dialect.value}` | " in table, f"{dialect.value} missing from the README's file kinds"


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "./scripts/test" in README and "./scripts/setup" in README
    assert ci.strip().splitlines()[-2:] == ["./scripts/setup", "./scripts/test"]


def test_readme_quick_start_output_is_what_resolve_prints(run_promptls):
    block = README.split("$ cd examples && promptls resolve .claude/agents/code-reviewer.md\n", 1)[1]
    expected = block.split("```", 1)[0].rstrip("\n")
    command = ("resolve", ".claude/agents/code-reviewer.md")
    result = run_promptls(*command, cwd=ROOT / "examples", env={"NO_COLOR": "1"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.rstrip("\n") == expected
