"""What only the OpenAI-compatible adapter does (the shared behaviour is in test_conformance.py): the
request body, OpenRouter and keyless compatible servers, more statuses, Retry-After as a date, the
content filter, and the map of every `openai` SDK exception."""

from __future__ import annotations

import pytest
from promptls.adapters.base import Adapter, ChatRequest, Done, Endpoint, Usage
from promptls.adapters.errors import (
    AdapterError,
    AuthError,
    BadRequest,
    ContentFiltered,
    MissingKey,
    RateLimited,
    Timeout,
    Unavailable,
)
from promptls.adapters.openai_compat import SDK_ERRORS, OpenAICompatAdapter, error_class, parse_retry_after

from tests.adapters.conftest import BY_NAME, MakeAdapter, Provider, request, run
from tests.conftest import canary_key
from tests.wire.openai_server import Fail, Ok, OpenAIWireServer


@pytest.fixture
def provider() -> Provider:
    return BY_NAME["openai"]


def test_the_request_asks_for_usage_in_the_stream(
    provider: Provider, server: OpenAIWireServer, adapter: Adapter
) -> None:
    run(adapter, request(provider))
    body = server.requests[0].body
    assert (body["model"], body["stream"], body["stream_options"]) == (
        "gpt-4o-mini",
        True,
        {"include_usage": True},
    )
    assert body["messages"] == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Say hello."},
    ]


def test_usage_missing_from_the_stream_is_none(
    provider: Provider, server: OpenAIWireServer, adapter: Adapter
) -> None:
    server.script(Ok("hi", chunks=1, prompt_tokens=None, completion_tokens=None, finish_reason="length"))
    assert run(adapter, request(provider)) == (["hi"], Done(Usage(None, None), "length"))


def test_parameters_and_options_reach_the_request_body(
    provider: Provider, server: OpenAIWireServer, adapter: Adapter
) -> None:
    params = {
        "temperature": 0.2,
        "top_p": 0.9,
        "max_tokens": 64,
        "stop": ("END", "STOP"),
        "seed": 7,
        "presence_penalty": 0.5,
        "frequency_penalty": -0.5,
        "reasoning_effort": "low",
        "top_k": 40,  # not an OpenAI argument: sent in the body as it is
        "expected_output_tokens": 300,  # promptls's own (the cost estimate): never sent
    }
    options = {"provider": {"order": ["deepinfra"]}, "transforms": ["middle-out"]}
    run(adapter, request(provider, params=params, options=options))
    body = server.requests[0].body
    assert body["temperature"] == 0.2
    assert body["top_p"] == 0.9
    assert body["max_tokens"] == 64
    assert body["stop"] == ["END", "STOP"]
    assert body["seed"] == 7
    assert body["presence_penalty"] == 0.5
    assert body["frequency_penalty"] == -0.5
    assert body["reasoning_effort"] == "low"
    assert body["top_k"] == 40
    assert "expected_output_tokens" not in body
    assert body["provider"] == {"order": ["deepinfra"]}
    assert body["transforms"] == ["middle-out"]


def test_a_local_server_needs_no_key(
    provider: Provider, server: OpenAIWireServer, make_adapter: MakeAdapter
) -> None:
    texts, end = run(make_adapter(provider, server, provider="lmstudio", api_key=None), request(provider))
    assert "".join(texts) == "Hello from the wire server."
    assert isinstance(end, Done)
    assert server.requests[0].headers["authorization"] == "Bearer not-needed"


def test_openrouter_speaks_the_same_protocol() -> None:
    with OpenAIWireServer(prefix="/api/v1", models=("deepseek/deepseek-chat",)) as server:
        key = canary_key("openrouter")
        adapter = OpenAICompatAdapter(Endpoint("openrouter", "openai", server.base_url, api_key=key))
        texts, end = run(adapter, ChatRequest("deepseek/deepseek-chat", request(BY_NAME["openai"]).messages))
        assert isinstance(end, Done) and texts
        assert adapter.list_models() == ["deepseek/deepseek-chat"]
        assert [r.path for r in server.requests] == ["/api/v1/chat/completions", "/api/v1/models"]
        assert server.sent_key(server.requests[1]) == key


def test_openrouter_without_a_key_names_its_variable(
    provider: Provider, server: OpenAIWireServer, make_adapter: MakeAdapter
) -> None:
    _, error = run(make_adapter(provider, server, provider="openrouter", api_key=None), request(provider))
    assert isinstance(error, MissingKey) and error.provider == "openrouter"
    assert "promptls keys set openrouter" in str(error) and "OPENROUTER_API_KEY" in str(error)
    assert server.requests == []


def test_a_compatible_server_needs_a_base_url(provider: Provider) -> None:
    texts, error = run(OpenAICompatAdapter(Endpoint("lmstudio", "openai")), request(provider))
    assert texts == []
    assert isinstance(error, BadRequest)
    assert "[providers.lmstudio] base_url" in str(error)


@pytest.mark.parametrize(
    ("behaviour", "expected", "status"),
    [
        pytest.param(Fail(503, "Service overloaded", "server_error"), Unavailable, 503, id="503"),
        pytest.param(Fail(403, "Country not supported", "invalid_request_error"), AuthError, 403, id="403"),
        pytest.param(Fail(404, "No such model", "invalid_request_error"), BadRequest, 404, id="404"),
        pytest.param(Fail(402, "Insufficient credits", "payment_required"), BadRequest, 402, id="402"),
    ],
)
def test_more_statuses_map_to_their_kind(
    provider: Provider,
    server: OpenAIWireServer,
    adapter: Adapter,
    behaviour: Fail,
    expected: type[AdapterError],
    status: int,
) -> None:
    server.script(behaviour)
    texts, error = run(adapter, request(provider))
    assert (texts, type(error)) == ([], expected)
    assert isinstance(error, AdapterError) and error.status == status
    assert len(server.requests) == 1


def test_retry_after_as_an_http_date(provider: Provider, server: OpenAIWireServer, adapter: Adapter) -> None:
    server.script(Fail.rate_limit("Wed, 21 Oct 2015 07:28:00 GMT"))  # in the past: retry now
    _, error = run(adapter, request(provider))
    assert isinstance(error, RateLimited)
    assert error.retry_after == 0.0


@pytest.mark.parametrize(
    ("headers", "seconds"),
    [
        ({"Retry-After": "12"}, 12.0),
        ({"retry-after": "1.5"}, 1.5),
        ({"Retry-After": "Wed, 21 Oct 2015 07:28:30 GMT"}, 30.0),
        ({"Retry-After": "Wed, 21 Oct 2015 07:27:00 GMT"}, 0.0),
        ({"retry-after-ms": "250", "Retry-After": "1"}, 0.25),
        ({"Retry-After": "soon"}, None),
        ({}, None),
    ],
)
def test_parse_retry_after(headers: dict[str, str], seconds: float | None) -> None:
    now = 1445412480.0  # Wed, 21 Oct 2015 07:28:00 GMT
    assert parse_retry_after(headers, now=now) == seconds


def test_a_filtered_answer_with_no_text(
    provider: Provider, server: OpenAIWireServer, adapter: Adapter
) -> None:
    server.script(Ok("", finish_reason="content_filter"))
    texts, error = run(adapter, request(provider))
    assert texts == []
    assert isinstance(error, ContentFiltered)


def test_a_filtered_answer_after_some_text_ends_normally(
    provider: Provider, server: OpenAIWireServer, adapter: Adapter
) -> None:
    server.script(Ok("Partial answer", chunks=2, finish_reason="content_filter"))
    texts, end = run(adapter, request(provider))
    assert "".join(texts) == "Partial answer"
    assert isinstance(end, Done) and end.finish_reason == "content_filter"


# ---- every SDK exception is mapped ------------------------------------------------------------


def sdk_exception_classes() -> list[type[Exception]]:
    import openai

    # type(value), not isinstance: the SDK's module-level proxies would load whole resources to answer
    values = list(vars(openai).values())
    found = {value for value in values if issubclass(type(value), type) and issubclass(value, Exception)}
    return sorted(found, key=lambda cls: cls.__name__)


def test_every_sdk_exception_maps_to_a_specific_error() -> None:
    classes = sdk_exception_classes()
    assert len(classes) > 10  # the walk found the SDK's exceptions
    for cls in classes:
        if not cls.__name__.startswith("_"):
            assert cls.__name__ in SDK_ERRORS, f"openai.{cls.__name__} is not mapped in SDK_ERRORS"
        for status in (None, 400, 401, 402, 403, 404, 408, 409, 422, 429, 500, 503):
            kind = error_class(cls, status)
            assert issubclass(kind, AdapterError) and kind is not AdapterError, (cls, status, kind)


@pytest.mark.parametrize(
    ("name", "status", "expected"),
    [
        ("AuthenticationError", 401, AuthError),
        ("PermissionDeniedError", 403, AuthError),
        ("RateLimitError", 429, RateLimited),
        ("BadRequestError", 400, BadRequest),
        ("NotFoundError", 404, BadRequest),
        ("UnprocessableEntityError", 422, BadRequest),
        ("InternalServerError", 502, Unavailable),
        ("APIStatusError", 503, Unavailable),
        ("APIStatusError", 408, Timeout),
        ("APIStatusError", 402, BadRequest),
        ("APITimeoutError", None, Timeout),
        ("APIConnectionError", None, Unavailable),
        ("ContentFilterFinishReasonError", None, ContentFiltered),
    ],
)
def test_sdk_exception_kinds(name: str, status: int | None, expected: type[AdapterError]) -> None:
    import openai

    assert error_class(getattr(openai, name), status) is expected
