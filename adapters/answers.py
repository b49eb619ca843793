"""Is a provider's 200 an answer the adapter can read? The same test for every provider.

A streaming request can get a 200 that is no stream: an HTML page (a proxy's sign-in page, a base
URL that points at a website), or the provider's whole answer as one JSON body (servers that do not
stream, or that fall back to not streaming). Read as a stream, the first yields no event and would
pass for an empty answer, charged and final. So before reading, each adapter asks `answer_form`:

    answer_form(response, endpoint, model, SSE)  -> STREAM or WHOLE_JSON, or raises Unavailable

`STREAM`: read it as the protocol's stream. `WHOLE_JSON`: the adapter reads it as the protocol's
non-streamed answer (and fails, Unavailable, when the JSON is not one). A body of any other media type
is `Unavailable` (retried, then the next model), its message naming what came back and from where:
"openai at http://127.0.0.1:8080: answered 200 with text/html, not an event stream". A response with
no content type is read as a stream: what is not one then ends without the protocol's end marker,
which every adapter reports too.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple
from urllib.parse import urlsplit

from promptls.adapters.base import Endpoint
from promptls.adapters.errors import Unavailable

STREAM = "stream"
WHOLE_JSON = "whole JSON"

EVENT_STREAM = "text/event-stream"
JSON = "application/json"
NDJSON = "application/x-ndjson"


class StreamForm(NamedTuple):
    """The media types a protocol streams in, and how its stream is called in a message."""

    stream_types: frozenset[str]
    described: str


SSE = StreamForm(frozenset({EVENT_STREAM}), "an event stream")
"""OpenAI (and compatible servers), Anthropic and Gemini (`alt=sse`)."""
JSON_LINES = StreamForm(frozenset({NDJSON, JSON}), "a stream of JSON lines")
"""Ollama's NDJSON; its whole answer (one JSON object on one line) is read by the same SDK code."""


def media_type(headers: Mapping[str, str]) -> str:
    """`text/html` of `Content-Type: text/html; charset=utf-8` (empty when there is none)."""
    return (headers.get("content-type") or "").partition(";")[0].strip().lower()


def origin(url: str | None) -> str:
    """`scheme://host:port` of a URL: never its credentials (`user:pass@`), path or query, which
    may hold a key."""
    parts = urlsplit(url or "")
    if not parts.hostname:
        return "its endpoint"
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}" if parts.scheme else f"{host}{port}"


def where(endpoint: Endpoint, url: str | None = None) -> str:
    """`openai at https://api.openai.com`: who answered, for a message."""
    return f"{endpoint.provider} at {origin(url or endpoint.base_url)}"


def answer_form(response: Any, endpoint: Endpoint, model: str, form: StreamForm) -> str:
    """How to read a response to a streaming request (an httpx response, either fork, with its
    headers in). Only a 2xx answer is judged: an error status is the SDK's to report."""
    if not 200 <= response.status_code < 300:
        return STREAM
    media = media_type(response.headers)
    if not media or media in form.stream_types:
        return STREAM
    if media == JSON:
        return WHOLE_JSON
    raise Unavailable(
        f"{where(endpoint, str(response.url))}: answered {response.status_code} with {media}, "
        f"not {form.described}",
        provider=endpoint.provider,
        model=model,
        status=None,
    )


def not_an_answer(endpoint: Endpoint, model: str, url: str | None, what: str) -> Unavailable:
    """The error for a whole JSON body that is not the protocol's answer (`what`: "a chat completion")."""
    return Unavailable(
        f"{where(endpoint, url)}: answered with JSON that is not {what}",
        provider=endpoint.provider,
        model=model,
    )
