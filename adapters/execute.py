"""Run a fallback plan: call each model in turn, retry what is worth retrying, stream the answer.

The error kind decides: retryable failures (429, 5xx, timeouts, lost connections) are tried again
with exponential backoff and jitter, honouring Retry-After; the others (auth, bad request, missing
key) move to the next model at once. A model that failed is cooled down for later runs in this
process. Fallback happens only before the first token: once text reached the user, a broken
stream ends the run with an error and what was received is kept, never mixed with another model's.

A run can be cancelled from another thread (an editor's Cancel) through `cancel`, an event checked
before each call, after each piece of a stream and during backoff waits: the stream is closed at
once, which closes the SDK's response and with it the connection, so the provider stops generating
(and billing). The run ends `interrupted`, with what arrived until then.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Mapping
from typing import NamedTuple

from promptls.adapters.base import Adapter, ChatRequest, Chunk, Done, Endpoint, Message, Usage
from promptls.adapters.errors import (
    AdapterError,
    Cancelled,
    MissingKey,
    StreamBroken,
    Unavailable,
    Unsupported,
)
from promptls.router.resolution.plan import FallbackPlan, PlannedCall

_cooldown_until: dict[str, float] = {}


class Attempt(NamedTuple):
    model_id: str
    latency_ms: float
    error: AdapterError | None


class RunResult(NamedTuple):
    outcome: str
    """"ok", "failed" (every model failed before answering), "partial" (broke mid-stream) or
    "interrupted" (cancelled: `error` is `Cancelled`, `model_id` the model called when it came)."""
    model_id: str | None
    text: str
    usage: Usage | None
    attempts: tuple[Attempt, ...]
    first_token_ms: float | None
    error: AdapterError | None


class Events(NamedTuple):
    """What the front end hears: status lines, text as it streams, each finished attempt."""

    status: Callable[[str], None]
    text: Callable[[str], None]
    attempt: Callable[[Attempt], None]


def default_adapter(endpoint: Endpoint) -> Adapter:
    """The adapter for an endpoint's wire protocol (each module imports its SDK only when called)."""
    if endpoint.kind == "openai":
        from promptls.adapters.openai_compat import OpenAICompatAdapter

        return OpenAICompatAdapter(endpoint)
    if endpoint.kind == "anthropic":
        from promptls.adapters.anthropic_adapter import AnthropicAdapter

        return AnthropicAdapter(endpoint)
    if endpoint.kind == "gemini":
        from promptls.adapters.gemini_adapter import GeminiAdapter

        return GeminiAdapter(endpoint)
    if endpoint.kind == "ollama":
        from promptls.adapters.ollama_adapter import OllamaAdapter

        return OllamaAdapter(endpoint)
    raise Unsupported(
        f"promptls cannot call {endpoint.kind} models yet; use a fallback of another provider",
        provider=endpoint.provider,
    )


def run_plan(
    plan: FallbackPlan,
    messages: tuple[Message, ...],
    env: Mapping[str, str],
    events: Events,
    *,
    adapter_for: Callable[[Endpoint], Adapter] = default_adapter,
    sleep: Callable[[float], None] | None = None,
    clock: Callable[[], float] = time.monotonic,
    cancel: threading.Event | None = None,
) -> RunResult:
    """Run `plan`, telling `events` as it goes. Backoff waits use `sleep` (default: a wait that
    `cancel` ends early)."""
    attempts: list[Attempt] = []
    last_error: AdapterError | None = None
    started = clock()
    cancel = cancel or threading.Event()
    sleep = sleep or cancel.wait
    for index, call in enumerate(plan.calls):
        if cancel.is_set():
            return _interrupted(None, "", attempts, None, Cancelled("cancelled before a model answered"))
        if index:
            events.status(
                f"falling back from {plan.calls[index - 1].model_id} to {call.model_id}"
                + (f" ({last_error.describe()})" if last_error else "")
            )
        cooled = _cooldown_until.get(call.model_id, 0.0)
        if cooled > clock():
            last_error = Unavailable(f"{call.model_id} failed recently; skipped for {cooled - clock():.0f} s")
            attempts.append(Attempt(call.model_id, 0.0, last_error))
            events.attempt(attempts[-1])
            continue
        events.status(f"running on {call.model_id}")
        result = _try_model(
            call, messages, env, events, plan, attempts, adapter_for, sleep, clock, started, cancel
        )
        if isinstance(result, RunResult):
            return result
        last_error = result
        _cooldown_until[call.model_id] = clock() + plan.retry.cooldown
    return RunResult("failed", None, "", None, tuple(attempts), None, last_error)


def _try_model(
    call: PlannedCall,
    messages: tuple[Message, ...],
    env: Mapping[str, str],
    events: Events,
    plan: FallbackPlan,
    attempts: list[Attempt],
    adapter_for: Callable[[Endpoint], Adapter],
    sleep: Callable[[float], None],
    clock: Callable[[], float],
    started: float,
    cancel: threading.Event,
) -> RunResult | AdapterError:
    request = ChatRequest(call.name, messages, call.params, call.options)
    begin = clock()
    try:
        # One adapter (and so one SDK client) per endpoint, reused by retries and later runs:
        # building a client loads the CA bundle, tens of milliseconds a fallback would pay again.
        adapter = cached_adapter(endpoint_for(call, env), adapter_for)
    except AdapterError as error:
        attempt = Attempt(call.model_id, (clock() - begin) * 1000, error)
        attempts.append(attempt)
        events.attempt(attempt)
        return error
    for retry in range(plan.retry.retries + 1):
        begin = clock()
        received: list[str] = []
        first_token: float | None = None
        cut = False
        stream = adapter.stream(request)
        try:
            usage = Usage(None, None)
            for event in stream:
                if isinstance(event, Chunk):
                    if first_token is None:
                        first_token = clock()
                    received.append(event.text)  # generated (and billed) even when not shown
                if cancel.is_set():
                    cut = True
                    break
                if isinstance(event, Chunk):
                    events.text(event.text)
                elif isinstance(event, Done):
                    usage = event.usage
        except AdapterError as error:
            if received and not isinstance(error, StreamBroken):
                error = StreamBroken(error.message, provider=call.provider, model=call.model_id)
            attempt = Attempt(call.model_id, (clock() - begin) * 1000, error)
            attempts.append(attempt)
            events.attempt(attempt)
            if received:  # text reached the user: no retry, no fallback
                return RunResult(
                    "partial",
                    call.model_id,
                    "".join(received),
                    None,
                    tuple(attempts),
                    _ms(first_token, started),
                    error,
                )
            if not error.retryable or retry == plan.retry.retries:
                return error
            delay = retry_delay(plan, retry, error.retry_after)
            events.status(f"{call.model_id}: {error.describe()}; retrying in {delay:.1f} s")
            sleep(delay)
            if cancel.is_set():
                return _interrupted(None, "", attempts, None, Cancelled("cancelled while waiting to retry"))
            continue
        finally:
            stream.close()  # also on a cancel: closes the SDK's response, and the connection with it
        if cut:
            why = f"cancelled after {len(received)} pieces of the answer" if received else "cancelled"
            error = Cancelled(why, provider=call.provider, model=call.model_id)
            attempt = Attempt(call.model_id, (clock() - begin) * 1000, error)
            attempts.append(attempt)
            events.attempt(attempt)
            return _interrupted(call.model_id, "".join(received), attempts, _ms(first_token, started), error)
        attempt = Attempt(call.model_id, (clock() - begin) * 1000, None)
        attempts.append(attempt)
        events.attempt(attempt)
        return RunResult(
            "ok", call.model_id, "".join(received), usage, tuple(attempts), _ms(first_token, started), None
        )
    raise AssertionError("unreachable: the loop returns on its last try")


def _interrupted(
    model_id: str | None, text: str, attempts: list[Attempt], first_token_ms: float | None, error: Cancelled
) -> RunResult:
    """A cancelled run: `model_id` is the model that was answering (None when none was)."""
    return RunResult("interrupted", model_id, text, None, tuple(attempts), first_token_ms, error)


_adapters: dict[tuple, tuple[Callable[[Endpoint], Adapter], Adapter]] = {}


def cached_adapter(endpoint: Endpoint, adapter_for: Callable[[Endpoint], Adapter]) -> Adapter:
    key = tuple(endpoint._replace(headers=tuple(sorted(endpoint.headers.items()))))
    cached = _adapters.get(key)
    if cached is not None and cached[0] is adapter_for:
        return cached[1]
    if len(_adapters) >= 16:
        _adapters.clear()
    adapter = adapter_for(endpoint)
    _adapters[key] = (adapter_for, adapter)
    return adapter


def _ms(moment: float | None, started: float) -> float | None:
    return None if moment is None else (moment - started) * 1000


def retry_delay(plan: FallbackPlan, retry: int, retry_after: float | None) -> float:
    backoff = min(plan.retry.max_delay, plan.retry.base_delay * (2**retry))
    backoff *= 0.5 + random.random() / 2  # jitter: many clients must not retry in step
    if retry_after is not None:
        return min(plan.retry.max_delay, max(retry_after, backoff))
    return backoff


def endpoint_for(call: PlannedCall, env: Mapping[str, str]) -> Endpoint:
    """The call's endpoint with its key (`key_for`)."""
    return endpoint_with(call, key_for(call, env))


def key_for(call: PlannedCall, env: Mapping[str, str]) -> str | None:
    """The call's key: the environment, then the OS keyring; None for a local server that settings
    give no key. Raises `MissingKey` for a hosted provider without one."""
    from promptls.adapters.keys import KeyringUnavailable, lookup_key, missing_key_message

    key = None
    if not call.local or call.api_key_env:  # a local server gets a key only when settings name one
        try:
            key = lookup_key(call.provider, env, call.api_key_env).value
        except KeyringUnavailable:
            if call.provider in ("openai", "openrouter", "gemini", "anthropic"):
                raise MissingKey(
                    f"{missing_key_message(call.provider, call.api_key_env)} (the OS keyring cannot be "
                    "used here: `promptls keys list` says why)",
                    provider=call.provider,
                    model=call.model_id,
                ) from None
            key = None  # a declared server may need no key at all
        if key is None and call.provider in ("openai", "openrouter", "gemini", "anthropic"):
            raise MissingKey(
                missing_key_message(call.provider, call.api_key_env),
                provider=call.provider,
                model=call.model_id,
            )
    return key


def endpoint_with(call: PlannedCall, key: str | None) -> Endpoint:
    return Endpoint(
        call.provider,
        call.kind,
        call.base_url,
        key,
        call.timeout,
        call.headers,
        call.first_token_timeout,
        call.idle_timeout,
    )


def reset_cooldowns() -> None:
    _cooldown_until.clear()


def cooldown_left(model_id: str, clock: Callable[[], float] = time.monotonic) -> float:
    """Seconds `model_id` is still skipped after a recent failure (0: not cooled down)."""
    return max(_cooldown_until.get(model_id, 0.0) - clock(), 0.0)


def cool_down(model_id: str, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
    """Skip `model_id` for `seconds` in later runs of this process (it just failed)."""
    _cooldown_until[model_id] = clock() + seconds
