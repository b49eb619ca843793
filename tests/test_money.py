"""The one cost formula and the one money formatter that the shell, the server and the editors show."""

from __future__ import annotations

import pytest
from promptls.router.models.catalog import load_catalog
from promptls.router.models.money import cost_text, money, per_million, tokens_cost

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
