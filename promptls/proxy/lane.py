"""The event loop's lane: a request whose every call has an asynchronous wire (OpenAI-compatible
servers: adapters/translate/stream_aio.py) is answered without a thread.

No hand-off between threads, no wake-up of the loop per piece: the upstream's bytes are read,
translated and written by the task that serves the request (bench/proxy.py measured the thread
lane at about 1.2 ms of CPU a request, most of it the SDK's HTTP library and the hand-offs). The
steps are the thread lane's (relay.py's `Reply`): fallback before the first event, then the
client's bytes; an error status before anything was sent, an error event after.

A client that goes away cancels the task (Starlette ends the response's iterator): the upstream
connection is closed at once, and the request is recorded as interrupted.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from starlette.responses import Response, StreamingResponse

from promptls.adapters.errors import AdapterError
from promptls.adapters.translate.run_aio import AsyncMessagesRun
from promptls.proxy.gone import ClientGone, Receive, unless_gone
from promptls.proxy.relay import Failure, Reply

if TYPE_CHECKING:
    from promptls.adapters.base import Endpoint
    from promptls.proxy.app import Proxy
    from promptls.router.resolution.plan import PlannedCall


async def answer_on_loop(reply: Reply, receive: Receive) -> Response:
    """The response to a routed request, its plan run on the event loop. `receive`: the request's
    ASGI channel, watched for the client's disconnection until the answer begins."""
    proxy = reply.proxy
    prepared = reply.prepared
    run = AsyncMessagesRun(
        proxy.http,
        prepared.decision.plan,
        prepared.body,
        proxy.state.env,
        betas=prepared.betas,
        lookup=lambda call: _endpoint(proxy, call),
    )
    events = run.__aiter__()  # lists of events: those one read of the upstream made
    try:
        if not reply.exchange.stream:
            answer = await unless_gone(_collect(events), receive)
            return _response(await _whole(reply, answer, run.model_id), reply, run)
        first = await unless_gone(anext(events), receive)
    except AdapterError as error:
        return _response(reply.failed(error), reply, run)
    except ClientGone:  # the upstream call was cancelled with the wait
        reply.went_away()
        return _response(None, reply, run)
    except asyncio.CancelledError:
        reply.went_away()
        reply.finish(run)
        raise
    except Exception as exc:  # a bug: the client gets a 500 in its shape, the proxy goes on
        return _response(reply.crashed(exc), reply, run)
    return StreamedAnswer(reply, run, first, events)


async def _collect(batches: AsyncIterator[list[dict[str, Any]]]) -> list[dict[str, Any]]:
    return [event async for batch in batches for event in batch]


async def _endpoint(proxy: Proxy, call: PlannedCall) -> Endpoint:
    """The call's endpoint: the key remembered by the proxy, else looked up on a worker thread (an
    OS keyring may take a while, and the loop serves every other request meanwhile)."""
    found = proxy.state.cached_endpoint(call)
    if found is not None:
        return found
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(proxy.executor, proxy.state.endpoint, call)


class StreamedAnswer(StreamingResponse):
    """A streamed answer whose request is recorded however the response ends: sent whole, broken, or
    never begun (a client gone before the response's start is sent: the body's iterator never runs,
    and its own `finally` with it)."""

    def __init__(
        self,
        reply: Reply,
        run: AsyncMessagesRun,
        first: list[dict[str, Any]],
        batches: AsyncIterator[list[dict[str, Any]]],
    ) -> None:
        self.reply = reply
        self.run = run
        self.batches = batches
        self.ended = False
        """The client got the answer's end (or its error event)."""
        super().__init__(
            self._body(first),
            media_type="text/event-stream",
            headers={"cache-control": "no-cache", "x-accel-buffering": "no"},
        )

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            if not self.ended:  # the client went away mid-answer
                self.reply.went_away()
            await self.batches.aclose()  # type: ignore[attr-defined]  # closes the upstream connection
            self.reply.finish(self.run)

    async def _body(self, first: list[dict[str, Any]]) -> AsyncIterator[bytes]:
        reply, run = self.reply, self.run
        try:
            yield await _pieces(reply, first, run.model_id)
            async for batch in self.batches:  # what one read of the upstream brought: one write
                yield await _pieces(reply, batch, run.model_id)
            end = reply.stream_end()
            if end:
                yield end
            self.ended = True
        except AdapterError as error:
            out = reply.failed(error)
            self.ended = out is not None
            if out is not None:
                yield out  # type: ignore[misc]  # after the first event: bytes
        except Exception as exc:
            self.ended = True
            out = reply.crashed(exc)
            if isinstance(out, bytes):
                yield out


async def _pieces(reply: Reply, events: list[dict[str, Any]], model: str | None) -> bytes:
    if any(reply.may_estimate(event) for event in events):  # counting tokens takes a while
        return await asyncio.to_thread(_join, reply, events, model)
    return _join(reply, events, model)


def _join(reply: Reply, events: list[dict[str, Any]], model: str | None) -> bytes:
    return b"".join([reply.piece(event, model) for event in events])


async def _whole(reply: Reply, events: list[dict[str, Any]], model: str | None) -> Any:
    if any(reply.may_estimate(event) for event in events):
        return await asyncio.to_thread(reply.whole, events, model)
    return reply.whole(events, model)


def _response(out: Any, reply: Reply, run: AsyncMessagesRun) -> Response:
    """The response for a whole answer or a failure, the request recorded first. (Recording may count
    tokens on the loop, only for an answer without usage that broke before its end: rare.)"""
    reply.finish(run)
    if isinstance(out, Failure):
        return Response(
            out.body, status_code=out.status, headers=dict(out.headers), media_type="application/json"
        )
    if out is None:  # cancelled before anything came
        return Response(status_code=499)
    return Response(out.body, media_type="application/json")
