"""`.gitignore` matching, as git does it, for the workspace walk.

Written here rather than taken from `pathspec` for one reason: start-up. Importing pathspec costs
about 14 ms, more than a third of what `promptls check` may spend before its first file. The
behaviour is tested against pathspec's `GitIgnoreSpec` on generated patterns and paths
(tests/test_gitignore.py), so the two cannot drift apart unnoticed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from promptls.router.base.pathglob import bracket


class _Rule:
    """One pattern line. Its regex is compiled on first need, and only for paths that contain
    the pattern's literal pieces: most rules (`__pycache__/`, `*.egg-info/`) never get that far."""

    __slots__ = ("_regex", "dir_only", "negate", "pieces", "source")

    def __init__(self, source: str, pieces: tuple[str, ...], negate: bool, dir_only: bool) -> None:
        self.source = source
        self.pieces = pieces
        self.negate = negate
        self.dir_only = dir_only
        self._regex: re.Pattern[str] | None = None

    def matches(self, path: str) -> bool:
        if not all(piece in path for piece in self.pieces):
            return False
        if self._regex is None:
            self._regex = re.compile(self.source, re.DOTALL)
        return self._regex.match(path) is not None


class GitIgnore:
    """The rules of one `.gitignore` file; paths are relative to its folder, `/`-separated."""

    __slots__ = ("rules",)

    def __init__(self, lines: Iterable[str]) -> None:
        self.rules = [rule for line in lines if (rule := _compile(line)) is not None]

    def match(self, path: str, is_dir: bool) -> bool | None:
        """True if ignored, False if re-included by a `!` rule, None if no rule speaks of it."""
        result = None
        for rule in self.rules:
            if rule.dir_only and not is_dir:
                continue
            if rule.matches(path):
                result = not rule.negate
        return result


def _compile(line: str) -> _Rule | None:
    line = line.rstrip("\n").rstrip("\r")
    # Trailing spaces are ignored unless escaped with a backslash.
    stripped = line.rstrip(" ")
    if stripped.endswith("\\") and len(line) > len(stripped):
        stripped += " "
    line = stripped
    if not line or line.startswith("#"):
        return None
    negate = line.startswith("!")
    if negate or line.startswith(("\\!", "\\#")):  # `!` negates; `\!` and `\#` are literal
        line = line[1:]
    dir_only = line.endswith("/")
    line = line.rstrip("/")
    if not line:
        return None
    anchored = "/" in line
    line = line.lstrip("/")
    body = _translate(line)
    prefix = "" if anchored or body.startswith("(?:.*/)?") else "(?:.*/)?"
    return _Rule(prefix + body + r"\Z", _pieces(line), negate, dir_only)


def _pieces(pattern: str) -> tuple[str, ...]:
    """Runs of literal characters (between wildcards and slashes) that a match must contain."""
    pieces: list[str] = []
    current: list[str] = []
    i, n = 0, len(pattern)
    while i < n:
        ch = pattern[i]
        if ch == "\\" and i + 1 < n:
            current.append(pattern[i + 1])
            i += 2
            continue
        if ch in "*?[/":
            if current:
                pieces.append("".join(current))
                current = []
            if ch == "[":
                i = bracket(pattern, i)[1]
                continue
        else:
            current.append(ch)
        i += 1
    if current:
        pieces.append("".join(current))
    return tuple(pieces)


def _translate(pattern: str) -> str:
    out: list[str] = []
    i, n = 0, len(pattern)
    while i < n:
        ch = pattern[i]
        if ch == "*":
            j = i
            while j < n and pattern[j] == "*":
                j += 1
            stars = j - i
            at_start = i == 0 or pattern[i - 1] == "/"
            at_end = j == n or pattern[j] == "/"
            if stars >= 2 and at_start and at_end:
                if j == n:
                    out.append(".*")  # `/**` at the end: everything inside
                    i = j
                else:
                    out.append("(?:.*/)?")  # `**/`: zero or more folders
                    i = j + 1
                continue
            out.append("[^/]*")
            i = j
        elif ch == "?":
            out.append("[^/]")
            i += 1
        elif ch == "[":
            regex, i = bracket(pattern, i)
            out.append(regex)
        elif ch == "\\" and i + 1 < n:
            out.append(re.escape(pattern[i + 1]))
            i += 2
        else:
            out.append(re.escape(ch))
            i += 1
    return "".join(out)
