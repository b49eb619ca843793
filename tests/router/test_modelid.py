"""Model ids: `provider/name`, `default`, and each dialect's own spellings mapped to one canonical id."""

from __future__ import annotations

import datetime
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from promptls.router.models.catalog import Catalog, load_catalog, unknown_model
from promptls.router.models.copilot import (
    copilot_key,
    copilot_models,
    current_alternative,
    find_copilot_model,
    offered_for,
    offered_names,
    vendor,
)
from promptls.router.models.modelid import (
    ModelId,
    RefKind,
    SyntaxProblem,
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


@pytest.mark.parametrize("alias", ["sonnet", "opus", "haiku", "fable"])
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
    assert interpret("opus[1m]", Dialect.CLAUDE_AGENT, catalog).model == latest_claude(catalog, "opus")
    assert interpret("opusplan", Dialect.CLAUDE_COMMAND, catalog).model == latest_claude(catalog, "opus")


def test_best_is_fable_where_there_is_one(catalog):
    # Claude Code's `best`: Fable where the organization has it (else the newest Opus, which
    # promptls cannot know); `fable` and `best` were false "no provider" errors before
    ref = interpret("best", Dialect.CLAUDE_SKILL, catalog)
    assert ref.model == latest_claude(catalog, "fable")
    assert ref.via == "Claude Code alias `best`"


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


# --- Copilot: its own model list ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Claude Sonnet 4.5", "anthropic/claude-sonnet-4-5"),
        ("Claude Sonnet 4.5 (copilot)", "anthropic/claude-sonnet-4-5"),  # VS Code's qualified name
        ("claude-sonnet-4.5", "anthropic/claude-sonnet-4-5"),  # Copilot's id (the CLI's `--model`)
        ("GPT-5 mini", "openai/gpt-5-mini"),
        ("GPT-5.3-Codex", "openai/gpt-5.3-codex"),
        ("Gemini 3 Flash", "gemini/gemini-3-flash-preview"),
        ("Grok 4.7", "openrouter/x-ai/grok-4.7"),
        ("GPT-4.1", "openai/gpt-4.1"),  # retired in Copilot: still read as its model
        ("Claude 3.5 Sonnet", "anthropic/claude-3-5-sonnet"),  # the picker's older name
    ],
)
def test_copilot_names_map_to_the_model_copilots_list_gives(catalog, raw, expected):
    ref = interpret(raw, Dialect.COPILOT_PROMPT, catalog)
    assert ref.kind is RefKind.MODEL
    assert str(ref.model) == expected
    assert ref.native
    assert raw in ref.via
    assert expected in catalog


@pytest.mark.parametrize("raw", ["Auto", "auto", "Auto (copilot)"])
def test_copilot_auto_runs_the_default(catalog, raw):
    ref = interpret(raw, Dialect.COPILOT_AGENT, catalog)
    assert ref.kind is RefKind.DEFAULT
    assert ref.via.startswith("Copilot's `Auto`") and "promptls runs the default" in ref.via


def test_a_model_only_copilot_runs_defers_to_the_default(catalog):
    ref = interpret("Raptor mini", Dialect.COPILOT_AGENT, catalog)
    assert ref.kind is RefKind.DEFAULT
    assert ref.via == "Copilot's own `Raptor mini` (no provider API serves it): promptls runs the default"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("GPT-4o", "openai/gpt-4o"),  # names Copilot's list lacks are read as before
        ("Claude Sonnet 3.5", "anthropic/claude-3-5-sonnet"),
        ("o3-mini", "openai/o3-mini"),
        ("claude-sonnet-4-5-20250929", "anthropic/claude-sonnet-4-5-20250929"),
    ],
)
def test_other_copilot_style_names_are_read_by_their_shape(catalog, raw, expected):
    assert str(interpret(raw, Dialect.COPILOT_PROMPT, catalog).model) == expected


def test_a_name_of_no_known_vendor_is_invalid(catalog):
    ref = interpret("Acme Coder 2", Dialect.COPILOT_AGENT, catalog)
    assert ref.kind is RefKind.INVALID
    assert ref.problem is SyntaxProblem.NO_PROVIDER


def test_a_promptls_id_in_a_copilot_file_is_read_but_not_native(catalog):
    ref = interpret("openai/gpt-4o", Dialect.COPILOT_PROMPT, catalog)
    assert ref.model == ModelId("openai", "gpt-4o")
    assert not ref.native


def test_copilots_list_is_dated_and_sourced():
    models = copilot_models()
    assert datetime.date.fromisoformat(models.checked) <= datetime.date(2026, 12, 7)
    assert any("docs.github.com" in url for url in models.sources)
    assert all(m.status in ("ga", "preview", "retired") for m in models.models)


def test_every_model_in_copilots_list_is_one_the_catalog_knows(catalog):
    for model in copilot_models().models:
        assert model.model is None or model.model in catalog, model


def test_claude_sonnet_4_5_is_offered_though_anthropics_api_retired_it(catalog):
    listed = find_copilot_model("Claude Sonnet 4.5")
    assert listed.offered and listed.status == "ga"
    assert catalog.get(listed.model).is_deprecated(datetime.date(2026, 12, 7))


@pytest.mark.parametrize(
    ("raw", "retired", "switch"),
    [
        ("GPT-4.1", "2026-06-01", "GPT-5 mini"),
        ("gpt-4.1", "2026-06-01", "GPT-5 mini"),
        ("Claude Opus 4", "2025-10-23", "Claude Opus 4.8"),  # its own suggestion retired too: followed
        ("GPT-4o", None, "GPT-5 mini"),
    ],
)
def test_models_copilot_retired_say_when_and_what_instead(raw, retired, switch):
    listed = find_copilot_model(raw)
    assert not listed.offered
    assert listed.retired == retired
    assert current_alternative(listed) == switch
    assert switch in offered_names()


@pytest.mark.parametrize(
    ("written", "key"),
    [
        ("Claude Sonnet 4.5 (copilot)", "claude-sonnet-4-5"),
        ("claude-sonnet-4.5", "claude-sonnet-4-5"),
        ("  GPT-5.4 mini ", "gpt-5-4-mini"),
        ("qwen3 (ollama)", "qwen3-(ollama)"),  # another vendor's model stays apart
    ],
)
def test_copilot_key(written, key):
    assert copilot_key(written) == key


def test_vendor_qualifiers():
    assert vendor("GPT-5 mini (copilot)") == "copilot"
    assert vendor("qwen3 (Ollama)") == "ollama"
    assert vendor("Claude Opus 4.8 (fast mode) (preview)") is None  # part of the name
    assert vendor("GPT-5 mini") is None


def test_offered_for_finds_the_picker_name_of_a_provider_id_and_its_snapshots():
    assert offered_for("anthropic/claude-sonnet-4-5-20250929").name == "Claude Sonnet 4.5"
    assert offered_for("openai/gpt-5.4-2026-03-05").name == "GPT-5.4"
    assert offered_for("anthropic/claude-opus-4-8").name == "Claude Opus 4.8"  # not its fast mode
    assert offered_for("openai/gpt-4.1") is None  # retired in Copilot


# --- Dotprompt ------------------------------------------------------------------------------


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


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("gemini-2.5-flash", "gemini/gemini-2.5-flash"), ("gpt-4o", "openai/gpt-4o"), ("claude-opus-4-1", None)],
)
def test_dotprompt_reads_a_bare_model_name_by_its_name(catalog, raw, expected):
    # Dotprompt's own examples write `model: gemini-2.5-flash`: the format leaves the name to the host.
    ref = interpret(raw, Dialect.DOTPROMPT, catalog)
    assert ref.kind is RefKind.MODEL and ref.native
    assert str(ref.model) == (expected or f"anthropic/{raw}")
    assert ref.via == f"Dotprompt model name `{raw}`, read by its name"


def test_dotprompt_a_bare_name_of_no_known_provider_is_still_invalid(catalog):
    assert interpret("mistral-large", Dialect.DOTPROMPT, catalog).kind is RefKind.INVALID


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
