"""Anthropic Messages requests on the Gemini API, through the real `google-genai` SDK to the Gemini wire
server: function declarations Gemini accepts, calls and responses paired, thought signatures kept."""

from __future__ import annotations

import base64
import json
import re

import pytest
from promptls.adapters.errors import ContentFiltered, StreamBroken
from promptls.adapters.messages import collect_message
from promptls.adapters.translate.schema import gemini_schema

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
from tests.wire.base import Malformed
from tests.wire.gemini_server import Blocked, FunctionCall, GeminiWireServer, Ok

REFUSED_BY_GEMINI = (
    "$schema",
    "additionalProperties",
    "anyOf",
    "oneOf",
    "const",
    "propertyNames",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "$ref",
)


@pytest.fixture
def provider() -> Provider:
    return BY_NAME["gemini"]


def camel(value: object) -> object:
    """Keys in the API's JSON names: the SDK sends some nested fields by their proto names
    (`include_thoughts`, `mime_type`), which the API takes as well."""
    if isinstance(value, dict):
        return {re.sub(r"_([a-z])", lambda m: m[1].upper(), key): camel(item) for key, item in value.items()}
    if isinstance(value, list):
        return [camel(item) for item in value]
    return value


def _keys(value: object) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {key for item in value.values() for key in _keys(item)}
    if isinstance(value, list):
        return {key for item in value for key in _keys(item)}
    return set()


def test_claude_code_s_request_becomes_a_request_gemini_accepts(
    provider: Provider, server: GeminiWireServer
) -> None:
    _, second = claude_code_requests()
    events, error = call(endpoint(provider, server), "gemini-2.5-pro", second)
    assert error is None
    check_grammar(events)
    wire = server.requests[0].body
    system = wire["systemInstruction"]["parts"][0]["text"]
    assert system.startswith("You are a Claude agent") and "x-anthropic-billing-header" not in system
    declarations = wire["tools"][0]["functionDeclarations"]
    assert [d["name"] for d in declarations] == [tool["name"] for tool in second["tools"]]
    assert not _keys([d["parameters"] for d in declarations]) & set(REFUSED_BY_GEMINI)
    contents = wire["contents"]
    assert [c["role"] for c in contents] == ["user", "model", "user"]
    call_part = contents[1]["parts"][-1]["functionCall"]
    assert call_part == {
        "id": "toolu_01CAPTURE",
        "name": "Bash",
        "args": second["messages"][2]["content"][1]["input"],
    }
    response = contents[2]["parts"][0]["functionResponse"]
    assert response == {"id": "toolu_01CAPTURE", "name": "Bash", "response": {"content": "hello-from-tool"}}
    for dropped in ("metadata", "context_management", "thinking", "output_config"):
        assert dropped not in json.dumps(wire["generationConfig"])


def test_a_json_schema_2020_12_becomes_gemini_s_subset() -> None:
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "mode": {"anyOf": [{"const": "fast"}, {"const": "slow"}]},
            "limit": {"type": ["integer", "null"], "exclusiveMinimum": 0},
            "tags": {
                "type": "object",
                "propertyNames": {"pattern": "^[a-z]+$"},
                "additionalProperties": {"type": "string"},
            },
            "path": {"anyOf": [{"type": "string"}, {"type": "null"}], "description": "Where"},
            "kind": {"const": "file"},
            "items": {"type": "array"},
        },
        "required": ["mode", "missing"],
    }
    assert gemini_schema(schema) == {
        "type": "OBJECT",
        "properties": {
            "mode": {"type": "STRING", "enum": ["fast", "slow"]},
            "limit": {"type": "INTEGER", "nullable": True, "minimum": 0},
            "tags": {"type": "OBJECT"},
            "path": {"type": "STRING", "nullable": True, "description": "Where"},
            "kind": {"type": "STRING", "enum": ["file"]},
            "items": {"type": "ARRAY", "items": {"type": "STRING"}},
        },
        "required": ["mode"],
    }


def test_a_function_call_and_its_signature_come_back_and_go_up_again_next_turn(
    provider: Provider, server: GeminiWireServer
) -> None:
    signature = base64.b64encode(b"opaque-signature-bytes").decode()
    server.script(
        Ok("", function_calls=(FunctionCall("Bash", {"command": "ls"}, signature=signature),)),
        Ok("Two files."),
    )
    point = endpoint(provider, server)
    events, error = call(point, "gemini-3-pro-preview", body(user("what is here?"), tools=[BASH_TOOL]))
    assert error is None
    check_grammar(events)
    answer = collect_message(events)
    assert answer["stop_reason"] == "tool_use"
    thinking, tool_use = answer["content"]
    assert thinking == {"type": "thinking", "thinking": "", "signature": f"promptls:gemini:{signature}"}
    assert (
        tool_use["type"] == "tool_use"
        and tool_use["name"] == "Bash"
        and tool_use["input"] == {"command": "ls"}
    )

    result = {
        "type": "tool_result",
        "tool_use_id": tool_use["id"],
        "content": [{"type": "text", "text": "a\nb"}],
    }
    events, error = call(
        point,
        "gemini-3-pro-preview",
        body(user("what is here?"), assistant(*answer["content"]), user(result), tools=[BASH_TOOL]),
    )
    assert error is None and text_of(collect_message(events)) == "Two files."
    model_turn, results = server.requests[1].body["contents"][1:]
    assert model_turn["parts"] == [
        {
            "functionCall": {"id": tool_use["id"], "name": "Bash", "args": {"command": "ls"}},
            "thoughtSignature": signature,
        }
    ]
    assert results["parts"] == [
        {"functionResponse": {"id": tool_use["id"], "name": "Bash", "response": {"content": "a\nb"}}}
    ]


def test_names_gemini_refuses_are_fitted_and_the_call_renamed_back(
    provider: Provider, server: GeminiWireServer
) -> None:
    tool = {
        "name": "mcp__fs__read-file",
        "input_schema": {
            "type": "object",
            "properties": {"file-path": {"type": "string"}},
            "required": ["file-path"],
        },
    }
    server.script(Ok("", function_calls=(FunctionCall("mcp__fs__read-file", {"file_path": "a.txt"}),)), Ok())
    point = endpoint(provider, server)
    events, _ = call(point, "gemini-2.5-flash", body(user("read a.txt"), tools=[tool]))
    declared = server.requests[0].body["tools"][0]["functionDeclarations"][0]
    assert declared["name"] == "mcp__fs__read-file"  # Gemini takes dashes in a function's name
    assert (list(declared["parameters"]["properties"]), declared["parameters"]["required"]) == (
        ["file_path"],
        ["file_path"],
    )
    tool_use = collect_message(events)["content"][0]
    assert tool_use["input"] == {"file-path": "a.txt"}  # the client's own name again
    result = {"type": "tool_result", "tool_use_id": tool_use["id"], "content": "hello"}
    call(point, "gemini-2.5-flash", body(user("read a.txt"), assistant(tool_use), user(result), tools=[tool]))
    assert server.requests[1].body["contents"][1]["parts"][0]["functionCall"]["args"] == {
        "file_path": "a.txt"
    }


def test_a_call_from_another_model_s_history_gets_google_s_skip_signature_on_gemini_3(
    provider: Provider, server: GeminiWireServer
) -> None:
    history = body(
        user("hi"),
        assistant({"type": "tool_use", "id": "call_x", "name": "Bash", "input": {}}),
        user({"type": "tool_result", "tool_use_id": "call_x", "content": "ok", "is_error": True}),
        tools=[BASH_TOOL],
    )
    call(endpoint(provider, server), "gemini-3-flash", history)
    call(endpoint(provider, server), "gemini-2.5-flash", history)
    newer, older = (request.body["contents"] for request in server.requests)
    assert newer[1]["parts"][0]["thoughtSignature"] == "skip_thought_signature_validator"
    assert "thoughtSignature" not in older[1]["parts"][0]
    assert newer[2]["parts"][0]["functionResponse"]["response"] == {"error": "Error: ok"}


def test_thoughts_stream_as_signed_thinking_when_the_effort_asks_for_them(
    provider: Provider, server: GeminiWireServer
) -> None:
    signature = base64.b64encode(b"thought-sig").decode()
    server.script(Ok("Answer.", thought="Thinking it over.", thought_signature=signature), Ok(), Ok())
    asked = body(user("hi"), output_config={"effort": "high"}, thinking={"type": "adaptive"})
    events, _ = call(endpoint(provider, server), "gemini-3-pro-preview", asked, reasoning=True)
    check_grammar(events)
    content = collect_message(events)["content"]
    assert content[0] == {
        "type": "thinking",
        "thinking": "Thinking it over.",
        "signature": f"promptls:gemini:{signature}",
    }
    assert camel(server.requests[0].body["generationConfig"]["thinkingConfig"]) == {
        "includeThoughts": True,
        "thinkingLevel": "HIGH",
    }
    call(endpoint(provider, server), "gemini-2.5-pro", asked, reasoning=True)
    assert camel(server.requests[1].body["generationConfig"]["thinkingConfig"])["thinkingBudget"] == 24576
    call(endpoint(provider, server), "gemini-2.0-flash", asked, reasoning=None)
    assert "thinkingConfig" not in server.requests[2].body["generationConfig"]


def test_images_go_inline_and_a_url_is_said_not_sent(provider: Provider, server: GeminiWireServer) -> None:
    image = {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": PNG}}
    linked = {"type": "image", "source": {"type": "url", "url": "https://example.com/cat.png"}}
    call(
        endpoint(provider, server),
        "gemini-2.5-flash",
        body(user({"type": "text", "text": "What?"}, image, linked)),
    )
    parts = camel(server.requests[0].body["contents"][0]["parts"])
    assert parts[0] == {"text": "What?"}
    assert parts[1]["inlineData"]["mimeType"] == "image/png"
    assert base64.b64decode(
        parts[1]["inlineData"]["data"].replace("-", "+").replace("_", "/")
    ) == base64.b64decode(PNG)
    assert "https://example.com/cat.png" in parts[2]["text"]


def test_cached_tokens_are_cache_reads_and_thoughts_are_output(
    provider: Provider, server: GeminiWireServer
) -> None:
    server.script(Ok("hi", prompt_tokens=1000, candidates_tokens=5, thoughts_tokens=20, cached_tokens=600))
    events, _ = call(endpoint(provider, server), "gemini-2.5-flash", body(user("hi")))
    usage = collect_message(events)["usage"]
    assert (usage["input_tokens"], usage["cache_read_input_tokens"], usage["output_tokens"]) == (400, 600, 25)
    started = events[0]["message"]["usage"]  # Gemini counts the prompt in its first chunk
    assert (started["input_tokens"], started["cache_read_input_tokens"], started["output_tokens"]) == (
        400,
        600,
        0,
    )


def test_a_blocked_prompt_is_content_filtered_and_a_break_after_text_is_stream_broken(
    provider: Provider, server: GeminiWireServer
) -> None:
    server.script(Blocked(prompt=True), Malformed(after=2))
    events, error = call(endpoint(provider, server), "gemini-2.5-flash", body(user("hi")))
    assert events == [] and isinstance(error, ContentFiltered)
    events, error = call(endpoint(provider, server), "gemini-2.5-flash", body(user("hi")))
    assert isinstance(error, StreamBroken)
    check_grammar(events, complete=False)
