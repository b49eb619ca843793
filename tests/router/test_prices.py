"""Prices as the sources give them: tiers (a higher price for a request above a number of input
tokens) and cache prices, kept in the catalog and used by the one cost formula.

The reference is genai-prices' own calculation (`genai_prices.calc_price`), model by model, for every
catalog model it prices (the tiered ones and all the others), at usages below, at and above each of
the model's thresholds, with and without cached input. The catalog's few tiers from LiteLLM's map are
compared with the map itself. Then what a user sees: the estimate of `promptls resolve`, the hover's
price lines, and the cost and prices a real `promptls run` records in the ledger.
"""

from __future__ import annotations

import datetime
import json
import random
import subprocess
from decimal import Decimal
from pathlib import Path
from typing import Any

import genai_prices
import genai_prices.data
import pytest
from genai_prices import Usage
from promptls.router.editor.hover import model_markdown
from promptls.router.models.catalog import ModelInfo, load_catalog
from promptls.router.models.money import Prices

from tests.conftest import RunPromptls, read_ledger
from tests.wire.gemini_server import GeminiWireServer
from tests.wire.gemini_server import Ok as GeminiOk

ROOT = Path(__file__).resolve().parents[2]
LITELLM_JSON = ROOT / ".cache/catalog-sources/litellm/model_prices_and_context_window_backup.json"
CATALOG = load_catalog()
# the build reads the prices in force at noon UTC on the catalog's date; so does the reference
WHEN = datetime.datetime.combine(
    datetime.date.fromisoformat(CATALOG.generated), datetime.time(12), tzinfo=datetime.UTC
)
GENAI_PROVIDER = {
    "openai": "openai",
    "anthropic": "anthropic",
    "gemini": "google",
    "openrouter": "openrouter",
}
GENAI = {provider.id: provider for provider in genai_prices.data.providers}
OUTPUT = 700


def _genai_model(info: ModelInfo) -> Any:
    """The genai-prices model the catalog entry was priced from, or None."""
    provider = GENAI_PROVIDER.get(info.provider)
    return GENAI[provider].find_model(info.name) if provider else None


def _genai_prices(info: ModelInfo) -> Any:
    model = _genai_model(info)
    return model.get_prices(WHEN) if model is not None else None


def _priced_by_genai(info: ModelInfo) -> bool:
    prices = _genai_prices(info)
    return prices is not None and prices.input_mtok is not None and prices.output_mtok is not None


def _thresholds(info: ModelInfo) -> list[int]:
    """The model's tier thresholds as genai-prices has them, and as the catalog keeps them."""
    prices = _genai_prices(info)
    fields = (prices.input_mtok, prices.output_mtok, prices.cache_read_mtok, prices.cache_write_mtok)
    source = {tier.start for value in fields for tier in getattr(value, "tiers", ())}
    return sorted(source | {tier.above for tier in info.tiers})


def _theirs(
    info: ModelInfo, input_tokens: int, output_tokens: int, cache_read: int, cache_write: int
) -> float:
    usage = Usage(
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        cache_read_tokens=cache_read,
        cache_write_tokens=cache_write,
    )
    calc = genai_prices.calc_price(
        usage, info.name, provider_id=GENAI_PROVIDER[info.provider], genai_request_timestamp=WHEN
    )
    assert calc.model.id == _genai_model(info).id  # the same model the catalog was built from
    return float(calc.total_price)


PRICED = [m for m in CATALOG.search() if not m.free and _priced_by_genai(m)]
TIERED = [m for m in PRICED if _thresholds(m)]


def test_the_reference_covers_the_tiered_models_and_the_headline_one():
    assert len(PRICED) > 900 and len(TIERED) > 100
    assert "gemini/gemini-2.5-pro" in {m.id for m in TIERED}
    # every threshold genai-prices has, the catalog keeps (a tier that changes no price is left out)
    assert sum(1 for m in TIERED if m.tiers) == len(TIERED)


@pytest.mark.parametrize("info", PRICED, ids=lambda m: m.id)
def test_promptls_costs_what_genai_prices_computes(info: ModelInfo):
    thresholds = _thresholds(info)
    inputs = [0, 1000] + [n for above in thresholds for n in (above, above + 1, 2 * above)]
    for input_tokens in inputs:
        for cache_read, cache_write in ((0, 0), (input_tokens // 4, input_tokens // 10)):
            ours = info.cost(
                input_tokens, OUTPUT, cache_read_tokens=cache_read, cache_write_tokens=cache_write
            )
            theirs = _theirs(info, input_tokens, OUTPUT, cache_read, cache_write)
            usage = f"{input_tokens:,} in ({cache_read:,} cache reads, {cache_write:,} writes) + {OUTPUT} out"
            assert ours == pytest.approx(theirs, rel=1e-9, abs=1e-12), usage


def test_a_price_the_source_lacks_is_unknown_not_zero():
    """genai-prices counts a side without a price as $0; promptls says the cost is unknown, and
    agrees with it when that side is not used."""
    half = [m for m in CATALOG.search() if not m.free and not _priced_by_genai(m) and _genai_prices(m)]
    half = [m for m in half if m.input_price is not None or m.output_price is not None]
    assert half
    for info in half:
        used = (1000, 0) if info.output_price is None else (0, 1000)
        assert info.cost(1000, 1000) is None, info.id
        assert info.cost(*used) == pytest.approx(_theirs(info, *used, 0, 0)), info.id


# --- tiers from LiteLLM's map, for the models genai-prices does not price -----------------------


@pytest.fixture(scope="module")
def litellm() -> dict[str, Any]:
    # The pinned map comes from PyPI (once; cached under .cache/), as the catalog's build reads it.
    subprocess.run([str(ROOT / "scripts" / "fetch_catalog_sources")], check=True, cwd=ROOT)
    return json.loads(LITELLM_JSON.read_text(encoding="utf-8"))


def _per_million(value: float | None) -> float | None:
    return None if value is None else float(Decimal(repr(value)) * 1_000_000)


def test_litellm_tiers_are_its_list_prices_on_every_token(litellm):
    others = [m for m in CATALOG.search() if m.tiers and not m.free and not _priced_by_genai(m)]
    assert others  # a handful: Gemini previews, OpenAI's daybreak models
    for info in others:
        spec = litellm[info.name if info.provider == "openai" else f"{info.provider}/{info.name}"]
        for tier in info.tiers:
            tag = f"above_{tier.above // 1000}k_tokens"
            below, above = info.prices(tier.above), info.prices(tier.above + 1)
            assert below == info.prices(), info.id  # at the threshold itself: not above it
            assert above.input == _per_million(spec[f"input_cost_per_token_{tag}"]), info.id
            output_key = f"output_cost_per_token_{tag}"
            assert above.output == (_per_million(spec[output_key]) if output_key in spec else below.output)
            cost = (tier.above + 1) * above.input / 1e6 + 10 * above.output / 1e6
            assert info.cost(tier.above + 1, 10) == pytest.approx(cost), info.id


# --- what a user sees ---------------------------------------------------------------------------


def test_hover_and_resolve_facts_name_the_tier():
    info = CATALOG.get("gemini/gemini-2.5-pro")
    assert info.prices() == Prices(1.25, 10, 0.125, None)
    md = model_markdown(info)
    assert "- price: $1.25 in / $10 out per 1M tokens (cached input $0.125)" in md
    assert (
        "- above 200k input tokens: $2.5 in / $15 out per 1M tokens (cached input $0.25),"
        " on all the request's tokens" in md
    )


def _long_prompt(path: Path, model: str) -> None:
    """A prompt estimated at several hundred thousand tokens, under promptls's 1 MiB file limit."""
    rng = random.Random(7)
    body = " ".join(f"{rng.randint(0, 99999)}," for _ in range(60_000))
    path.write_text(f"---\nmodel: {model}\n---\n{body}\n", encoding="utf-8")


def test_resolve_estimates_a_long_prompt_at_the_tier_price(tmp_path: Path, run_promptls: RunPromptls):
    (tmp_path / "prompts").mkdir()
    _long_prompt(tmp_path / "prompts" / "long.md", "gemini/gemini-2.5-pro")
    (tmp_path / "prompts" / "short.md").write_text("---\nmodel: gemini/gemini-2.5-pro\n---\nHi\n")
    info = CATALOG.get("gemini/gemini-2.5-pro")

    data = json.loads(run_promptls("resolve", "prompts/long.md", "--json", cwd=tmp_path).stdout)
    tokens, output = data["cost"]["input_tokens"], data["cost"]["output_tokens"]
    assert tokens > 200_000
    assert data["cost"]["usd"] == pytest.approx(_theirs(info, tokens, output, 0, 0))
    assert data["cost"]["usd"] == pytest.approx(tokens * 2.5e-6 + output * 15e-6)  # not 1.25/10

    text = run_promptls("resolve", "prompts/long.md", cwd=tmp_path).stdout
    assert "$1.25/$10 per 1M in/out, $2.5/$15 above 200k input tokens" in text
    assert "expected output tokens, at the prices above 200k input tokens, estimate)" in text
    short = run_promptls("resolve", "prompts/short.md", cwd=tmp_path).stdout
    assert "at the prices above" not in short


def test_a_declared_price_replaces_the_tiers(tmp_path: Path, run_promptls: RunPromptls):
    (tmp_path / "prompts").mkdir()
    _long_prompt(tmp_path / "prompts" / "long.md", "gemini/gemini-2.5-pro")
    (tmp_path / "promptls.toml").write_text('[models."gemini/gemini-2.5-pro"]\ninput_price = 1.0\n')
    data = json.loads(run_promptls("resolve", "prompts/long.md", "--json", cwd=tmp_path).stdout)
    tokens, output = data["cost"]["input_tokens"], data["cost"]["output_tokens"]
    assert data["cost"]["usd"] == pytest.approx(tokens * 1e-6 + output * 10e-6)


@pytest.mark.parametrize(("input_tokens", "prices"), [(150_000, (1.25, 10)), (300_000, (2.5, 15))])
def test_a_run_records_the_cost_and_the_prices_it_paid(
    tmp_path: Path, run_promptls: RunPromptls, ledger_path: Path, input_tokens: int, prices: tuple
):
    (tmp_path / "prompts").mkdir()
    (tmp_path / "prompts" / "p.md").write_text("---\nmodel: gemini/gemini-2.5-pro\n---\nSay hi.\n")
    with GeminiWireServer() as gemini:
        (tmp_path / "promptls.toml").write_text(f'[providers.gemini]\nbase_url = "{gemini.base_url}"\n')
        gemini.script(GeminiOk(text="Hi.", prompt_tokens=input_tokens, candidates_tokens=1000))
        result = run_promptls("run", "prompts/p.md", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    (row,), _ = read_ledger(ledger_path)
    info = CATALOG.get("gemini/gemini-2.5-pro")
    assert (row["input_tokens"], row["output_tokens"]) == (input_tokens, 1000)
    assert (row["input_price"], row["output_price"]) == prices
    assert row["cost_usd"] == pytest.approx(_theirs(info, input_tokens, 1000, 0, 0))
    # the recorded prices recompute the recorded cost
    assert row["cost_usd"] == pytest.approx((input_tokens * prices[0] + 1000 * prices[1]) / 1e6)
