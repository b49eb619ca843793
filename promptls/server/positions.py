"""Character offsets (the core's) to and from LSP positions in the negotiated encoding.

The one place that knows about UTF-16: the core counts code points; clients count UTF-16 code
units unless they agreed on `utf-8` or `utf-32` at initialize. Lines come from the core's
`LineIndex`, so a conversion costs one bisect and, for a non-ASCII line, one slice.
"""

from __future__ import annotations

from lsprotocol import types

from promptls.router.base.source import LineIndex, Span


class PositionConverter:
    """Converts for one text (a document version) in one encoding."""

    __slots__ = ("encoding", "lines", "text")

    def __init__(self, text: str, lines: LineIndex, encoding: str) -> None:
        self.text = text
        self.lines = lines
        self.encoding = encoding

    def _line_text(self, line: int) -> str:
        span = self.lines.line_span(line)
        return self.text[span.start : span.end]

    def _units(self, chars: str) -> int:
        if chars.isascii() or self.encoding == "utf-32":
            return len(chars)
        # surrogatepass: an editor buffer may hold a lone surrogate; it still takes its units.
        if self.encoding == "utf-8":
            return len(chars.encode("utf-8", "surrogatepass"))
        return len(chars.encode("utf-16-le", "surrogatepass")) // 2

    def position(self, offset: int) -> types.Position:
        pos = self.lines.position(offset)
        start = self.lines.line_start(pos.line)
        return types.Position(pos.line, self._units(self.text[start : start + pos.column]))

    def range(self, span: Span) -> types.Range:
        return types.Range(self.position(span.start), self.position(span.end))

    def offset(self, position: types.Position) -> int:
        """The character offset of a client position (clamped to the line and the text)."""
        line = max(0, position.line)
        if line >= self.lines.line_count:
            return len(self.text)
        line_text = self._line_text(line)
        units = max(0, position.character)
        if line_text.isascii() or self.encoding == "utf-32":
            return self.lines.line_start(line) + min(units, len(line_text))
        count = 0
        for index, char in enumerate(line_text):
            if count >= units:
                return self.lines.line_start(line) + index
            count += self._units(char)
        return self.lines.line_start(line) + len(line_text)


def negotiated_encoding(capabilities: types.ServerCapabilities | None) -> str:
    encoding = capabilities.position_encoding if capabilities else None
    return str(encoding.value if hasattr(encoding, "value") else encoding or "utf-16")
