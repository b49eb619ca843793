"""Applying fixes to a file's text: `promptls check --fix` and `--diff`.

A fix is a set of edits, each a character span of the text as it was checked and its replacement. The
edits of several fixes go into one text only when none overlaps another (the later fix waits for the
next pass, when the text is checked again); a fix whose edits would overlap each other, or leave the
text, is not applied at all. Everything outside the edited spans is kept as it was, character for
character: line endings, a byte-order mark, comments, quoting.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from typing import NamedTuple

from promptls.router.base.findings import Edit, Finding, Fix


class Applied(NamedTuple):
    """What came of applying fixes to one text."""

    text: str
    applied: tuple[Finding, ...]
    """The findings whose fix went in."""
    deferred: tuple[Finding, ...]
    """Findings whose fix overlapped one applied before it: tried again on the next pass."""


def fixable(findings: Iterable[Finding], unsafe: bool = False) -> list[Finding]:
    """The findings with a fix `--fix` applies: the safe ones, and with `unsafe` every one."""
    return [f for f in findings if f.fix is not None and (unsafe or f.fix.safe)]


def apply_fixes(path: str, text: str, findings: Sequence[Finding]) -> Applied:
    """Apply to `text` (the file at `path`, as checked) the fixes of `findings` that fit together, in
    the order of their first edit; edits in other files are left to those files."""
    taken: list[tuple[int, int]] = []
    applied: list[Finding] = []
    deferred: list[Finding] = []
    edits: list[Edit] = []
    for finding in sorted(findings, key=lambda f: (_first(f.fix, path), f.code)):
        mine = [edit for edit in finding.fix.edits if edit.path == path] if finding.fix else []
        if not mine or not _well_formed(mine, len(text)):
            continue
        spans = [(e.span.start, e.span.end) for e in mine]
        if any(_overlaps(span, other) for span in spans for other in taken):
            deferred.append(finding)
            continue
        taken.extend(spans)
        edits.extend(mine)
        applied.append(finding)
    for edit in sorted(edits, key=lambda e: (e.span.start, e.span.end), reverse=True):
        text = text[: edit.span.start] + edit.new_text + text[edit.span.end :]
    return Applied(text, tuple(applied), tuple(deferred))


def _first(fix: Fix | None, path: str) -> int:
    starts = [e.span.start for e in fix.edits if e.path == path] if fix else []
    return min(starts, default=0)


def _well_formed(edits: list[Edit], size: int) -> bool:
    """Every edit inside the text, and no two edits of one fix overlapping."""
    spans = sorted((e.span.start, e.span.end) for e in edits)
    if any(not 0 <= start <= end <= size for start, end in spans):
        return False
    return not any(_overlaps(a, b) for a, b in itertools.pairwise(spans))


def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    """Do two edits touch the same text? Two inserts at one place do too: their order would be a guess."""
    if a[0] == a[1] or b[0] == b[1]:
        return a[0] <= b[1] and b[0] <= a[1]
    return a[0] < b[1] and b[0] < a[1]
