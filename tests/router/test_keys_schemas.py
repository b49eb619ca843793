"""What a user sees for the keys each harness documents: accepted keys stay quiet, deprecated ones
come with their replacement, skills follow the Agent Skills spec, tool names only when near a known one."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import pytest
from promptls.router.base.findings import Finding
from promptls.router.checks.lint import check_prompt
from promptls.router.checks.tools import near_miss
from promptls.router.models.catalog import load_catalog
from promptls.router.prompts.frontmatter import parse_prompt
from promptls.router.prompts.keyspec import CLAUDE_TOOLS, COPILOT_TOOLS
from promptls.router.settings import SettingsLoader

TODAY = datetime.date(2026, 12, 7)


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


def check(tmp_path: Path, catalog, relative: str, text: str) -> list[Finding]:
    path = tmp_path / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    loader = SettingsLoader(user_config=str(tmp_path / "none.toml"))
    prompt = parse_prompt(str(path), text)
    return check_prompt(prompt, loader.for_prompt(str(path)), catalog, today=TODAY)


def codes(findings: list[Finding]) -> list[str]:
    return [f.code for f in findings]


def apply_fix(text: str, finding: Finding) -> str:
    assert finding.fix is not None
    for edit in sorted(finding.fix.edits, key=lambda e: e.span.start, reverse=True):
        text = text[: edit.span.start] + edit.new_text + text[edit.span.end :]
    return text


# --- Copilot custom agents --------------------------------------------------------------------


def test_documented_agent_keys_are_accepted(tmp_path, catalog):
    text = (
        "---\nname: Planner\ndescription: Plans a change\n"
        "user-invocable: false\ndisable-model-invocation: true\ntools: read, search, github/*\n"
        "metadata:\n  owner: platform\nmcp-servers:\n  docs:\n    type: local\n    command: docs-mcp\n"
        "agents: ['*']\nhandoffs:\n  - label: Implement\n    agent: agent\n---\nPlan it.\n"
    )
    assert check(tmp_path, catalog, ".github/agents/planner.agent.md", text) == []


def test_user_invokable_is_a_warning_whose_fix_writes_user_invocable(tmp_path, catalog):
    text = "---\ndescription: Reviews\nuser-invokable: false\n---\nReview.\n"
    (finding,) = check(tmp_path, catalog, ".github/agents/rev.agent.md", text)
    assert (finding.code, finding.severity.label) == ("PLS114", "warning")
    assert finding.message == "`user-invokable` is deprecated: use `user-invocable`"
    fixed = apply_fix(text, finding)
    assert "user-invocable: false" in fixed
    assert check(tmp_path, catalog, ".github/agents/rev.agent.md", fixed) == []


@pytest.mark.parametrize(
    ("value", "after"),
    [("false", "user-invocable: false\ndisable-model-invocation: true\n"), ("true", "")],
)
def test_infer_is_deprecated_and_its_fix_writes_both_replacements(tmp_path, catalog, value, after):
    text = f"---\ndescription: Reviews\ninfer: {value}\n---\nReview.\n"
    (finding,) = check(tmp_path, catalog, ".github/agents/rev.agent.md", text)
    assert (finding.code, finding.severity.label) == ("PLS114", "warning")
    assert "use `user-invocable` and `disable-model-invocation`" in finding.message
    fixed = apply_fix(text, finding)
    assert fixed == f"---\ndescription: Reviews\n{after}---\nReview.\n"
    assert check(tmp_path, catalog, ".github/agents/rev.agent.md", fixed) == []


def test_a_cloud_agent_prompt_over_30000_characters(tmp_path, catalog):
    body = "Check the change.\n" * 1800  # 32,400 characters
    for target, severity in (("target: github-copilot\n", "error"), ("", "warning")):
        text = f"---\ndescription: Audits\n{target}---\n{body}"
        (finding,) = check(tmp_path, catalog, ".github/agents/audit.agent.md", text)
        assert (finding.code, finding.severity.label) == ("PLS118", severity)
        assert "32,399 characters" in finding.message
    text = f"---\ndescription: Audits\ntarget: vscode\n---\n{body}"
    assert check(tmp_path, catalog, ".github/agents/audit.agent.md", text) == []
    # 30,000 exactly is allowed.
    text = f"---\ndescription: Audits\n---\n{'x' * 30_000}\n"
    assert check(tmp_path, catalog, ".github/agents/audit.agent.md", text) == []


# --- instructions files -----------------------------------------------------------------------


def test_instructions_keys_are_accepted_and_apply_to_must_be_a_string(tmp_path, catalog):
    text = (
        "---\nname: Python\ndescription: Python rules\napplyTo: '**/*.py'\nexcludeAgent: code-review\n---\n"
    )
    assert check(tmp_path, catalog, ".github/instructions/py.instructions.md", text) == []
    # VS Code: "The 'applyTo' attribute must be a string." (an error there too)
    text = "---\napplyTo: ['**/*.py', '**/*.pyi']\n---\n"
    (finding,) = check(tmp_path, catalog, ".github/instructions/py.instructions.md", text)
    assert (finding.code, finding.severity.label) == ("PLS111", "error")


# --- skills -----------------------------------------------------------------------------------


def test_a_spec_skill_is_accepted(tmp_path, catalog):
    text = (
        "---\nname: pdf-processing\ndescription: Extract PDF text. Use when handling PDFs.\n"
        "license: Apache-2.0\ncompatibility: Requires Python 3.12\nmetadata:\n  author: example-org\n"
        '  version: "1.0"\nallowed-tools: Bash(git:*) Read\n---\nSteps.\n'
    )
    assert check(tmp_path, catalog, ".github/skills/pdf-processing/SKILL.md", text) == []
    assert check(tmp_path, catalog, ".claude/skills/pdf-processing/SKILL.md", text) == []


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("PDF-Processing", "has capital letters"),
        ("-pdf", "starts or ends with a hyphen"),
        ("pdf-", "starts or ends with a hyphen"),
        ("pdf--processing", "has two hyphens in a row"),
        ("pdf_processing", "may hold only lowercase letters, digits and hyphens"),
        ("p" * 65, "has 65 characters; at most 64 are allowed"),
    ],
)
def test_skill_names_outside_the_spec(tmp_path, catalog, name, problem):
    text = f"---\nname: {name}\ndescription: Does it.\n---\n"
    # VS Code skips the skill: an error.
    found = check(tmp_path, catalog, f".github/skills/{name}/SKILL.md", text)
    (finding,) = [f for f in found if f.code == "PLS115"]
    assert finding.severity.label == "error" and problem in finding.message
    # Claude Code loads it under its folder's name: a warning.
    found = check(tmp_path, catalog, f".claude/skills/{name}/SKILL.md", text)
    (finding,) = [f for f in found if f.code == "PLS115"]
    assert finding.severity.label == "warning" and "claude.ai" in finding.message


def test_a_skill_name_differs_from_its_folder(tmp_path, catalog):
    text = "---\nname: pdf\ndescription: Does it.\n---\n"
    (finding,) = check(tmp_path, catalog, ".github/skills/pdf-tools/SKILL.md", text)
    assert (finding.code, finding.severity.label) == ("PLS116", "warning")
    assert check(tmp_path, catalog, ".github/skills/pdf-tools/SKILL.md", apply_fix(text, finding)) == []
    # In a Claude Code plugin `name` sets the command: a different folder is on purpose.
    assert check(tmp_path, catalog, "my-plugin/skills/pdf-tools/SKILL.md", text) == []


def test_a_skill_without_name_or_description(tmp_path, catalog):
    text = "---\nlicense: MIT\n---\nSteps.\n"
    found = check(tmp_path, catalog, ".github/skills/pdf/SKILL.md", text)
    assert sorted((f.code, f.severity.label, f.message.split(":")[0]) for f in found) == [
        ("PLS113", "warning", "a skill should have `description`"),
        ("PLS113", "warning", "a skill should have `name`"),
    ]
    # Claude Code: the folder names the skill; only the description is recommended.
    found = check(tmp_path, catalog, ".claude/skills/pdf/SKILL.md", text)
    assert [(f.code, f.severity.label) for f in found] == [("PLS113", "warning")]
    assert "`description`" in found[0].message


def test_skill_description_and_compatibility_lengths(tmp_path, catalog):
    text = f"---\nname: pdf\ndescription: {'d' * 1025}\ncompatibility: {'c' * 501}\n---\n"
    found = check(tmp_path, catalog, ".github/skills/pdf/SKILL.md", text)
    assert sorted((f.code, f.severity.label, f.message) for f in found) == [
        ("PLS117", "warning", "`compatibility` has 501 characters; at most 500 are allowed"),
        ("PLS117", "warning", "`description` has 1025 characters; at most 1024 are allowed"),
    ]


def test_skill_metadata_is_a_map_of_strings(tmp_path, catalog):
    text = "---\nname: pdf\ndescription: Does it.\nmetadata:\n  version: 1.0\n  author: me\n---\n"
    (finding,) = check(tmp_path, catalog, ".agents/skills/pdf/SKILL.md", text)
    assert (finding.code, finding.severity.label) == ("PLS111", "warning")
    assert finding.message.endswith('quote it: version: "1.0"')
    text = "---\nname: pdf\ndescription: Does it.\nmetadata: [a, b]\n---\n"
    (finding,) = check(tmp_path, catalog, ".agents/skills/pdf/SKILL.md", text)
    assert (finding.code, finding.severity.label) == ("PLS111", "error")


def test_claude_skill_booleans_accept_yes_no_and_1_0(tmp_path, catalog):
    """Claude Code: "Boolean fields accept yes, no, on, off, 1, and 0 in any letter case"."""
    text = "---\ndescription: d\ndisable-model-invocation: 1\nuser-invocable: 'Off'\n---\n"
    assert check(tmp_path, catalog, ".claude/skills/pdf/SKILL.md", text) == []
    assert check(tmp_path, catalog, ".claude/commands/ship.md", text) == []
    text = "---\ndescription: d\nuser-invocable: maybe\n---\n"
    assert codes(check(tmp_path, catalog, ".claude/skills/pdf/SKILL.md", text)) == ["PLS111"]


def test_unknown_skill_keys_point_at_metadata(tmp_path, catalog):
    text = "---\nname: pdf\ndescription: d\nversion: 1.2.0\n---\n"
    (finding,) = check(tmp_path, catalog, ".claude/skills/pdf/SKILL.md", text)
    assert finding.code == "PLS110" and "under `metadata:`" in finding.message


# --- Claude Code subagents and commands -------------------------------------------------------


def test_documented_claude_agent_and_command_keys_are_accepted(tmp_path, catalog):
    text = (
        "---\nname: reviewer\ndescription: Reviews\nmodel: sonnet\neffort: high\npermissionMode: auto\n"
        "initialPrompt: Review the diff\ncolor: cyan\nmemory: project\n---\nReview.\n"
    )
    assert check(tmp_path, catalog, ".claude/agents/reviewer.md", text) == []
    text = (
        "---\ndescription: Ship it\nwhen_to_use: before a release\narguments: version\neffort: low\n"
        "disallowed-tools: AskUserQuestion\nshell: bash\ncontext: fork\nagent: Explore\n---\nShip.\n"
    )
    assert check(tmp_path, catalog, ".claude/commands/ship.md", text) == []


def test_a_subagent_name_with_a_colon_is_skipped_by_claude_code(tmp_path, catalog):
    text = "---\nname: team:reviewer\ndescription: Reviews\n---\n"
    (finding,) = check(tmp_path, catalog, ".claude/agents/reviewer.md", text)
    assert (finding.code, finding.severity.label) == ("PLS115", "error")
    assert "Claude Code skips the file" in finding.message


# --- tool names -------------------------------------------------------------------------------


def test_only_near_misses_of_known_tools_are_reported(tmp_path, catalog):
    text = (
        "---\nname: reviewer\ndescription: Reviews\n"
        "tools: Read, Grepp, mcp__github__get_issue, Bash(git diff:*), Agent(worker), MyCustomTool\n---\n"
    )
    (finding,) = check(tmp_path, catalog, ".claude/agents/reviewer.md", text)
    assert (finding.code, finding.severity.label) == ("PLS119", "warning")
    assert finding.message.startswith("unknown tool `Grepp` in `tools`; did you mean `Grep`?")
    assert apply_fix(text, finding).count("Grep,") == 1
    text = (
        "---\ndescription: Plans\ntools: ['search/codebse', 'myserver/*', 'azure.ext/tool', 'shell']\n---\n"
    )
    (finding,) = check(tmp_path, catalog, ".github/agents/plan.agent.md", text)
    assert "did you mean `search/codebase`?" in finding.message
    assert check(tmp_path, catalog, ".github/agents/plan.agent.md", apply_fix(text, finding)) == []


def test_near_miss():
    assert near_miss("Grepp", CLAUDE_TOOLS, False) == "Grep"
    assert near_miss("read", CLAUDE_TOOLS, False) == "Read"  # Claude Code's names are exact
    assert near_miss("read", COPILOT_TOOLS, True) is None  # GitHub: aliases are case-insensitive
    assert near_miss("Reed", CLAUDE_TOOLS, False) == "Read"
    assert near_miss("mcp__server__Read", CLAUDE_TOOLS, False) is None
    assert near_miss("web_search", COPILOT_TOOLS, True) is None  # the GitHub MCP server's tool
    assert near_miss("Deploy", CLAUDE_TOOLS, False) is None
    assert near_miss("Foo", CLAUDE_TOOLS, False) is None
    assert near_miss("myserver/tool", COPILOT_TOOLS, True) is None
    assert near_miss("search/usage", COPILOT_TOOLS, True) == "search/usages"


def test_the_real_command_reports_the_schema_rules(tmp_path, run_promptls):
    skill = tmp_path / ".github" / "skills" / "pdf-tools" / "SKILL.md"
    skill.parent.mkdir(parents=True)
    skill.write_text("---\nname: PDF_Tools\ndescription: Reads PDFs.\n---\nSteps.\n", encoding="utf-8")
    agent = tmp_path / ".github" / "agents" / "rev.agent.md"
    agent.parent.mkdir(parents=True)
    agent.write_text("---\ndescription: Reviews\nuser-invokable: true\n---\nReview.\n", encoding="utf-8")
    proc = run_promptls("check", ".", "--output-format", "json", cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    found = sorted((f["code"], f["severity"], f["path"].split("/")[-1]) for f in json.loads(proc.stdout))
    assert found == [
        ("PLS114", "warning", "rev.agent.md"),
        ("PLS115", "error", "SKILL.md"),
        ("PLS116", "warning", "SKILL.md"),
    ]


def test_keys_the_agents_target_does_not_read(tmp_path, catalog):
    """GitHub: `argument-hint` and `handoffs` are ignored by the cloud agent; `mcp-servers` and
    `metadata` are "not used in VS Code"."""
    text = "---\ndescription: Plans\ntarget: github-copilot\nargument-hint: a task\ninfer: false\n---\n"
    finding, deprecated = check(tmp_path, catalog, ".github/agents/plan.agent.md", text)
    assert deprecated.code == "PLS114"  # `infer` is still read by the cloud agent, and deprecated
    assert (finding.code, finding.severity.label) == ("PLS110", "warning")
    assert (
        finding.message
        == "`argument-hint` is ignored by GitHub's Copilot cloud agent (`target: github-copilot`)"
    )
    text = "---\ndescription: Plans\ntarget: vscode\nmetadata:\n  team: core\n---\n"
    (finding,) = check(tmp_path, catalog, ".github/agents/plan.agent.md", text)
    assert finding.message == "`metadata` is ignored by VS Code (`target: vscode`)"
    assert check(tmp_path, catalog, ".github/agents/plan.agent.md", apply_fix(text, finding)) == []
