"""Spans into a text and the line index that turns offsets into lines and columns.

The core keeps character offsets (Python string indices). Lines and columns are derived here once, so
the shell prints 1-based `line:col` and the server converts columns to the client's encoding at the
edge without re-reading files.
"""

from __future__ import annotations

from bisect import bisect_right
from itertools import accumulate
from typing import NamedTuple


class Position(NamedTuple):
    """A 0-based line and a 0-based column counted in characters (code points)."""

    line: int
    column: int


class Span:
    """A half-open range of character offsets in one text; its line/column ends on demand.

    Lines and columns are worked out only when asked for (a render, an LSP range): parsing a
    frontmatter makes dozens of spans per file, and most are never shown.
    """

    __slots__ = ("_end_pos", "_lines", "_start_pos", "end", "start")

    def __init__(self, start: int, end: int, lines: LineIndex) -> None:
        self.start = start
        self.end = end
        self._lines = lines
        self._start_pos: Position | None = None
        self._end_pos: Position | None = None

    @property
    def start_pos(self) -> Position:
        if self._start_pos is None:
            self._start_pos = self._lines.position(self.start)
        return self._start_pos

    @property
    def end_pos(self) -> Position:
        if self._end_pos is None:
            self._end_pos = self._lines.position(self.end)
        return self._end_pos

    @property
    def line(self) -> int:
        """1-based line of the start, as people and the shell count."""
        return self.start_pos.line + 1

    @property
    def column(self) -> int:
        """1-based column of the start."""
        return self.start_pos.column + 1

    def __reduce__(self) -> tuple:
        # Travel between processes with the positions worked out, not the whole line index.
        return (_resolved_span, (self.start, self.end, self.start_pos, self.end_pos))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Span):
            return NotImplemented
        return self.start == other.start and self.end == other.end

    def __hash__(self) -> int:
        return hash((self.start, self.end))

    def __repr__(self) -> str:
        return f"Span({self.start}, {self.end}, line={self.line}, column={self.column})"


def _resolved_span(start: int, end: int, start_pos: Position, end_pos: Position) -> Span:
    span = Span(start, end, None)  # type: ignore[arg-type]  # never consulted: positions are set
    span._start_pos = start_pos
    span._end_pos = end_pos
    return span


class LineIndex:
    """Offsets of line starts in a text; `\\n`, `\\r\\n` and a lone `\\r` all end a line."""

    __slots__ = ("_has_cr", "_length", "_starts", "_text")

    def __init__(self, text: str) -> None:
        # Line lengths from one C-level split, summed: an editor re-indexes on every keystroke.
        starts = [0, *accumulate(len(line) + 1 for line in text.split("\n")[:-1])]
        self._has_cr = "\r" in text
        if self._has_cr:
            starts = _with_lone_cr(text, starts)
        self._starts = starts
        self._length = len(text)
        self._text = text

    @property
    def length(self) -> int:
        return self._length

    @property
    def line_count(self) -> int:
        return len(self._starts)

    def line_start(self, line: int) -> int:
        """Offset where 0-based `line` starts (the end of the text past the last line)."""
        if line < len(self._starts):
            return self._starts[line]
        return self._length

    def _ends_with_newline(self, line: int) -> bool:
        return line + 1 < len(self._starts)

    def position(self, offset: int) -> Position:
        offset = max(0, min(offset, self._length))
        line = bisect_right(self._starts, offset) - 1
        return Position(line, offset - self._starts[line])

    def offset(self, line: int, column: int) -> int:
        return min(self.line_start(line) + column, self._length)

    def span(self, start: int, end: int) -> Span:
        start = max(0, min(start, self._length))
        end = max(start, min(end, self._length))
        return Span(start, end, self)

    def line_span(self, line: int) -> Span:
        """The span of 0-based `line`, without its line ending."""
        start = self.line_start(line)
        end = self.line_start(line + 1) if line + 1 < len(self._starts) else self._length
        if self._ends_with_newline(line):
            # Leave the line ending out: one character, or two for `\r\n`.
            end -= 2 if self._has_cr and self._text[end - 2 : end] == "\r\n" else 1
        return self.span(start, end)


def _with_lone_cr(text: str, starts: list[int]) -> list[int]:
    """Add line starts after a `\\r` that no `\\n` follows (old Mac line endings)."""
    extra = [i + 1 for i, ch in enumerate(text) if ch == "\r" and text[i + 1 : i + 2] != "\n"]
    return sorted(set(starts).union(extra))
