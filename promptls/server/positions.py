"""Character offsets (the core's) to and from LSP positions in the negotiated encoding.

The one place that knows about UTF-16: the core counts code points; clients count UTF-16 code
units unless they agreed on `utf-8` or `utf-32` at initialize. Lines come from the core's
`LineIndex`, so a conversion costs one bisect and, for a non-ASCII line, the units of at most
`BLOCK` characters: a long non-ASCII line (a 900 KB value of emoji, 10,000 findings on it) gets,
once, the units before every `BLOCK`th character, so no conversion walks the whole line.
"""

from __future__ import annotations

import bisect

from lsprotocol import types

from promptls.router.base.source import LineIndex, Span

BLOCK = 256
"""Characters between two checkpoints of a long non-ASCII line."""


class PositionConverter:
    """Converts for one text (a document version) in one encoding."""

    __slots__ = ("_ascii", "_checkpoints", "encoding", "lines", "text")

    def __init__(self, text: str, lines: LineIndex, encoding: str) -> None:
        self.text = text
        self.lines = lines
        self.encoding = encoding
        self._checkpoints: dict[int, list[int]] = {}
        self._ascii: dict[int, bool] = {}

    def _units(self, chars: str) -> int:
        if chars.isascii() or self.encoding == "utf-32":
            return len(chars)
        # surrogatepass: an editor buffer may hold a lone surrogate; it still takes its units.
        if self.encoding == "utf-8":
            return len(chars.encode("utf-8", "surrogatepass"))
        return len(chars.encode("utf-16-le", "surrogatepass")) // 2

    def _checkpoints_of(self, line: int) -> list[int]:
        """The units before characters 0, BLOCK, 2*BLOCK, ... of `line` (computed once per line)."""
        found = self._checkpoints.get(line)
        if found is None:
            span = self.lines.line_span(line)
            found = [0]
            for start in range(span.start, span.end - BLOCK + 1, BLOCK):
                found.append(found[-1] + self._units(self.text[start : start + BLOCK]))
            self._checkpoints[line] = found
        return found

    def _units_before(self, line: int, column: int) -> int:
        """The units of the first `column` characters of `line`."""
        start = self.lines.line_start(line)
        if column <= BLOCK:
            return self._units(self.text[start : start + column])
        block = column // BLOCK
        passed = self._checkpoints_of(line)[block]
        return passed + self._units(self.text[start + block * BLOCK : start + column])

    def position(self, offset: int) -> types.Position:
        pos = self.lines.position(offset)
        return types.Position(pos.line, self._units_before(pos.line, pos.column))

    def range(self, span: Span) -> types.Range:
        return types.Range(self.position(span.start), self.position(span.end))

    def offset(self, position: types.Position) -> int:
        """The character offset of a client position (clamped to the line and the text)."""
        line = max(0, position.line)
        if line >= self.lines.line_count:
            return len(self.text)
        span = self.lines.line_span(line)
        units = max(0, position.character)
        if self.encoding == "utf-32" or self._is_ascii(line):
            return span.start + min(units, span.end - span.start)
        index, count = span.start, 0
        if span.end - span.start > BLOCK:  # start from the last checkpoint at or before `units`
            checkpoints = self._checkpoints_of(line)
            block = bisect.bisect_right(checkpoints, units) - 1
            index, count = span.start + block * BLOCK, checkpoints[block]
        while index < span.end and count < units:
            count += self._units(self.text[index])
            index += 1
        return index

    def _is_ascii(self, line: int) -> bool:
        found = self._ascii.get(line)
        if found is None:
            span = self.lines.line_span(line)
            found = self._ascii[line] = self.text[span.start : span.end].isascii()
        return found


def negotiated_encoding(capabilities: types.ServerCapabilities | None) -> str:
    encoding = capabilities.position_encoding if capabilities else None
    return str(encoding.value if hasattr(encoding, "value") else encoding or "utf-16")
