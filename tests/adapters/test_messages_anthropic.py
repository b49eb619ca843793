"""Anthropic Messages requests to Anthropic: passed through the real `anthropic` SDK to the Anthropic
wire server unchanged, the upstream's events back as they came."""

from __future__ import annotations

import pytest
from promptls.adapters.errors import StreamBroken, Unavailable
from promptls.adapters.messages import collect_message, error_event, error_payload

from tests.adapters.conftest import BY_NAME, Provider
from tests.adapters.messages_support import (
    assistant,
    body,
    call,
    check_grammar,
    claude_code_betas,
    claude_code_requests,
    endpoint,
    text_of,
    user,
)
from tests.conftest import canary_key
from tests.wire.anthropic_server import SIGNATURE, AnthropicWireServer, ErrorEvent, Fail, Ok


@pytest.fixture
def provider() -> Provider:
    return BY_NAME["anthropic"]


def test_claude_code_s_request_goes_up_unchanged_but_for_the_model(
    provider: Provider, server: AnthropicWireServer
) -> None:
    _, second = claude_code_requests()
    events, error = call(endpoint(provider, server), "claude-haiku-4-5", second, betas=claude_code_betas())
    assert error is None
    check_grammar(events)
    sent = server.requests[0]
    assert sent.body == {**second, "model": "claude-haiku-4-5"}  # every field, unknown ones too
    assert sent.path == "/v1/messages?beta=true"
    assert sent.headers["anthropic-beta"].split(",") == claude_code_betas()
    assert server.sent_key(sent) == canary_key("anthropic")  # promptls's key, never the client's


def test_an_oauth_beta_is_not_passed_on(provider: Provider, server: AnthropicWireServer) -> None:
    call(
        endpoint(provider, server),
        "claude-haiku-4-5",
        body(user("hi")),
        betas=["oauth-2025-04-20", "effort-2025-11-24"],
    )
    assert server.requests[0].headers["anthropic-beta"] == "effort-2025-11-24"


def test_thinking_and_tool_use_come_back_as_the_upstream_sent_them(
    provider: Provider, server: AnthropicWireServer
) -> None:
    server.script(
        Ok(
            "Let me look.",
            thinking="Plan: list.",
            tool_uses=(("toolu_01A", "Bash", {"command": "ls"}),),
            stop_reason="tool_use",
        )
    )
    events, error = call(endpoint(provider, server), "claude-haiku-4-5", body(user("what is here?")))
    assert error is None
    check_grammar(events)
    message = collect_message(events)
    assert message["content"] == [
        {"type": "thinking", "thinking": "Plan: list.", "signature": SIGNATURE},
        {"type": "text", "text": "Let me look."},
        {"type": "tool_use", "id": "toolu_01A", "name": "Bash", "input": {"command": "ls"}},
    ]
    assert message["stop_reason"] == "tool_use"


def test_thinking_promptls_signed_for_another_provider_is_left_out(
    provider: Provider, server: AnthropicWireServer
) -> None:
    ours = {"type": "thinking", "thinking": "deepseek's", "signature": "promptls:reasoning_content:"}
    theirs = {"type": "thinking", "thinking": "claude's", "signature": SIGNATURE}
    turn = body(
        user("q"),
        assistant(ours, {"type": "text", "text": "a"}),
        user("q2"),
        assistant(theirs, {"type": "text", "text": "b"}),
        user("q3"),
    )
    call(endpoint(provider, server), "claude-haiku-4-5", turn)
    sent = server.requests[0].body["messages"]
    assert sent[1]["content"] == [{"type": "text", "text": "a"}]
    assert sent[3]["content"] == [theirs, {"type": "text", "text": "b"}]


def test_overloaded_before_the_answer_is_a_529_overloaded_error_for_the_client(
    provider: Provider, server: AnthropicWireServer
) -> None:
    server.script(Fail.overloaded())
    events, error = call(endpoint(provider, server), "claude-haiku-4-5", body(user("hi")))
    assert events == [] and isinstance(error, Unavailable) and error.status == 529
    status, _, payload = error_payload(error, "anthropic")
    assert status == 529 and payload["type"] == "error" and payload["error"]["type"] == "overloaded_error"


def test_an_error_event_after_the_answer_began_is_stream_broken(
    provider: Provider, server: AnthropicWireServer
) -> None:
    server.script(ErrorEvent(after=2))
    events, error = call(endpoint(provider, server), "claude-haiku-4-5", body(user("hi")))
    assert isinstance(error, StreamBroken)
    check_grammar(events, complete=False)
    assert error_event(error)["type"] == "error"


def test_an_error_event_before_any_text_can_still_fall_back(
    provider: Provider, server: AnthropicWireServer
) -> None:
    """The upstream's `message_start` is held until the answer begins: nothing reached the client."""
    server.script(ErrorEvent(after=0))
    events, error = call(endpoint(provider, server), "claude-haiku-4-5", body(user("hi")))
    assert events == [] and isinstance(error, Unavailable) and not isinstance(error, StreamBroken)


def test_a_whole_message_to_a_stream_request_is_read(provider: Provider, server: AnthropicWireServer) -> None:
    from tests.wire.base import JsonInsteadOfStream

    server.script(JsonInsteadOfStream(Ok("Whole.", tool_uses=(("toolu_9", "Read", {"path": "a"}),))))
    events, error = call(endpoint(provider, server), "claude-haiku-4-5", body(user("hi")))
    assert error is None
    check_grammar(events)
    message = collect_message(events)
    assert text_of(message) == "Whole." and message["content"][1]["input"] == {"path": "a"}
