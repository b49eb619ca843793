"""Glob patterns over model ids: matching and "most specific pattern wins".

The syntax is `fnmatch`'s, applied to whole ids and case-insensitively:

- `*` matches any run of characters, including `/` and `:` (model ids hold both);
- `?` matches exactly one character;
- `[abc]`, `[a-z]`, `[!abc]` match one character of (or not of) a class;
- everything else is literal.

Specificity orders patterns so that a choice among several matching patterns never depends on the
order they were written in: more literal characters is more specific; ties go to fewer wildcards,
then to the longer pattern, then to the lexicographically smaller pattern.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable
from functools import lru_cache

__all__ = ["glob_match", "most_specific", "specificity"]


def _tokens(pattern: str) -> list[str]:
    """Split a pattern into tokens: `*`, `?`, a whole `[...]` class, or one literal character.

    Class boundaries follow `fnmatch.translate` exactly, so that the tokens agree with the regex:
    a `[` without a closing `]` is a literal.
    """
    tokens: list[str] = []
    i, n = 0, len(pattern)
    while i < n:
        c = pattern[i]
        if c == "[":
            j = i + 1
            if j < n and pattern[j] == "!":
                j += 1
            if j < n and pattern[j] == "]":
                j += 1
            while j < n and pattern[j] != "]":
                j += 1
            if j < n:
                tokens.append(pattern[i : j + 1])
                i = j + 1
                continue
        tokens.append(c)
        i += 1
    return tokens


@lru_cache(maxsize=4096)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(fnmatch.translate(pattern), re.IGNORECASE)


@lru_cache(maxsize=4096)
def _literal_pieces(pattern: str) -> tuple[str, ...]:
    """Runs of plain characters (lower-cased) that any text the pattern matches must contain."""
    pieces: list[str] = []
    current: list[str] = []
    for token in _tokens(pattern):
        if len(token) == 1 and token not in "*?[":
            current.append(token.lower())
        else:
            if current:
                pieces.append("".join(current))
            current = []
    if current:
        pieces.append("".join(current))
    return tuple(pieces)


def glob_match(pattern: str, text: str) -> bool:
    """True when `pattern` matches the whole of `text`, ignoring case."""
    # A cheap substring test first: most patterns fail on it, and compiling every pattern's
    # regex would cost more than the whole look-up (a `resolve` must start fast).
    lowered = text.lower()
    if not all(piece in lowered for piece in _literal_pieces(pattern)):
        return False
    return _compiled(pattern).match(text) is not None


@lru_cache(maxsize=4096)
def specificity(pattern: str) -> tuple[int, int, int, tuple[int, ...]]:
    """A sort key: a greater value is a more specific pattern; distinct patterns never tie.

    (literal characters, minus the number of wildcards, length, the pattern's code points negated
    so that the lexicographically smaller pattern ranks higher). A one-character class such as
    `[*]` is how a literal metacharacter is written, so it counts as a literal.
    """
    literals = wildcards = 0
    for token in _tokens(pattern):
        if token in ("*", "?"):
            wildcards += 1
        elif len(token) == 3 and token[0] == "[" and token[1] != "!":
            literals += 1
        elif len(token) > 1:
            wildcards += 1
        else:
            literals += 1
    return (literals, -wildcards, len(pattern), tuple(-ord(c) for c in pattern))


def most_specific(patterns: Iterable[str], text: str) -> str | None:
    """The most specific of `patterns` that matches `text`, or None when none does."""
    best: str | None = None
    best_key: tuple[int, int, int, tuple[int, ...]] | None = None
    for pattern in patterns:
        if not glob_match(pattern, text):
            continue
        key = specificity(pattern)
        if best_key is None or key > best_key:
            best, best_key = pattern, key
    return best
