"""A real HTTP server speaking OpenAI's chat completions protocol, for driving the real SDK.

    with OpenAIWireServer() as server:             # 127.0.0.1, a free port, in a thread
        server.script(Fail.rate_limit(7), Ok("Hello there", chunks=2))
        client = openai.OpenAI(base_url=server.base_url, api_key="sk-test")
        ...
        server.requests[0].headers["authorization"]  # what the client sent

Each request takes the next scripted behaviour (an empty script answers `Ok()`):
    Ok(text, chunks)          a JSON completion, or SSE: `chunks` deltas, a usage chunk when
                              `stream_options.include_usage`, then `data: [DONE]`
    Fail(status, ...)         an OpenAI-shaped error body `{"error": {"message", "type", "code"}}`;
                              `Fail.server_error()`, `Fail.rate_limit(retry_after)`,
                              `Fail.unauthorized()`, `Fail.context_length_exceeded()`
    Stall(seconds, after)     say nothing (before the headers, or after `after` chunks) for longer
                              than the client waits; cut short when the server stops
    Reset(after)              stream `after` chunks, then reset the connection (TCP RST)
    Malformed(after)          stream `after` chunks, then an event whose data is not JSON

`GET {prefix}/models` lists `models`; of the script it honours only `Fail`. Every request is
recorded in `server.requests`, an unknown path (answered 404) included.

The same protocol serves OpenRouter and other compatible servers: `prefix` picks the path
(`/v1` for OpenAI, `/api/v1` for OpenRouter).
"""

from __future__ import annotations

import json
import socket
import struct
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Any

from tests.wire.base import WireServer

# ---- scripted behaviours ----------------------------------------------------------------------


@dataclass(frozen=True)
class Ok:
    text: str = "Hello from the wire server."
    chunks: int = 3
    prompt_tokens: int | None = 11
    completion_tokens: int | None = 7
    finish_reason: str = "stop"


@dataclass(frozen=True)
class Fail:
    status: int
    message: str = "The server had an error while processing your request."
    type: str = "server_error"
    code: str | None = None
    headers: tuple[tuple[str, str], ...] = ()

    @classmethod
    def server_error(cls, message: str = "The server had an error while processing your request.") -> Fail:
        return cls(500, message, "server_error")

    @classmethod
    def rate_limit(cls, retry_after: float | str = 1) -> Fail:
        """429 with `Retry-After` (seconds, or an HTTP date as a string)."""
        headers = (("Retry-After", str(retry_after)),)
        return cls(429, "Rate limit reached for requests.", "requests", "rate_limit_exceeded", headers)

    @classmethod
    def unauthorized(cls, message: str = "Incorrect API key provided.") -> Fail:
        return cls(401, message, "invalid_request_error", "invalid_api_key")

    @classmethod
    def context_length_exceeded(cls) -> Fail:
        message = (
            "This model's maximum context length is 8192 tokens. However, your messages resulted in "
            "9000 tokens. Please reduce the length of the messages."
        )
        return cls(400, message, "invalid_request_error", "context_length_exceeded")


FAULT_REPLY = Ok("one two three four ", chunks=4)
"""What a stream that fails part-way sends before failing: pieces "one t", "wo th", "ree f", "our "."""


@dataclass(frozen=True)
class Stall:
    seconds: float = 10.0
    after: int | None = None
    """None: before the response headers; N: after N streamed chunks."""
    reply: Ok = FAULT_REPLY


@dataclass(frozen=True)
class Reset:
    after: int = 0
    reply: Ok = FAULT_REPLY


@dataclass(frozen=True)
class Malformed:
    after: int = 0
    line: str = "data: {not json"
    reply: Ok = FAULT_REPLY


Behaviour = Ok | Fail | Stall | Reset | Malformed


@dataclass(frozen=True)
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    """Lower-cased names."""
    body: Any
    """The decoded JSON body (None for a GET)."""


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


class OpenAIWireServer(WireServer):
    """A threaded HTTP server on 127.0.0.1 (a free port) with a script of behaviours."""

    name = "openai"

    def __init__(self, prefix: str = "/v1", models: tuple[str, ...] = ("gpt-4o-mini", "gpt-4o")) -> None:
        super().__init__()
        self.prefix = prefix.rstrip("/")
        self.models = models

    @property
    def url_suffix(self) -> str:  # type: ignore[override]
        return self.prefix


class _Handler(BaseHTTPRequestHandler):
    wire: OpenAIWireServer
    protocol_version = "HTTP/1.1"  # chunked streaming and keep-alive, as the real API

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    # routing

    def do_GET(self) -> None:
        self._record(None)
        if self.path.split("?")[0] != f"{self.wire.prefix}/models":
            self._send_error(Fail(404, f"Unknown request URL: GET {self.path}.", "invalid_request_error"))
            return
        behaviour = self.wire._next()
        if isinstance(behaviour, Fail):
            self._send_error(behaviour)
            return
        model = {"object": "model", "created": int(time.time()), "owned_by": "wire"}
        data = [{"id": name, **model} for name in self.wire.models]
        self._send_json(200, {"object": "list", "data": data})

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else {}
        except ValueError:
            body = None
        self._record(body)
        if self.path.split("?")[0] != f"{self.wire.prefix}/chat/completions":
            self._send_error(Fail(404, f"Unknown request URL: POST {self.path}.", "invalid_request_error"))
            return
        if not isinstance(body, dict):
            message = "We could not parse the JSON body of your request."
            self._send_error(Fail(400, message, "invalid_request_error"))
            return
        behaviour = self.wire._next()
        if isinstance(behaviour, Fail):
            self._send_error(behaviour)
        elif isinstance(behaviour, Stall) and behaviour.after is None:
            self.wire._wait(behaviour.seconds)
            self.close_connection = True
        elif body.get("stream"):
            self._stream(body, behaviour)
        else:
            assert isinstance(behaviour, Ok), f"{behaviour} needs a streaming request"
            self._send_json(200, self._completion(body, behaviour))

    def _record(self, body: Any) -> None:
        headers = {name.lower(): value for name, value in self.headers.items()}
        self.wire._record(Recorded(self.command, self.path, headers, body))

    # answers

    def _send_json(self, status: int, payload: Any, headers: tuple[tuple[str, str], ...] = ()) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-request-id", "req_wire")
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _send_error(self, fail: Fail) -> None:
        error = {"message": fail.message, "type": fail.type, "param": None, "code": fail.code}
        self._send_json(fail.status, {"error": error}, fail.headers)

    def _completion(self, body: dict[str, Any], ok: Ok) -> dict[str, Any]:
        return {
            "id": "chatcmpl-wire",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body.get("model", ""),
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": ok.text},
                    "finish_reason": ok.finish_reason,
                }
            ],
            "usage": self._usage(ok),
        }

    @staticmethod
    def _usage(ok: Ok) -> dict[str, Any] | None:
        if ok.prompt_tokens is None and ok.completion_tokens is None:
            return None
        total = (ok.prompt_tokens or 0) + (ok.completion_tokens or 0)
        return {
            "prompt_tokens": ok.prompt_tokens,
            "completion_tokens": ok.completion_tokens,
            "total_tokens": total,
        }

    def _stream(self, body: dict[str, Any], behaviour: Behaviour) -> None:
        ok = behaviour if isinstance(behaviour, Ok) else behaviour.reply
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("x-request-id", "req_wire")
        self.end_headers()

        model = body.get("model", "")
        base = {"id": "chatcmpl-wire", "object": "chat.completion.chunk", "created": int(time.time())}
        base["model"] = model
        self._event({**base, "choices": [self._choice({"role": "assistant", "content": ""}, None)]})
        parts = pieces(ok.text, ok.chunks)
        if not isinstance(behaviour, Ok):
            parts = parts[: behaviour.after]
        for piece in parts:
            self._event({**base, "choices": [self._choice({"content": piece}, None)]})
        if not isinstance(behaviour, Ok):
            self._fault(behaviour)
            return
        self._event({**base, "choices": [self._choice({}, ok.finish_reason)]})
        if (body.get("stream_options") or {}).get("include_usage"):
            self._event({**base, "choices": [], "usage": self._usage(ok)})
        self._chunk(b"data: [DONE]\n\n")
        self._chunk(b"")

    @staticmethod
    def _choice(delta: dict[str, Any], finish_reason: str | None) -> dict[str, Any]:
        return {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}

    def _event(self, payload: dict[str, Any]) -> None:
        self._chunk(b"data: " + json.dumps(payload).encode() + b"\n\n")

    def _chunk(self, data: bytes) -> None:
        """One HTTP/1.1 chunk (an empty one ends the body)."""
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()

    def _fault(self, behaviour: Behaviour) -> None:
        self.close_connection = True
        if isinstance(behaviour, Stall):
            self.wire._wait(behaviour.seconds)
        elif isinstance(behaviour, Malformed):
            self._chunk(behaviour.line.encode() + b"\n\n")
            self._chunk(b"")
        elif isinstance(behaviour, Reset):
            # SO_LINGER 0: close() sends RST, dropping the connection as a crashed peer would.
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.rfile.close()  # the last reference to the socket besides self.connection
            self.connection.close()


OpenAIWireServer.handler = _Handler
OpenAIWireServer.default = Ok
