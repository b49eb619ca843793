"""Edits offered as code actions that no finding asks for: add a fallback to a prompt."""

from __future__ import annotations

from typing import TYPE_CHECKING

from promptls.router.base.findings import Edit, Fix
from promptls.router.prompts.frontmatter import PromptFile

if TYPE_CHECKING:
    from promptls.router.resolution.resolve import Resolution


def add_fallback(prompt: PromptFile, resolution: Resolution) -> Fix | None:
    """For a prompt with no fallback: `model_fallback: true` when a default chain exists, else
    `fallback: [<the settings' default model>]` when that differs from the model. None otherwise."""
    if not prompt.has_frontmatter or resolution.model is None or resolution.fallback:
        return None
    if prompt.get("fallback") is not None or prompt.get("model_fallback") is not None:
        return None
    at = prompt.lines.span(prompt.insertion_point(), prompt.insertion_point())
    newline = "\r\n" if "\r\n" in prompt.text[: prompt.body_start] else "\n"
    defaults = resolution.settings.view.defaults
    chain = defaults.value("fallback")
    if chain:
        return Fix(
            f"Add a fallback: the default chain ({' → '.join(chain)})",
            (Edit(prompt.path, at, f"model_fallback: true{newline}"),),
        )
    default = defaults.value("model")
    if isinstance(default, str) and default != str(resolution.model):
        return Fix(f"Add a fallback: {default}", (Edit(prompt.path, at, f"fallback: [{default}]{newline}"),))
    return None
