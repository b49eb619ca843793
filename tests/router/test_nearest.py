"""Did you mean: the values nearest to a mistyped model, in the spelling the file's own tool reads."""

from __future__ import annotations

import pytest
from promptls.router.models.catalog import Catalog, load_catalog
from promptls.router.models.copilot import offered_names
from promptls.router.models.nearest import nearest_copilot_names, nearest_models
from promptls.router.prompts.dialects import Dialect

CLAUDE = [Dialect.CLAUDE_AGENT, Dialect.CLAUDE_COMMAND, Dialect.CLAUDE_SKILL]


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


@pytest.mark.parametrize("dialect", CLAUDE)
@pytest.mark.parametrize(
    ("written", "meant"),
    [
        ("sonet", "sonnet"),  # not OpenRouter's `perplexity/sonar`
        ("opuss", "opus"),
        ("haiku ", "haiku"),
        ("fabel", "fable"),
        ("inheirt", "inherit"),
        ("opus-plan", "opusplan"),
        ("claude-sonet-4-6", "claude-sonnet-4-6"),  # a Claude id, as Claude Code writes it
    ],
)
def test_claude_files_suggest_claude_codes_own_words_first(catalog, dialect, written, meant):
    assert nearest_models(written, dialect, catalog)[0] == meant


@pytest.mark.parametrize("dialect", CLAUDE)
def test_claude_spellings_come_before_any_other_providers_id(catalog, dialect):
    found = nearest_models("sonet", dialect, catalog)
    claude = [s for s in found if "/" not in s]
    assert found[: len(claude)] == claude  # the words and ids Claude Code reads, then the rest


def test_a_generic_file_gets_ids_not_claude_codes_aliases(catalog):
    assert "sonnet" not in nearest_models("sonet", Dialect.GENERIC, catalog)


@pytest.mark.parametrize("dialect", [Dialect.COPILOT_AGENT, Dialect.COPILOT_PROMPT])
def test_copilot_files_suggest_names_from_copilots_own_list(catalog, dialect):
    assert nearest_models("Claude Sonet 4.6", dialect, catalog)[0] == "Claude Sonnet 4.6"
    assert nearest_models("gpt-5.4 mni", dialect, catalog)[0] == "GPT-5.4 mini"


def test_nearest_copilot_names_only_offers_what_copilot_offers():
    assert nearest_copilot_names("Claude Sonet 4.6")[0] == "Claude Sonnet 4.6"
    offered = set(offered_names())
    for typo in ("GPT-4.1", "Claude Sonnet 4", "Gemni 3.8 Flash", "grok 4.8"):
        assert set(nearest_copilot_names(typo)) <= offered  # never a name Copilot retired
    assert "GPT-4.1" not in nearest_copilot_names("GPT-4.1")
    assert nearest_copilot_names("") == []


def test_a_claude_alias_in_a_file_claude_code_does_not_load_suggests_its_id(tmp_path, catalog):
    from promptls.router.checks.lint import check_prompt
    from promptls.router.models.modelid import latest_claude
    from promptls.router.prompts.frontmatter import parse_prompt
    from promptls.router.settings import SettingsLoader

    text = "---\nmodel: sonnet\n---\nSummarize.\n"
    path = tmp_path / "prompts" / "summarize.md"
    path.parent.mkdir(parents=True)
    path.write_text(text, encoding="utf-8")
    settings = SettingsLoader(user_config=str(tmp_path / "none.toml")).for_prompt(str(path))
    [finding] = [
        f for f in check_prompt(parse_prompt(str(path), text), settings, catalog) if f.code == "PLS201"
    ]
    target = latest_claude(catalog, "sonnet")
    assert finding.message.startswith(
        "`sonnet` is a Claude Code alias, but Claude Code does not load this file"
    )
    assert finding.message.endswith(f"did you mean `{target}`?")
    assert "map its folder to `claude-agent` under [dialects]" in finding.message
    assert finding.severity.label == "warning"  # an agent collection kept outside .claude is no error
    assert not finding.fix.safe  # maybe an agent Claude Code should find: not for `check --fix`


@pytest.mark.parametrize(
    ("written", "says", "mapped", "suggested"),
    [
        ("inherit", "is how Claude Code writes a model", "claude-agent", None),
        (
            "Claude Sonnet 4.5 (copilot)",
            "is how Copilot writes a model",
            "copilot-agent",
            "anthropic/claude-sonnet-4-5",
        ),
        ("Auto", "is how Copilot writes a model", "copilot-agent", None),
    ],
)
def test_a_harness_spelling_in_a_generic_file_is_a_warning_that_names_the_mapping(
    tmp_path, catalog, written, says, mapped, suggested
):
    from promptls.router.checks.lint import check_prompt
    from promptls.router.prompts.frontmatter import parse_prompt
    from promptls.router.settings import SettingsLoader

    text = f"---\nmodel: {written}\n---\nSummarize.\n"
    path = tmp_path / "library" / "agent.md"
    path.parent.mkdir(parents=True)
    path.write_text(text, encoding="utf-8")
    settings = SettingsLoader(user_config=str(tmp_path / "none.toml")).for_prompt(str(path))
    [finding] = [
        f for f in check_prompt(parse_prompt(str(path), text), settings, catalog) if f.code == "PLS201"
    ]
    assert finding.severity.label == "warning"
    assert finding.message.startswith(f"`{written}` {says}")
    assert f"map its folder to `{mapped}` under [dialects]" in finding.message
    assert (f"did you mean `{suggested}`?" in finding.message) == (suggested is not None)


def test_a_bare_id_in_a_generic_file_is_still_an_error(tmp_path, catalog):
    from promptls.router.checks.lint import check_prompt
    from promptls.router.prompts.frontmatter import parse_prompt
    from promptls.router.settings import SettingsLoader

    text = "---\nmodel: gpt-4o\n---\nSummarize.\n"
    path = tmp_path / "prompts" / "s.md"
    path.parent.mkdir(parents=True)
    path.write_text(text, encoding="utf-8")
    settings = SettingsLoader(user_config=str(tmp_path / "none.toml")).for_prompt(str(path))
    [finding] = [
        f for f in check_prompt(parse_prompt(str(path), text), settings, catalog) if f.code == "PLS201"
    ]
    assert finding.severity.label == "error"
    assert finding.message.startswith("`gpt-4o` has no provider")
