"""Where the cursor is in a prompt's frontmatter, for completion: at a key, or in the value of which
key (a scalar, an item of a flow or block list, a comma-separated string), and what is already there.

Read from the text of the cursor's line (and of the top-level key that owns an indented list item),
not only from the parsed entries: a frontmatter being typed (`model: ` with nothing after it, a
half-written line, no closing `---` yet) is read like a valid one. Only the frontmatter is read.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from promptls.router.prompts.frontmatter import PromptFile
from promptls.router.prompts.keyspec import Kind, keys_for


class CursorContext(NamedTuple):
    key: str | None
    """The key whose value is completed; None at a key position."""
    start: int
    end: int
    in_list: bool = False
    """The value is an item of a list (flow `[a, b]`, block `- a`, or a comma-separated string)."""
    used: frozenset[str] = frozenset()
    """The other items already in that list."""
    prefix: str = ""
    """Text to put before a value (a space after a `key:` typed without one)."""
    colon_follows: bool = False


_OPEN_FENCE = re.compile(r"\ufeff?---[ \t]*(?:\r\n|\n|\r)")
_WORD = re.compile(r"[A-Za-z0-9_-]*")
_OWNER = re.compile(r"([A-Za-z0-9_-]+)[ \t]*:(?=[ \t\r\n]|\Z)")
TOP_KEYS = re.compile(r"^([A-Za-z0-9_-]+)[ \t]*:(?=[ \t\r\n]|\Z)", re.MULTILINE)
_COMMENT = re.compile(r"(?:^|[ \t])#")


def frontmatter_region(prompt: PromptFile) -> tuple[int, int] | None:
    """First and last offsets a cursor may be at inside the frontmatter (closed or being typed)."""
    frontmatter = prompt.frontmatter
    if frontmatter is not None:
        return (frontmatter.start, frontmatter.end - 1) if frontmatter.end > frontmatter.start else None
    fence = _OPEN_FENCE.match(prompt.text)
    if fence is None:
        return None
    return fence.end(), len(prompt.text)  # no closing fence yet: the frontmatter is being written


def cursor_context(prompt: PromptFile, offset: int) -> CursorContext | None:
    region = frontmatter_region(prompt)
    if region is None or not region[0] <= offset <= region[1]:
        return None
    text = prompt.text
    lines = prompt.lines
    line_no = lines.position(offset).line
    line = lines.line_span(line_no)
    start, end = line.start, line.end
    if offset > end:
        return None
    first = text[start : start + 1]
    if first in (" ", "\t", "-"):
        return _item_context(prompt, region, line_no, start, end, offset)
    if first == "#":
        return None
    word_end = _WORD.match(text, start, end).end()  # type: ignore[union-attr]  # `*` always matches
    after = text[word_end:end].lstrip(" \t")
    if offset <= word_end:
        if after and not after.startswith(":"):
            return None
        return CursorContext(None, start, word_end, colon_follows=after.startswith(":"))
    if not after.startswith(":") or word_end == start:
        return None
    colon = text.index(":", word_end, end)
    if offset <= colon:
        return None
    return _value_context(prompt, text[start:word_end], colon + 1, end, offset)


def _value_context(
    prompt: PromptFile, key: str, value_start: int, end: int, offset: int
) -> CursorContext | None:
    text = prompt.text
    prefix = "" if value_start < end and text[value_start] in " \t" else " "
    first = value_start
    while first < end and text[first] in " \t":
        first += 1
    if offset < first:
        if text[offset:first].strip(" \t"):
            return None
        first = offset
    opener = text[first : first + 1]
    if opener == "[":
        if offset == first:
            return None
        close = text.find("]", first, end)
        stop = close if close != -1 else _comment_start(text, first, end)
        if close != -1 and offset > close:
            return None
        return _list_context(text, key, first + 1, stop, offset, "")
    if opener and opener in "{|>&*!":
        return None
    stop = _comment_start(text, first, end)
    if offset > stop:
        return None
    spec = keys_for(prompt.dialect).get(key)
    if spec is not None and spec.kind is Kind.STRINGS and (spec.allowed or spec.tools):
        return _list_context(text, key, first, stop, offset, prefix)
    token = _token(text, first, stop, offset)
    if token is None:
        return None
    return CursorContext(key, token[0], token[1], prefix=prefix if token[0] == value_start else "")


def _list_context(
    text: str, key: str, start: int, stop: int, offset: int, prefix: str
) -> CursorContext | None:
    """An item of a flow list (`[a, b]`) or a comma-separated string, between `start` and `stop`."""
    left = text.rfind(",", start, offset)
    seg_start = start if left == -1 else left + 1
    right = text.find(",", offset, stop)
    seg_end = stop if right == -1 else right
    token = _token(text, seg_start, seg_end, offset)
    if token is None:
        return None
    used = frozenset(
        item
        for item in (_unquote(part) for part in _split(text[start:seg_start] + text[seg_end:stop]))
        if item
    )
    return CursorContext(key, token[0], token[1], True, used, prefix if token[0] == start else "")


def _item_context(
    prompt: PromptFile, region: tuple[int, int], line_no: int, start: int, end: int, offset: int
) -> CursorContext | None:
    """A block list item `  - partial` under a top-level `key:`."""
    text = prompt.text
    dash = start
    while dash < end and text[dash] in " \t":
        dash += 1
    if text[dash : dash + 1] != "-" or offset <= dash or (dash + 1 < end and text[dash + 1] not in " \t"):
        return None
    owner = _owner(prompt, region, line_no)
    if owner is None:
        return None
    key, owner_line = owner
    stop = _comment_start(text, dash + 1, end)
    if offset > stop:
        return None
    token = _token(text, dash + 1, stop, offset)
    if token is None:
        return None
    prefix = " " if token[0] == dash + 1 else ""
    used = _block_items(prompt, region, owner_line, line_no)
    return CursorContext(key, token[0], token[1], True, used, prefix)


def _owner(prompt: PromptFile, region: tuple[int, int], line_no: int) -> tuple[str, int] | None:
    """The top-level key an indented line belongs to, when its own value is empty (a block)."""
    text = prompt.text
    lines = prompt.lines
    first_line = lines.position(region[0]).line
    for number in range(line_no - 1, first_line - 1, -1):
        span = lines.line_span(number)
        head = text[span.start : span.start + 1]
        if not head or head in " \t-#":
            continue
        match = _OWNER.match(text, span.start, span.end)
        if match is None:
            return None
        rest = text[match.end() : span.end].strip(" \t")
        if rest and not rest.startswith("#"):
            return None  # `key: value` on one line: the indented line is no item of it
        return match.group(1), number
    return None


def _block_items(
    prompt: PromptFile, region: tuple[int, int], owner_line: int, line_no: int
) -> frozenset[str]:
    text = prompt.text
    lines = prompt.lines
    last_line = lines.position(region[1]).line
    items = []
    for number in range(owner_line + 1, last_line + 1):
        span = lines.line_span(number)
        raw = text[span.start : span.end]
        if raw[:1] not in ("", " ", "\t", "-", "#"):
            break
        if number == line_no:
            continue
        body = raw.lstrip(" \t")
        if body.startswith("-"):
            value = body[1:]
            cut = _COMMENT.search(value)
            item = _unquote(value[: cut.start()] if cut else value)
            if item:
                items.append(item)
    return frozenset(items)


def _comment_start(text: str, start: int, end: int) -> int:
    match = _COMMENT.search(text, start, end)
    return match.start() if match else end


def _token(text: str, start: int, stop: int, offset: int) -> tuple[int, int] | None:
    """The word between `start` and `stop` (blanks and quotes trimmed), if the cursor is on it."""
    while start < stop and text[start] in " \t":
        start += 1
    while stop > start and text[stop - 1] in " \t":
        stop -= 1
    if start < stop and text[start] in "'\"":
        quote = text[start]
        start += 1
        close = text.find(quote, start, stop)
        if close != -1:
            stop = close
    if not start <= offset <= stop:
        return None
    return start, stop


def _split(flow: str) -> list[str]:
    return flow.replace("[", ",").replace("]", ",").split(",")


def _unquote(item: str) -> str:
    return item.strip(" \t").strip("'\"").strip(" \t")


# --- keys ---------------------------------------------------------------------------------------
