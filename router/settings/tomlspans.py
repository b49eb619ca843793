"""Where each key of a TOML document is written, so settings values can point at their line.

`tomllib` gives the values (and exact syntax errors) but no positions; this scanner walks the same
text once and records the span of every table header, key and value by dotted path. It follows table
headers, dotted keys, quoted keys and inline tables at the top of a value, and skips multi-line
strings, which is all settings files use.
"""

from __future__ import annotations

import re

from promptls.router.base.source import LineIndex, Span

Path = tuple[str, ...]

_BARE = re.compile(r"[A-Za-z0-9_-]+")
_WS = " \t"


def parse_key(text: str, i: int) -> tuple[list[str], int, int] | None:
    """Parse a (dotted) key at i: its parts, the index past trailing blanks, and the key's end."""
    parts: list[str] = []
    n = len(text)
    while True:
        while i < n and text[i] in _WS:
            i += 1
        if i >= n:
            return None
        ch = text[i]
        if ch in "\"'":
            end = i + 1
            while end < n and text[end] != ch:
                end += 2 if (ch == '"' and text[end] == "\\") else 1
            if end >= n:
                return None
            raw = text[i + 1 : end]
            parts.append(raw.encode().decode("unicode_escape") if ch == '"' and "\\" in raw else raw)
            i = end + 1
        else:
            m = _BARE.match(text, i)
            if not m:
                return None
            parts.append(m.group())
            i = m.end()
        key_end = i
        while i < n and text[i] in _WS:
            i += 1
        if i < n and text[i] == ".":
            i += 1
            continue
        return parts, i, key_end


class TomlSpans:
    """Spans by dotted path: the key (`key_span`), its value (`value_span`), its table header."""

    def __init__(self, text: str, lines: LineIndex) -> None:
        self.lines = lines
        self._keys: dict[Path, Span] = {}
        self._values: dict[Path, Span] = {}
        self._scan(text)

    def key_span(self, path: Path) -> Span | None:
        """The key of `path`, or of its nearest written ancestor (a table header)."""
        for n in range(len(path), 0, -1):
            span = self._keys.get(tuple(path[:n]))
            if span is not None:
                return span
        return None

    def value_span(self, path: Path) -> Span | None:
        return self._values.get(tuple(path)) or self.key_span(path)

    def find_in_value(self, path: Path, needle: str) -> Span | None:
        """The span of a quoted string `needle` inside the value of `path` (an array item)."""
        value = self._values.get(tuple(path))
        if value is None:
            return None
        text = self._text
        for quote in ('"', "'"):
            i = text.find(f"{quote}{needle}{quote}", value.start, value.end)
            if i != -1:
                return self.lines.span(i, i + len(needle) + 2)
        return None

    def _scan(self, text: str) -> None:
        self._text = text
        table: Path = ()
        lines = self.lines
        pending: list[tuple[Path, int]] = []  # values whose end is the next key/table line
        count = lines.line_count
        line_no = 0
        while line_no < count:
            span = lines.line_span(line_no)
            raw = text[span.start : span.end]
            stripped = raw.lstrip()
            offset = span.start + (len(raw) - len(stripped))
            if not stripped or stripped.startswith("#"):
                line_no += 1
                continue
            if stripped.startswith("["):
                self._close(pending, span.start)
                is_array = stripped.startswith("[[")
                inner = offset + (2 if is_array else 1)
                parsed = parse_key(text, inner)
                if parsed is not None:
                    table = tuple(parsed[0])
                    header_end = text.find("]", parsed[1])
                    end = header_end + (2 if is_array else 1) if header_end != -1 else span.end
                    self._keys.setdefault(table, lines.span(offset, min(end, span.end)))
                line_no += 1
                continue
            parsed = parse_key(text, offset)
            if parsed is None or parsed[1] >= len(text) or text[parsed[1]] != "=":
                line_no += 1
                continue
            self._close(pending, span.start)
            parts, after, key_end = parsed
            path = table + tuple(parts)
            self._keys[path] = lines.span(offset, key_end)
            for n in range(1, len(parts)):
                self._keys.setdefault(table + tuple(parts[:n]), lines.span(offset, key_end))
            value_start = after + 1
            while value_start < span.end and text[value_start] in _WS:
                value_start += 1
            pending.append((path, value_start))
            if text.startswith(("[", "{"), value_start):
                self._scan_inline(text, path, value_start)
            line_no = self._skip_multiline(text, value_start, line_no)
        self._close(pending, len(text))

    def _close(self, pending: list[tuple[Path, int]], end: int) -> None:
        text = self._text
        for path, start in pending:
            close = _matching_bracket(text, start) if text.startswith(("[", "{"), start) else None
            stop = close + 1 if close is not None else _strip_comment(text, start, end)
            while stop > start and text[stop - 1] in " \t\r\n":
                stop -= 1
            # Leave a trailing comment out of a single-line value.
            self._values.setdefault(path, self.lines.span(start, max(start, stop)))
        pending.clear()

    def _scan_inline(self, text: str, path: Path, start: int) -> None:
        """Record `key = value` pairs of an inline table (`{ model = "x" }`) at the top level."""
        if text[start] != "{":
            return
        i = start + 1
        depth = 0
        n = len(text)
        while i < n:
            ch = text[i]
            if ch in "\"'":
                close = text.find(ch, i + 1)
                i = n if close == -1 else close + 1
                continue
            if ch in "[{":
                depth += 1
            elif ch in "]}":
                if depth == 0:
                    return
                depth -= 1
            elif depth == 0 and (ch.isalnum() or ch in "_-"):
                parsed = parse_key(text, i)
                if parsed and parsed[1] < n and text[parsed[1]] == "=":
                    self._keys[path + tuple(parsed[0])] = self.lines.span(i, parsed[2])
                    i = parsed[1] + 1
                    continue
            i += 1

    def _skip_multiline(self, text: str, value_start: int, line_no: int) -> int:
        """The next line to scan, past a multi-line string or array that starts at value_start."""
        for quote in ('"""', "'''"):
            if text.startswith(quote, value_start):
                close = text.find(quote, value_start + 3)
                if close == -1:
                    return self.lines.line_count
                return self.lines.position(close).line + 1
        if text.startswith("[", value_start):
            end = _matching_bracket(text, value_start)
            if end is not None:
                return self.lines.position(end).line + 1
        return line_no + 1


def _strip_comment(text: str, start: int, end: int) -> int:
    """End of a value before a trailing `# comment` on its last line (quotes respected)."""
    i = start
    while i < end:
        ch = text[i]
        if ch in "\"'":
            close = text.find(ch, i + 1, end)
            if close == -1:
                return end
            i = close + 1
            continue
        if ch == "#":
            return i
        i += 1
    return end


def _matching_bracket(text: str, start: int) -> int | None:
    depth = 0
    i = start
    n = len(text)
    while i < n:
        ch = text[i]
        if ch in "\"'":
            close = text.find(ch, i + 1)
            if close == -1:
                return None
            i = close + 1
            continue
        if ch == "#":
            nl = text.find("\n", i)
            i = n if nl == -1 else nl
            continue
        if ch in "[{":
            depth += 1
        elif ch in "]}":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return None
