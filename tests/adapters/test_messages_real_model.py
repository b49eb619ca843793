"""Anthropic Messages requests on a real model: Gemma 3 270M behind llama-cpp-python's OpenAI-compatible
server (the server of tests/test_real_model.py), through the translation and the real `openai` SDK.

The model is tiny and the packaged one is a base model: assertions are on shape (events in Anthropic's
order, non-empty text, the stop reason), never on content. Its server sends no usage in a stream, so
the usage is zeros here. TESTING.md "A real model, locally".
"""

from __future__ import annotations

from promptls.adapters.base import Endpoint
from promptls.adapters.messages import collect_message

from tests.adapters.messages_support import (
    BASH_TOOL,
    body,
    call,
    check_grammar,
    claude_code_requests,
    text_of,
    user,
)
from tests.test_real_model import ALIAS, MAX_TOKENS, Server, gemma_gguf, llama_server  # noqa: F401 (fixtures)


def _endpoint(server: Server) -> Endpoint:
    return Endpoint(
        "llamacpp", "openai", server.base_url, None, 60.0, first_token_timeout=60.0, idle_timeout=30.0
    )


def test_a_short_conversation_streams_back_as_anthropic_events(llama_server: Server) -> None:  # noqa: F811
    turn = body(user("Say hello."), system=[{"type": "text", "text": "Be brief."}], max_tokens=MAX_TOKENS)
    events, error = call(_endpoint(llama_server), ALIAS, turn)
    assert error is None
    check_grammar(events)
    message = collect_message(events)
    assert text_of(message).strip()
    assert message["stop_reason"] in ("end_turn", "max_tokens")


def test_tools_in_the_request_do_not_break_a_compatible_server(llama_server: Server) -> None:  # noqa: F811
    turn = body(user("List the files."), tools=[BASH_TOOL], max_tokens=MAX_TOKENS)
    events, error = call(_endpoint(llama_server), ALIAS, turn)
    assert error is None
    check_grammar(events)


def test_claude_code_s_whole_request_is_answered(llama_server: Server) -> None:  # noqa: F811
    """87 KB of system prompt and tools on a 2k context: llama-cpp-python cuts the prompt to fit,
    silently (as Ollama does), and answers."""
    first, _ = claude_code_requests()
    first["max_tokens"] = MAX_TOKENS
    events, error = call(_endpoint(llama_server), ALIAS, first)
    assert error is None
    check_grammar(events)
    assert collect_message(events)["stop_reason"] in ("end_turn", "max_tokens")
