"""Rules for the prompt's size against the model's context window."""

from __future__ import annotations

from promptls.router.base.findings import Severity
from promptls.router.rules.registry import Rule


class PromptExceedsContext(Rule):
    """The prompt is longer than the context window of a model that may run it.

    ## Why it matters
    The provider rejects the request (or, for Ollama, silently cuts the start of the prompt).
    When the model is a fallback, the failure arrives only when the main model is already down.

    ## How to fix
    Shorten the prompt, or choose a model with a larger window (`promptls models` shows each
    model's window). Token counts are estimates unless the model's own tokenizer is known.
    """

    code = "PLS401"
    name = "prompt-exceeds-context"
    severity = Severity.ERROR


class OllamaContextTruncation(Rule):
    """The prompt is longer than Ollama's default context, and no larger one is set.

    ## Why it matters
    Ollama runs models with a 2k–4k token context unless told otherwise, whatever the model
    supports, and drops the start of longer prompts without an error: the model never sees your
    instructions.

    ## How to fix
    Set the context for the model in promptls.toml:

        [models."ollama/qwen2.5-coder"]
        options = { num_ctx = 32768 }
    """

    code = "PLS402"
    name = "ollama-context-truncation"
    severity = Severity.WARNING
