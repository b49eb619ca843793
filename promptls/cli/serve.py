"""`promptls serve`: speak the Language Server Protocol over stdio."""

from __future__ import annotations

import argparse


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "serve",
        help="run the language server (LSP over stdio)",
        description="Run the promptls language server on stdin/stdout. Editors start it; see the "
        "README for client configuration.",
    )
    p.add_argument("--stdio", action="store_true", help="accepted for clients that pass it (default)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from promptls.server import serve

    return serve()
