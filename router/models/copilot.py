"""Copilot's own model list: the names its model picker offers, the provider model behind each, and
its status in Copilot (dated data: `data/copilot_models.json`, with the pages it was read from).

A Copilot prompt or agent file names its model as the picker does (`Claude Sonnet 4.5`, qualified
`Claude Sonnet 4.5 (copilot)`, or Copilot's id `claude-sonnet-4.5`), or `Auto`. What Copilot offers
is not what a provider's API offers: Copilot kept `Claude Sonnet 4.5` after Anthropic's API retired
it, and dropped `GPT-4.1` while OpenAI's API still serves it. So a Copilot file is checked against
this list, and a provider's retirement dates only matter to promptls's own runs.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import NamedTuple

DATA_PATH = Path(__file__).parent / "data" / "copilot_models.json"

AUTO = "Auto"
"""The picker's automatic model selection."""

_QUALIFIER = re.compile(r"\s*\(([^()]*)\)\s*$")
_DATE = re.compile(r"\d{8}|\d{4}-\d{2}-\d{2}")
"""The date of a pinned snapshot (`claude-sonnet-4-5-20250929`, `gpt-5.4-2026-03-05`)."""


class CopilotModel(NamedTuple):
    name: str
    """As the picker shows it: `Claude Sonnet 4.5`."""
    provider: str
    """Who makes it, as the page says (`Anthropic`)."""
    model: str | None
    """The promptls id of the provider model promptls runs for it; None when only Copilot runs it."""
    status: str
    """`ga`, `preview`, or `retired` (Copilot no longer offers it)."""
    retired: str | None = None
    """The date Copilot retired it (ISO), when the page gave one."""
    alternative: str | None = None
    """A name Copilot offers instead (of a retired model)."""

    @property
    def offered(self) -> bool:
        return self.status != "retired"


class CopilotModels(NamedTuple):
    checked: str
    """When the sources were read (ISO date)."""
    sources: tuple[str, ...]
    """The pages the list comes from."""
    auto_about: str
    models: tuple[CopilotModel, ...]
    by_key: dict[str, CopilotModel]


@cache
def copilot_models() -> CopilotModels:
    """The shipped list, read once (on first use, never at import)."""
    data = json.loads(DATA_PATH.read_text(encoding="utf-8"))
    models = tuple(
        CopilotModel(
            row["name"],
            row["provider"],
            row.get("model"),
            row["status"],
            row.get("retired"),
            row.get("alternative"),
        )
        for row in data["models"]
    )
    by_key: dict[str, CopilotModel] = {}
    for model, row in zip(models, data["models"], strict=True):
        for name in (model.name, *row.get("aliases", ())):
            by_key.setdefault(copilot_key(name), model)  # an offered name wins over a retired twin
    return CopilotModels(
        data["checked"],
        tuple(source["url"] for source in data["sources"]),
        data["auto"]["about"],
        models,
        by_key,
    )


def vendor(text: str) -> str | None:
    """The vendor a picker name is qualified with (`copilot` in `GPT-5 mini (copilot)`), lower case;
    None without one. `(preview)` and `(fast mode)` are part of some names, not vendors."""
    match = _QUALIFIER.search(text.strip())
    if match is None:
        return None
    qualifier = match.group(1).strip().lower()
    return None if qualifier in ("preview", "fast mode") else qualifier


def copilot_key(text: str) -> str:
    """What two spellings of one picker name share: `Claude Sonnet 4.5 (copilot)`,
    `claude-sonnet-4.5` (Copilot's id) and `Claude Sonnet 4-5` all read `claude-sonnet-4-5`."""
    name = text.strip()
    if vendor(name) == "copilot":
        name = _QUALIFIER.sub("", name)
    return re.sub(r"[\s._]+|-+", "-", name.lower()).strip("-")


def is_auto(text: str) -> bool:
    return copilot_key(text) == "auto"


def find_copilot_model(text: str) -> CopilotModel | None:
    """The entry `text` names (offered or retired), however it is spelled; None if Copilot's list
    has no such name. `Claude Sonnet 4.5 (Preview)`, as the picker once showed previews, is the name
    without it."""
    by_key = copilot_models().by_key
    key = copilot_key(text)
    return by_key.get(key) or by_key.get(key.removesuffix("-(preview)"))


def offered_names() -> list[str]:
    """The picker names Copilot offers, in the list's order (by provider, then by name)."""
    return [m.name for m in copilot_models().models if m.offered]


def offered_for(model_id: str) -> CopilotModel | None:
    """The picker entry Copilot offers for the provider model `model_id` (`anthropic/claude-sonnet-4-5`
    and its dated snapshots), if any: how Copilot writes a model given by another name."""
    wanted = model_id.lower()
    for model in copilot_models().models:
        if model.offered and model.model is not None:
            base = model.model.lower()
            if wanted == base or (wanted.startswith(base + "-") and _DATE.fullmatch(wanted[len(base) + 1 :])):
                return model
    return None


def current_alternative(model: CopilotModel) -> str | None:
    """The name to switch to from a retired `model`: its alternative, followed while that one is
    retired too (Claude Opus 4 → Claude Opus 4.1 → ...), as long as Copilot offers the end of it."""
    seen = {model.name}
    name = model.alternative
    while name is not None and name not in seen:
        seen.add(name)
        found = find_copilot_model(name)
        if found is None:
            return None
        if found.offered:
            return found.name
        name = found.alternative
    return None
