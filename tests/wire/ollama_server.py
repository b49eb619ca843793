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

Each request takes the next scripted behaviour (an empty script answers `Ok()`):
    Ok(text, chunks)          the answer (or, for /api/tags, the model list)
    Fail(status, error)       an error body; `Fail.model_not_found(name)` (404), `Fail.server_error()`
    Stall(after)              say nothing (before the headers, or after `after` lines) until the
                              server stops: longer than the client waits
    Reset(after)              stream `after` lines, then reset the connection (TCP RST)
    Malformed(after)          stream `after` lines, then a line that is not JSON
    ErrorLine(after, error)   stream `after` lines, then `{"error": ...}` (Ollama's mid-stream error)
    Truncated(after)          stream `after` lines, then end the body cleanly without `done: true`
"""

from __future__ import annotations

import json
import socket
import struct
import sys
import threading
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

# ---- scripted behaviours ----------------------------------------------------------------------


@dataclass(frozen=True)
class Ok:
    text: str = "Hello from the wire server."
    chunks: int = 3
    prompt_eval_count: int | None = 11
    eval_count: int | None = 7
    done_reason: str = "stop"


@dataclass(frozen=True)
class Fail:
    status: int
    error: str = "internal server error"

    @classmethod
    def model_not_found(cls, name: str) -> Fail:
        return cls(404, f"model '{name}' not found")

    @classmethod
    def server_error(cls, error: str = "llama runner process has terminated: exit status 2") -> Fail:
        return cls(500, error)


@dataclass(frozen=True)
class Stall:
    after: int = 0


@dataclass(frozen=True)
class Reset:
    after: int = 1


@dataclass(frozen=True)
class Malformed:
    after: int = 1


@dataclass(frozen=True)
class ErrorLine:
    after: int = 1
    error: str = "an error was encountered while running the model: unexpected EOF"


@dataclass(frozen=True)
class Truncated:
    after: int = 1


Behaviour = Ok | Fail | Stall | Reset | Malformed | ErrorLine | Truncated
_BREAKS = (Stall, Reset, Malformed, ErrorLine, Truncated)


@dataclass(frozen=True)
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: Any
    """The decoded JSON body (None for a GET)."""


DEFAULT_MODELS = ("llama3.2:3b", "qwen2.5-coder:7b")


# ---- the server -------------------------------------------------------------------------------


class OllamaWireServer:
    def __init__(self, models: tuple[str, ...] = DEFAULT_MODELS) -> None:
        self.models = models
        self.requests: list[Recorded] = []
        self._script: deque[Behaviour] = deque()
        self._lock = threading.Lock()
        self.stopping = threading.Event()
        self._httpd = _HTTPServer(("127.0.0.1", 0), _Handler)
        self._httpd.wire = self
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.05,), daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def script(self, *behaviours: Behaviour) -> None:
        with self._lock:
            self._script.extend(behaviours)

    def next_behaviour(self) -> Behaviour:
        with self._lock:
            return self._script.popleft() if self._script else Ok()

    def __enter__(self) -> OllamaWireServer:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stopping.set()  # ends any stall
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    wire: OllamaWireServer

    def handle_error(self, request: object, client_address: object) -> None:
        """A client that hangs up (after a fault it was sent) is expected; anything else is reported."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 5  # an idle keep-alive connection is closed, never left waiting

    @property
    def wire(self) -> OllamaWireServer:
        return self.server.wire  # type: ignore[attr-defined]  # the server is an _HTTPServer

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def do_GET(self) -> None:
        self._record(None)
        behaviour = self.wire.next_behaviour()
        if self.path != "/api/tags":
            return self._json(404, {"error": "404 page not found"})
        if isinstance(behaviour, Fail):
            return self._json(behaviour.status, {"error": behaviour.error})
        if isinstance(behaviour, Stall):
            self.wire.stopping.wait(10)
            return None
        self._json(200, {"models": [_model_entry(name) for name in self.wire.models]})

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            return self._json(400, {"error": "invalid character in request body"})
        self._record(body)
        behaviour = self.wire.next_behaviour()
        if self.path != "/api/chat":
            return self._json(404, {"error": "404 page not found"})
        if isinstance(behaviour, Fail):
            return self._json(behaviour.status, {"error": behaviour.error})
        if not body.get("model"):
            return self._json(400, {"error": "model is required"})
        model = body["model"]
        if isinstance(behaviour, Stall) and behaviour.after == 0:
            self.wire.stopping.wait(10)  # no headers, nothing: the client's timeout decides
            self.close_connection = True
            return None
        ok = behaviour if isinstance(behaviour, Ok) else Ok()
        if body.get("stream", True) is False:
            final = _final(model, ok)
            final["message"] = {"role": "assistant", "content": ok.text}
            return self._json(200, final)
        self._stream(model, ok, behaviour)
        return None

    def _stream(self, model: str, ok: Ok, behaviour: Behaviour) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/x-ndjson")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        lines = [_piece(model, text) for text in _split(ok.text, ok.chunks)]
        if isinstance(behaviour, _BREAKS):
            lines = lines[: behaviour.after]
        else:
            lines.append(_final(model, ok))
        for line in lines:
            self._chunk(json.dumps(line).encode() + b"\n")
        if isinstance(behaviour, Stall):
            self.wire.stopping.wait(10)
            self.close_connection = True
            return
        if isinstance(behaviour, Reset):
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()  # with linger 0: a TCP RST, not a clean end
            self.close_connection = True
            return
        if isinstance(behaviour, Malformed):
            self._chunk(b'{"model": "' + model.encode() + b'", "message": {"role": "assist\n')
        elif isinstance(behaviour, ErrorLine):
            self._chunk(json.dumps({"error": behaviour.error}).encode() + b"\n")
        self._chunk(b"")  # the last chunk: the body ends cleanly

    def _chunk(self, data: bytes) -> None:
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()

    def _json(self, status: int, payload: object) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _record(self, body: Any) -> None:
        self.wire.requests.append(
            Recorded(self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, body)
        )


def _split(text: str, chunks: int) -> list[str]:
    size = max(1, -(-len(text) // max(1, chunks)))
    return [text[i : i + size] for i in range(0, len(text), size)]


def _now() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


def _piece(model: str, text: str) -> dict[str, Any]:
    return {
        "model": model,
        "created_at": _now(),
        "message": {"role": "assistant", "content": text},
        "done": False,
    }


def _final(model: str, ok: Ok) -> dict[str, Any]:
    final: dict[str, Any] = {
        "model": model,
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
