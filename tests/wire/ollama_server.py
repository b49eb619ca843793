"""A real HTTP server speaking Ollama's API, for driving the real `ollama` SDK.

    with OllamaWireServer() as server:              # 127.0.0.1, a free port, in a thread
        server.script(Fail.model_not_found("llama3.2"), Ok("Hello there", chunks=2))
        client = ollama.Client(host=server.base_url)
        ...
        server.requests[0].body["options"]["num_ctx"]   # what the client sent

Endpoints, in Ollama's shapes:
    POST /api/chat    `stream` true (Ollama's default): NDJSON, one object a line with a piece of
                      `message.content` and `done: false`, then a last object with `done: true`,
                      `done_reason`, `prompt_eval_count`, `eval_count` and the durations;
                      `stream` false: one JSON object with the whole message and the same fields
    GET /api/tags     `{"models": [{"name", "model", "modified_at", "size", "digest", "details"}]}`
    errors            `{"error": "..."}` with the status

Each chat request takes the next scripted behaviour (an empty script answers `Ok()`):
    Ok(text, chunks)          the answer; with `thinking` (lines of `message.thinking` first) and
                              `tool_calls` (one line of whole calls after the text)
    Fail(status, error)       an error body; `Fail.model_not_found(name)` (404), `Fail.unauthorized()`,
                              `Fail.rate_limit(retry_after)`, `Fail.server_error()`, `Fail.bad_request()`
    ErrorLine(after, error)   stream `after` lines, then `{"error": ...}` (Ollama's mid-stream error)
    Stall, Reset, Malformed, Cut, KeepAlive   the faults every wire server shares
                              (tests/wire/base.py); `Cut` ends the body without the `done: true`
                              line; NDJSON has no keep-alive line, so `KeepAlive` is silence after
                              the headers (and after its pieces)
    HtmlOk, JsonInsteadOfStream   wrong answers to a stream request (tests/wire/base.py); the JSON is
                              the whole answer (`stream: false`'s form)
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

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
    pieces,
)

__all__ = [
    "Cut",
    "ErrorLine",
    "Fail",
    "HtmlOk",
    "JsonInsteadOfStream",
    "KeepAlive",
    "Malformed",
    "Ok",
    "OllamaWireServer",
    "Recorded",
    "Reset",
    "Stall",
]

# ---- scripted behaviours ----------------------------------------------------------------------


@dataclass(frozen=True)
class Ok:
    text: str = "Hello from the wire server."
    chunks: int = 3
    prompt_eval_count: int | None = 11
    eval_count: int | None = 7
    done_reason: str = "stop"
    tool_calls: tuple[tuple[str, dict[str, Any]], ...] = ()
    """(name, arguments) of each call, whole in one line after the text, as Ollama sends them."""
    thinking: str | None = None
    """Streamed first, in `message.thinking` (a thinking model asked to `think`)."""


@dataclass(frozen=True)
class Fail:
    status: int
    error: str = "internal server error"
    headers: tuple[tuple[str, str], ...] = ()

    @classmethod
    def model_not_found(cls, name: str) -> Fail:
        return cls(404, f"model '{name}' not found")

    @classmethod
    def server_error(cls, error: str = "llama runner process has terminated: exit status 2") -> Fail:
        return cls(500, error)

    @classmethod
    def unauthorized(cls, error: str = "unauthorized") -> Fail:
        return cls(401, error)

    @classmethod
    def rate_limit(cls, retry_after: float | str = 1) -> Fail:
        """429 as Ollama's cloud sends it (its SDK does not pass `Retry-After` on)."""
        return cls(429, "too many requests", (("Retry-After", str(retry_after)),))

    @classmethod
    def bad_request(cls, error: str = "invalid options: num_ctx must be a number") -> Fail:
        return cls(400, error)


@dataclass(frozen=True)
class ErrorLine(Fault):
    after: int = 1
    error: str = "an error was encountered while running the model: unexpected EOF"


Behaviour = Ok | Fail | ErrorLine | Stall | Reset | Malformed | Cut | KeepAlive | HtmlOk | JsonInsteadOfStream

DEFAULT_MODELS = ("llama3.2:3b", "qwen2.5-coder:7b")


# ---- the server -------------------------------------------------------------------------------


class OllamaWireServer(WireServer):
    """A threaded HTTP server on 127.0.0.1 (a free port) with a script of behaviours."""

    name = "ollama"
    reply = Ok

    def __init__(self, models: tuple[str, ...] = DEFAULT_MODELS) -> None:
        super().__init__()
        self.models = models


class _Handler(WireHandler):
    wire: OllamaWireServer
    fail_type = Fail
    stream_headers = (("Content-Type", "application/x-ndjson"),)
    malformed_event = b'{"model": "llama3.2:3b", "message": {"role": "assist\n'
    keep_alive = None  # NDJSON has no keep-alive line: a stalled Ollama sends nothing

    def do_GET(self) -> None:
        self.record(None)
        if self.path != "/api/tags":
            self.send_fail(Fail(404, "404 page not found"))
            return
        behaviour = self.listing_behaviour()
        if not isinstance(behaviour, Ok):
            self.answer(behaviour, streaming=False)
            return
        self.send_json(200, {"models": [_model_entry(name) for name in self.wire.models]})

    def do_POST(self) -> None:
        self.body = self.read_json()
        self.record(self.body)
        if self.body is INVALID_JSON:
            self.send_fail(Fail(400, "invalid character in request body"))
        elif self.path != "/api/chat":
            self.send_fail(Fail(404, "404 page not found"))
        else:
            behaviour = self.wire.next()
            if not isinstance(behaviour, Fail) and not self.body.get("model"):
                self.send_fail(Fail(400, "model is required"))
            else:
                self.answer(behaviour, streaming=self.body.get("stream", True) is not False)

    # the provider's parts

    def send_fail(self, fail: Fail) -> None:
        self.send_json(fail.status, {"error": fail.error}, fail.headers)

    def whole(self, ok: Ok) -> dict[str, Any]:
        message: dict[str, Any] = {"role": "assistant", "content": ok.text}
        if ok.tool_calls:
            message["tool_calls"] = _tool_calls(ok)
        if ok.thinking:
            message["thinking"] = ok.thinking
        return {**self._final(ok), "message": message}

    def events(self, ok: Ok) -> Iterator[Event]:
        for thought in pieces(ok.thinking or "", 2):
            message = {"role": "assistant", "content": "", "thinking": thought}
            yield _line(
                {"model": self.body["model"], "created_at": _now(), "message": message, "done": False}
            )
        for text in pieces(ok.text, ok.chunks):
            piece = {
                "model": self.body["model"],
                "created_at": _now(),
                "message": {"role": "assistant", "content": text},
                "done": False,
            }
            yield _line(piece, text=True)
        if ok.tool_calls:
            message = {"role": "assistant", "content": "", "tool_calls": _tool_calls(ok)}
            yield _line(
                {"model": self.body["model"], "created_at": _now(), "message": message, "done": False}
            )
        yield _line(self._final(ok))

    def fault(self, fault: Fault) -> None:
        if isinstance(fault, ErrorLine):
            self.chunk(_line({"error": fault.error}).data)
            self.chunk(b"")
            self.close_connection = True
        else:
            super().fault(fault)

    def _final(self, ok: Ok) -> dict[str, Any]:
        final: dict[str, Any] = {
            "model": self.body["model"],
            "created_at": _now(),
            "message": {"role": "assistant", "content": ""},
            "done": True,
            "done_reason": ok.done_reason,
            "total_duration": 912_000_000,
            "load_duration": 11_000_000,
            "prompt_eval_duration": 48_000_000,
            "eval_duration": 830_000_000,
        }
        if ok.prompt_eval_count is not None:  # Ollama leaves it out when the prompt came from its cache
            final["prompt_eval_count"] = ok.prompt_eval_count
        if ok.eval_count is not None:
            final["eval_count"] = ok.eval_count
        return final


def _tool_calls(ok: Ok) -> list[dict[str, Any]]:
    return [{"function": {"name": name, "arguments": arguments}} for name, arguments in ok.tool_calls]


def _line(payload: dict[str, Any], text: bool = False) -> Event:
    return Event(json.dumps(payload).encode() + b"\n", text)


def _now() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


def _model_entry(name: str) -> dict[str, Any]:
    return {
        "name": name,
        "model": name,
        "modified_at": "2025-01-15T10:21:07.123456789+01:00",
        "size": 2_019_393_189,
        "digest": "a80c4f17acd55265feec403c7aef86be0c25983ab279d83f3bcd3abbcb5b8b72",
        "details": {
            "parent_model": "",
            "format": "gguf",
            "family": "llama",
            "families": ["llama"],
            "parameter_size": "3.2B",
            "quantization_level": "Q4_K_M",
        },
    }


OllamaWireServer.handler = _Handler
