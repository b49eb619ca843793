"""The Ollama adapter drives the real `ollama` SDK against a real local server speaking Ollama's API."""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Iterator

import pytest
from promptls.adapters.base import ChatRequest, Chunk, Done, Endpoint, Message, Usage
from promptls.adapters.errors import (
    AdapterError,
    AuthError,
    BadRequest,
    RateLimited,
    StreamBroken,
    Timeout,
    Unavailable,
)
from promptls.adapters.ollama_adapter import SDK_ERRORS, OllamaAdapter, error_class, map_error

from tests.conftest import ROOT
from tests.wire.ollama_server import (
    ErrorLine,
    Fail,
    Malformed,
    Ok,
    OllamaWireServer,
    Reset,
    Stall,
    Truncated,
)

MODEL = "llama3.2:3b"
HELLO = ChatRequest(MODEL, (Message("system", "Be brief."), Message("user", "Say hello")))


@pytest.fixture
def server() -> Iterator[OllamaWireServer]:
    with OllamaWireServer() as wire:
        yield wire


def adapter_for(server: OllamaWireServer, **fields: object) -> OllamaAdapter:
    return OllamaAdapter(Endpoint("ollama", "ollama", **{"base_url": server.base_url, **fields}))


def collect(adapter: OllamaAdapter, request: ChatRequest = HELLO) -> tuple[list[str], list[Done]]:
    texts: list[str] = []
    dones: list[Done] = []
    for event in adapter.stream(request):
        (texts.append(event.text) if isinstance(event, Chunk) else dones.append(event))
    return texts, dones


def failure(adapter: OllamaAdapter, request: ChatRequest = HELLO) -> tuple[list[str], AdapterError]:
    """The text that arrived before the call failed, and the error it failed with."""
    texts: list[str] = []
    with pytest.raises(AdapterError) as caught:
        for event in adapter.stream(request):
            if isinstance(event, Chunk):
                texts.append(event.text)
    return texts, caught.value


def test_importing_the_adapter_does_not_import_the_sdk() -> None:
    code = "import sys, adapters.ollama_adapter; assert not {'ollama', 'httpx'} & set(sys.modules)"
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)


def test_streams_text_then_usage_and_done_reason(server: OllamaWireServer) -> None:
    server.script(
        Ok("Hello there, friend.", chunks=3, prompt_eval_count=26, eval_count=9, done_reason="stop")
    )
    texts, dones = collect(adapter_for(server))
    assert "".join(texts) == "Hello there, friend." and len(texts) == 3
    assert dones == [Done(Usage(26, 9), "stop")]
    sent = server.requests[0]
    assert (sent.method, sent.path) == ("POST", "/api/chat")
    assert sent.body["model"] == MODEL and sent.body["stream"] is True
    assert sent.body["messages"] == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Say hello"},
    ]
    assert "authorization" not in sent.headers  # Ollama needs no key


def test_parameters_and_pass_through_options_become_ollama_options(server: OllamaWireServer) -> None:
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
    collect(adapter_for(server), HELLO._replace(params=params, options=options))
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


def test_a_key_and_settings_headers_are_sent(server: OllamaWireServer) -> None:
    collect(adapter_for(server, api_key="ollama-cloud-key", headers={"X-Team": "docs"}))
    headers = server.requests[0].headers
    assert headers["authorization"] == "Bearer ollama-cloud-key" and headers["x-team"] == "docs"


@pytest.mark.parametrize(
    ("behaviour", "kind", "status"),
    [
        (Fail(400, "invalid options"), BadRequest, 400),
        (Fail(401, "unauthorized"), AuthError, 401),
        (Fail(403, "forbidden"), AuthError, 403),
        (Fail(429, "too many requests"), RateLimited, 429),
        (Fail.server_error(), Unavailable, 500),
        (Fail(503, "server busy, please try again"), Unavailable, 503),
    ],
)
def test_error_statuses_map_by_status(
    server: OllamaWireServer, behaviour: Fail, kind: type, status: int
) -> None:
    server.script(behaviour)
    texts, error = failure(adapter_for(server))
    assert type(error) is kind and error.status == status and texts == []
    assert behaviour.error in error.message and (error.provider, error.model) == ("ollama", MODEL)


def test_a_missing_model_says_how_to_pull_it(server: OllamaWireServer) -> None:
    server.script(Fail.model_not_found("nope:1b"))
    _, error = failure(adapter_for(server), HELLO._replace(model="nope:1b"))
    assert type(error) is BadRequest and error.status == 404
    assert "`ollama pull nope:1b`" in error.message


def test_ollama_not_running_says_how_to_start_it() -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{probe.getsockname()[1]}"
    adapter = OllamaAdapter(Endpoint("ollama", "ollama", base_url=url, timeout=5))
    _, error = failure(adapter)
    assert type(error) is Unavailable and error.retryable
    assert error.message == f"Ollama is not running at {url}: start it with `ollama serve`"
    with pytest.raises(Unavailable, match="ollama serve"):  # the SDK wraps this call's error its own way
        adapter.list_models()


def test_a_stalled_server_times_out(server: OllamaWireServer) -> None:
    server.script(Stall())
    _, error = failure(adapter_for(server, timeout=0.3))
    assert type(error) is Timeout and error.retryable


@pytest.mark.parametrize(
    "behaviour", [Reset(after=2), Malformed(after=2), ErrorLine(after=2), Stall(after=2), Truncated(after=2)]
)
def test_a_failure_after_the_first_chunk_is_a_broken_stream(
    server: OllamaWireServer, behaviour: object
) -> None:
    server.script(behaviour)  # two lines of `Ok()`'s answer, then the fault
    texts, error = failure(adapter_for(server, timeout=0.5))
    assert type(error) is StreamBroken and len(texts) == 2 and Ok().text.startswith("".join(texts))


@pytest.mark.parametrize("behaviour", [Malformed(after=0), ErrorLine(after=0), Truncated(after=0)])
def test_a_bad_stream_before_any_text_is_unavailable(server: OllamaWireServer, behaviour: object) -> None:
    server.script(behaviour)
    texts, error = failure(adapter_for(server))
    assert type(error) is Unavailable and texts == []


def test_list_models_reads_the_tags(server: OllamaWireServer) -> None:
    assert adapter_for(server).list_models() == ["llama3.2:3b", "qwen2.5-coder:7b"]
    assert (server.requests[0].method, server.requests[0].path) == ("GET", "/api/tags")
    server.script(Fail.server_error())
    with pytest.raises(Unavailable):
        adapter_for(server).list_models()


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
