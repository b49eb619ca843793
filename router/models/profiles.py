"""Routing profiles: pick a model for `profile: NAME` when `[profiles.NAME]` names none.

A profile states what a prompt needs (`min_context`, `capabilities`) and which model families it
prefers, best first. The pick is the newest current model of the first preferred family that
meets the needs; without preferences, the cheapest model with known prices that meets them.
Deprecated models are never picked. The choice is deterministic for a given catalog.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from promptls.router.models.catalog import Catalog, ModelInfo


BUILTIN_PROFILES: dict[str, dict[str, Any]] = {
    "fast": {"prefer": ["gpt-5-mini", "gemini-2.5-flash", "claude-haiku"]},
    "general": {"min_context": 128_000, "prefer": ["gpt-5", "claude-sonnet", "gemini-2.5-pro"]},
    "code": {
        "min_context": 128_000,
        "capabilities": ["tools"],
        "prefer": ["claude-sonnet", "gpt-5-codex", "gpt-5"],
    },
    "creative": {"prefer": ["claude-opus", "gpt-5", "gemini-2.5-pro"]},
}
"""Profiles every project has; a `[profiles.NAME]` table of the same name replaces one."""


class ProfilePick(NamedTuple):
    model: str | None
    reason: str


def pick_for_profile(name: str, table: Mapping[str, Any], catalog: Catalog) -> ProfilePick:
    min_context = table.get("min_context") or 0
    needs = frozenset(table.get("capabilities") or ())
    prefer = list(table.get("prefer") or ())
    fits = [
        m
        for m in catalog.search()
        if not m.deprecation_date and (m.context_window or 0) >= min_context and needs <= m.capabilities
    ]
    wants = _needs_text(min_context, needs)
    for family in prefer:
        members = [m for m in fits if m.family == family or (m.family or "").startswith(family)]
        if members:
            best = max(members, key=_newest)
            return ProfilePick(best.id, f"profile `{name}`: newest `{family}` model{wants}")
    if prefer:
        return ProfilePick(
            None, f"profile `{name}`: no current model of {', '.join(prefer)}{wants} in the catalog"
        )
    priced = [m for m in fits if m.input_price is not None and m.output_price is not None]
    if not priced:
        return ProfilePick(None, f"profile `{name}`: no model with known prices{wants}")
    best = min(priced, key=lambda m: (m.input_price + m.output_price, m.id))
    return ProfilePick(best.id, f"profile `{name}`: cheapest model{wants}")


def _needs_text(min_context: int, needs: frozenset[str]) -> str:
    parts = []
    if min_context:
        parts.append(f"a context of at least {min_context:,}")
    if needs:
        parts.append(", ".join(sorted(needs)))
    return f" with {' and '.join(parts)}" if parts else ""


def _newest(model: ModelInfo) -> tuple:
    from promptls.router.models.catalog import recency_key

    return recency_key(model.name)
