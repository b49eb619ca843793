"""What only the Ollama adapter does (the shared behaviour is in test_conformance.py): no key needed,
parameters as Ollama `options`, the fixes it names (pull a model, start Ollama), its mid-stream error
lines and answers without `done`, and the map of every exception the `ollama` SDK lets through."""

from __future__ import annotations

import socket
import sys

import pytest
from promptls.adapters.base import Adapter, Endpoint
from promptls.adapters.errors import AuthError, BadRequest, StreamBroken, Timeout, Unavailable
from promptls.adapters.ollama_adapter import SDK_ERRORS, OllamaAdapter, error_class, map_error

from tests.adapters.conftest import BY_NAME, MakeAdapter, Provider, request, run
from tests.wire.base import Cut, Fault
from tests.wire.ollama_server import ErrorLine, Fail, OllamaWireServer


@pytest.fixture
def provider() -> Provider:
    return BY_NAME["ollama"]


def test_a_local_ollama_needs_no_key(
    provider: Provider, server: OllamaWireServer, make_adapter: MakeAdapter
) -> None:
    texts, _ = run(make_adapter(provider, server, api_key=None), request(provider))
    assert texts
    sent = server.requests[0]
    assert (sent.method, sent.path) == ("POST", "/api/chat")
    assert sent.body["model"] == "llama3.2:3b" and sent.body["stream"] is True
    assert sent.body["messages"] == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Say hello."},
    ]
    assert "authorization" not in sent.headers


def test_parameters_and_pass_through_options_become_ollama_options(
    provider: Provider, server: OllamaWireServer, adapter: Adapter
) -> None:
    params = {
        "temperature": 0.2,
        "top_p": 0.9,
        "top_k": 40,
        "max_tokens": 128,
        "stop": ["\n\n"],
        "seed": 7,
        "expected_output_tokens": 500,
    }
    options = {"num_ctx": 16384, "temperature": 0.3, "keep_alive": "10m"}
    run(adapter, request(provider, params=params, options=options))
    body = server.requests[0].body
    assert body["options"] == {
        "temperature": 0.3,
        "top_p": 0.9,
        "top_k": 40,
        "num_predict": 128,
        "stop": ["\n\n"],
        "seed": 7,
        "num_ctx": 16384,
    }
    assert body["keep_alive"] == "10m"  # a request field, not an option


@pytest.mark.parametrize(
    ("behaviour", "kind"),
    [(Fail(403, "forbidden"), AuthError), (Fail(503, "server busy, please try again"), Unavailable)],
    ids=["403", "503"],
)
def test_more_statuses_map_by_status_and_keep_ollama_s_message(
    provider: Provider, server: OllamaWireServer, adapter: Adapter, behaviour: Fail, kind: type
) -> None:
    server.script(behaviour)
    texts, error = run(adapter, request(provider))
    assert (texts, type(error)) == ([], kind)
    assert isinstance(error, kind) and error.status == behaviour.status and behaviour.error in error.message


def test_a_missing_model_says_how_to_pull_it(
    provider: Provider, server: OllamaWireServer, adapter: Adapter
) -> None:
    server.script(Fail.model_not_found("nope:1b"))
    _, error = run(adapter, request(provider, model="nope:1b"))
    assert type(error) is BadRequest and error.status == 404
    assert "`ollama pull nope:1b`" in error.message


def test_ollama_not_running_says_how_to_start_it() -> None:
    with socket.socket() as closed:  # bound, not listening: a connection to it is refused
        closed.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{closed.getsockname()[1]}"
        adapter = OllamaAdapter(Endpoint("ollama", "ollama", base_url=url, timeout=5))
        _, error = run(adapter, request(BY_NAME["ollama"]))
        assert type(error) is Unavailable and error.retryable
        assert error.message == f"Ollama is not running at {url}: start it with `ollama serve`"
        with pytest.raises(Unavailable, match="ollama serve"):  # the SDK wraps this call's error its own way
            adapter.list_models()


@pytest.mark.parametrize("fault", [ErrorLine(after=2), Cut(after=2)], ids=["error-line", "no-done"])
def test_an_error_line_or_a_missing_done_after_text_breaks_the_stream(
    provider: Provider, server: OllamaWireServer, adapter: Adapter, fault: Fault
) -> None:
    server.script(fault)
    texts, error = run(adapter, request(provider))
    assert texts == ["one ", "two "] and type(error) is StreamBroken


@pytest.mark.parametrize("fault", [ErrorLine(after=0), Cut(after=0)], ids=["error-line", "no-done"])
def test_an_error_line_or_a_missing_done_before_text_is_unavailable(
    provider: Provider, server: OllamaWireServer, adapter: Adapter, fault: Fault
) -> None:
    server.script(fault)
    texts, error = run(adapter, request(provider))
    assert texts == [] and type(error) is Unavailable


def test_list_models_reads_the_tags(provider: Provider, server: OllamaWireServer, adapter: Adapter) -> None:
    assert adapter.list_models() == ["llama3.2:3b", "qwen2.5-coder:7b"]
    assert (server.requests[0].method, server.requests[0].path) == ("GET", "/api/tags")


def test_every_sdk_exception_class_is_mapped() -> None:
    import httpx
    import ollama

    listed = set(SDK_ERRORS)
    modules = [ollama, *(module for name, module in sys.modules.items() if name.startswith("ollama."))]
    defined = {
        f"ollama.{value.__name__}"
        for module in modules
        for value in vars(module).values()
        if isinstance(value, type)
        and issubclass(value, BaseException)
        and value.__module__.startswith("ollama")
    }
    assert defined >= {"ollama.RequestError", "ollama.ResponseError"}
    assert defined <= listed, f"unmapped ollama exceptions: {sorted(defined - listed)}"
    transport = [
        value
        for value in vars(httpx).values()
        if isinstance(value, type) and issubclass(value, httpx.RequestError)
    ]
    assert all(error_class(cls) is not None for cls in transport)
    assert error_class(httpx.ReadTimeout) is Timeout and error_class(httpx.RemoteProtocolError) is Unavailable
    endpoint = Endpoint("ollama", "ollama")
    assert type(map_error(ollama.RequestError("must provide a model"), endpoint)) is BadRequest
    assert type(map_error(ollama.ResponseError("boom"), endpoint)) is Unavailable  # an error line: no status
