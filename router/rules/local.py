"""Rules about the local models of this machine (what the model cache says is installed)."""

from __future__ import annotations

from promptls.router.base.findings import Severity
from promptls.router.rules.registry import Rule


class LocalModelNotInstalled(Rule):
    """The prompt runs on a local model that is not installed on this machine.

    ## Why it matters
    Ollama answers a model it does not have with "model not found" (a local OpenAI-compatible server,
    the same way): the run fails on it, or falls back when the prompt has a fallback chain. What is
    installed is read from the model cache that `promptls models list` fills, however old it is;
    where nothing is cached for the provider, nothing is reported (`promptls check` on a machine
    without Ollama, CI, stays quiet).

    ## How to fix
    Get it: `promptls models pull ollama/NAME` (the editor's code action runs it). Or name a model
    that is installed: `promptls models list --installed`.
    """

    code = "PLS210"
    name = "local-model-not-installed"
    severity = Severity.WARNING
