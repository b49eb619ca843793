"""One request through the proxy, as the log line and the ledger see it.

`Exchange` is filled in as the request goes (the route, the model that answered, the usage the
answer reported, the time of its first event) and written once at its end: a line on stderr
(`RequestLog`) and a run in the ledger (`record`).

Nothing secret is written: the log shows a request's body and headers only with `--log-bodies`, and
then without its credentials (`x-api-key`, `authorization`, cookies) and with anything shaped like a
provider key redacted; the ledger keeps no body at all.
"""

from __future__ import annotations

import datetime
import json
import sys
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import IO, Any

from promptls.adapters.redact import redact_keys

SECRET_HEADERS = frozenset({"authorization", "x-api-key", "proxy-authorization", "cookie", "set-cookie"})


@dataclass
class Exchange:
    method: str
    path: str
    client: str
    requested: str | None = None
    agent: str | None = None
    model: str | None = None
    """The model that answered (or was last tried)."""
    fallbacks: int = 0
    """How many models were tried before the one that answered."""
    stream: bool = False
    status: int = 200
    input_tokens: int | None = None
    """Every input token, the cached reads and writes among them."""
    output_tokens: int | None = None
    cache_read_tokens: int | None = None
    cache_write_tokens: int | None = None
    cost_usd: float | None = None
    error: str | None = None
    outcome: str = "ok"
    usage_source: str | None = None
    """"provider" (the answer said), "estimate" (counted by promptls: the upstream reported none)."""
    answer: list[str] = field(default_factory=list)
    """The answer's text and tool inputs as they streamed, for an estimate when no usage came."""
    started: float = field(default_factory=time.monotonic)
    first_event: float | None = None
    ended: float | None = None

    @property
    def latency_ms(self) -> float:
        return ((self.ended or time.monotonic()) - self.started) * 1000

    @property
    def first_token_ms(self) -> float | None:
        return None if self.first_event is None else (self.first_event - self.started) * 1000

    def usage_from_event(self, event: Mapping[str, Any]) -> None:
        """Read the usage an Anthropic stream event reports (`message_start`, `message_delta`), and
        keep the answer's pieces."""
        kind = event.get("type")
        usage = None
        if kind == "content_block_delta":
            delta = event.get("delta") or {}
            piece = delta.get("text") or delta.get("partial_json") or delta.get("thinking")
            if isinstance(piece, str):
                self.answer.append(piece)
            return
        if kind == "message_start":
            usage = (event.get("message") or {}).get("usage")
        elif kind == "message_delta":
            usage = event.get("usage")
        if isinstance(usage, Mapping):
            self.usage_from(usage)

    def usage_from(self, usage: Mapping[str, Any]) -> None:
        """Anthropic's usage fields: `input_tokens` there excludes the cached ones; here it includes them."""
        read = _count(usage.get("cache_read_input_tokens"))
        write = _count(usage.get("cache_creation_input_tokens"))
        uncached = _count(usage.get("input_tokens"))
        if read is not None:
            self.cache_read_tokens = read
        if write is not None:
            self.cache_write_tokens = write
        if uncached is not None:
            self.input_tokens = uncached + (self.cache_read_tokens or 0) + (self.cache_write_tokens or 0)
        output = _count(usage.get("output_tokens"))
        if output is not None:
            self.output_tokens = output

    def as_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "path": self.path,
            "status": self.status,
            "client": self.client,
            "agent": self.agent,
            "requested_model": self.requested,
            "model": self.model,
            "fallbacks": self.fallbacks,
            "stream": self.stream,
            "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens,
            "cache_read_tokens": self.cache_read_tokens,
            "cache_write_tokens": self.cache_write_tokens,
            "cost_usd": self.cost_usd,
            "latency_ms": round(self.latency_ms, 1),
            "first_token_ms": None if self.first_token_ms is None else round(self.first_token_ms, 1),
            "usage_source": self.usage_source,
            "outcome": self.outcome,
            "error": self.error,
        }


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


class RequestLog:
    """A line per request on stderr: text (default) or JSON; silent with `--quiet`."""

    def __init__(
        self,
        *,
        quiet: bool = False,
        json_format: bool = False,
        bodies: bool = False,
        out: IO[str] | None = None,
    ) -> None:
        self.quiet = quiet
        self.json = json_format
        self.bodies = bodies
        self.out = out or sys.stderr
        self._lock = threading.Lock()

    def request(self, exchange: Exchange, headers: Mapping[str, str], body: bytes) -> None:
        """The request's headers and body, with `--log-bodies` only."""
        if self.quiet or not self.bodies:
            return
        shown = {k: ("[redacted]" if k.lower() in SECRET_HEADERS else v) for k, v in headers.items()}
        text = redact_keys(body.decode("utf-8", "replace"))
        if self.json:
            line = json.dumps({"event": "request", "path": exchange.path, "headers": shown, "body": text})
        else:
            line = f"promptls proxy: {exchange.method} {exchange.path} headers {json.dumps(shown)}\n{text}"
        self._write(redact_keys(line))

    def done(self, exchange: Exchange) -> None:
        if self.quiet:
            return
        if self.json:
            now = datetime.datetime.now(datetime.UTC).isoformat(timespec="milliseconds")
            line = json.dumps({"time": now, **exchange.as_dict()}, ensure_ascii=False)
        else:
            line = text_line(exchange)
        self._write(redact_keys(line))

    def note(self, message: str) -> None:
        if not self.quiet:
            self._write(f"promptls proxy: {message}")

    def _write(self, line: str) -> None:
        with self._lock:
            try:
                self.out.write(line + "\n")
                self.out.flush()
            except (OSError, ValueError):  # stderr closed: the proxy goes on
                pass


def text_line(x: Exchange) -> str:
    """`POST /v1/messages claude-haiku-4-5 → ollama/qwen2.5-coder 200 stream 1,203+45 tokens ...`"""
    parts = [f"{x.method} {x.path}"]
    if x.requested is not None:
        target = f" → {x.model}" if x.model and x.model != x.requested else ""
        parts.append(f"{x.requested}{target}")
    if x.agent:
        parts.append(f"(agent {x.agent})")
    if x.fallbacks:
        parts.append(f"after {x.fallbacks} fallback{'s' if x.fallbacks > 1 else ''}")
    parts.append(str(x.status))
    if x.stream:
        parts.append("stream")
    if x.input_tokens is not None or x.output_tokens is not None:
        estimated = " (estimated)" if x.usage_source == "estimate" else ""
        parts.append(f"{_n(x.input_tokens)} in, {_n(x.output_tokens)} out{estimated}")
    if x.cost_usd is not None:
        parts.append(f"${x.cost_usd:.4f}")
    timing = f"{x.latency_ms:.0f} ms"
    if x.first_token_ms is not None and x.stream:
        timing += f" (first event {x.first_token_ms:.0f} ms)"
    parts.append(timing)
    parts.append(x.client)
    if x.error:
        parts.append(f"error: {x.error}")
    return "promptls proxy: " + " ".join(parts)


def _n(value: int | None) -> str:
    return "?" if value is None else f"{value:,}"
