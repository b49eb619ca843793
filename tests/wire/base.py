"""What every provider wire server shares: a thread on 127.0.0.1, a script of behaviours, a record,
and the faults, done one way for every provider.

    with OpenAIWireServer() as server:                  # any of the four: 127.0.0.1, a free port
        server.script(Fail.rate_limit(7), Ok("Hi"), Reset(after=2))
        ...                                               # point the real SDK at server.base_url
        server.requests[0].headers, server.sent_key(server.requests[0])

Each request takes the next scripted behaviour; an empty script answers the provider's `Ok()`.
A request for the model list takes the next behaviour only if it is a `Fail` or a `Stall`.

The behaviours every server understands the same way (defined here):
    Stall(seconds, after)   say nothing, before the response headers (`after=None`) or after `after`
                            pieces of a stream, for `seconds` (the client's timeout should end it
                            first); cut short when the server stops or is `reset()`
    Reset(after)            stream `after` pieces, then reset the connection (TCP RST)
    Malformed(after)        stream `after` pieces, then an event whose data is not JSON
    Cut(after)              stream `after` pieces, then end the body cleanly, without the
                            provider's end marker (`[DONE]`, a finish reason, `message_stop`,
                            `done: true`)
    KeepAlive(after, seconds, interval)
                            stream `after` pieces, then only keep-alives every `interval` for
                            `seconds` (then end the body as `Cut` does), in the provider's form
                            (`keep_alive` of its handler): an SSE comment `: keep-alive` (what
                            OpenRouter sends while a model is queued), Anthropic's `ping` event, a
                            blank SSE line for Gemini (its SDK reads a comment as a broken chunk);
                            Ollama's NDJSON has none, so there it is silence after the headers
A fault's pieces are those of `FAULT_TEXT`: "one ", "two ", "six ", "ten ".

A slow answer, the same way on every server:
    Paced(answer, interval) the provider's streamed answer for `answer` (its `Ok`; the default
                            `Ok()` when None) with `interval` seconds after each piece of text, cut
                            short when the server stops or is `reset()`. A client that closes the
                            connection before a stream's end is seen: `stream_abandoned(timeout)`
                            says after how many pieces of text it went

Two wrong answers to a streaming request, the same way on every server:
    HtmlOk(body)            200 with an HTML page (a proxy's sign-in page, a base URL that points
                            at a website), for any request
    JsonInsteadOfStream(answer, payload)
                            200 with one JSON body: the provider's whole (non-streamed) answer for
                            `answer` (its `Ok`; the default `Ok()` when None), or `payload` as is

Each provider module defines the behaviours whose fields are the provider's own, with the same
constructors on every server:
    Ok(text, chunks, input tokens, output tokens, ...)
                            the answer in `chunks` pieces, with usage in the provider's fields
    Fail(...)               the provider's error body; `Fail.unauthorized()` (401),
                            `Fail.rate_limit(retry_after)` (429 with `Retry-After`),
                            `Fail.server_error()` (500), `Fail.bad_request()` (400) and, where the
                            provider has one, `Fail.context_too_long()` (400)
and any faults only that provider has (an `error` event, a safety block), as `Fault` subclasses.

A provider server subclasses `WireServer` (name, `reply` = its `Ok`, `sent_key`) and `WireHandler`
(routes, `send_fail`, `events`: how an answer looks on its wire); `WireHandler.answer` decides
between the error, the stall, the stream (with its fault) and the whole answer.
"""

from __future__ import annotations

import json
import socket
import struct
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar, NamedTuple, Self

FAULT_TEXT = "one two six ten "
FAULT_CHUNKS = 4
"""A stream that fails part-way sends pieces of this first: "one ", "two ", "six ", "ten "."""


# ---- the behaviours every server shares -------------------------------------------------------


class Fault:
    """A behaviour that breaks a stream after `after` pieces of `FAULT_TEXT`."""

    after: int | None


@dataclass(frozen=True)
class Stall(Fault):
    seconds: float = 10.0
    after: int | None = None
    """None: before the response headers; N: after N streamed pieces."""


@dataclass(frozen=True)
class Reset(Fault):
    after: int = 0


@dataclass(frozen=True)
class Malformed(Fault):
    after: int = 0


@dataclass(frozen=True)
class Cut(Fault):
    after: int = 0


@dataclass(frozen=True)
class KeepAlive(Fault):
    after: int = 0
    seconds: float = 10.0
    interval: float = 0.05


@dataclass(frozen=True)
class Paced:
    answer: Any = None
    interval: float = 0.05


@dataclass(frozen=True)
class HtmlOk:
    body: str = (
        "<!doctype html>\n<html><head><title>Sign in</title></head>\n"
        '<body><form action="/login">Please sign in to continue.</form></body></html>\n'
    )


@dataclass(frozen=True)
class JsonInsteadOfStream:
    answer: Any = None
    """The provider's `Ok` to send whole; None: its default `Ok()`."""
    payload: Any = None
    """Sent as is instead (JSON that is no answer of the protocol)."""


@dataclass(frozen=True)
class Recorded:
    method: str
    path: str
    """The path with its query, as sent."""
    headers: dict[str, str]
    """Lower-cased names."""
    body: Any
    """The decoded JSON body (None for a GET, `INVALID_JSON` for a body that is not JSON)."""


INVALID_JSON = object()
"""The recorded body of a request whose body is not JSON."""


class Event(NamedTuple):
    """One chunk of a streamed answer, as the provider writes it."""

    data: bytes
    text: bool = False
    """It carries a piece of the answer's text (faults count these)."""


def pieces(text: str, n: int) -> list[str]:
    """`text` in `n` non-empty consecutive pieces (fewer if the text is shorter)."""
    n = max(1, min(n, len(text))) if text else 0
    size, extra = divmod(len(text), n) if n else (0, 0)
    out, start = [], 0
    for i in range(n):
        end = start + size + (1 if i < extra else 0)
        out.append(text[start:end])
        start = end
    return out


def bearer(headers: Mapping[str, str]) -> str | None:
    """The token of an `Authorization: Bearer ...` header (names in any case)."""
    lowered = {name.lower(): value for name, value in headers.items()}
    scheme, _, token = (lowered.get("authorization") or "").partition(" ")
    return (token.strip() or None) if scheme.lower() == "bearer" else None


# ---- the server -------------------------------------------------------------------------------


class QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that gave up, or a connection the script reset, is expected: anything else is a
        bug of the wire server, printed."""
        if not isinstance(sys.exc_info()[1], OSError):
            super().handle_error(request, client_address)


class WireServer:
    """A provider's wire protocol on 127.0.0.1 (a free port), in a thread, with a script.

    Subclasses set `handler` (their `WireHandler`, which reaches the server as `self.wire`),
    `reply` (their `Ok`), `name` and, when the SDK wants one, `url_suffix` (`/v1`).
    """

    handler: ClassVar[type[WireHandler]]
    reply: ClassVar[Callable[..., Any]]
    name: ClassVar[str] = "wire"
    url_suffix: ClassVar[str] = ""

    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self._script: deque[Any] = deque()
        self._lock = threading.Lock()
        self._stalls = threading.Event()
        self._httpd: QuietServer | None = None
        self._thread: threading.Thread | None = None
        self._abandoned: list[int] = []
        self._client_left = threading.Event()
        self.connections = 0
        """Connections clients opened (since the last `reset`): a client that reads each answer to its
        end sends the next request on the same one."""

    # lifecycle

    def start(self) -> Self:
        handler = type("Handler", (self.handler,), {"wire": self})
        self._httpd = QuietServer(("127.0.0.1", 0), handler)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.02},  # stop() waits for one poll
            name=f"{self.name}-wire",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._end_stalls()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        assert self._httpd is not None, "start the server first"
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}{self.url_suffix}"

    def sent_key(self, recorded: Recorded) -> str | None:
        """The API key a request carried, where this provider's clients send it."""
        return bearer(recorded.headers)

    # scripting

    def script(self, *behaviours: Any) -> None:
        """Queue behaviours for the next requests, in order."""
        with self._lock:
            self._script.extend(behaviours)

    def reset(self) -> None:
        """Forget the script, the recorded requests and abandoned streams, and end any stall (to
        share one server between tests)."""
        self._end_stalls()
        with self._lock:
            self._script.clear()
            self.requests.clear()
            self._abandoned.clear()
            self._client_left.clear()
            self.connections = 0

    def record(self, recorded: Recorded) -> None:
        with self._lock:
            self.requests.append(recorded)

    def connected(self) -> None:
        with self._lock:
            self.connections += 1

    def next(self, accept: Callable[[Any], bool] = lambda _: True) -> Any:
        """The next scripted behaviour if `accept` takes it, else `reply()` (the script keeps it)."""
        with self._lock:
            if self._script and accept(self._script[0]):
                return self._script.popleft()
        return type(self).reply()

    def wait(self, seconds: float) -> bool:
        """Wait `seconds`, or less if the server stops or is reset meanwhile (then True)."""
        return self._stalls.wait(seconds)

    def abandon(self, pieces: int) -> None:
        """A client closed the connection before the end of a stream, `pieces` of text into it."""
        with self._lock:
            self._abandoned.append(pieces)
        self._client_left.set()

    def stream_abandoned(self, timeout: float) -> int | None:
        """After how many pieces of text the first client to leave a stream early left it, once one
        did (None: none did within `timeout` seconds)."""
        if not self._client_left.wait(timeout):
            return None
        with self._lock:
            return self._abandoned[0]

    def _end_stalls(self) -> None:
        # Threads waiting on the old event wake up; later stalls wait on a new one.
        with self._lock:
            ending, self._stalls = self._stalls, threading.Event()
        ending.set()


class WireHandler(BaseHTTPRequestHandler):
    """One request on a provider's wire. Subclasses route (`do_GET`, `do_POST`), render their error
    body (`send_fail`) and their answer (`events` for a stream, `whole` for one JSON answer)."""

    wire: WireServer
    protocol_version = "HTTP/1.1"  # chunked streaming and keep-alive, as the real APIs
    timeout = 10  # an idle keep-alive connection is closed, never left waiting forever

    fail_type: ClassVar[type]
    """The provider's `Fail`."""
    stream_headers: ClassVar[tuple[tuple[str, str], ...]] = (("Content-Type", "text/event-stream"),)
    response_headers: ClassVar[tuple[tuple[str, str], ...]] = ()
    """Sent with every answer (a request id, as the provider sends one)."""
    malformed_event: ClassVar[bytes] = b"data: {not json\n\n"
    keep_alive: ClassVar[bytes | None] = b": keep-alive\n\n"
    """What the provider sends to keep a connection open while nothing else comes (None: nothing)."""

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def setup(self) -> None:  # once per connection (each request on it is a `handle_one_request`)
        super().setup()
        self.wire.connected()

    # the provider's parts

    def send_fail(self, fail: Any) -> None:
        raise NotImplementedError

    def events(self, ok: Any) -> Iterable[Event]:
        """A streamed answer, in the provider's events."""
        raise NotImplementedError

    def whole(self, ok: Any) -> Any:
        """An answer in one JSON body."""
        raise NotImplementedError

    def fault(self, fault: Fault) -> None:
        """Break the stream as `fault` says, after its pieces were sent. Subclasses add their own
        faults and leave the shared ones to this."""
        self.close_connection = True
        if isinstance(fault, Stall):
            self.wire.wait(fault.seconds)
        elif isinstance(fault, Malformed):
            self.chunk(self.malformed_event)
            self.chunk(b"")
        elif isinstance(fault, Cut):
            self.chunk(b"")
        elif isinstance(fault, KeepAlive):
            end = time.monotonic() + fault.seconds
            while time.monotonic() < end:
                if self.keep_alive is not None:
                    self.chunk(self.keep_alive)
                if self.wire.wait(fault.interval):  # reset or stopped
                    return
            self.chunk(b"")
        elif isinstance(fault, Reset):
            # SO_LINGER 0: close() sends RST, dropping the connection as a crashed peer would.
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.rfile.close()  # the last reference to the socket besides self.connection
            self.connection.close()
        else:
            raise AssertionError(f"{type(self).__name__} does not know the fault {fault}")

    # reading

    def read_json(self) -> Any:
        """The request's JSON body: {} when it has none, `INVALID_JSON` when it is not JSON."""
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            return json.loads(raw) if raw else {}
        except ValueError:
            return INVALID_JSON

    def record(self, body: Any) -> Recorded:
        headers = {name.lower(): value for name, value in self.headers.items()}
        recorded = Recorded(self.command, self.path, headers, body)
        self.wire.record(recorded)
        return recorded

    def listing_behaviour(self) -> Any:
        """What a model-list request does: a scripted `Fail` or `Stall`, else the list."""
        return self.wire.next(lambda b: isinstance(b, self.fail_type | Stall))

    # answering

    def answer(self, behaviour: Any, *, streaming: bool) -> None:
        """Answer a generate request as `behaviour` says: an error, a stall before the headers, a
        stream (broken by a fault), or one JSON body."""
        if isinstance(behaviour, self.fail_type):
            self.send_fail(behaviour)
        elif isinstance(behaviour, HtmlOk):
            self.send_body(200, "text/html; charset=utf-8", behaviour.body.encode())
        elif isinstance(behaviour, JsonInsteadOfStream):
            answer = behaviour.answer if behaviour.answer is not None else type(self.wire).reply()
            self.send_json(200, behaviour.payload if behaviour.payload is not None else self.whole(answer))
        elif isinstance(behaviour, Paced):
            assert streaming, f"{behaviour} needs a streaming request"
            answer = behaviour.answer if behaviour.answer is not None else type(self.wire).reply()
            self.send_events(self.events(answer), pace=behaviour.interval)
        elif isinstance(behaviour, Stall) and behaviour.after is None:
            self.wire.wait(behaviour.seconds)
            self.close_connection = True
        elif isinstance(behaviour, Fault):
            assert streaming, f"{behaviour} needs a streaming request"
            self.send_events(self.events(type(self.wire).reply(FAULT_TEXT, FAULT_CHUNKS)), behaviour)
        elif streaming:
            self.send_events(self.events(behaviour))
        else:
            self.send_json(200, self.whole(behaviour))

    def send_json(self, status: int, payload: Any, headers: Iterable[tuple[str, str]] = ()) -> None:
        self.send_body(status, "application/json; charset=utf-8", json.dumps(payload).encode(), headers)

    def send_body(
        self, status: int, content_type: str, data: bytes, headers: Iterable[tuple[str, str]] = ()
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in (*self.response_headers, *headers):
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def send_events(self, events: Iterable[Event], fault: Fault | None = None, pace: float = 0.0) -> None:
        """Stream `events` as a chunked body; a fault breaks in after its `after` pieces of text
        (before the first piece when `after` is 0, else before whatever follows the last); `pace`
        seconds pass after each piece of text."""
        self.send_response(200)
        for name, value in (*self.stream_headers, *self.response_headers):
            self.send_header(name, value)
        self.send_header("Transfer-Encoding", "chunked")
        if fault is not None:  # it closes the connection: the client must not pool it for the next test
            self.send_header("Connection", "close")
        self.end_headers()
        sent = 0
        try:
            for event in events:
                if fault is not None and sent == fault.after and (event.text or sent):
                    break
                self.chunk(event.data)
                sent += event.text
                if pace and event.text:
                    self.wire.wait(pace)
            if fault is not None:
                self.fault(fault)
            else:
                self.chunk(b"")
        except (BrokenPipeError, ConnectionResetError):
            self.wire.abandon(sent)  # the client closed the connection (its end of the stream)
            raise

    def chunk(self, data: bytes) -> None:
        """One HTTP/1.1 chunk (an empty one ends the body)."""
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()
