"""What only the Anthropic adapter does (the shared behaviour is in test_conformance.py): the Messages
request body and headers, paged model lists, more statuses, `error` events and streams that end
without `message_stop`, refusals, and the map of every `anthropic` SDK exception."""

from __future__ import annotations

import pytest
from promptls.adapters.anthropic_adapter import CATCH_ALL, SDK_ERRORS, AnthropicAdapter, error_class
from promptls.adapters.base import Adapter, ChatRequest, Done, Endpoint, Message
from promptls.adapters.errors import (
    AdapterError,
    AuthError,
    BadRequest,
    ContentFiltered,
    MissingKey,
    RateLimited,
    StreamBroken,
    Timeout,
    Unavailable,
)

from tests.adapters.conftest import BY_NAME, Provider, request, run, shown
from tests.conftest import canary_key
from tests.wire.anthropic_server import AnthropicWireServer, Cut, ErrorEvent, Fail, Ok
from tests.wire.base import Fault

MODEL = BY_NAME["anthropic"].model


@pytest.fixture
def provider() -> Provider:
    return BY_NAME["anthropic"]


def test_the_request_body(provider: Provider, server: AnthropicWireServer, adapter: Adapter) -> None:
    run(adapter, request(provider))
    recorded = server.requests[0]
    assert (recorded.method, recorded.path) == ("POST", "/v1/messages")
    assert recorded.body == {
        "model": MODEL,
        "system": "Be brief.",
        "messages": [{"role": "user", "content": "Say hello."}],
        "max_tokens": 4096,  # Anthropic requires it; the prompt set none
        "stream": True,
    }


def test_parameters_and_options_reach_the_request_body(
    provider: Provider, server: AnthropicWireServer, adapter: Adapter
) -> None:
    messages = (
        Message("system", "Be brief."),
        Message("system", "Answer in French."),
        Message("user", "Say hello."),
        Message("assistant", "Bonjour"),
        Message("user", "Again."),
    )
    params = {
        "temperature": 0.2,
        "top_p": 0.9,
        "top_k": 40,
        "max_tokens": 64,
        "stop": ("END", "STOP"),
        "seed": 7,  # no Anthropic equivalent: not sent (the API refuses unknown fields)
        "presence_penalty": 0.5,
        "expected_output_tokens": 300,  # promptls's own (the cost estimate): never sent
    }
    options = {"metadata": {"user_id": "u-1"}, "thinking": {"type": "enabled", "budget_tokens": 1024}}
    run(adapter, ChatRequest(MODEL, messages, params, options))
    body = server.requests[0].body
    assert body["system"] == "Be brief.\n\nAnswer in French."
    assert body["messages"] == [
        {"role": "user", "content": "Say hello."},
        {"role": "assistant", "content": "Bonjour"},
        {"role": "user", "content": "Again."},
    ]
    assert (body["temperature"], body["top_p"], body["top_k"], body["max_tokens"]) == (0.2, 0.9, 40, 64)
    assert body["stop_sequences"] == ["END", "STOP"]
    assert "stop" not in body
    assert not {"seed", "presence_penalty", "expected_output_tokens"} & set(body)
    assert body["metadata"] == {"user_id": "u-1"}
    assert body["thinking"] == {"type": "enabled", "budget_tokens": 1024}


def test_a_single_stop_string_and_options_winning_a_clash(
    provider: Provider, server: AnthropicWireServer, adapter: Adapter
) -> None:
    run(adapter, request(provider, params={"stop": "END", "max_tokens": 64}, options={"max_tokens": 128}))
    body = server.requests[0].body
    assert body["stop_sequences"] == ["END"]
    assert body["max_tokens"] == 128


def test_the_version_header_is_sent_and_sdk_retries_are_off(
    provider: Provider, server: AnthropicWireServer, adapter: Adapter
) -> None:
    run(adapter, request(provider))
    headers = server.requests[0].headers
    assert headers["anthropic-version"]
    assert headers["x-stainless-retry-count"] == "0"


def test_list_models_follows_pages() -> None:
    with AnthropicWireServer(models=("claude-a", "claude-b", "claude-c"), page_size=2) as server:
        key = canary_key("anthropic")
        adapter = AnthropicAdapter(Endpoint("anthropic", "anthropic", server.base_url, api_key=key))
        assert adapter.list_models() == ["claude-a", "claude-b", "claude-c"]
        assert [r.path for r in server.requests] == ["/v1/models", "/v1/models?after_id=claude-b"]
        assert server.sent_key(server.requests[1]) == key


@pytest.mark.parametrize(
    ("behaviour", "expected", "status"),
    [
        pytest.param(Fail.overloaded(), Unavailable, 529, id="529-overloaded"),
        pytest.param(Fail(503, "api_error", "Service unavailable"), Unavailable, 503, id="503"),
        pytest.param(Fail(403, "permission_error", "No access to this model"), AuthError, 403, id="403"),
        pytest.param(Fail(404, "not_found_error", "model: claude-x"), BadRequest, 404, id="404"),
        pytest.param(Fail(413, "request_too_large", "Request exceeds 32 MB"), BadRequest, 413, id="413"),
        pytest.param(Fail(422, "invalid_request_error", "Unprocessable"), BadRequest, 422, id="422"),
        pytest.param(ErrorEvent(after=0), Unavailable, None, id="error-event-before-text"),
        pytest.param(ErrorEvent(0, "rate_limit_error", "Slow down"), RateLimited, None, id="error-event-429"),
        pytest.param(Cut(after=0), Unavailable, None, id="no-message-stop"),
    ],
)
def test_more_failures_map_to_their_kind(
    provider: Provider,
    server: AnthropicWireServer,
    adapter: Adapter,
    behaviour: Fail | Fault,
    expected: type[AdapterError],
    status: int | None,
) -> None:
    server.script(behaviour)
    texts, error = run(adapter, request(provider))
    assert (texts, type(error)) == ([], expected)
    assert isinstance(error, AdapterError) and error.status == status
    assert (error.provider, error.model) == ("anthropic", MODEL)
    if not isinstance(behaviour, Cut):  # a clean end without message_stop raised nothing to chain
        assert isinstance(error.__cause__, Exception)  # raise ... from
    assert len(server.requests) == 1


def test_error_messages_come_from_the_error_body(
    provider: Provider, server: AnthropicWireServer, adapter: Adapter
) -> None:
    server.script(Fail.overloaded(), ErrorEvent(after=0))
    assert str(run(adapter, request(provider))[1]) == "HTTP 529 overloaded_error: Overloaded"
    assert str(run(adapter, request(provider))[1]) == "error event overloaded_error: Overloaded"


@pytest.mark.parametrize("fault", [ErrorEvent(after=2), Cut(after=2)], ids=["error-event", "no-message-stop"])
def test_an_error_event_or_a_missing_message_stop_after_text_breaks_the_stream(
    provider: Provider, server: AnthropicWireServer, adapter: Adapter, fault: Fault
) -> None:
    server.script(fault)
    texts, error = run(adapter, request(provider))
    assert texts == ["one ", "two "]  # what reached the caller stays theirs
    assert isinstance(error, StreamBroken)
    assert (error.provider, error.model) == ("anthropic", MODEL)


def test_a_refusal_with_no_text_is_content_filtered(
    provider: Provider, server: AnthropicWireServer, adapter: Adapter
) -> None:
    server.script(Ok("", stop_reason="refusal"), Ok("Partial answer", chunks=2, stop_reason="refusal"))
    assert isinstance(run(adapter, request(provider))[1], ContentFiltered)
    texts, end = run(adapter, request(provider))
    assert "".join(texts) == "Partial answer"
    assert isinstance(end, Done) and end.finish_reason == "refusal"


def test_the_key_never_appears_in_an_error_event(
    provider: Provider, server: AnthropicWireServer, adapter: Adapter
) -> None:
    key = canary_key("anthropic")
    # a careless server echoing the whole key back in a mid-stream error event
    server.script(
        ErrorEvent(0, "api_error", f"key {key} failed"), ErrorEvent(2, "api_error", f"key {key} failed")
    )
    for _ in range(2):
        _, error = run(adapter, request(provider))
        assert isinstance(error, AdapterError)
        assert key not in shown(error)


# ---- every SDK exception is mapped ------------------------------------------------------------


def sdk_exception_classes() -> list[type[BaseException]]:
    """Every exception class the SDK exports, and every `APIError` subclass it defines (one per
    error code: `CMEKKeyDisabledError`, `RampLimitExceededError`, ...)."""
    import anthropic

    # type(value), not isinstance: the SDK's module-level proxies would load whole resources to answer
    found = {
        v for v in vars(anthropic).values() if issubclass(type(v), type) and issubclass(v, BaseException)
    }
    pending = [anthropic.APIError]
    while pending:
        cls = pending.pop()
        found.add(cls)
        pending.extend(cls.__subclasses__())
    return sorted(found, key=lambda cls: cls.__name__)


def test_every_sdk_exception_maps_to_a_specific_error() -> None:
    import anthropic

    assert [name for name in SDK_ERRORS if not hasattr(anthropic, name)] == []  # no typo, no stale name
    classes = sdk_exception_classes()
    assert len(classes) > 30  # the walk found the SDK's exceptions
    unmapped = []
    for cls in classes:
        listed = next((c.__name__ for c in cls.__mro__ if c.__name__ in SDK_ERRORS), None)
        if cls.__name__ not in CATCH_ALL and (listed is None or listed in CATCH_ALL):
            unmapped.append(cls.__name__)
        kind = error_class(cls, 500)
        assert issubclass(kind, AdapterError) and kind is not AdapterError, (cls, kind)
    assert unmapped == [], "add these anthropic exceptions to SDK_ERRORS"


@pytest.mark.parametrize(
    ("name", "status", "error_type", "expected"),
    [
        ("AuthenticationError", 401, None, AuthError),
        ("PermissionDeniedError", 403, None, AuthError),
        ("RateLimitError", 429, None, RateLimited),
        ("RampLimitExceededError", 429, None, RateLimited),  # a per-code subclass maps as its parent
        ("BadRequestError", 400, None, BadRequest),
        ("CMEKKeyDisabledError", 400, None, BadRequest),
        ("NotFoundError", 404, None, BadRequest),
        ("UnprocessableEntityError", 422, None, BadRequest),
        ("InternalServerError", 500, None, Unavailable),
        ("OverloadedError", 529, None, Unavailable),
        ("ServiceUnavailableError", 503, None, Unavailable),
        ("APITimeoutError", None, None, Timeout),
        ("APIConnectionError", None, None, Unavailable),
        ("APIStatusError", None, "overloaded_error", Unavailable),  # an error event mid-stream
        ("APIStatusError", None, "rate_limit_error", RateLimited),
        ("APIStatusError", 418, None, BadRequest),
        ("CredentialsError", None, None, MissingKey),
    ],
)
def test_sdk_exception_kinds(
    name: str, status: int | None, error_type: str | None, expected: type[AdapterError]
) -> None:
    import anthropic

    assert error_class(getattr(anthropic, name), status, error_type) is expected
