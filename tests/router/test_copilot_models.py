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


# --- resolve and hover: a prioritized list is one chain, `Auto` runs the default -------------------


def _resolved(tmp_path: Path, model_line: str, catalog: Catalog, settings: str | None = None):
    from promptls.router.resolution.resolve import resolve

    text = f"---\ndescription: Reviews a diff\n{model_line}\n---\nReview the diff.\n"
    path = tmp_path / ".github" / "agents" / "a.agent.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    if settings is not None:
        (tmp_path / "promptls.toml").write_text(settings, encoding="utf-8")
    prompt = parse_prompt(str(path), text)
    loader = SettingsLoader(user_config=str(tmp_path / "none.toml"))
    return prompt, resolve(prompt, loader.for_prompt(str(path)), catalog)


def test_resolve_explains_a_list_as_one_chain(tmp_path, catalog):
    from promptls.router.resolution.report import explain_lines

    line = 'model: ["Raptor mini", "GPT-4.1", "Claude Sonnet 4.6", "GPT-5.4"]'
    _, resolution = _resolved(tmp_path, line, catalog)
    lines = [text for _, text in explain_lines(resolution, str(tmp_path))]
    assert lines[0].startswith("model: anthropic/claude-sonnet-4-6")
    assert lines[1].startswith("↷ ") and "model list #1 = Raptor mini" in lines[1]
    assert lines[1].endswith("(skipped)") and "only Copilot runs it" in lines[1]
    assert "model list #2 = GPT-4.1  (Copilot no longer offers it: VS Code tries the next entry)" in lines[2]
    assert lines[3].startswith("✓ ") and "model list #3 = Claude Sonnet 4.6" in lines[3]
    assert lines[4].startswith("fallback: openai/gpt-5.4")


def test_hover_on_each_entry_of_a_list(tmp_path, catalog):
    from promptls.router.editor.hover import hover

    line = 'model: ["Raptor mini", "Claude Sonnet 4.6", "GPT-5.4"]'
    prompt, resolution = _resolved(tmp_path, line, catalog)
    at = prompt.text.index

    skipped = hover(prompt, at("Raptor"), resolution, catalog).markdown
    assert skipped.startswith("**`Raptor mini`** — entry 1 of Copilot's model list, skipped: Copilot's own")
    assert "promptls runs the default" in skipped

    chosen = hover(prompt, at("Claude Sonnet 4.6"), resolution, catalog).markdown
    assert chosen.startswith("**Runs on `anthropic/claude-sonnet-4-6`**")
    assert "**Fallback**: `openai/gpt-5.4`" in chosen

    fallback = hover(prompt, at("GPT-5.4"), resolution, catalog).markdown
    assert "fallback 1 of Copilot's model list (tried in order)" in fallback


def test_auto_shows_what_promptls_runs_for_it(tmp_path, catalog):
    from promptls.router.editor.hover import hover

    settings = '[defaults]\nmodel = "openai/gpt-5.4-mini"\n'
    prompt, resolution = _resolved(tmp_path, "model: Auto", catalog, settings)
    assert str(resolution.model) == "openai/gpt-5.4-mini"
    shown = hover(prompt, prompt.text.index("Auto"), resolution, catalog).markdown
    assert shown.startswith("**Runs on `openai/gpt-5.4-mini`**")
    assert "Copilot's `Auto` (Copilot picks a model for each request): promptls runs the default" in shown
    assert "defers to the default" in shown


def test_the_model_hover_says_where_the_model_stands_in_copilot(tmp_path, catalog):
    from promptls.router.editor.hover import hover

    prompt, resolution = _resolved(tmp_path, "model: Claude Sonnet 4.5", catalog)
    shown = hover(prompt, prompt.text.index("Claude"), resolution, catalog).markdown
    assert "⚠ deprecated: retires 2026-11-30" in shown  # Anthropic's API date, for promptls's runs
    assert (
        "**In Copilot**: `Claude Sonnet 4.5`, generally available (Copilot's model list as of 2026-12-07)"
        in shown
    )

    prompt, resolution = _resolved(tmp_path, "model: GPT-4.1", catalog)
    shown = hover(prompt, prompt.text.index("GPT"), resolution, catalog).markdown
    assert "⚠ **In Copilot**: `GPT-4.1` was retired there on 2026-06-01" in shown
