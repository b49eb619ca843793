"""A Copilot file's `model:` checked against Copilot's own model list, as `promptls check` reports it."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from promptls.router.base.findings import Finding, Severity
from promptls.router.checks.lint import check_prompt
from promptls.router.models.catalog import Catalog, load_catalog
from promptls.router.prompts.frontmatter import parse_prompt
from promptls.router.settings import SettingsLoader

TODAY = datetime.date(2026, 12, 7)  # after Anthropic's API retired claude-sonnet-4-5 (2026-11-30)
MODEL_CODES = ("PLS201", "PLS203", "PLS204", "PLS205")


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


def _check(tmp_path: Path, model_line: str, catalog: Catalog, rel: str = ".github/agents/a.agent.md"):
    text = f"---\ndescription: Reviews a diff\n{model_line}\n---\nReview the diff.\n"
    path = tmp_path / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    settings = SettingsLoader(user_config=str(tmp_path / "none.toml")).for_prompt(str(path))
    findings = check_prompt(parse_prompt(str(path), text), settings, catalog, today=TODAY)
    return text, [f for f in findings if f.code in MODEL_CODES]


def _fixed(text: str, finding: Finding) -> str:
    for edit in sorted(finding.fix.edits, key=lambda e: e.span.start, reverse=True):
        text = text[: edit.span.start] + edit.new_text + text[edit.span.end :]
    return text


@pytest.mark.parametrize(
    "value",
    [
        "Claude Sonnet 4.6",
        "'Claude Sonnet 4.6 (copilot)'",
        "claude-sonnet-4.6",  # Copilot's id
        "GPT-5 mini",
        "Auto",
        "Raptor mini",  # only Copilot runs it: nothing to say
        "'qwen3 (ollama)'",  # a model brought with one's own key: only the user's VS Code knows it
        '["Auto", "Claude Sonnet 4.6"]',
    ],
)
def test_names_copilot_offers_are_fine(tmp_path, catalog, value):
    assert _check(tmp_path, f"model: {value}", catalog)[1] == []


def test_an_api_retirement_is_a_warning_when_copilot_still_offers_the_model(tmp_path, catalog):
    # Before: PLS205 error "retired on 2026-11-30: every run on it fails" from Anthropic's API date.
    text, [finding] = _check(tmp_path, "model: 'Claude Sonnet 4.5'", catalog)
    assert finding.code == "PLS205"
    assert finding.severity is Severity.WARNING
    assert finding.message == (
        "Anthropic's API retired `anthropic/claude-sonnet-4-5` on 2026-11-30: Copilot still offers "
        "`Claude Sonnet 4.5`, but promptls cannot run it; `Claude Sonnet 4.6` runs on both"
    )
    assert "model: 'Claude Sonnet 4.6'" in _fixed(text, finding)  # the quotes kept


def test_a_name_copilot_retired_warns_with_its_date_and_a_switch(tmp_path, catalog):
    text, [finding] = _check(tmp_path, "model: GPT-4.1", catalog)
    assert (finding.code, finding.severity) == ("PLS205", Severity.WARNING)
    assert finding.message == (
        "Copilot no longer offers `GPT-4.1` (retired there on 2026-06-01): VS Code runs this file on the "
        "model picked in chat instead; switch to `GPT-5 mini`"
    )
    assert "model: GPT-5 mini\n" in _fixed(text, finding)


def test_an_unknown_picker_name_suggests_names_from_copilots_list(tmp_path, catalog):
    text, [finding] = _check(tmp_path, "model: Claude Sonet 4.6", catalog)
    assert (finding.code, finding.severity) == ("PLS203", Severity.WARNING)
    assert finding.message.startswith(
        "`Claude Sonet 4.6` is not a model Copilot offers (its supported models, as of 2026-12-07): VS Code "
        "runs this file on the model picked in chat instead; did you mean `Claude Sonnet 4.6`?"
    )
    assert "model: Claude Sonnet 4.6\n" in _fixed(text, finding)


def test_a_name_of_no_known_vendor_is_a_warning_not_an_invalid_id(tmp_path, catalog):
    # VS Code accepts the file (it warns and uses the chat's model): not PLS201's error.
    _, [finding] = _check(tmp_path, "model: Acme Coder 2", catalog)
    assert (finding.code, finding.severity) == ("PLS203", Severity.WARNING)


def test_inherit_in_a_copilot_file_says_it_is_claude_codes(tmp_path, catalog):
    _, [finding] = _check(tmp_path, "model: inherit", catalog)
    assert finding.code == "PLS203"
    assert finding.message.startswith("`inherit` is Claude Code's")


def test_a_provider_id_copilot_names_otherwise_gets_the_picker_name(tmp_path, catalog):
    text, [finding] = _check(tmp_path, 'model: "claude-sonnet-4-5-20250929"', catalog)
    assert finding.code == "PLS204"
    assert 'model: "Claude Sonnet 4.5"' in _fixed(text, finding)


def test_each_entry_of_a_model_list_is_checked_as_the_next_one_to_try(tmp_path, catalog):
    line = 'model: ["GPT-4.1", "Claude Sonet 4.6", "Claude Sonnet 4.6"]'
    text, findings = _check(tmp_path, line, catalog)
    assert [(f.code, f.span.column) for f in findings] == [("PLS205", 9), ("PLS203", 20)]
    assert all("VS Code tries the next model in the list" in f.message for f in findings)
    assert '"GPT-5 mini"' in _fixed(text, findings[0])


def test_an_api_retirement_still_ahead_is_a_note(tmp_path, catalog):
    _, [finding] = _check(tmp_path, "model: GPT-5.3-Codex", catalog)
    assert (finding.code, finding.severity) == ("PLS205", Severity.INFO)
    assert "Copilot offers `GPT-5.3-Codex` for now" in finding.message


def test_promptls_ids_in_copilot_files_are_read_as_before(tmp_path, catalog):
    _, findings = _check(tmp_path, "model: openai/gpt-4oo", catalog)
    assert [f.code for f in findings] == ["PLS203", "PLS204"]
    assert "is not in the model catalog" in findings[0].message
