"""A real HTTP server speaking the Gemini API (`generativelanguage`, v1beta), for driving the real SDK.

    with GeminiWireServer() as server:             # 127.0.0.1, a free port, in a thread
        server.script(Fail.rate_limit(retry_after=7), Ok("Hello there", chunks=2))
        client = genai.Client(api_key="AIza-test", http_options={"base_url": server.base_url,
                                                                 "api_version": "v1beta"})
        ...
        server.requests[0].api_key                 # the `x-goog-api-key` header or `key` parameter

Routes, as the API has them:
    POST /v1beta/models/{model}:generateContent                  one JSON answer
    POST /v1beta/models/{model}:streamGenerateContent?alt=sse    SSE, `data: {json}\\r\\n\\r\\n` a chunk
                                                                 usageMetadata complete in the last
    GET  /v1beta/models?pageSize=&pageToken=                     `models` (at most `page_limit` a page)
A request without a key is refused (403 PERMISSION_DENIED) before the script is consulted.

Each generate request takes the next scripted behaviour (an empty script answers `Ok()`); a models
request takes one only if it is a `Fail`:
    Ok(text, chunks)        the answer in `chunks` pieces, finishReason STOP and usage at the end
    Fail(code, ...)         a Google error body `{"error": {"code", "message", "status"[, "details"]}}`:
                            `Fail.rate_limit()` (429, RESOURCE_EXHAUSTED, RetryInfo, Retry-After),
                            `Fail.server_error()`, `Fail.unauthenticated()`, `Fail.permission_denied()`,
                            `Fail.context_too_long()`, `Fail.not_found(model)`
    Stall(seconds, after)   say nothing (before the headers, or after `after` chunks) for longer than
                            the client waits; cut short when the server stops
    Reset(after)            stream `after` chunks, then reset the connection (TCP RST)
    Malformed(after)        stream `after` chunks, then an event whose data is not JSON
    Blocked(after, prompt)  a safety block: `promptFeedback.blockReason` SAFETY and no candidates
                            (`prompt=True`), or `after` chunks then finishReason SAFETY with no text
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

VERSION = "v1beta"
QUOTA_METRIC = "generativelanguage.googleapis.com/generate_content_free_tier_requests"
QUOTA_ID = "GenerateRequestsPerMinutePerProjectPerModel-FreeTier"

# ---- scripted behaviours ----------------------------------------------------------------------


@dataclass(frozen=True)
class Ok:
    text: str = "Hello from the Gemini wire server."
    chunks: int = 3
    prompt_tokens: int | None = 11
    candidates_tokens: int | None = 7
    thoughts_tokens: int | None = None
    finish_reason: str = "STOP"


@dataclass(frozen=True)
class Fail:
    code: int
    message: str = "An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting"
    status: str = "INTERNAL"
    details: tuple[dict[str, Any], ...] = ()
    headers: tuple[tuple[str, str], ...] = ()

    @classmethod
    def server_error(cls) -> Fail:
        return cls(500)

    @classmethod
    def rate_limit(cls, retry_after: float | None = None, retry_delay: str | None = "2s") -> Fail:
        """429 RESOURCE_EXHAUSTED with a RetryInfo detail (`retry_delay`) and, if given, `Retry-After`."""
        details: list[dict[str, Any]] = [
            {
                "@type": "type.googleapis.com/google.rpc.QuotaFailure",
                "violations": [{"quotaMetric": QUOTA_METRIC, "quotaId": QUOTA_ID}],
            },
            {
                "@type": "type.googleapis.com/google.rpc.Help",
                "links": [
                    {
                        "description": "Learn more about Gemini API quotas",
                        "url": "https://ai.google.dev/gemini-api/docs/rate-limits",
                    }
                ],
            },
        ]
        if retry_delay is not None:
            details.append({"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": retry_delay})
        headers = (("Retry-After", str(retry_after)),) if retry_after is not None else ()
        message = (
            "You exceeded your current quota, please check your plan and billing details. "
            "For more information on this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits."
        )
        return cls(429, message, "RESOURCE_EXHAUSTED", tuple(details), headers)

    @classmethod
    def unauthenticated(cls) -> Fail:
        message = (
            "Request had invalid authentication credentials. Expected OAuth 2 access token, "
            "login cookie or other valid authentication credential."
        )
        return cls(401, message, "UNAUTHENTICATED")

    @classmethod
    def permission_denied(cls, message: str = "API key not valid. Please pass a valid API key.") -> Fail:
        detail = {
            "@type": "type.googleapis.com/google.rpc.ErrorInfo",
            "reason": "API_KEY_INVALID",
            "domain": "googleapis.com",
            "metadata": {"service": "generativelanguage.googleapis.com"},
        }
        return cls(403, message, "PERMISSION_DENIED", (detail,))

    @classmethod
    def context_too_long(cls, count: int = 1_200_000, limit: int = 1_048_576) -> Fail:
        message = f"The input token count ({count}) exceeds the maximum number of tokens allowed ({limit})."
        return cls(400, message, "INVALID_ARGUMENT")

    @classmethod
    def invalid_argument(cls, message: str = "Invalid value at 'generation_config.temperature'.") -> Fail:
        return cls(400, message, "INVALID_ARGUMENT")

    @classmethod
    def not_found(cls, model: str = "gemini-0-nope") -> Fail:
        message = (
            f"models/{model} is not found for API version {VERSION}, or is not supported for "
            "generateContent. Call ListModels to see the list of available models and their "
            "supported methods."
        )
        return cls(404, message, "NOT_FOUND")


@dataclass(frozen=True)
class Stall:
    seconds: float = 5.0
    after: int | None = None
    """None: before the response headers; N: after N streamed chunks."""
    reply: Ok = field(default_factory=Ok)


@dataclass(frozen=True)
class Reset:
    after: int = 0
    reply: Ok = field(default_factory=lambda: Ok("one two six ten ", chunks=4))


@dataclass(frozen=True)
class Malformed:
    after: int = 0
    line: str = "data: {not json"
    reply: Ok = field(default_factory=lambda: Ok("one two six ten ", chunks=4))


@dataclass(frozen=True)
class Blocked:
    after: int = 0
    prompt: bool = False
    """True: the prompt itself is blocked (promptFeedback, no candidates)."""
    reply: Ok = field(default_factory=lambda: Ok("one two six ten ", chunks=4))


Behaviour = Ok | Fail | Stall | Reset | Malformed | Blocked


@dataclass(frozen=True)
class Recorded:
    method: str
    path: str
    """The path with its query, as sent."""
    headers: dict[str, str]
    """Lower-cased names."""
    body: Any
    """The decoded JSON body (None for a GET)."""

    @property
    def api_key(self) -> str | None:
        """The key as the API reads it: the `x-goog-api-key` header, else the `key` query parameter."""
        if "x-goog-api-key" in self.headers:
            return self.headers["x-goog-api-key"]
        return (parse_qs(urlsplit(self.path).query).get("key") or [None])[0]


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


DEFAULT_MODELS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("gemini-2.0-flash", ("generateContent", "countTokens", "createCachedContent")),
    ("gemini-2.5-pro", ("generateContent", "countTokens")),
    ("text-embedding-004", ("embedContent",)),
    ("gemini-2.5-flash", ("generateContent", "countTokens")),
)
"""Model names and their supportedGenerationMethods."""


# ---- the server -------------------------------------------------------------------------------


class GeminiWireServer(WireServer):
    """A threaded HTTP server on 127.0.0.1 (a free port) with a script of behaviours.

    `base_url` is the host root, as the SDK wants it (it appends `/v1beta/...` itself).
    """

    name = "gemini"

    def __init__(
        self, models: tuple[tuple[str, tuple[str, ...]], ...] = DEFAULT_MODELS, page_limit: int = 2
    ) -> None:
        super().__init__()
        self.models = models
        self.page_limit = page_limit

    def _next(self, fail_only: bool = False) -> Behaviour:  # type: ignore[override]
        with self._lock:
            if self._script and (not fail_only or isinstance(self._script[0], Fail)):
                return self._script.popleft()
            return Ok()


class _Handler(BaseHTTPRequestHandler):
    wire: GeminiWireServer
    protocol_version = "HTTP/1.1"  # chunked streaming and keep-alive, as the real API

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    # routing

    def do_GET(self) -> None:
        recorded = self._recorded(None)
        self.wire._record(recorded)
        path = urlsplit(self.path).path
        if path != f"/{VERSION}/models":
            self._send_error(Fail(404, f"Method not found: GET {path}", "NOT_FOUND"))
            return
        if not self._keyed(recorded):
            return
        behaviour = self.wire._next(fail_only=True)
        if isinstance(behaviour, Fail):
            self._send_error(behaviour)
            return
        query = parse_qs(urlsplit(self.path).query)
        size = min(int((query.get("pageSize") or ["50"])[0]), self.wire.page_limit)
        start = int((query.get("pageToken") or ["0"])[0])
        page = self.wire.models[start : start + size]
        payload: dict[str, Any] = {"models": [self._model(name, methods) for name, methods in page]}
        if start + size < len(self.wire.models):
            payload["nextPageToken"] = str(start + size)
        self._send_json(200, payload)

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else {}
        except ValueError:
            body = None
        recorded = self._recorded(body)
        self.wire._record(recorded)
        path = urlsplit(self.path).path
        model, _, method = path.removeprefix(f"/{VERSION}/models/").partition(":")
        if not path.startswith(f"/{VERSION}/models/") or method not in (
            "generateContent",
            "streamGenerateContent",
        ):
            self._send_error(Fail(404, f"Method not found: POST {path}", "NOT_FOUND"))
            return
        if not self._keyed(recorded):
            return
        if not isinstance(body, dict):
            self._send_error(Fail(400, "Invalid JSON payload received.", "INVALID_ARGUMENT"))
            return
        if not body.get("contents"):
            self._send_error(
                Fail(400, "* GenerateContentRequest.contents: contents is not specified", "INVALID_ARGUMENT")
            )
            return
        behaviour = self.wire._next()
        if isinstance(behaviour, Fail):
            self._send_error(behaviour)
        elif isinstance(behaviour, Stall) and behaviour.after is None:
            self.wire._wait(behaviour.seconds)
            self.close_connection = True
        elif method == "streamGenerateContent":
            self._stream(model, behaviour)
        else:
            assert isinstance(behaviour, Ok), f"{behaviour} needs a streaming request"
            self._send_json(200, self._answer(model, behaviour.text, behaviour, final=True))

    def _recorded(self, body: Any) -> Recorded:
        headers = {name.lower(): value for name, value in self.headers.items()}
        return Recorded(self.command, self.path, headers, body)

    def _keyed(self, recorded: Recorded) -> bool:
        if recorded.api_key:
            return True
        message = (
            "Method doesn't allow unregistered callers (callers without established identity). "
            "Please use API Key or other form of API consumer identity to call this API."
        )
        self._send_error(Fail(403, message, "PERMISSION_DENIED"))
        return False

    # answers

    @staticmethod
    def _model(name: str, methods: tuple[str, ...]) -> dict[str, Any]:
        return {
            "name": f"models/{name}",
            "version": "001",
            "displayName": name.replace("-", " ").title(),
            "inputTokenLimit": 1_048_576,
            "outputTokenLimit": 8192,
            "supportedGenerationMethods": list(methods),
        }

    def _send_json(self, status: int, payload: Any, headers: tuple[tuple[str, str], ...] = ()) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _send_error(self, fail: Fail) -> None:
        error: dict[str, Any] = {"code": fail.code, "message": fail.message, "status": fail.status}
        if fail.details:
            error["details"] = list(fail.details)
        self._send_json(fail.code, {"error": error}, fail.headers)

    @staticmethod
    def _usage(ok: Ok, final: bool) -> dict[str, Any]:
        usage: dict[str, Any] = {}
        if ok.prompt_tokens is not None:
            usage["promptTokenCount"] = ok.prompt_tokens
        if final and ok.candidates_tokens is not None:
            usage["candidatesTokenCount"] = ok.candidates_tokens
        if final and ok.thoughts_tokens is not None:
            usage["thoughtsTokenCount"] = ok.thoughts_tokens
        usage["totalTokenCount"] = sum(v for k, v in usage.items() if k != "totalTokenCount")
        return usage

    def _answer(
        self, model: str, text: str | None, ok: Ok, final: bool, finish_reason: str | None = None
    ) -> dict[str, Any]:
        candidate: dict[str, Any] = {"index": 0}
        if text is not None:
            candidate["content"] = {"parts": [{"text": text}], "role": "model"}
        reason = finish_reason or (ok.finish_reason if final else None)
        if reason:
            candidate["finishReason"] = reason
        return {
            "candidates": [candidate],
            "usageMetadata": self._usage(ok, final),
            "modelVersion": model,
            "responseId": "wire-response",
        }

    def _stream(self, model: str, behaviour: Behaviour) -> None:
        ok = behaviour if isinstance(behaviour, Ok) else behaviour.reply
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()

        if isinstance(behaviour, Blocked) and behaviour.prompt:
            self._event(
                {
                    "promptFeedback": {"blockReason": "SAFETY", "safetyRatings": self._ratings()},
                    "usageMetadata": self._usage(ok, final=False),
                    "modelVersion": model,
                }
            )
            self._chunk(b"")
            return
        parts = pieces(ok.text, ok.chunks)
        if not isinstance(behaviour, Ok):
            parts = parts[: behaviour.after]
        for index, piece in enumerate(parts):
            final = isinstance(behaviour, Ok) and index == len(parts) - 1
            self._event(self._answer(model, piece, ok, final))
        if isinstance(behaviour, Blocked):
            answer = self._answer(model, None, ok, final=True, finish_reason="SAFETY")
            answer["candidates"][0]["safetyRatings"] = self._ratings()
            self._event(answer)
            self._chunk(b"")
        elif isinstance(behaviour, Ok):
            if not parts:  # an empty answer still ends with its finish reason and usage
                self._event(self._answer(model, None, ok, final=True))
            self._chunk(b"")
        else:
            self._fault(behaviour)

    @staticmethod
    def _ratings() -> list[dict[str, Any]]:
        return [
            {"category": "HARM_CATEGORY_DANGEROUS_CONTENT", "probability": "HIGH", "blocked": True},
            {"category": "HARM_CATEGORY_HARASSMENT", "probability": "NEGLIGIBLE"},
        ]

    def _event(self, payload: dict[str, Any]) -> None:
        self._chunk(b"data: " + json.dumps(payload).encode() + b"\r\n\r\n")

    def _chunk(self, data: bytes) -> None:
        """One HTTP/1.1 chunk (an empty one ends the body)."""
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()

    def _fault(self, behaviour: Behaviour) -> None:
        self.close_connection = True
        if isinstance(behaviour, Stall):
            self.wire._wait(behaviour.seconds)
        elif isinstance(behaviour, Malformed):
            self._chunk(behaviour.line.encode() + b"\r\n\r\n")
            self._chunk(b"")
        elif isinstance(behaviour, Reset):
            # SO_LINGER 0: close() sends RST, dropping the connection as a crashed peer would.
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.rfile.close()  # the last reference to the socket besides self.connection
            self.connection.close()


GeminiWireServer.handler = _Handler
GeminiWireServer.default = Ok
