"""Rules for size and cost: the prompt must fit the context window of every model that may run it."""

from __future__ import annotations

from collections.abc import Iterator

from promptls.router.base.findings import Finding, Severity
from promptls.router.checks.context import PromptContext
from promptls.router.models.tokens import tokens_for_check
from promptls.router.rules.cost import OllamaContextTruncation, PromptExceedsContext

OLLAMA_DEFAULT_CONTEXT = 4096
"""Ollama's default `num_ctx`: longer prompts are cut from the front, silently."""


def check_context(ctx: PromptContext) -> Iterator[Finding]:
    resolution = ctx.resolution
    prompt = ctx.prompt
    body = prompt.body
    if not body.strip():
        return
    span = _span(ctx)
    from promptls.router.resolution.resolve import model_info

    # A token is at least one UTF-8 byte and a character at most four: a body this short fits
    # any window it is measured against, without counting.
    most_tokens = len(body) * 4
    models = resolution.chain()
    for index, model in enumerate(models):
        info = resolution.info if index == 0 else model_info(model, resolution.settings, ctx.catalog)
        if info is None or info.context_window is None or most_tokens <= info.context_window:
            continue
        tokens = tokens_for_check(body, info.context_window, str(model))
        if tokens.count > info.context_window:
            role = "the model" if index == 0 else "fallback model"
            yield PromptExceedsContext.finding(
                ctx.path,
                span,
                f"the prompt is {tokens.label()}, more than the {info.context_window:,}-token "
                f"context window of {role} `{model}`; shorten it or pick a larger model",
                severity=Severity.ERROR if index == 0 else Severity.WARNING,
            )
    model = resolution.model
    if model is not None and model.provider == "ollama":
        options = resolution.options
        num_ctx = options.get("num_ctx") if isinstance(options, dict) else None
        limit = num_ctx if isinstance(num_ctx, int) else OLLAMA_DEFAULT_CONTEXT
        if num_ctx is None and most_tokens > limit:
            tokens = tokens_for_check(body, limit, str(model))
            if tokens.count > limit:
                yield OllamaContextTruncation.finding(
                    ctx.path,
                    span,
                    f"the prompt is {tokens.label()}, but Ollama runs `{model}` with a "
                    f"{limit:,}-token context unless told otherwise and cuts the start: set "
                    f'[models."{model}"] options = {{ num_ctx = ... }} in promptls.toml',
                )


def _span(ctx: PromptContext):
    """Point at the model value if there is one (that is what to change), else the first line."""
    entry = ctx.prompt.get("model")
    return entry.value_span if entry is not None else ctx.prompt.opening
