"""A real HTTP server speaking OpenAI's chat completions protocol, for driving the real SDK.

    with OpenAIWireServer() as server:             # 127.0.0.1, a free port, in a thread
        server.script(Fail.rate_limit(7), Ok("Hello there", chunks=2))
        client = openai.OpenAI(base_url=server.base_url, api_key="sk-test")
        ...
        server.requests[0].headers["authorization"]  # what the client sent

Each request takes the next scripted behaviour (an empty script answers `Ok()`):
    Ok(text, chunks)          a JSON completion, or SSE: `chunks` deltas, a usage chunk when
                              `stream_options.include_usage`, then `data: [DONE]`; with
                              `reasoning` (deltas of `reasoning_content` or `reasoning` first),
                              `tool_calls` (`ToolCall`s after the text, each id and name first, then
                              its arguments in pieces) and `cached_tokens` in the usage
    Fail(status, ...)         an OpenAI-shaped error body `{"error": {"message", "type", "code"}}`;
                              `Fail.unauthorized()`, `Fail.rate_limit(retry_after)`,
                              `Fail.server_error()`, `Fail.bad_request()`, `Fail.context_too_long()`
    Stall, Reset, Malformed, Cut, KeepAlive   the faults every wire server shares (tests/wire/base.py);
                              keep-alives are SSE comments (`: keep-alive`), as OpenRouter sends
    HtmlOk, JsonInsteadOfStream   wrong answers to a stream request (tests/wire/base.py); the JSON is
                              a `chat.completion`

`GET {prefix}/models` lists `models`. Every request is recorded in `server.requests`, an unknown
path (answered 404) included.

The same protocol serves OpenRouter and other compatible servers: `prefix` picks the path
(`/v1` for OpenAI, `/api/v1` for OpenRouter).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from tests.wire.base import (
    INVALID_JSON,
    Cut,
    Event,
    HtmlOk,
    JsonInsteadOfStream,
    KeepAlive,
    Malformed,
    Recorded,
    Reset,
    Stall,
    WireHandler,
    WireServer,
    pieces,
)

__all__ = [
    "Cut",
    "Fail",
    "HtmlOk",
    "JsonInsteadOfStream",
    "KeepAlive",
    "Malformed",
    "Ok",
    "OpenAIWireServer",
    "Recorded",
    "Reset",
    "Stall",
    "ToolCall",
]

# ---- scripted behaviours ----------------------------------------------------------------------


@dataclass(frozen=True)
class ToolCall:
    """A function call in the answer, streamed as OpenAI does: the id and name, then `arguments` in
    two pieces."""

    id: str
    name: str
    arguments: str = "{}"


@dataclass(frozen=True)
class Ok:
    text: str = "Hello from the wire server."
    chunks: int = 3
    prompt_tokens: int | None = 11
    completion_tokens: int | None = 7
    finish_reason: str = "stop"
    tool_calls: tuple[ToolCall, ...] = ()
    reasoning: str | None = None
    """Streamed first, in `reasoning_field` deltas (DeepSeek's `reasoning_content`, OpenRouter's
    `reasoning`)."""
    reasoning_field: str = "reasoning_content"
    reasoning_details: tuple[dict[str, Any], ...] = ()
    """OpenRouter's `reasoning_details`, each streamed in two pieces (a text's halves) before the text."""
    cached_tokens: int | None = None
    """`usage.prompt_tokens_details.cached_tokens`."""


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
    def bad_request(cls, message: str = "Invalid value for 'temperature'.") -> Fail:
        return cls(400, message, "invalid_request_error")

    @classmethod
    def context_too_long(cls) -> Fail:
        message = (
            "This model's maximum context length is 8192 tokens. However, your messages resulted in "
            "9000 tokens. Please reduce the length of the messages."
        )
        return cls(400, message, "invalid_request_error", "context_length_exceeded")


Behaviour = Ok | Fail | Stall | Reset | Malformed | Cut | KeepAlive | HtmlOk | JsonInsteadOfStream


# ---- the server -------------------------------------------------------------------------------


class OpenAIWireServer(WireServer):
    """A threaded HTTP server on 127.0.0.1 (a free port) with a script of behaviours."""

    name = "openai"
    reply = Ok

    def __init__(self, prefix: str = "/v1", models: tuple[str, ...] = ("gpt-4o-mini", "gpt-4o")) -> None:
        super().__init__()
        self.prefix = prefix.rstrip("/")
        self.models = models

    @property
    def url_suffix(self) -> str:  # type: ignore[override]
        return self.prefix


class _Handler(WireHandler):
    wire: OpenAIWireServer
    fail_type = Fail
    stream_headers = (("Content-Type", "text/event-stream; charset=utf-8"), ("Cache-Control", "no-cache"))
    response_headers = (("x-request-id", "req_wire"),)

    def do_GET(self) -> None:
        self.record(None)
        if self.path.split("?")[0] != f"{self.wire.prefix}/models":
            self.send_fail(Fail(404, f"Unknown request URL: GET {self.path}.", "invalid_request_error"))
            return
        behaviour = self.listing_behaviour()
        if not isinstance(behaviour, Ok):
            self.answer(behaviour, streaming=False)
            return
        model = {"object": "model", "created": int(time.time()), "owned_by": "wire"}
        data = [{"id": name, **model} for name in self.wire.models]
        self.send_json(200, {"object": "list", "data": data})

    def do_POST(self) -> None:
        self.body = self.read_json()
        self.record(self.body)
        if self.path.split("?")[0] != f"{self.wire.prefix}/chat/completions":
            self.send_fail(Fail(404, f"Unknown request URL: POST {self.path}.", "invalid_request_error"))
        elif self.body is INVALID_JSON or not isinstance(self.body, dict):
            message = "We could not parse the JSON body of your request."
            self.send_fail(Fail(400, message, "invalid_request_error"))
        else:
            self.answer(self.wire.next(), streaming=bool(self.body.get("stream")))

    # the provider's parts

    def send_fail(self, fail: Fail) -> None:
        error = {"message": fail.message, "type": fail.type, "param": None, "code": fail.code}
        self.send_json(fail.status, {"error": error}, fail.headers)

    def whole(self, ok: Ok) -> dict[str, Any]:
        message: dict[str, Any] = {"role": "assistant", "content": ok.text}
        if ok.tool_calls:
            message["tool_calls"] = [
                {"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.arguments}}
                for c in ok.tool_calls
            ]
        if ok.reasoning:
            message[ok.reasoning_field] = ok.reasoning
        return {
            "id": "chatcmpl-wire",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": self.body.get("model", ""),
            "choices": [{"index": 0, "message": message, "finish_reason": ok.finish_reason}],
            "usage": _usage(ok),
        }

    def events(self, ok: Ok) -> Iterator[Event]:
        base = {
            "id": "chatcmpl-wire",
            "object": "chat.completion.chunk",
            "created": int(time.time()),
            "model": self.body.get("model", ""),
        }
        yield _event({**base, "choices": [_choice({"role": "assistant", "content": ""}, None)]})
        for piece in pieces(ok.reasoning or "", 2):
            yield _event({**base, "choices": [_choice({ok.reasoning_field: piece}, None)]})
        for index, detail in enumerate(ok.reasoning_details):
            for half in _halves({**detail, "index": index}):
                yield _event({**base, "choices": [_choice({"reasoning_details": [half]}, None)]})
        for piece in pieces(ok.text, ok.chunks):
            yield _event({**base, "choices": [_choice({"content": piece}, None)]}, text=True)
        for index, call in enumerate(ok.tool_calls):
            opening = {
                "index": index,
                "id": call.id,
                "type": "function",
                "function": {"name": call.name, "arguments": ""},
            }
            yield _event({**base, "choices": [_choice({"tool_calls": [opening]}, None)]})
            for piece in pieces(call.arguments, 2):
                more = {"index": index, "function": {"arguments": piece}}
                yield _event({**base, "choices": [_choice({"tool_calls": [more]}, None)]})
        yield _event({**base, "choices": [_choice({}, ok.finish_reason)]})
        if (self.body.get("stream_options") or {}).get("include_usage"):
            yield _event({**base, "choices": [], "usage": _usage(ok)})
        yield Event(b"data: [DONE]\n\n")


def _halves(detail: dict[str, Any]) -> list[dict[str, Any]]:
    """A reasoning detail as OpenRouter streams it: a text in two pieces, the rest with the last."""
    text = detail.get("text")
    if not isinstance(text, str) or len(text) < 2:
        return [detail]
    middle = len(text) // 2
    first = {"type": detail["type"], "index": detail["index"], "text": text[:middle]}
    return [first, {**detail, "text": text[middle:]}]


def _usage(ok: Ok) -> dict[str, Any] | None:
    if ok.prompt_tokens is None and ok.completion_tokens is None:
        return None
    total = (ok.prompt_tokens or 0) + (ok.completion_tokens or 0)
    counts: dict[str, Any] = {"prompt_tokens": ok.prompt_tokens, "completion_tokens": ok.completion_tokens}
    if ok.cached_tokens is not None:
        counts["prompt_tokens_details"] = {"cached_tokens": ok.cached_tokens}
    return {**counts, "total_tokens": total}


def _choice(delta: dict[str, Any], finish_reason: str | None) -> dict[str, Any]:
    return {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}


def _event(payload: dict[str, Any], text: bool = False) -> Event:
    return Event(b"data: " + json.dumps(payload).encode() + b"\n\n", text)


OpenAIWireServer.handler = _Handler
