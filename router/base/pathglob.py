"""Path globs for `[prompts."glob"]` and `[check] include`: `*` stays within a folder, `**` crosses.

A pattern without `/` matches the file name anywhere, as in `.gitignore`.
"""

from __future__ import annotations

import os
import re
from functools import lru_cache


@lru_cache(maxsize=512)
def _compile(pattern: str) -> re.Pattern[str]:
    i, n = 0, len(pattern)
    out = []
    while i < n:
        ch = pattern[i]
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif ch == "*":
            out.append("[^/]*")
            i += 1
        elif ch == "?":
            out.append("[^/]")
            i += 1
        elif ch == "[":
            regex, i = bracket(pattern, i)
            out.append(regex)
        else:
            out.append(re.escape(ch))
            i += 1
    return re.compile("".join(out) + r"\Z")


# POSIX character classes inside brackets, as git's wildmatch knows them (`[[:alpha:]]`).
_CLASSES = {
    "alnum": "a-zA-Z0-9",
    "alpha": "a-zA-Z",
    "blank": " \\t",
    "cntrl": "\\x00-\\x1f\\x7f",
    "digit": "0-9",
    "graph": "\\x21-\\x7e",
    "lower": "a-z",
    "print": "\\x20-\\x7e",
    "punct": "!-/:-@\\[-`{-~",
    "space": " \\t\\n\\r\\f\\v",
    "upper": "A-Z",
    "xdigit": "0-9A-Fa-f",
}


def bracket(pattern: str, start: int) -> tuple[str, int]:
    """The regex for the bracket expression at `pattern[start] == "["`, and the index after it.

    As git's wildmatch reads it: `!` or `^` negates, a `]` first is literal, `a-z` is a range,
    `[:alpha:]` a class, `\\x` the character x. A reversed range (`z-a`) is its first character and an
    unknown class matches nothing, as git reads them (never an error: a glob is data a user wrote,
    not code to trip over)."""
    i, n = start + 1, len(pattern)
    negate = i < n and pattern[i] in "!^"
    if negate:
        i += 1
    parts: list[str] = []
    unknown = False
    first = True
    while i < n and (pattern[i] != "]" or first):
        first = False
        ch = pattern[i]
        if ch == "[" and pattern.startswith("[:", i):
            close = pattern.find(":]", i + 2)
            if close != -1:
                known = _CLASSES.get(pattern[i + 2 : close])
                if known is None:
                    unknown = True  # git gives up on the whole pattern: it matches nothing
                parts.append(known or "")
                i = close + 2
                continue
        if ch == "\\" and i + 1 < n:
            i += 1
            ch = pattern[i]
        if i + 2 < n and pattern[i + 1] == "-" and pattern[i + 2] != "]":
            end_at = i + 2
            if pattern[end_at] == "\\" and end_at + 1 < n:
                end_at += 1
            low, high = ch, pattern[end_at]
            # git compares the first character literally before it reads the range: `z-a` is `z`.
            parts.append(f"{re.escape(low)}-{re.escape(high)}" if low <= high else re.escape(low))
            i = end_at + 1
            continue
        parts.append(re.escape(ch))
        i += 1
    if i >= n:
        return ("(?!)", n)  # an unclosed `[`: git's wildmatch gives up, the pattern matches nothing
    body = "".join(parts)
    if unknown:
        return ("(?!)", i + 1)
    if negate:
        return (f"[^/{body}]", i + 1)
    return (f"(?!/)[{body}]" if body else "(?!)", i + 1)


def glob_problem(pattern: str) -> str | None:
    """What makes a glob match nothing a user would expect it to (for a settings finding), or None."""
    i = 0
    while (i := pattern.find("[", i)) != -1:
        close = pattern.find("]", i + 2)
        body = pattern[i + 1 : close] if close != -1 else ""
        for low, high in re.findall(r"([^\\\-])-([^\]])", body):
            if low > high:
                return f"the range `{low}-{high}` is reversed: it matches only `{low}`"
        if close == -1:
            return f"a `[` is never closed, so `{pattern}` matches nothing"
        for name in re.findall(r"\[:([a-z]*):\]", pattern[i : close + 1] if close != -1 else ""):
            if name not in _CLASSES:
                return f"`[:{name}:]` is no character class, so `{pattern}` matches nothing"
        i += 1
    return None


def path_matches(pattern: str, relative_path: str) -> bool:
    """Does a posix `relative_path` match `pattern` (anchored at the settings file's folder)?"""
    pattern = pattern.strip().removeprefix("./")
    path = relative_path.replace("\\", "/").removeprefix("./")
    if "/" not in pattern.rstrip("/"):
        return bool(_compile(pattern).match(path.rsplit("/", 1)[-1]))
    return bool(_compile(pattern.lstrip("/")).match(path))


def specificity(pattern: str) -> tuple[int, int, int]:
    """More literal characters, then fewer wildcards, then longer: the most specific glob wins."""
    literal = sum(1 for ch in pattern if ch not in "*?[]")
    wildcards = pattern.count("*") + pattern.count("?") + pattern.count("[")
    return (literal, -wildcards, len(pattern))


def path_under_root(path: str, root: str | None) -> str:
    """`path` as a `/`-separated path below `root` (by slicing when it lies there: the walk's case,
    cheap), else relative with `..`, else absolute; what globs anchored at `root` are matched against."""
    absolute = path if os.path.isabs(path) else os.path.abspath(path)
    if root:
        prefix = root.rstrip(os.sep) + os.sep
        if absolute.startswith(prefix):
            return absolute[len(prefix) :].replace(os.sep, "/")
        try:
            return os.path.relpath(absolute, root).replace(os.sep, "/")
        except ValueError:
            pass
    return absolute.replace(os.sep, "/")
