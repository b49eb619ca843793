"""`stream_messages`: an Anthropic Messages request to any endpoint, the answer as Anthropic events.

The target module for the endpoint's kind builds the provider's request and turns its answer into
events; this module does what is the same for all: the adapter (and so the SDK client) for the
endpoint, the deadlines, the cancel, and the errors. A failure before the first event is the
`AdapterError` the endpoint's adapter maps it to (its `map_error`: one error map with `promptls
run`), so the caller may fall back; after the first event it is `StreamBroken` (the client already
has part of an answer, and another model's would be mixed in); a cancel is `Cancelled`.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from promptls.adapters.base import Endpoint
from promptls.adapters.errors import AdapterError, Cancelled, StreamBroken, Unavailable, Unsupported
from promptls.adapters.execute import cached_adapter, default_adapter
from promptls.adapters.translate.call import NO_OPTIONS, Call

ADAPTER_MODULES = {
    "openai": "promptls.adapters.openai_compat",
    "anthropic": "promptls.adapters.anthropic_adapter",
    "gemini": "promptls.adapters.gemini_adapter",
    "ollama": "promptls.adapters.ollama_adapter",
}
"""Each endpoint kind's adapter module: its `map_error` is the one error map for the kind."""


def stream_messages(
    endpoint: Endpoint,
    model: str,
    body: Mapping[str, Any],
    *,
    cancel: threading.Event | None = None,
    betas: Sequence[str] = (),
    reasoning: bool | None = None,
    options: Mapping[str, Any] = NO_OPTIONS,
    max_output: int | None = None,
) -> Iterator[dict[str, Any]]:
    """Send `body` (an Anthropic Messages request) to `model` at `endpoint`, and yield the answer as
    Anthropic streaming events. `betas`: the client's `anthropic-beta` values (for an Anthropic
    endpoint); `reasoning`: the model is known to reason (its effort is then sent; None: unknown,
    not sent, since models that do not reason refuse it); `options`: the settings' pass-through
    options for this model (each target's module says where they go); `max_output`: the model's
    output limit, when known: a larger `max_tokens` (Claude Code asks 32,000 or 64,000) is lowered
    to it, since providers refuse a request above their model's limit."""
    if endpoint.kind not in ADAPTER_MODULES:
        raise Unsupported(
            f"promptls cannot call {endpoint.kind} models yet; route to another provider",
            provider=endpoint.provider,
            model=model,
        )
    map_error: Callable[..., AdapterError] = importlib.import_module(ADAPTER_MODULES[endpoint.kind]).map_error
    call = Call(endpoint, model, cancel, options)
    if max_output and isinstance(body.get("max_tokens"), int) and body["max_tokens"] > max_output:
        body = {**body, "max_tokens": max_output}
    started = False
    events: Iterator[dict[str, Any]] | None = None
    try:
        events = _events(call, body, betas, reasoning)
        for event in events:
            if call.cancelled:
                raise Cancelled("the client went away", provider=endpoint.provider, model=model)
            started = True
            yield event
    except GeneratorExit:
        raise
    except Exception as exc:
        raise stream_error_for(exc, call, map_error, started) from exc
    finally:
        if events is not None:
            events.close()  # closes the SDK's response, and the connection with it
        call.close()
    if call.watch.expired:  # the watchdog ended a body the server delimits by closing it
        error = call.watch.timeout()
        raise StreamBroken.after(error, call.endpoint.provider, call.model) if started else error


def _events(
    call: Call, body: Mapping[str, Any], betas: Sequence[str], reasoning: bool | None
) -> Iterator[dict[str, Any]]:
    adapter: Any = cached_adapter(call.endpoint, default_adapter)
    kind = call.endpoint.kind
    if kind == "anthropic":
        from promptls.adapters.translate import to_anthropic

        yield from to_anthropic.stream(call, adapter.client(), body, betas=betas)
    elif kind == "openai":
        from promptls.adapters.translate import to_openai

        yield from to_openai.stream(call, adapter, body, reasoning=reasoning)
    elif kind == "gemini":
        from promptls.adapters.translate import to_gemini

        yield from to_gemini.stream(call, adapter.client(), body, reasoning=reasoning)
    else:
        from promptls.adapters.translate import to_ollama

        yield from to_ollama.stream(call, adapter.client(), body, reasoning=reasoning)


def stream_error_for(
    exc: Exception, call: Call, map_error: Callable[..., AdapterError], started: bool
) -> AdapterError:
    endpoint, model = call.endpoint, call.model
    if call.cancelled:
        return Cancelled("the client went away", provider=endpoint.provider, model=model)
    if call.watch.expired:
        error = call.watch.timeout()
    elif isinstance(exc, AdapterError):
        error = exc
    elif isinstance(exc, LookupError | TypeError | AttributeError):  # a chunk of an unexpected shape
        error = Unavailable(
            f"{endpoint.provider} sent an answer that could not be read ({type(exc).__name__}: {exc})",
            provider=endpoint.provider,
            model=model,
        )
    else:
        error = map_error(exc, endpoint, model)
    return (
        StreamBroken.after(error, call.endpoint.provider, call.model)
        if started and not isinstance(error, StreamBroken | Cancelled)
        else error
    )
