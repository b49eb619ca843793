"""A real HTTP server speaking the Gemini API (`generativelanguage`, v1beta), for driving the real SDK.

    with GeminiWireServer() as server:             # 127.0.0.1, a free port, in a thread
        server.script(Fail.rate_limit(retry_after=7), Ok("Hello there", chunks=2))
        client = genai.Client(api_key="AIza-test", http_options={"base_url": server.base_url,
                                                                 "api_version": "v1beta"})
        ...
        server.sent_key(server.requests[0])        # the `x-goog-api-key` header or `key` parameter

Routes, as the API has them:
    POST /v1beta/models/{model}:generateContent                  one JSON answer
    POST /v1beta/models/{model}:streamGenerateContent?alt=sse    SSE, `data: {json}\\r\\n\\r\\n` a chunk
                                                                 usageMetadata complete in the last
    GET  /v1beta/models?pageSize=&pageToken=                     `models` (at most `page_limit` a page)
A request without a key is refused (403 PERMISSION_DENIED) before the script is consulted.

Each generate request takes the next scripted behaviour (an empty script answers `Ok()`):
    Ok(text, chunks)        the answer in `chunks` pieces, finishReason STOP and usage at the end;
                            with `thought` (a thought part first, `thought_signature` on it),
                            `function_calls` (`FunctionCall` parts in a last chunk, with their
                            `thoughtSignature`) and `cached_tokens`
    Fail(code, ...)         a Google error body `{"error": {"code", "message", "status"[, "details"]}}`:
                            `Fail.unauthorized()` (401 UNAUTHENTICATED), `Fail.rate_limit()` (429,
                            RESOURCE_EXHAUSTED, RetryInfo, Retry-After), `Fail.server_error()`,
                            `Fail.bad_request()` and `Fail.context_too_long()` (400 INVALID_ARGUMENT),
                            `Fail.permission_denied()`, `Fail.not_found(model)`
    Blocked(after, prompt)  a safety block: `promptFeedback.blockReason` SAFETY and no candidates
                            (`prompt=True`), or `after` chunks then finishReason SAFETY with no text
    Stall, Reset, Malformed, Cut, KeepAlive   the faults every wire server shares
                            (tests/wire/base.py); `Cut` ends the body without a finishReason;
                            keep-alives are blank SSE lines (the SDK reads an SSE comment as a
                            chunk that is not JSON)
    HtmlOk, JsonInsteadOfStream   wrong answers to a stream request (tests/wire/base.py); the JSON is
                            a whole GenerateContentResponse
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.wire.base import (
    FAULT_CHUNKS,
    FAULT_TEXT,
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
    "Blocked",
    "Cut",
    "Fail",
    "FunctionCall",
    "GeminiWireServer",
    "HtmlOk",
    "JsonInsteadOfStream",
    "KeepAlive",
    "Malformed",
    "Ok",
    "Recorded",
    "Reset",
    "Stall",
]

VERSION = "v1beta"
QUOTA_METRIC = "generativelanguage.googleapis.com/generate_content_free_tier_requests"
QUOTA_ID = "GenerateRequestsPerMinutePerProjectPerModel-FreeTier"

# ---- scripted behaviours ----------------------------------------------------------------------


@dataclass(frozen=True)
class FunctionCall:
    """A `functionCall` part, whole in the last chunk, as Gemini sends it; `signature` is its
    `thoughtSignature` (base64), as Gemini 3 sends one on a call."""

    name: str
    args: dict[str, Any] = field(default_factory=dict)
    id: str | None = None
    signature: str | None = None


@dataclass(frozen=True)
class Ok:
    text: str = "Hello from the Gemini wire server."
    chunks: int = 3
    prompt_tokens: int | None = 11
    candidates_tokens: int | None = 7
    thoughts_tokens: int | None = None
    finish_reason: str = "STOP"
    function_calls: tuple[FunctionCall, ...] = ()
    thought: str | None = None
    """A thought summary (`thought: true` part), sent in the first chunk, before the text."""
    thought_signature: str | None = None
    """The thought part's `thoughtSignature`."""
    cached_tokens: int | None = None
    """`usageMetadata.cachedContentTokenCount`."""


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
    def unauthorized(
        cls,
        message: str = (
            "Request had invalid authentication credentials. Expected OAuth 2 access token, "
            "login cookie or other valid authentication credential."
        ),
    ) -> Fail:
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
    def bad_request(cls, message: str = "Invalid value at 'generation_config.temperature'.") -> Fail:
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
class Blocked(Fault):
    after: int = 0
    prompt: bool = False
    """True: the prompt itself is blocked (promptFeedback, no candidates)."""


Behaviour = Ok | Fail | Blocked | Stall | Reset | Malformed | Cut | KeepAlive | HtmlOk | JsonInsteadOfStream


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
    reply = Ok

    def __init__(
        self, models: tuple[tuple[str, tuple[str, ...]], ...] = DEFAULT_MODELS, page_limit: int = 2
    ) -> None:
        super().__init__()
        self.models = models
        self.page_limit = page_limit

    def sent_key(self, recorded: Recorded) -> str | None:
        """As the API reads it: the `x-goog-api-key` header, else the `key` query parameter."""
        if "x-goog-api-key" in recorded.headers:
            return recorded.headers["x-goog-api-key"]
        return (parse_qs(urlsplit(recorded.path).query).get("key") or [None])[0]


class _Handler(WireHandler):
    wire: GeminiWireServer
    fail_type = Fail
    malformed_event = b"data: {not json\r\n\r\n"
    keep_alive = b"\r\n"

    def do_GET(self) -> None:
        recorded = self.record(None)
        path = urlsplit(self.path).path
        if path != f"/{VERSION}/models":
            self.send_fail(Fail(404, f"Method not found: GET {path}", "NOT_FOUND"))
            return
        if not self._keyed(recorded):
            return
        behaviour = self.listing_behaviour()
        if not isinstance(behaviour, Ok):
            self.answer(behaviour, streaming=False)
            return
        query = parse_qs(urlsplit(self.path).query)
        size = min(int((query.get("pageSize") or ["50"])[0]), self.wire.page_limit)
        start = int((query.get("pageToken") or ["0"])[0])
        page = self.wire.models[start : start + size]
        payload: dict[str, Any] = {"models": [_model(name, methods) for name, methods in page]}
        if start + size < len(self.wire.models):
            payload["nextPageToken"] = str(start + size)
        self.send_json(200, payload)

    def do_POST(self) -> None:
        body = self.read_json()
        recorded = self.record(body)
        path = urlsplit(self.path).path
        self.model, _, method = path.removeprefix(f"/{VERSION}/models/").partition(":")
        if not path.startswith(f"/{VERSION}/models/") or method not in (
            "generateContent",
            "streamGenerateContent",
        ):
            self.send_fail(Fail(404, f"Method not found: POST {path}", "NOT_FOUND"))
        elif not self._keyed(recorded):
            pass
        elif body is INVALID_JSON or not isinstance(body, dict):
            self.send_fail(Fail(400, "Invalid JSON payload received.", "INVALID_ARGUMENT"))
        elif not body.get("contents"):
            problem = "* GenerateContentRequest.contents: contents is not specified"
            self.send_fail(Fail(400, problem, "INVALID_ARGUMENT"))
        else:
            self.answer(self.wire.next(), streaming=method == "streamGenerateContent")

    def _keyed(self, recorded: Recorded) -> bool:
        if self.wire.sent_key(recorded):
            return True
        message = (
            "Method doesn't allow unregistered callers (callers without established identity). "
            "Please use API Key or other form of API consumer identity to call this API."
        )
        self.send_fail(Fail(403, message, "PERMISSION_DENIED"))
        return False

    # the provider's parts

    def send_fail(self, fail: Fail) -> None:
        error: dict[str, Any] = {"code": fail.code, "message": fail.message, "status": fail.status}
        if fail.details:
            error["details"] = list(fail.details)
        self.send_json(fail.code, {"error": error}, fail.headers)

    def whole(self, ok: Ok) -> dict[str, Any]:
        answer = self._answer(ok.text, ok, final=True)
        extra = [_thought(ok)] if ok.thought else []
        extra += [_function_call(call) for call in ok.function_calls]
        if extra:
            content = answer["candidates"][0].setdefault("content", {"parts": [], "role": "model"})
            content["parts"] = extra + content["parts"]
        return answer

    def events(self, ok: Ok) -> Iterator[Event]:
        parts = pieces(ok.text, ok.chunks)
        if ok.thought:
            answer = self._answer(None, ok, final=False)
            answer["candidates"][0]["content"] = {"parts": [_thought(ok)], "role": "model"}
            yield _event(answer)
        for index, piece in enumerate(parts):
            final = index == len(parts) - 1 and not ok.function_calls
            yield _event(self._answer(piece, ok, final=final), text=True)
        if ok.function_calls:
            answer = self._answer(None, ok, final=True)
            calls = [_function_call(call) for call in ok.function_calls]
            answer["candidates"][0]["content"] = {"parts": calls, "role": "model"}
            yield _event(answer)
        elif not parts:  # an empty answer still ends with its finish reason and usage
            yield _event(self._answer(None, ok, final=True))

    def fault(self, fault: Fault) -> None:
        if not isinstance(fault, Blocked):
            super().fault(fault)
            return
        ok = Ok(FAULT_TEXT, FAULT_CHUNKS)
        if fault.prompt:
            feedback = {"blockReason": "SAFETY", "safetyRatings": _ratings()}
            payload = {"promptFeedback": feedback, "usageMetadata": _usage(ok, final=False)}
            self.chunk(_event({**payload, "modelVersion": self.model}).data)
        else:
            answer = self._answer(None, ok, final=True, finish_reason="SAFETY")
            answer["candidates"][0]["safetyRatings"] = _ratings()
            self.chunk(_event(answer).data)
        self.chunk(b"")

    def _answer(
        self, text: str | None, ok: Ok, final: bool, finish_reason: str | None = None
    ) -> dict[str, Any]:
        candidate: dict[str, Any] = {"index": 0}
        if text is not None:
            candidate["content"] = {"parts": [{"text": text}], "role": "model"}
        reason = finish_reason or (ok.finish_reason if final else None)
        if reason:
            candidate["finishReason"] = reason
        return {
            "candidates": [candidate],
            "usageMetadata": _usage(ok, final),
            "modelVersion": self.model,
            "responseId": "wire-response",
        }


def _thought(ok: Ok) -> dict[str, Any]:
    part: dict[str, Any] = {"text": ok.thought, "thought": True}
    if ok.thought_signature:
        part["thoughtSignature"] = ok.thought_signature
    return part


def _function_call(call: FunctionCall) -> dict[str, Any]:
    function: dict[str, Any] = {"name": call.name, "args": call.args}
    if call.id:
        function["id"] = call.id
    part: dict[str, Any] = {"functionCall": function}
    if call.signature:
        part["thoughtSignature"] = call.signature
    return part


def _model(name: str, methods: tuple[str, ...]) -> dict[str, Any]:
    return {
        "name": f"models/{name}",
        "version": "001",
        "displayName": name.replace("-", " ").title(),
        "inputTokenLimit": 1_048_576,
        "outputTokenLimit": 8192,
        "supportedGenerationMethods": list(methods),
    }


def _usage(ok: Ok, final: bool) -> dict[str, Any]:
    usage: dict[str, Any] = {}
    if ok.prompt_tokens is not None:
        usage["promptTokenCount"] = ok.prompt_tokens
    if final and ok.candidates_tokens is not None:
        usage["candidatesTokenCount"] = ok.candidates_tokens
    if final and ok.thoughts_tokens is not None:
        usage["thoughtsTokenCount"] = ok.thoughts_tokens
    if ok.cached_tokens is not None:
        usage["cachedContentTokenCount"] = ok.cached_tokens
    usage["totalTokenCount"] = sum(usage.values())
    return usage


def _ratings() -> list[dict[str, Any]]:
    return [
        {"category": "HARM_CATEGORY_DANGEROUS_CONTENT", "probability": "HIGH", "blocked": True},
        {"category": "HARM_CATEGORY_HARASSMENT", "probability": "NEGLIGIBLE"},
    ]


def _event(payload: dict[str, Any], text: bool = False) -> Event:
    return Event(b"data: " + json.dumps(payload).encode() + b"\r\n\r\n", text)


GeminiWireServer.handler = _Handler
