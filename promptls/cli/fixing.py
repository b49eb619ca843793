"""`promptls check --fix` and `--diff`: the quick fixes the editor offers, applied to the files.

`--fix` checks, applies every safe fix that fits (`--unsafe-fixes`: every fix), writes the files, and
checks again, until nothing more is fixed (at most `MAX_PASSES` times: a fix can make another finding
fixable, or two fixes of one place wait for each other). `--diff` makes one pass and shows what it
would write, as a unified diff, writing nothing.

Only the fixed spans change: the file is read as bytes and written back as bytes, so line endings, a
byte-order mark, comments and quoting stay as they were. A file that is not valid UTF-8 is left alone
(its bytes would not survive the round trip). A file is replaced whole (a new file renamed over it,
keeping its permissions), so a crash midway never leaves half a file; a symlink's target is written,
the link kept.
"""

from __future__ import annotations

import difflib
import os
import tempfile
from collections.abc import Callable, Sequence
from typing import NamedTuple

from promptls.router.base.findings import Finding

MAX_PASSES = 10

Check = Callable[[], list[Finding]]
"""Checks the files as they are on disk now: the findings `check` would report."""


class FixReport(NamedTuple):
    fixed: int
    """Findings whose fix was applied (or, with `--diff`, would be)."""
    files: tuple[str, ...]
    """Files changed (or that would change)."""
    diff: str
    """With `--diff`: the unified diff of every change."""
    skipped: tuple[str, ...]
    """Files with fixes that were left alone, each with why."""


def fix(check: Check, *, unsafe: bool, write: bool) -> FixReport:
    """Apply fixes until none is left to apply (writing), or once into a diff (not writing)."""
    from promptls.router.checks.apply import fixable

    fixed, files, skipped, diffs = 0, [], [], []
    for _ in range(MAX_PASSES if write else 1):
        todo = fixable(check(), unsafe)
        by_file: dict[str, list[Finding]] = {}
        for finding in todo:
            paths = {edit.path for edit in finding.fix.edits}  # type: ignore[union-attr]
            if len(paths) == 1:  # every fix promptls makes edits one file
                by_file.setdefault(os.path.abspath(paths.pop()), []).append(finding)
        progress = False
        for path, findings in sorted(by_file.items()):
            outcome = _fix_file(path, findings, write)
            if isinstance(outcome, str):
                if outcome not in skipped:
                    skipped.append(outcome)
                continue
            count, diff = outcome
            if count:
                fixed += count
                progress = True
                if path not in files:
                    files.append(path)
                diffs.append(diff)
        if not progress:
            break
    return FixReport(fixed, tuple(files), "".join(diffs), tuple(skipped))


def _fix_file(path: str, findings: Sequence[Finding], write: bool) -> tuple[int, str] | str:
    """Apply the fixes of one file: (how many applied, the diff), or why the file was left alone."""
    from promptls.cli.style import shown_path
    from promptls.router.base.reading import MAX_PROMPT_BYTES, Unreadable, read_bytes
    from promptls.router.checks.apply import apply_fixes

    target = os.path.realpath(path)
    data = read_bytes(target, MAX_PROMPT_BYTES)
    if isinstance(data, Unreadable):
        return f"{shown_path(path)}: not fixed: {data.reason}"
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return f"{shown_path(path)}: not fixed: it is not valid UTF-8"
    # Prompt files are checked with their byte-order mark in the text; settings files and manifests
    # without it (their readers drop it): the spans count from there.
    bom = "\ufeff" if text.startswith("\ufeff") and _read_without_bom(path) else ""
    before = text[len(bom) :]
    result = apply_fixes(path, before, findings)
    if not result.applied or result.text == before:
        return 0, ""
    after = bom + result.text
    if write:
        replace_file(target, after.encode("utf-8"))
    shown = shown_path(path)
    diff = difflib.unified_diff(
        text.splitlines(keepends=True), after.splitlines(keepends=True), f"a/{shown}", f"b/{shown}"
    )
    return len(result.applied), "".join(line if line.endswith("\n") else line + "\n" for line in diff)


def _read_without_bom(path: str) -> bool:
    from promptls.router.plugins import manifest_kind
    from promptls.router.prompts.detect import is_settings_name

    return is_settings_name(path) or manifest_kind(path) is not None


def replace_file(path: str, data: bytes) -> None:
    """Write `data` as the file at `path`: a new file beside it, renamed over it."""
    mode = os.stat(path).st_mode
    folder = os.path.dirname(path)
    fd, temp = tempfile.mkstemp(prefix=".promptls-fix-", dir=folder)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.chmod(temp, mode & 0o7777)
        os.replace(temp, path)
    except BaseException:
        if os.path.exists(temp):
            os.unlink(temp)
        raise


def summary(report: FixReport, write: bool) -> str:
    """The line that says what was fixed."""
    files = len(report.files)
    if not report.fixed:
        return "Nothing to fix."
    verb = "Fixed" if write else "Would fix"
    return (
        f"{verb} {report.fixed} finding{'s' if report.fixed != 1 else ''} "
        f"in {files} file{'s' if files != 1 else ''}."
    )
