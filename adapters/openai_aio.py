"""OpenAI's chat completions protocol on the event loop, for the proxy: the same requests, answers,
errors and deadlines as openai_compat.py, without a thread per request.

    pool = HttpPool()                                   # one per event loop; `await pool.close()`
    response = await post_json(pool, endpoint, "/chat/completions", body, model)
    async for batch in sse_events(response, watch):     # the events' data, per read
        ...

Why not the SDK (`openai.AsyncOpenAI`): its HTTP library parses HTTP in pure Python, and with a
worker thread per request that was most of the proxy's time (bench/proxy.py: about 1.2 ms of CPU a
request, against 0.3 ms with aiohttp, whose parser is compiled). The proxy's requests are built whole
by the translation (adapters/translate/to_openai.py), so nothing of the SDK's request building is
needed; what the SDK gives `promptls run` (the error map) is shared: `status_failure` maps an error
answer as `map_error` maps the SDK's `APIStatusError`, with the same messages.

Deadlines, as deadline.py's: the connection and the response's headers within the endpoint's
`timeout`; then the first piece of the answer by `first_token_timeout` from the request, and no pause
longer than `idle_timeout` (keep-alives do not count: the caller calls `watch.progress()` for each
piece of the answer, which moves `watch.deadline`). Each read waits until that deadline at most, so
no watchdog thread is needed here. Bodies are bounded: an error answer is read up to 1 MiB, a whole
JSON answer up to `WHOLE_LIMIT`.
"""

from __future__ import annotations

import asyncio
import ipaddress
import time
from collections.abc import AsyncIterator, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from promptls.adapters.base import Endpoint
from promptls.adapters.deadline import FIRST_TOKEN, IDLE, StreamWatch
from promptls.adapters.errors import AdapterError, Timeout, Unavailable
from promptls.adapters.openai_compat import api_key_for, base_url_for, endpoint_host, status_failure
from promptls.adapters.sse import SSEParser

if TYPE_CHECKING:
    import aiohttp

ERROR_LIMIT = 1 << 20
"""Bytes of an error answer read for its message."""

WHOLE_LIMIT = 64 << 20
"""Bytes of a whole JSON answer (a server that did not stream) read at most."""


class HttpPool:
    """The aiohttp session (its pool of kept-alive connections) of one event loop, made on first use.
    Close it on the same loop (`await pool.close()`)."""

    def __init__(self) -> None:
        self._session: aiohttp.ClientSession | None = None
        self._proxies: dict[str, str | None] = {}
        self._timeouts: dict[float, aiohttp.ClientTimeout] = {}

    def timeout(self, seconds: float) -> aiohttp.ClientTimeout:
        """Connect, and each read until the response's headers, within `seconds` (made once)."""
        found = self._timeouts.get(seconds)
        if found is None:
            import aiohttp

            found = aiohttp.ClientTimeout(total=None, sock_connect=seconds, sock_read=seconds)
            self._timeouts[seconds] = found
        return found

    def proxy_for(self, base: str) -> str | None:
        """The HTTP proxy for a base URL, from the environment (`HTTPS_PROXY`, `HTTP_PROXY`,
        `ALL_PROXY`, `NO_PROXY`), as the SDKs' httpx honours them; never for a loopback server (a
        proxy cannot reach this machine's). Decided once per base URL: aiohttp's own `trust_env`
        reads the environment at every request, 0.26 ms each (more than the rest of its request)."""
        if base not in self._proxies:
            import urllib.request

            parts = urlsplit(base)
            host = parts.hostname or ""
            proxies = urllib.request.getproxies()
            chosen = proxies.get(parts.scheme) or proxies.get("all")
            if not chosen or _loopback(host) or urllib.request.proxy_bypass(host):
                chosen = None
            self._proxies[base] = chosen
        return self._proxies[base]

    def session(self) -> aiohttp.ClientSession:
        if self._session is None:
            import aiohttp

            connector = aiohttp.TCPConnector(
                limit=0,  # the proxy's own concurrency bounds it; a queue here would add latency
                # closed before the servers close theirs (uvicorn's, llama.cpp's and Node's 5 s): a
                # request sent on a connection the server is closing would fail, and a POST is not
                # sent twice. httpx, which `promptls run` uses, keeps them 5 s too
                keepalive_timeout=4,
            )
            self._session = aiohttp.ClientSession(connector=connector, skip_auto_headers=("User-Agent",))
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            session, self._session = self._session, None
            await session.close()


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return host == "localhost"


def request_headers(endpoint: Endpoint, model: str) -> dict[str, str]:
    """What the SDK would send: the key as a bearer token (`api_key_for`), the settings' headers,
    JSON."""
    return {
        "Content-Type": "application/json",
        "Accept": "application/json, text/event-stream",
        "User-Agent": "promptls-proxy",
        **endpoint.headers,
        "Authorization": f"Bearer {api_key_for(endpoint, model)}",
    }


async def post_json(
    pool: HttpPool, endpoint: Endpoint, path: str, body: bytes, model: str
) -> aiohttp.ClientResponse:
    """POST `body` (JSON) to `path` under the endpoint's base URL; the response with its headers in,
    its body unread. An error status is raised as the `AdapterError` `map_error` would give for it;
    a connection that fails or a server that does not answer within the endpoint's `timeout`, as
    `Unavailable` or `Timeout`."""
    import aiohttp

    base = base_url_for(endpoint, model).rstrip("/")
    headers = request_headers(endpoint, model)
    timeout = pool.timeout(endpoint.timeout)
    proxy = pool.proxy_for(base)
    try:
        response = await pool.session().post(
            base + path, data=body, headers=headers, timeout=timeout, proxy=proxy
        )
    except (aiohttp.ClientError, TimeoutError) as exc:
        raise transport_error(exc, endpoint, model) from None
    if response.status >= 400:
        try:
            raw = await read_at_most(response, ERROR_LIMIT)
        except (aiohttp.ClientError, TimeoutError):
            raw = b""
        finally:
            response.close()
        raise status_failure(response.status, raw, response.headers, endpoint, model)
    return response


async def read_at_most(response: aiohttp.ClientResponse, limit: int) -> bytes:
    """The body to its end, or its first `limit` bytes (a read gives what has arrived, not all)."""
    pieces: list[bytes] = []
    size = 0
    while size < limit:
        piece = await response.content.read(limit - size)
        if not piece:
            break
        pieces.append(piece)
        size += len(piece)
    return b"".join(pieces)


def transport_error(exc: BaseException, endpoint: Endpoint, model: str) -> AdapterError:
    """A failed connection or read, worded as openai_compat.py words the SDK's (never the URL, which
    may hold credentials: the host and port only)."""
    if isinstance(exc, TimeoutError):
        return Timeout(f"no answer within {endpoint.timeout:g} s", provider=endpoint.provider, model=model)
    what = f"the connection to {endpoint_host(endpoint)} failed ({type(exc).__name__})"
    return Unavailable(what, provider=endpoint.provider, model=model)


async def read_whole(response: aiohttp.ClientResponse, watch: StreamWatch) -> bytes:
    """A whole body (at most `WHOLE_LIMIT` bytes): a server that answered a stream request without
    streaming. Each read within the endpoint's `timeout`, the whole by the first-token deadline."""
    import aiohttp

    endpoint, model = watch.endpoint, watch.model
    left = watch.deadline - time.monotonic()
    try:
        if left <= 0:
            raise TimeoutError
        async with asyncio.timeout(left) as limit:
            raw = await read_at_most(response, WHOLE_LIMIT + 1)
    except TimeoutError:
        if left > 0 and not limit.expired():  # the endpoint's own per-read timeout
            raise transport_error(TimeoutError(), endpoint, model) from None
        watch.expired = FIRST_TOKEN
        raise watch.timeout() from None
    except aiohttp.ClientError as exc:
        raise transport_error(exc, endpoint, model) from None
    if len(raw) > WHOLE_LIMIT:
        raise Unavailable(
            f"{endpoint.provider} answered with more than {WHOLE_LIMIT >> 20} MiB of JSON",
            provider=endpoint.provider,
            model=model,
        )
    return raw


async def sse_events(response: aiohttp.ClientResponse, watch: StreamWatch) -> AsyncIterator[list[str]]:
    """The data of the server-sent events of the response, those of each read together (so what
    arrived at once is translated and sent on at once), read to the body's end (so the connection
    serves the next request), each read bounded by the watch's deadline (see the module docstring).
    A passed deadline sets `watch.expired` and raises `watch.timeout()`."""
    import aiohttp

    endpoint, model = watch.endpoint, watch.model
    parser = SSEParser()
    content = response.content
    while True:
        left = watch.deadline - time.monotonic()
        try:
            if left <= 0:
                raise TimeoutError
            async with asyncio.timeout(left) as limit:
                piece = await content.readany()
        except TimeoutError:
            if left > 0 and not limit.expired():  # the endpoint's own per-read timeout
                raise transport_error(TimeoutError(), endpoint, model) from None
            watch.expired = IDLE if watch.answering else FIRST_TOKEN
            raise watch.timeout() from None
        except aiohttp.ClientError as exc:
            raise transport_error(exc, endpoint, model) from None
        if not piece:
            break
        events = parser.feed(piece)
        if events:
            yield events
    events = parser.end()
    if events:
        yield events


def stream_error(error: Any, endpoint: Endpoint, model: str) -> Unavailable:
    """An `error` object inside a stream (OpenRouter sends one when the model fails mid-answer), with
    the message `map_error` gives the SDK's `APIError` for it."""
    message = error.get("message") if isinstance(error, Mapping) else None
    if not isinstance(message, str) or not message.strip():
        message = "the server sent an error in the stream"
    text = " ".join(message.split())
    if endpoint.api_key:  # a server may echo the key back
        text = text.replace(endpoint.api_key, "***")
    return Unavailable(text[:300], provider=endpoint.provider, model=model)
