"""What one run of a prompt is expected to cost: its input tokens and expected output at the model's
prices (`ModelInfo.cost`, which is `money.tokens_cost`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from promptls.router.models.money import cost_text
from promptls.router.models.tokens import TokenCount

if TYPE_CHECKING:
    from promptls.router.models.catalog import ModelInfo

DEFAULT_EXPECTED_OUTPUT = 500
"""Output tokens assumed for an estimate when a prompt says nothing (`expected_output_tokens`)."""


class CostEstimate(NamedTuple):
    input_tokens: TokenCount
    output_tokens: int
    usd: float | None
    """None when a price is unknown: an unknown price is not $0."""

    def label(self) -> str:
        """`$0.0045`, `$0 (free)`, `price unknown`: `money.cost_text`."""
        return cost_text(self.usd)


def expected_output(params: dict, info: ModelInfo | None) -> int:
    """The output a typical run produces: `expected_output_tokens`, capped by max_tokens."""
    expected = params.get("expected_output_tokens", DEFAULT_EXPECTED_OUTPUT)
    cap = params.get("max_tokens") or (info.max_output if info else None)
    return min(expected, cap) if cap else expected


def estimate_cost(info: ModelInfo | None, input_tokens: TokenCount, output_tokens: int) -> CostEstimate:
    if info is None:
        return CostEstimate(input_tokens, output_tokens, None)
    return CostEstimate(input_tokens, output_tokens, info.cost(input_tokens.count, output_tokens))
