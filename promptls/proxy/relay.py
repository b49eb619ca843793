"""One Messages request, whichever lane answers it: read it and decide its route (`prepare`), turn
the answer's events into what the client gets (`Reply`), record it (`Reply.finish`).

What the client gets, in one of three forms:

    Failure(status, headers, body)  before anything else: the error in the client's shape and status
                                    (an unknown model, or every model failed before its first event)
    Whole(body)                     the answer to a request without `stream`, as JSON bytes
    bytes                           pieces of a stream, already framed as server-sent events

A stream that breaks after its first event ends with an `error` event (Anthropic) or an error chunk
(OpenAI), never with a second model's text: the fallback runners (`adapters/translate/run.py`,
`run_aio.py`) fall back only before the first event.

The two lanes: a plan whose every call has an asynchronous wire (OpenAI-compatible servers) runs on
the event loop (lane.py); any other (Anthropic, Gemini and Ollama through their SDKs) on a worker
thread (`Job`, below), its bytes handed to the event loop through a `Channel`.
"""

from __future__ import annotations

import datetime
import json
import threading
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

if TYPE_CHECKING:
    from promptls.adapters.errors import AdapterError
    from promptls.adapters.messages import Cancel
    from promptls.adapters.translate.front_openai import OpenAIChunks
    from promptls.adapters.translate.run import PlanWalk
    from promptls.proxy.app import Proxy
    from promptls.proxy.bridge import Channel
    from promptls.proxy.exchange import Exchange
    from promptls.proxy.state import Decision
    from promptls.router.models.catalog import ModelInfo

Shape = Literal["anthropic", "openai"]


class Failure(NamedTuple):
    status: int
    headers: Mapping[str, str]
    body: bytes


class Whole(NamedTuple):
    body: bytes


def dumps(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()


def sse(event: Mapping[str, Any]) -> bytes:
    """An Anthropic event as the API frames it: its type as the SSE event name."""
    return b"event: " + str(event.get("type", "message")).encode() + b"\ndata: " + dumps(event) + b"\n\n"


def openai_sse(chunk: Mapping[str, Any]) -> bytes:
    return b"data: " + dumps(chunk) + b"\n\n"


OPENAI_DONE = b"data: [DONE]\n\n"


def not_found(shape: Shape, message: str) -> Failure:
    """An unknown model, as each API says it (Anthropic: 404 not_found_error)."""
    if shape == "anthropic":
        body = {"type": "error", "error": {"type": "not_found_error", "message": message}}
    else:
        error = {"message": message, "type": "invalid_request_error", "param": "model", "code": None}
        body = {"error": error}
    return Failure(404, {}, dumps(body))


_ERROR_TYPES = {401: "authentication_error", 500: "api_error"}
"""The error type both APIs give a status (anything else here: a request the proxy cannot take)."""


def bad_request(shape: Shape, message: str, status: int = 400) -> Failure:
    """An error of the proxy's own (not the upstream's) in the client's shape: 400, 401 or 500."""
    kind = _ERROR_TYPES.get(status, "invalid_request_error")
    if shape == "anthropic":
        body = {"type": "error", "error": {"type": kind, "message": message}}
    else:
        body = {"error": {"message": message, "type": kind, "param": None, "code": None}}
    return Failure(status, {}, dumps(body))


class Prepared(NamedTuple):
    """A request read and routed."""

    body: dict[str, Any]
    """The Anthropic Messages request (an OpenAI client's, translated)."""
    openai_body: Mapping[str, Any] | None
    """An OpenAI client's request as it came."""
    decision: Decision
    betas: list[str]
    """The client's `anthropic-beta` values."""


def prepare(
    proxy: Proxy, raw: bytes, headers: Mapping[str, str], shape: Shape, exchange: Exchange
) -> Prepared | Failure:
    """Read the request and decide its route; the client's error when it cannot be answered (the
    exchange then says why)."""
    try:
        return _prepare(proxy, raw, headers, shape, exchange)
    except Exception as exc:  # a bug: the client gets a 500 in its shape, the proxy goes on
        why = f"internal error: {type(exc).__name__}: {exc}"
        threading.excepthook(threading.ExceptHookArgs((type(exc), exc, exc.__traceback__, None)))
        return refused(exchange, bad_request(shape, why, 500), why)


def _prepare(
    proxy: Proxy, raw: bytes, headers: Mapping[str, str], shape: Shape, exchange: Exchange
) -> Prepared | Failure:
    proxy.log.request(exchange, headers, raw)
    try:
        request = json.loads(raw)
    except ValueError:
        request = None
    if not isinstance(request, dict):
        message = "the request body must be a JSON object"
        return refused(exchange, bad_request(shape, message), message)
    model = request.get("model")
    exchange.requested = model if isinstance(model, str) else None
    exchange.stream = bool(request.get("stream"))
    body, openai_body = request, None
    if shape == "openai":
        from promptls.adapters.messages import openai_request_to_anthropic

        openai_body = request
        try:
            body = openai_request_to_anthropic(request)
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            why = f"the request is not a chat completion request promptls can read: {exc}"
            return refused(exchange, bad_request(shape, why), why)
    decision = proxy.state.decide(body, headers)
    exchange.agent = decision.agent.name if decision.agent is not None else None
    betas = [b.strip() for b in (headers.get("anthropic-beta") or "").split(",") if b.strip()]
    prepared = Prepared(body, openai_body, decision, betas)
    if decision.route.problem:
        failure = refused(exchange, not_found(shape, decision.route.problem), decision.route.problem)
        Reply(proxy, prepared, shape, exchange).finish(None)  # a routed request: in the ledger too
        return failure
    return prepared


def refused(exchange: Exchange, failure: Failure, why: str) -> Failure:
    exchange.status = failure.status
    exchange.outcome = "failed"
    exchange.error = why
    return failure


class Reply:
    """What the client of one routed request gets from the answer's events, in its shape (see the
    module docstring), and the request's record when it ends. Both lanes drive it."""

    def __init__(self, proxy: Proxy, prepared: Prepared, shape: Shape, exchange: Exchange) -> None:
        self.proxy = proxy
        self.prepared = prepared
        self.shape = shape
        self.exchange = exchange
        self.sent = False
        """Something of the answer went to the client: no error status can follow."""
        self.started_at = datetime.datetime.now(datetime.UTC)
        self._chunks: OpenAIChunks | None = None

    def observe(self, event: dict[str, Any], model: str | None) -> dict[str, Any]:
        """Note the event's usage and the answer's pieces; a `message_delta` gets promptls's estimate
        where the provider reported no usage (see `estimate_missing_usage`)."""
        exchange = self.exchange
        if exchange.first_event is None:
            exchange.first_event = time.monotonic()
        exchange.usage_from_event(event)
        if event.get("type") == "message_delta" and self.estimate_missing_usage(model):
            event = {**event, "usage": {**(event.get("usage") or {}), **self._estimated_usage()}}
        return event

    def may_estimate(self, event: Mapping[str, Any]) -> bool:
        """Observing the event may count tokens (a `message_delta` without output tokens): the event
        loop observes it on a thread."""
        usage = event.get("usage") if event.get("type") == "message_delta" else None
        return usage is not None and not (isinstance(usage, Mapping) and usage.get("output_tokens"))

    def piece(self, event: dict[str, Any], model: str | None) -> bytes:
        """A streamed event as the client's bytes (observed first)."""
        event = self.observe(event, model)
        self.sent = True
        if self.shape == "anthropic":
            return sse(event)
        if self._chunks is None:  # the model that answers is known at its first event
            from promptls.adapters.translate.front_openai import OpenAIChunks

            options = (self.prepared.openai_body or {}).get("stream_options") or {}
            include_usage = bool(options.get("include_usage")) if isinstance(options, Mapping) else False
            self._chunks = OpenAIChunks(self._answering(model), include_usage=include_usage)
        return b"".join(openai_sse(chunk) for chunk in self._chunks.feed(event))

    def stream_end(self) -> bytes:
        """What follows a stream's last event (OpenAI's `[DONE]`)."""
        return OPENAI_DONE if self.shape == "openai" else b""

    def whole(self, events: list[dict[str, Any]], model: str | None) -> Whole:
        """The answer to a request without `stream`, from all its events (observed here)."""
        from promptls.adapters.messages import anthropic_message_to_openai, collect_message

        message = collect_message(self.observe(event, model) for event in events)
        self.sent = True
        if self.shape == "anthropic":
            return Whole(dumps(message))
        return Whole(dumps(anthropic_message_to_openai(message, self._answering(model))))

    def _answering(self, model: str | None) -> str:
        return model or self.exchange.requested or ""

    def failed(self, error: AdapterError) -> Failure | bytes | None:
        """What the client gets for an upstream failure: the error in its shape and status before
        anything was sent, an error event (and `[DONE]`) after; None when it went away."""
        from promptls.adapters.errors import Cancelled, StreamBroken
        from promptls.adapters.messages import error_event, error_payload

        exchange = self.exchange
        exchange.error = error.describe()
        if isinstance(error, Cancelled):  # the client went away: nobody to answer
            self.went_away()
            return None
        if not self.sent:
            status, headers, payload = error_payload(error, self.shape)
            return refused(exchange, Failure(status, headers, dumps(payload)), error.describe())
        exchange.outcome = "partial" if isinstance(error, StreamBroken) or self.sent else "failed"
        if self.shape == "anthropic":
            return sse(error_event(error))
        return openai_sse(error_payload(error, "openai")[2]) + OPENAI_DONE

    def crashed(self, exc: BaseException) -> Failure | bytes:
        """A bug met while answering: the client gets a 500 in its shape (or an error event), the
        proxy goes on, and the traceback is printed."""
        exchange = self.exchange
        exchange.outcome = "failed"
        exchange.error = f"internal error: {type(exc).__name__}: {exc}"
        threading.excepthook(threading.ExceptHookArgs((type(exc), exc, exc.__traceback__, None)))
        if not self.sent:
            return refused(exchange, bad_request(self.shape, exchange.error, 500), exchange.error)
        if self.shape == "anthropic":
            return sse({"type": "error", "error": {"type": "api_error", "message": exchange.error}})
        return OPENAI_DONE

    def went_away(self) -> None:
        """The client closed the connection before the answer's end."""
        exchange = self.exchange
        exchange.outcome = "interrupted"
        exchange.error = exchange.error or "the client went away"
        if not self.sent:
            exchange.status = 499  # nginx's "client closed request", for the log

    def estimate_missing_usage(self, model: str | None) -> bool:
        """The provider's counts; where it reported none (llama.cpp's server never does in a stream: an
        answer with text and 0 output tokens), promptls's estimate for `model`, recorded as one. True
        when the counts are an estimate: the client is sent them (in `message_delta`, and so in the
        whole answer and an OpenAI client's usage chunk) rather than the upstream's 0."""
        exchange = self.exchange
        if exchange.usage_source is not None:  # decided at the answer's message_delta
            return exchange.usage_source == "estimate"
        if not exchange.answer and not exchange.output_tokens:
            return False
        if exchange.output_tokens:
            exchange.usage_source = "provider"
            return False
        from promptls.proxy.counting import request_texts
        from promptls.router.models.tokens import count_tokens

        exchange.output_tokens = count_tokens("".join(exchange.answer), model).count
        if not exchange.input_tokens:
            exchange.input_tokens = count_tokens("\n".join(request_texts(self.prepared.body)), model).count
        exchange.usage_source = "estimate"
        return True

    def _estimated_usage(self) -> dict[str, int]:
        """The estimate in Anthropic's usage fields (its `input_tokens` leaves the cached ones out)."""
        x = self.exchange
        uncached = (x.input_tokens or 0) - (x.cache_read_tokens or 0) - (x.cache_write_tokens or 0)
        return {"input_tokens": max(uncached, 0), "output_tokens": x.output_tokens or 0}

    def finish(self, run: PlanWalk | None) -> None:
        """The request ended: its model, fallbacks, usage and cost; the ledger and the log line."""
        exchange = self.exchange
        exchange.ended = exchange.ended or time.monotonic()
        decision = self.prepared.decision
        if run is not None:
            exchange.model = run.model_id or (run.attempts[-1].model_id if run.attempts else None)
            tried = dict.fromkeys(a.model_id for a in run.attempts)
            exchange.fallbacks = max(0, len(tried) - 1)
        elif decision.route.model is not None:
            exchange.model = str(decision.route.model)
        self.estimate_missing_usage(exchange.model)
        info = None
        if exchange.model:
            info = next((c.info for c in decision.plan.calls if c.model_id == exchange.model), None)
        if info is not None and exchange.output_tokens is not None:
            exchange.cost_usd = info.cost(
                exchange.input_tokens,
                exchange.output_tokens,
                cache_read_tokens=exchange.cache_read_tokens or 0,
                cache_write_tokens=exchange.cache_write_tokens or 0,
            )
        self._record(run, info)
        self.proxy.log.done(exchange)

    def _record(self, run: PlanWalk | None, info: ModelInfo | None) -> None:
        """The request in the ledger (written by the proxy's ledger thread)."""
        from promptls.ledger.record import WholeRun

        exchange, agent = self.exchange, self.prepared.decision.agent
        prices = info.prices(exchange.input_tokens) if info is not None else None
        start = {
            "prompt_path": agent.path if agent is not None else None,
            "prompt_name": agent.name if agent is not None else None,
            "dialect": agent.dialect.value if agent is not None else None,
            "requested_model": exchange.requested,
            "client": exchange.client,
            "agent": exchange.agent,
        }
        attempts = [
            {
                "model": a.model_id,
                "latency_ms": round(a.latency_ms),
                "error_kind": a.error.kind if a.error else None,
                "error_message": a.error.message if a.error else None,
            }
            for a in (run.attempts if run is not None else ())
        ]
        finish = {
            "outcome": exchange.outcome,
            "used_model": run.model_id if run is not None else None,
            "input_tokens": exchange.input_tokens,
            "output_tokens": exchange.output_tokens,
            "cost_usd": exchange.cost_usd,
            "input_price": prices.input if prices else None,
            "output_price": prices.output if prices else None,
            "price_source": self.proxy.state.catalog.generated,
            "latency_ms": round(exchange.latency_ms),
            "first_token_ms": None if exchange.first_token_ms is None else round(exchange.first_token_ms),
            "error": exchange.error,
            "usage_source": exchange.usage_source,
            "fallbacks": exchange.fallbacks,
            "cache_read_tokens": exchange.cache_read_tokens,
            "cache_write_tokens": exchange.cache_write_tokens,
        }
        self.proxy.ledger.record(WholeRun(self.started_at, start, attempts, finish))


class Job:
    """A request whose plan runs on a worker thread (`run`): the SDKs' blocking calls, the client's
    bytes handed to the event loop through the request's `Channel`."""

    def __init__(self, reply: Reply, channel: Channel, cancel: Cancel) -> None:
        self.reply = reply
        self.channel = channel
        self.cancel = cancel

    def run(self) -> None:
        from promptls.adapters.errors import AdapterError
        from promptls.adapters.messages import MessagesRun

        reply, channel = self.reply, self.channel
        prepared = reply.prepared
        proxy = reply.proxy
        run = None
        try:
            run = MessagesRun(
                prepared.decision.plan,
                prepared.body,
                proxy.state.env,
                cancel=self.cancel,
                betas=prepared.betas,
                endpoint=proxy.state.endpoint,
            )
            if reply.exchange.stream:
                for event in run:
                    channel.put(reply.piece(event, run.model_id))
                end = reply.stream_end()
                if end:
                    channel.put(end)
            else:
                channel.put(reply.whole(list(run), run.model_id))
        except AdapterError as error:
            out = reply.failed(error)
            if out is not None:
                channel.put(out)
        except Exception as exc:  # a bug: the client gets a 500 in its shape, the proxy goes on
            channel.put(reply.crashed(exc))
        finally:
            reply.exchange.ended = time.monotonic()
            channel.close()
            reply.finish(run)
