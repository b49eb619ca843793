"""`promptls check [PATH...]`: every prompt and settings file of a workspace, ruff-style."""

from __future__ import annotations

import argparse
import os
from typing import TYPE_CHECKING

from promptls.cli import EXIT_FINDINGS, EXIT_OK, UsageError
from promptls.cli.style import add_color_option

if TYPE_CHECKING:
    from router.findings import Finding

EXAMPLES = """\
examples:
  promptls check                      check the current project
  promptls check examples/ .claude/   check these folders
  promptls check --select PLS2        only model-id rules
  promptls check --output-format json | jq '.[].code'
"""


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "check",
        help="check prompt files and settings",
        epilog=EXAMPLES,
        description="Check prompt files (Claude Code, Copilot, Dotprompt, generic markdown) and "
        "promptls settings. Exit status: 0 no errors, 1 errors found, 2 usage or internal error.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("paths", nargs="*", metavar="PATH", help="files or folders (default: the current project)")
    p.add_argument(
        "--output-format",
        choices=("text", "json", "github"),
        default="text",
        help="text (default), json, or github (workflow annotations)",
    )
    p.add_argument(
        "--json",
        dest="output_format",
        action="store_const",
        const="json",
        help="same as --output-format json",
    )
    p.add_argument(
        "--select",
        action="append",
        default=[],
        metavar="CODE",
        help="report only these rule codes or prefixes (repeatable, comma-separated)",
    )
    p.add_argument(
        "--ignore",
        action="append",
        default=[],
        metavar="CODE",
        help="never report these rule codes or prefixes (repeatable, comma-separated)",
    )
    add_color_option(p)
    p.set_defaults(run=run)


def _codes(values: list[str]) -> list[str]:
    return [c.strip() for v in values for c in v.split(",") if c.strip()]


def run(args: argparse.Namespace) -> int:
    from promptls.cli.session import Session, project_root
    from promptls.workspace import walk

    session = Session()
    paths = args.paths or [project_root()]
    for path in paths:
        if not os.path.exists(path):
            raise UsageError(f"{path}: no such file or folder")
    select, ignore = _codes(args.select), _codes(args.ignore)
    _validate_codes(select + ignore)

    result = _Run(session, paths)
    for found in walk(paths):
        result.visit(found.path, found.explicit)
    result.check_settings()
    findings = result.selected(select, ignore)
    findings.sort(key=lambda f: (os.path.abspath(f.path), f.span.start, f.code))
    from promptls.cli import render

    render.findings(findings, args.output_format, args.color, result.prompt_count, result.settings_count)
    from router.findings import Severity

    return EXIT_FINDINGS if any(f.severity is Severity.ERROR for f in findings) else EXIT_OK


def _check_table(settings) -> dict:
    table: dict = {}
    for file in reversed(settings.files):
        table.update(file.data.get("check") or {})
    return table


def _excluded(path: str, globs: list[str], root: str | None) -> bool:
    """Does a `[check] exclude` glob, anchored at the settings file's folder, match `path`?"""
    from router.pathglob import path_matches

    rel = os.path.relpath(os.path.abspath(path), root or os.getcwd()).replace(os.sep, "/")
    return any(path_matches(glob, rel) for glob in globs)


def _validate_codes(codes: list[str]) -> None:
    from router.rules import all_rules

    rules = all_rules()
    for code in codes:
        if not any(r.code.startswith(code.upper()) or r.name == code.lower() for r in rules):
            raise UsageError(f"unknown rule `{code}`: see `promptls explain` for the list")


class _Run:
    """Collects findings across files; settings files are checked once each, at the end."""

    def __init__(self, session, walked: list[str]) -> None:
        self.session = session
        self.walked = [os.path.abspath(p) for p in walked if os.path.isdir(p)]
        self.findings: list[Finding] = []
        self.prompt_count = 0
        self.settings_count = 0
        self._settings: dict[str, object] = {}
        self._prompts_by_root: dict[str | None, list] = {}
        self._tables: dict[str | None, dict] = {}

    def table(self, settings) -> dict:
        """The `[check]` table of the project a file belongs to (not of the cwd's project)."""
        key = settings.root
        if key not in self._tables:
            self._tables[key] = _check_table(settings)
        return self._tables[key]

    def selected(self, select: list[str], ignore: list[str]) -> list[Finding]:
        """Findings kept by `--select/--ignore` and by the `[check]` table of each one's project."""
        from router.lint import select as select_findings

        kept: list[Finding] = []
        for finding in self.findings:
            table = self.table(self.session.loader.for_prompt(finding.path))
            chosen = select or table.get("select", [])
            kept.extend(select_findings([finding], chosen, [*ignore, *table.get("ignore", [])]))
        return kept

    def visit(self, path: str, explicit: bool) -> None:
        from promptls.workspace import SETTINGS_NAMES, classify
        from router.lint import check_prompt

        if os.path.basename(path) in SETTINGS_NAMES:
            folder = os.path.dirname(os.path.abspath(path))
            self._remember(self.session.loader.for_directory(folder))
            return

        settings = self.session.loader.for_prompt(path)
        table = self.table(settings)
        if not explicit and _excluded(path, table.get("exclude", []), settings.root):
            return
        prompt = self.session.read_prompt(path, explicit=explicit)
        if prompt is None:
            return
        dialect = classify(path, prompt.text, table.get("include", []), settings.root)
        if dialect is None:
            if not explicit:
                return
            from router.dialects import Dialect

            dialect = Dialect.GENERIC
        if dialect is not prompt.dialect:
            from router.frontmatter import parse_prompt

            problems = prompt.problems
            prompt = parse_prompt(prompt.path, prompt.text, dialect)
            import dataclasses

            prompt = dataclasses.replace(prompt, problems=problems)
        self._remember(settings)
        self._prompts_by_root.setdefault(settings.root, []).append(prompt)
        self.prompt_count += 1
        self.findings.extend(check_prompt(prompt, settings, self.session.catalog))

    def _remember(self, settings) -> None:
        for file in settings.files:
            self._settings.setdefault(os.path.abspath(file.path), (file, settings))

    def check_settings(self) -> None:
        from router.lint import check_assignments, check_settings_file

        for file, settings in self._settings.values():
            self.settings_count += 1
            self.findings.extend(check_settings_file(file, settings, self.session.catalog))
            root = settings.root
            # Only a walk over the whole project shows that an assignment matches nothing.
            if root is not None and self._covers(root):
                prompts = self._prompts_by_root.get(root, [])
                self.findings.extend(check_assignments(file, prompts, root))

    def _covers(self, root: str) -> bool:
        return any(root == w or root.startswith(w.rstrip(os.sep) + os.sep) for w in self.walked)
