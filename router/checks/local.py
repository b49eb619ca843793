"""Local models the prompt names that this machine does not have (`local-model-not-installed`).

The front end says what is installed, from the model cache, as a function of the provider: its model
names, or None when nothing is known of it (then nothing is reported). Only models the prompt file
itself writes are reported, at the value that names them; a model from the settings is the settings
file's business.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator

from promptls.router.base.findings import Finding
from promptls.router.base.source import Span
from promptls.router.models.modelid import ModelId
from promptls.router.prompts.frontmatter import PromptFile
from promptls.router.resolution.resolve import Resolution, declared_providers, is_local_provider
from promptls.router.rules.local import LocalModelNotInstalled

InstalledModels = Callable[[str], Collection[str] | None]
"""Provider -> the names of its installed models; None: not known."""


def not_installed(prompt: PromptFile, resolution: Resolution, installed: InstalledModels) -> list[Finding]:
    declared = declared_providers(resolution.settings)
    found = []
    for model, span in _written_models(prompt, resolution):
        if not is_local_provider(model.provider, declared):
            continue
        names = installed(model.provider)
        if names is None or _has(names, model.name):
            continue
        if model.provider == "ollama":
            how = f"`promptls models pull {model}` gets it"
        else:
            how = f"{model.provider} does not list it (`promptls models list --provider {model.provider}`)"
        message = f"`{model}` is not installed on this machine: {how}"
        found.append(LocalModelNotInstalled.finding(prompt.path, span, message))
    return found


def _has(names: Collection[str], name: str) -> bool:
    return name in names or (":" not in name and f"{name}:latest" in names)


def _written_models(prompt: PromptFile, resolution: Resolution) -> Iterator[tuple[ModelId, Span]]:
    """The resolved model and fallback models, each where this file writes it."""
    candidate = resolution.model_candidate
    if (
        resolution.model is not None
        and candidate is not None
        and candidate.source.path == prompt.path
        and candidate.source.span is not None
    ):
        yield resolution.model, candidate.source.span
    entry = prompt.get("fallback")
    if entry is None:
        return
    for fallback in resolution.fallback:
        if fallback.model is None or fallback.source.path != prompt.path:
            continue
        for item in entry.items:
            if item.value == fallback.raw:
                yield fallback.model, item.span
                break
