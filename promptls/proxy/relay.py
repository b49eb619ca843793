"""One Messages request, on its worker thread: decide the route, run the fallback plan, hand the
client's bytes to the response, record the request.

What the client gets goes into the request's `Channel`, in one of three forms:

    Failure(status, headers, body)  before anything else: the error in the client's shape and status
                                    (an unknown model, or every model failed before its first event)
    Whole(body)                     the answer to a request without `stream`, as JSON bytes
    bytes                           pieces of a stream, already framed as server-sent events

A stream that breaks after its first event ends with an `error` event (Anthropic) or an error chunk
(OpenAI), never with a second model's text: the fallback runner (`adapters/messages.MessagesRun`)
falls back only before the first event.
"""

from __future__ import annotations

import datetime
import itertools
import json
import threading
import time
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

from promptls.proxy.exchange import Exchange

if TYPE_CHECKING:
    from promptls.adapters.messages import Cancel, MessagesRun
    from promptls.proxy.app import Proxy
    from promptls.proxy.bridge import Channel
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


class Job:
    """The work of one request on its thread (`run`); see the module docstring."""

    def __init__(
        self,
        proxy: Proxy,
        raw: bytes,
        headers: Mapping[str, str],
        shape: Shape,
        exchange: Exchange,
        channel: Channel,
        cancel: Cancel,
    ) -> None:
        self.proxy = proxy
        self.raw = raw
        self.body: dict[str, Any] = {}
        """The Anthropic Messages request (an OpenAI client's, translated)."""
        self.openai_body: Mapping[str, Any] | None = None
        self.headers = headers
        self.shape = shape
        self.exchange = exchange
        self.channel = channel
        self.cancel = cancel
        self.sent = False
        """Something of the answer went to the client: no error status can follow."""
        self.started_at = datetime.datetime.now(datetime.UTC)

    def run(self) -> None:
        from promptls.adapters.errors import AdapterError

        exchange = self.exchange
        decision = None
        run = None
        try:
            if not self._read():
                return
            if self.openai_body is not None:
                from promptls.adapters.messages import openai_request_to_anthropic

                try:
                    self.body = openai_request_to_anthropic(self.openai_body)
                except (ValueError, TypeError, KeyError, AttributeError) as exc:
                    why = f"the request is not a chat completion request promptls can read: {exc}"
                    self._fail(bad_request(self.shape, why), why)
                    return
            decision = self.proxy.state.decide(self.body, self.headers)
            exchange.agent = decision.agent.name if decision.agent is not None else None
            if decision.route.problem:
                self._fail(not_found(self.shape, decision.route.problem), decision.route.problem)
                return
            run = self._start(decision)
            self._answer(run)
        except AdapterError as error:
            self._failed(error)
        except Exception as exc:  # a bug: the client gets a 500 in its shape, the proxy goes on
            exchange.outcome = "failed"
            exchange.error = f"internal error: {type(exc).__name__}: {exc}"
            if not self.sent:
                self._fail(bad_request(self.shape, exchange.error, 500), exchange.error)
            threading.excepthook(threading.ExceptHookArgs((type(exc), exc, exc.__traceback__, None)))
        finally:
            exchange.ended = time.monotonic()
            self.channel.close()
            self._finish(decision, run)

    def _read(self) -> bool:
        """Parse the request's body; False (the client answered) when it is no JSON object."""
        exchange = self.exchange
        self.proxy.log.request(exchange, self.headers, self.raw)
        try:
            body = json.loads(self.raw)
        except ValueError:
            body = None
        if not isinstance(body, dict):
            message = "the request body must be a JSON object"
            self._fail(bad_request(self.shape, message), message)
            return False
        model = body.get("model")
        exchange.requested = model if isinstance(model, str) else None
        exchange.stream = bool(body.get("stream"))
        if self.shape == "openai":
            self.openai_body = body
        else:
            self.body = body
        return True

    def _start(self, decision: Decision) -> MessagesRun:
        from promptls.adapters.messages import MessagesRun

        betas = [b.strip() for b in (self.headers.get("anthropic-beta") or "").split(",") if b.strip()]
        env = self.proxy.state.env
        return MessagesRun(decision.plan, self.body, env, cancel=self.cancel, betas=betas)

    def _answer(self, run: MessagesRun) -> None:
        from promptls.adapters.messages import (
            anthropic_events_to_openai_chunks,
            anthropic_message_to_openai,
            collect_message,
        )

        events = self._observed(run)
        exchange = self.exchange
        if self.shape == "anthropic":
            if exchange.stream:
                for event in events:
                    self._send(sse(event))
            else:
                self._whole(collect_message(events))
            return
        first = next(events, None)  # the model that answers is known at its first event
        model = run.model_id or exchange.requested or ""
        rest = itertools.chain([first] if first is not None else [], events)
        if exchange.stream:
            options = (self.openai_body or {}).get("stream_options") or {}
            include_usage = bool(options.get("include_usage")) if isinstance(options, Mapping) else False
            for chunk in anthropic_events_to_openai_chunks(rest, model, include_usage=include_usage):
                self._send(openai_sse(chunk))
            self._send(OPENAI_DONE)
        else:
            self._whole(anthropic_message_to_openai(collect_message(rest), model))

    def _observed(self, run: MessagesRun) -> Iterator[dict[str, Any]]:
        exchange = self.exchange
        for event in run:
            if exchange.first_event is None:
                exchange.first_event = time.monotonic()
            exchange.usage_from_event(event)
            if event.get("type") == "message_delta" and self._estimate_missing_usage(run.model_id):
                event = {**event, "usage": {**(event.get("usage") or {}), **self._estimated_usage()}}
            yield event

    def _estimated_usage(self) -> dict[str, int]:
        """The estimate in Anthropic's usage fields (its `input_tokens` leaves the cached ones out)."""
        x = self.exchange
        uncached = (x.input_tokens or 0) - (x.cache_read_tokens or 0) - (x.cache_write_tokens or 0)
        return {"input_tokens": max(uncached, 0), "output_tokens": x.output_tokens or 0}

    def _send(self, data: bytes) -> None:
        self.sent = True
        self.channel.put(data)

    def _whole(self, answer: Mapping[str, Any]) -> None:
        self.sent = True
        self.channel.put(Whole(dumps(answer)))

    def _fail(self, failure: Failure, why: str) -> None:
        self.exchange.status = failure.status
        self.exchange.outcome = "failed"
        self.exchange.error = why
        self.channel.put(failure)

    def _failed(self, error) -> None:
        from promptls.adapters.errors import Cancelled, StreamBroken
        from promptls.adapters.messages import error_event, error_payload

        exchange = self.exchange
        exchange.error = error.describe()
        if isinstance(error, Cancelled):  # the client went away: nobody to answer
            exchange.outcome = "interrupted"
            if not self.sent:
                exchange.status = 499  # nginx's "client closed request", for the log
            return
        if not self.sent:
            status, headers, payload = error_payload(error, self.shape)
            self._fail(Failure(status, headers, dumps(payload)), error.describe())
            return
        exchange.outcome = "partial" if isinstance(error, StreamBroken) or self.sent else "failed"
        if self.shape == "anthropic":
            self.channel.put(sse(error_event(error)))
        else:
            self.channel.put(openai_sse(error_payload(error, "openai")[2]))
            self.channel.put(OPENAI_DONE)

    def _estimate_missing_usage(self, model: str | None) -> bool:
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
            exchange.input_tokens = count_tokens("\n".join(request_texts(self.body)), model).count
        exchange.usage_source = "estimate"
        return True

    def _record(self, decision: Decision, run: MessagesRun | None, info: ModelInfo | None) -> None:
        """The request in the ledger (written by the proxy's ledger thread)."""
        from promptls.proxy.ledger import RecordedRequest

        exchange, agent = self.exchange, decision.agent
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
        self.proxy.ledger.record(RecordedRequest(self.started_at, start, attempts, finish))

    def _finish(self, decision: Decision | None, run: MessagesRun | None) -> None:
        exchange = self.exchange
        if run is not None:
            exchange.model = run.model_id or (run.attempts[-1].model_id if run.attempts else None)
            tried = dict.fromkeys(a.model_id for a in run.attempts)
            exchange.fallbacks = max(0, len(tried) - 1)
        elif decision is not None and decision.route.model is not None:
            exchange.model = str(decision.route.model)
        self._estimate_missing_usage(exchange.model)
        info = None
        if decision is not None and exchange.model:
            info = next((c.info for c in decision.plan.calls if c.model_id == exchange.model), None)
        if info is not None and exchange.output_tokens is not None:
            exchange.cost_usd = info.cost(
                exchange.input_tokens,
                exchange.output_tokens,
                cache_read_tokens=exchange.cache_read_tokens or 0,
                cache_write_tokens=exchange.cache_write_tokens or 0,
            )
        if decision is not None:
            self._record(decision, run, info)
        self.proxy.log.done(exchange)
