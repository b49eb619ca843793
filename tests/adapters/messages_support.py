"""What the Messages translation tests share: endpoints on the wire servers, the events a call yields
(or the error it raised), Anthropic's event grammar as a check, and the requests the real Claude Code
sent (tests/fixtures/proxy/)."""

from __future__ import annotations

import asyncio
import copy
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import anthropic.types
from promptls.adapters.base import Endpoint
from promptls.adapters.errors import AdapterError
from promptls.adapters.messages import stream_messages
from promptls.adapters.openai_aio import HttpPool
from promptls.adapters.translate.stream_aio import AIO_KINDS, stream_messages_aio
from pydantic import TypeAdapter

from tests.adapters.conftest import TIMEOUT, Provider
from tests.conftest import assert_no_canary, canary_key
from tests.wire.base import WireServer

EVENT = TypeAdapter(anthropic.types.RawMessageStreamEvent)
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "proxy"


def endpoint(protocol: Provider, server: WireServer, /, **changes: Any) -> Endpoint:
    """The protocol's endpoint on `server`, with its canary key (`changes`: other Endpoint fields)."""
    key = canary_key(protocol.name) if protocol.needs_key else None
    return Endpoint(protocol.name, protocol.name, server.base_url, key, TIMEOUT)._replace(**changes)


ON_LOOP = {"enabled": False}
"""Set by a test module's `lane` fixture: `call` goes through `stream_messages_aio` (the proxy's event
loop) where the endpoint's kind has it, so one set of tests holds both lanes to one behaviour."""


def call(
    point: Endpoint, model: str, body: Mapping[str, Any], **options: Any
) -> tuple[list[dict[str, Any]], AdapterError | None]:
    """The events `stream_messages` yielded, and the error that ended it (None: it ended well). The
    error must never show a key."""
    if ON_LOOP["enabled"] and point.kind in AIO_KINDS and "cancel" not in options:
        return asyncio.run(_call_on_loop(point, model, body, **options))
    events: list[dict[str, Any]] = []
    try:
        for event in stream_messages(point, model, body, **options):
            events.append(event)
    except AdapterError as error:
        assert_no_canary(f"{error} {error!r} {error.describe()}")
        return events, error
    return events, None


async def _call_on_loop(
    point: Endpoint, model: str, body: Mapping[str, Any], **options: Any
) -> tuple[list[dict[str, Any]], AdapterError | None]:
    pool = HttpPool()
    events: list[dict[str, Any]] = []
    try:
        async for batch in stream_messages_aio(pool, point, model, body, **options):
            events += batch
    except AdapterError as error:
        assert_no_canary(f"{error} {error!r} {error.describe()}")
        return events, error
    finally:
        await pool.close()
    return events, None


def check_grammar(events: list[dict[str, Any]], *, complete: bool = True) -> None:
    """Fail unless `events` follow Anthropic's stream order: `message_start` first and once; blocks
    numbered from 0, each started, given deltas of its own kind and stopped before the next starts;
    one `message_delta` after the last block, then `message_stop` last. `complete=False`: a stream
    that broke, whose events so far must be a prefix of such a stream."""
    assert events and events[0]["type"] == "message_start", events[:1]
    for event in events:  # each one as the `anthropic` SDK reads it (it drops pings itself)
        if event["type"] != "ping":
            EVENT.validate_python(event)
    assert [e["type"] for e in events].count("message_start") == 1
    open_index: int | None = None
    next_index = 0
    kinds: dict[int, str] = {}
    delta_kinds = {
        "text": {"text_delta", "citations_delta"},
        "thinking": {"thinking_delta", "signature_delta"},
        "tool_use": {"input_json_delta"},
    }
    ended = False
    for event in events[1:]:
        kind = event["type"]
        assert not ended or kind == "message_stop", f"{kind} after message_delta"
        if kind == "ping":
            continue
        if kind == "content_block_start":
            assert open_index is None, f"block {event['index']} started inside block {open_index}"
            assert event["index"] == next_index
            open_index, next_index = event["index"], next_index + 1
            kinds[open_index] = event["content_block"]["type"]
        elif kind == "content_block_delta":
            assert event["index"] == open_index
            allowed = delta_kinds.get(kinds[open_index], set())
            assert event["delta"]["type"] in allowed, (kinds[open_index], event["delta"])
        elif kind == "content_block_stop":
            assert event["index"] == open_index
            open_index = None
        elif kind == "message_delta":
            assert open_index is None, "message_delta inside a block"
            assert event["delta"]["stop_reason"] is not None
            ended = True
        elif kind == "message_stop":
            assert ended
        else:
            raise AssertionError(f"unknown event {kind}")
    if complete:
        assert events[-1]["type"] == "message_stop"


def claude_code_requests() -> list[dict[str, Any]]:
    """The bodies the real Claude Code sent: its first turn, and the turn after a Bash tool ran."""
    data = json.loads((FIXTURES / "claude_code_tool_round_trip.json").read_text())
    return [copy.deepcopy(request["body"]) for request in data["requests"]]


def claude_code_subagent() -> tuple[str, dict[str, Any], dict[str, Any]]:
    """The project agent file's text, the main conversation's request after its Agent tool call, and
    the sub-agent's own request, as the real Claude Code sent them."""
    data = json.loads((FIXTURES / "claude_code_subagent.json").read_text())
    parent, subagent = (copy.deepcopy(request["body"]) for request in data["requests"])
    return data["agent_file"]["text"], parent, subagent


def claude_code_betas() -> list[str]:
    data = json.loads((FIXTURES / "claude_code_tool_round_trip.json").read_text())
    return data["requests"][0]["headers"]["anthropic-beta"].split(",")


def text_of(message: Mapping[str, Any]) -> str:
    return "".join(block.get("text", "") for block in message["content"] if block["type"] == "text")


def user(*content: Any) -> dict[str, Any]:
    return {
        "role": "user",
        "content": list(content) if len(content) != 1 or not isinstance(content[0], str) else content[0],
    }


def assistant(*content: dict[str, Any]) -> dict[str, Any]:
    return {"role": "assistant", "content": list(content)}


def body(*messages: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {"model": "claude-opus-4-8", "max_tokens": 256, "messages": list(messages), **fields}


BASH_TOOL = {
    "name": "Bash",
    "description": "Run a shell command",
    "input_schema": {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "properties": {
            "command": {"type": "string", "description": "The command"},
            "timeout": {"type": "number", "exclusiveMinimum": 0, "description": "Milliseconds"},
        },
        "required": ["command"],
        "additionalProperties": False,
    },
}

PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGNgYGD4DwABBAEAwS2OUAAAAABJRU5ErkJggg=="
"""A 1×1 PNG, base64."""
