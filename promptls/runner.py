"""Running a prompt, shared by `promptls run` and the language server's `promptls.run` command.

The front ends differ only in where the answer goes (stdout, or `promptls/runProgress` notifications):
both hand in `Events`. Everything else (rendering, the fallback plan, the ledger record, usage the
provider did not report, the cost) happens here once.
"""

from __future__ import annotations

import datetime
import os
import threading
import time
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from promptls.adapters.base import Message, Usage
    from promptls.adapters.execute import Events, RunResult
    from promptls.router.models.catalog import Catalog
    from promptls.router.prompts.frontmatter import PromptFile
    from promptls.router.resolution.plan import FallbackPlan
    from promptls.router.resolution.resolve import Resolution
    from promptls.router.settings.discover import ProjectSettings


class RunOutcome(NamedTuple):
    result: RunResult
    usage: Usage | None
    usage_source: str | None
    """"provider" (reported) or "estimate" (counted by promptls); None when nothing answered."""
    cost_usd: float | None
    budget_warning: str | None


def messages_for(
    prompt: PromptFile,
    arguments: Sequence[str] = (),
    variables: Mapping[str, str] | None = None,
    stdin: str | None = None,
) -> tuple[Message, ...]:
    """The messages a model receives; raises `router.prompts.messages.RenderError` when input is missing."""
    from promptls.adapters.base import Message
    from promptls.router.prompts.dialects import Dialect
    from promptls.router.prompts.messages import render

    text = " ".join(arguments) if arguments else (stdin or "")
    if prompt.dialect is Dialect.PROMPTY:  # rendered and split into messages by Microsoft's runtime
        from promptls.adapters.prompty_render import render_prompty

        return tuple(Message(role, content) for role, content in render_prompty(prompt, variables, text))
    if prompt.dialect is Dialect.DOTPROMPT:  # by Google's dotpromptz, as Genkit renders it
        from promptls.adapters.dotprompt_render import render_dotprompt

        return tuple(Message(role, content) for role, content in render_dotprompt(prompt, variables, text))
    rendered = render(prompt, arguments, variables, stdin)
    system = (Message("system", rendered.system),) if rendered.system else ()
    return (*system, Message("user", rendered.user))


def execute(
    prompt: PromptFile,
    resolution: Resolution,
    plan: FallbackPlan,
    messages: tuple[Message, ...],
    settings: ProjectSettings,
    catalog: Catalog,
    env: Mapping[str, str],
    events: Events,
    cancel: threading.Event | None = None,
) -> RunOutcome:
    """Run `plan`, telling `events` as it goes, and record the run and each attempt in the ledger.

    Setting `cancel` (from another thread) stops the run: it is recorded `interrupted`, with the
    tokens it used until then (the provider reports none for a stream cut short: estimated)."""
    from promptls.adapters.execute import Events as EventsType
    from promptls.adapters.execute import run_plan
    from promptls.ledger.budgets import budget_warning
    from promptls.ledger.recorder import RunRecorder

    ledger = RunRecorder(events.status)  # an unusable ledger is one warning, not a failed run
    run_id = ledger.start_run(
        prompt_path=os.path.abspath(prompt.path),
        prompt_name=prompt.name,
        dialect=prompt.dialect.value,
        requested_model=str(resolution.model),
    )

    def attempt(a) -> None:
        ledger.record_attempt(
            run_id,
            model=a.model_id,
            latency_ms=a.latency_ms,
            error_kind=a.error.kind if a.error else None,
            error_message=a.error.message if a.error else None,
        )
        events.attempt(a)

    started = time.monotonic()
    try:
        result = run_plan(plan, messages, env, EventsType(events.status, events.text, attempt), cancel=cancel)
    except BaseException:  # Ctrl-C, a cancelled editor request: the run did not finish
        ledger.finish_run(run_id, outcome="interrupted", latency_ms=(time.monotonic() - started) * 1000)
        raise
    latency = (time.monotonic() - started) * 1000
    info = next((c.info for c in plan.calls if c.model_id == result.model_id), None)
    usage, usage_source = _usage(result, messages)
    cost = None
    if info is not None and usage is not None:
        cost = info.cost(usage.input_tokens, usage.output_tokens)
    # the prices this run paid: above a tier's input tokens, the tier's (so the recorded cost can be
    # recomputed from the recorded tokens and prices alone)
    prices = info.prices(usage.input_tokens if usage else None) if info else None
    ledger.finish_run(
        run_id,
        outcome=result.outcome,
        used_model=result.model_id,
        input_tokens=usage.input_tokens if usage else None,
        output_tokens=usage.output_tokens if usage else None,
        cost_usd=cost,
        input_price=prices.input if prices else None,
        output_price=prices.output if prices else None,
        price_source=catalog.generated,
        latency_ms=latency,
        first_token_ms=result.first_token_ms,
        error=result.error.describe() if result.error else None,
        usage_source=usage_source,
    )
    warning = ledger.read(lambda opened: budget_warning(opened, settings, datetime.date.today()))
    return RunOutcome(result, usage, usage_source, cost, warning)


def ending_status(result: RunResult) -> str | None:
    """The status line for a run that did not simply answer."""
    if result.outcome == "partial":
        return (
            f"the answer from {result.model_id} broke off: {result.error.describe()}; "
            "what arrived is above (not retried, not mixed with another model's answer)"
        )
    if result.outcome == "failed":
        return "every model failed: " + "; ".join(
            f"{a.model_id}: {a.error.describe()}" for a in result.attempts if a.error
        )
    return None


def _usage(result: RunResult, messages: tuple[Message, ...]):
    """The provider's token counts; when it reported none (some local servers do not while
    streaming), promptls's own estimate, recorded as one."""
    if result.model_id is None:
        return None, None
    reported = result.usage
    if reported is not None and reported.input_tokens is not None and reported.output_tokens is not None:
        return reported, "provider"
    from promptls.adapters.base import Usage
    from promptls.router.models.tokens import count_tokens

    model = result.model_id
    sent = "\n".join(m.content for m in messages)
    input_tokens = reported.input_tokens if reported and reported.input_tokens is not None else None
    if input_tokens is None:
        input_tokens = count_tokens(sent, model).count
    output_tokens = count_tokens(result.text, model).count
    return Usage(input_tokens, output_tokens), "estimate"
