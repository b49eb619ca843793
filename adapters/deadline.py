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
never sees them. So a watchdog thread watches each streamed call from when the response's headers are
in; the adapter moves the deadline when an event carries part of the answer (text, or reasoning a
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

One watchdog thread serves every call of the process (`Watchdog`: a heap of deadlines), not a thread
per call: starting a thread cost a proxied request 0.5-0.7 ms, half the proxy's budget. Moving a
deadline later (each piece of the answer) only writes it down; the watchdog, when the old deadline
comes, finds the new one and waits again. Only a deadline moved sooner (`idle_timeout` shorter than
what is left of `first_token_timeout`) wakes it.

Before the response headers the endpoint's `timeout` applies (connect, then each read): a server
that has not answered at all is a plain timeout, and the first-token deadline, counted from the
request, ends the wait as soon as the headers are in.
"""

from __future__ import annotations

import heapq
import itertools
import math
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
    """The deadlines of one streamed call; the process's `Watchdog` enforces them."""

    def __init__(self, endpoint: Endpoint, model: str) -> None:
        self.endpoint = endpoint
        self.model = model
        self.inspect: Callable[[Any], None] | None = None
        """Called with the response when it is attached (it may raise: the answer is unusable)."""
        self.expired: str | None = None
        """The setting whose limit passed (`first_token_timeout` or `idle_timeout`), once it has."""
        self.deadline = time.monotonic() + endpoint.first_token_timeout
        """When the watchdog ends the read (`time.monotonic()`), unless part of the answer comes first."""
        self.answering = False
        self.closed = False
        self.response: Any = None
        self.scheduled = math.inf
        """The deadline the watchdog will look at this watch next (the watchdog's lock guards it)."""
        self._url: str | None = None

    def __repr__(self) -> str:
        return f"StreamWatch({self.endpoint.provider!r}, expired={self.expired!r})"

    def attach(self, response: Any) -> None:
        """Watch `response` (an httpx response, either fork) from now on; a redirect is passed over."""
        if 300 <= response.status_code < 400 or self.response is not None or self.closed:
            return
        self.response = response
        self._url = str(response.url)
        if self.inspect is not None:
            self.inspect(response)
        WATCHDOG.watch(self)

    def progress(self) -> None:
        """Part of the answer arrived: the next must come within `idle_timeout`."""
        deadline = time.monotonic() + self.endpoint.idle_timeout
        self.answering = True
        self.deadline = deadline
        if deadline < self.scheduled and self.response is not None:  # sooner than the watchdog looks
            WATCHDOG.watch(self)

    def close(self) -> None:
        """The call is over: stop watching."""
        if not self.closed:
            self.closed = True
            if self.response is not None:
                WATCHDOG.forget(self)

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


class Watchdog:
    """The one thread that ends the reads of expired watches (started with the first watch).

    Its heap holds `(deadline, n, watch)` entries. A watch has one live entry, at `watch.scheduled`;
    an entry left behind by a deadline moved sooner, or by a closed watch, is dropped when it comes
    up, and the heap is rebuilt without them when they are most of it (a busy proxy closes thousands
    of watches a minute whose first-token deadline is a minute away)."""

    def __init__(self) -> None:
        self._lock = threading.Condition()
        self._heap: list[tuple[float, int, StreamWatch]] = []
        self._order = itertools.count()  # ties: never compare two watches
        self._stale = 0
        self._thread: threading.Thread | None = None

    def watch(self, watch: StreamWatch) -> None:
        """Look at `watch` at its deadline (sooner than it was due to be looked at)."""
        with self._lock:
            if watch.closed or watch.deadline >= watch.scheduled:
                return
            if watch.scheduled != math.inf:
                self._stale += 1  # its later entry
            watch.scheduled = watch.deadline
            heapq.heappush(self._heap, (watch.deadline, next(self._order), watch))
            if self._heap[0][2] is watch:  # the soonest now: the thread waits for a later one
                self._lock.notify()
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="promptls-stream-watch", daemon=True)
                self._thread.start()

    def forget(self, watch: StreamWatch) -> None:
        """`watch` closed: its entry is dead weight."""
        with self._lock:
            if watch.scheduled == math.inf:
                return
            watch.scheduled = math.inf
            self._stale += 1
            if self._stale > 1024 and self._stale * 2 > len(self._heap):
                self._heap = [entry for entry in self._heap if entry[2].scheduled == entry[0]]
                heapq.heapify(self._heap)
                self._stale = 0

    def _run(self) -> None:
        while True:
            with self._lock:
                expired = self._due(time.monotonic())
                if not expired:
                    self._lock.wait(self._heap[0][0] - time.monotonic() if self._heap else None)
                    continue
            for watch in expired:  # outside the lock: other calls go on meanwhile
                if watch.closed:  # ended meanwhile: its connection may serve another call by now
                    continue
                try:
                    abort_read(watch.response)
                except Exception as exc:  # reported; the other calls stay watched
                    threading.excepthook(threading.ExceptHookArgs((type(exc), exc, exc.__traceback__, None)))

    def _due(self, now: float) -> list[StreamWatch]:
        """Pop the entries due by `now`: the watches whose deadline passed (marked expired), and
        each one whose deadline moved later pushed again at it."""
        expired = []
        while self._heap and self._heap[0][0] <= now:
            when, _, watch = heapq.heappop(self._heap)
            if watch.scheduled != when:  # closed, or a deadline moved sooner was pushed since
                self._stale -= 1
                continue
            if watch.deadline <= now:
                watch.scheduled = math.inf
                watch.expired = IDLE if watch.answering else FIRST_TOKEN
                expired.append(watch)
            else:  # part of the answer came meanwhile: look again at the new deadline
                watch.scheduled = watch.deadline
                heapq.heappush(self._heap, (watch.deadline, next(self._order), watch))
        return expired


WATCHDOG = Watchdog()
"""The process's watchdog (its thread starts with the first streamed call, never at import)."""


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
