"""A real HTTP server speaking Anthropic's Messages protocol, for driving the real `anthropic` SDK.

    with AnthropicWireServer() as server:            # 127.0.0.1, a free port, in a thread
        server.script(Fail.rate_limit(7), Ok("Hello there", chunks=2))
        client = anthropic.Anthropic(base_url=server.base_url, api_key="sk-ant-test")
        ...
        sent_key(server.requests[0].headers)          # the key the client sent

Each `POST /v1/messages` takes the next scripted behaviour (an empty script answers `Ok()`):
    Ok(text, chunks)          a JSON message, or SSE in Anthropic's order: `message_start` (usage with
                              input_tokens), `content_block_start`, `ping`, `chunks` ×
                              `content_block_delta` (text_delta), `content_block_stop`,
                              `message_delta` (stop_reason, usage.output_tokens), `message_stop`
    Fail(status, type, msg)   `{"type": "error", "error": {"type", "message"}}` with a `request-id`;
                              `Fail.unauthorized()` 401, `Fail.rate_limit(retry_after)` 429,
                              `Fail.api_error()` 500, `Fail.overloaded()` 529, `Fail.prompt_too_long()` 400
    Stall(seconds, after)     say nothing (before the headers, or after `after` deltas) for longer than
                              the client waits; cut short when the server stops
    Reset(after)              stream `after` deltas, then reset the connection (TCP RST)
    Malformed(after)          stream `after` deltas, then an event whose data is not JSON
    ErrorEvent(after, ...)    stream `after` deltas, then `event: error` (as the API does when it is
                              overloaded mid-answer)
    Cut(after)                stream `after` deltas, then end the body cleanly, without `message_stop`

As the real API, a request without a key (`x-api-key`, or `Authorization: Bearer`, which the SDK 2.x
sends) gets 401, without `anthropic-version` or `max_tokens`
a 400. `GET /v1/models` lists `models` in pages (`limit`, `after_id`) and also takes a scripted `Fail`.
"""

from __future__ import annotations

import json
import socket
import struct
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.wire.base import WireServer

# ---- scripted behaviours ----------------------------------------------------------------------


@dataclass(frozen=True)
class Ok:
    text: str = "Hello from the wire server."
    chunks: int = 3
    input_tokens: int = 11
    output_tokens: int = 7
    stop_reason: str = "end_turn"


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
    def api_error(cls) -> Fail:
        return cls(500, "api_error", "Internal server error")

    @classmethod
    def overloaded(cls) -> Fail:
        return cls(529, "overloaded_error", "Overloaded")

    @classmethod
    def prompt_too_long(cls) -> Fail:
        return cls(400, "invalid_request_error", "prompt is too long: 212456 tokens > 200000 maximum")


@dataclass(frozen=True)
class Stall:
    seconds: float = 10.0
    after: int | None = None
    """None: before the response headers; N: after N streamed deltas."""
    reply: Ok = field(default_factory=lambda: Ok("one two three four ", chunks=4))


@dataclass(frozen=True)
class Reset:
    after: int = 0
    reply: Ok = field(default_factory=lambda: Ok("one two three four ", chunks=4))


@dataclass(frozen=True)
class Malformed:
    after: int = 0
    line: str = "event: content_block_delta\ndata: {not json"
    reply: Ok = field(default_factory=lambda: Ok("one two three four ", chunks=4))


@dataclass(frozen=True)
class ErrorEvent:
    after: int = 0
    type: str = "overloaded_error"
    message: str = "Overloaded"
    reply: Ok = field(default_factory=lambda: Ok("one two three four ", chunks=4))


@dataclass(frozen=True)
class Cut:
    after: int = 0
    reply: Ok = field(default_factory=lambda: Ok("one two three four ", chunks=4))


Fault = Stall | Reset | Malformed | ErrorEvent | Cut
Behaviour = Ok | Fail | Fault


@dataclass(frozen=True)
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    """Lower-cased names."""
    body: Any
    """The decoded JSON body (None for a GET)."""


def sent_key(headers: Any) -> str | None:
    """The API key a request carried: in `x-api-key` (the SDK before 2.x) or as a Bearer token in
    `Authorization` (the SDK 2.x sends it there). Header names in any case."""
    lowered = {name.lower(): value for name, value in headers.items()}
    if lowered.get("x-api-key"):
        return lowered["x-api-key"]
    scheme, _, token = (lowered.get("authorization") or "").partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def pieces(text: str, n: int) -> list[str]:
    """`text` in `n` non-empty consecutive pieces (fewer if the text is shorter)."""
    n = max(1, min(n, len(text))) if text else 0
    size, extra = divmod(len(text), n) if n else (0, 0)
    out, start = [], 0
    for i in range(n):
        end = start + size + (1 if i < extra else 0)
        out.append(text[start:end])
        start = end
    return out


# ---- the server -------------------------------------------------------------------------------

DEFAULT_MODELS = ("claude-sonnet-4-5-20250929", "claude-haiku-4-5-20251001", "claude-opus-4-1-20250805")


class AnthropicWireServer(WireServer):
    """A threaded HTTP server on 127.0.0.1 (a free port) with a script of behaviours.

    `base_url` is the host without `/v1`: the SDK adds it.
    """

    name = "anthropic"

    def __init__(self, models: tuple[str, ...] = DEFAULT_MODELS, page_size: int = 20) -> None:
        super().__init__()
        self.models = models
        self.page_size = page_size
        """Models per page of `GET /v1/models` when the request sets no `limit` (the API's is 20)."""

    def _next(self, recorded: Recorded) -> Behaviour:  # type: ignore[override]
        self._record(recorded)
        return super()._next()


class _Handler(BaseHTTPRequestHandler):
    wire: AnthropicWireServer
    protocol_version = "HTTP/1.1"  # chunked streaming and keep-alive, as the real API

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    # routing

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        recorded = self._recorded(None)
        if url.path != "/v1/models":
            self.wire._record(recorded)
            self._send_error(Fail(404, "not_found_error", f"Not found: GET {url.path}"))
            return
        behaviour = self.wire._next(recorded)
        if isinstance(behaviour, Fail):
            self._send_error(behaviour)
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
        self._send_json(200, payload)

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else {}
        except ValueError:
            body = None
        recorded = self._recorded(body)
        if urlsplit(self.path).path != "/v1/messages":
            self.wire._record(recorded)
            self._send_error(Fail(404, "not_found_error", f"Not found: POST {self.path}"))
            return
        behaviour = self.wire._next(recorded)
        if isinstance(behaviour, Fail):
            self._send_error(behaviour)
        elif self._refused():
            pass
        elif not isinstance(body, dict) or "max_tokens" not in body:
            problem = "max_tokens: Field required" if isinstance(body, dict) else "invalid JSON body"
            self._send_error(Fail(400, "invalid_request_error", problem))
        elif isinstance(behaviour, Stall) and behaviour.after is None:
            self.wire._wait(behaviour.seconds)
            self.close_connection = True
        elif body.get("stream"):
            self._stream(body, behaviour)
        else:
            assert isinstance(behaviour, Ok), f"{behaviour} needs a streaming request"
            self._send_json(200, self._message(body, behaviour, behaviour.text, behaviour.stop_reason))

    def _recorded(self, body: Any) -> Recorded:
        headers = {name.lower(): value for name, value in self.headers.items()}
        return Recorded(self.command, self.path, headers, body)

    def _refused(self) -> bool:
        """The checks the real API makes of every request's headers; True when it answered an error."""
        if not sent_key(self.headers):
            self._send_error(Fail(401, "authentication_error", "x-api-key header is required"))
            return True
        if not self.headers.get("anthropic-version"):
            self._send_error(Fail(400, "invalid_request_error", "anthropic-version: header is required"))
            return True
        return False

    # answers

    def _send_json(self, status: int, payload: Any, headers: tuple[tuple[str, str], ...] = ()) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("request-id", "req_wire")
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _send_error(self, fail: Fail) -> None:
        payload = {"type": "error", "error": {"type": fail.type, "message": fail.message}}
        self._send_json(fail.status, payload, fail.headers)

    @staticmethod
    def _message(body: dict[str, Any], ok: Ok, text: str | None, stop_reason: str | None) -> dict[str, Any]:
        content = [] if text is None else [{"type": "text", "text": text}]
        output_tokens = ok.output_tokens if text is not None else 1
        return {
            "id": "msg_wire",
            "type": "message",
            "role": "assistant",
            "model": body.get("model", ""),
            "content": content,
            "stop_reason": stop_reason,
            "stop_sequence": None,
            "usage": {"input_tokens": ok.input_tokens, "output_tokens": output_tokens},
        }

    def _stream(self, body: dict[str, Any], behaviour: Behaviour) -> None:
        ok = behaviour if isinstance(behaviour, Ok) else behaviour.reply
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("request-id", "req_wire")
        self.end_headers()

        self._event(
            "message_start", {"type": "message_start", "message": self._message(body, ok, None, None)}
        )
        block = {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}}
        self._event("content_block_start", block)
        self._event("ping", {"type": "ping"})
        parts = pieces(ok.text, ok.chunks)
        if not isinstance(behaviour, Ok):
            parts = parts[: behaviour.after]
        for piece in parts:
            delta = {
                "type": "content_block_delta",
                "index": 0,
                "delta": {"type": "text_delta", "text": piece},
            }
            self._event("content_block_delta", delta)
        if not isinstance(behaviour, Ok):
            self._fault(behaviour)
            return
        self._event("content_block_stop", {"type": "content_block_stop", "index": 0})
        end = {
            "type": "message_delta",
            "delta": {"stop_reason": ok.stop_reason, "stop_sequence": None},
            "usage": {"output_tokens": ok.output_tokens},
        }
        self._event("message_delta", end)
        self._event("message_stop", {"type": "message_stop"})
        self._chunk(b"")

    def _event(self, name: str, payload: dict[str, Any]) -> None:
        self._chunk(f"event: {name}\ndata: {json.dumps(payload)}\n\n".encode())

    def _chunk(self, data: bytes) -> None:
        """One HTTP/1.1 chunk (an empty one ends the body)."""
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()

    def _fault(self, behaviour: Fault) -> None:
        self.close_connection = True
        if isinstance(behaviour, Stall):
            self.wire._wait(behaviour.seconds)
        elif isinstance(behaviour, Malformed):
            self._chunk(behaviour.line.encode() + b"\n\n")
            self._chunk(b"")
        elif isinstance(behaviour, ErrorEvent):
            error = {"type": "error", "error": {"type": behaviour.type, "message": behaviour.message}}
            self._event("error", error)
            self._chunk(b"")
        elif isinstance(behaviour, Cut):
            self._chunk(b"")
        elif isinstance(behaviour, Reset):
            # SO_LINGER 0: close() sends RST, dropping the connection as a crashed peer would.
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.rfile.close()  # the last reference to the socket besides self.connection
            self.connection.close()


AnthropicWireServer.handler = _Handler
AnthropicWireServer.default = Ok
