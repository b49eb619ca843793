"""`promptls run FILE`: run a prompt on its resolved model, falling back along its chain."""

from __future__ import annotations

import argparse
import json
import os
import sys

from promptls.cli import EXIT_FINDINGS, EXIT_OK, UsageError
from promptls.cli.resolve import add_override_options, overrides_from

EXAMPLES = """\
examples:
  promptls run prompts/release-notes.md --var version=1.4 --var changes="$(git log --oneline -20)"
  git diff | promptls run .claude/agents/code-reviewer.md
  promptls run .claude/commands/git/commit-message.md PROJ-42 --model ollama/llama3.2
  promptls run prompts/triage.md --json < issue.txt | jq .text

The answer streams to stdout; which model runs, and any fallback, is said on stderr.
Exit status: 0 answered, 1 every model failed (or the answer broke off), 2 usage or config error.
"""


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "run",
        help="run a prompt (with fallback), answer on stdout",
        epilog=EXAMPLES,
        description="Run a prompt file on the model it resolves to, with its parameters; on a "
        "failure before the first token, fall back along its chain. Every run is recorded in the "
        "usage ledger (`promptls costs`).",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("file", metavar="FILE", help="a prompt file")
    p.add_argument(
        "arguments",
        nargs="*",
        metavar="ARG",
        help="the input: Claude command arguments ($ARGUMENTS, $1...), or the task for an "
        "agent (default: stdin)",
    )
    add_override_options(p)
    p.add_argument(
        "--var",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a template variable ({{name}}, ${input:name}); repeatable",
    )
    p.add_argument("--no-fallback", action="store_true", help="try only the resolved model")
    p.add_argument(
        "--json", action="store_true", help="print one JSON object at the end instead of streaming"
    )
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from promptls.cli.session import Session
    from router.render import RenderError, render
    from router.resolve import resolve

    session = Session()
    overrides = overrides_from(args, session.env)
    if not os.path.exists(args.file):
        raise UsageError(f"{args.file}: no such file")
    prompt = session.read_prompt(args.file)
    assert prompt is not None
    settings = session.loader.for_prompt(args.file)
    resolution = resolve(prompt, settings, session.catalog, overrides)
    if resolution.model is None:
        raise UsageError(resolution.problem or "no model to run")
    variables = _variables(args.var)
    stdin = None
    if not args.arguments and not sys.stdin.isatty():
        stdin = sys.stdin.read()
    try:
        rendered = render(prompt, args.arguments, variables, stdin)
    except RenderError as exc:
        raise UsageError(str(exc)) from None
    from adapters.base import Message
    from router.plan import plan_run

    messages = tuple(
        m
        for m in (
            Message("system", rendered.system) if rendered.system else None,
            Message("user", rendered.user),
        )
        if m is not None
    )
    plan = plan_run(resolution, session.catalog, session.env)
    return _execute(args, session, prompt, resolution, plan, messages, settings)


def _variables(items: list[str]) -> dict[str, str]:
    out = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise UsageError(f"--var takes NAME=VALUE, not {item!r}")
        out[name.strip()] = value
    return out


def _execute(args, session, prompt, resolution, plan, messages, settings) -> int:
    import datetime
    import time

    from adapters.execute import Events, run_plan
    from promptls.ledger import budget_warning, open_ledger

    ledger = open_ledger()
    run_id = ledger.start_run(
        prompt_path=os.path.abspath(prompt.path),
        prompt_name=prompt.name,
        dialect=prompt.dialect.value,
        requested_model=str(resolution.model),
    )
    out = sys.stdout

    def status(message: str) -> None:
        print(f"promptls: {message}", file=sys.stderr, flush=True)

    def text(chunk: str) -> None:
        if not args.json:
            out.write(chunk)
            out.flush()

    def attempt(a) -> None:
        ledger.record_attempt(
            run_id,
            model=a.model_id,
            latency_ms=a.latency_ms,
            error_kind=a.error.kind if a.error else None,
            error_message=a.error.message if a.error else None,
        )

    started = time.monotonic()
    try:
        result = run_plan(plan, messages, session.env, Events(status, text, attempt))
    except KeyboardInterrupt:
        ledger.finish_run(run_id, outcome="interrupted", latency_ms=(time.monotonic() - started) * 1000)
        raise
    latency = (time.monotonic() - started) * 1000
    info = next((c.info for c in plan.calls if c.model_id == result.model_id), None)
    usage, usage_source = _usage(result, messages)
    cost = None
    if info is not None and usage is not None:
        cost = 0.0 if info.free else info.cost(usage.input_tokens or 0, usage.output_tokens or 0)
    ledger.finish_run(
        run_id,
        outcome=result.outcome,
        used_model=result.model_id,
        input_tokens=usage.input_tokens if usage else None,
        output_tokens=usage.output_tokens if usage else None,
        cost_usd=cost,
        input_price=info.input_price if info else None,
        output_price=info.output_price if info else None,
        price_source=session.catalog.generated,
        latency_ms=latency,
        first_token_ms=result.first_token_ms,
        error=result.error.describe() if result.error else None,
        usage_source=usage_source,
    )
    if not args.json and result.text and not result.text.endswith("\n"):
        out.write("\n")
    if args.json:
        json.dump(
            {
                "outcome": result.outcome,
                "model": result.model_id,
                "text": result.text,
                "usage": {**usage._asdict(), "source": usage_source} if usage else None,
                "cost_usd": cost,
                "attempts": [
                    {
                        "model": a.model_id,
                        "latency_ms": round(a.latency_ms, 1),
                        "error": a.error.describe() if a.error else None,
                    }
                    for a in result.attempts
                ],
            },
            out,
            indent=2,
        )
        out.write("\n")
    if result.outcome == "partial":
        status(
            f"the answer from {result.model_id} broke off: {result.error.describe()}; "
            "what arrived is above (not retried, not mixed with another model's answer)"
        )
    elif result.outcome == "failed":
        status(
            "every model failed: "
            + "; ".join(f"{a.model_id}: {a.error.describe()}" for a in result.attempts if a.error)
        )
    warning = budget_warning(ledger, settings.files, datetime.date.today())
    if warning:
        status(warning)
    return EXIT_OK if result.outcome == "ok" else EXIT_FINDINGS


def _usage(result, messages):
    """The provider's token counts; when it reported none (some local servers do not while
    streaming), promptls's own estimate, recorded as one."""
    if result.model_id is None:
        return None, None
    reported = result.usage
    if reported is not None and reported.input_tokens is not None and reported.output_tokens is not None:
        return reported, "provider"
    from adapters.base import Usage
    from router.tokens import count_tokens

    model = result.model_id
    sent = "\n".join(m.content for m in messages)
    input_tokens = reported.input_tokens if reported and reported.input_tokens is not None else None
    if input_tokens is None:
        input_tokens = count_tokens(sent, model).count
    output_tokens = count_tokens(result.text, model).count
    return Usage(input_tokens, output_tokens), "estimate"
