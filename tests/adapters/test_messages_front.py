"""The proxy's OpenAI endpoint's conversions, and the error shapes: an OpenAI client's request through
an Anthropic-format upstream and back, each answer checked against the real SDKs' own types."""

from __future__ import annotations

import json

import anthropic.types
import openai.types.chat
import pytest
from promptls.adapters.errors import (
    AuthError,
    BadRequest,
    Cancelled,
    ContextTooLong,
    MissingKey,
    RateLimited,
    StreamBroken,
    Timeout,
    Unavailable,
)
from promptls.adapters.messages import (
    anthropic_events_to_openai_chunks,
    anthropic_message_to_openai,
    collect_message,
    error_payload,
    message_events,
    openai_request_to_anthropic,
)
from pydantic import TypeAdapter

from tests.adapters.conftest import BY_NAME, WireServers
from tests.adapters.messages_support import PNG, call, check_grammar, endpoint
from tests.wire.anthropic_server import AnthropicWireServer, Ok

EVENT = TypeAdapter(anthropic.types.RawMessageStreamEvent)

OPENAI_REQUEST = {
    "model": "ollama/qwen2.5-coder",
    "messages": [
        {"role": "system", "content": "Be brief."},
        {"role": "developer", "content": [{"type": "text", "text": "Use tools."}]},
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "What is in the picture, and in the folder?"},
                {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{PNG}"}},
            ],
        },
        {
            "role": "assistant",
            "content": None,
            "reasoning_content": "Two tools.",
            "tool_calls": [
                {
                    "id": "call_1",
                    "type": "function",
                    "function": {"name": "ls", "arguments": '{"path": "."}'},
                },
                {"id": "call_2", "type": "function", "function": {"name": "ls", "arguments": "not json"}},
            ],
        },
        {"role": "tool", "tool_call_id": "call_1", "content": "a.txt"},
        {"role": "tool", "tool_call_id": "call_2", "content": [{"type": "text", "text": "b.txt"}]},
    ],
    "tools": [
        {
            "type": "function",
            "function": {
                "name": "ls",
                "description": "List",
                "parameters": {"type": "object", "properties": {}},
            },
        }
    ],
    "tool_choice": "required",
    "parallel_tool_calls": False,
    "max_completion_tokens": 300,
    "temperature": 0.1,
    "stop": "END",
    "reasoning_effort": "low",
    "stream": True,
}


def test_an_openai_request_becomes_an_anthropic_one() -> None:
    converted = openai_request_to_anthropic(OPENAI_REQUEST)
    assert converted["system"] == "Be brief.\n\nUse tools."
    assert converted["messages"] == [
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "What is in the picture, and in the folder?"},
                {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": PNG}},
            ],
        },
        {
            "role": "assistant",
            "content": [
                {"type": "thinking", "thinking": "Two tools.", "signature": "promptls:reasoning_content:"},
                {"type": "tool_use", "id": "call_1", "name": "ls", "input": {"path": "."}},
                {"type": "tool_use", "id": "call_2", "name": "ls", "input": {"_raw": "not json"}},
            ],
        },
        {
            "role": "user",
            "content": [
                {"type": "tool_result", "tool_use_id": "call_1", "content": "a.txt"},
                {"type": "tool_result", "tool_use_id": "call_2", "content": "b.txt"},
            ],
        },
    ]
    assert converted["tools"] == [
        {"name": "ls", "description": "List", "input_schema": {"type": "object", "properties": {}}}
    ]
    assert converted["tool_choice"] == {"type": "any", "disable_parallel_tool_use": True}
    assert (converted["max_tokens"], converted["temperature"], converted["stop_sequences"]) == (
        300,
        0.1,
        ["END"],
    )
    assert converted["output_config"] == {"effort": "low"} and converted["stream"] is True


def test_an_anthropic_stream_becomes_chunks_the_openai_sdk_reads(wire_servers: WireServers) -> None:
    provider = BY_NAME["anthropic"]
    server: AnthropicWireServer = wire_servers.fresh(provider)
    server.script(
        Ok("Here.", thinking="Hmm.", tool_uses=(("toolu_1", "ls", {"path": "."}),), stop_reason="tool_use")
    )
    events, error = call(
        endpoint(provider, server), "claude-haiku-4-5", openai_request_to_anthropic(OPENAI_REQUEST)
    )
    assert error is None
    chunks = list(anthropic_events_to_openai_chunks(events, "ollama/qwen2.5-coder", include_usage=True))
    parsed = [openai.types.chat.ChatCompletionChunk.model_validate(chunk) for chunk in chunks]
    text = "".join(c.choices[0].delta.content or "" for c in parsed if c.choices)
    arguments = "".join(
        call.function.arguments or ""
        for c in parsed
        if c.choices
        for call in c.choices[0].delta.tool_calls or ()
        if call.function
    )
    assert text == "Here." and json.loads(arguments) == {"path": "."}
    starts = [call for c in parsed if c.choices for call in c.choices[0].delta.tool_calls or () if call.id]
    assert [(call.id, call.function.name) for call in starts] == [("toolu_1", "ls")]
    assert parsed[-2].choices[0].finish_reason == "tool_calls"
    assert parsed[-1].usage is not None and parsed[-1].usage.completion_tokens == 7
    reasoning = "".join(
        c.choices[0].delta.model_extra.get("reasoning_content", "") for c in parsed if c.choices
    )
    assert reasoning == "Hmm."


def test_a_whole_anthropic_message_becomes_a_chat_completion() -> None:
    message = {
        "id": "msg_1",
        "type": "message",
        "role": "assistant",
        "model": "x",
        "content": [
            {"type": "text", "text": "Listing."},
            {"type": "tool_use", "id": "toolu_1", "name": "ls", "input": {"path": "."}},
        ],
        "stop_reason": "tool_use",
        "stop_sequence": None,
        "usage": {"input_tokens": 10, "output_tokens": 4, "cache_read_input_tokens": 90},
    }
    completion = openai.types.chat.ChatCompletion.model_validate(anthropic_message_to_openai(message, "m"))
    choice = completion.choices[0]
    assert (choice.message.content, choice.finish_reason) == ("Listing.", "tool_calls")
    assert choice.message.tool_calls[0].id == "toolu_1"
    assert (
        completion.usage.prompt_tokens == 100 and completion.usage.prompt_tokens_details.cached_tokens == 90
    )


def test_events_and_messages_convert_both_ways_and_parse_as_the_anthropic_sdk_s() -> None:
    message = {
        "id": "msg_1",
        "type": "message",
        "role": "assistant",
        "model": "x",
        "content": [
            {"type": "thinking", "thinking": "Hmm.", "signature": "promptls:ollama:"},
            {"type": "text", "text": "Hi."},
            {"type": "tool_use", "id": "toolu_1", "name": "ls", "input": {"path": "."}},
        ],
        "stop_reason": "tool_use",
        "stop_sequence": None,
        "usage": {"input_tokens": 10, "output_tokens": 4},
    }
    events = list(message_events(message))
    check_grammar(events)
    for event in events:
        if event["type"] != "ping":  # the SDK reads pings and drops them: they are not in its union
            EVENT.validate_python(event)
    assert collect_message(events) == message


ERRORS = [
    (
        BadRequest("bad temperature", provider="openai", model="gpt-4o", status=400),
        400,
        "invalid_request_error",
    ),
    (
        ContextTooLong("9000 > 8192", provider="openai", model="gpt-4o", status=400),
        400,
        "invalid_request_error",
    ),
    (
        MissingKey("no API key for openai: run `promptls keys set openai`", provider="openai"),
        401,
        "authentication_error",
    ),
    (
        AuthError("key refused", provider="gemini", model="gemini-2.5-pro", status=403),
        401,
        "authentication_error",
    ),
    (
        RateLimited("slow down", provider="openai", model="gpt-4o", status=429, retry_after=2.2),
        429,
        "rate_limit_error",
    ),
    (Timeout("no first token within 60 s", provider="ollama", model="qwen3"), 504, "timeout_error"),
    (Unavailable("Overloaded", provider="anthropic", model="claude", status=529), 529, "overloaded_error"),
    (
        Unavailable("Service Unavailable", provider="openai", model="gpt-4o", status=503),
        529,
        "overloaded_error",
    ),
    (Unavailable("Internal", provider="openai", model="gpt-4o", status=500), 500, "api_error"),
    (Unavailable("connection refused", provider="ollama", model="qwen3"), 502, "api_error"),
    (StreamBroken("broke", provider="openai", model="gpt-4o"), 502, "api_error"),
    (Cancelled("client left"), 499, "api_error"),
]


@pytest.mark.parametrize(("error", "status", "kind"), ERRORS, ids=lambda v: getattr(v, "kind", str(v)))
def test_each_upstream_failure_has_its_status_and_shape_for_each_client(error, status, kind) -> None:
    got, headers, payload = error_payload(error, "anthropic")
    assert (got, payload["type"], payload["error"]["type"]) == (status, "error", kind)
    assert error.message in payload["error"]["message"]
    got, headers, payload = error_payload(error, "openai")
    assert got == (503 if status == 529 else status)
    assert set(payload["error"]) == {"message", "type", "param", "code"}
    if isinstance(error, RateLimited):
        assert headers == {"retry-after": "3"}  # whole seconds, rounded up


def test_a_prompt_too_long_says_so_first_as_claude_code_expects() -> None:
    _, _, payload = error_payload(
        ContextTooLong("9000 > 8192", provider="openai", model="gpt-4o"), "anthropic"
    )
    assert payload["error"]["message"].startswith("prompt is too long")
