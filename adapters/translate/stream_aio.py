"""`stream_messages_aio`: `stream_messages` (stream.py) on the event loop, for the endpoint kinds that
have an asynchronous wire (`AIO_KINDS`: OpenAI's chat completions, adapters/openai_aio.py).

The same request (to_openai.chat_body), the same reading of the answer (to_openai.ChunkReader), the
same errors (stream._error with openai_compat.map_error): a failure before the first event is the
`AdapterError` to fall back on, after it `StreamBroken`. What differs is only the I/O: no thread, and
a client that goes away cancels the task reading the answer, which closes the upstream connection
(so the server stops generating) rather than setting a `Cancel`.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any, NamedTuple

from promptls.adapters.answers import SSE, WHOLE_JSON, answer_form
from promptls.adapters.base import Endpoint
from promptls.adapters.errors import Unsupported
from promptls.adapters.openai_aio import HttpPool, post_json, read_whole, sse_events, stream_error
from promptls.adapters.openai_compat import map_error
from promptls.adapters.sse import StreamChunks
from promptls.adapters.translate.call import NO_OPTIONS, Call
from promptls.adapters.translate.stream import stream_error_for
from promptls.adapters.translate.to_openai import ChunkReader, chat_body, completion_as_chunk

AIO_KINDS = frozenset({"openai"})
"""Endpoint kinds `stream_messages_aio` can call; the others run on a thread (stream.py)."""


class _Head(NamedTuple):
    """An aiohttp response's status line and headers as `answer_form` reads an httpx response's."""

    status_code: int
    headers: Mapping[str, str]
    url: str


async def stream_messages_aio(
    pool: HttpPool,
    endpoint: Endpoint,
    model: str,
    body: Mapping[str, Any],
    *,
    betas: Sequence[str] = (),
    reasoning: bool | None = None,
    options: Mapping[str, Any] = NO_OPTIONS,
    max_output: int | None = None,
) -> AsyncIterator[list[dict[str, Any]]]:
    """Send `body` (an Anthropic Messages request) to `model` at `endpoint` through `pool`, and yield
    the answer as Anthropic streaming events, in lists: those that one read of the upstream's answer
    made (sent on to the client in one write). The arguments are `stream_messages`' (`betas` is for
    Anthropic endpoints, which are not called here)."""
    if endpoint.kind not in AIO_KINDS:
        raise Unsupported(
            f"{endpoint.kind} endpoints are called on a thread (stream_messages)",
            provider=endpoint.provider,
            model=model,
        )
    call = Call(endpoint, model, None, options)
    if max_output and isinstance(body.get("max_tokens"), int) and body["max_tokens"] > max_output:
        body = {**body, "max_tokens": max_output}
    started = False
    response = None
    finished = False
    try:
        wire, names = chat_body(body, model, endpoint.provider, reasoning=reasoning)
        wire.update(call.options)  # settings' pass-through options (OpenRouter's `provider`, ...) win
        data = json.dumps(wire, ensure_ascii=False).encode()
        response = await post_json(pool, endpoint, "/chat/completions", data, model)
        reader = ChunkReader(call, names)
        url = str(response.url)
        if answer_form(_Head(response.status, response.headers, url), endpoint, model, SSE) == WHOLE_JSON:
            raw = await read_whole(response, call.watch)
            events = reader.feed(completion_as_chunk(raw, call, url))
        else:
            events = []
            chunks = StreamChunks(lambda error: stream_error(error, endpoint, model))
            async for batch in sse_events(response, call.watch):
                try:
                    for chunk in chunks.of(batch):
                        events += reader.feed(chunk)
                except Exception:
                    if events:  # what came before the failure goes out first, as on a thread
                        started = True
                        yield events
                    raise
                if events:
                    started = True
                    yield events
                    events = []
        finished = True
        events += reader.end()
        started = started or bool(events)
        yield events
    except GeneratorExit:
        raise
    except Exception as exc:
        raise stream_error_for(exc, call, map_error, started) from exc
    finally:
        if response is not None:
            if finished:
                response.release()  # read to its end: the connection serves the next request
            else:
                response.close()  # cut short: closing the connection stops the upstream's answer
