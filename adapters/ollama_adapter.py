"""Ollama's own API (`/api/chat`, `/api/tags`): a local Ollama, or a remote one behind a key.

Endpoint kind "ollama". The official `ollama` SDK does the HTTP (over httpx); it is imported on the
first call, never at import time. Ollama needs no key; a key, when the settings give the endpoint one
(`api_key_env`), is sent as a Bearer token (Ollama's cloud, or a remote Ollama behind a proxy). The
SDK would also send `$OLLAMA_API_KEY` to any host it calls: the client drops that header unless the
endpoint configures one.

Parameters become Ollama `options` (`max_tokens` is `num_predict`); pass-through options from
settings are added as they are (`num_ctx`, `repeat_penalty`, ...), except the few that Ollama takes
beside `options` (`keep_alive`, `format`, `think`). Setting `num_ctx` matters: Ollama otherwise runs
at its small default context and silently drops the start of a long prompt.

Errors: `map_error` is the one place exceptions become `AdapterError`s, by type (`SDK_ERRORS`) and,
for `ollama.ResponseError`, by HTTP status. Only the listed types are caught: anything else is a
bug in promptls and is not disguised as a provider failure. A failure after the first chunk reached
the caller (a reset, a malformed NDJSON line, an `{"error": ...}` line) is always `StreamBroken`.
A 200 that is no NDJSON (nor the whole answer as one JSON line) is `Unavailable` (answers.py); the
first token and each pause are bounded by the endpoint's deadlines (deadline.py; NDJSON has no
keep-alive, so a stalled Ollama sends nothing at all).
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from functools import cache
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from promptls.adapters.answers import JSON_LINES, answer_form
from promptls.adapters.base import ChatRequest, Chunk, Done, Endpoint, Usage
from promptls.adapters.deadline import StreamWatch, response_hook
from promptls.adapters.errors import (
    AdapterError,
    AuthError,
    BadRequest,
    StreamBroken,
    Timeout,
    Unavailable,
    from_status,
)
from promptls.router.resolution.plan import OLLAMA_DEFAULT_HOST

if TYPE_CHECKING:
    import ollama

DEFAULT_HOST = OLLAMA_DEFAULT_HOST

OPTION_NAMES = {
    "temperature": "temperature",
    "top_p": "top_p",
    "top_k": "top_k",
    "max_tokens": "num_predict",
    "stop": "stop",
    "seed": "seed",
    "presence_penalty": "presence_penalty",
    "frequency_penalty": "frequency_penalty",
}
"""promptls parameters and the Ollama option each one is."""

LOCAL_PARAMS = frozenset({"expected_output_tokens"})
"""promptls parameters that only promptls reads (the cost estimate): never sent."""

TOP_LEVEL_OPTIONS = frozenset({"keep_alive", "format", "think"})
"""Pass-through options that Ollama takes as request fields, not inside `options`."""

SDK_ERRORS: dict[str, type[AdapterError] | None] = {
    # the SDK's own classes (None: decided by the HTTP status)
    "ollama.ResponseError": None,
    "ollama.RequestError": BadRequest,  # the SDK refused the call before sending it (no model)
    # no usable HTTP answer: httpx lets these through the SDK's streaming calls
    "httpx.TimeoutException": Timeout,
    "httpx.ConnectError": Unavailable,
    "httpx.RequestError": Unavailable,  # other transport, protocol and decoding errors
    "builtins.ConnectionError": Unavailable,  # the SDK's wrapping of httpx.ConnectError (non-streaming)
    # an answer that cannot be read: a malformed NDJSON line, an object of the wrong shape
    "json.JSONDecodeError": Unavailable,
    "pydantic.ValidationError": Unavailable,
}
"""The exception classes a call may raise, by dotted name, and the error each one is. A subclass
maps as its nearest listed ancestor. A test fails when the SDK defines an exception class that is
not listed here."""

_MESSAGE_LIMIT = 300
_LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1", "0.0.0.0", ""})


class OllamaAdapter:
    """An `Adapter` for endpoint kind "ollama". Construction is cheap; the SDK client is made once,
    on the first call."""

    def __init__(self, endpoint: Endpoint) -> None:
        self.endpoint = endpoint
        self._client: ollama.Client | None = None

    def __repr__(self) -> str:
        return f"OllamaAdapter({self.endpoint!r})"

    def stream(self, request: ChatRequest) -> Iterator[Chunk | Done]:
        client = self._sdk_client()
        started = False
        done: Done | None = None
        watch = StreamWatch(self.endpoint, request.model)
        # The SDK sends the request on the first pull; the client's response hook hands the response
        # to `watch`, which refuses one that is no stream of JSON lines (an HTML page).
        watch.inspect = lambda response: answer_form(response, self.endpoint, request.model, JSON_LINES)
        try:
            parts = client.chat(
                model=request.model,
                messages=[{"role": m.role, "content": m.content} for m in request.messages],
                stream=True,
                **chat_arguments(request),
            )
            for part in watch.pull(parts):
                message = part.message
                if message is not None and (message.content or getattr(message, "thinking", None)):
                    watch.progress()
                text = message.content if message is not None else None
                if text:
                    started = True
                    yield Chunk(text)
                if part.done:
                    done = Done(Usage(part.prompt_eval_count, part.eval_count), part.done_reason)
        except _caught() as exc:
            error = watch.timeout() if watch.expired else map_error(exc, self.endpoint, request.model)
            if started:
                raise StreamBroken.after(error, self.endpoint.provider, request.model) from exc
            raise error from exc
        finally:
            watch.close()
        if watch.expired:  # the watchdog ended a body the server delimits by closing it
            error = watch.timeout()
            raise StreamBroken.after(error, self.endpoint.provider, request.model) if started else error
        if done is None:  # the answer ended without its final `done` object
            error = Unavailable(
                "the answer ended before Ollama said it was done",
                provider=self.endpoint.provider,
                model=request.model,
            )
            raise StreamBroken.after(error, self.endpoint.provider, request.model) if started else error
        yield done

    def list_models(self) -> list[str]:
        client = self._sdk_client()
        try:
            return [model.model for model in client.list().models if model.model]
        except _caught() as exc:
            raise map_error(exc, self.endpoint) from exc

    def client(self) -> ollama.Client:
        """The SDK client (made on the first call), for the Messages translation (adapters/translate/)."""
        return self._sdk_client()

    def _sdk_client(self) -> ollama.Client:
        if self._client is None:
            import ollama

            headers = dict(self.endpoint.headers)
            if self.endpoint.api_key:
                headers["Authorization"] = f"Bearer {self.endpoint.api_key}"
            hooks: dict[str, list[Any]] = {"response": [response_hook]}
            if not any(name.lower() == "authorization" for name in headers):
                # The SDK sends $OLLAMA_API_KEY to whatever host it calls: only a key the settings
                # give this endpoint (api_key_env, a header) may leave the machine.
                hooks["request"] = [_without_authorization]
            self._client = ollama.Client(
                host=host(self.endpoint), timeout=self.endpoint.timeout, headers=headers, event_hooks=hooks
            )
        return self._client


def _without_authorization(request: Any) -> None:
    """An httpx request hook: send no `Authorization` header (the endpoint has none configured)."""
    request.headers.pop("authorization", None)


def host(endpoint: Endpoint) -> str:
    """Where Ollama is expected: the endpoint's base URL, else Ollama's default address."""
    return endpoint.base_url or DEFAULT_HOST


def chat_arguments(request: ChatRequest) -> dict[str, Any]:
    """The SDK's `chat` arguments besides model, messages and stream: `options` from the parameters
    and the pass-through options (which win a clash), and the request fields Ollama keeps outside
    `options` (`keep_alive`, `format`, `think`; `reasoning_effort` becomes `think`)."""
    options: dict[str, Any] = {}
    arguments: dict[str, Any] = {}
    for name, value in request.params.items():
        if value is None or name in LOCAL_PARAMS:
            continue
        if name == "reasoning_effort":
            arguments["think"] = False if value == "minimal" else value
        elif name == "stop":
            options["stop"] = [value] if isinstance(value, str) else list(value)
        else:
            options[OPTION_NAMES.get(name, name)] = value
    for name, value in request.options.items():
        if name in TOP_LEVEL_OPTIONS:
            arguments[name] = value
        else:
            options[name] = value
    if options:
        arguments["options"] = options
    return arguments


@cache
def _sdk_error_classes() -> dict[type[BaseException], type[AdapterError] | None]:
    classes: dict[type[BaseException], type[AdapterError] | None] = {}
    for dotted, kind in SDK_ERRORS.items():
        module, _, name = dotted.rpartition(".")
        cls = getattr(importlib.import_module(module), name, None)  # an older SDK may lack a class
        if isinstance(cls, type) and issubclass(cls, BaseException):
            classes[cls] = kind
    return classes


def _caught() -> tuple[type[BaseException], ...]:
    return tuple(_sdk_error_classes())


def error_class(exc_type: type[BaseException], status: int | None = None) -> type[AdapterError] | None:
    """The `AdapterError` class an exception type (with its HTTP status, if any) maps to; None for
    a type that is not listed in `SDK_ERRORS`, nor a subclass of one that is."""
    classes = _sdk_error_classes()
    for cls in exc_type.__mro__:
        if cls in classes:
            kind = classes[cls]
            if kind is None:  # a ResponseError: an HTTP status, or -1 for an error line in a stream
                return type(from_status(status, "")) if status and status > 0 else Unavailable
            return kind
    return None


def map_error(exc: BaseException, endpoint: Endpoint, model: str = "") -> AdapterError:
    """The `AdapterError` for an exception a call raised. Messages never hold the endpoint's key."""
    if isinstance(exc, AdapterError):
        return exc
    status = getattr(exc, "status_code", None)
    status = status if isinstance(status, int) and status > 0 else None
    kind = error_class(type(exc), status) or Unavailable
    where = host(endpoint)
    if _not_running(exc):
        message = f"Ollama is not running at {where}: start it with `ollama serve`"
        if not _is_local(where):
            message = f"cannot reach Ollama at {where}: check the address and that Ollama runs there"
    elif kind is Timeout:
        message = f"Ollama at {where} did not answer within {endpoint.timeout:g} s"
    elif status == 404 and model:
        message = f"model {model!r} not found in Ollama at {where}: run `ollama pull {model}`"
    elif kind is AuthError:
        message = f"Ollama at {where} refused the key (HTTP {status}): {_detail(exc)}"
    elif status is not None:
        message = f"HTTP {status}: {_detail(exc)}"
    elif _is_unreadable(exc):
        message = f"Ollama at {where} sent an answer that cannot be read ({type(exc).__name__})"
    else:
        message = f"{_detail(exc)} ({type(exc).__name__})"
    if endpoint.api_key:
        message = message.replace(endpoint.api_key, "***")
    return kind(message, provider=endpoint.provider, model=model, status=status)


def _not_running(exc: BaseException) -> bool:
    import httpx

    # the SDK turns httpx.ConnectError into a plain ConnectionError (its subclasses, such as a
    # reset, are something else)
    return isinstance(exc, httpx.ConnectError) or type(exc) is ConnectionError


def _is_unreadable(exc: BaseException) -> bool:
    import json

    import pydantic

    return isinstance(exc, json.JSONDecodeError | pydantic.ValidationError)


def _is_local(where: str) -> bool:
    address = where if "://" in where else f"http://{where}"
    hostname = urlsplit(address).hostname or ""
    return hostname in _LOOPBACK or hostname.startswith("127.")


def _detail(exc: BaseException) -> str:
    """The error's own text: Ollama's `error` field for a ResponseError, else the exception's text."""
    text = getattr(exc, "error", None)
    text = text if isinstance(text, str) and text else str(exc) or "no detail"
    text = " ".join(text.split())
    return text if len(text) <= _MESSAGE_LIMIT else text[: _MESSAGE_LIMIT - 1] + "…"


__all__ = ["OllamaAdapter", "chat_arguments", "error_class", "map_error"]
