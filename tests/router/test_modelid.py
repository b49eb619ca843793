"""Model ids: `provider/name`, `default`, and each dialect's own spellings mapped to one canonical id."""

from __future__ import annotations

import datetime
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from promptls.router.models.catalog import Catalog, load_catalog, unknown_model
from promptls.router.models.modelid import (
    ModelId,
    RefKind,
    SyntaxProblem,
    copilot_name,
    copilot_names,
    interpret,
    latest_claude,
    native_spelling,
    parse_model_id,
    split_model_id,
)
from promptls.router.prompts.dialects import Dialect


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


# --- split and parse ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "provider", "name"),
    [
        ("openai/gpt-4o", "openai", "gpt-4o"),
        (
            "openrouter/meta-llama/llama-3.3-70b-instruct:free",
            "openrouter",
            "meta-llama/llama-3.3-70b-instruct:free",
        ),
        ("ollama/llama3.2:3b", "ollama", "llama3.2:3b"),
        ("  gemini/gemini-2.5-pro  ", "gemini", "gemini-2.5-pro"),
        ("lm-studio.local/qwen/qwen3:8b", "lm-studio.local", "qwen/qwen3:8b"),
    ],
)
def test_split_keeps_slashes_and_colons_in_the_name(raw, provider, name):
    model = split_model_id(raw)
    assert model == ModelId(provider, name)
    assert str(model) == raw.strip()
    assert parse_model_id(raw) == model


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        ("", SyntaxProblem.EMPTY),
        ("   ", SyntaxProblem.EMPTY),
        ("openai/gpt 4o", SyntaxProblem.WHITESPACE),
        ("gpt-4o", SyntaxProblem.NO_PROVIDER),
        ("openai/", SyntaxProblem.NO_NAME),
        ("OpenAI/gpt-4o", SyntaxProblem.BAD_PROVIDER),
        ("/gpt-4o", SyntaxProblem.BAD_PROVIDER),
        ("openai//gpt-4o", SyntaxProblem.BAD_NAME),
        ("openrouter/meta-llama/", SyntaxProblem.BAD_NAME),
    ],
)
def test_split_says_what_is_wrong(raw, problem):
    assert split_model_id(raw) is problem
    assert parse_model_id(raw) is None


def test_local_models():
    assert ModelId("ollama", "llama3.2:3b").is_local
    assert not ModelId("openai", "gpt-4o").is_local


# --- interpret: the special values and Claude Code --------------------------------------------


@pytest.mark.parametrize("dialect", list(Dialect))
def test_default_means_default_in_every_dialect(catalog, dialect):
    ref = interpret("default", dialect, catalog)
    assert ref.kind is RefKind.DEFAULT
    assert ref.model is None


def _newest_current(catalog: Catalog, family: str) -> str:
    """The alias target by hand: the highest undated `claude-FAMILY-x[-y]` with no past deprecation."""
    today = datetime.date.today()
    best = None
    for model_id in catalog.ids("anthropic"):
        rest = model_id.removeprefix(f"anthropic/claude-{family}-")
        if rest == model_id:
            continue
        parts = rest.split("-")
        if not all(p.isdigit() and len(p) <= 2 for p in parts):
            continue
        if catalog.get(model_id).is_deprecated(today):
            continue
        version = tuple(int(p) for p in parts)
        if best is None or version > best[0]:
            best = (version, model_id)
    assert best is not None
    return best[1]


@pytest.mark.parametrize("alias", ["sonnet", "opus", "haiku"])
def test_claude_aliases_name_the_newest_current_model_in_the_catalog(catalog, alias):
    ref = interpret(alias, Dialect.CLAUDE_AGENT, catalog)
    assert ref.kind is RefKind.MODEL
    assert str(ref.model) == _newest_current(catalog, alias)
    assert ref.model.name.startswith(f"claude-{alias}-")
    assert not re.search(r"\d{8}", ref.model.name)  # never a dated snapshot
    assert ref.via == f"Claude Code alias `{alias}`"
    assert ref.native


def _info(model_id: str, deprecation: str | None = None):
    return unknown_model(model_id, "anthropic")._replace(deprecation_date=deprecation)


def test_alias_skips_deprecated_dated_and_variant_ids():
    catalog = Catalog(
        [
            _info("anthropic/claude-sonnet-4-5"),
            _info("anthropic/claude-sonnet-4-6", "2001-01-01"),  # newest, but retired
            _info("anthropic/claude-sonnet-4-5-20250929"),  # a dated snapshot
            _info("anthropic/claude-sonnet-preview"),
            _info("anthropic/claude-opus-4-1", "2999-01-01"),  # retirement announced, not yet
        ]
    )
    assert latest_claude(catalog, "sonnet") == ModelId("anthropic", "claude-sonnet-4-5")
    assert latest_claude(catalog, "opus") == ModelId("anthropic", "claude-opus-4-1")
    assert latest_claude(catalog, "haiku") is None
    ref = interpret("haiku", Dialect.CLAUDE_AGENT, catalog)
    assert ref.kind is RefKind.INVALID


def test_claude_alias_suffixes(catalog):
    assert interpret("sonnet[1m]", Dialect.CLAUDE_AGENT, catalog).model == latest_claude(catalog, "sonnet")
    assert interpret("opusplan", Dialect.CLAUDE_COMMAND, catalog).model == latest_claude(catalog, "opus")


@pytest.mark.parametrize("dialect", [Dialect.CLAUDE_AGENT, Dialect.CLAUDE_COMMAND, Dialect.CLAUDE_SKILL])
def test_inherit_defers_to_the_default(catalog, dialect):
    ref = interpret("inherit", dialect, catalog)
    assert ref.kind is RefKind.INHERIT
    assert ref.model is None
    assert "inherit" in ref.via


def test_inherit_outside_claude_is_not_special(catalog):
    assert interpret("inherit", Dialect.GENERIC, catalog).kind is RefKind.INVALID


def test_bare_claude_ids_are_anthropic_models(catalog):
    ref = interpret("claude-sonnet-4-5-20250929", Dialect.CLAUDE_AGENT, catalog)
    assert ref.model == ModelId("anthropic", "claude-sonnet-4-5-20250929")
    assert ref.native


def test_aliases_mean_nothing_in_generic_files(catalog):
    ref = interpret("sonnet", Dialect.GENERIC, catalog)
    assert ref.kind is RefKind.INVALID
    assert ref.problem is SyntaxProblem.NO_PROVIDER


def test_a_non_anthropic_id_in_a_claude_file_is_not_native(catalog):
    ref = interpret("openrouter/deepseek/deepseek-chat", Dialect.CLAUDE_AGENT, catalog)
    assert ref.model == ModelId("openrouter", "deepseek/deepseek-chat")
    assert not ref.native
    assert interpret("anthropic/claude-opus-4-1", Dialect.CLAUDE_AGENT, catalog).native


# --- Copilot and Dotprompt ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("GPT-4o", "openai/gpt-4o"),
        ("GPT-4.1", "openai/gpt-4.1"),
        ("Claude Sonnet 4.5 (copilot)", "anthropic/claude-sonnet-4-5"),
        ("Claude Sonnet 4", "anthropic/claude-sonnet-4-0"),
        ("Claude Opus 4.1 (Preview)", "anthropic/claude-opus-4-1"),
        ("Gemini 2.5 Pro", "gemini/gemini-2.5-pro"),
        ("o3-mini", "openai/o3-mini"),
    ],
)
def test_copilot_display_names_map_to_canonical_ids(catalog, raw, expected):
    ref = interpret(raw, Dialect.COPILOT_PROMPT, catalog)
    assert ref.kind is RefKind.MODEL
    assert str(ref.model) == expected
    assert ref.native
    assert raw in ref.via
    assert expected in catalog  # every name above is one the catalog knows


@pytest.mark.parametrize(
    ("model", "name"),
    [
        ("anthropic/claude-sonnet-4-5", "Claude Sonnet 4.5"),
        ("anthropic/claude-sonnet-4-0", "Claude Sonnet 4"),
        ("openai/gpt-5-mini", "GPT-5 mini"),
        ("openai/gpt-4o", "GPT-4o"),
        ("openai/o4-mini", "o4-mini"),
        ("gemini/gemini-2.5-pro", "Gemini 2.5 Pro"),
        ("openai/gpt-4o-2024-08-06", None),  # a pinned snapshot: the picker names models, not pins
        ("anthropic/claude-sonnet-4-5-20250929", None),
        ("openai/gpt-oss-20b", None),
        ("openrouter/openai/gpt-4o", None),
    ],
)
def test_copilot_name_is_how_the_picker_writes_a_model(model, name):
    assert copilot_name(parse_model_id(model)) == name


def test_every_copilot_name_reads_back_as_its_model(catalog):
    names = copilot_names(catalog)
    assert names["openai/gpt-4o"] == "GPT-4o" and names["anthropic/claude-opus-4-1"] == "Claude Opus 4.1"
    for model_id, name in names.items():
        assert str(interpret(name, Dialect.COPILOT_AGENT, catalog).model) == model_id


def test_copilot_name_of_an_unknown_vendor_is_invalid(catalog):
    ref = interpret("Grok Code Fast 1", Dialect.COPILOT_AGENT, catalog)
    assert ref.kind is RefKind.INVALID
    assert ref.problem is SyntaxProblem.NO_PROVIDER


def test_a_promptls_id_in_a_copilot_file_is_read_but_not_native(catalog):
    ref = interpret("openai/gpt-4o", Dialect.COPILOT_PROMPT, catalog)
    assert ref.model == ModelId("openai", "gpt-4o")
    assert not ref.native


@pytest.mark.parametrize(
    ("raw", "expected", "via"),
    [
        ("googleai/gemini-2.5-flash", "gemini/gemini-2.5-flash", "Genkit plugin `googleai`"),
        ("vertexai/gemini-2.5-pro", "gemini/gemini-2.5-pro", "Genkit plugin `vertexai`"),
        ("openai/gpt-4o", "openai/gpt-4o", None),
    ],
)
def test_dotprompt_plugin_prefixes(catalog, raw, expected, via):
    ref = interpret(raw, Dialect.DOTPROMPT, catalog)
    assert str(ref.model) == expected
    assert ref.via == via
    assert ref.native


def test_dotprompt_with_a_provider_genkit_lacks_is_not_native(catalog):
    ref = interpret("openrouter/deepseek/deepseek-chat", Dialect.DOTPROMPT, catalog)
    assert ref.model == ModelId("openrouter", "deepseek/deepseek-chat")
    assert not ref.native


def test_non_string_values_are_invalid(catalog):
    for value in (3, None, ["openai/gpt-4o"], {"a": 1}):
        assert interpret(value, Dialect.GENERIC, catalog).kind is RefKind.INVALID


def test_native_spelling():
    sonnet = ModelId("anthropic", "claude-sonnet-4-5")
    gemini = ModelId("gemini", "gemini-2.5-pro")
    openrouter = ModelId("openrouter", "deepseek/deepseek-chat")
    assert native_spelling(sonnet, Dialect.CLAUDE_AGENT) == "claude-sonnet-4-5"
    assert native_spelling(openrouter, Dialect.CLAUDE_AGENT) is None
    assert native_spelling(gemini, Dialect.DOTPROMPT) == "googleai/gemini-2.5-pro"
    assert native_spelling(openrouter, Dialect.DOTPROMPT) is None
    assert native_spelling(openrouter, Dialect.GENERIC) == "openrouter/deepseek/deepseek-chat"


# --- properties -----------------------------------------------------------------------------

providers = st.from_regex(r"[a-z][a-z0-9_.-]{0,15}", fullmatch=True)
segments = st.text(
    alphabet=st.characters(categories=("Ll", "Lu", "Nd"), include_characters="-_.:@+", max_codepoint=0x2FF),
    min_size=1,
    max_size=12,
)
names = st.lists(segments, min_size=1, max_size=4).map("/".join)


@settings(max_examples=150)
@given(provider=providers, name=names)
def test_model_ids_round_trip(provider, name):
    raw = f"{provider}/{name}"
    model = split_model_id(raw)
    assert model == ModelId(provider, name)
    assert str(model) == raw
    assert model.name.count("/") == name.count("/")
    assert model.name.count(":") == name.count(":")
    assert split_model_id(str(model)) == model


def test_copilot_names_of_claude_3_models_put_the_version_first():
    ref = interpret("Claude Sonnet 3.5", Dialect.COPILOT_PROMPT, load_catalog())
    assert str(ref.model) == "anthropic/claude-3-5-sonnet"
