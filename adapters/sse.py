"""Server-sent events as a body arrives, for reading chat completions streams on a thread (the SDK's
HTTP, openai_compat.read_chunks) and on the event loop (aiohttp, openai_aio.sse_events) alike.

    parser = SSEParser()                 # feed(piece) -> the data of each event a piece completed
    chunks = StreamChunks(on_error)      # of(events) -> the JSON chunks, [DONE] and errors handled
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any


def sse_data(pieces: Iterable[bytes]) -> Iterator[str]:
    """The data of each server-sent event in a body's `pieces` (see `SSEParser`)."""
    parser = SSEParser()
    for piece in pieces:
        yield from parser.feed(piece)
    yield from parser.end()


MAX_EVENT = 16 << 20
"""Bytes of one server-sent event at most (a line, or the data lines of one event): the largest a
provider sends is a whole tool call's arguments or an image, far below."""


class SSEParser:
    """The data of each server-sent event (its `data:` lines joined), from a body's pieces as they
    arrive: `feed(piece)` gives the events the piece completed, `end()` what the body's end
    completes. Comments (`: keep-alive`), `event:`, `id:` and `retry:` lines are passed over. Lines
    end in LF, CRLF or CR (the SSE format's three); the text is UTF-8, as the format says."""

    def __init__(self) -> None:
        self._lines: list[str] = []
        self._rest = b""
        self._size = 0

    def feed(self, piece: bytes) -> list[str]:
        buffer, cr = self._rest + piece, b""
        if len(buffer) > MAX_EVENT:  # a line without end: not an event stream worth waiting for
            raise ValueError(f"a server-sent event line over {MAX_EVENT >> 20} MiB")
        if buffer.endswith(b"\r"):  # maybe the first half of a CRLF: one line end, not two
            buffer, cr = buffer[:-1], b"\r"
        lines = buffer.replace(b"\r\n", b"\n").replace(b"\r", b"\n").split(b"\n")
        self._rest = lines.pop() + cr  # the end of the piece, not yet a whole line
        events: list[str] = []
        data = self._lines
        for line in lines:
            if line.startswith(b"data:"):
                data.append(_field_value(line))
                self._size += len(line)
                if self._size > MAX_EVENT:
                    raise ValueError(f"a server-sent event over {MAX_EVENT >> 20} MiB")
            elif not line and data:  # a blank line ends the event
                events.append("\n".join(data))
                data.clear()
                self._size = 0
        return events

    def end(self) -> list[str]:
        rest, data = self._rest.rstrip(b"\r"), self._lines
        self._rest = b""
        if rest.startswith(b"data:"):  # a body that ends without its last line's end
            data.append(_field_value(rest))
        events = ["\n".join(data)] if data else []
        data.clear()
        return events


def _field_value(line: bytes) -> str:
    """The value of a `data:` line (one space after the colon is not part of it)."""
    return (line[6:] if line.startswith(b"data: ") else line[5:]).decode()


class StreamChunks:
    """The JSON chunks in a chat completions stream's events, fed as they are read: `[DONE]` ends
    the answer (what follows is read only to keep the connection), an `error` object in an event
    raises `on_error(error)`, data that is no JSON a `ValueError`."""

    def __init__(self, on_error: Callable[[Any], Exception]) -> None:
        self.on_error = on_error
        self.done = False

    def of(self, events: Iterable[str]) -> Iterator[Any]:
        for data in events:
            if self.done:  # the rest of the body, read only to keep the connection
                continue
            if data.startswith("[DONE]"):
                self.done = True
                continue
            chunk = json.loads(data)
            if isinstance(chunk, Mapping) and chunk.get("error"):
                raise self.on_error(chunk["error"])
            yield chunk
