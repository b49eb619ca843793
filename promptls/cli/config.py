"""`promptls config [PATH]`: the project's settings as merged, each value with where it came from.

Every layer is read as resolution reads it (the environment's `PROMPTLS_*` aside: they apply per run):
`promptls.local.toml`, `promptls.toml` (or `[tool.promptls]`), the user's `config.toml`. A value that a
nearer layer overrides is listed under the one that wins; list values that every layer adds to show
each layer's part.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterator, Mapping
from typing import Any

from promptls.cli import EXIT_OK, UsageError
from promptls.cli.style import add_color_option, painter_for, printable

EXAMPLES = """\
examples:
  promptls config                      the settings of the project in the current folder
  promptls config prompts/review.md    the settings a prompt file is read with
  promptls config --json | jq '.[] | select(.key == "defaults.model")'
"""


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "config",
        help="print the merged settings, each value with its source",
        epilog=EXAMPLES,
        description="Print the project's merged settings (promptls.local.toml, promptls.toml or "
        "[tool.promptls] in pyproject.toml, the user's config.toml): each value, the file and line it "
        "comes from, and what it overrides.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("path", nargs="?", help="a folder or prompt file (default: the current project)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    add_color_option(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from promptls.cli.session import Session, project_root

    session = Session()
    if args.path is not None and not os.path.exists(args.path):
        raise UsageError(f"{args.path}: no such file or folder")
    if args.path is not None and os.path.isfile(args.path):
        settings = session.loader.for_prompt(args.path)
    else:
        settings = session.loader.for_directory(project_root(args.path))
    cwd = os.getcwd()
    rows = list(settings_rows(settings.view, cwd))
    if args.json:
        json.dump(rows, sys.stdout, indent=2, default=str)
        sys.stdout.write("\n")
        return EXIT_OK
    paint = painter_for(sys.stdout, args.color)
    if not rows:
        print("No settings: every value is promptls's default (see `promptls config --help`).")
        return EXIT_OK
    table = None
    for row in rows:
        if row["table"] != table:
            table = row["table"]
            print(paint(f"[{table}]", "bold"))
        value = printable(_toml(row["value"]))
        print(f"{row['name']} = {value}  " + paint(f"# {row['source']}", "dim"))
        for other in row["overrides"]:
            print(paint(f"    overrides {printable(_toml(other['value']))} from {other['source']}", "dim"))
    return EXIT_OK


def settings_rows(view: Any, cwd: str) -> Iterator[dict[str, Any]]:
    """One row per value set anywhere: its table, key, value used, source and the values it beat."""
    from promptls.router.settings.spec import SCHEMA, MapOf

    for name, spec in SCHEMA.items():
        entry = getattr(view, name, None) if name != "providers" else view.providers
        if entry is None:
            continue
        if isinstance(spec, MapOf):
            for key, item in sorted(entry.items()):
                yield from _rows(f"{name}.{_quoted(key)}", item, cwd)
        else:
            yield from _rows(name, entry, cwd)


def _rows(table: str, entry: Any, cwd: str) -> Iterator[dict[str, Any]]:
    from promptls.router.settings.view import Layered, TableView

    if isinstance(entry, Layered):  # a `[tiers]` / `[dialects]` entry: the table's own value
        table, _, key = table.rpartition(".")
        yield _row(table, key, entry, cwd)
        return
    if not isinstance(entry, TableView):
        return
    for key in entry:
        layered = entry.layered(key)
        if layered is not None:
            yield _row(table, key, layered, cwd)
        else:
            sub = entry.table(key)
            if sub is not None:
                yield from _rows(f"{table}.{_quoted(key)}", sub, cwd)


def _row(table: str, key: str, layered: Any, cwd: str) -> dict[str, Any]:
    from promptls.router.settings.spec import Combine

    first, *rest = layered.settings
    combined = layered.combine is not Combine.NEAREST
    return {
        "table": table,
        "name": key,
        "key": f"{table}.{key}",
        "value": _plain(layered.value),
        "source": ", ".join(s.source.location(cwd) for s in layered.settings)
        if combined
        else first.source.location(cwd),
        "combine": layered.combine.name.lower(),
        "overrides": []
        if combined
        else [{"value": _plain(s.value), "source": s.source.location(cwd)} for s in rest],
    }


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _quoted(key: str) -> str:
    return key if key.replace("-", "").replace("_", "").isalnum() else json.dumps(key)


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{_quoted(k)} = {_toml(v)}" for k, v in value.items()) + " }"
    return str(value)
