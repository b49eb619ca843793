"""Waiting for an upstream while watching the client: a client that disconnects before its answer's
first byte (or before a whole answer is ready) stops the wait, so the upstream call is cancelled at
once rather than run to its end for nobody (a local model would go on generating for a minute).

Once a streamed answer has begun, Starlette's streaming response watches the client itself.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

T = TypeVar("T")
Receive = Callable[[], Awaitable[dict[str, Any]]]


class ClientGone(Exception):
    """The client disconnected while its answer was awaited."""


async def unless_gone(work: Awaitable[T], receive: Receive) -> T:
    """`work`'s result; `ClientGone` (the work cancelled) when the client disconnects first."""
    task = asyncio.ensure_future(work)
    watch = asyncio.ensure_future(_disconnect(receive))
    try:
        await asyncio.wait((task, watch), return_when=asyncio.FIRST_COMPLETED)
    except asyncio.CancelledError:
        task.cancel()
        raise
    finally:
        watch.cancel()
    if task.done():
        return task.result()
    task.cancel()
    await asyncio.wait((task,))  # its cancellation runs (the upstream connection closes)
    if not task.cancelled():
        task.exception()  # retrieved: the client is gone, whatever the work ended with
    raise ClientGone


async def _disconnect(receive: Receive) -> None:
    while (await receive()).get("type") != "http.disconnect":
        pass
