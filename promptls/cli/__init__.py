"""The `promptls` shell command: a thin shim over `router/`.

Each subcommand lives in its own module and is imported only when it runs, so `promptls resolve`
never pays for the language server or a provider SDK.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from promptls import __version__

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2

COMMANDS = {
    "check": "promptls.cli.check",
    "lock": "promptls.cli.lock",
    "resolve": "promptls.cli.resolve",
    "models": "promptls.cli.models",
    "explain": "promptls.cli.explain",
    "costs": "promptls.cli.costs",
    "run": "promptls.cli.run",
    "serve": "promptls.cli.serve",
    "keys": "promptls.cli.keys",
    "config": "promptls.cli.config",
    "proxy": "promptls.cli.proxy",
}


class UsageError(Exception):
    """A mistake in how the command was called: printed as `promptls: error: ...`, exit 2."""


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The argument parser; with `only`, just that subcommand's (building all costs start-up)."""
    parser = argparse.ArgumentParser(
        prog="promptls",
        description="Treat LLM prompt files as source code: check them, see which model runs "
        "them and why, and what a run costs.",
        epilog="Run `promptls COMMAND --help` for a command's options and examples.",
    )
    parser.add_argument("--version", action="version", version=f"promptls {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    import importlib

    for name, module in COMMANDS.items():
        if only is None or name == only:
            importlib.import_module(module).add_parser(sub)
    return parser


def silence_stdout() -> None:
    """After a broken pipe: point stdout at /dev/null so the interpreter's last flush cannot fail."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


def _tolerant_output() -> None:
    """A terminal or pipe whose encoding lacks `✓` or `→` (ASCII, cp1252) gets `?`, not a crash."""
    for stream in (sys.stdout, sys.stderr):
        if getattr(stream, "errors", None) == "strict" and hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="replace")


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    _tolerant_output()
    parser = build_parser(argv[0] if argv and argv[0] in COMMANDS else None)
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help()
        return EXIT_USAGE
    try:
        return int(args.run(args))
    except UsageError as exc:
        print(f"promptls {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `promptls models | head`: the reader went away; that is not an error. (`check`, whose
        # status is its verdict, catches this itself and keeps the verdict.)
        silence_stdout()
        return EXIT_OK
    except Exception as exc:
        if os.environ.get("PROMPTLS_DEBUG"):
            raise
        print(
            f"promptls {args.command}: internal error: {type(exc).__name__}: {exc}\n"
            "This is a bug in promptls; rerun with PROMPTLS_DEBUG=1 for the traceback and "
            "report it.",
            file=sys.stderr,
        )
        return EXIT_USAGE
