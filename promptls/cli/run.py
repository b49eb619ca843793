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
    from promptls.router.prompts.messages import RenderError
    from promptls.router.resolution.resolve import resolve
    from promptls.runner import messages_for

    session = Session()
    overrides = overrides_from(args, session.env)
    if not os.path.exists(args.file):
        raise UsageError(f"{args.file}: no such file")
    prompt = session.read_prompt(args.file)
    assert prompt is not None
    settings = session.loader.for_prompt(args.file)
    from promptls.localmodels import fit_warning, local_machine  # read only when needed

    machine = local_machine(settings, session.catalog, session.env)
    resolution = resolve(prompt, settings, session.catalog, overrides, machine)
    if resolution.model is None:
        raise UsageError(resolution.problem or "no model to run")
    warning = fit_warning(str(resolution.model), machine)
    if warning:
        print(f"promptls: {warning}", file=sys.stderr, flush=True)
    variables = _variables(args.var)
    stdin = None
    if not args.arguments and not sys.stdin.isatty():
        stdin = sys.stdin.read()
    try:
        messages = messages_for(prompt, args.arguments, variables, stdin)
    except RenderError as exc:
        raise UsageError(str(exc)) from None
    from promptls.router.resolution.plan import plan_run

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
    from promptls.adapters.execute import Events
    from promptls.runner import ending_status, execute

    out = sys.stdout

    def status(message: str) -> None:
        print(f"promptls: {message}", file=sys.stderr, flush=True)

    def text(chunk: str) -> None:
        if not args.json:
            out.write(chunk)
            out.flush()

    outcome = execute(
        prompt,
        resolution,
        plan,
        messages,
        settings,
        session.catalog,
        session.env,
        Events(status, text, lambda attempt: None),
    )
    result, usage = outcome.result, outcome.usage
    if not args.json and result.text and not result.text.endswith("\n"):
        out.write("\n")
    if args.json:
        json.dump(
            {
                "outcome": result.outcome,
                "model": result.model_id,
                "text": result.text,
                "usage": {**usage._asdict(), "source": outcome.usage_source} if usage else None,
                "cost_usd": outcome.cost_usd,
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
    ending = ending_status(result)
    if ending:
        status(ending)
    if outcome.budget_warning:
        status(outcome.budget_warning)
    return EXIT_OK if result.outcome == "ok" else EXIT_FINDINGS
