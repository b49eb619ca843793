"""Fuzzing the parsers with what editors hand over mid-keystroke: random bytes, mangled frontmatter
and TOML. Nothing may raise, and every span must lie within the text it points into."""

from __future__ import annotations

import datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from promptls.router.base.findings import Finding
from promptls.router.base.source import LineIndex, Span
from promptls.router.checks.lint import check_prompt, check_settings_file
from promptls.router.models.catalog import load_catalog
from promptls.router.prompts.frontmatter import Entry, PromptFile, decode, parse_prompt
from promptls.router.settings import Layer, ProjectSettings, load_settings

CATALOG = load_catalog()
EMPTY = ProjectSettings(None, None, None, None)
TODAY = datetime.date(2026, 11, 1)

PATHS = (
    "/w/.claude/agents/reviewer.md",
    "/w/.claude/commands/git/ship.md",
    "/w/.claude/skills/pdf/SKILL.md",
    "/w/.github/prompts/review.prompt.md",
    "/w/.github/agents/plan.agent.md",
    "/w/prompts/summarize.prompt",
    "/w/prompts/notes.md",
)

TEMPLATE = """\
---
name: reviewer
description: "Reviews: diffs"
model: openai/gpt-4o
fallback:
  - openrouter/meta-llama/llama-3.3-70b-instruct:free
  - 'ollama/llama3.2:3b'
tools: [Read, Grep]
temperature: 0.2
config:
  temperature: 0.9
  maxOutputTokens: 100
model_fallback: true
---
You review diffs. {{input}}
"""

TOML_TEMPLATE = """\
[defaults]
model = "openai/gpt-4o"  # note
fallback = [
  "openrouter/deepseek/deepseek-chat",  # first
  'ollama/llama3.2:3b',
]
temperature = 0.3

[agents.reviewer]
model = "ollama/qwen2.5-coder"
agents.x = { model = "openai/gpt-4o" }

[commands."git:commit-message"]
model = "openai/gpt-4o-mini"

[providers.lm]
base_url = "http://localhost:1234/v1"
"""

NASTY = [
    "---",
    "\n---\n",
    "...",
    ":",
    ": ",
    "\t",
    '"',
    "'",
    "[",
    "]",
    "{",
    "}",
    "- ",
    "\ufeff",
    "\x00",
    "\ud800",
    "\udfff",
    "\r",
    "\r\n",
    "\n",
    "#",
    "&a ",
    "*a",
    "!!python/object/apply:os.system ",
    "!!binary ",
    "? ",
    "|",
    ">",
    "=",
    "[[",
    '"""',
    "\\",
    "😀",
    "model: ",
    "model = ",
    "é",
]


@st.composite
def mangled(draw, template: str) -> str:
    """The template with a few nasty pieces inserted and a few characters deleted."""
    text = template
    for _ in range(draw(st.integers(0, 6))):
        at = draw(st.integers(0, len(text)))
        piece = draw(st.sampled_from(NASTY) | st.text(max_size=4))
        text = text[:at] + piece + text[at:]
    for _ in range(draw(st.integers(0, 3))):
        if not text:
            break
        at = draw(st.integers(0, len(text) - 1))
        text = text[:at] + text[at + draw(st.integers(1, 8)) :]
    return text


# --- invariants ------------------------------------------------------------------------------


def assert_span(span: Span, text: str, lines: LineIndex) -> None:
    assert 0 <= span.start <= span.end <= len(text), (span, len(text))
    assert span.start_pos == lines.position(span.start)
    assert span.end_pos == lines.position(span.end)


def assert_entry(entry: Entry, text: str, lines: LineIndex) -> None:
    for span in (entry.key_span, entry.value_span, entry.entry_span):
        assert_span(span, text, lines)
    assert entry.entry_span.start <= entry.key_span.start
    for item in entry.items:
        assert_span(item.span, text, lines)
    for child in entry.children:
        assert_entry(child, text, lines)


def assert_finding(finding: Finding, text: str, lines: LineIndex) -> None:
    assert finding.code.startswith("PLS")
    assert finding.message and "\n" not in finding.message
    assert_span(finding.span, text, lines)
    if finding.fix is not None:
        for edit in finding.fix.edits:
            assert_span(edit.span, text, lines)
    finding.to_json()


def assert_prompt(prompt: PromptFile) -> None:
    text, lines = prompt.text, LineIndex(prompt.text)
    assert_span(prompt.opening, text, lines)
    assert 0 <= prompt.body_start <= len(text)
    if prompt.frontmatter is not None:
        assert_span(prompt.frontmatter, text, lines)
        assert prompt.frontmatter.end <= prompt.body_start
    for entry in prompt.entries:
        assert_entry(entry, text, lines)
    for finding in prompt.problems:
        assert_finding(finding, text, lines)


def check_all(path: str, text: str) -> None:
    prompt = parse_prompt(path, text)
    assert_prompt(prompt)
    prompt.name  # noqa: B018 - must not raise either
    lines = LineIndex(text)
    for finding in check_prompt(prompt, EMPTY, CATALOG, today=TODAY):
        assert finding.path == path
        assert_finding(finding, text, lines)


FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# --- prompt files ----------------------------------------------------------------------------


@FAST
@given(data=st.binary(max_size=300), path=st.sampled_from(PATHS))
def test_random_bytes(data, path):
    text, unreadable = decode(data, path)
    if unreadable is not None:
        assert unreadable.code == "PLS105"
        assert_finding(unreadable, text, LineIndex(text))
    else:
        assert text == data.decode("utf-8")
    check_all(path, text)


@FAST
@given(data=st.binary(max_size=200), path=st.sampled_from(PATHS))
def test_random_bytes_after_a_fence(data, path):
    text, _ = decode(b"---\n" + data + b"\n---\nbody", path)
    check_all(path, text)


@FAST
@given(text=mangled(TEMPLATE), path=st.sampled_from(PATHS))
def test_mangled_frontmatter(text, path):
    check_all(path, text)


@FAST
@given(text=st.lists(st.sampled_from([*NASTY, "a", " ", "1", "x/y", "\n  "]), max_size=30).map("".join))
def test_frontmatter_of_nasty_pieces(text):
    check_all("/w/prompts/notes.md", "---\n" + text + "\n---\nbody")
    check_all("/w/.claude/agents/a.md", text)


# --- settings files --------------------------------------------------------------------------


def check_settings(text: str, pyproject: bool = False) -> None:
    path = "/w/pyproject.toml" if pyproject else "/w/promptls.toml"
    if pyproject:
        text = "[tool.promptls]\n" + text
    file = load_settings(path, text, Layer.PROJECT, pyproject=pyproject)
    lines = LineIndex(text)
    for finding in file.problems:
        assert_finding(finding, text, lines)
    for value in file.models:
        assert_span(value.span, text, lines)
    for finding in check_settings_file(file, ProjectSettings("/w", None, file, None), CATALOG, TODAY):
        assert_finding(finding, text, lines)


@FAST
@given(text=mangled(TOML_TEMPLATE), pyproject=st.booleans())
def test_mangled_settings(text, pyproject):
    check_settings(text, pyproject)


@FAST
@given(text=st.text(max_size=200))
def test_random_settings_text(text):
    check_settings(text)
