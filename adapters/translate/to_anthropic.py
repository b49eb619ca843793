"""An Anthropic Messages request to Anthropic: passed through, nothing converted.

The client's body goes upstream as it came, unknown fields included (Claude Code's
`context_management`, `output_config`, `metadata`, `thinking`, cache marks, server tools), with
these changes only: `model` is the routed model's name, `stream` is true (a client that asked for a
whole message gets it collected from the stream), and thinking blocks promptls signed for another
provider (blocks.signed) are left out, since Anthropic would refuse their signatures, and the
settings' pass-through options are set over the client's fields. The client's
betas (`anthropic-beta`) go along, except `oauth-*` (promptls calls with its own key, never the
client's). The upstream's events come back as they were sent, as dicts (`message_start` and the
first block's start held until the answer begins, so that a failure before it can still fall back);
the SDK does not pass `ping`s on.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from promptls.adapters.answers import SSE, WHOLE_JSON, not_an_answer
from promptls.adapters.errors import Unavailable
from promptls.adapters.translate.blocks import signed
from promptls.adapters.translate.call import Call
from promptls.adapters.translate.events import message_events

ANSWER_EVENTS = frozenset({"content_block_delta", "message_delta"})
"""Events that carry the answer: progress for the deadlines, and the end of the events held back (a
`message_start` or an empty block's start says nothing yet)."""


def upstream_body(body: Mapping[str, Any], model: str) -> dict[str, Any]:
    wire = {**body, "model": model, "stream": True}
    messages = []
    for message in body.get("messages") or ():
        content = message.get("content")
        if isinstance(content, list) and any(
            signed(block) for block in content if isinstance(block, Mapping)
        ):
            content = [block for block in content if not (isinstance(block, Mapping) and signed(block))]
            message = {**message, "content": content}
        messages.append(message)
    wire["messages"] = messages
    return wire


def upstream_betas(betas: Sequence[str]) -> list[str]:
    return [beta.strip() for beta in betas if beta.strip() and not beta.strip().startswith("oauth-")]


def stream(
    call: Call, client: Any, body: Mapping[str, Any], *, betas: Sequence[str] = ()
) -> Iterator[dict[str, Any]]:
    """Send the body with the `anthropic` SDK (as is: its low-level `post`, no typed arguments that
    would drop unknown fields) and yield the upstream's events."""
    import anthropic

    options: dict[str, Any] = {}
    wanted = upstream_betas(betas)
    if wanted:
        options["headers"] = {"anthropic-beta": ",".join(wanted)}
    path = "/v1/messages?beta=true" if wanted else "/v1/messages"
    response = client.post(
        path,
        cast_to=object,
        body={**upstream_body(body, call.model), **call.options, "model": call.model, "stream": True},
        options=options,
        stream=True,
        stream_cls=anthropic.Stream[object],
    )
    try:
        events: Iterable[Any] = response
        if call.attach(response.response, SSE) == WHOLE_JSON:
            events = message_events(whole_message(response.response, call))
        ended = False
        held: list[dict[str, Any]] = []  # `message_start`, until the answer begins: a failure before
        for event in events:  # it can still fall back
            if not isinstance(event, Mapping):
                continue
            if event.get("type") in ANSWER_EVENTS:
                call.watch.progress()
                yield from held
                held.clear()
            ended = ended or event.get("type") == "message_stop"
            if held or event.get("type") in ("message_start", "content_block_start"):
                held.append(dict(event))
            else:
                yield dict(event)
        yield from held
        if not ended:
            raise Unavailable(
                "the answer ended without message_stop", provider=call.endpoint.provider, model=call.model
            )
    finally:
        response.close()


def whole_message(response: Any, call: Call) -> dict[str, Any]:
    try:
        message = json.loads(response.read())
        if message.get("type") != "message":
            raise ValueError(f"type {message.get('type')!r}")
        return message
    except (ValueError, TypeError, AttributeError) as exc:
        raise not_an_answer(call.endpoint, call.model, str(response.url), "a message") from exc
