"""What only the Gemini adapter does (the shared behaviour is in test_conformance.py): the request path
and body, thinking tokens, RetryInfo, safety blocks, paged model lists, base URLs with a version, key
redaction, and the map of every `google-genai` SDK exception."""

from __future__ import annotations

import inspect
import socket

import pytest
from promptls.adapters import errors
from promptls.adapters.base import Adapter, ChatRequest, Done, Endpoint, Message, Usage
from promptls.adapters.gemini_adapter import SDK_ERRORS, generate_config, map_error, split_base_url

from tests.adapters.conftest import BY_NAME, MakeAdapter, Provider, request, run, shown
from tests.conftest import canary_key
from tests.wire.gemini_server import Blocked, Fail, GeminiWireServer, Ok

MODEL = BY_NAME["gemini"].model


@pytest.fixture
def provider() -> Provider:
    return BY_NAME["gemini"]


def test_the_path_and_thinking_tokens_billed_as_output(
    provider: Provider, server: GeminiWireServer, adapter: Adapter
) -> None:
    server.script(Ok("Hello from Gemini!", 3, prompt_tokens=12, candidates_tokens=5, thoughts_tokens=4))
    texts, end = run(adapter, request(provider))
    assert "".join(texts) == "Hello from Gemini!"
    assert end == Done(Usage(12, 9), "STOP")
    (sent,) = server.requests
    assert sent.path == f"/v1beta/models/{MODEL}:streamGenerateContent?alt=sse"


def test_messages_parameters_and_options_reach_the_request_body(
    provider: Provider, server: GeminiWireServer, adapter: Adapter
) -> None:
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
    run(adapter, ChatRequest(MODEL, messages, params, options))
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


def test_reasoning_effort_is_a_thinking_level(provider: Provider) -> None:
    config = generate_config(request(provider, params={"reasoning_effort": "low"}), None)
    assert config.thinking_config is not None and config.thinking_config.thinking_level == "LOW"
    assert config.automatic_continuation is False  # the SDK must not resume a broken stream itself


def test_a_value_the_sdk_rejects_is_a_bad_request_before_sending(
    provider: Provider, server: GeminiWireServer, adapter: Adapter
) -> None:
    _, error = run(adapter, request(provider, params={"temperature": "warm"}))
    assert type(error) is errors.BadRequest and "temperature" in error.message
    assert server.requests == []


@pytest.mark.parametrize(
    ("fail", "kind", "retry_after"),
    [
        (Fail.rate_limit(), errors.RateLimited, 2.0),  # from RetryInfo's retryDelay
        (Fail.rate_limit(retry_delay=None), errors.RateLimited, None),
        (Fail.server_error(), errors.Unavailable, None),
        (Fail(503, "The model is overloaded.", "UNAVAILABLE"), errors.Unavailable, None),
        (Fail.unauthorized(), errors.AuthError, None),
        (Fail.permission_denied(), errors.AuthError, None),
        (Fail.context_too_long(), errors.ContextTooLong, None),
        (Fail.not_found(), errors.BadRequest, None),
    ],
    ids=["429-retry-info", "429-no-retry-info", "500", "503", "401", "403", "400-context", "404"],
)
def test_each_error_status_says_google_s_status_and_its_delay(
    provider: Provider,
    server: GeminiWireServer,
    adapter: Adapter,
    fail: Fail,
    kind: type[errors.AdapterError],
    retry_after: float | None,
) -> None:
    server.script(fail)
    _, error = run(adapter, request(provider))
    assert type(error) is kind
    assert (error.status, error.retry_after) == (fail.code, retry_after)
    assert error.message.startswith(fail.status)
    assert isinstance(error.__cause__, Exception)
    assert len(server.requests) == 1  # the SDK did not retry on its own: the executor does


def test_a_refused_connection_names_the_address(provider: Provider, make_adapter: MakeAdapter) -> None:
    with socket.socket() as closed:  # bound, not listening: a connection to it is refused
        closed.bind(("127.0.0.1", 0))
        address = f"127.0.0.1:{closed.getsockname()[1]}"
        _, error = run(make_adapter(provider, base_url=f"http://{address}"), request(provider))
    assert type(error) is errors.Unavailable and address in error.message


def test_a_safety_block_after_text_is_a_broken_stream(
    provider: Provider, server: GeminiWireServer, adapter: Adapter
) -> None:
    server.script(Blocked(after=2))
    texts, error = run(adapter, request(provider))
    assert texts == ["one ", "two "]
    assert type(error) is errors.StreamBroken and "SAFETY" in error.message
    assert len(server.requests) == 1  # no automatic continuation


@pytest.mark.parametrize("fault", [Blocked(prompt=True), Blocked(after=0)], ids=["prompt", "answer"])
def test_a_safety_block_without_text_is_content_filtered(
    provider: Provider, server: GeminiWireServer, adapter: Adapter, fault: Blocked
) -> None:
    server.script(fault)
    texts, error = run(adapter, request(provider))
    assert (texts, type(error)) == ([], errors.ContentFiltered)
    assert isinstance(error, errors.AdapterError) and "SAFETY" in error.message


def test_no_key_names_the_second_variable_too(
    provider: Provider, server: GeminiWireServer, make_adapter: MakeAdapter
) -> None:
    _, error = run(make_adapter(provider, server, api_key=None), request(provider))
    assert type(error) is errors.MissingKey
    assert "GEMINI_API_KEY" in error.message and "GOOGLE_API_KEY" in error.message


def test_list_models_walks_every_page_and_keeps_generating_models(
    provider: Provider, server: GeminiWireServer, adapter: Adapter
) -> None:
    assert adapter.list_models() == ["gemini-2.0-flash", "gemini-2.5-pro", "gemini-2.5-flash"]
    assert len(server.requests) == 2  # two pages of at most two models
    assert all(r.path.startswith("/v1beta/models?") for r in server.requests)
    assert {server.sent_key(r) for r in server.requests} == {canary_key("gemini")}


def test_a_base_url_ending_in_a_version_is_split_into_root_and_version(
    provider: Provider, server: GeminiWireServer, make_adapter: MakeAdapter
) -> None:
    assert split_base_url("https://gw.example/proxy/v1beta/") == ("https://gw.example/proxy", "v1beta")
    assert split_base_url("https://gw.example/v1") == ("https://gw.example", "v1")
    assert split_base_url("https://gw.example/gemini") == ("https://gw.example/gemini", None)
    texts, _ = run(make_adapter(provider, base_url=server.base_url + "/v1beta"), request(provider))
    assert texts and server.requests[0].path.startswith("/v1beta/models/")


def test_an_echoed_key_is_masked_in_the_message(
    provider: Provider, server: GeminiWireServer, adapter: Adapter
) -> None:
    key = canary_key("gemini")
    server.script(Fail.permission_denied(f"API key not valid: {key}. Please pass a valid API key."))
    _, error = run(adapter, request(provider))
    assert isinstance(error, errors.AuthError)
    assert "***" in error.message and key not in shown(error)


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
    endpoint = Endpoint("gemini", "gemini", None, canary_key("gemini"))
    for cls in classes:
        if issubclass(cls, sdk_errors.APIError):
            exc = cls(429, {"error": {"code": 429, "message": "slow down", "status": "RESOURCE_EXHAUSTED"}})
            assert type(map_error(exc, endpoint)) is errors.RateLimited
        else:
            exc = cls("boom")
            mapped = map_error(exc, endpoint)
            assert isinstance(mapped, errors.AdapterError) and type(mapped) is not errors.AdapterError
