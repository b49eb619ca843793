"""The one cost formula and the one money formatter that the shell, the server and the editors show."""

from __future__ import annotations

import pytest
from promptls.router.models.catalog import load_catalog
from promptls.router.models.money import (
    Prices,
    PriceTier,
    cost_text,
    money,
    per_million,
    tier_texts,
    tokens_amount,
    tokens_cost,
)

# fmt: off
AMOUNTS = [
    # amount         money()          cost_text()
    (None,           "unknown",       "price unknown"),  # unknown is never $0
    (0,              "$0",            "$0 (free)"),
    (0.00000012,     "$0.00000012",   "$0.00000012"),    # tiny, yet not $0.0000
    (0.00000996,     "$0.00001",      "$0.00001"),       # two significant digits after rounding
    (0.000006,       "$0.000006",     "$0.000006"),
    (0.000045,       "$0.000045",     "$0.000045"),
    (0.0000999,      "$0.0001",       "$0.0001"),
    (0.0045,         "$0.0045",       "$0.0045"),
    (0.004,          "$0.0040",       "$0.0040"),        # four decimals under a dollar: columns line up
    (0.045,          "$0.0450",       "$0.0450"),
    (0.99999,        "$1.00",         "$1.00"),
    (10,             "$10.00",        "$10.00"),
    (12.3456,        "$12.35",        "$12.35"),
    (1234.5,         "$1,234.50",     "$1,234.50"),
]
# fmt: on


@pytest.mark.parametrize(("usd", "as_money", "as_cost"), AMOUNTS)
def test_how_amounts_read(usd, as_money, as_cost):
    assert money(usd) == as_money
    assert cost_text(usd) == as_cost


def test_prices_per_million_read_as_the_catalog_gives_them():
    assert [per_million(p) for p in (2.5, 10.0, 0.075, 0)] == ["$2.5", "$10", "$0.075", "$0"]


# fmt: off
COSTS = [
    # input, output tokens   input, output price   USD
    ((1000, 200),            (2.5, 10.0),          0.0045),
    ((1000, 0),              (2.5, None),          0.0025),  # no output needs no output price
    ((1000, 200),            (2.5, None),          None),    # a needed price unknown: cost unknown
    ((None, 200),            (2.5, 10.0),          None),    # usage unknown: cost unknown
    ((500, 100),             (0.0, 0.0),           0.0),
]
# fmt: on


@pytest.mark.parametrize(("tokens", "prices", "usd"), COSTS)
def test_the_cost_formula(tokens, prices, usd):
    got = tokens_cost(*tokens, *prices)
    assert got == (pytest.approx(usd) if usd else usd)


def test_a_catalog_model_costs_by_the_same_formula_and_a_free_one_costs_nothing():
    catalog = load_catalog()
    assert catalog.get("openai/gpt-4o").cost(1000, 200) == pytest.approx(tokens_cost(1000, 200, 2.5, 10.0))
    assert catalog.lookup("ollama/llama3.2").cost(5000, 900) == 0.0
    assert catalog.lookup("openai/some-future-model").cost(100, 50) is None


# Gemini 2.5 Pro's shape: $1.25/$10 (cached input $0.125), all of it $2.5/$15/$0.25 above 200k input
# tokens; a made-up second tier above 1M changes the input price only.
BASE = {"input_price": 1.25, "output_price": 10.0, "cache_read_price": 0.125}
TIERS = (PriceTier(200_000, Prices(2.5, 15.0, 0.25)), PriceTier(1_000_000, Prices(input=4.0, output=None)))

# fmt: off
TIERED = [
    # input, output, cache reads, writes   USD
    ((200_000, 1000, 0, 0),                (200_000 * 1.25 + 1000 * 10) / 1e6),       # at the threshold: base
    ((200_001, 1000, 0, 0),                (200_001 * 2.5 + 1000 * 15) / 1e6),        # above: every token
    ((300_000, 0, 100_000, 0),             (200_000 * 2.5 + 100_000 * 0.25) / 1e6),   # cached input counts
    ((300_000, 0, 0, 50_000),              300_000 * 2.5 / 1e6),                      # writes unpriced: input
    ((1_000_001, 10, 0, 0),                (1_000_001 * 4.0 + 10 * 15) / 1e6),        # a tier keeps the rest
]
# fmt: on


@pytest.mark.parametrize(("usage", "usd"), TIERED)
def test_a_tier_prices_every_token_of_a_request_above_its_threshold(usage, usd):
    input_tokens, output_tokens, cache_read, cache_write = usage
    got = tokens_cost(
        input_tokens,
        output_tokens,
        BASE["input_price"],
        BASE["output_price"],
        tiers=TIERS,
        cache_read_tokens=cache_read,
        cache_write_tokens=cache_write,
        cache_read_price=BASE["cache_read_price"],
    )
    assert got == pytest.approx(usd)


def test_cached_input_more_than_the_input_is_a_mistake():
    with pytest.raises(ValueError, match="exceed the input tokens"):
        tokens_cost(100, 0, 1.0, 1.0, cache_read_tokens=80, cache_write_tokens=30)


def test_tiers_read_as_price_lists_write_them():
    assert [tokens_amount(n) for n in (200_000, 272_000, 1_000_000, 1500)] == ["200k", "272k", "1M", "1,500"]
    base = Prices(1.25, 10.0, 0.125)
    assert tier_texts(base, TIERS) == ["$2.5/$15 above 200k input tokens", "$4/$15 above 1M input tokens"]
    assert tier_texts(base, ()) == []
