"""`promptls check [PATH...]`: every prompt and settings file of a workspace, ruff-style."""

from __future__ import annotations

import argparse
import os
from typing import TYPE_CHECKING

from promptls.cli import EXIT_FINDINGS, EXIT_OK, UsageError
from promptls.cli.style import add_color_option

if TYPE_CHECKING:
    from promptls.router.base.findings import Finding

EXAMPLES = """\
examples:
  promptls check                      check the current project
  promptls check examples/ .claude/   check these folders
  promptls check --select PLS2        only model-id rules
  promptls check --output-format json | jq '.[].code'
  promptls check --output-format sarif > promptls.sarif
  promptls check --fix                apply the safe fixes
  promptls check --diff --unsafe-fixes   show every fix, write nothing
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
        choices=("text", "json", "github", "sarif"),
        default="text",
        help="text (default), json, github (workflow annotations) or sarif (SARIF 2.1.0, for code scanning)",
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
    p.add_argument(
        "--fix",
        action="store_true",
        help="apply the safe fixes (misspelt keys and model ids, deprecated keys and models, duplicate "
        "keys), then report what is left",
    )
    p.add_argument(
        "--unsafe-fixes",
        action="store_true",
        help="with --fix or --diff, also apply the fixes that change meaning (removing unknown keys, ...)",
    )
    p.add_argument("--diff", action="store_true", help="show the fixes as a diff instead of writing them")
    p.add_argument(
        "--locked",
        action="store_true",
        help="also report every prompt whose resolution differs from promptls.lock (see `promptls lock`)",
    )
    add_color_option(p)
    p.set_defaults(run=run)


def _codes(values: list[str]) -> list[str]:
    return [c.strip() for v in values for c in v.split(",") if c.strip()]


PARALLEL_THRESHOLD = 400
"""From this many prompt files on, checking is spread over the machine's cores."""


def run(args: argparse.Namespace) -> int:
    from promptls.cli.session import Session, project_root

    session = Session()
    paths = args.paths or [project_root()]
    for path in paths:
        if not os.path.exists(path):
            raise UsageError(f"{path}: no such file or folder")
    select, ignore = _codes(args.select), _codes(args.ignore)
    _validate_codes(select + ignore)

    if args.diff or args.fix:
        return _fix(args, paths, select, ignore)
    findings, result = _check(session, paths, select, ignore, locked=args.locked)
    return _report(args, findings, result)


def _check(
    session, paths: list[str], select: list[str], ignore: list[str], *, locked: bool = False
) -> tuple[list[Finding], _Run]:
    from promptls.workspace import walk

    result = _Run(session, paths)
    result.check_files(list(walk(paths)))
    result.check_settings()
    if locked:
        result.findings.extend(_locked(session, paths))
    findings = result.selected(select, ignore)
    findings.sort(key=lambda f: (os.path.abspath(f.path), f.span.start, f.code))
    return findings, result


def _report(args: argparse.Namespace, findings: list[Finding], result: _Run, fixed: str = "") -> int:
    from promptls.cli import render, silence_stdout
    from promptls.router.base.findings import Severity

    status = EXIT_FINDINGS if any(f.severity is Severity.ERROR for f in findings) else EXIT_OK
    try:
        if fixed and args.output_format == "text":
            print(fixed)
        render.findings(
            findings,
            args.output_format,
            args.color,
            result.prompt_count,
            result.settings_count,
            manifest_count=result.manifest_count,
        )
    except BrokenPipeError:  # `promptls check | head`: the reader left, the verdict stands
        silence_stdout()
    return status


def _fix(args: argparse.Namespace, paths: list[str], select: list[str], ignore: list[str]) -> int:
    """`--fix` (write, then report what is left) or `--diff` (show what would be written)."""
    import sys

    from promptls.cli import fixing
    from promptls.cli.session import Session

    def check() -> list[Finding]:
        # A new session each pass: a fixed settings file must be read again.
        return _check(Session(), paths, select, ignore)[0]

    write = not args.diff
    report = fixing.fix(check, unsafe=args.unsafe_fixes, write=write)
    for why in report.skipped:
        print(why, file=sys.stderr)
    if not write:
        sys.stdout.write(report.diff)
        print(fixing.summary(report, write), file=sys.stderr)
        return EXIT_FINDINGS if report.fixed else EXIT_OK
    findings, result = _check(Session(), paths, select, ignore)
    return _report(args, findings, result, fixed=fixing.summary(report, write) if report.fixed else "")


def _locked(session, paths: list[str]) -> list[Finding]:
    """`--locked`: the project's prompts against its lock file (an error when it has none)."""
    from promptls.cli.session import project_root
    from promptls.cli.style import shown_path
    from promptls.lockfile import locked_findings

    root = project_root(paths[0] if len(paths) == 1 and os.path.isdir(paths[0]) else None)
    only = [p for p in paths if os.path.abspath(p) != root]
    try:
        return locked_findings(root, session.catalog, only)
    except FileNotFoundError:
        raise UsageError(
            f"--locked: {shown_path(root)} has no promptls.lock; `promptls lock` writes it"
        ) from None


def _validate_codes(codes: list[str]) -> None:
    from promptls.router.rules.index import all_rules

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
        self.manifest_count = 0
        self._settings: dict[str, object] = {}
        self._remembered: dict[int, object] = {}
        self._prompts_by_root: dict[str | None, list] = {}

    def selected(self, select: list[str], ignore: list[str]) -> list[Finding]:
        """Findings kept by `--select/--ignore` and by the `[check]` table of each one's project
        (not of the cwd's project)."""
        from promptls.router.checks.select import select_findings

        kept: list[Finding] = []
        for finding in self.findings:
            project = self.session.loader.for_prompt(finding.path).view
            kept.extend(select_findings([finding], project, select, ignore))
        return kept

    def check_files(self, found: list) -> None:
        """Check every prompt file and plugin manifest found; settings files are only noted here."""
        from promptls.router.plugins import manifest_kind
        from promptls.router.prompts.detect import SETTINGS_NAMES

        prompts = []
        for item in found:
            if os.path.basename(item.path) in SETTINGS_NAMES:
                folder = os.path.dirname(os.path.abspath(item.path))
                self._remember(self.session.loader.for_directory(folder))
            elif manifest_kind(os.path.abspath(item.path)) is not None:
                self._check_manifest(item.path, item.explicit)
            else:
                prompts.append((item.path, item.explicit))
        workers = _worker_count(len(prompts))
        if workers > 1:
            results = _check_in_parallel(self.session, prompts, workers)
        else:
            results = (_check_one(self.session, path, explicit) for path, explicit in prompts)
        for path, (findings, key, root) in zip((p for p, _ in prompts), results, strict=True):
            self.findings.extend(findings)  # a file that could not be read has a finding, no key
            if key is None:
                continue
            # The check found the prompt's project: its folder is looked up here, a cached key, rather
            # than each prompt's folder walked up again (while the workers still run).
            loader = self.session.loader
            settings = loader.for_prompt(path) if root is None else loader.for_directory(root)
            self._remember(settings)
            self._prompts_by_root.setdefault(settings.root, []).append(key)
            self.prompt_count += 1

    def _check_manifest(self, path: str, explicit: bool) -> None:
        """A Claude Code plugin or marketplace manifest, checked as `claude plugin validate` would."""
        from promptls.router.base.reading import Unreadable, Why, read_text
        from promptls.router.plugins.check import check_manifest
        from promptls.router.plugins.manifest import MAX_MANIFEST_BYTES, read_manifest
        from promptls.router.prompts.detect import excluded
        from promptls.router.rules.syntax import UnreadableFile

        path = os.path.abspath(path)
        settings = self.session.loader.for_prompt(path)
        if not explicit and excluded(path, settings.view.check.value("exclude", ()), settings.root):
            return
        text = read_text(path, MAX_MANIFEST_BYTES)
        if isinstance(text, Unreadable):
            if explicit or text.why not in (Why.MISSING, Why.FOLDER, Why.NOT_A_FILE):
                self.findings.append(UnreadableFile.for_file(text))
            return
        self.manifest_count += 1
        self.findings.extend(check_manifest(read_manifest(path, text)))

    def _remember(self, settings) -> None:
        if id(settings) in self._remembered:
            return
        self._remembered[id(settings)] = settings  # kept alive: an id is unique while its object lives
        for file in settings.files:
            self._settings.setdefault(os.path.abspath(file.path), (file, settings))

    def check_settings(self) -> None:
        from promptls.router.checks.lint import check_assignments, check_settings_file

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


def _check_one(session, path: str, explicit: bool) -> tuple[list[Finding], object, str | None]:
    """Findings for one candidate file, its assignment key and its project's folder; (no findings,
    None, None) if no prompt; (one unreadable-file finding, None, None) if it cannot be read."""
    from promptls.router.base.reading import Unreadable, Why
    from promptls.router.checks.lint import check_prompt, prompt_key
    from promptls.router.prompts.detect import excluded
    from promptls.router.rules.syntax import UnreadableFile
    from promptls.workspace import load_prompt

    settings = session.loader.for_prompt(path)
    check = settings.view.check
    if not explicit and excluded(path, check.value("exclude", ()), settings.root):
        return [], None, None
    prompt = load_prompt(
        path,
        explicit=explicit,
        include=list(check.value("include", ())),
        root=settings.root,
        dialects=settings.view.dialect_globs,
    )
    if isinstance(prompt, Unreadable):
        # Gone, or no regular file, since the walk looked: skipped, as the walk skips such files.
        if not explicit and prompt.why in (Why.MISSING, Why.FOLDER, Why.NOT_A_FILE):
            return [], None, None
        return [UnreadableFile.for_file(prompt)], None, None
    if prompt is None:
        return [], None, None
    installed = _installed(session, settings)
    return (
        check_prompt(prompt, settings, session.catalog, installed=installed),
        prompt_key(prompt),
        settings.root,
    )


_INSTALLED: dict[str | None, object] = {}


def _installed(session, settings):
    """The local models the model cache lists for this project's providers (read only when a prompt
    names a local model; nothing is asked over the network), once per project."""
    from promptls.localmodels import installed_lookup

    if settings.root not in _INSTALLED:
        _INSTALLED[settings.root] = installed_lookup(settings, session.catalog, session.env)
    return _INSTALLED[settings.root]


def _worker_count(files: int) -> int:
    if files < PARALLEL_THRESHOLD or os.environ.get("PROMPTLS_JOBS") == "1":
        return 1
    jobs = os.environ.get("PROMPTLS_JOBS")
    if jobs and jobs.isdigit():
        return max(1, int(jobs))
    return min(os.cpu_count() or 1, 8)


_worker_session = None


def _check_chunk(chunk: list[tuple[str, bool]]) -> list[tuple[list[Finding], object, str | None]]:
    global _worker_session
    if _worker_session is None:
        from promptls.cli.session import Session

        _worker_session = Session()
    return [_check_one(_worker_session, path, explicit) for path, explicit in chunk]


def _check_in_parallel(session, prompts: list[tuple[str, bool]], workers: int):
    """Split the files into contiguous chunks, one batch of chunks per worker process."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    global _worker_session
    if os.name == "posix":
        # Forked workers inherit what is ready here: the checks' modules, the catalog and the settings
        # of the first file's project, loaded once instead of once per worker.
        from promptls.router.checks.lint import check_prompt  # noqa: F401
        from promptls.workspace import load_prompt  # noqa: F401

        session.loader.for_prompt(prompts[0][0]).view  # noqa: B018
        session.catalog  # noqa: B018
        _worker_session = session

    # Eight chunks a worker: the last one to finish leaves the other workers idle for less time.
    size = max(50, len(prompts) // (workers * 8))
    chunks = [prompts[i : i + size] for i in range(0, len(prompts), size)]
    context = multiprocessing.get_context("fork" if os.name == "posix" else "spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        for chunk_result in pool.map(_check_chunk, chunks):
            yield from chunk_result
