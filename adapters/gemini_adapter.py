"""Google's Gemini API (`generativelanguage`, `v1beta`) through the official `google-genai` SDK.

Endpoint kind "gemini". The SDK is imported on the first call, never at import time.

    GeminiAdapter(endpoint).stream(request)   -> Chunk..., Done(Usage(prompt, output), "STOP")
    GeminiAdapter(endpoint).list_models()     -> the names of models that can `generateContent`
    map_error(exc, endpoint, model)           -> the one place SDK exceptions become AdapterErrors

The SDK's quirks, handled here:
- `HttpOptions.timeout` is in milliseconds (promptls's `Endpoint.timeout` is in seconds); the SDK
  applies it to connect and to each read, so a stalled stream times out too.
- No retries of its own: `retry_options` allows one attempt, and `automatic_continuation` (newer SDKs
  resume a dropped stream with a continuation token, silently, as another request) is off. The
  executor retries, and a stream that broke after text reached the user must stay broken.
- `base_url` is the host root: the SDK appends `/{api_version}/models/...` itself, so a base URL
  ending in a version (`https://gateway.example/v1beta`) is split into root and `api_version`.
  Without one the version is `v1beta` (the SDK's own default moved to `v1`), so the path does not
  depend on the SDK version or on `GOOGLE_GENAI_API_VERSION`.
- `vertexai=False`: `GOOGLE_GENAI_USE_VERTEXAI` in the environment cannot turn the client into a
  Vertex AI client, and the key is always the endpoint's (the SDK would read GOOGLE_API_KEY itself).

Parameters: `temperature`, `top_p`, `top_k`, `max_tokens` (-> max_output_tokens), `stop`
(-> stop_sequences), `seed`, `presence_penalty`, `frequency_penalty` and `reasoning_effort`
(-> thinking_config.thinking_level) go into `GenerateContentConfig`; `expected_output_tokens` is
promptls's own and is never sent. Pass-through options: a name that is a `GenerateContentConfig`
field (`response_mime_type`, `safety_settings`, `thinking_config`, `candidate_count`, ...) goes into
the config; any other is raw wire JSON merged into the request body (the SDK's
`http_options.extra_body`), e.g. `{"generationConfig": {"responseLogprobs": true}}`. A value the
SDK rejects is a `BadRequest` before anything is sent.

Usage: input is `promptTokenCount`; output is `candidatesTokenCount` plus `thoughtsTokenCount`
(thinking tokens are billed as output). The finish reason is Gemini's own (`STOP`, `MAX_TOKENS`).

Errors (`map_error`, by exception type and status code): 400 -> BadRequest, or ContextTooLong when
the error body's message says the input token count exceeds the limit (the only message test);
401/403 -> AuthError; 404 -> BadRequest; 429 -> RateLimited (`Retry-After`, else the body's
RetryInfo `retryDelay`); 5xx -> Unavailable; httpx timeouts -> Timeout; other transport failures and
unreadable answers -> Unavailable. A safety block (`promptFeedback.blockReason`, or a filter's
finish reason with no text) is ContentFiltered; any failure after the first chunk is StreamBroken,
and so is a stream that ends without a finishReason (cut off; Unavailable before any text). A 200
that is neither SSE nor the whole answer as JSON (which the SDK reads) is Unavailable (answers.py).
The first token and each pause are bounded by the endpoint's deadlines (deadline.py): the client's
response hook hands each stream's response to its watch.
Messages are built from the error body's `status` and `message`, cut short, with the key removed.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator, Mapping
from functools import cache, lru_cache
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from promptls.adapters.answers import EVENT_STREAM, JSON, StreamForm, answer_form
from promptls.adapters.base import ChatRequest, Chunk, Done, Endpoint, Usage
from promptls.adapters.deadline import StreamWatch, response_hook
from promptls.adapters.errors import (
    AdapterError,
    BadRequest,
    ContentFiltered,
    ContextTooLong,
    MissingKey,
    RateLimited,
    StreamBroken,
    Timeout,
    Unavailable,
    from_status,
    retry_after_seconds,
)
from promptls.adapters.keys import missing_key_message

if TYPE_CHECKING:
    from google import genai
    from google.genai import types

API_VERSION = "v1beta"
"""The Gemini API version the adapter speaks unless the base URL names another."""

_VERSIONED_PATH = re.compile(r"^(?P<root>.*?)/(?P<version>v\d+(?:(?:alpha|beta)\d*)?)/?$")

CONFIG_PARAMS = {
    "temperature": "temperature",
    "top_p": "top_p",
    "top_k": "top_k",
    "max_tokens": "max_output_tokens",
    "stop": "stop_sequences",
    "seed": "seed",
    "presence_penalty": "presence_penalty",
    "frequency_penalty": "frequency_penalty",
}
"""promptls parameters and the `GenerateContentConfig` field each one is."""

LOCAL_PARAMS = frozenset({"expected_output_tokens"})
"""promptls parameters that only promptls reads (the cost estimate): never sent."""

FILTER_REASONS = frozenset(
    {"SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "IMAGE_SAFETY", "MODEL_ARMOR"}
)
"""Finish reasons that mean a filter stopped the answer."""

SDK_ERRORS: dict[str, type[AdapterError] | None] = {
    # an HTTP error status, or an error event inside a stream (None: decided by the status code)
    "APIError": None,
    "ClientError": None,
    "ServerError": None,
    # the answer could not be read, or a resumed stream gave up
    "UnknownApiResponseError": Unavailable,
    "ContinuationInterruptedError": Unavailable,
    # automatic function calling (promptls sends no callable tools; a pass-through option might)
    "UnknownFunctionCallArgumentError": BadRequest,
    "UnsupportedFunctionError": BadRequest,
    "FunctionInvocationError": BadRequest,
}
"""The exception classes of `google.genai.errors` by name and the error each one is. A test fails
when the SDK defines an exception class that is not listed here."""

CONTEXT_TOO_LONG = re.compile(r"input token count.*exceeds the maximum", re.IGNORECASE | re.DOTALL)
"""Gemini's 400 INVALID_ARGUMENT message for a prompt that does not fit: "The input token count
(N) exceeds the maximum number of tokens allowed (M)." The API gives no structured reason for it."""

SSE_OR_WHOLE = StreamForm(frozenset({EVENT_STREAM, JSON}), "an event stream")
"""What the SDK can read of a stream request's answer: SSE, or the whole answer as one JSON body."""

_RETRY_DELAY = re.compile(r"^\s*(\d+(?:\.\d*)?)s\s*$")
_RETRY_INFO = "type.googleapis.com/google.rpc.RetryInfo"
_MESSAGE_LIMIT = 300


class GeminiAdapter:
    """An `Adapter` for endpoint kind "gemini". Construction is cheap; the SDK client is made once,
    on the first call."""

    def __init__(self, endpoint: Endpoint) -> None:
        self.endpoint = endpoint
        self._client: genai.Client | None = None

    def __repr__(self) -> str:
        return f"GeminiAdapter({self.endpoint!r})"

    def stream(self, request: ChatRequest) -> Iterator[Chunk | Done]:
        client = self._sdk_client()
        system, contents = split_messages(request)
        config = generate_config(request, system, self.endpoint.provider)
        provider, model = self.endpoint.provider, request.model
        started = False
        usage = Usage(None, None)
        finish_reason: str | None = None
        blocked: str | None = None
        watch = StreamWatch(self.endpoint, model)
        # The SDK sends the request on the first pull; the client's response hook hands the response
        # to `watch`, which refuses one that is no event stream (a whole JSON answer the SDK reads).
        watch.inspect = lambda response: answer_form(response, self.endpoint, model, SSE_OR_WHOLE)
        try:
            for response in watch.pull(
                client.models.generate_content_stream(model=model, contents=contents, config=config)
            ):
                feedback = response.prompt_feedback
                if feedback is not None and feedback.block_reason is not None:
                    blocked = f"the prompt was blocked ({_name(feedback.block_reason)})"
                if response.usage_metadata is not None:
                    usage = _usage(response.usage_metadata)
                for candidate in (response.candidates or ())[:1]:
                    if candidate.finish_reason is not None:
                        finish_reason = _name(candidate.finish_reason)
                    if _carries_answer(candidate):
                        watch.progress()
                    for text in _texts(candidate):
                        started = True
                        yield Chunk(text)
        except GeneratorExit:
            raise
        except Exception as exc:
            error = watch.timeout() if watch.expired else map_error(exc, self.endpoint, model)
            if started:
                raise StreamBroken.after(error, provider, model) from exc
            if error is exc:
                raise
            raise error from exc
        finally:
            watch.close()
        if watch.expired:  # the watchdog ended a body the server delimits by closing it
            error = watch.timeout()
            raise StreamBroken.after(error, provider, model) if started else error
        if finish_reason in FILTER_REASONS:
            blocked = f"the answer was stopped by Gemini's filter ({finish_reason})"
            if started:
                raise StreamBroken(
                    f"the stream broke after the answer began: {blocked}", provider=provider, model=model
                )
        if blocked and not started:
            raise ContentFiltered(blocked, provider=provider, model=model)
        if finish_reason is None:  # the body was cut off before the last chunk's finishReason
            error = Unavailable("the answer ended without a finishReason", provider=provider, model=model)
            raise StreamBroken.after(error, provider, model) if started else error
        yield Done(usage, finish_reason)

    def list_models(self) -> list[str]:
        """The models that can `generateContent` (embedding and other models are left out), without
        the `models/` prefix, every page."""
        client = self._sdk_client()
        names: list[str] = []
        try:
            for model in client.models.list(config={"page_size": 1000}):
                actions = model.supported_actions
                if model.name and (actions is None or "generateContent" in actions):
                    names.append(model.name.removeprefix("models/"))
        except Exception as exc:
            raise map_error(exc, self.endpoint) from exc
        return names

    def client(self) -> genai.Client:
        """The SDK client (made on the first call), for the Messages translation (adapters/translate/)."""
        return self._sdk_client()

    def _sdk_client(self) -> genai.Client:
        if self._client is None:
            endpoint = self.endpoint
            if not endpoint.api_key:
                raise MissingKey(
                    missing_key_message(endpoint.provider or "gemini"), provider=endpoint.provider
                )
            headers = tuple(sorted(endpoint.headers.items()))
            self._client = _client(endpoint.base_url, endpoint.api_key, endpoint.timeout, headers)
        return self._client


@lru_cache(maxsize=8)
def _client(
    base_url: str | None, api_key: str, timeout: float, headers: tuple[tuple[str, str], ...]
) -> genai.Client:
    """One SDK client per endpoint, kept for the process: making one loads the CA certificates twice
    (~0.2 s), and the executor makes a new adapter for every attempt."""
    from google import genai
    from google.genai import types

    options: dict[str, Any] = {
        "timeout": max(1, round(timeout * 1000)),  # milliseconds
        "headers": dict(headers) or None,
        "api_version": API_VERSION,
    }
    if base_url:
        options["base_url"], version = split_base_url(base_url)
        options["api_version"] = version or API_VERSION
    if "retry_options" in types.HttpOptions.model_fields:  # older SDKs never retried
        options["retry_options"] = types.HttpRetryOptions(attempts=1)
    if "client_args" in types.HttpOptions.model_fields:  # how the stream's deadlines see its response
        options["client_args"] = {"event_hooks": {"response": [response_hook]}}
    return genai.Client(vertexai=False, api_key=api_key, http_options=types.HttpOptions(**options))


def split_base_url(base_url: str) -> tuple[str, str | None]:
    """`https://host/v1beta` -> (`https://host`, `v1beta`); a base URL without a version is the root."""
    parts = urlsplit(base_url)
    match = _VERSIONED_PATH.match(parts.path)
    if match is None:
        return base_url, None
    return urlunsplit(parts._replace(path=match["root"])), match["version"]


def split_messages(request: ChatRequest) -> tuple[str | None, list[types.Content]]:
    """System messages become the system instruction; user and assistant turns become contents
    with Gemini's roles, "user" and "model"."""
    from google.genai import types

    system = [m.content for m in request.messages if m.role == "system"]
    contents = [
        types.Content(role="model" if m.role == "assistant" else "user", parts=[types.Part(text=m.content)])
        for m in request.messages
        if m.role != "system"
    ]
    return ("\n\n".join(system) if system else None), contents


def generate_config(
    request: ChatRequest, system: str | None, provider: str = "gemini"
) -> types.GenerateContentConfig:
    """The SDK config for a request's parameters and options (see the module docstring). Raises
    `BadRequest` for a value the SDK rejects."""
    from google.genai import types

    fields: dict[str, Any] = {"system_instruction": system}
    extra: dict[str, Any] = {}
    for name, value in request.params.items():
        if value is None or name in LOCAL_PARAMS:
            continue
        if name in CONFIG_PARAMS:
            if name == "stop":
                value = [value] if isinstance(value, str) else list(value)
            fields[CONFIG_PARAMS[name]] = value
        elif name == "reasoning_effort":
            fields["thinking_config"] = {"thinking_level": str(value).upper()}
        else:
            extra[name] = value
    known = types.GenerateContentConfig.model_fields
    for name, value in request.options.items():
        if name in known and name != "http_options":
            fields[name] = value
        else:
            extra[name] = value
    fields["automatic_function_calling"] = {"disable": True}
    if "automatic_continuation" in known:  # newer SDKs resume a broken stream on their own
        fields["automatic_continuation"] = False
    if extra:
        fields["http_options"] = types.HttpOptions(extra_body=extra)
    try:
        return types.GenerateContentConfig(**fields)
    except ValueError as exc:  # pydantic's ValidationError
        names = sorted({str(error["loc"][0]) for error in getattr(exc, "errors", list)() if error["loc"]})
        raise BadRequest(
            f"Gemini does not accept the value of {', '.join(names) or 'a parameter'}: check the "
            "prompt's parameters and the provider's options",
            provider=provider,
            model=request.model,
        ) from exc


def _carries_answer(candidate: Any) -> bool:
    """The chunk holds part of the answer: text, or a thought (a thinking model's progress)."""
    content = candidate.content
    return any(part.text for part in (content.parts if content is not None else None) or ())


def _texts(candidate: Any) -> Iterator[str]:
    content = candidate.content
    for part in (content.parts if content is not None else None) or ():
        if part.text and not part.thought:
            yield part.text


def _usage(metadata: Any) -> Usage:
    output = metadata.candidates_token_count
    if metadata.thoughts_token_count:
        output = (output or 0) + metadata.thoughts_token_count
    return Usage(metadata.prompt_token_count, output)


def _name(value: Any) -> str:
    """An SDK enum's wire name (`STOP`), or the string itself for a value the SDK does not know."""
    return str(getattr(value, "value", value))


# ---- errors --------------------------------------------------------------------------------------


@cache
def _sdk_error_classes() -> dict[type[BaseException], type[AdapterError] | None]:
    from google.genai import errors

    classes: dict[type[BaseException], type[AdapterError] | None] = {}
    for name, kind in SDK_ERRORS.items():
        cls = getattr(errors, name, None)  # an older SDK may lack a newer class
        if isinstance(cls, type) and issubclass(cls, BaseException):
            classes[cls] = kind
    return classes


def _transport_error(exc: BaseException) -> type[AdapterError] | None:
    """Timeout or Unavailable for an httpx (or its fork httpx2's) failure, None for anything else."""
    for module_name in ("httpx", "httpx2"):
        module = sys.modules.get(module_name)
        if module is None:
            continue
        if isinstance(exc, module.TimeoutException):
            return Timeout
        if isinstance(exc, module.HTTPError | module.StreamError):
            return Unavailable
    return None


def error_class(exc: BaseException) -> type[AdapterError] | None:
    """The `AdapterError` class an exception's type maps to; None where the status code decides."""
    classes = _sdk_error_classes()
    for cls in type(exc).__mro__:
        if cls in classes:
            return classes[cls]
    return _transport_error(exc) or Unavailable


def map_error(exc: BaseException, endpoint: Endpoint, model: str = "") -> AdapterError:
    """The `AdapterError` for an exception the SDK call raised, by type and, for an API error, by
    status code. Anything unknown that broke the call (an unreadable answer) is `Unavailable`."""
    if isinstance(exc, AdapterError):
        return exc
    context: dict[str, Any] = {"provider": endpoint.provider, "model": model}
    kind = error_class(exc)
    code = getattr(exc, "code", None)
    if kind is not None or not isinstance(code, int):
        message = _redact(_plain_message(exc, kind or Unavailable, endpoint), endpoint)
        return (kind or Unavailable)(message, **context)
    body = _error_body(getattr(exc, "details", None))
    text = _body_message(exc, body, code)
    message = _redact(text, endpoint)
    if code == 400 and CONTEXT_TOO_LONG.search(getattr(exc, "message", None) or ""):
        return ContextTooLong(message, status=code, **context)
    retry_after = _retry_after(exc, body) if code == 429 else None
    error = from_status(code, message, retry_after=retry_after, **context)
    if code == 429 and not isinstance(error, RateLimited):  # pragma: no cover - from_status's contract
        error = RateLimited(message, status=code, retry_after=retry_after, **context)
    return error


def _error_body(details: Any) -> Mapping[str, Any]:
    """The `error` object of a Google error body (`{"error": {"code", "message", "status", ...}}`)."""
    if isinstance(details, list) and len(details) == 1:
        details = details[0]
    if isinstance(details, Mapping):
        inner = details.get("error")
        return inner if isinstance(inner, Mapping) else details
    return {}


def _body_message(exc: BaseException, body: Mapping[str, Any], code: int) -> str:
    status = getattr(exc, "status", None) or body.get("status")
    text = getattr(exc, "message", None) or body.get("message")
    text = " ".join(str(text).split()) if text else ""
    if len(text) > _MESSAGE_LIMIT:
        text = text[: _MESSAGE_LIMIT - 1] + "…"
    head = str(status) if isinstance(status, str) and status else f"HTTP {code}"
    return f"{head}: {text}" if text else head


def _plain_message(exc: BaseException, kind: type[AdapterError], endpoint: Endpoint) -> str:
    if kind is Timeout:
        return f"no answer within {endpoint.timeout:g} s"
    if kind is Unavailable and _transport_error(exc) is not None:
        return f"the connection to {_host(endpoint)} failed ({type(exc).__name__})"
    if kind is Unavailable:
        return f"Gemini sent an answer that could not be read ({type(exc).__name__})"
    return f"the call failed ({type(exc).__name__})"


def _host(endpoint: Endpoint) -> str:
    """Host and port only: a base URL may carry credentials (`user:pass@`) or a key in its query."""
    parts = urlsplit(endpoint.base_url or "https://generativelanguage.googleapis.com")
    if parts.hostname is None:
        return endpoint.provider
    return f"{parts.hostname}:{parts.port}" if parts.port else parts.hostname


def _redact(message: str, endpoint: Endpoint) -> str:
    key = endpoint.api_key
    return message.replace(key, "***") if key else message


def _retry_after(exc: BaseException, body: Mapping[str, Any]) -> float | None:
    """Seconds to wait: the response's `Retry-After` header (seconds or an HTTP date), else the
    error body's `google.rpc.RetryInfo` `retryDelay` ("2s", "0.5s")."""
    headers = getattr(getattr(exc, "response", None), "headers", None)
    value = None
    if isinstance(headers, Mapping):
        value = next((v for name, v in headers.items() if str(name).lower() == "retry-after"), None)
    if value:
        seconds = parse_retry_after(str(value))
        if seconds is not None:
            return seconds
    for detail in body.get("details") or ():
        if isinstance(detail, Mapping) and detail.get("@type") == _RETRY_INFO:
            match = _RETRY_DELAY.match(str(detail.get("retryDelay", "")))
            if match:
                return float(match[1])
    return None


def parse_retry_after(value: str, now: float | None = None) -> float | None:
    """A `Retry-After` value in seconds, or as an HTTP date; None if it is neither."""
    return retry_after_seconds(value, now)


__all__ = [
    "GeminiAdapter",
    "error_class",
    "generate_config",
    "map_error",
    "parse_retry_after",
    "split_base_url",
    "split_messages",
]
