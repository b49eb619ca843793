"""The model catalog on its shipped data, and the data's reproducibility from its sources."""

from __future__ import annotations

import ast
import datetime
import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from promptls.router.models.catalog import (
    CAPABILITIES,
    DATA_PATH,
    Catalog,
    ModelInfo,
    load_catalog,
    unknown_model,
)
from promptls.router.models.families import glob_match, most_specific

ROOT = Path(__file__).resolve().parents[2]
LITELLM_JSON = ROOT / ".cache/catalog-sources/litellm/model_prices_and_context_window_backup.json"


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


# --- exact entries ---------------------------------------------------------------------------


def test_gpt_4o_is_known_exactly(catalog):
    model = catalog.get("openai/gpt-4o")
    assert model is not None
    assert (model.provider, model.name, model.known) == ("openai", "gpt-4o", "catalog")
    assert model.context_window == 128000
    assert model.input_price == 2.5
    assert model.output_price == 10
    assert {"tools", "vision", "json", "streaming"} <= model.capabilities
    assert not model.free and not model.local


def test_get_ignores_case_and_knows_nothing_else(catalog):
    assert catalog.get("OpenAI/GPT-4o") == catalog.get("openai/gpt-4o")
    assert catalog.get("openai/gpt-4o-but-not-really") is None
    assert "openai/gpt-4o" in catalog


def test_claude_sonnet_4_5_deprecation_date_comes_from_the_source(catalog):
    model = catalog.get("anthropic/claude-sonnet-4-5")
    assert model is not None
    assert model.deprecation_date == "2026-11-30"
    assert model.is_deprecated(datetime.date(2026, 11, 30))
    assert not model.is_deprecated(datetime.date(2026, 11, 29))
    assert catalog.get("anthropic/claude-sonnet-4-5-20250929") is not None  # dated snapshot kept


def test_replacement_for_a_deprecated_model(catalog):
    replacement = catalog.replacement_for("anthropic/claude-sonnet-4-5")
    assert replacement is not None
    new = catalog.get(replacement)
    assert new.provider == "anthropic" and new.family == "claude-sonnet-4"
    assert new.deprecation_date is None
    assert catalog.replacement_for("openai/gpt-4o") is None  # not deprecated
    assert catalog.replacement_for("acme/nothing") is None


def test_every_provider_is_present(catalog):
    for provider in ("openai", "anthropic", "gemini", "openrouter", "ollama"):
        assert catalog.ids(provider), provider
    assert catalog.get("gemini/gemini-2.5-pro") is not None
    assert catalog.get("openrouter/deepseek/deepseek-chat") is not None
    assert catalog.get("ollama/llama3") is not None


def test_no_fine_tunes_embeddings_images_or_audio(catalog):
    for model_id in catalog.ids():
        name = model_id.lower()
        assert "ft:" not in name
        for word in ("embedding", "tts", "whisper", "dall-e", "realtime", "-audio", "-image"):
            assert word not in name, model_id


def test_openrouter_free_variants_are_free(catalog):
    free = [m for m in catalog.search(provider="openrouter") if m.name.endswith(":free")]
    assert free
    for model in free:
        assert model.free
        assert model.input_price == 0 and model.output_price == 0
    model = catalog.get("openrouter/meta-llama/llama-3.3-70b-instruct:free")
    assert model is not None and model.free and model.family == "llama-3.3"


def test_ollama_models_are_local_and_free(catalog):
    for model in catalog.search(provider="ollama"):
        assert model.local and model.free and model.cost(1000, 1000) == 0
    assert catalog.get("ollama/llama3").context_window == 8192


def test_prices_are_none_when_unknown_never_zero(catalog):
    unpriced = [m for m in catalog.search() if m.input_price is None]
    assert unpriced  # some OpenRouter models have no price in the sources
    for model in unpriced:
        assert not model.free
        assert model.cost(1000, 0) is None
    for model in catalog.search(free=False):
        assert model.input_price != 0 or model.output_price != 0


def test_capabilities_are_a_known_vocabulary(catalog):
    for model in catalog.search():
        assert model.capabilities <= CAPABILITIES
        assert "streaming" in model.capabilities


# --- derived and unknown entries ---------------------------------------------------------------


def test_an_unknown_model_gets_honest_defaults(catalog):
    model = catalog.lookup("acme/zzz-9000")
    assert model.known == "unknown"
    assert (model.provider, model.name, model.family) == ("acme", "zzz-9000", None)
    numbers = (model.context_window, model.max_output, model.input_price, model.output_price)
    assert numbers == (None, None, None, None)
    assert model.cost(100, 100) is None
    assert not model.free and not model.local


def test_an_unknown_ollama_model_is_still_local_and_free(catalog):
    model = catalog.lookup("ollama/zzz-9000")
    assert model.known == "unknown" and model.local and model.free
    assert model.context_window is None
    assert model.cost(10_000, 10_000) == 0


def test_an_ollama_tag_falls_back_to_its_family(catalog):
    model = catalog.lookup("ollama/qwen2.5-coder:7b")
    assert model.known == "family"
    assert model.family == "qwen2.5-coder"
    assert model.local and model.free and model.cost(1000, 1000) == 0
    assert model.context_window is not None
    assert "streaming" in model.capabilities


def test_a_family_member_elsewhere_has_unknown_prices(catalog):
    model = catalog.lookup("openrouter/meta-llama/llama-3.3-405b-instruct")
    assert model.known == "family" and model.family == "llama-3.3"
    assert model.input_price is None and model.cost(1, 1) is None
    assert not model.free
    rule = catalog.family_rule(model.id)
    assert model.context_window == rule.context_window
    assert model.capabilities == rule.capabilities


def test_family_values_are_conservative(catalog):
    for rule in catalog.families:
        members = [m for m in catalog.search() if m.family == rule.family]
        assert rule.members == len(members)
        contexts = [m.context_window for m in members if m.context_window]
        if contexts:
            assert rule.context_window == min(contexts)


def test_lookup_never_raises(catalog):
    for model_id in ("", "/", "no-provider", "openai/", "a/b/c:d", "  openai/gpt-4o  "):
        assert isinstance(catalog.lookup(model_id), ModelInfo)
    assert catalog.lookup("  openai/gpt-4o  ").known == "catalog"


family_rules = st.sampled_from(load_catalog().families)
fillers = st.text(alphabet="abcxyz0123456789-.:/", max_size=8)


@given(family_rules, st.lists(fillers, min_size=8, max_size=8))
def test_an_id_holding_a_family_pattern_core_gets_a_family(rule, fill):
    catalog = load_catalog()
    parts = rule.pattern.split("*")
    model_id = "".join(part + fill[i % len(fill)] for i, part in enumerate(parts[:-1]))
    model_id += parts[-1]
    assert glob_match(rule.pattern, model_id)
    family = catalog.family_of(model_id)
    assert family is not None
    if catalog.get(model_id) is None:
        best = most_specific([r.pattern for r in catalog.families], model_id)
        assert family == catalog.family_rule(model_id).family
        assert best == catalog.family_rule(model_id).pattern


def test_every_catalog_model_has_its_most_specific_family(catalog):
    for model in catalog.search():
        rule = catalog.family_rule(model.id)
        assert model.family == (rule.family if rule else None), model.id


# --- cost, search, suggest ------------------------------------------------------------------------


def test_cost(catalog):
    gpt = catalog.get("openai/gpt-4o")
    assert gpt.cost(1_000_000, 1_000_000) == pytest.approx(12.5)
    assert gpt.cost(2000, 500) == pytest.approx(2000 * 2.5e-6 + 500 * 10e-6)
    assert gpt.cost(0, 0) == 0
    half_known = gpt._replace(output_price=None)
    assert half_known.cost(1000, 0) == pytest.approx(0.0025)
    assert half_known.cost(1000, 1) is None


def test_search_filters(catalog):
    sonnets = catalog.search("Sonnet", provider="anthropic")
    assert sonnets and all(m.provider == "anthropic" for m in sonnets)
    assert all("sonnet" in (m.id + (m.display_name or "")).lower() for m in sonnets)
    assert [m.id for m in sonnets] == sorted(m.id for m in sonnets)

    free = catalog.search(provider="openrouter", free=True)
    assert free and all(m.free for m in free)
    paid = catalog.search(provider="openrouter", free=False)
    assert paid and not any(m.free for m in paid)

    vision = catalog.search(capability="vision")
    assert vision and all("vision" in m.capabilities for m in vision)
    assert catalog.search("no such model anywhere") == []
    assert catalog.ids("openai") == sorted(catalog.ids("openai"))


def test_search_matches_display_names(catalog):
    model = catalog.get("anthropic/claude-sonnet-4-5")
    assert model.display_name
    assert model in catalog.search(model.display_name.upper())


def test_suggest_finds_the_intended_id(catalog):
    assert "openai/gpt-4o" in catalog.suggest("openai/gpt4o")
    assert "anthropic/claude-sonnet-4-5" in catalog.suggest("anthropic/claude-sonet-4-5")
    assert "openai/gpt-4o" in catalog.suggest("opnai/gpt-4o")  # a typo in the provider
    assert len(catalog.suggest("openrouter/deepseek/deepseek-chta", limit=2)) <= 2
    assert catalog.suggest("openai/gpt-4o", limit=0) == []


# --- derived catalogs -------------------------------------------------------------------------


def test_with_models_adds_and_overrides_without_touching_the_original(catalog):
    live = unknown_model("lmstudio/qwen2.5-coder-14b", "lmstudio", local=True)
    cheaper = catalog.get("openai/gpt-4o")._replace(input_price=1.0)
    extended = catalog.with_models([live, cheaper], local_providers=["lmstudio"])
    assert extended.get("lmstudio/qwen2.5-coder-14b").family == "qwen2.5-coder"
    assert extended.get("openai/gpt-4o").input_price == 1.0
    assert catalog.get("openai/gpt-4o").input_price == 2.5
    assert catalog.get("lmstudio/qwen2.5-coder-14b") is None
    other = extended.lookup("lmstudio/some-new-model")
    assert other.local and other.free and other.known == "unknown"
    assert len(extended) == len(catalog) + 1


# --- the shipped data -----------------------------------------------------------------------------


def test_data_records_its_sources_and_date(catalog):
    datetime.date.fromisoformat(catalog.generated)
    names = [s["name"] for s in catalog.sources]
    assert names == ["genai-prices", "litellm model_prices_and_context_window"]
    assert all(s.get("version") for s in catalog.sources)
    litellm = catalog.sources[1]
    assert (litellm["package"], litellm["version"]) == ("litellm-core", "1.106.4")


def test_data_is_compact():
    assert DATA_PATH.stat().st_size < 1_000_000
    data = json.loads(DATA_PATH.read_text(encoding="utf-8"))
    ids = [m["id"].lower() for m in data["models"]]
    assert len(ids) == len(set(ids))


def test_catalog_module_imports_only_the_standard_library_and_globs():
    tree = ast.parse((ROOT / "router" / "models" / "catalog.py").read_text(encoding="utf-8"))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(
                node.module if node.module.startswith("promptls.router") else node.module.split(".")[0]
            )
    third_party = {
        m
        # base.reading is itself standard library only: the bounded reader for a PROMPTLS_CATALOG file
        for m in imported
        - {"promptls.router.models.families", "promptls.router.models.money", "promptls.router.base.reading"}
        if m not in sys.stdlib_module_names
    }
    assert not third_party


def test_rebuilding_from_the_same_inputs_reproduces_the_data(tmp_path, catalog):
    # The pinned LiteLLM map comes from PyPI (once; cached under .cache/), never skipped.
    subprocess.run([str(ROOT / "scripts" / "fetch_catalog_sources")], check=True, cwd=ROOT)
    output = tmp_path / "catalog.json"
    subprocess.run(
        [
            sys.executable,
            str(ROOT / "scripts" / "build_catalog.py"),
            "--litellm-json",
            str(LITELLM_JSON),
            "--date",
            catalog.generated,
            "--output",
            str(output),
        ],
        check=True,
        cwd=ROOT,
    )
    assert output.read_bytes() == DATA_PATH.read_bytes()
