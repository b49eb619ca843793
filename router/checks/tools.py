"""Tool names in `tools`, `allowed-tools` and `disallowedTools`: only near-misses of a known tool.

Both harnesses accept names they do not know (MCP tools `mcp__server__tool` and `server/tool`,
extension tools, tool sets, `Bash(git:*)` patterns) and ignore the ones they cannot find, so an unknown
name is not a mistake in itself; one edit away from a known tool (`Grepp`), it almost surely is.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

from promptls.router.base.findings import Edit, Finding, Fix
from promptls.router.base.source import Span
from promptls.router.checks.context import PromptContext
from promptls.router.prompts.frontmatter import Entry, PromptFile
from promptls.router.prompts.keyspec import keys_for
from promptls.router.prompts.schemas.copilot import TOOL_SETS
from promptls.router.rules.keys import UnknownTool

_TOOL = re.compile(r"[^\s,()\[\]'\"]+(?:\([^)]*\))?")
"""One tool in a comma- or space-separated string: a name, maybe with a `(specifier)`."""


def check_tools(ctx: PromptContext) -> Iterator[Finding]:
    prompt = ctx.prompt
    specs = keys_for(prompt.dialect)
    copilot = prompt.dialect.is_copilot
    for entry in prompt.entries:
        spec = specs.get(entry.key)
        if spec is None or not spec.tools:
            continue
        for name, span in _tool_names(prompt, entry):
            suggestion = near_miss(name, spec.tools, copilot)
            if suggestion is None:
                continue
            fix = Fix(f"Change to `{suggestion}`", (Edit(ctx.path, span, suggestion),), safe=True)
            yield UnknownTool.finding(
                ctx.path,
                span,
                f"unknown tool `{name}` in `{entry.key}`; did you mean `{suggestion}`? "
                "(the harness ignores a tool it cannot find)",
                fix=fix,
            )


def _tool_names(prompt: PromptFile, entry: Entry) -> Iterator[tuple[str, Span]]:
    """Each tool's name (without its specifier) and where the name is written."""
    text = prompt.text
    value_span = entry.value_span
    if isinstance(entry.value, str):
        chunks = [(value_span.start, text[value_span.start : value_span.end])]
    elif entry.items:
        chunks = [(item.span.start, text[item.span.start : item.span.end]) for item in entry.items]
    else:
        return
    for start, chunk in chunks:
        for match in _TOOL.finditer(chunk):
            name = match.group().split("(", 1)[0]
            if name:
                begin = start + match.start()
                yield name, Span(begin, begin + len(name), prompt.lines)


def near_miss(name: str, known: tuple[str, ...], case_insensitive: bool) -> str | None:
    """The known tool `name` was probably meant to be, or None when it is known or may be another tool."""
    if not _checkable(name, case_insensitive):
        return None
    return _suggestion(name, known, case_insensitive)


def _checkable(name: str, copilot: bool) -> bool:
    if "_" in name or "*" in name or "." in name:
        # MCP and CLI tools (`mcp__github__get_issue`, the GitHub MCP server's `web_search`, Copilot
        # CLI's `web_fetch`: no built-in name has `_`), wildcards, extension tools.
        return False
    if "/" in name:
        # `search/codebse` is a built-in tool set's; `myserver/tool` is an MCP server's.
        return copilot and name.split("/", 1)[0].lower() in TOOL_SETS
    return True


@lru_cache(maxsize=4096)
def _suggestion(name: str, known: tuple[str, ...], case_insensitive: bool) -> str | None:
    if name in known:
        return None
    folded = name.casefold()
    by_fold: dict[str, str] = {}
    for tool in known:
        by_fold.setdefault(tool.casefold(), tool)
    if folded in by_fold:
        return None if case_insensitive else by_fold[folded]
    if len(name) < 4:
        return None
    limit = 1 if len(name) < 9 else 2
    best: list[tuple[int, str]] = []
    for fold, tool in by_fold.items():
        distance = _distance(folded, fold, limit)
        if distance <= limit:
            best.append((distance, tool))
    if not best:
        return None
    best.sort()
    # Two known tools equally close: no guess.
    if len(best) > 1 and best[0][0] == best[1][0]:
        return None
    return best[0][1]


def _distance(a: str, b: str, limit: int) -> int:
    """Edits (insert, delete, replace, swap two neighbours) from `a` to `b`; limit + 1 when more."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous = list(range(len(b) + 1))
    before: list[int] = []
    for i, char in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, other in enumerate(b, 1):
            cost = char != other
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and char == b[j - 2] and a[i - 2] == other:
                current[j] = min(current[j], before[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        before, previous = previous, current
    return previous[-1]
