"""Deadlines for a streamed answer: its first token within `first_token_timeout` seconds, then no gap
longer than `idle_timeout`, however busily the server keeps the connection open meanwhile.

    watch = StreamWatch(endpoint, model)        # one per streamed call
    try:
        stream = client.create(..., stream=True)
        watch.attach(stream.response)           # or: the client's `response_hook` attaches it
        for event in watch.pull(stream):        # pull: lets `response_hook` find this watch
            if event carries part of the answer:
                watch.progress()
    except Exception:
        if watch.expired:                       # the watchdog ended the read
            raise watch.timeout() from ...
    finally:
        watch.close()

Why a watchdog thread, and why it shuts the socket down. The SDKs read a stream in a blocking socket
read, and their (httpx's) timeout is per read: every byte re-arms it, so a server that sends only
keep-alives (SSE comments such as `: keep-alive`, which OpenRouter sends while a model is queued, or
Anthropic's `ping` events) keeps a run waiting forever, before or after the first token. A socket
read timeout re-armed per *event* cannot be had from outside: httpcore sets the socket's timeout
itself before every read, and the SDK drops keep-alives inside the same blocked call, so the adapter
never sees them. So each streamed call gets one watchdog thread, started when the response's headers
are in; the adapter moves the deadline when an event carries part of the answer (text, or reasoning a
model streams), never for a keep-alive. When the deadline passes, the watchdog calls
`shutdown(SHUT_RDWR)` on the connection's socket (from the response's `network_stream` extension,
which httpx and its fork httpx2 both expose): that wakes the blocked read at once with an end of
stream, the SDK raises, and the adapter, seeing `expired`, raises `NoFirstToken` (nothing of the
answer reached the caller: the executor falls back at once, since waiting again would cost the same
deadline again) or `StreamBroken` (text did: the run ends as partial). Closing the response instead
does not wake the read: on Linux a read blocked in another
thread keeps waiting for the next byte (tried: it waited for the full read timeout). Where a
transport exposes no socket, the watchdog closes the response, which ends the read at the next byte
(a keep-alive included), and `timeout` bounds a server that sends nothing at all.

Before the response headers the endpoint's `timeout` applies (connect, then each read): a server
that has not answered at all is a plain timeout, and the first-token deadline, counted from the
request, ends the wait as soon as the headers are in.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from typing import Any, TypeVar

from promptls.adapters.answers import where
from promptls.adapters.base import Endpoint
from promptls.adapters.errors import NoFirstToken, Timeout

T = TypeVar("T")

FIRST_TOKEN = "first_token_timeout"
IDLE = "idle_timeout"

_current = threading.local()
"""The watch whose SDK call is sending a request in this thread, for `response_hook`."""


class StreamWatch:
    """The deadlines of one streamed call, and the watchdog that enforces them."""

    def __init__(self, endpoint: Endpoint, model: str, clock: Callable[[], float] = time.monotonic) -> None:
        self.endpoint = endpoint
        self.model = model
        self.inspect: Callable[[Any], None] | None = None
        """Called with the response when it is attached (it may raise: the answer is unusable)."""
        self.expired: str | None = None
        """The setting whose limit passed (`first_token_timeout` or `idle_timeout`), once it has."""
        self._clock = clock
        self._changed = threading.Condition()
        self._deadline = clock() + endpoint.first_token_timeout
        self._answering = False
        self._closed = False
        self._response: Any = None
        self._url: str | None = None

    def __repr__(self) -> str:
        return f"StreamWatch({self.endpoint.provider!r}, expired={self.expired!r})"

    def attach(self, response: Any) -> None:
        """Watch `response` (an httpx response, either fork) from now on; a redirect is passed over."""
        if 300 <= response.status_code < 400:
            return
        with self._changed:
            if self._response is not None or self._closed:
                return
            self._response = response
            self._url = str(response.url)
        if self.inspect is not None:
            self.inspect(response)
        threading.Thread(target=self._watch, name="promptls-stream-watch", daemon=True).start()

    def progress(self) -> None:
        """Part of the answer arrived: the next must come within `idle_timeout`."""
        with self._changed:
            deadline = self._clock() + self.endpoint.idle_timeout
            if deadline < self._deadline:  # sooner than the watchdog wakes (a later one it finds then)
                self._changed.notify_all()
            self._answering = True
            self._deadline = deadline

    def close(self) -> None:
        """The call is over: stop watching."""
        with self._changed:
            self._closed = True
            self._changed.notify_all()

    def pull(self, events: Iterable[T]) -> Iterator[T]:
        """`events`, with this watch current in the thread while each one is pulled: an SDK that sends
        its request on the first pull reaches the watch through the client's `response_hook`."""
        iterator = iter(events)
        try:
            while True:
                with self._current():
                    try:
                        event = next(iterator)
                    except StopIteration:
                        return
                yield event
        finally:
            close = getattr(iterator, "close", None)
            if close is not None:
                close()

    def timeout(self) -> Timeout:
        """The error for an expired watch (an adapter makes it `StreamBroken` once text went out)."""
        who = where(self.endpoint, self._url)
        if self.expired == IDLE:
            seconds = self.endpoint.idle_timeout
            what = f"no more of the answer for {seconds:g} s ({IDLE}; keep-alives do not count)"
        else:
            seconds = self.endpoint.first_token_timeout
            what = f"no first token within {seconds:g} s ({FIRST_TOKEN}; keep-alives do not count)"
        error = Timeout if self.expired == IDLE else NoFirstToken
        return error(f"{who}: {what}", provider=self.endpoint.provider, model=self.model)

    @contextmanager
    def _current(self) -> Iterator[None]:
        previous = getattr(_current, "watch", None)
        _current.watch = self
        try:
            yield
        finally:
            _current.watch = previous

    def _watch(self) -> None:
        with self._changed:
            while not self._closed:
                remaining = self._deadline - self._clock()
                if remaining <= 0:
                    self.expired = IDLE if self._answering else FIRST_TOKEN
                    break
                self._changed.wait(remaining)
            else:
                return
        abort_read(self._response)


def response_hook(response: Any) -> None:
    """An httpx `event_hooks["response"]` hook for an SDK client whose stream call gives the adapter
    no response: attaches the response to the watch pulling in this thread (none: not a stream)."""
    watch = getattr(_current, "watch", None)
    if watch is not None:
        watch.attach(response)


def abort_read(response: Any) -> None:
    """End the blocked read of `response` from another thread (see the module docstring)."""
    stream = response.extensions.get("network_stream")
    sock = stream.get_extra_info("socket") if stream is not None else None
    if isinstance(sock, socket.socket):
        with suppress(OSError):  # already closed: the read has ended anyway
            sock.shutdown(socket.SHUT_RDWR)
    else:
        response.close()
