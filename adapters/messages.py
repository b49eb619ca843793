"""Anthropic Messages requests to any provider, for the proxy: the public surface of adapters/translate/.

The lingua franca is Anthropic's Messages format, as plain dicts: a request body as Claude Code (or
any Anthropic client) sends it, and the answer as Anthropic's streaming events.

    stream_messages(endpoint, model, body, *, cancel=None, betas=(), reasoning=None, options={},
                    max_output=None) -> Iterator[dict]
        Send `body` to `model` (the provider's own name) at `endpoint`, translated to its wire format
        (pass-through for Anthropic), and yield Anthropic events: `message_start`, per block
        `content_block_start` / `content_block_delta` (text_delta, thinking_delta, signature_delta,
        input_json_delta) / `content_block_stop`, one `ping`, `message_delta` (stop_reason, usage
        with cache tokens), `message_stop`. Raises `AdapterError` before the first event (fall back
        then), `StreamBroken` after it, `Cancelled` when `cancel` is set. The endpoint's deadlines
        apply (adapters/deadline.py). `cancel`: a `Cancel` (below) aborts the upstream read at once
        when set from another thread (a plain `threading.Event` is seen between pieces).
        `betas`: the client's `anthropic-beta` values (Anthropic endpoints only). `reasoning`: the
        model is known to reason, so the client's effort is sent (None: not sent). `options`: the
        settings' pass-through options for the model, put where its wire takes them. `max_output`:
        the model's output limit; a larger `max_tokens` is lowered to it.
    MessagesRun(plan, body, env, *, cancel=None, betas=(), on_attempt=None)
        The fallback runner over a `FallbackPlan` (router/resolution/plan.py): iterate it for the
        events of the model that answered; falls back only before the first event, with the
        retries, backoff and cooldowns of `promptls run`; each call's `reasoning` and `max_output`
        from its catalog entry, its `options` from settings. `.model_id`, `.attempts`,
        `.first_event_ms`, `.usage`, `.error` for the ledger.
    collect_message(events) -> dict            the whole message (for a request without `stream`)
    message_events(message) -> Iterator[dict]  a whole message as its events
    error_payload(err, "anthropic" | "openai") -> (status, headers, body)
        An upstream failure in the client's shape and status (429 with Retry-After, 529
        overloaded_error, ...). `error_event(err)`: the `error` event that ends a broken stream.
    openai_request_to_anthropic(body) -> dict
    anthropic_events_to_openai_chunks(events, model, *, include_usage=False) -> Iterator[dict]
    anthropic_message_to_openai(message, model) -> dict
        The proxy's OpenAI endpoint: an OpenAI chat completions request in, its answer out.

What becomes of each field of the request, per target, is written in each target's module
docstring (adapters/translate/to_*.py) and in blocks.py and schema.py.
"""

from __future__ import annotations

from promptls.adapters.translate.call import Cancel
from promptls.adapters.translate.errors import client_message, error_event, error_payload
from promptls.adapters.translate.events import collect_message, message_events
from promptls.adapters.translate.front_openai import (
    anthropic_events_to_openai_chunks,
    anthropic_message_to_openai,
    openai_request_to_anthropic,
)
from promptls.adapters.translate.run import MessagesRun
from promptls.adapters.translate.stream import stream_messages

__all__ = [
    "Cancel",
    "MessagesRun",
    "anthropic_events_to_openai_chunks",
    "anthropic_message_to_openai",
    "client_message",
    "collect_message",
    "error_event",
    "error_payload",
    "message_events",
    "openai_request_to_anthropic",
    "stream_messages",
]
