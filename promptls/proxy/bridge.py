"""From a request's worker thread to the event loop that writes its response.

The adapters are synchronous (the providers' SDKs, generators of events), the server asynchronous:
each request's upstream call runs in a thread of its own and puts what the client should get into a
`Channel`, which the response reads. Pieces that arrive while the loop is busy are sent together in
one write, and the loop is woken once per batch, not once per piece.
"""

from __future__ import annotations

import asyncio
import threading
from collections import deque
from typing import Any

_END = object()


class Channel:
    """Items from one producer thread to one consumer coroutine, in order, then an end."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._items: deque[Any] = deque()
        self._lock = threading.Lock()
        self._waiter: asyncio.Future[None] | None = None

    def put(self, item: Any) -> None:
        """From the producer thread."""
        with self._lock:
            self._items.append(item)
            waiter, self._waiter = self._waiter, None
        if waiter is not None:
            self._loop.call_soon_threadsafe(_wake, waiter)

    def close(self) -> None:
        """From the producer thread: nothing more will come."""
        self.put(_END)

    async def take(self) -> tuple[list[Any], bool]:
        """Every item that arrived (at least one, unless the channel ended), and whether it ended."""
        while True:
            with self._lock:
                if self._items:
                    items = list(self._items)
                    self._items.clear()
                    break
                waiter = self._waiter = self._loop.create_future()
            await waiter
        ended = items[-1] is _END
        return (items[:-1] if ended else items), ended


def _wake(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_result(None)
