"""Did you mean: the model values nearest to a mistyped one, as the file's dialect writes them.

In a Claude Code agent `model: sonet` means `sonnet`, not OpenRouter's `perplexity/sonar`. So the
spellings the dialect's own tool reads come first (Claude Code's aliases, `inherit` and `claude-…`
ids; the names Copilot's model picker offers, `models.copilot`), then the catalog's nearest ids,
those the tool can run before the others, each written as the tool writes it when the user wrote the
tool's spelling (`claude-sonet-4-5` → `claude-sonnet-4-5`, `googleai/gemini-2.5-prp` →
`googleai/gemini-2.5-pro`).
"""

from __future__ import annotations

import difflib
from typing import TYPE_CHECKING

from promptls.router.models.copilot import offered_names
from promptls.router.models.modelid import (
    CLAUDE_ALIASES,
    ModelId,
    native_spelling,
    parse_model_id,
)
from promptls.router.prompts.dialects import Dialect

if TYPE_CHECKING:
    from promptls.router.models.catalog import Catalog

CLAUDE_WORDS = (*CLAUDE_ALIASES, "inherit", "opusplan")
"""What Claude Code reads in `model:` besides `claude-…` ids."""


def nearest_models(
    written: str, dialect: Dialect, catalog: Catalog, limit: int = 3, *, model: ModelId | None = None
) -> list[str]:
    """Up to `limit` values near `written` (a model value of a `dialect` file), best first.

    `model` is the id `written` was read as, if it was one (`claude-sonet-4-5` is
    `anthropic/claude-sonet-4-5`): the catalog's ids near it come after the dialect's own words.
    """
    text = written.strip()
    if limit <= 0 or not text:
        return []
    found: dict[str, None] = {}
    own = own_spellings(catalog, dialect)
    for key in difflib.get_close_matches(text.lower(), list(own), n=limit, cutoff=0.6):
        found.setdefault(own[key], None)
    if model is None and "/" not in text:  # a name without its provider: the ids with that very name
        found.update(dict.fromkeys(m for m in catalog.ids() if m.split("/", 1)[1].lower() == text.lower()))
    query = str(model) if model is not None else text
    respell = model is not None and text != query  # the user wrote the tool's spelling: answer in it
    near = [(m, _native(m, dialect)) for m in catalog.suggest(query, limit=limit + 2)]
    near.sort(key=lambda pair: pair[1] is None)  # stable: the ones the tool can run first
    for model_id, native in near:
        found.setdefault(native if respell and native else model_id, None)
    return list(found)[:limit]


def own_spellings(catalog: Catalog, dialect: Dialect) -> dict[str, str]:
    """The values only `dialect`'s own tool reads, by their lower case: Claude Code's words and ids,
    Copilot's picker names."""
    if dialect.is_claude:
        return catalog.memo(("nearest", "claude-spellings"), lambda: _claude_spellings(catalog))
    if dialect.is_copilot:
        return catalog.memo(("nearest", "copilot-spellings"), lambda: {n.lower(): n for n in offered_names()})
    return {}


def nearest_copilot_names(written: str, limit: int = 3) -> list[str]:
    """Up to `limit` names Copilot's model picker offers near `written`, best first: what a Copilot
    file's unknown model name was most likely meant to be (`Claude Sonet 4.6` → `Claude Sonnet 4.6`)."""
    names = {name.lower(): name for name in offered_names()}
    text = written.strip().lower()
    if limit <= 0 or not text:
        return []
    return [names[key] for key in difflib.get_close_matches(text, list(names), n=limit, cutoff=0.6)]


def _claude_spellings(catalog: Catalog) -> dict[str, str]:
    names = [m.split("/", 1)[1] for m in catalog.ids("anthropic")]
    return {word.lower(): word for word in (*CLAUDE_WORDS, *names)}


def _native(model_id: str, dialect: Dialect) -> str | None:
    model = parse_model_id(model_id)
    return native_spelling(model, dialect) if model is not None else None
