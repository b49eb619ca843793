"""Structured outputs (`output_config.format`, a JSON Schema the answer must follow) on every target,
and from the proxy's OpenAI endpoint (`response_format`)."""

from __future__ import annotations

import pytest
from promptls.adapters.messages import openai_request_to_anthropic

from tests.adapters.conftest import BY_NAME, WireServers
from tests.adapters.messages_support import body, call, endpoint, user

SCHEMA = {
    "type": "object",
    "properties": {"name": {"type": "string"}, "age": {"type": "integer"}},
    "required": ["name"],
    "additionalProperties": False,
}
ASKED = body(user("Who?"), output_config={"format": {"type": "json_schema", "schema": SCHEMA}})


@pytest.mark.parametrize(
    ("name", "model", "field", "expected"),
    [
        (
            "openai",
            "gpt-4o",
            "response_format",
            {"type": "json_schema", "json_schema": {"name": "output", "schema": SCHEMA}},
        ),
        ("ollama", "llama3.2:3b", "format", SCHEMA),
        (
            "anthropic",
            "claude-haiku-4-5",
            "output_config",
            {"format": {"type": "json_schema", "schema": SCHEMA}},
        ),
    ],
)
def test_the_schema_reaches_each_wire_in_its_own_field(
    name: str, model: str, field: str, expected: object, wire_servers: WireServers
) -> None:
    provider = BY_NAME[name]
    server = wire_servers.fresh(provider)
    _, error = call(endpoint(provider, server), model, ASKED)
    assert error is None
    assert server.requests[0].body[field] == expected


def test_gemini_gets_json_and_the_schema_in_its_subset(wire_servers: WireServers) -> None:
    provider = BY_NAME["gemini"]
    server = wire_servers.fresh(provider)
    call(endpoint(provider, server), "gemini-2.5-flash", ASKED)
    config = server.requests[0].body["generationConfig"]
    assert config["responseMimeType"] == "application/json"
    schema = config["responseSchema"]
    assert schema["type"] == "OBJECT" and "additionalProperties" not in schema
    assert schema["properties"]["age"]["type"] == "INTEGER" and schema["required"] == ["name"]


def test_an_openai_response_format_becomes_the_output_format() -> None:
    request = {
        "model": "m",
        "messages": [{"role": "user", "content": "Who?"}],
        "response_format": {"type": "json_schema", "json_schema": {"name": "person", "schema": SCHEMA}},
        "reasoning_effort": "high",
    }
    converted = openai_request_to_anthropic(request)
    assert converted["output_config"] == {
        "format": {"type": "json_schema", "schema": SCHEMA},
        "effort": "high",
    }
