"""`promptls resolve FILE`: which model runs a prompt, with which parameters and fallbacks, and why."""

from __future__ import annotations

import argparse
import json
import os
import sys

from promptls.cli import EXIT_FINDINGS, EXIT_OK, UsageError
from promptls.cli.style import add_color_option, painter_for, shown_path

EXAMPLES = """\
examples:
  promptls resolve .claude/agents/code-reviewer.md
  promptls resolve prompts/summarize.md --model ollama/llama3.2:3b --param temperature=0
  promptls resolve .github/prompts/review.prompt.md --json | jq .model
"""


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "resolve",
        help="show which model runs a prompt, and why",
        epilog=EXAMPLES,
        description="Print the effective model, parameters and fallback chain of a prompt file, "
        "with every layer that had a say (command line, environment, settings files, "
        "frontmatter, defaults) and its file and line.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("file", metavar="FILE", help="a prompt file")
    add_override_options(p)
    p.add_argument("--json", action="store_true", help="machine-readable output")
    add_color_option(p)
    p.set_defaults(run=run)


def add_override_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("-m", "--model", help="run on this model, whatever the files say")
    p.add_argument(
        "-p",
        "--param",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="set a parameter (temperature, top_p, max_tokens, ...); repeatable",
    )


def overrides_from(args: argparse.Namespace, env: dict[str, str]):
    from promptls.router.prompts.params import ParamError, parse_param
    from promptls.router.resolution.resolve import Overrides

    params = {}
    for item in args.param:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"--param takes KEY=VALUE, not {item!r} (e.g. --param temperature=0.2)")
        parsed = parse_param(key.strip(), value)
        if isinstance(parsed, ParamError):
            raise UsageError(f"--param {item}: {parsed.message}")
        params[key.strip()] = parsed
    from promptls.router.prompts.keyspec import PARAMETER_KEYS
    from promptls.router.prompts.params import ENV_PREFIX

    for key in PARAMETER_KEYS:
        name = f"{ENV_PREFIX}{key.upper()}"
        if name in env:
            parsed = parse_param(key, env[name])
            if isinstance(parsed, ParamError):
                raise UsageError(f"environment variable {name}={env[name]!r}: {parsed.message}")
    if args.model is not None:
        from promptls.router.models.modelid import usable_as_override

        if not usable_as_override(args.model):
            raise UsageError(
                f"--model {args.model!r} is not a model id: write provider/name, e.g. --model openai/gpt-4o"
            )
    return Overrides(
        model=args.model, params=params, env=env, no_fallback=getattr(args, "no_fallback", False)
    )


def run(args: argparse.Namespace) -> int:
    from promptls.cli.session import Session
    from promptls.router.resolution.report import explain_lines, resolution_to_dict
    from promptls.router.resolution.resolve import resolve

    session = Session()
    overrides = overrides_from(args, session.env)
    if not os.path.exists(args.file):
        raise UsageError(f"{args.file}: no such file")
    prompt = session.read_prompt(args.file)
    assert prompt is not None
    settings = session.loader.for_prompt(args.file)
    from promptls.localmodels import local_machine  # read only when a `local` setting asks

    machine = local_machine(settings, session.catalog, session.env)
    resolution = resolve(prompt, settings, session.catalog, overrides, machine)
    cwd = os.getcwd()
    from promptls.cli.session import project_root
    from promptls.lockfile import lock_status

    lock = lock_status(
        prompt.path, project_root(os.path.dirname(os.path.abspath(prompt.path))), session.catalog
    )
    if args.json:
        data = resolution_to_dict(resolution, cwd)
        data["path"] = shown_path(prompt.path)
        data["lock"] = lock
        json.dump(data, sys.stdout, indent=2, ensure_ascii=False, default=str)
        sys.stdout.write("\n")
        return EXIT_OK if resolution.model else EXIT_FINDINGS
    paint = painter_for(sys.stdout, args.color)
    styles = {
        "heading": ("bold",),
        "chosen": ("green",),
        "overridden": ("dim",),
        "note": ("dim",),
        "fact": (),
        "error": ("red", "bold"),
    }
    print(paint(f"{shown_path(prompt.path)}", "bold") + f'  ({prompt.dialect.value} "{prompt.name}")')
    for kind, text in explain_lines(resolution, cwd):
        indent = "" if kind in ("heading", "error", "fact") else "  "
        print(indent + paint(text, *styles[kind]))
    if lock is not None:
        print(f"lock: {lock}")
    return EXIT_OK if resolution.model else EXIT_FINDINGS
