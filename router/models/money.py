"""Money: the one formula that turns tokens and prices into dollars, and the one way an amount reads.

Every front end (the shell, the language server, and through the server's ready texts both editors)
and the ledger go through these, so a cost can never be computed or shown two ways:

    tokens_cost(1000, 200, 2.5, 10.0)   0.0045        prices are USD per million tokens
    money(0.0045)                       "$0.0045"     an amount: spent, a limit, a total
    money(None)                         "unknown"     never "$0"
    cost_text(0.0)                      "$0 (free)"   one run's cost, estimated or spent
    cost_text(None)                     "price unknown"
    per_million(2.5)                    "$2.5"        a price per million tokens

How amounts read: `$0` for nothing; four decimals under a dollar (`$0.0450`: a column of them
lines up); at most two significant digits under a hundredth of a cent (`$0.000012`, `$0.000006`), so
a tiny cost is never shown as `$0.0000`; cents and thousands separators from a dollar up (`$1,234.50`).
"""

from __future__ import annotations

import math

UNKNOWN = "unknown"
PRICE_UNKNOWN = "price unknown"
PER = 1_000_000
"""Prices are per this many tokens."""


def tokens_cost(
    input_tokens: int | None,
    output_tokens: int | None,
    input_price: float | None,
    output_price: float | None,
) -> float | None:
    """USD for the tokens at prices per million; None when a count is unknown, or a price is
    unknown for tokens that were used (no output tokens need no output price)."""
    total = 0.0
    for tokens, price in ((input_tokens, input_price), (output_tokens, output_price)):
        if tokens is None:
            return None
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
