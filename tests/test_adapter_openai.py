"""The OpenAI-compatible adapter, driving the real `openai` SDK against a real local HTTP server
that speaks OpenAI's wire protocol (tests/wire/openai_server.py), faults included."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterator

import pytest
from promptls.adapters.base import ChatRequest, Chunk, Done, Endpoint, Message, Usage
from promptls.adapters.errors import (
    AdapterError,
    AuthError,
    BadRequest,
    ContentFiltered,
    ContextTooLong,
    MissingKey,
    RateLimited,
    StreamBroken,
    Timeout,
    Unavailable,
)
from promptls.adapters.openai_compat import SDK_ERRORS, OpenAICompatAdapter, error_class, parse_retry_after

from tests.conftest import ROOT
from tests.wire.openai_server import Behaviour, Fail, Malformed, Ok, OpenAIWireServer, Reset, Stall

CANARY = "sk-canary-7f3a9c1e5b2d4f6a8c0e"
REQUEST = ChatRequest("gpt-4o-mini", (Message("system", "Be brief."), Message("user", "Say hello.")))

MakeAdapter = Callable[..., OpenAICompatAdapter]


@pytest.fixture
def server() -> Iterator[OpenAIWireServer]:
    with OpenAIWireServer() as running:
        yield running


@pytest.fixture
def make_adapter(server: OpenAIWireServer) -> MakeAdapter:
    """An adapter for `server`, as provider "openai" with the canary key unless told otherwise."""

    def make(
        provider: str = "openai", api_key: str | None = CANARY, **endpoint: object
    ) -> OpenAICompatAdapter:
        endpoint.setdefault("base_url", server.base_url)
        endpoint.setdefault("timeout", 5.0)
        return OpenAICompatAdapter(Endpoint(provider, "openai", api_key=api_key, **endpoint))  # type: ignore[arg-type]

    return make


def run(
    adapter: OpenAICompatAdapter, request: ChatRequest = REQUEST
) -> tuple[list[str], AdapterError | Done]:
    """The texts streamed, and how the stream ended: its `Done` or the error it raised."""
    texts: list[str] = []
    try:
        for item in adapter.stream(request):
            if isinstance(item, Done):
                return texts, item
            texts.append(item.text)
    except AdapterError as error:
        return texts, error
    raise AssertionError("the stream ended without Done")


def assert_no_key(error: AdapterError) -> None:
    for shown in (str(error), repr(error), error.describe(), error.message):
        assert CANARY not in shown


# ---- answers ----------------------------------------------------------------------------------


def test_importing_the_adapter_does_not_import_the_sdk() -> None:
    code = (
        "import sys, adapters.openai_compat\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('openai', 'httpx', 'httpx2'))\n"
        "assert not loaded, loaded\n"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)


def test_streams_text_then_usage(server: OpenAIWireServer, make_adapter: MakeAdapter) -> None:
    server.script(Ok("Hello, wire world.", chunks=3, prompt_tokens=12, completion_tokens=5))
    items = list(make_adapter().stream(REQUEST))
    assert items == [
        Chunk("Hello,"),
        Chunk(" wire "),
        Chunk("world."),
        Done(Usage(input_tokens=12, output_tokens=5), "stop"),
    ]
    body = server.requests[0].body
    assert body["stream"] is True
    assert body["stream_options"] == {"include_usage": True}
    assert body["model"] == "gpt-4o-mini"
    assert body["messages"] == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Say hello."},
    ]


def test_usage_missing_from_the_stream_is_none(server: OpenAIWireServer, make_adapter: MakeAdapter) -> None:
    server.script(Ok("hi", chunks=1, prompt_tokens=None, completion_tokens=None, finish_reason="length"))
    assert run(make_adapter()) == (["hi"], Done(Usage(None, None), "length"))


def test_parameters_and_options_reach_the_request_body(
    server: OpenAIWireServer, make_adapter: MakeAdapter
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
    run(make_adapter(), REQUEST._replace(params=params, options=options))
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


def test_the_key_and_endpoint_headers_are_sent(server: OpenAIWireServer, make_adapter: MakeAdapter) -> None:
    adapter = make_adapter(headers={"HTTP-Referer": "https://example.org", "X-Title": "promptls"})
    run(adapter)
    headers = server.requests[0].headers
    assert headers["authorization"] == f"Bearer {CANARY}"
    assert headers["http-referer"] == "https://example.org"
    assert headers["x-title"] == "promptls"


def test_a_local_server_needs_no_key(server: OpenAIWireServer, make_adapter: MakeAdapter) -> None:
    texts, end = run(make_adapter(provider="lmstudio", api_key=None))
    assert "".join(texts) == "Hello from the wire server."
    assert isinstance(end, Done)
    assert server.requests[0].headers["authorization"] == "Bearer not-needed"


def test_openrouter_speaks_the_same_protocol() -> None:
    with OpenAIWireServer(prefix="/api/v1", models=("deepseek/deepseek-chat",)) as server:
        adapter = OpenAICompatAdapter(Endpoint("openrouter", "openai", server.base_url, api_key=CANARY))
        texts, end = run(adapter, REQUEST._replace(model="deepseek/deepseek-chat"))
        assert isinstance(end, Done) and texts
        assert server.requests[0].path == "/api/v1/chat/completions"
        assert adapter.list_models() == ["deepseek/deepseek-chat"]


@pytest.mark.parametrize(
    ("provider", "variable"), [("openai", "OPENAI_API_KEY"), ("openrouter", "OPENROUTER_API_KEY")]
)
def test_a_hosted_provider_without_a_key_fails_before_calling(
    server: OpenAIWireServer, make_adapter: MakeAdapter, provider: str, variable: str
) -> None:
    adapter = make_adapter(provider=provider, api_key=None)
    texts, error = run(adapter)
    assert texts == []
    assert isinstance(error, MissingKey)
    assert (error.provider, error.model) == (provider, "gpt-4o-mini")
    assert f"promptls keys set {provider}" in str(error)
    assert variable in str(error)
    with pytest.raises(MissingKey):
        adapter.list_models()
    assert server.requests == []


def test_a_compatible_server_needs_a_base_url() -> None:
    texts, error = run(OpenAICompatAdapter(Endpoint("lmstudio", "openai")))
    assert texts == []
    assert isinstance(error, BadRequest)
    assert "[providers.lmstudio] base_url" in str(error)


def test_list_models(server: OpenAIWireServer, make_adapter: MakeAdapter) -> None:
    assert make_adapter().list_models() == ["gpt-4o-mini", "gpt-4o"]
    assert server.requests[0].path == "/v1/models"
    assert server.requests[0].headers["authorization"] == f"Bearer {CANARY}"


def test_list_models_maps_errors(server: OpenAIWireServer, make_adapter: MakeAdapter) -> None:
    server.script(Fail.unauthorized())
    with pytest.raises(AuthError) as caught:
        make_adapter().list_models()
    assert caught.value.status == 401


# ---- faults -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("behaviour", "expected", "status"),
    [
        pytest.param(Fail.server_error(), Unavailable, 500, id="500"),
        pytest.param(Fail(503, "Service overloaded", "server_error"), Unavailable, 503, id="503"),
        pytest.param(Fail.rate_limit(7), RateLimited, 429, id="429"),
        pytest.param(Fail.unauthorized(), AuthError, 401, id="401"),
        pytest.param(Fail(403, "Country not supported", "invalid_request_error"), AuthError, 403, id="403"),
        pytest.param(Fail.context_length_exceeded(), ContextTooLong, 400, id="400-context"),
        pytest.param(Fail(400, "Invalid temperature", "invalid_request_error"), BadRequest, 400, id="400"),
        pytest.param(Fail(404, "No such model", "invalid_request_error"), BadRequest, 404, id="404"),
        pytest.param(Fail(402, "Insufficient credits", "payment_required"), BadRequest, 402, id="402"),
        pytest.param(Reset(after=0), Unavailable, None, id="reset-before-text"),
        pytest.param(Malformed(after=0), Unavailable, None, id="malformed-before-text"),
    ],
)
def test_a_failed_call_maps_to_its_error(
    server: OpenAIWireServer,
    make_adapter: MakeAdapter,
    behaviour: Behaviour,
    expected: type[AdapterError],
    status: int | None,
) -> None:
    server.script(behaviour)
    texts, error = run(make_adapter())
    assert texts == []
    assert type(error) is expected
    assert isinstance(error, AdapterError)
    assert error.status == status
    assert (error.provider, error.model) == ("openai", "gpt-4o-mini")
    assert isinstance(error.__cause__, Exception)  # raise ... from
    assert len(server.requests) == 1  # the SDK does not retry: the executor does
    assert_no_key(error)


def test_rate_limited_carries_retry_after(server: OpenAIWireServer, make_adapter: MakeAdapter) -> None:
    server.script(Fail.rate_limit(7))
    _, error = run(make_adapter())
    assert isinstance(error, RateLimited)
    assert error.retry_after == 7.0


def test_retry_after_as_an_http_date(server: OpenAIWireServer, make_adapter: MakeAdapter) -> None:
    server.script(Fail.rate_limit("Wed, 21 Oct 2015 07:28:00 GMT"))  # in the past: retry now
    _, error = run(make_adapter())
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


def test_a_stall_times_out(server: OpenAIWireServer, make_adapter: MakeAdapter) -> None:
    server.script(Stall(seconds=10))
    texts, error = run(make_adapter(timeout=0.3))
    assert texts == []
    assert isinstance(error, Timeout)
    assert "0.3 s" in str(error)


@pytest.mark.parametrize(
    "fault",
    [Reset(after=2), Malformed(after=2), Stall(seconds=10, after=2)],
    ids=["reset", "malformed", "stall"],
)
def test_a_failure_after_the_first_chunk_breaks_the_stream(
    server: OpenAIWireServer, make_adapter: MakeAdapter, fault: Reset | Malformed | Stall
) -> None:
    server.script(fault)
    texts, error = run(make_adapter(timeout=0.3))
    assert texts == ["one t", "wo th"]  # what reached the caller stays theirs
    assert isinstance(error, StreamBroken)
    assert isinstance(error.__cause__, Exception)
    assert_no_key(error)


def test_a_filtered_answer_with_no_text(server: OpenAIWireServer, make_adapter: MakeAdapter) -> None:
    server.script(Ok("", finish_reason="content_filter"))
    texts, error = run(make_adapter())
    assert texts == []
    assert isinstance(error, ContentFiltered)


def test_a_filtered_answer_after_some_text_ends_normally(
    server: OpenAIWireServer, make_adapter: MakeAdapter
) -> None:
    server.script(Ok("Partial answer", chunks=2, finish_reason="content_filter"))
    texts, end = run(make_adapter())
    assert "".join(texts) == "Partial answer"
    assert isinstance(end, Done) and end.finish_reason == "content_filter"


# ---- the key never shows ----------------------------------------------------------------------


def test_the_key_never_appears_in_errors_or_reprs(
    server: OpenAIWireServer, make_adapter: MakeAdapter
) -> None:
    adapter = make_adapter()
    # a careless server echoing the whole key back in its error messages
    server.script(Fail.unauthorized(f"Incorrect API key provided: {CANARY}."), Fail(400, f"bad key {CANARY}"))
    for _ in range(2):
        _, error = run(adapter)
        assert isinstance(error, AdapterError)
        assert_no_key(error)
    assert CANARY not in repr(adapter.endpoint)
    assert CANARY not in repr(adapter)


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
