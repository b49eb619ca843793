"""Globs in frontmatter that Claude Code matches against files: a rule's or a skill's `paths`.

A broken pattern is never an error in Claude Code ("it matches nothing, and the rule's other patterns
keep working"), so it is a warning: the rule or skill silently never loads for the files it names.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from promptls.router.base.findings import Finding, Severity
from promptls.router.base.pathglob import glob_problem
from promptls.router.base.source import Span
from promptls.router.checks.context import PromptContext
from promptls.router.prompts.dialects import Dialect
from promptls.router.prompts.frontmatter import Item
from promptls.router.rules.keys import InvalidValue

_GLOB_KEYS = {Dialect.CLAUDE_RULE: "paths", Dialect.CLAUDE_SKILL: "paths"}

_ESCAPED = re.compile(r"\\.")
"""`\\[` is a literal `[` (/memory: "escape it as `photos \\[2024/**`"): no bracket to look into."""


def check_globs(ctx: PromptContext) -> Iterator[Finding]:
    key = _GLOB_KEYS.get(ctx.prompt.dialect)
    entry = ctx.prompt.get(key) if key else None
    if entry is None:
        return
    for glob, span in _globs(entry.value, entry.value_span, entry.items):
        problem = glob_problem(_ESCAPED.sub("x", glob))
        if problem is not None:
            yield InvalidValue.finding(
                ctx.path,
                span,
                f"`{key}`: {problem}",
                severity=Severity.WARNING,
            )


def _globs(value: object, span: Span, items: tuple[Item, ...]) -> Iterator[tuple[str, Span]]:
    """Each glob with where it is written: a list's items, or the comma-separated parts of a string
    (commas inside a brace group, `*.{ts,tsx}`, separate nothing). A value of another type is the
    key check's to report."""
    if isinstance(value, list):
        for item in items:
            if isinstance(item.value, str):
                yield item.value.strip(), item.span
    elif isinstance(value, str):
        for part in split_globs(value):
            yield part, span


def split_globs(text: str) -> list[str]:
    """`a/**, b/*.{ts,tsx}` -> [`a/**`, `b/*.{ts,tsx}`]: commas outside braces separate."""
    parts, depth, start = [], 0, 0
    for i, char in enumerate(text):
        if char == "{":
            depth += 1
        elif char == "}":
            depth = max(depth - 1, 0)
        elif char == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return [part.strip() for part in parts if part.strip()]
