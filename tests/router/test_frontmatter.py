"""Prompt-file parsing: where the frontmatter is, the span of every key and value, and the problems a
user sees at the right line instead of an exception."""

from __future__ import annotations

import pytest
from promptls.router.base.findings import Finding
from promptls.router.prompts.dialects import Dialect
from promptls.router.prompts.frontmatter import PromptFile, decode, invalid_utf8_in_buffer, parse_prompt


def text_at(text: str, span) -> str:
    return text[span.start : span.end]


def apply_fix(text: str, finding: Finding) -> str:
    assert finding.fix is not None, f"{finding.code} offers no fix"
    for edit in sorted(finding.fix.edits, key=lambda e: e.span.start, reverse=True):
        text = text[: edit.span.start] + edit.new_text + text[edit.span.end :]
    return text


def codes(prompt: PromptFile) -> list[str]:
    return [p.code for p in prompt.problems]


AGENT = """\
---
name: code-reviewer
description: "Reviews a diff: bugs first"
model: 'openai/gpt-4o'
tools: [Read, Grep]
fallback:
  - openrouter/deepseek/deepseek-chat
  - ollama/llama3.2:3b
config:
  temperature: 0.2
  topK: 40
---
You are a meticulous reviewer.
"""


@pytest.fixture
def agent() -> PromptFile:
    return parse_prompt("/p/.claude/agents/code-reviewer.md", AGENT)


# --- spans --------------------------------------------------------------------------------------


def test_keys_in_order_with_line_and_column(agent):
    assert [e.key for e in agent.entries] == [
        "name",
        "description",
        "model",
        "tools",
        "fallback",
        "config",
    ]
    name = agent.get("name")
    assert (name.key_span.line, name.key_span.column) == (2, 1)
    assert (name.value_span.line, name.value_span.column) == (2, 7)
    assert text_at(AGENT, name.value_span) == "code-reviewer"
    assert agent.problems == ()


def test_quoted_values_span_their_quotes_and_keep_their_style(agent):
    description = agent.get("description")
    assert description.value == "Reviews a diff: bugs first"
    assert text_at(AGENT, description.value_span) == '"Reviews a diff: bugs first"'
    assert description.style == '"'
    model = agent.get("model")
    assert text_at(AGENT, model.value_span) == "'openai/gpt-4o'"
    assert (model.value_span.line, model.value_span.column) == (4, 8)
    assert model.replacement_text("openai/gpt-4.1") == "'openai/gpt-4.1'"
    assert agent.get("name").replacement_text("x") == "x"


def test_flow_sequence_items_have_their_own_spans(agent):
    tools = agent.get("tools")
    assert tools.value == ["Read", "Grep"]
    assert [text_at(AGENT, i.span) for i in tools.items] == ["Read", "Grep"]
    assert [(i.span.line, i.span.column) for i in tools.items] == [(5, 9), (5, 15)]


def test_block_sequence_items_span_each_line(agent):
    fallback = agent.get("fallback")
    assert [i.value for i in fallback.items] == [
        "openrouter/deepseek/deepseek-chat",
        "ollama/llama3.2:3b",
    ]
    assert [(i.span.line, i.span.column) for i in fallback.items] == [(7, 5), (8, 5)]
    assert text_at(AGENT, fallback.items[1].span) == "ollama/llama3.2:3b"
    # the entry runs from its key's line to the line after its last item: what a removal deletes
    assert text_at(AGENT, fallback.entry_span) == (
        "fallback:\n  - openrouter/deepseek/deepseek-chat\n  - ollama/llama3.2:3b\n"
    )


def test_nested_mapping_children_have_spans(agent):
    config = agent.get("config")
    assert config.value == {"temperature": 0.2, "topK": 40}
    assert [c.key for c in config.children] == ["temperature", "topK"]
    temperature = config.child("temperature")
    assert temperature.value == 0.2
    assert (temperature.key_span.line, temperature.key_span.column) == (10, 3)
    assert text_at(AGENT, temperature.value_span) == "0.2"
    assert config.child("missing") is None


def test_body_and_frontmatter_span(agent):
    assert agent.body == "You are a meticulous reviewer.\n"
    assert agent.has_frontmatter
    assert AGENT[agent.frontmatter.start : agent.frontmatter.end].startswith("name: code-reviewer\n")
    assert AGENT[agent.frontmatter.end :].startswith("---\nYou are")
    assert agent.insertion_point() == agent.frontmatter.end


def test_spans_count_characters_not_bytes():
    text = "---\ndescription: café 😀 ü\nmodel: openai/gpt-4o\nx: [a, 😀b]\n---\n"
    prompt = parse_prompt("p.md", text)
    assert text_at(text, prompt.get("description").value_span) == "café 😀 ü"
    assert text_at(text, prompt.get("model").value_span) == "openai/gpt-4o"
    assert [text_at(text, i.span) for i in prompt.get("x").items] == ["a", "😀b"]


def test_dialect_and_name_come_from_the_path(agent):
    assert agent.dialect is Dialect.CLAUDE_AGENT
    assert agent.name == "code-reviewer"
    command = parse_prompt("/p/.claude/commands/git/ship.md", "---\ndescription: d\n---\n")
    assert (command.dialect, command.name) == (Dialect.CLAUDE_COMMAND, "ship")


# --- where the frontmatter is -----------------------------------------------------------------


def test_no_frontmatter_is_all_body_and_no_problem():
    prompt = parse_prompt("p.md", "Just a prompt.\nmodel: not-a-key\n")
    assert not prompt.has_frontmatter
    assert prompt.entries == ()
    assert prompt.problems == ()
    assert prompt.body == "Just a prompt.\nmodel: not-a-key\n"
    assert prompt.get("model") is None


@pytest.mark.parametrize(
    "text", ["---\n---\nbody", "---\n\n   \n---\nbody", "---\n# only a comment\n---\nbody"]
)
def test_empty_frontmatter_has_no_entries_and_no_problem(text):
    prompt = parse_prompt("p.md", text)
    assert prompt.has_frontmatter
    assert prompt.entries == ()
    assert prompt.problems == ()
    assert prompt.body == "body"


def test_a_byte_order_mark_before_the_fence_is_skipped():
    text = "\ufeff---\nname: x\n---\nbody"
    prompt = parse_prompt("p.md", text)
    assert prompt.value("name") == "x"
    assert prompt.get("name").key_span.line == 2
    assert prompt.body == "body"
    assert prompt.opening.start == 1


def test_crlf_line_endings():
    text = "---\r\nname: x\r\nmodel: openai/gpt-4o\r\n---\r\nbody\r\n"
    prompt = parse_prompt("p.md", text)
    assert prompt.problems == ()
    model = prompt.get("model")
    assert (model.key_span.line, model.value_span.column) == (3, 8)
    assert text_at(text, model.value_span) == "openai/gpt-4o"
    assert text_at(text, model.entry_span) == "model: openai/gpt-4o\r\n"
    assert prompt.body == "body\r\n"


def test_lone_cr_line_endings():
    text = "---\rname: x\rmodel: openai/gpt-4o\r---\rbody\rmore"
    prompt = parse_prompt("p.md", text)
    assert prompt.problems == ()
    assert prompt.value("model") == "openai/gpt-4o"
    assert prompt.get("model").key_span.line == 3
    assert prompt.body == "body\rmore"


def test_three_dashes_in_the_body_are_body():
    text = "---\nname: x\n---\nIntro\n---\nmodel: openai/gpt-4o\n---\n"
    prompt = parse_prompt("p.md", text)
    assert [e.key for e in prompt.entries] == ["name"]
    assert prompt.body == "Intro\n---\nmodel: openai/gpt-4o\n---\n"


def test_a_document_end_marker_closes_the_frontmatter():
    prompt = parse_prompt("p.md", "---\nname: x\n...\nbody")
    assert prompt.value("name") == "x"
    assert prompt.body == "body"


def test_a_fence_must_start_the_file():
    assert not parse_prompt("p.md", "\n---\nname: x\n---\n").has_frontmatter
    assert not parse_prompt("p.md", "----\nname: x\n---\n").has_frontmatter


# --- problems -------------------------------------------------------------------------------


def test_a_tab_is_reported_at_its_line_with_a_hint_to_use_spaces():
    text = "---\nname: x\ndescription: d\n\tmodel: openai/gpt-4o\n---\nbody"
    prompt = parse_prompt("p.md", text)
    assert codes(prompt) == ["PLS101"]
    problem = prompt.problems[0]
    assert problem.span.line == 4
    assert "spaces" in problem.message
    assert prompt.entries == ()
    assert prompt.body == "body"


def test_duplicate_key_points_at_the_later_one_and_the_fix_removes_the_earlier():
    text = "---\nname: x\nmodel: openai/gpt-4o\ndescription: d\nmodel: gemini/gemini-2.5-pro\n---\nbody\n"
    prompt = parse_prompt("p.md", text)
    assert codes(prompt) == ["PLS103"]
    problem = prompt.problems[0]
    assert problem.span.line == 5
    assert "line 3" in problem.message
    assert prompt.value("model") == "gemini/gemini-2.5-pro"  # the last one, as YAML loaders read it
    fixed = apply_fix(text, problem)
    assert fixed == "---\nname: x\ndescription: d\nmodel: gemini/gemini-2.5-pro\n---\nbody\n"
    assert parse_prompt("p.md", fixed).problems == ()


def test_duplicate_multiline_value_fix_removes_all_of_its_lines():
    text = "---\nfallback:\n  - a/b\n  - c/d\nname: x\nfallback: [e/f]\n---\n"
    prompt = parse_prompt("p.md", text)
    assert codes(prompt) == ["PLS103"]
    assert apply_fix(text, prompt.problems[0]) == "---\nname: x\nfallback: [e/f]\n---\n"


def test_duplicate_keys_in_a_nested_mapping():
    text = "---\nconfig:\n  temperature: 0.1\n  temperature: 0.2\n---\n"
    prompt = parse_prompt("x.prompt", text)
    assert codes(prompt) == ["PLS103"]
    assert prompt.problems[0].span.line == 4
    assert apply_fix(text, prompt.problems[0]) == "---\nconfig:\n  temperature: 0.2\n---\n"


def test_duplicate_keys_on_one_line_get_no_fix_that_would_delete_both():
    prompt = parse_prompt("p.md", "---\n{name: x, name: y}\n---\n")
    assert codes(prompt) == ["PLS103"]
    assert prompt.problems[0].fix is None


@pytest.mark.parametrize(
    ("yaml_text", "kind"),
    [("- a\n- b\n", "a list"), ("just some words\n", "a single value"), ("42\n", "a single value")],
)
def test_frontmatter_that_is_not_a_mapping(yaml_text, kind):
    prompt = parse_prompt("p.md", f"---\n{yaml_text}---\nbody")
    assert codes(prompt) == ["PLS102"]
    assert prompt.problems[0].span.line == 2
    assert kind in prompt.problems[0].message
    assert "key: value" in prompt.problems[0].message
    assert prompt.entries == ()


def test_a_key_that_is_a_list_is_reported():
    prompt = parse_prompt("p.md", "---\n? [a, b]\n: c\nname: x\n---\n")
    assert codes(prompt) == ["PLS102"]
    assert [e.key for e in prompt.entries] == ["name"]


def test_unterminated_frontmatter_points_at_the_opening_fence():
    text = "---\nname: x\nmodel: openai/gpt-4o\n\nYou are helpful.\n"
    prompt = parse_prompt("p.md", text)
    assert codes(prompt) == ["PLS104"]
    assert prompt.problems[0].span.line == 1
    assert "---" in prompt.problems[0].message
    assert not prompt.has_frontmatter
    assert prompt.entries == ()
    assert prompt.body == text


@pytest.mark.parametrize(
    ("yaml_text", "line", "phrase"),
    [
        ("name: x\ndescription: a: b\nmodel: m/n\n", 3, "quote a value"),
        ("name: x\nmodel: [a\ntools: b\n", 4, "invalid YAML"),
        ("name: x\n  bad indent: 1\n", 3, "invalid YAML"),
    ],
)
def test_invalid_yaml_is_reported_at_the_right_line(yaml_text, line, phrase):
    prompt = parse_prompt("p.md", f"---\n{yaml_text}---\nbody")
    assert codes(prompt) == ["PLS101"]
    assert prompt.problems[0].span.line == line
    assert phrase in prompt.problems[0].message
    assert prompt.body == "body"


def test_a_control_character_is_reported_where_it_is():
    text = "---\nname: x\ndescription: café 😀\x00\n---\n"
    prompt = parse_prompt("p.md", text)
    assert codes(prompt) == ["PLS101"]
    problem = prompt.problems[0]
    assert text_at(text, problem.span) == "\x00"
    assert problem.span.line == 3
    assert "\n" not in problem.message


def test_a_lone_surrogate_is_a_finding_not_an_exception():
    text = "---\nname: a\ud800b\n---\n"
    prompt = parse_prompt("p.md", text)
    assert codes(prompt) == ["PLS101"]
    assert text_at(text, prompt.problems[0].span) == "\ud800"


def test_deep_nesting_is_a_finding_not_an_exception():
    prompt = parse_prompt("p.md", "---\na: " + "[" * 2000 + "]" * 2000 + "\n---\n")
    assert codes(prompt) == ["PLS101"]
    assert "nested" in prompt.problems[0].message


def test_python_tags_are_rejected_without_running_anything(tmp_path):
    marker = tmp_path / "ran"
    text = f'---\nname: !!python/object/apply:os.system ["touch {marker}"]\nmodel: openai/gpt-4o\n---\n'
    prompt = parse_prompt("p.md", text)
    assert not marker.exists()
    assert codes(prompt) == ["PLS101"]
    assert prompt.problems[0].span.line == 2
    assert "python/object/apply" in prompt.problems[0].message
    assert prompt.value("name") is None
    assert prompt.value("model") == "openai/gpt-4o"


def test_anchors_and_aliases_resolve():
    prompt = parse_prompt("p.md", "---\nname: &n reviewer\ndescription: *n\n---\n")
    assert prompt.value("description") == "reviewer"


# --- decoding -------------------------------------------------------------------------------


def test_decode_valid_utf8_has_no_finding():
    assert decode("---\nname: café\n---\n".encode(), "p.md") == ("---\nname: café\n---\n", None)


def test_decode_invalid_utf8_reports_the_byte_and_its_position():
    data = b"---\nname: caf\xc3\xa9\nbad: \xff\xfe\n---\n"
    text, finding = decode(data, "p.md")
    assert finding is not None
    assert finding.code == "PLS105"
    assert (finding.span.line, finding.span.column) == (3, 6)
    assert text_at(text, finding.span) == "\ufffd"
    assert "byte 21" in finding.message
    assert "UTF-8" in finding.message
    assert text.startswith("---\nname: café\n")
    # the replaced text still parses
    assert parse_prompt("p.md", text).value("name") == "café"


def test_decode_truncated_sequence_at_the_end():
    text, finding = decode(b"ok\n\xe2\x82", "p.md")
    assert finding is not None and finding.code == "PLS105"
    assert finding.span.line == 2
    assert text == "ok\n\ufffd"


BAD_BYTES = b"---\nname: caf\xc3\xa9\nbad: \xff\xfe\n---\n"


def test_an_editors_text_of_a_file_that_is_not_utf8_gets_the_finding_decode_gives():
    # An editor shows each byte that is not UTF-8 as U+FFFD and sends that text.
    shown = BAD_BYTES.decode("utf-8", errors="replace")
    assert invalid_utf8_in_buffer(shown, BAD_BYTES, "p.md") == decode(BAD_BYTES, "p.md")[1]


def test_an_editor_that_drops_the_byte_order_mark_gets_the_finding_where_its_text_has_it():
    shown = BAD_BYTES.decode("utf-8", errors="replace")
    finding = invalid_utf8_in_buffer(shown, b"\xef\xbb\xbf" + BAD_BYTES, "p.md")
    assert finding is not None
    assert (finding.span.line, finding.span.column) == (3, 6)
    assert text_at(shown, finding.span) == "\ufffd"
    assert "byte 24" in finding.message


@pytest.mark.parametrize(
    ("shown", "data"),
    [
        # Edited since it was read: the editor's text is what gets saved, as UTF-8.
        ("---\nname: café\nbad: \ufffd\ufffd!\n---\n", BAD_BYTES),
        # A U+FFFD typed into a file that is valid UTF-8.
        ("---\nname: \ufffd\n---\n", "---\nname: \ufffd\n---\n".encode()),
        # No U+FFFD at all: whatever is on disk, no byte of this text was replaced.
        ("---\nname: café\n---\n", BAD_BYTES),
    ],
)
def test_an_editors_text_that_is_not_the_files_bytes_gets_no_finding(shown, data):
    assert invalid_utf8_in_buffer(shown, data, "p.md") is None


def test_an_unclosed_quote_is_reported_where_it_opens():
    text = '---\nname: x\ndescription: "never closed\nmodel: openai/gpt-4o\n---\nbody\n'
    (problem,) = parse_prompt("prompts/p.md", text).problems
    assert problem.code == "PLS101"
    assert (problem.span.line, problem.span.column) == (3, 14)
