"""The schema data: every dialect's keys come from a documented page, checked on a date."""

from __future__ import annotations

import datetime
import re

import pytest
from promptls.router.prompts.dialects import Dialect
from promptls.router.prompts.keyspec import (
    CLAUDE_TOOLS,
    COPILOT_TOOLS,
    PROMPTLS_KEYS,
    Kind,
    keys_for,
    sources_for,
)
from promptls.router.prompts.schemas import claude, copilot, skills

# A dialect whose keys another part of the work fills in has no table yet.
WITH_KEYS = [d for d in Dialect if set(keys_for(d)) - {spec.name for spec in PROMPTLS_KEYS}]


def test_every_dialect_with_keys_has_a_source_and_a_date():
    assert Dialect.SKILL in WITH_KEYS and Dialect.COPILOT_INSTRUCTIONS in WITH_KEYS
    for dialect in WITH_KEYS:
        sources = sources_for(dialect)
        assert sources, dialect
        for source in sources:
            assert source.title and source.url, (dialect, source)
            checked = datetime.date.fromisoformat(source.checked)
            assert datetime.date(2026, 1, 1) <= checked <= datetime.date.today(), (dialect, source)


@pytest.mark.parametrize("dialect", WITH_KEYS)
def test_keys_are_unique_and_documented(dialect):
    names = [spec.name for spec in keys_for(dialect).values()]
    assert len(names) == len(set(names))
    for spec in keys_for(dialect).values():
        assert spec.doc.strip().endswith((".", ")")), (dialect, spec.name)
        assert not (spec.required and spec.recommended), (dialect, spec.name)
        if spec.replaced_by:
            assert spec.replaced_by in keys_for(dialect), (dialect, spec.name)


def test_copilot_agents_take_user_invocable_and_the_old_spellings_are_deprecated():
    specs = keys_for(Dialect.COPILOT_AGENT)
    assert specs["user-invocable"].kind is Kind.BOOLEAN and not specs["user-invocable"].replaced_by
    assert specs["user-invokable"].replaced_by == "user-invocable"
    infer = specs["infer"]
    assert "user-invocable" in infer.deprecated and "disable-model-invocation" in infer.deprecated
    # GitHub's cloud agent keys are in the same table as VS Code's.
    assert {"target", "mcp-servers", "metadata", "handoffs", "agents", "hooks"} <= set(specs)
    assert specs["target"].allowed == ("vscode", "github-copilot")


def test_instructions_files_take_apply_to_description_name_and_exclude_agent():
    assert set(keys_for(Dialect.COPILOT_INSTRUCTIONS)) >= {
        "applyTo",
        "description",
        "name",
        "excludeAgent",
    }


def test_claude_rules_take_paths_and_vs_codes_name_and_description():
    """Claude Code reads `paths` (a string or a list of globs); VS Code reads `.claude/rules` as
    instructions, with `name` and `description`. Nothing is required: a rule may have no frontmatter."""
    specs = keys_for(Dialect.CLAUDE_RULE)
    assert specs["paths"].kind is Kind.STRINGS
    assert {"paths", "name", "description"} <= set(specs)
    assert not any(spec.required or spec.recommended for spec in specs.values())
    urls = [source.url for source in sources_for(Dialect.CLAUDE_RULE)]
    assert urls == [claude.MEMORY.url, copilot.VSCODE_INSTRUCTIONS.url]
    assert not Dialect.CLAUDE_RULE.is_claude  # a rule names no model: no Claude aliases in it
    assert Dialect.CLAUDE_RULE.assignment_table is None


def test_skills_follow_the_agent_skills_spec():
    specs = keys_for(Dialect.SKILL)
    assert {"name", "description", "license", "compatibility", "metadata", "allowed-tools"} <= set(specs)
    assert specs["description"].max_length == 1024 and specs["compatibility"].max_length == 500
    assert re.fullmatch(skills.NAME_PATTERN, "pdf-processing")
    for bad in ("PDF-Processing", "-pdf", "pdf-", "pdf--processing", "pdf_processing"):
        assert not re.fullmatch(skills.NAME_PATTERN, bad), bad


def test_claude_skills_need_no_key_and_commands_ignore_name():
    """Claude Code: a skill's name defaults to its folder; `name` and `paths` are ignored in commands."""
    skill = keys_for(Dialect.CLAUDE_SKILL)
    assert not any(spec.required for spec in skill.values() if not spec.promptls)
    assert skill["description"].recommended and not skill["name"].recommended
    command = keys_for(Dialect.CLAUDE_COMMAND)
    assert "name" not in command and "paths" not in command
    assert {"when_to_use", "arguments", "effort", "shell", "disallowed-tools"} <= set(command)
    assert skill["user-invocable"].kind is Kind.FLAG


def test_tool_keys_list_known_tools_instead_of_allowed_values():
    for dialect, key in (
        (Dialect.CLAUDE_AGENT, "tools"),
        (Dialect.CLAUDE_AGENT, "disallowedTools"),
        (Dialect.CLAUDE_COMMAND, "allowed-tools"),
        (Dialect.CLAUDE_SKILL, "allowed-tools"),
        (Dialect.COPILOT_AGENT, "tools"),
        (Dialect.COPILOT_PROMPT, "tools"),
    ):
        spec = keys_for(dialect)[key]
        assert spec.tools and not spec.allowed, (dialect, key)
    assert {"Agent", "Read", "Grep", "Task", "Skill"} <= set(CLAUDE_TOOLS)
    assert {"search/codebase", "web/fetch", "edit", "execute", "read", "Grep"} <= set(COPILOT_TOOLS)
    assert len(CLAUDE_TOOLS) == len(set(CLAUDE_TOOLS)) and len(COPILOT_TOOLS) == len(set(COPILOT_TOOLS))
    assert claude.TOOLS_REFERENCE in sources_for(Dialect.CLAUDE_AGENT)
    assert copilot.VSCODE_TOOLS in sources_for(Dialect.COPILOT_AGENT)


def test_the_cloud_agent_limit_is_githubs():
    assert copilot.CLOUD_AGENT_PROMPT_LIMIT == 30_000
    assert copilot.GITHUB_AGENTS in sources_for(Dialect.COPILOT_AGENT)
