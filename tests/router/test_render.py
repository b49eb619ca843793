"""What a model receives: each dialect's template filled from arguments, variables and stdin."""

from __future__ import annotations

import pytest
from promptls.router.prompts.dialects import Dialect
from promptls.router.prompts.frontmatter import parse_prompt
from promptls.router.prompts.messages import RenderError, render


def _prompt(path: str, body: str, frontmatter: str = "model: openai/gpt-4o\n"):
    return parse_prompt(path, f"---\n{frontmatter}---\n{body}")


def test_claude_command_arguments_and_positionals():
    prompt = _prompt(".claude/commands/fix.md", "Fix issue $1 in $2. All: $ARGUMENTS\n")
    assert render(prompt, ["42", "api"]).user == "Fix issue 42 in api. All: 42 api"


def test_claude_command_without_placeholders_gets_the_input_appended():
    prompt = _prompt(".claude/commands/review.md", "Review the change.\n")
    assert render(prompt, stdin="diff --git a b\n").user == "Review the change.\n\ndiff --git a b"


def test_agents_are_system_prompts_and_need_a_task():
    prompt = _prompt(".claude/agents/rev.md", "You review code.\n", "name: rev\ndescription: d\n")
    assert prompt.dialect is Dialect.CLAUDE_AGENT
    rendered = render(prompt, stdin="check this diff")
    assert (rendered.system, rendered.user) == ("You review code.", "check this diff")
    with pytest.raises(RenderError, match="system prompt"):
        render(prompt)


def test_copilot_inputs_come_from_variables():
    prompt = _prompt("x.prompt.md", "Explain ${input:topic:what to explain} simply.\n")
    assert render(prompt, variables={"topic": "monads"}).user == "Explain monads simply."
    with pytest.raises(RenderError, match=r"`topic`: give it with --var topic=\.\.\."):
        render(prompt)


def test_dotprompt_handlebars_with_defaults_and_blocks():
    frontmatter = (
        "model: googleai/gemini-2.5-flash\ninput:\n  schema:\n    text: string\n"
        "  default:\n    audience: engineers\n"
    )
    body = "Summarize{{#if audience}} for {{audience}}{{else}} for anyone{{/if}}:\n\n{{text}}\n"
    prompt = _prompt("s.prompt", body, frontmatter)
    assert render(prompt, variables={"text": "Hello."}).user == "Summarize for engineers:\n\nHello."
    with pytest.raises(RenderError, match="`text`"):
        render(prompt)


def test_generic_variables_and_input():
    prompt = _prompt("prompts/notes.md", "Notes for {{version}}:\n")
    assert render(prompt, variables={"version": "1.4"}, stdin="- fix").user == "Notes for 1.4:\n\n- fix"
