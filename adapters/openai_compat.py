"""OpenAI's chat completions protocol: OpenAI, OpenRouter and any OpenAI-compatible server.

Endpoint kind "openai". The official `openai` SDK does the HTTP; it is imported on the first call,
never at import time. The SDK's own retries are off (`max_retries=0`): the executor retries.

Errors: `map_error` is the one place SDK exceptions become `AdapterError`s, by exception type
(`SDK_ERRORS`) and, for the generic status error, by HTTP status. A failure after the first chunk
reached the caller is always `StreamBroken`, and so is a stream that ends without a `finish_reason`
(cut off before `[DONE]`; `Unavailable` before any text). A 200 that is no event stream is
`Unavailable`, except a whole `chat.completion`, which is read as the answer (answers.py); the first
token and each pause are bounded by the endpoint's deadlines (deadline.py).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from functools import cache
from http import HTTPStatus
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from promptls.adapters.answers import SSE, WHOLE_JSON, answer_form, not_an_answer
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
from promptls.adapters.sse import StreamChunks, sse_data

if TYPE_CHECKING:
    import openai

DEFAULT_BASE_URLS = {
    "openai": "https://api.openai.com/v1",
    "openrouter": "https://openrouter.ai/api/v1",
}
"""Hosted providers that need a key; any other provider is a compatible server at its `base_url`."""

LOCAL_KEY = "not-needed"
"""What a keyless compatible server (LM Studio, llama.cpp, vLLM) is sent: they accept any key."""

SDK_PARAMS = (
    "temperature",
    "top_p",
    "max_tokens",
    "stop",
    "seed",
    "presence_penalty",
    "frequency_penalty",
    "reasoning_effort",
)
"""promptls parameters the SDK takes as arguments under the same name; others go in `extra_body`."""

LOCAL_PARAMS = frozenset({"expected_output_tokens"})
"""promptls parameters that only promptls reads (the cost estimate): never sent."""

SDK_ERRORS: dict[str, type[AdapterError] | None] = {
    # HTTP status errors (None: decided by the status code)
    "APIStatusError": None,
    "BadRequestError": BadRequest,  # or ContextTooLong, by the error body's code
    "AuthenticationError": AuthError,
    "OAuthError": AuthError,
    "PermissionDeniedError": AuthError,
    "NotFoundError": BadRequest,
    "ConflictError": BadRequest,
    "UnprocessableEntityError": BadRequest,
    "RateLimitError": RateLimited,
    "InternalServerError": Unavailable,
    # no usable HTTP answer
    "APITimeoutError": Timeout,
    "APIConnectionError": Unavailable,
    "APIResponseValidationError": Unavailable,
    "APIError": Unavailable,  # an error event inside a stream
    "WebSocketConnectionClosedError": Unavailable,
    "WebSocketQueueFullError": Unavailable,
    # answered, but refused or unusable
    "ContentFilterFinishReasonError": ContentFiltered,
    "LengthFinishReasonError": BadRequest,
    "InvalidWebhookSignatureError": AuthError,
    "SubjectTokenProviderError": AuthError,
    # anything else the SDK raises on its own (a bad argument, a missing credential)
    "OpenAIError": BadRequest,
}
"""The `openai` exception classes by name and the error each one is. A test fails when the SDK
exports an exception class that is not listed here."""

CONTEXT_TOO_LONG_CODES = frozenset({"context_length_exceeded", "exceed_context_size_error"})
"""Error-body `code` or `type` values that mean the prompt does not fit (OpenAI; llama.cpp)."""

_MESSAGE_LIMIT = 300


class OpenAICompatAdapter:
    """An `Adapter` for endpoint kind "openai". Construction is cheap; the SDK client is made once,
    on the first call."""

    def __init__(self, endpoint: Endpoint) -> None:
        self.endpoint = endpoint
        self._client: openai.OpenAI | None = None
        self._http: Any = None
        self._post_headers: dict[str, str] = {}
        self._base_url = ""

    def __repr__(self) -> str:
        return f"OpenAICompatAdapter({self.endpoint!r})"

    def stream(self, request: ChatRequest) -> Iterator[Chunk | Done]:
        started = False
        usage = Usage(None, None)
        finish_reason: str | None = None
        response = None
        watch = StreamWatch(self.endpoint, request.model)
        try:
            client = self._sdk_client(request.model)
            response = client.chat.completions.create(
                model=request.model,
                messages=[{"role": m.role, "content": m.content} for m in request.messages],
                stream=True,
                stream_options={"include_usage": True},
                **request_arguments(request),
            )
            form = answer_form(response.response, self.endpoint, request.model, SSE)
            watch.attach(response.response)
            if form == WHOLE_JSON:
                events = whole_answer(response.response, self.endpoint, request.model)
            else:
                events = read_chunks(response.response)
            for event in events:
                if not isinstance(event, Mapping):
                    continue
                reported = event.get("usage")
                if isinstance(reported, Mapping):
                    usage = Usage(reported.get("prompt_tokens"), reported.get("completion_tokens"))
                for choice in (event.get("choices") or ())[:1]:
                    finish_reason = choice.get("finish_reason") or finish_reason
                    delta = choice.get("delta") or {}
                    if _carries_answer(delta):
                        watch.progress()
                    text = delta.get("content")
                    if isinstance(text, str) and text:
                        started = True
                        yield Chunk(text)
        except GeneratorExit:
            raise
        except Exception as exc:
            if watch.expired:  # the watchdog ended the read
                error = watch.timeout()
            elif isinstance(exc, AdapterError):
                error = exc
            else:
                error = map_error(exc, self.endpoint, request.model)
            if started:
                raise StreamBroken.after(error, self.endpoint.provider, request.model) from exc
            if error is exc:
                raise
            raise error from exc
        finally:
            watch.close()
            if response is not None:
                response.close()  # also when the caller stops reading early
        if watch.expired:  # the watchdog ended a body the server delimits by closing it
            error = watch.timeout()
            raise StreamBroken.after(error, self.endpoint.provider, request.model) if started else error
        if finish_reason is None:  # no finish_reason (nor [DONE]): the body was cut off
            error = Unavailable(
                "the answer ended without a finish_reason",
                provider=self.endpoint.provider,
                model=request.model,
            )
            raise StreamBroken.after(error, self.endpoint.provider, request.model) if started else error
        if finish_reason == "content_filter" and not started:
            raise ContentFiltered(
                "the provider's content filter refused the answer",
                provider=self.endpoint.provider,
                model=request.model,
            )
        yield Done(usage, finish_reason)

    def list_models(self) -> list[str]:
        client = self._sdk_client()
        try:
            return [model.id for model in client.models.list()]
        except AdapterError:
            raise
        except Exception as exc:
            raise map_error(exc, self.endpoint) from exc

    def _sdk_client(self, model: str = "") -> openai.OpenAI:
        """The SDK client, made on the first call (raises `MissingKey` for a hosted provider
        without a key, before anything is sent)."""
        if self._client is None:
            endpoint = self.endpoint
            base_url = base_url_for(endpoint, model)
            api_key = api_key_for(endpoint, model)
            import openai

            self._http = openai.DefaultHttpxClient()  # what the SDK makes itself, held for post_stream
            client = openai.OpenAI(
                api_key=api_key,
                base_url=base_url,
                timeout=endpoint.timeout,
                max_retries=0,
                default_headers=dict(endpoint.headers) or None,
                http_client=self._http,
            )
            sent = {k: v for k, v in client.default_headers.items() if isinstance(v, str)}
            self._post_headers = {**sent, "Authorization": f"Bearer {api_key}"}
            self._base_url = str(client.base_url).rstrip("/")
            self._client = client
        return self._client

    def post_stream(self, path: str, body: Mapping[str, Any], model: str = "") -> Any:
        """POST `body` as JSON to `path` (under the base URL) with the SDK client's connection pool,
        headers and timeout, and return the response with its headers in, its body unread (an httpx
        response, either fork). An error status raises the SDK's `APIStatusError` for it, and a
        transport failure its `APITimeoutError` or `APIConnectionError`: `map_error` maps them as it
        maps the SDK's own.

        For the proxy's streams (adapters/translate/to_openai.py), whose body is built whole: the
        SDK's `post` spent more on its request options (copies, an idempotency key, auth wrappers)
        than on the HTTP exchange itself, about 0.25 ms a request."""
        self._sdk_client(model)
        request = self._http.build_request(
            "POST",
            self._base_url + path,
            content=json.dumps(body, ensure_ascii=False).encode(),
            headers=self._post_headers,
            timeout=self.endpoint.timeout,
        )
        with _sdk_transport_errors(request):
            response = self._http.send(request, stream=True)
        if response.status_code >= 400:
            with _sdk_transport_errors(request):
                response.read()
            response.close()
            raise status_error(response)
        return response


REASONING_FIELDS = ("reasoning", "reasoning_content")
"""Delta fields in which compatible servers (OpenRouter, vLLM, llama.cpp, DeepSeek) stream a model's
reasoning: progress for the deadlines, though never part of the text."""


def _carries_answer(delta: Mapping[str, Any]) -> bool:
    """The delta holds part of the answer (text or reasoning), not just a role or nothing."""
    return bool(delta.get("content")) or any(delta.get(name) for name in REASONING_FIELDS)


def read_chunks(response: Any) -> Iterator[Any]:
    """The JSON data of each server-sent event of a chat completions stream (an httpx response,
    either fork), reading the body to its end.

    Why not the SDK's `Stream`: it stops at `[DONE]` and closes the response before the body's end
    (the chunked body's last, empty chunk), and the HTTP library then drops the connection rather
    than return it to the pool: every call paid for a new connection (a TCP handshake; TLS as well
    to a hosted provider). Read to its end, the connection serves the next call. The Anthropic,
    Gemini and Ollama SDKs read their streams to the end already. A body that stays open after
    `[DONE]` is bounded by the deadlines like any pause (deadline.py).

    Errors are those the SDK raises while it reads: an `error` object in an event is an
    `openai.APIError` with it as its body, the HTTP library's timeout an `APITimeoutError`, its other
    request errors an `APIConnectionError`; data that is no JSON a `ValueError`. `map_error` maps
    them as it maps the SDK's own.
    """
    import openai

    def sdk_error(error: Any) -> Exception:
        message = error.get("message") if isinstance(error, Mapping) else None
        if not isinstance(message, str) or not message:
            message = "An error occurred during streaming"
        return openai.APIError(message, request=response.request, body=error)

    chunks = StreamChunks(sdk_error)
    with _sdk_transport_errors(response.request):
        yield from chunks.of(sse_data(response.iter_bytes()))


@contextmanager
def _sdk_transport_errors(request: Any) -> Iterator[None]:
    """The HTTP library's timeout and request errors as the SDK raises them (`APITimeoutError`,
    `APIConnectionError`), for the reads and sends the adapter makes itself."""
    http = sys.modules[type(request).__module__.partition(".")[0]]  # httpx2, or httpx (older SDKs)
    try:
        yield
    except http.TimeoutException as exc:
        import openai

        raise openai.APITimeoutError(request=request) from exc
    except http.RequestError as exc:
        import openai

        raise openai.APIConnectionError(request=request) from exc


def status_error(response: Any) -> Exception:
    """The SDK's `APIStatusError` for an error answer (read): its body is the JSON's `error` object,
    the JSON, or the text, as the SDK's own."""
    import openai

    data = error_body(response.content)
    return openai.APIStatusError(f"Error code: {response.status_code}", response=response, body=data)


def whole_answer(response: Any, endpoint: Endpoint, model: str) -> list[dict[str, Any]]:
    """A whole `chat.completion` (a server that answered a stream request without streaming) as the one
    stream chunk it amounts to; `Unavailable` when the JSON is not one."""
    url = str(response.url)
    try:
        payload = json.loads(response.read())
        choice = payload["choices"][0]
        message = choice["message"]
        usage = payload.get("usage")
        return [
            {
                "choices": [
                    {
                        "index": 0,
                        "delta": {"role": "assistant", "content": message.get("content")},
                        "finish_reason": choice.get("finish_reason") or "stop",
                    }
                ],
                "usage": usage if isinstance(usage, Mapping) else None,
            }
        ]
    except (ValueError, TypeError, LookupError, AttributeError) as exc:
        raise not_an_answer(endpoint, model, url, "a chat completion") from exc


def base_url_for(endpoint: Endpoint, model: str = "") -> str:
    """The endpoint's base URL: its own, or the hosted provider's (`BadRequest` when it has none)."""
    url = endpoint.base_url or DEFAULT_BASE_URLS.get(endpoint.provider)
    if url is None:
        raise BadRequest(
            f"provider {endpoint.provider!r} has no base_url: set [providers.{endpoint.provider}] "
            "base_url in promptls.toml",
            provider=endpoint.provider,
            model=model,
        )
    return url


def api_key_for(endpoint: Endpoint, model: str = "") -> str:
    """The key to send: the endpoint's; a placeholder for a keyless compatible server (LM Studio,
    llama.cpp and vLLM accept any); `MissingKey` for a hosted provider without one."""
    if endpoint.api_key is not None:
        return endpoint.api_key
    if endpoint.provider in DEFAULT_BASE_URLS:
        raise missing_key(endpoint.provider, model)
    return LOCAL_KEY


def missing_key(provider: str, model: str = "") -> MissingKey:
    variable = f"{provider.upper()}_API_KEY"
    return MissingKey(
        f"no API key for {provider}: run `promptls keys set {provider}` or set {variable}",
        provider=provider,
        model=model,
    )


def request_arguments(request: ChatRequest) -> dict[str, Any]:
    """The SDK arguments for a request's parameters and options: the parameters the SDK knows by
    name, everything else (top_k, pass-through options) in `extra_body`; options win a clash."""
    arguments: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    for name, value in request.params.items():
        if value is None or name in LOCAL_PARAMS:
            continue
        if name == "stop" and not isinstance(value, str):
            value = list(value)
        if name in SDK_PARAMS:
            arguments[name] = value
        else:
            extra[name] = value
    extra.update(request.options)
    if extra:
        arguments["extra_body"] = extra
    return arguments


@cache
def _sdk_error_classes() -> dict[type[BaseException], type[AdapterError] | None]:
    import openai

    classes: dict[type[BaseException], type[AdapterError] | None] = {}
    for name, kind in SDK_ERRORS.items():
        cls = getattr(openai, name, None)  # an older SDK may lack a newer class
        if isinstance(cls, type) and issubclass(cls, BaseException):
            classes[cls] = kind
    return classes


def error_class(exc_type: type[BaseException], status: int | None = None) -> type[AdapterError]:
    """The `AdapterError` class an exception type (with its HTTP status, if any) maps to.

    An SDK class not in `SDK_ERRORS` maps as its nearest listed ancestor. An exception from outside
    the SDK while reading an answer (a malformed event, a transport error an older SDK lets through)
    means the server could not be used: `Unavailable`.
    """
    classes = _sdk_error_classes()
    for cls in exc_type.__mro__:
        if cls in classes:
            kind = classes[cls]
            if kind is None:
                return type(from_status(status, "")) if status else Unavailable
            return kind
    return Unavailable


def map_error(exc: BaseException, endpoint: Endpoint, model: str = "") -> AdapterError:
    """The `AdapterError` for an exception the SDK call raised. The message is built here from the
    status and the error body's own message, never from the SDK's text (which may echo the request),
    and never holds the endpoint's key."""
    if isinstance(exc, AdapterError):
        return exc
    status = getattr(exc, "status_code", None)
    status = status if isinstance(status, int) else None
    headers = getattr(getattr(exc, "response", None), "headers", None)
    kind = error_class(type(exc), status)
    return _mapped(kind, status, getattr(exc, "body", None), headers, endpoint, model, exc)


def status_failure(
    status: int, raw: bytes, headers: Mapping[str, str] | None, endpoint: Endpoint, model: str
) -> AdapterError:
    """The error for an HTTP error answer read without the SDK (the proxy's event loop:
    adapters/translate/stream_aio.py): what `map_error` gives for the SDK's `APIStatusError`."""
    return _mapped(type(from_status(status, "")), status, error_body(raw), headers, endpoint, model, None)


def _mapped(
    kind: type[AdapterError],
    status: int | None,
    body: object,
    headers: Mapping[str, str] | None,
    endpoint: Endpoint,
    model: str,
    exc: BaseException | None,
) -> AdapterError:
    if kind is BadRequest and status == 400 and _context_too_long(body):
        kind = ContextTooLong
    retry_after = parse_retry_after(headers) if kind is RateLimited else None
    message = _message(exc, status, body, endpoint)
    return kind(message, provider=endpoint.provider, model=model, status=status, retry_after=retry_after)


def error_body(raw: bytes) -> Any:
    """An error answer's body as the SDK keeps it: the JSON's `error` object, the JSON, or the text."""
    try:
        body: Any = json.loads(raw)
    except ValueError:
        body = raw.decode("utf-8", "replace") or None
    return body.get("error", body) if isinstance(body, Mapping) else body


def _context_too_long(body: object) -> bool:
    if not isinstance(body, Mapping):
        return False
    return any(body.get(field) in CONTEXT_TOO_LONG_CODES for field in ("code", "type"))


def _message(exc: BaseException | None, status: int | None, body: object, endpoint: Endpoint) -> str:
    text = None
    if isinstance(body, Mapping) and isinstance(body.get("message"), str):
        text = body["message"]
    elif isinstance(body, str):
        text = body
    text = " ".join(text.split()) if text else None
    if text and endpoint.api_key:  # a server may echo the key back: hide it before shortening
        text = text.replace(endpoint.api_key, "***")
    if text:
        return text if len(text) <= _MESSAGE_LIMIT else text[: _MESSAGE_LIMIT - 1] + "…"
    if status is not None:
        try:
            return HTTPStatus(status).phrase
        except ValueError:
            return f"HTTP {status}"
    kind = error_class(type(exc))
    if kind is Timeout:
        return f"no answer within {endpoint.timeout:g} s"
    if kind is Unavailable:
        if isinstance(exc, ValueError):
            return f"the server sent an answer that could not be read ({type(exc).__name__})"
        return f"the connection to {endpoint_host(endpoint)} failed ({type(exc).__name__})"
    return f"the call failed ({type(exc).__name__})"


def endpoint_host(endpoint: Endpoint) -> str:
    """Host and port only: a base URL may carry credentials (`user:pass@`) or a token in its query."""
    url = endpoint.base_url or DEFAULT_BASE_URLS.get(endpoint.provider)
    host = urlsplit(url).hostname if url else None
    if host is None:
        return endpoint.provider
    port = urlsplit(url).port
    return f"{host}:{port}" if port else host


def parse_retry_after(headers: Mapping[str, str] | None, now: float | None = None) -> float | None:
    """Seconds to wait, from `retry-after-ms`, or `Retry-After` in seconds or as an HTTP date."""
    return retry_after_from_headers(headers, now)


__all__ = [
    "SDK_ERRORS",
    "OpenAICompatAdapter",
    "error_class",
    "map_error",
    "parse_retry_after",
    "request_arguments",
]
