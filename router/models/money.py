"""Money: the one formula that turns tokens and prices into dollars, and the one way an amount reads.

Every front end (the shell, the language server, and through the server's ready texts both editors)
and the ledger go through these, so a cost can never be computed or shown two ways:

    tokens_cost(1000, 200, 2.5, 10.0)   0.0045        prices are USD per million tokens
    tokens_cost(300_000, 0, 1.25, 10, tiers=(PriceTier(200_000, Prices(2.5, 15)),))
                                        0.75          every token at the tier's price
    money(0.0045)                       "$0.0045"     an amount: spent, a limit, a total
    money(None)                         "unknown"     never "$0"
    cost_text(0.0)                      "$0 (free)"   one run's cost, estimated or spent
    cost_text(None)                     "price unknown"
    per_million(2.5)                    "$2.5"        a price per million tokens

How amounts read: `$0` for nothing; four decimals under a dollar (`$0.0450`: a column of them
lines up); at most two significant digits under a hundredth of a cent (`$0.000012`, `$0.000006`), so
a tiny cost is never shown as `$0.0000`; cents and thousands separators from a dollar up (`$1,234.50`).

Tiered prices, as genai-prices (`TieredPrices`, `calc_unit_price`) and LiteLLM (`_get_token_base_cost`)
compute them and the providers bill them: a tier's prices apply to *every* token of a request whose
input tokens (cached ones included) exceed the tier's threshold, not only to the tokens past it (a
cliff, not a marginal rate); the highest such tier wins, for input, output and cache prices alike.
Cache reads and writes without a price of their own pay the input price, as both sources bill them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import NamedTuple

UNKNOWN = "unknown"
PRICE_UNKNOWN = "price unknown"
PER = 1_000_000
"""Prices are per this many tokens."""


class Prices(NamedTuple):
    """What one request pays, USD per million tokens; None is unknown (or, in a `PriceTier`, the
    lower price goes on)."""

    input: float | None
    output: float | None
    cache_read: float | None = None
    cache_write: float | None = None


class PriceTier(NamedTuple):
    """The prices a request pays once its input tokens exceed `above`, on all of its tokens."""

    above: int
    prices: Prices


def prices_at(base: Prices, tiers: Sequence[PriceTier], input_tokens: int | None) -> Prices:
    """The prices a request of `input_tokens` pays: `base`, with each tier it is above laid over
    (tiers in ascending order; a tier's None keeps the price below it). Unknown tokens: `base`."""
    prices = base
    for tier in tiers:
        if input_tokens is None or input_tokens <= tier.above:
            break
        pairs = zip(tier.prices, prices, strict=True)
        prices = Prices(*(mine if mine is not None else below for mine, below in pairs))
    return prices


def tokens_cost(
    input_tokens: int | None,
    output_tokens: int | None,
    input_price: float | None,
    output_price: float | None,
    *,
    tiers: Sequence[PriceTier] = (),
    cache_read_tokens: int = 0,
    cache_write_tokens: int = 0,
    cache_read_price: float | None = None,
    cache_write_price: float | None = None,
) -> float | None:
    """USD for the tokens at prices per million; None when a count is unknown, or a price is
    unknown for tokens that were used (no output tokens need no output price).

    `input_tokens` counts every input token, the cached reads and writes among them (as genai-prices'
    usage does); the tier is chosen by it."""
    if input_tokens is None or output_tokens is None:
        return None
    uncached = input_tokens - cache_read_tokens - cache_write_tokens
    if uncached < 0:
        raise ValueError(
            f"cache reads ({cache_read_tokens}) and writes ({cache_write_tokens}) exceed the input tokens"
            f" ({input_tokens}) they are part of"
        )
    base = Prices(input_price, output_price, cache_read_price, cache_write_price)
    prices = prices_at(base, tiers, input_tokens)
    total = 0.0
    for tokens, price in (
        (uncached, prices.input),
        (cache_read_tokens, prices.input if prices.cache_read is None else prices.cache_read),
        (cache_write_tokens, prices.input if prices.cache_write is None else prices.cache_write),
        (output_tokens, prices.output),
    ):
        if tokens:
            if price is None:
                return None
            total += tokens * price
    return total / PER


def money(usd: float | None) -> str:
    """`$0`, `$0.0045`, `$0.000012`, `$1,234.50`; `unknown` for None, never `$0`."""
    if usd is None:
        return UNKNOWN
    if usd < 0:
        return "-" + money(-usd)
    if usd == 0:
        return "$0"
    if round(usd, 2) >= 1:
        return f"${usd:,.2f}"
    if round(usd, 4) >= 0.0001:
        return f"${usd:.4f}"
    # Two significant digits: 0.000012 has its first digit at the 5th decimal, so 6 decimals
    # (counted after rounding, so that 0.00000996 reads $0.00001); a trailing zero says nothing.
    decimals = 1 - math.floor(math.log10(float(f"{usd:.2g}")))
    return "$" + f"{usd:.{decimals}f}".rstrip("0")


def cost_text(usd: float | None) -> str:
    """What one run costs (an estimate before, the amount after): `$0.0045`; `$0 (free)` for a free
    or local model; `price unknown` when a price is missing, which is not $0."""
    if usd is None:
        return PRICE_UNKNOWN
    if usd == 0:
        return "$0 (free)"
    return money(usd)


def per_million(price: float) -> str:
    """A price per million tokens as the catalog gives it: `$2.5`, `$0.075`, `$10`."""
    return f"${price:g}"


def tokens_amount(tokens: int) -> str:
    """A threshold in tokens as price lists write it: `200k`, `1M`, `1,500`."""
    if tokens and tokens % 1_000_000 == 0:
        return f"{tokens // 1_000_000}M"
    if tokens and tokens % 1000 == 0:
        return f"{tokens // 1000}k"
    return f"{tokens:,}"


def tier_texts(base: Prices, tiers: Sequence[PriceTier]) -> list[str]:
    """`$2.5/$15 above 200k input tokens`, one per tier: the input/output prices per million a
    request pays once its input tokens exceed the tier's threshold."""
    texts = []
    for tier in tiers:
        prices = prices_at(base, tiers, tier.above + 1)
        if prices.input is None or prices.output is None:
            continue
        texts.append(
            f"{per_million(prices.input)}/{per_million(prices.output)} above "
            f"{tokens_amount(tier.above)} input tokens"
        )
    return texts
