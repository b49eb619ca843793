"""The proxy's HTTP face: a Starlette app, each endpoint a few lines over the core and the adapters.

    POST /v1/messages                Anthropic Messages (also `?beta=true`, as Claude Code sends it)
    POST /v1/messages/count_tokens   the target model's token count (labelled an estimate where it is)
    POST /v1/chat/completions        OpenAI chat completions
    GET  /v1/models                  what the routes offer, in a shape both SDKs read
    GET  /healthz                    {"status": "ok"}
    HEAD /                           Claude Code's pre-connect (and any other path's HEAD/GET /: 200)

A Messages or chat completions request is read and routed (`relay.prepare`: on the loop, or on a
worker thread for a large body), then answered in one of two lanes: on the event loop itself when
every call of its plan is to an OpenAI-compatible server (lane.py), else on a worker thread
(`relay.Job`, what the client gets coming back through a `Channel`). A client that disconnects
cancels the upstream call at once in either lane.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from promptls.adapters.openai_aio import HttpPool
from promptls.proxy.bridge import Channel
from promptls.proxy.exchange import Exchange, RequestLog
from promptls.proxy.gone import ClientGone, Receive, unless_gone
from promptls.proxy.ledger import LedgerWriter
from promptls.proxy.relay import Failure, Job, Reply, Shape, Whole, bad_request, dumps, prepare
from promptls.router.proxy.clients import client_name

if TYPE_CHECKING:
    from promptls.proxy.state import ProxyState

WORKERS = 64
"""Requests answered at once on threads (each holds one while its upstream call runs): those whose
plan calls an SDK (Anthropic, Gemini, Ollama), and large bodies while they are read."""


class Proxy:
    """What every request of one proxy shares: its state, log, token, threads and ledger writer."""

    def __init__(self, state: ProxyState, log: RequestLog, token: str | None) -> None:
        self.state = state
        self.log = log
        self.token = token
        """Clients must send it when set (always set when listening beyond loopback)."""
        self.executor = ThreadPoolExecutor(WORKERS, thread_name_prefix="promptls-proxy")
        self.ledger = LedgerWriter(log.note)
        self.http = HttpPool()
        """The event loop's connections to OpenAI-compatible servers (lane.py); closed at shutdown."""

    def close(self) -> None:
        self.executor.shutdown(wait=False, cancel_futures=True)
        self.ledger.close()


Handler = Callable[[Request], Awaitable[Response]]


def guarded(shape: Shape) -> Callable[[Handler], Handler]:
    """Refuse a request without the proxy's token (when it has one), in the client's error shape."""

    def wrap(handler: Handler) -> Handler:
        async def guarded_handler(request: Request) -> Response:
            proxy: Proxy = request.app.state.proxy
            if proxy.token is not None:
                from promptls.proxy.auth import token_ok

                if not token_ok(request.headers, proxy.token):
                    message = (
                        "this promptls proxy needs its token: send it as x-api-key or "
                        "`Authorization: Bearer` (ANTHROPIC_AUTH_TOKEN, OPENAI_API_KEY)"
                    )
                    return _failure(bad_request(shape, message, 401))
            return await handler(request)

        return guarded_handler

    return wrap


@guarded("anthropic")
async def messages(request: Request) -> Response:
    return await _relay(request, "anthropic")


@guarded("openai")
async def chat_completions(request: Request) -> Response:
    return await _relay(request, "openai")


INLINE_LIMIT = 64 * 1024
"""Request bodies up to this size are read and routed on the event loop; a larger one (Claude Code
sends hundreds of KB in a long conversation) on a worker thread, so parsing it never holds up the
other requests."""


async def _relay(request: Request, shape: Shape) -> Response:
    from promptls.adapters.translate.run_aio import runs_on_loop

    proxy: Proxy = request.app.state.proxy
    raw = await request.body()
    scope = request.scope
    # ASGI gives header names lower-case; read from the scope, not through Starlette's URL and
    # Headers objects (built per request, 2% of the proxy's time)
    headers = {name.decode("latin-1"): value.decode("latin-1") for name, value in scope["headers"]}
    exchange = Exchange(scope["method"], scope["path"], client_name(headers.get("user-agent")))
    if len(raw) <= INLINE_LIMIT:
        prepared = prepare(proxy, raw, headers, shape, exchange)
    else:
        loop = asyncio.get_running_loop()
        prepared = await loop.run_in_executor(proxy.executor, prepare, proxy, raw, headers, shape, exchange)
    if isinstance(prepared, Failure):
        if exchange.ended is None:  # not yet logged (a request routed nowhere was, and recorded)
            exchange.ended = time.monotonic()
            proxy.log.done(exchange)
        return _failure(prepared)
    reply = Reply(proxy, prepared, shape, exchange)
    if runs_on_loop(prepared.decision.plan):
        from promptls.proxy.lane import answer_on_loop

        return await answer_on_loop(reply, request.receive)
    return await _on_thread(proxy, reply, request.receive)


async def _on_thread(proxy: Proxy, reply: Reply, receive: Receive) -> Response:
    """Run the plan on a worker thread (`relay.Job`); its bytes come through a `Channel`. A client
    that disconnects before the answer begins cancels it (`receive` is watched until then)."""
    from promptls.adapters.messages import Cancel

    channel = Channel(asyncio.get_running_loop())
    cancel = Cancel()
    # submitted, not run_in_executor: the answer comes through the channel, and an asyncio future
    # for the job's end would cost a wake-up of the loop per request (Job.run reports its own errors)
    proxy.executor.submit(Job(reply, channel, cancel).run)
    try:
        first, ended = await unless_gone(channel.take(), receive)
    except asyncio.CancelledError:
        cancel.set()
        raise
    except ClientGone:
        cancel.set()  # the job stops its upstream call and records the request as interrupted
        return Response(status_code=499)
    if first and isinstance(first[0], Failure):
        return _failure(first[0])
    if first and isinstance(first[0], Whole):
        return Response(first[0].body, media_type="application/json")
    if ended and not first:  # cancelled before anything came
        return Response(status_code=499)
    return StreamingResponse(
        _stream(first, ended, channel, cancel),
        media_type="text/event-stream",
        headers={"cache-control": "no-cache", "x-accel-buffering": "no"},
    )


async def _stream(first: list[Any], ended: bool, channel: Channel, cancel: Any) -> AsyncIterator[bytes]:
    finished = ended
    try:
        yield b"".join(first)
        while not finished:
            items, finished = await channel.take()
            if items:
                yield b"".join(items)
    finally:
        if not finished:  # the client went away mid-answer: stop the upstream (and its billing)
            cancel.set()


def _failure(failure: Failure) -> Response:
    return Response(
        failure.body, status_code=failure.status, headers=dict(failure.headers), media_type="application/json"
    )


@guarded("anthropic")
async def count_tokens(request: Request) -> Response:
    from promptls.proxy.counting import count_request_tokens

    proxy: Proxy = request.app.state.proxy
    try:
        body = json.loads(await request.body())
    except ValueError:
        body = None
    if not isinstance(body, dict):
        return _failure(bad_request("anthropic", "the request body must be a JSON object"))
    headers = {k.lower(): v for k, v in request.headers.items()}
    loop = asyncio.get_running_loop()
    result = await loop.run_in_executor(proxy.executor, count_request_tokens, proxy.state, body, headers)
    if isinstance(result, Failure):
        return _failure(result)
    return Response(dumps(result.body), media_type="application/json", headers=result.headers)


@guarded("openai")
async def models(request: Request) -> Response:
    from promptls.proxy.counting import offered_models

    proxy: Proxy = request.app.state.proxy
    loop = asyncio.get_running_loop()
    listing = await loop.run_in_executor(proxy.executor, offered_models, proxy.state)
    return Response(dumps(listing), media_type="application/json")


async def healthz(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


async def root(request: Request) -> Response:
    """Claude Code's pre-connect (HEAD /): any answer will do; a GET says what this is."""
    if request.method == "HEAD":
        return Response(status_code=200)
    return JSONResponse({"service": "promptls proxy", "health": "/healthz"})


def build_app(proxy: Proxy) -> Starlette:
    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        await proxy.http.close()  # on the loop its connections belong to

    app = Starlette(
        routes=[
            Route("/v1/messages", messages, methods=["POST"]),
            Route("/v1/messages/count_tokens", count_tokens, methods=["POST"]),
            Route("/v1/chat/completions", chat_completions, methods=["POST"]),
            Route("/v1/models", models, methods=["GET"]),
            Route("/healthz", healthz, methods=["GET"]),
            Route("/", root, methods=["GET", "HEAD"]),
        ],
        lifespan=lifespan,
    )
    app.state.proxy = proxy
    return app
