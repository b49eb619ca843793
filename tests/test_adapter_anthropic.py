"""The Anthropic adapter, driving the real `anthropic` SDK against a real local HTTP server that
speaks Anthropic's Messages wire protocol (tests/wire/anthropic_server.py), faults included."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterator

import pytest
from promptls.adapters.anthropic_adapter import CATCH_ALL, SDK_ERRORS, AnthropicAdapter, error_class
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

from tests.conftest import ROOT
from tests.wire.anthropic_server import (
    AnthropicWireServer,
    Behaviour,
    Cut,
    ErrorEvent,
    Fail,
    Fault,
    Malformed,
    Ok,
    Reset,
    Stall,
    sent_key,
)

CANARY = "sk-ant-canary-3b8e1f0c7a9d5e2b"
MODEL = "claude-haiku-4-5"  # not one the SDK warns is deprecated
REQUEST = ChatRequest(MODEL, (Message("system", "Be brief."), Message("user", "Say hello.")))

MakeAdapter = Callable[..., AnthropicAdapter]


@pytest.fixture(scope="module")
def running_server() -> Iterator[AnthropicWireServer]:
    with AnthropicWireServer() as running:
        yield running


@pytest.fixture
def server(running_server: AnthropicWireServer) -> AnthropicWireServer:
    """The module's server with an empty script and no requests (one server, so the adapters of all
    tests share one SDK client: making one costs ~0.1 s)."""
    running_server.reset()
    return running_server


@pytest.fixture
def make_adapter(server: AnthropicWireServer) -> MakeAdapter:
    """An adapter for `server` with the canary key unless told otherwise."""

    def make(api_key: str | None = CANARY, **endpoint: object) -> AnthropicAdapter:
        endpoint.setdefault("base_url", server.base_url)
        endpoint.setdefault("timeout", 5.0)
        return AnthropicAdapter(Endpoint("anthropic", "anthropic", api_key=api_key, **endpoint))  # type: ignore[arg-type]

    return make


def run(adapter: AnthropicAdapter, request: ChatRequest = REQUEST) -> tuple[list[str], AdapterError | Done]:
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
        "import sys, adapters.anthropic_adapter\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('anthropic', 'httpx', 'httpx2'))\n"
        "assert not loaded, loaded\n"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)


def test_streams_text_then_usage(server: AnthropicWireServer, make_adapter: MakeAdapter) -> None:
    server.script(Ok("Hello, wire world.", chunks=3, input_tokens=12, output_tokens=5))
    items = list(make_adapter().stream(REQUEST))
    assert items == [
        Chunk("Hello,"),
        Chunk(" wire "),
        Chunk("world."),
        Done(Usage(input_tokens=12, output_tokens=5), "end_turn"),
    ]
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
    server: AnthropicWireServer, make_adapter: MakeAdapter
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
    run(make_adapter(), ChatRequest(MODEL, messages, params, options))
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
    server: AnthropicWireServer, make_adapter: MakeAdapter
) -> None:
    request = REQUEST._replace(params={"stop": "END", "max_tokens": 64}, options={"max_tokens": 128})
    run(make_adapter(), request)
    body = server.requests[0].body
    assert body["stop_sequences"] == ["END"]
    assert body["max_tokens"] == 128


def test_the_key_version_and_endpoint_headers_are_sent(
    server: AnthropicWireServer, make_adapter: MakeAdapter
) -> None:
    run(make_adapter(headers={"anthropic-beta": "context-1m-2025-08-07"}))
    headers = server.requests[0].headers
    assert sent_key(headers) == CANARY
    assert headers["anthropic-version"]
    assert headers["anthropic-beta"] == "context-1m-2025-08-07"
    assert headers["x-stainless-retry-count"] == "0"


def test_no_key_fails_before_calling(server: AnthropicWireServer, make_adapter: MakeAdapter) -> None:
    adapter = make_adapter(api_key=None)
    texts, error = run(adapter)
    assert texts == []
    assert isinstance(error, MissingKey)
    assert "promptls keys set anthropic" in str(error)
    assert "ANTHROPIC_API_KEY" in str(error)
    with pytest.raises(MissingKey):
        adapter.list_models()
    assert server.requests == []


def test_list_models_follows_pages() -> None:
    with AnthropicWireServer(models=("claude-a", "claude-b", "claude-c"), page_size=2) as server:
        adapter = AnthropicAdapter(Endpoint("anthropic", "anthropic", server.base_url, api_key=CANARY))
        assert adapter.list_models() == ["claude-a", "claude-b", "claude-c"]
        assert [r.path for r in server.requests] == ["/v1/models", "/v1/models?after_id=claude-b"]
        assert sent_key(server.requests[0].headers) == CANARY


def test_list_models_maps_errors(server: AnthropicWireServer, make_adapter: MakeAdapter) -> None:
    server.script(Fail.unauthorized())
    with pytest.raises(AuthError) as caught:
        make_adapter().list_models()
    assert caught.value.status == 401


# ---- faults -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("behaviour", "expected", "status"),
    [
        pytest.param(Fail.api_error(), Unavailable, 500, id="500"),
        pytest.param(Fail.overloaded(), Unavailable, 529, id="529-overloaded"),
        pytest.param(Fail(503, "api_error", "Service unavailable"), Unavailable, 503, id="503"),
        pytest.param(Fail.rate_limit(7), RateLimited, 429, id="429"),
        pytest.param(Fail.unauthorized(), AuthError, 401, id="401"),
        pytest.param(Fail(403, "permission_error", "No access to this model"), AuthError, 403, id="403"),
        pytest.param(Fail.prompt_too_long(), ContextTooLong, 400, id="400-prompt-too-long"),
        pytest.param(Fail(400, "invalid_request_error", "temperature: too big"), BadRequest, 400, id="400"),
        pytest.param(Fail(404, "not_found_error", "model: claude-x"), BadRequest, 404, id="404"),
        pytest.param(Fail(413, "request_too_large", "Request exceeds 32 MB"), BadRequest, 413, id="413"),
        pytest.param(Fail(422, "invalid_request_error", "Unprocessable"), BadRequest, 422, id="422"),
        pytest.param(Reset(after=0), Unavailable, None, id="reset-before-text"),
        pytest.param(Malformed(after=0), Unavailable, None, id="malformed-before-text"),
        pytest.param(ErrorEvent(after=0), Unavailable, None, id="error-event-before-text"),
        pytest.param(ErrorEvent(0, "rate_limit_error", "Slow down"), RateLimited, None, id="error-event-429"),
        pytest.param(Cut(after=0), Unavailable, None, id="no-message-stop"),
    ],
)
def test_a_failed_call_maps_to_its_error(
    server: AnthropicWireServer,
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
    assert (error.provider, error.model) == ("anthropic", MODEL)
    if not isinstance(behaviour, Cut):  # a clean end without message_stop raised nothing to chain
        assert isinstance(error.__cause__, Exception)  # raise ... from
    assert len(server.requests) == 1  # the SDK does not retry: the executor does
    assert_no_key(error)


def test_error_messages_come_from_the_error_body(
    server: AnthropicWireServer, make_adapter: MakeAdapter
) -> None:
    server.script(Fail.overloaded(), ErrorEvent(after=0))
    assert str(run(make_adapter())[1]) == "HTTP 529 overloaded_error: Overloaded"
    assert str(run(make_adapter())[1]) == "error event overloaded_error: Overloaded"


def test_rate_limited_carries_retry_after(server: AnthropicWireServer, make_adapter: MakeAdapter) -> None:
    server.script(Fail.rate_limit(7))
    _, error = run(make_adapter())
    assert isinstance(error, RateLimited)
    assert error.retry_after == 7.0


def test_a_stall_times_out(server: AnthropicWireServer, make_adapter: MakeAdapter) -> None:
    server.script(Stall(seconds=10))
    texts, error = run(make_adapter(timeout=0.3))
    assert texts == []
    assert isinstance(error, Timeout)
    assert "0.3 s" in str(error)


@pytest.mark.parametrize(
    "fault",
    [Reset(after=2), Malformed(after=2), Stall(seconds=10, after=2), ErrorEvent(after=2), Cut(after=2)],
    ids=["reset", "malformed", "stall", "error-event", "no-message-stop"],
)
def test_a_failure_after_the_first_chunk_breaks_the_stream(
    server: AnthropicWireServer, make_adapter: MakeAdapter, fault: Fault
) -> None:
    server.script(fault)
    texts, error = run(make_adapter(timeout=0.3))
    assert texts == ["one t", "wo th"]  # what reached the caller stays theirs
    assert isinstance(error, StreamBroken)
    assert (error.provider, error.model) == ("anthropic", MODEL)
    assert_no_key(error)


def test_a_refusal_with_no_text_is_content_filtered(
    server: AnthropicWireServer, make_adapter: MakeAdapter
) -> None:
    server.script(Ok("", stop_reason="refusal"), Ok("Partial answer", chunks=2, stop_reason="refusal"))
    assert isinstance(run(make_adapter())[1], ContentFiltered)
    texts, end = run(make_adapter())
    assert "".join(texts) == "Partial answer"
    assert isinstance(end, Done) and end.finish_reason == "refusal"


# ---- the key never shows ----------------------------------------------------------------------


def test_the_key_never_appears_in_errors_or_reprs(
    server: AnthropicWireServer, make_adapter: MakeAdapter
) -> None:
    adapter = make_adapter()
    # a careless server echoing the whole key back, in error bodies and in a mid-stream error event
    server.script(
        Fail.unauthorized(f"invalid x-api-key {CANARY}"),
        Fail(400, "invalid_request_error", f"bad key {CANARY}"),
        ErrorEvent(0, "api_error", f"key {CANARY} failed"),
        ErrorEvent(2, "api_error", f"key {CANARY} failed"),
        Stall(seconds=10),
    )
    for _ in range(4):
        _, error = run(adapter)
        assert isinstance(error, AdapterError)
        assert_no_key(error)
    _, error = run(make_adapter(timeout=0.3))
    assert isinstance(error, Timeout)
    assert_no_key(error)
    assert CANARY not in repr(adapter.endpoint)
    assert CANARY not in repr(adapter)


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
