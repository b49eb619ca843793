"""Anthropic Messages requests on OpenAI's chat completions (OpenAI, OpenRouter, compatible servers),
through the real `openai` SDK to the OpenAI wire server: what goes up, and the events that come back."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from promptls.adapters.errors import RateLimited, StreamBroken
from promptls.adapters.messages import collect_message, error_payload

from tests.adapters.conftest import BY_NAME, Provider, WireServers
from tests.adapters.messages_support import (
    BASH_TOOL,
    ON_LOOP,
    PNG,
    assistant,
    body,
    call,
    check_grammar,
    claude_code_requests,
    claude_code_subagent,
    endpoint,
    text_of,
    user,
)
from tests.conftest import canary_key
from tests.wire.base import JsonInsteadOfStream, Malformed
from tests.wire.openai_server import Fail, Ok, OpenAIWireServer, ToolCall


@pytest.fixture(autouse=True, params=["thread", "loop"])
def lane(request: pytest.FixtureRequest) -> Iterator[str]:
    """Each test twice: through `stream_messages` on a thread (the SDK's HTTP), and through
    `stream_messages_aio` on an event loop (aiohttp), as the proxy calls OpenAI-compatible servers."""
    ON_LOOP["enabled"] = request.param == "loop"
    yield request.param
    ON_LOOP["enabled"] = False


@pytest.fixture
def provider() -> Provider:
    return BY_NAME["openai"]


@pytest.fixture
def openrouter(wire_servers: WireServers) -> OpenAIWireServer:
    return OpenAIWireServer(prefix="/api/v1").start()


def test_a_claude_code_request_becomes_one_system_message_and_the_user_turn(
    provider: Provider, server: OpenAIWireServer
) -> None:
    first, _ = claude_code_requests()
    events, error = call(endpoint(provider, server), "gpt-4o", first)
    assert error is None
    check_grammar(events)
    assert text_of(collect_message(events)) == "Hello from the wire server."
    sent = server.requests[0]
    assert server.sent_key(sent) == canary_key("openai")
    wire = sent.body
    roles = [m["role"] for m in wire["messages"]]
    assert roles == ["system", "user"]
    system = wire["messages"][0]["content"]
    assert "x-anthropic-billing-header" not in system
    assert system.startswith("You are a Claude agent")
    assert "<total_tokens>" in system  # the system message Claude Code put after the user's
    assert "run echo hello-from-tool" in wire["messages"][1]["content"]
    assert wire["max_completion_tokens"] == first["max_tokens"]
    for dropped in ("metadata", "context_management", "thinking", "output_config", "system"):
        assert dropped not in wire
    assert "reasoning_effort" not in wire  # not known to reason: a model that does not would refuse it
    names = [tool["function"]["name"] for tool in wire["tools"]]
    assert names == [tool["name"] for tool in first["tools"]]
    assert all("$schema" not in tool["function"]["parameters"] for tool in wire["tools"])


def test_a_sub_agent_s_request_and_the_agent_tool_s_result_translate_to_text(
    provider: Provider, server: OpenAIWireServer
) -> None:
    agent_file, parent, subagent = claude_code_subagent()
    point = endpoint(provider, server)
    call(point, "gpt-4o", subagent)
    call(point, "gpt-4o", parent)
    system = server.requests[0].body["messages"][0]["content"]
    body_of_agent = agent_file.split("---\n", 2)[2].strip()
    assert system.startswith("You are a Claude agent") and body_of_agent in system
    assert "cc_is_subagent" not in system  # the billing line it rides on is not for other models
    tool_message = next(m for m in server.requests[1].body["messages"] if m["role"] == "tool")
    assert tool_message["tool_call_id"] == "toolu_01AGENT"
    assert tool_message["content"].startswith("Async agent launched successfully.")  # text, not JSON


def test_a_tool_round_trip_over_three_turns_keeps_the_ids_paired(
    provider: Provider, server: OpenAIWireServer
) -> None:
    server.script(
        Ok(
            "", tool_calls=(ToolCall("call_abc123", "Bash", '{"command": "ls"}'),), finish_reason="tool_calls"
        ),
        Ok("Two files."),
    )
    point = endpoint(provider, server)
    turn = body(user("What is here?"), tools=[BASH_TOOL])
    events, error = call(point, "gpt-4o", turn)
    assert error is None
    check_grammar(events)
    answer = collect_message(events)
    assert answer["stop_reason"] == "tool_use"
    assert answer["content"] == [
        {"type": "tool_use", "id": "call_abc123", "name": "Bash", "input": {"command": "ls"}}
    ]

    result = {
        "type": "tool_result",
        "tool_use_id": "call_abc123",
        "content": [{"type": "text", "text": "a.txt"}, {"type": "text", "text": "b.txt"}],
    }
    failed = {
        "type": "tool_result",
        "tool_use_id": "call_def456",
        "content": "no such file",
        "is_error": True,
    }
    second = body(
        user("What is here?"),
        assistant(
            *answer["content"],
            {"type": "tool_use", "id": "call_def456", "name": "Bash", "input": {"command": "cat x"}},
        ),
        user(result, failed, {"type": "text", "text": "And?"}),
        tools=[BASH_TOOL],
    )
    events, error = call(point, "gpt-4o", second)
    assert error is None and text_of(collect_message(events)) == "Two files."
    sent = server.requests[1].body["messages"]
    assert sent[1] == {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {
                "id": "call_abc123",
                "type": "function",
                "function": {"name": "Bash", "arguments": '{"command": "ls"}'},
            },
            {
                "id": "call_def456",
                "type": "function",
                "function": {"name": "Bash", "arguments": '{"command": "cat x"}'},
            },
        ],
    }
    assert sent[2] == {"role": "tool", "tool_call_id": "call_abc123", "content": "a.txt\n\nb.txt"}
    assert sent[3] == {"role": "tool", "tool_call_id": "call_def456", "content": "Error: no such file"}
    assert sent[4] == {"role": "user", "content": "And?"}


def test_user_turns_left_next_to_each_other_are_one_turn(
    provider: Provider, server: OpenAIWireServer
) -> None:
    """Chat templates of compatible servers refuse turns that do not alternate."""
    image = {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": PNG}}
    turns = body(user("first"), {"role": "system", "content": "Agents: none."}, user("second"), user(image))
    call(endpoint(provider, server), "gemma", turns)
    sent = server.requests[0].body["messages"]
    assert [m["role"] for m in sent] == ["system", "user"]
    assert sent[1]["content"] == [
        {"type": "text", "text": "first\n\nsecond"},
        {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{PNG}"}},
    ]


def test_parallel_tool_calls_come_back_as_whole_blocks_in_order(
    provider: Provider, server: OpenAIWireServer
) -> None:
    calls = (ToolCall("call_1", "Read", '{"path": "a"}'), ToolCall("call_2", "Read", '{"path": "b"}'))
    server.script(Ok("Reading both.", tool_calls=calls, finish_reason="tool_calls"))
    events, _ = call(endpoint(provider, server), "gpt-4o", body(user("read a and b")))
    check_grammar(events)
    content = collect_message(events)["content"]
    assert [block["type"] for block in content] == ["text", "tool_use", "tool_use"]
    assert [block["input"] for block in content[1:]] == [{"path": "a"}, {"path": "b"}]


def test_arguments_that_are_not_a_json_object_are_kept_whole_under_raw(
    provider: Provider, server: OpenAIWireServer
) -> None:
    server.script(
        Ok("", tool_calls=(ToolCall("call_1", "Bash", '{"command": "ls'),), finish_reason="tool_calls")
    )
    events, _ = call(endpoint(provider, server), "gemma", body(user("ls")))
    check_grammar(events)
    assert collect_message(events)["content"][0]["input"] == {"_raw": '{"command": "ls'}


def test_images_go_as_image_url_parts_and_a_tool_s_images_follow_its_result(
    provider: Provider, server: OpenAIWireServer
) -> None:
    image = {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": PNG}}
    linked = {"type": "image", "source": {"type": "url", "url": "https://example.com/cat.png"}}
    shot = {
        "type": "tool_result",
        "tool_use_id": "call_9",
        "content": [{"type": "text", "text": "taken"}, image],
    }
    turn = body(
        user({"type": "text", "text": "What is this?"}, image, linked),
        assistant({"type": "tool_use", "id": "call_9", "name": "Screenshot", "input": {}}),
        user(shot),
    )
    call(endpoint(provider, server), "gpt-4o", turn)
    sent = server.requests[0].body["messages"]
    assert sent[0]["content"] == [
        {"type": "text", "text": "What is this?"},
        {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{PNG}"}},
        {"type": "image_url", "image_url": {"url": "https://example.com/cat.png"}},
    ]
    assert sent[2] == {"role": "tool", "tool_call_id": "call_9", "content": "taken"}
    assert sent[3]["role"] == "user"
    assert sent[3]["content"][1] == {
        "type": "image_url",
        "image_url": {"url": f"data:image/png;base64,{PNG}"},
    }


def test_deepseek_reasoning_comes_back_as_signed_thinking_and_goes_back_next_turn(
    provider: Provider, server: OpenAIWireServer
) -> None:
    server.script(Ok("42.", reasoning="Six times seven."), Ok("Yes."))
    point = endpoint(provider, server, provider="deepseek", api_key="sk-deepseek")
    events, _ = call(point, "deepseek-reasoner", body(user("6*7?")))
    check_grammar(events)
    answer = collect_message(events)
    assert answer["content"][0] == {
        "type": "thinking",
        "thinking": "Six times seven.",
        "signature": "promptls:reasoning_content:",
    }
    anthropic_thinking = {"type": "thinking", "thinking": "from claude", "signature": "EqQBCkYIBxgCKkD"}
    turn = body(
        user("6*7?"),
        assistant(*answer["content"]),
        user("Sure?"),
        assistant(anthropic_thinking, {"type": "text", "text": "ok"}),
        user("Really?"),
    )
    call(point, "deepseek-reasoner", turn)
    sent = server.requests[1].body["messages"]
    assert sent[1] == {"role": "assistant", "content": "42.", "reasoning_content": "Six times seven."}
    assert sent[3] == {"role": "assistant", "content": "ok"}  # Anthropic's thinking: not for this model


def test_openrouter_s_reasoning_details_travel_through_the_client_and_go_back_whole(
    provider: Provider, openrouter: OpenAIWireServer
) -> None:
    """OpenRouter needs them back to continue a Gemini 3 model's tool calls."""
    details = (
        {"type": "reasoning.text", "text": "Need the files.", "format": "google-gemini-v1"},
        {
            "type": "reasoning.encrypted",
            "data": "c2lnbmF0dXJl",
            "id": "tool_ls_1",
            "format": "google-gemini-v1",
        },
    )
    calls = (ToolCall("tool_ls_1", "Bash", '{"command": "ls"}'),)
    openrouter.script(
        Ok("", reasoning_details=details, tool_calls=calls, finish_reason="tool_calls"), Ok("Done.")
    )
    point = endpoint(provider, openrouter, provider="openrouter")
    try:
        events, _ = call(point, "google/gemini-3-pro-preview", body(user("ls"), tools=[BASH_TOOL]))
        check_grammar(events)
        answer = collect_message(events)
        assert answer["content"][0]["signature"].startswith("promptls:reasoning_details:")
        result = {"type": "tool_result", "tool_use_id": "tool_ls_1", "content": "a.txt"}
        call(
            point,
            "google/gemini-3-pro-preview",
            body(user("ls"), assistant(*answer["content"]), user(result)),
        )
        sent = openrouter.requests[1].body["messages"][1]
    finally:
        openrouter.stop()
    assert sent["reasoning_details"] == [{**detail, "index": n} for n, detail in enumerate(details)]
    assert sent["tool_calls"][0]["id"] == "tool_ls_1"


def test_the_effort_goes_up_only_for_a_model_known_to_reason(
    provider: Provider, server: OpenAIWireServer, openrouter: OpenAIWireServer
) -> None:
    asked = body(user("hi"), output_config={"effort": "high"}, thinking={"type": "adaptive"})
    call(endpoint(provider, server), "o3", asked, reasoning=True)
    call(endpoint(provider, server), "gpt-4o", asked, reasoning=None)
    budget = body(user("hi"), thinking={"type": "enabled", "budget_tokens": 2000})
    call(endpoint(provider, server), "o3", budget, reasoning=True)
    assert server.requests[0].body["reasoning_effort"] == "high"
    assert "reasoning_effort" not in server.requests[1].body
    assert server.requests[2].body["reasoning_effort"] == "low"
    try:
        call(
            endpoint(provider, openrouter, provider="openrouter"),
            "deepseek/deepseek-r1",
            asked,
            reasoning=True,
        )
        assert openrouter.requests[0].body["reasoning"] == {"effort": "high"}
        assert openrouter.requests[0].body["max_tokens"] == 256  # not OpenAI's max_completion_tokens
    finally:
        openrouter.stop()


def test_openrouter_keeps_the_cache_marks_on_the_system_blocks(
    provider: Provider, openrouter: OpenAIWireServer
) -> None:
    system = [
        {"type": "text", "text": "x-anthropic-billing-header: cc_version=2"},
        {"type": "text", "text": "You are helpful.", "cache_control": {"type": "ephemeral"}},
    ]
    try:
        call(
            endpoint(provider, openrouter, provider="openrouter"),
            "anthropic/claude-sonnet-4",
            body(user("hi"), system=system),
        )
        sent = openrouter.requests[0].body["messages"][0]
    finally:
        openrouter.stop()
    assert sent == {
        "role": "system",
        "content": [{"type": "text", "text": "You are helpful.", "cache_control": {"type": "ephemeral"}}],
    }


def test_cached_prompt_tokens_are_cache_reads(provider: Provider, server: OpenAIWireServer) -> None:
    server.script(Ok("hi", prompt_tokens=1000, completion_tokens=5, cached_tokens=800))
    events, _ = call(endpoint(provider, server), "gpt-4o", body(user("hi")))
    assert collect_message(events)["usage"] == {
        "input_tokens": 200,
        "output_tokens": 5,
        "cache_read_input_tokens": 800,
        "cache_creation_input_tokens": 0,
    }


def test_tool_names_another_server_refuses_are_fitted_and_renamed_back(
    provider: Provider, server: OpenAIWireServer
) -> None:
    tool = {**BASH_TOOL, "name": "mcp__files__read.file"}
    server.script(
        Ok("", tool_calls=(ToolCall("call_1", "mcp__files__read_file", "{}"),), finish_reason="tool_calls")
    )
    events, _ = call(
        endpoint(provider, server),
        "gpt-4o",
        body(user("read"), tools=[tool], tool_choice={"type": "tool", "name": tool["name"]}),
    )
    wire = server.requests[0].body
    assert wire["tools"][0]["function"]["name"] == "mcp__files__read_file"
    assert wire["tool_choice"] == {"type": "function", "function": {"name": "mcp__files__read_file"}}
    assert collect_message(events)["content"][0]["name"] == "mcp__files__read.file"


def test_a_rate_limit_before_the_answer_is_a_429_for_the_client_with_retry_after(
    provider: Provider, server: OpenAIWireServer
) -> None:
    server.script(Fail.rate_limit(7))
    events, error = call(endpoint(provider, server), "gpt-4o", body(user("hi")))
    assert events == [] and isinstance(error, RateLimited) and error.retry_after == 7
    status, headers, payload = error_payload(error, "anthropic")
    assert (status, headers["retry-after"], payload["error"]["type"]) == (429, "7", "rate_limit_error")
    status, headers, payload = error_payload(error, "openai")
    assert (status, headers["retry-after"], payload["error"]["code"]) == (429, "7", "rate_limit_exceeded")


def test_a_stream_that_breaks_after_the_answer_began_is_stream_broken(
    provider: Provider, server: OpenAIWireServer
) -> None:
    server.script(Malformed(after=2))  # deterministic: a reset can overtake the pieces before it
    events, error = call(endpoint(provider, server), "gpt-4o", body(user("hi")))
    assert isinstance(error, StreamBroken)
    check_grammar(events, complete=False)
    assert "".join(e["delta"]["text"] for e in events if e["type"] == "content_block_delta") == "one two "


def test_a_whole_json_answer_to_a_stream_request_is_read(
    provider: Provider, server: OpenAIWireServer
) -> None:
    server.script(
        JsonInsteadOfStream(Ok("Whole.", tool_calls=(ToolCall("call_7", "Bash", '{"command": "pwd"}'),)))
    )
    events, error = call(endpoint(provider, server), "gpt-4o", body(user("hi")))
    assert error is None
    check_grammar(events)
    message = collect_message(events)
    assert text_of(message) == "Whole."
    assert message["content"][1]["input"] == {"command": "pwd"} and message["stop_reason"] == "tool_use"


def test_a_large_whole_answer_arrives_whole(provider: Provider, server: OpenAIWireServer) -> None:
    """A server that does not stream a long answer: read to its end (the socket hands it over in many
    pieces), not just what came first."""
    long_text = "".join(f"line {n:05}\n" for n in range(30_000))  # ~330 KB
    server.script(JsonInsteadOfStream(Ok(long_text)))
    events, error = call(endpoint(provider, server), "gpt-4o", body(user("hi")))
    assert error is None
    assert text_of(collect_message(events)) == long_text


def test_the_request_json_is_what_the_sdk_sent(provider: Provider, server: OpenAIWireServer) -> None:
    """The body goes up as built (the SDK's low-level post): no field the SDK would add or drop."""
    call(
        endpoint(provider, server),
        "gpt-4o",
        body(user("hi"), temperature=0.3, top_k=5, stop_sequences=["END"]),
    )
    wire = server.requests[0].body
    assert json.loads(json.dumps(wire)) == {
        "model": "gpt-4o",
        "messages": [{"role": "user", "content": "hi"}],
        "stream": True,
        "stream_options": {"include_usage": True},
        "max_completion_tokens": 256,
        "temperature": 0.3,
        "stop": ["END"],
    }  # top_k: OpenAI refuses it
