"""Path globs for `[prompts."glob"]` and `[check] include`: `*` stays within a folder, `**` crosses.

A pattern without `/` matches the file name anywhere, as in `.gitignore`.
"""

from __future__ import annotations

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
            close = pattern.find("]", i + 1)
            if close == -1:
                out.append(re.escape(ch))
                i += 1
            else:
                body = pattern[i + 1 : close].replace("\\", "\\\\")
                if body.startswith("!"):
                    body = "^" + body[1:]
                out.append(f"[{body}]")
                i = close + 1
        else:
            out.append(re.escape(ch))
            i += 1
    return re.compile("".join(out) + r"\Z")


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
