"""Anthropic Messages requests on Ollama's `/api/chat`, through the real `ollama` SDK to the Ollama wire
server: tool calls (which Ollama sends without ids) and results by name, thinking, images, options."""

from __future__ import annotations

import pytest
from promptls.adapters.errors import StreamBroken
from promptls.adapters.messages import collect_message

from tests.adapters.conftest import BY_NAME, Provider
from tests.adapters.messages_support import (
    BASH_TOOL,
    PNG,
    assistant,
    body,
    call,
    check_grammar,
    claude_code_requests,
    endpoint,
    text_of,
    user,
)
from tests.wire.ollama_server import ErrorLine, Ok, OllamaWireServer


@pytest.fixture
def provider() -> Provider:
    return BY_NAME["ollama"]


def test_claude_code_s_request_reaches_ollama_with_its_tools_and_limit(
    provider: Provider, server: OllamaWireServer
) -> None:
    _, second = claude_code_requests()
    events, error = call(endpoint(provider, server), "qwen2.5-coder:7b", second)
    assert error is None
    check_grammar(events)
    wire = server.requests[0].body
    assert [m["role"] for m in wire["messages"]] == ["system", "user", "assistant", "tool"]
    assert "x-anthropic-billing-header" not in wire["messages"][0]["content"]
    assert wire["messages"][2]["tool_calls"] == [
        {"function": {"name": "Bash", "arguments": second["messages"][2]["content"][1]["input"]}}
    ]
    assert wire["messages"][3] == {"role": "tool", "content": "hello-from-tool", "tool_name": "Bash"}
    assert wire["options"]["num_predict"] == second["max_tokens"]  # not Ollama's own default limit
    assert [tool["function"]["name"] for tool in wire["tools"]] == [tool["name"] for tool in second["tools"]]
    assert "think" not in wire  # not known to reason


def test_tool_calls_get_ids_and_their_results_go_back_by_name(
    provider: Provider, server: OllamaWireServer
) -> None:
    server.script(Ok("", tool_calls=(("Bash", {"command": "ls"}), ("Bash", {"command": "pwd"}))), Ok("Done."))
    point = endpoint(provider, server)
    events, error = call(point, "qwen2.5-coder:7b", body(user("look"), tools=[BASH_TOOL]))
    assert error is None
    check_grammar(events)
    answer = collect_message(events)
    assert answer["stop_reason"] == "tool_use"
    first, second = answer["content"]
    assert (first["name"], first["input"], second["input"]) == ("Bash", {"command": "ls"}, {"command": "pwd"})
    assert first["id"] != second["id"] and first["id"].startswith("toolu_")
    results = [
        {"type": "tool_result", "tool_use_id": first["id"], "content": [{"type": "text", "text": "a.txt"}]},
        {"type": "tool_result", "tool_use_id": second["id"], "content": "/home"},
    ]
    events, _ = call(
        point,
        "qwen2.5-coder:7b",
        body(user("look"), assistant(*answer["content"]), user(*results), tools=[BASH_TOOL]),
    )
    assert text_of(collect_message(events)) == "Done."
    sent = server.requests[1].body["messages"]
    assert sent[2:] == [
        {"role": "tool", "content": "a.txt", "tool_name": "Bash"},
        {"role": "tool", "content": "/home", "tool_name": "Bash"},
    ]


def test_thinking_comes_back_signed_and_goes_back_next_turn(
    provider: Provider, server: OllamaWireServer
) -> None:
    server.script(Ok("42.", thinking="Six sevens."), Ok())
    point = endpoint(provider, server)
    asked = body(user("6*7?"), output_config={"effort": "medium"}, thinking={"type": "adaptive"})
    events, _ = call(point, "qwen3:8b", asked, reasoning=True)
    check_grammar(events)
    answer = collect_message(events)
    assert answer["content"][0] == {
        "type": "thinking",
        "thinking": "Six sevens.",
        "signature": "promptls:ollama:",
    }
    assert server.requests[0].body["think"] is True
    call(
        point,
        "gpt-oss:20b",
        body(user("6*7?"), assistant(*answer["content"]), user("sure?"), output_config={"effort": "low"}),
        reasoning=True,
    )
    sent = server.requests[1].body
    assert sent["think"] == "low"  # gpt-oss takes a level
    assert sent["messages"][1] == {"role": "assistant", "content": "42.", "thinking": "Six sevens."}


def test_images_go_inline_and_nested_objects_are_described(
    provider: Provider, server: OllamaWireServer
) -> None:
    image = {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": PNG}}
    tool = {
        "name": "Todo",
        "input_schema": {
            "type": "object",
            "properties": {"item": {"type": "object", "properties": {"title": {"type": "string"}}}},
        },
    }
    call(
        endpoint(provider, server),
        "llava:7b",
        body(user({"type": "text", "text": "What?"}, image), tools=[tool]),
    )
    wire = server.requests[0].body
    assert wire["messages"][0] == {"role": "user", "content": "What?", "images": [PNG]}
    described = wire["tools"][0]["function"]["parameters"]["properties"]["item"]
    assert described["type"] == "object" and '"title"' in described["description"]


def test_user_turns_left_next_to_each_other_are_one_turn(
    provider: Provider, server: OllamaWireServer
) -> None:
    call(
        endpoint(provider, server),
        "llama3.2:3b",
        body(user("first"), {"role": "system", "content": "x"}, user("second")),
    )
    assert server.requests[0].body["messages"][1:] == [{"role": "user", "content": "first\n\nsecond"}]


def test_an_error_line_after_text_is_stream_broken(provider: Provider, server: OllamaWireServer) -> None:
    server.script(ErrorLine(after=2))
    events, error = call(endpoint(provider, server), "llama3.2:3b", body(user("hi")))
    assert isinstance(error, StreamBroken)
    check_grammar(events, complete=False)
