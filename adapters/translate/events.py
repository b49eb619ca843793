"""Anthropic's streaming events, written from any provider's answer, and read back into one message.

    writer = EventWriter(model)
    yield from writer.text("Hel")               # message_start, content_block_start, ping, delta
    yield from writer.tool_use(id, name, '{"command": "ls"}')
    yield from writer.finish("tool_use", usage)  # content_block_stop, message_delta, message_stop

The order is Anthropic's exactly: `message_start` (once, before anything else), then per block
`content_block_start`, its deltas (`text_delta`, `thinking_delta`, `signature_delta`,
`input_json_delta`), `content_block_stop`; a `ping` after the first block starts, as the API sends
one; `message_delta` with the stop reason and the usage (input, output and cache tokens); and
`message_stop`, always last. `message_start` is written with the first piece of the answer, not
before: until then nothing went to the client, so a failed call can still fall back.

`collect_message(events)` is the non-streaming answer those events make; `message_events(message)`
the other way (for a server that answered a stream request with one JSON message).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from promptls.adapters.translate.blocks import new_id

STOP_REASONS = frozenset({"end_turn", "max_tokens", "stop_sequence", "tool_use", "pause_turn", "refusal"})


def usage(
    input_tokens: int | None = None,
    output_tokens: int | None = None,
    cache_read: int | None = None,
    cache_write: int | None = None,
) -> dict[str, int]:
    """Anthropic's usage: `input_tokens` excludes the tokens read from or written to the cache."""
    return {
        "input_tokens": max((input_tokens or 0) - (cache_read or 0) - (cache_write or 0), 0),
        "output_tokens": output_tokens or 0,
        "cache_creation_input_tokens": cache_write or 0,
        "cache_read_input_tokens": cache_read or 0,
    }


class EventWriter:
    """Anthropic events for one answer, written as the pieces arrive (see the module docstring)."""

    def __init__(self, model: str, message_id: str | None = None) -> None:
        self.model = model
        self.message_id = message_id or new_id("msg")
        self.started = False
        self.finished = False
        self._index = -1
        self._open: str | None = None
        self.block_types: list[str] = []
        self.start_usage: Mapping[str, int] | None = None
        """The usage `message_start` carries, when the provider said it before the answer (Gemini
        counts the prompt in its first chunk); else zeros, and the counts come with `message_delta`."""

    def start(self, input_usage: Mapping[str, int] | None = None) -> Iterator[dict[str, Any]]:
        if self.started:
            return
        self.started = True
        message = {
            "id": self.message_id,
            "type": "message",
            "role": "assistant",
            "model": self.model,
            "content": [],
            "stop_reason": None,
            "stop_sequence": None,
            "usage": dict(input_usage or self.start_usage or usage()),
        }
        yield {"type": "message_start", "message": message}

    def text(self, text: str) -> Iterator[dict[str, Any]]:
        if not text:
            return
        yield from self._block("text", {"type": "text", "text": ""})
        yield self._delta({"type": "text_delta", "text": text})

    def thinking(self, text: str) -> Iterator[dict[str, Any]]:
        if not text:
            return
        yield from self._block("thinking", {"type": "thinking", "thinking": "", "signature": ""})
        yield self._delta({"type": "thinking_delta", "thinking": text})

    def signature(self, signature: str) -> Iterator[dict[str, Any]]:
        """Close the thinking block open now (an empty one when none is) with `signature`."""
        yield from self._block("thinking", {"type": "thinking", "thinking": "", "signature": ""})
        yield self._delta({"type": "signature_delta", "signature": signature})
        yield from self._close()

    def tool_use(self, tool_id: str, name: str, input_json: str) -> Iterator[dict[str, Any]]:
        """A whole `tool_use` block: its input arrives as one `input_json_delta`."""
        yield from self._close()
        yield from self._block("tool_use", {"type": "tool_use", "id": tool_id, "name": name, "input": {}})
        yield self._delta({"type": "input_json_delta", "partial_json": input_json})
        yield from self._close()

    def finish(self, stop_reason: str | None, final_usage: Mapping[str, int]) -> Iterator[dict[str, Any]]:
        yield from self.start()
        yield from self._close()
        self.finished = True
        delta = {"stop_reason": stop_reason or "end_turn", "stop_sequence": None}
        yield {"type": "message_delta", "delta": delta, "usage": dict(final_usage)}
        yield {"type": "message_stop"}

    def _block(self, kind: str, start: dict[str, Any]) -> Iterator[dict[str, Any]]:
        yield from self.start()
        if self._open == kind and kind != "tool_use":
            return
        yield from self._close()
        self._index += 1
        self._open = kind
        self.block_types.append(kind)
        yield {"type": "content_block_start", "index": self._index, "content_block": start}
        if self._index == 0:
            yield {"type": "ping"}

    def _delta(self, delta: dict[str, Any]) -> dict[str, Any]:
        return {"type": "content_block_delta", "index": self._index, "delta": delta}

    def _close(self) -> Iterator[dict[str, Any]]:
        if self._open is not None:
            self._open = None
            yield {"type": "content_block_stop", "index": self._index}


def collect_message(events: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """The whole Anthropic message the events make (the answer to a request without `stream`)."""
    message: dict[str, Any] = {}
    content: dict[int, dict[str, Any]] = {}
    partial: dict[int, list[str]] = {}
    for event in events:
        kind = event.get("type")
        if kind == "message_start":
            message = dict(event["message"])
            message["usage"] = dict(message.get("usage") or {})
        elif kind == "content_block_start":
            content[event["index"]] = dict(event["content_block"])
        elif kind == "content_block_delta":
            _apply(content.setdefault(event["index"], {}), partial, event["index"], event["delta"])
        elif kind == "content_block_stop":
            index = event["index"]
            if index in partial:
                content[index]["input"] = _input("".join(partial.pop(index)))
        elif kind == "message_delta":
            delta = event.get("delta") or {}
            message["stop_reason"] = delta.get("stop_reason", message.get("stop_reason"))
            message["stop_sequence"] = delta.get("stop_sequence", message.get("stop_sequence"))
            for name, value in (event.get("usage") or {}).items():
                if value is not None:
                    message.setdefault("usage", {})[name] = value
    message["content"] = [content[index] for index in sorted(content)]
    return message


def _input(raw: str) -> Any:
    try:
        return json.loads(raw) if raw.strip() else {}
    except ValueError:  # an upstream that streamed no JSON: kept, not a crash
        return {"_raw": raw}


def _apply(
    block: dict[str, Any], partial: dict[int, list[str]], index: int, delta: Mapping[str, Any]
) -> None:
    kind = delta.get("type")
    if kind == "text_delta":
        block["text"] = block.get("text", "") + delta.get("text", "")
    elif kind == "thinking_delta":
        block["thinking"] = block.get("thinking", "") + delta.get("thinking", "")
    elif kind == "signature_delta":
        block["signature"] = delta.get("signature", "")
    elif kind == "input_json_delta":
        partial.setdefault(index, []).append(delta.get("partial_json", ""))
    elif kind == "citations_delta":
        block.setdefault("citations", []).append(delta.get("citation"))


def message_events(message: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    """A whole message as the stream of events that makes it (each block in one delta)."""
    start = {**message, "content": [], "stop_reason": None, "stop_sequence": None}
    start["usage"] = {**(message.get("usage") or {}), "output_tokens": 0}
    yield {"type": "message_start", "message": start}
    for index, block in enumerate(message.get("content") or ()):
        kind = block.get("type")
        if kind == "text":
            opening, delta = {**block, "text": ""}, {"type": "text_delta", "text": block.get("text", "")}
        elif kind == "thinking":
            opening = {**block, "thinking": "", "signature": ""}
            delta = {"type": "thinking_delta", "thinking": block.get("thinking", "")}
        elif kind in ("tool_use", "server_tool_use"):
            opening = {**block, "input": {}}
            delta = {"type": "input_json_delta", "partial_json": json.dumps(block.get("input") or {})}
        else:  # redacted thinking, server tool results: whole in their start
            opening, delta = dict(block), None
        yield {"type": "content_block_start", "index": index, "content_block": opening}
        if index == 0:
            yield {"type": "ping"}
        if delta is not None and (delta.get("text") or delta.get("thinking") or "partial_json" in delta):
            yield {"type": "content_block_delta", "index": index, "delta": delta}
        if kind == "thinking" and block.get("signature"):
            signature = {"type": "signature_delta", "signature": block["signature"]}
            yield {"type": "content_block_delta", "index": index, "delta": signature}
        yield {"type": "content_block_stop", "index": index}
    delta = {"stop_reason": message.get("stop_reason"), "stop_sequence": message.get("stop_sequence")}
    yield {"type": "message_delta", "delta": delta, "usage": dict(message.get("usage") or {})}
    yield {"type": "message_stop"}
