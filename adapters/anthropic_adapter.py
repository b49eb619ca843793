"""Anthropic's Messages protocol (endpoint kind "anthropic") on the official `anthropic` SDK.

The SDK does the HTTP; it is imported on the first call, never at import time. Its own retries are
off (`max_retries=0`): the executor retries. System messages go in `system=`, the others in
`messages=`; `max_tokens`, which Anthropic requires, defaults to `DEFAULT_MAX_TOKENS`.

Errors: `map_error` is the one place exceptions become `AdapterError`s, by exception type
(`SDK_ERRORS`, an SDK class mapping as its nearest listed ancestor; `TRANSPORT_ERRORS` for what
the HTTP library raises while a stream is read) and, for the generic status error (an `error`
event inside a stream), by the error body's `type` (`ERROR_TYPES`). A failure after the first
chunk reached the caller is always `StreamBroken`, as is a stream that ends without `message_stop`.
A 200 that is no event stream is `Unavailable`, except a whole `message`, which is read as the answer
(answers.py); the first token and each pause are bounded by the endpoint's deadlines (deadline.py;
`ping` events do not count as progress).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator, Mapping
from functools import cache, lru_cache
from typing import TYPE_CHECKING, Any

from promptls.adapters.answers import SSE, WHOLE_JSON, answer_form, not_an_answer, origin
from promptls.adapters.base import ChatRequest, Chunk, Done, Endpoint, Usage
from promptls.adapters.deadline import StreamWatch
from promptls.adapters.errors import (
    AdapterError,
    AuthError,
    BadRequest,
    ContentFiltered,
    ContextTooLong,
    MissingKey,
    RateLimited,
    StreamBroken,
    Timeout,
    Unavailable,
    from_status,
    retry_after_from_headers,
)
from promptls.adapters.keys import missing_key_message

if TYPE_CHECKING:
    import anthropic

DEFAULT_BASE_URL = "https://api.anthropic.com"
"""Where the SDK sends requests when the endpoint names no base URL (for messages only)."""

DEFAULT_MAX_TOKENS = 4096
"""`max_tokens` when the prompt sets none: Anthropic refuses a request without it."""

BODY_PARAMS = frozenset({"temperature", "top_p", "top_k"})
"""promptls parameters sent in the request body under the same name. Through `extra_body`, not as SDK
arguments: the SDK 2.x dropped these arguments (its API version no longer lists them), while the
body is the same for every SDK. `max_tokens` and `stop` (as `stop_sequences`) are SDK arguments."""

NOT_SENT = frozenset(
    {"expected_output_tokens", "seed", "presence_penalty", "frequency_penalty", "reasoning_effort"}
)
"""promptls parameters never sent: read only by promptls (the cost estimate), or with no Anthropic
equivalent (the API refuses unknown fields). Thinking is set with a pass-through option."""

SDK_ERRORS: dict[str, type[AdapterError] | None] = {
    # HTTP status errors (None: decided by the error body's type, else by the status)
    "APIStatusError": None,
    "BadRequestError": BadRequest,  # or ContextTooLong, when the body says the prompt is too long
    "AuthenticationError": AuthError,
    "PermissionDeniedError": AuthError,
    "PaymentRequiredError": BadRequest,  # billing (as 402 is for the OpenAI adapter)
    "NotFoundError": BadRequest,
    "RequestTimeoutError": Timeout,
    "ConflictError": Unavailable,  # the SDK's own policy retries a 409
    "PreconditionFailedError": BadRequest,
    "ContentTooLargeError": BadRequest,  # 413: over the API's request size, not the context window
    "UnprocessableEntityError": BadRequest,
    "RateLimitError": RateLimited,
    "RequestHeaderFieldsTooLargeError": BadRequest,
    "ClientClosedRequestError": Unavailable,
    "InternalServerError": Unavailable,  # 500, 501, 503, 504 and 529 overloaded_error
    # no usable HTTP answer
    "APITimeoutError": Timeout,
    "APIConnectionError": Unavailable,
    "APIResponseValidationError": Unavailable,
    "RetryableError": Unavailable,
    "APIError": Unavailable,
    # not an answer to a call at all
    "APIWebhookValidationError": BadRequest,
    "CredentialsError": MissingKey,
    "WorkloadIdentityError": AuthError,  # the OIDC token exchange failed
    "AnthropicError": BadRequest,  # anything else the SDK raises on its own (a bad argument)
}
"""The `anthropic` exception classes by name and the error each one is. An SDK class not listed maps
as its nearest listed ancestor; a test fails if any class the SDK exports (or any `APIError`
subclass) reaches only one of `CATCH_ALL`."""

CATCH_ALL = frozenset({"APIStatusError", "APIError", "AnthropicError"})
"""Entries that exist so an unforeseen class still maps; no known class may rely on them."""

ERROR_TYPES: dict[str, type[AdapterError]] = {
    "invalid_request_error": BadRequest,
    "authentication_error": AuthError,
    "permission_error": AuthError,
    "billing_error": BadRequest,
    "not_found_error": BadRequest,
    "request_too_large": BadRequest,
    "rate_limit_error": RateLimited,
    "timeout_error": Timeout,
    "api_error": Unavailable,
    "overloaded_error": Unavailable,
}
"""Anthropic's error `type`s, for a status error the SDK could not class by status (an `error`
event inside a stream, sent with the stream's 200)."""

TRANSPORT_ERRORS: dict[str, type[AdapterError]] = {"TimeoutException": Timeout, "TransportError": Unavailable}
"""The HTTP library's exceptions (`httpx2`, or `httpx` under an older SDK), which the SDK lets
through while a stream is read."""

PROMPT_TOO_LONG = "prompt is too long"
"""How Anthropic's `invalid_request_error` says the prompt does not fit: its error type is shared
with every other bad request and it has no code, so this is the one place a message is read."""

_MESSAGE_LIMIT = 300


class AnthropicAdapter:
    """An `Adapter` for endpoint kind "anthropic". Construction is cheap; the SDK client is made
    once, on the first call."""

    def __init__(self, endpoint: Endpoint) -> None:
        self.endpoint = endpoint
        self._client: anthropic.Anthropic | None = None

    def __repr__(self) -> str:
        return f"AnthropicAdapter({self.endpoint!r})"

    def stream(self, request: ChatRequest) -> Iterator[Chunk | Done]:
        client = self._sdk_client()
        started = False
        ended = False
        input_tokens: int | None = None
        output_tokens: int | None = None
        stop_reason: str | None = None
        watch = StreamWatch(self.endpoint, request.model)
        try:
            with client.messages.create(stream=True, **request_arguments(request)) as stream:
                form = answer_form(stream.response, self.endpoint, request.model, SSE)
                watch.attach(stream.response)
                events = stream
                if form == WHOLE_JSON:
                    events = whole_answer(stream.response, self.endpoint, request.model)
                for event in events:
                    if event.type == "message_start":
                        input_tokens = event.message.usage.input_tokens
                    elif event.type == "content_block_delta":
                        watch.progress()  # text, thinking or a tool's input: never a `ping`
                        if event.delta.type == "text_delta" and event.delta.text:
                            started = True
                            yield Chunk(event.delta.text)
                    elif event.type == "message_delta":
                        output_tokens = event.usage.output_tokens
                        stop_reason = event.delta.stop_reason or stop_reason
                    elif event.type == "message_stop":
                        ended = True
        except GeneratorExit:
            raise
        except Exception as exc:
            error = watch.timeout() if watch.expired else map_error(exc, self.endpoint, request.model)
            if error is exc and not started:
                raise
            raise (
                StreamBroken.after(error, self.endpoint.provider, request.model) if started else error
            ) from exc
        finally:
            watch.close()
        if watch.expired:  # the watchdog ended a body the server delimits by closing it
            error = watch.timeout()
            raise StreamBroken.after(error, self.endpoint.provider, request.model) if started else error
        if not ended:
            error = Unavailable(
                "the answer ended without message_stop",
                provider=self.endpoint.provider,
                model=request.model,
            )
            raise StreamBroken.after(error, self.endpoint.provider, request.model) if started else error
        if stop_reason == "refusal" and not started:
            raise ContentFiltered(
                "the model refused to answer (stop_reason refusal)",
                provider=self.endpoint.provider,
                model=request.model,
            )
        yield Done(Usage(input_tokens, output_tokens), stop_reason)

    def list_models(self) -> list[str]:
        client = self._sdk_client()
        try:
            return [model.id for model in client.models.list()]
        except Exception as exc:
            raise map_error(exc, self.endpoint) from exc

    def client(self) -> anthropic.Anthropic:
        """The SDK client (made on the first call), for the Messages translation (adapters/translate/)."""
        return self._sdk_client()

    def _sdk_client(self) -> anthropic.Anthropic:
        if self._client is None:
            endpoint = self.endpoint
            if not endpoint.api_key:
                raise MissingKey(missing_key_message(endpoint.provider), provider=endpoint.provider)
            headers = tuple(sorted(endpoint.headers.items()))
            self._client = _sdk_client(endpoint.base_url, endpoint.api_key, endpoint.timeout, headers)
        return self._client


def whole_answer(response: Any, endpoint: Endpoint, model: str) -> list[Any]:
    """A whole `message` (a server that answered a stream request without streaming) as the stream
    events it amounts to; `Unavailable` when the JSON is not one."""
    from anthropic.types import RawMessageStreamEvent
    from pydantic import TypeAdapter

    url = str(response.url)
    try:
        message = json.loads(response.read())
        if message.get("type") != "message":
            raise ValueError(f"type {message.get('type')!r}")
        texts = [block["text"] for block in message.get("content") or () if block.get("type") == "text"]
        usage = message.get("usage") or {}
        start = {**message, "content": [], "stop_reason": None, "stop_sequence": None}
        delta = {"stop_reason": message.get("stop_reason"), "stop_sequence": message.get("stop_sequence")}
        raw: list[dict[str, Any]] = [{"type": "message_start", "message": start}]
        raw += [
            {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": text}}
            for text in texts
        ]
        raw.append(
            {"type": "message_delta", "delta": delta, "usage": {"output_tokens": usage.get("output_tokens")}}
        )
        raw.append({"type": "message_stop"})
        parse = TypeAdapter(RawMessageStreamEvent).validate_python
        return [parse(event) for event in raw]
    except (ValueError, TypeError, LookupError, AttributeError) as exc:  # pydantic's errors are ValueErrors
        raise not_an_answer(endpoint, model, url, "a message") from exc


@lru_cache(maxsize=8)
def _sdk_client(
    base_url: str | None, api_key: str, timeout: float, headers: tuple[tuple[str, str], ...]
) -> anthropic.Anthropic:
    """One SDK client per endpoint for the process: making one costs ~0.1 s (its TLS context), and
    the executor makes an adapter for every attempt; a shared client also keeps its connections."""
    import anthropic

    return anthropic.Anthropic(
        api_key=api_key,
        base_url=base_url,  # None: the SDK's default, https://api.anthropic.com
        timeout=timeout,
        max_retries=0,
        default_headers=dict(headers) or None,
    )


def request_arguments(request: ChatRequest) -> dict[str, Any]:
    """The SDK arguments for a request: system messages joined into `system`, the others as
    `messages`; `max_tokens` and `stop` (as `stop_sequences`) as SDK arguments; the other
    parameters (`BODY_PARAMS`) and the pass-through options in `extra_body` (options win a clash)."""
    system = "\n\n".join(m.content for m in request.messages if m.role == "system")
    arguments: dict[str, Any] = {
        "model": request.model,
        "messages": [{"role": m.role, "content": m.content} for m in request.messages if m.role != "system"],
        "max_tokens": DEFAULT_MAX_TOKENS,
    }
    if system:
        arguments["system"] = system
    extra: dict[str, Any] = {}
    for name, value in request.params.items():
        if value is None or name in NOT_SENT:
            continue
        if name == "stop":
            arguments["stop_sequences"] = [value] if isinstance(value, str) else list(value)
        elif name == "max_tokens":
            arguments["max_tokens"] = value
        else:
            extra[name] = value  # BODY_PARAMS, and any parameter promptls adds later
    extra.update(request.options)
    if extra:
        arguments["extra_body"] = extra
    return arguments


@cache
def _sdk_error_classes() -> dict[type[BaseException], type[AdapterError] | None]:
    import anthropic

    classes: dict[type[BaseException], type[AdapterError] | None] = {}
    for name, kind in SDK_ERRORS.items():
        cls = getattr(anthropic, name, None)  # an older SDK may lack a newer class
        if isinstance(cls, type) and issubclass(cls, BaseException):
            classes[cls] = kind
    return classes


def _transport_error_classes() -> dict[type[BaseException], type[AdapterError]]:
    """The HTTP library's classes, from whichever of `httpx2`/`httpx` is loaded (the SDK's is)."""
    classes: dict[type[BaseException], type[AdapterError]] = {}
    for module in (sys.modules.get("httpx2"), sys.modules.get("httpx")):
        for name, kind in TRANSPORT_ERRORS.items():
            cls = getattr(module, name, None)
            if isinstance(cls, type) and issubclass(cls, BaseException):
                classes[cls] = kind
    return classes


def error_class(
    exc_type: type[BaseException], status: int | None = None, error_type: str | None = None
) -> type[AdapterError]:
    """The `AdapterError` class an exception type maps to (with, for the generic status error, the
    error body's `type` and the HTTP status).

    An SDK class not in `SDK_ERRORS` maps as its nearest listed ancestor. From outside the SDK and
    the HTTP library, a `ValueError` (a malformed event) or an `OSError` means the server could not
    be used: `Unavailable`; anything else (a `TypeError` from a call the SDK does not take) is not
    worth retrying: `BadRequest`.
    """
    sdk = _sdk_error_classes()
    transport = _transport_error_classes()
    for cls in exc_type.__mro__:
        if cls in sdk:
            kind = sdk[cls]
            if kind is not None:
                return kind
            if error_type in ERROR_TYPES:
                return ERROR_TYPES[error_type]
            return type(from_status(status, "")) if status and status >= 400 else Unavailable
        if cls in transport:
            return transport[cls]
    return Unavailable if issubclass(exc_type, (ValueError, OSError)) else BadRequest


def map_error(exc: BaseException, endpoint: Endpoint, model: str = "") -> AdapterError:
    """The `AdapterError` for an exception a call raised. The message is built here from the status
    and the error body's own type and message, never from the SDK's text (which may echo the
    request), and never holds the endpoint's key."""
    if isinstance(exc, AdapterError):
        return exc
    status = getattr(exc, "status_code", None)
    status = status if isinstance(status, int) else None
    if status is not None and status < 400:
        status = None  # an `error` event inside a stream: the 200 is the stream's, not the error's
    error_type, error_message = _error_body(getattr(exc, "body", None))
    kind = error_class(type(exc), status, error_type)
    if kind is BadRequest and _prompt_too_long(error_type, error_message):
        kind = ContextTooLong
    retry_after = None
    if kind is RateLimited:
        response = getattr(exc, "response", None)
        retry_after = retry_after_from_headers(getattr(response, "headers", None))
    if kind is MissingKey:
        message = missing_key_message(endpoint.provider)
    else:
        message = _message(exc, kind, status, error_type, error_message, endpoint)
    if endpoint.api_key:
        message = message.replace(endpoint.api_key, "***")
    return kind(message, provider=endpoint.provider, model=model, status=status, retry_after=retry_after)


def _error_body(body: object) -> tuple[str | None, str | None]:
    """`type` and `message` of Anthropic's `{"type": "error", "error": {"type", "message"}}`."""
    error = body.get("error") if isinstance(body, Mapping) else None
    if not isinstance(error, Mapping):
        return None, body if isinstance(body, str) and body else None
    error_type, message = error.get("type"), error.get("message")
    return (
        error_type if isinstance(error_type, str) else None,
        message if isinstance(message, str) else None,
    )


def _prompt_too_long(error_type: str | None, message: str | None) -> bool:
    return error_type == "invalid_request_error" and PROMPT_TOO_LONG in (message or "").lower()


def _message(
    exc: BaseException,
    kind: type[AdapterError],
    status: int | None,
    error_type: str | None,
    text: str | None,
    endpoint: Endpoint,
) -> str:
    if text:
        text = " ".join(text.split())
        if len(text) > _MESSAGE_LIMIT:
            text = text[: _MESSAGE_LIMIT - 1] + "…"
    label = f"{error_type}: {text}" if error_type and text else text or error_type
    if status is not None:
        return f"HTTP {status} {label}" if label else f"HTTP {status}"
    if label:
        return f"error event {label}" if error_type else label
    if kind is Timeout:
        return f"no answer within {endpoint.timeout:g} s ({type(exc).__name__})"
    host = origin(endpoint.base_url or DEFAULT_BASE_URL)
    if kind is Unavailable and isinstance(exc, ValueError):  # a malformed event
        return f"{host} sent an answer that could not be read ({type(exc).__name__})"
    if kind is Unavailable:
        return f"the connection to {host} failed ({type(exc).__name__})"
    return f"the call failed ({type(exc).__name__})"


__all__ = [
    "AnthropicAdapter",
    "error_class",
    "map_error",
    "request_arguments",
]
