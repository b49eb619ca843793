"""A real HTTP server speaking Anthropic's Messages protocol, for driving the real `anthropic` SDK.

    with AnthropicWireServer() as server:            # 127.0.0.1, a free port, in a thread
        server.script(Fail.rate_limit(7), Ok("Hello there", chunks=2))
        client = anthropic.Anthropic(base_url=server.base_url, api_key="sk-ant-test")
        ...
        server.sent_key(server.requests[0])           # the key the client sent

Each `POST /v1/messages` takes the next scripted behaviour (an empty script answers `Ok()`):
    Ok(text, chunks)          a JSON message, or SSE in Anthropic's order: `message_start` (usage with
                              input_tokens), [a signed `thinking` block,] `content_block_start`,
                              `ping`, `chunks` × `content_block_delta` (text_delta), `content_block_stop`,
                              [`tool_uses` blocks,] `message_delta` (stop_reason, usage.output_tokens),
                              `message_stop`
    Fail(status, type, msg)   `{"type": "error", "error": {"type", "message"}}` with a `request-id`;
                              `Fail.unauthorized()` 401, `Fail.rate_limit(retry_after)` 429,
                              `Fail.server_error()` 500, `Fail.overloaded()` 529,
                              `Fail.bad_request()` 400, `Fail.context_too_long()` 400 (prompt too long)
    ErrorEvent(after, ...)    stream `after` deltas, then `event: error` (as the API does when it is
                              overloaded mid-answer)
    Stall, Reset, Malformed, Cut, KeepAlive   the faults every wire server shares
                              (tests/wire/base.py); `Cut` ends the body without `message_stop`;
                              keep-alives are `ping` events
    HtmlOk, JsonInsteadOfStream   wrong answers to a stream request (tests/wire/base.py); the JSON is
                              a whole `message`

As the real API, a request without a key (`x-api-key`, or `Authorization: Bearer`, which the SDK 2.x
sends) gets 401, without `anthropic-version` or `max_tokens` a 400. `GET /v1/models` lists `models`
in pages (`limit`, `after_id`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.wire.base import (
    INVALID_JSON,
    Cut,
    Event,
    Fault,
    HtmlOk,
    JsonInsteadOfStream,
    KeepAlive,
    Malformed,
    Recorded,
    Reset,
    Stall,
    WireHandler,
    WireServer,
    bearer,
    pieces,
)

__all__ = [
    "AnthropicWireServer",
    "Cut",
    "ErrorEvent",
    "Fail",
    "HtmlOk",
    "JsonInsteadOfStream",
    "KeepAlive",
    "Malformed",
    "Ok",
    "Recorded",
    "Reset",
    "Stall",
]

# ---- scripted behaviours ----------------------------------------------------------------------


@dataclass(frozen=True)
class Ok:
    text: str = "Hello from the wire server."
    chunks: int = 3
    input_tokens: int = 11
    output_tokens: int = 7
    stop_reason: str = "end_turn"
    thinking: str | None = None
    """A thinking block first (`thinking_delta`s, then a `signature_delta` of `SIGNATURE`)."""
    tool_uses: tuple[tuple[str, str, dict[str, Any]], ...] = ()
    """(id, name, input) of `tool_use` blocks after the text, each input in two `input_json_delta`s."""
    cache_read_input_tokens: int | None = None


SIGNATURE = "EqQBCkYIBxgCKkD-wire-signature"


@dataclass(frozen=True)
class Fail:
    status: int
    type: str = "api_error"
    message: str = "Internal server error"
    headers: tuple[tuple[str, str], ...] = ()

    @classmethod
    def unauthorized(cls, message: str = "invalid x-api-key") -> Fail:
        return cls(401, "authentication_error", message)

    @classmethod
    def rate_limit(cls, retry_after: float | str = 1) -> Fail:
        message = "Number of request tokens has exceeded your per-minute rate limit"
        return cls(429, "rate_limit_error", message, (("retry-after", str(retry_after)),))

    @classmethod
    def server_error(cls) -> Fail:
        return cls(500, "api_error", "Internal server error")

    @classmethod
    def overloaded(cls) -> Fail:
        return cls(529, "overloaded_error", "Overloaded")

    @classmethod
    def bad_request(cls, message: str = "temperature: Input should be less than or equal to 1") -> Fail:
        return cls(400, "invalid_request_error", message)

    @classmethod
    def context_too_long(cls) -> Fail:
        return cls(400, "invalid_request_error", "prompt is too long: 212456 tokens > 200000 maximum")


@dataclass(frozen=True)
class ErrorEvent(Fault):
    after: int = 0
    type: str = "overloaded_error"
    message: str = "Overloaded"


Behaviour = (
    Ok | Fail | ErrorEvent | Stall | Reset | Malformed | Cut | KeepAlive | HtmlOk | JsonInsteadOfStream
)

# ---- the server -------------------------------------------------------------------------------

DEFAULT_MODELS = ("claude-sonnet-4-5-20250929", "claude-haiku-4-5-20251001", "claude-opus-4-1-20250805")


class AnthropicWireServer(WireServer):
    """A threaded HTTP server on 127.0.0.1 (a free port) with a script of behaviours.

    `base_url` is the host without `/v1`: the SDK adds it.
    """

    name = "anthropic"
    reply = Ok

    def __init__(self, models: tuple[str, ...] = DEFAULT_MODELS, page_size: int = 20) -> None:
        super().__init__()
        self.models = models
        self.page_size = page_size
        """Models per page of `GET /v1/models` when the request sets no `limit` (the API's is 20)."""

    def sent_key(self, recorded: Recorded) -> str | None:
        """In `x-api-key` (the SDK before 2.x) or as a Bearer token (the SDK 2.x sends it there)."""
        return sent_key(recorded.headers)


def sent_key(headers: Mapping[str, str]) -> str | None:
    lowered = {name.lower(): value for name, value in headers.items()}
    return lowered.get("x-api-key") or bearer(lowered)


class _Handler(WireHandler):
    wire: AnthropicWireServer
    fail_type = Fail
    stream_headers = (("Content-Type", "text/event-stream; charset=utf-8"), ("Cache-Control", "no-cache"))
    response_headers = (("request-id", "req_wire"),)
    malformed_event = b"event: content_block_delta\ndata: {not json\n\n"
    keep_alive = b'event: ping\ndata: {"type": "ping"}\n\n'

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        self.record(None)
        if url.path != "/v1/models":
            self.send_fail(Fail(404, "not_found_error", f"Not found: GET {url.path}"))
            return
        behaviour = self.listing_behaviour()
        if not isinstance(behaviour, Ok):
            self.answer(behaviour, streaming=False)
            return
        if self._refused():
            return
        query = {name: values[-1] for name, values in parse_qs(url.query).items()}
        limit = int(query.get("limit", self.wire.page_size))
        names = list(self.wire.models)
        start = names.index(query["after_id"]) + 1 if query.get("after_id") in names else 0
        page = names[start : start + limit]
        data = [
            {"type": "model", "id": name, "display_name": name, "created_at": "2025-09-29T00:00:00Z"}
            for name in page
        ]
        payload = {
            "data": data,
            "has_more": start + limit < len(names),
            "first_id": page[0] if page else None,
            "last_id": page[-1] if page else None,
        }
        self.send_json(200, payload)

    def do_POST(self) -> None:
        self.body = self.read_json()
        self.record(self.body)
        if urlsplit(self.path).path != "/v1/messages":
            self.send_fail(Fail(404, "not_found_error", f"Not found: POST {self.path}"))
            return
        behaviour = self.wire.next()
        if isinstance(behaviour, Fail):
            self.send_fail(behaviour)
        elif self._refused():
            pass
        elif self.body is INVALID_JSON or not isinstance(self.body, dict) or "max_tokens" not in self.body:
            problem = "max_tokens: Field required" if isinstance(self.body, dict) else "invalid JSON body"
            self.send_fail(Fail(400, "invalid_request_error", problem))
        else:
            self.answer(behaviour, streaming=bool(self.body.get("stream")))

    def _refused(self) -> bool:
        """The checks the real API makes of every request's headers; True when it answered an error."""
        if not sent_key(self.headers):
            self.send_fail(Fail(401, "authentication_error", "x-api-key header is required"))
            return True
        if not self.headers.get("anthropic-version"):
            self.send_fail(Fail(400, "invalid_request_error", "anthropic-version: header is required"))
            return True
        return False

    # the provider's parts

    def send_fail(self, fail: Fail) -> None:
        payload = {"type": "error", "error": {"type": fail.type, "message": fail.message}}
        self.send_json(fail.status, payload, fail.headers)

    def whole(self, ok: Ok) -> dict[str, Any]:
        message = self._message(ok, ok.text, ok.stop_reason)
        if ok.thinking:
            message["content"].insert(
                0, {"type": "thinking", "thinking": ok.thinking, "signature": SIGNATURE}
            )
        for tool_id, name, tool_input in ok.tool_uses:
            message["content"].append({"type": "tool_use", "id": tool_id, "name": name, "input": tool_input})
        return message

    def _message(self, ok: Ok, text: str | None, stop_reason: str | None) -> dict[str, Any]:
        content = [] if text is None else [{"type": "text", "text": text}]
        output_tokens = ok.output_tokens if text is not None else 1
        return {
            "id": "msg_wire",
            "type": "message",
            "role": "assistant",
            "model": self.body.get("model", ""),
            "content": content,
            "stop_reason": stop_reason,
            "stop_sequence": None,
            "usage": {
                "input_tokens": ok.input_tokens,
                "output_tokens": output_tokens,
                **(
                    {"cache_read_input_tokens": ok.cache_read_input_tokens}
                    if ok.cache_read_input_tokens
                    else {}
                ),
            },
        }

    def events(self, ok: Ok) -> Iterator[Event]:
        yield _event("message_start", {"type": "message_start", "message": self._message(ok, None, None)})
        index = 0
        if ok.thinking:
            opening = {"type": "thinking", "thinking": "", "signature": ""}
            yield _event(
                "content_block_start", {"type": "content_block_start", "index": 0, "content_block": opening}
            )
            for delta in (
                {"type": "thinking_delta", "thinking": ok.thinking},
                {"type": "signature_delta", "signature": SIGNATURE},
            ):
                yield _event(
                    "content_block_delta", {"type": "content_block_delta", "index": 0, "delta": delta}
                )
            yield _event("content_block_stop", {"type": "content_block_stop", "index": 0})
            index = 1
        block = {"type": "content_block_start", "index": index, "content_block": {"type": "text", "text": ""}}
        yield _event("content_block_start", block)
        yield _event("ping", {"type": "ping"})
        for piece in pieces(ok.text, ok.chunks):
            delta = {"type": "text_delta", "text": piece}
            event = {"type": "content_block_delta", "index": index, "delta": delta}
            yield _event("content_block_delta", event, text=True)
        yield _event("content_block_stop", {"type": "content_block_stop", "index": index})
        for tool_id, name, tool_input in ok.tool_uses:
            index += 1
            opening = {"type": "tool_use", "id": tool_id, "name": name, "input": {}}
            yield _event(
                "content_block_start",
                {"type": "content_block_start", "index": index, "content_block": opening},
            )
            for piece in pieces(json.dumps(tool_input), 2):
                delta = {"type": "input_json_delta", "partial_json": piece}
                yield _event(
                    "content_block_delta", {"type": "content_block_delta", "index": index, "delta": delta}
                )
            yield _event("content_block_stop", {"type": "content_block_stop", "index": index})
        end = {
            "type": "message_delta",
            "delta": {"stop_reason": ok.stop_reason, "stop_sequence": None},
            "usage": {"output_tokens": ok.output_tokens},
        }
        yield _event("message_delta", end)
        yield _event("message_stop", {"type": "message_stop"})

    def fault(self, fault: Fault) -> None:
        if isinstance(fault, ErrorEvent):
            error = {"type": "error", "error": {"type": fault.type, "message": fault.message}}
            self.chunk(_event("error", error).data)
            self.chunk(b"")
            self.close_connection = True
        else:
            super().fault(fault)


def _event(name: str, payload: dict[str, Any], text: bool = False) -> Event:
    return Event(f"event: {name}\ndata: {json.dumps(payload)}\n\n".encode(), text)


AnthropicWireServer.handler = _Handler
