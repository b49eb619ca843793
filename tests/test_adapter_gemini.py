"""The Gemini adapter driving the real `google-genai` SDK against a local Gemini wire server."""

from __future__ import annotations

import inspect
import subprocess
import sys
from collections.abc import Iterator

import pytest
from promptls.adapters import errors
from promptls.adapters.base import ChatRequest, Chunk, Done, Endpoint, Message, Usage
from promptls.adapters.gemini_adapter import (
    SDK_ERRORS,
    GeminiAdapter,
    generate_config,
    map_error,
    split_base_url,
)

from tests.wire.gemini_server import Blocked, Fail, GeminiWireServer, Malformed, Ok, Reset, Stall

KEY = "AIza-canary-0123456789abcdefghijklmnopqrstu"
MODEL = "gemini-2.0-flash"
HELLO = ChatRequest(MODEL, (Message("user", "Say hello."),))


@pytest.fixture(scope="module")
def module_server() -> Iterator[GeminiWireServer]:
    with GeminiWireServer() as server:
        yield server


@pytest.fixture
def server(module_server: GeminiWireServer) -> GeminiWireServer:
    module_server.reset()
    return module_server


def adapter(
    server: GeminiWireServer,
    *,
    key: str | None = KEY,
    timeout: float = 5.0,
    base_url: str | None = None,
    headers: dict[str, str] | None = None,
) -> GeminiAdapter:
    endpoint = Endpoint("gemini", "gemini", base_url or server.base_url, key, timeout, headers or {})
    return GeminiAdapter(endpoint)


def run(adapter: GeminiAdapter, request: ChatRequest = HELLO) -> tuple[str, list[Chunk | Done]]:
    events = list(adapter.stream(request))
    return "".join(e.text for e in events if isinstance(e, Chunk)), events


def failure(adapter: GeminiAdapter, request: ChatRequest = HELLO) -> tuple[str, errors.AdapterError]:
    """The text that arrived before the stream failed, and the error it failed with."""
    received: list[str] = []
    with pytest.raises(errors.AdapterError) as caught:
        for event in adapter.stream(request):
            if isinstance(event, Chunk):
                received.append(event.text)
    return "".join(received), caught.value


def test_importing_the_adapter_does_not_import_the_sdk() -> None:
    code = "import sys, adapters.gemini_adapter; print('google.genai' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_streams_the_text_then_usage_and_finish_reason(server: GeminiWireServer) -> None:
    server.script(Ok("Hello from Gemini!", 3, prompt_tokens=12, candidates_tokens=5, thoughts_tokens=4))
    text, events = run(adapter(server, headers={"x-team": "docs"}))
    assert text == "Hello from Gemini!"
    assert [type(e) for e in events] == [Chunk, Chunk, Chunk, Done]
    assert events[-1] == Done(Usage(12, 9), "STOP")  # thinking tokens are billed as output
    (request,) = server.requests
    assert request.path == f"/v1beta/models/{MODEL}:streamGenerateContent?alt=sse"
    assert request.api_key == KEY
    assert request.headers["x-team"] == "docs"


def test_messages_parameters_and_options_reach_the_request_body(server: GeminiWireServer) -> None:
    messages = (
        Message("system", "Be terse."),
        Message("user", "Hi"),
        Message("assistant", "Hello."),
        Message("system", "No emoji."),
        Message("user", "Again"),
    )
    params = {
        "temperature": 0.2,
        "top_p": 0.9,
        "top_k": 40,
        "max_tokens": 256,
        "stop": "END",
        "seed": 7,
        "expected_output_tokens": 300,
    }
    options = {
        "response_mime_type": "text/plain",
        "safetySettings": [{"category": "HARM_CATEGORY_HARASSMENT", "threshold": "BLOCK_NONE"}],
    }
    run(adapter(server), ChatRequest(MODEL, messages, params, options))
    body = server.requests[0].body
    assert body["systemInstruction"]["parts"] == [{"text": "Be terse.\n\nNo emoji."}]
    assert [(c["role"], c["parts"][0]["text"]) for c in body["contents"]] == [
        ("user", "Hi"),
        ("model", "Hello."),
        ("user", "Again"),
    ]
    assert body["generationConfig"] == {
        "temperature": 0.2,
        "topP": 0.9,
        "topK": 40,
        "maxOutputTokens": 256,
        "stopSequences": ["END"],
        "seed": 7,
        "responseMimeType": "text/plain",
    }
    assert body["safetySettings"] == options["safetySettings"]  # not a config field: raw wire JSON


def test_reasoning_effort_is_a_thinking_level() -> None:
    config = generate_config(ChatRequest(MODEL, HELLO.messages, {"reasoning_effort": "low"}), None)
    assert config.thinking_config is not None and config.thinking_config.thinking_level == "LOW"
    assert config.automatic_continuation is False  # the SDK must not resume a broken stream itself


def test_a_value_the_sdk_rejects_is_a_bad_request_before_sending(server: GeminiWireServer) -> None:
    request = ChatRequest(MODEL, HELLO.messages, {"temperature": "warm"})
    _, error = failure(adapter(server), request)
    assert type(error) is errors.BadRequest and "temperature" in error.message
    assert server.requests == []


@pytest.mark.parametrize(
    ("fail", "kind", "retry_after"),
    [
        (Fail.rate_limit(retry_after=7), errors.RateLimited, 7.0),
        (Fail.rate_limit(), errors.RateLimited, 2.0),  # from RetryInfo's retryDelay
        (Fail.rate_limit(retry_delay=None), errors.RateLimited, None),
        (Fail.server_error(), errors.Unavailable, None),
        (Fail(503, "The model is overloaded.", "UNAVAILABLE"), errors.Unavailable, None),
        (Fail.unauthenticated(), errors.AuthError, None),
        (Fail.permission_denied(), errors.AuthError, None),
        (Fail.context_too_long(), errors.ContextTooLong, None),
        (Fail.invalid_argument(), errors.BadRequest, None),
        (Fail.not_found(), errors.BadRequest, None),
    ],
    ids=lambda v: v.status if isinstance(v, Fail) else None,
)
def test_each_error_status_maps_to_its_kind_without_sdk_retries(
    server: GeminiWireServer, fail: Fail, kind: type[errors.AdapterError], retry_after: float | None
) -> None:
    server.script(fail, Ok("must not be reached"))
    _, error = failure(adapter(server))
    assert type(error) is kind
    assert (error.status, error.retry_after) == (fail.code, retry_after)
    assert (error.provider, error.model) == ("gemini", MODEL)
    assert error.message.startswith(fail.status)
    assert isinstance(error.__cause__, Exception)
    assert len(server.requests) == 1  # the SDK did not retry on its own: the executor does


def test_a_stall_before_the_answer_is_a_timeout(server: GeminiWireServer) -> None:
    server.script(Stall(seconds=3))
    _, error = failure(adapter(server, timeout=0.3))
    assert type(error) is errors.Timeout and error.retryable
    assert len(server.requests) == 1


@pytest.mark.parametrize(
    ("fault", "cause"),
    [
        (Reset(after=2), "unavailable"),
        (Malformed(after=2), "unavailable"),
        (Stall(3, 2, Ok("one two six ten ", 4)), "timeout"),
        (Blocked(after=2), "SAFETY"),
    ],
    ids=["reset", "malformed", "stall", "safety"],
)
def test_a_failure_after_the_first_chunk_is_a_broken_stream(
    server: GeminiWireServer, fault: Reset | Malformed | Stall | Blocked, cause: str
) -> None:
    server.script(fault)
    text, error = failure(adapter(server, timeout=0.3))
    assert text == "one two "
    assert type(error) is errors.StreamBroken and cause in error.message
    assert len(server.requests) == 1  # no automatic continuation


@pytest.mark.parametrize(
    ("fault", "kind"),
    [(Reset(), errors.Unavailable), (Malformed(), errors.Unavailable)],
    ids=["reset", "malformed"],
)
def test_a_failure_before_any_text_is_retryable(
    server: GeminiWireServer, fault: Reset | Malformed, kind: type[errors.AdapterError]
) -> None:
    server.script(fault)
    text, error = failure(adapter(server))
    assert (text, type(error), error.retryable) == ("", kind, True)


def test_a_refused_connection_is_unavailable(server: GeminiWireServer) -> None:
    import socket

    with socket.socket() as probe:  # a port that was free a moment ago and has no listener
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    _, error = failure(adapter(server, base_url=f"http://127.0.0.1:{port}"))
    assert type(error) is errors.Unavailable and f"127.0.0.1:{port}" in error.message


@pytest.mark.parametrize("fault", [Blocked(prompt=True), Blocked(after=0)], ids=["prompt", "answer"])
def test_a_safety_block_without_text_is_content_filtered(server: GeminiWireServer, fault: Blocked) -> None:
    server.script(fault)
    text, error = failure(adapter(server))
    assert (text, type(error)) == ("", errors.ContentFiltered)
    assert "SAFETY" in error.message


def test_no_key_names_both_fixes_and_sends_nothing(server: GeminiWireServer) -> None:
    for call in (lambda a: list(a.stream(HELLO)), GeminiAdapter.list_models):
        with pytest.raises(errors.MissingKey) as caught:
            call(adapter(server, key=None))
        message = caught.value.message
        assert "promptls keys set gemini" in message
        assert "GEMINI_API_KEY" in message and "GOOGLE_API_KEY" in message
    assert server.requests == []


def test_list_models_walks_every_page_and_keeps_generating_models(server: GeminiWireServer) -> None:
    assert adapter(server).list_models() == ["gemini-2.0-flash", "gemini-2.5-pro", "gemini-2.5-flash"]
    assert len(server.requests) == 2  # two pages of at most two models
    assert all(r.api_key == KEY and r.path.startswith("/v1beta/models?") for r in server.requests)
    server.script(Fail.permission_denied())
    with pytest.raises(errors.AuthError):
        adapter(server).list_models()


def test_a_base_url_ending_in_a_version_is_split_into_root_and_version(server: GeminiWireServer) -> None:
    assert split_base_url("https://gw.example/proxy/v1beta/") == ("https://gw.example/proxy", "v1beta")
    assert split_base_url("https://gw.example/v1") == ("https://gw.example", "v1")
    assert split_base_url("https://gw.example/gemini") == ("https://gw.example/gemini", None)
    text, _ = run(adapter(server, base_url=server.base_url + "/v1beta"))
    assert text and server.requests[0].path.startswith("/v1beta/models/")


def test_every_sdk_exception_class_is_mapped() -> None:
    from google.genai import errors as sdk_errors

    classes = [
        cls
        for _, cls in inspect.getmembers(sdk_errors, inspect.isclass)
        if issubclass(cls, Exception)
        and not issubclass(cls, Warning)
        and cls.__module__ == sdk_errors.__name__
    ]
    assert classes
    assert sorted(cls.__name__ for cls in classes if cls.__name__ not in SDK_ERRORS) == []
    endpoint = Endpoint("gemini", "gemini", None, KEY)
    for cls in classes:
        if issubclass(cls, sdk_errors.APIError):
            exc = cls(429, {"error": {"code": 429, "message": "slow down", "status": "RESOURCE_EXHAUSTED"}})
            assert type(map_error(exc, endpoint)) is errors.RateLimited
        else:
            exc = cls("boom")
            mapped = map_error(exc, endpoint)
            assert isinstance(mapped, errors.AdapterError) and type(mapped) is not errors.AdapterError


def test_the_key_never_appears_in_an_error_or_a_repr(server: GeminiWireServer) -> None:
    echoing = Fail.permission_denied(f"API key not valid: {KEY}. Please pass a valid API key.")
    server.script(
        echoing,
        Fail.rate_limit(),
        Fail.server_error(),
        Fail.context_too_long(),
        Reset(after=1),
        Malformed(),
        Blocked(prompt=True),
        Stall(seconds=3),
    )
    seen: list[errors.AdapterError] = []
    for _ in range(8):
        seen.append(failure(adapter(server, timeout=0.3))[1])
    with pytest.raises(errors.AdapterError) as listing:
        server.script(echoing)
        adapter(server).list_models()
    seen.append(listing.value)
    assert "***" in seen[0].message
    for error in seen:
        assert KEY not in f"{error} {error!r} {error.describe()} {error.args}"
    assert KEY not in repr(adapter(server)) and KEY not in repr(adapter(server).endpoint)
