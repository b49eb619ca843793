"""Live model discovery against each provider's wire shapes, through the real SDKs and httpx: what a
user's `promptls models list` is built from. Failures are listings with a state, never exceptions."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest
from promptls.adapters.base import Endpoint
from promptls.adapters.discovery import ollama as ollama_discovery
from promptls.adapters.discovery.http import DiscoveryError
from promptls.adapters.discovery.providers import details, discover

from tests.conftest import assert_no_canary, canary_key
from tests.wire import anthropic_server, gemini_server
from tests.wire.base import Stall
from tests.wire.model_lists import LMStudioServer, OpenRouterModel, OpenRouterModelsServer
from tests.wire.ollama_models import LocalModel, OllamaModelsServer, Pull
from tests.wire.ollama_server import Fail
from tests.wire.openai_server import Fail as OpenAIFail
from tests.wire.openai_server import OpenAIWireServer


def _closed_port() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


@pytest.fixture
def ollama() -> Iterator[OllamaModelsServer]:
    installed = (
        LocalModel("llama3.2:3b"),
        LocalModel(
            "qwen2.5-coder:7b",
            size=4_683_087_332,
            parameter_size="7.6B",
            family="qwen2",
            architecture="qwen2",
            parameter_count=7_615_616_512,
            context_length=32_768,
            block_count=28,
            head_count=28,
            head_count_kv=4,
            embedding_length=3_584,
            parameters="num_ctx 8192",
        ),
    )
    library = {
        "gemma3:270m": Pull(LocalModel("gemma3:270m", size=291_554_930, parameter_size="268.10M")),
        "broken:1b": Pull(fail_after=3),
    }
    with OllamaModelsServer(installed, library) as server:
        yield server


def _ollama_endpoint(server: OllamaModelsServer) -> Endpoint:
    return Endpoint("ollama", "ollama", server.base_url)


# ---- Ollama ---------------------------------------------------------------------------------------


def test_ollama_lists_installed_models_and_which_are_loaded(ollama: OllamaModelsServer) -> None:
    ollama.load_now("qwen2.5-coder:7b")
    listing = discover(_ollama_endpoint(ollama), local=True)
    assert listing.state == "ok", listing.message
    by_name = {m.name: m for m in listing.models}
    assert sorted(by_name) == ["llama3.2:3b", "qwen2.5-coder:7b"]
    assert by_name["qwen2.5-coder:7b"].loaded is True and by_name["llama3.2:3b"].loaded is False
    assert by_name["qwen2.5-coder:7b"].context_length == 4096  # what /api/ps says it runs with
    assert by_name["llama3.2:3b"].quantization == "Q4_K_M" and by_name["llama3.2:3b"].parameter_size == "3.2B"
    assert all(m.installed and m.free for m in listing.models)
    assert [r.path for r in ollama.requests] == ["/api/tags", "/api/ps"]
    assert listing.latency_ms is not None and listing.latency_ms >= 0


def test_ollama_sends_no_environment_key_to_its_host(ollama: OllamaModelsServer) -> None:
    discover(_ollama_endpoint(ollama), local=True)
    assert all("authorization" not in r.headers for r in ollama.requests)


def test_ollama_not_running_is_said_so_with_the_command_to_start_it() -> None:
    listing = discover(Endpoint("ollama", "ollama", _closed_port()), local=True)
    assert listing.state == "unreachable"
    assert "Ollama is not running at" in listing.message and "ollama serve" in listing.message
    assert listing.models == ()


def test_ollama_that_does_not_answer_in_time_is_unreachable(ollama: OllamaModelsServer) -> None:
    ollama.script(Stall(5))
    listing = discover(_ollama_endpoint(ollama), local=True, deadline=0.3)
    assert listing.state == "unreachable"
    assert "did not answer within 0.3 s" in listing.message


def test_ollama_show_gives_parameters_quantization_and_architecture(ollama: OllamaModelsServer) -> None:
    shown = details(_ollama_endpoint(ollama), "qwen2.5-coder:7b", local=True)
    assert shown.state == "ok", shown.message
    facts = shown.facts
    assert facts["quantization_level"] == "Q4_K_M"
    assert facts["context_length"] == 32_768
    assert facts["parameters"] == {"num_ctx": 8192}
    assert (facts["block_count"], facts["head_count_kv"], facts["embedding_length"]) == (28, 4, 3_584)
    assert facts["architecture"] == "qwen2" and facts["parameter_count"] == 7_615_616_512
    assert "tools" in facts["capabilities"]


def test_ollama_show_of_a_model_not_installed_names_the_pull(ollama: OllamaModelsServer) -> None:
    shown = details(_ollama_endpoint(ollama), "mistral:7b", local=True)
    assert shown.state == "error"
    assert "ollama pull mistral:7b" in shown.message


def test_parameters_repeat_and_keep_their_types() -> None:
    text = 'num_ctx                        8192\nstop "<|eot_id|>"\nstop "<|end|>"\ntemperature 0.7'
    assert ollama_discovery.parse_parameters(text) == {
        "num_ctx": 8192,
        "stop": ["<|eot_id|>", "<|end|>"],
        "temperature": 0.7,
    }


def test_pull_streams_progress_then_the_model_is_installed(ollama: OllamaModelsServer) -> None:
    lines = list(ollama_discovery.pull(_ollama_endpoint(ollama), "gemma3:270m", 5.0))
    assert lines[0].status == "pulling manifest"
    progress = [line for line in lines if line.digest]
    assert progress and all(line.total for line in progress)
    assert progress[-1].completed == progress[-1].total
    assert [line.status for line in lines[-3:]] == ["verifying sha256 digest", "writing manifest", "success"]
    assert "gemma3:270m" in ollama.installed_names()
    assert ollama.requests[-1].body == {"model": "gemma3:270m", "insecure": False, "stream": True}


def test_pull_error_mid_stream_is_an_error_after_the_progress_so_far(ollama: OllamaModelsServer) -> None:
    seen = []
    with pytest.raises(DiscoveryError) as caught:
        for line in ollama_discovery.pull(_ollama_endpoint(ollama), "broken:1b", 5.0):
            seen.append(line)
    assert len([line for line in seen if line.digest]) == 3
    assert "max retries exceeded" in caught.value.message
    assert "broken:1b" not in ollama.installed_names()


def test_pull_of_an_unknown_model_says_what_ollama_said(ollama: OllamaModelsServer) -> None:
    with pytest.raises(DiscoveryError) as caught:
        list(ollama_discovery.pull(_ollama_endpoint(ollama), "no-such-model", 5.0))
    assert "file does not exist" in caught.value.message


def test_delete_removes_and_a_missing_model_is_an_error(ollama: OllamaModelsServer) -> None:
    ollama_discovery.delete(_ollama_endpoint(ollama), "llama3.2:3b", 5.0)
    assert ollama.installed_names() == ["qwen2.5-coder:7b"]
    assert ollama.requests[-1].method == "DELETE" and ollama.requests[-1].body == {"model": "llama3.2:3b"}
    with pytest.raises(DiscoveryError) as caught:
        ollama_discovery.delete(_ollama_endpoint(ollama), "llama3.2:3b", 5.0)
    assert caught.value.status == 404


def test_load_keeps_the_model_and_unload_sends_keep_alive_zero(ollama: OllamaModelsServer) -> None:
    endpoint = _ollama_endpoint(ollama)
    ollama_discovery.load(endpoint, "llama3.2:3b", 5.0, keep_alive="30m")
    assert ollama.loaded_names() == ["llama3.2:3b"]
    assert ollama.requests[-1].path == "/api/generate"
    assert ollama.requests[-1].body["keep_alive"] == "30m" and "prompt" not in ollama.requests[-1].body
    ollama_discovery.unload(endpoint, "llama3.2:3b", 5.0)
    assert ollama.requests[-1].body["keep_alive"] == 0
    assert ollama.loaded_names() == []


def test_an_ollama_server_error_is_an_error_not_unreachable(ollama: OllamaModelsServer) -> None:
    ollama.script(Fail.server_error())
    listing = discover(_ollama_endpoint(ollama), local=True)
    assert listing.state == "error" and "HTTP 500" in listing.message


# ---- OpenAI's wire --------------------------------------------------------------------------------


def test_openrouter_lists_prices_per_million_context_and_free_models() -> None:
    models = (
        OpenRouterModel("deepseek/deepseek-chat", 0.3, 1.2),
        OpenRouterModel("meta-llama/llama-3.3-70b-instruct:free", 0, 0, context_length=65_536),
    )
    with OpenRouterModelsServer(models) as server:
        key = canary_key("openrouter")
        listing = discover(Endpoint("openrouter", "openai", server.base_url, key), local=False)
        assert server.sent_key(server.requests[0]) == key
    assert listing.state == "ok", listing.message
    by_name = {m.name: m for m in listing.models}
    chat = by_name["deepseek/deepseek-chat"]
    assert (chat.input_price, chat.output_price, chat.free) == (0.3, 1.2, False)
    assert chat.context_length == 163_840 and chat.max_output == 163_840
    assert "tools" in chat.extra["supported_parameters"]
    free = by_name["meta-llama/llama-3.3-70b-instruct:free"]
    assert (free.input_price, free.output_price, free.free, free.context_length) == (0, 0, True, 65_536)
    assert chat.installed is None and chat.loaded is None


def test_openrouter_details_are_the_models_entry() -> None:
    with OpenRouterModelsServer((OpenRouterModel("deepseek/deepseek-chat"),)) as server:
        shown = details(
            Endpoint("openrouter", "openai", server.base_url, "k"), "deepseek/deepseek-chat", local=False
        )
    assert shown.state == "ok"
    assert shown.facts["input_price"] == 0.3 and "seed" in shown.facts["extra"]["supported_parameters"]


def test_a_refused_key_is_refused_and_never_shown() -> None:
    with OpenAIWireServer() as server:
        server.script(OpenAIFail.unauthorized())
        key = canary_key("openai")
        listing = discover(Endpoint("openai", "openai", server.base_url, key), local=False)
    assert listing.state == "refused" and "HTTP 401" in listing.message
    assert_no_canary(listing.message)


@pytest.mark.parametrize("rest", ["v1", "v0"])
def test_lm_studio_says_which_models_are_loaded(rest: str) -> None:
    with LMStudioServer(
        ("qwen2.5-7b-instruct", "llama-3.2-1b"), loaded=("llama-3.2-1b",), rest=rest
    ) as server:
        listing = discover(Endpoint("lmstudio", "openai", server.base_url), local=True)
        paths = [r.path for r in server.requests]
    assert listing.state == "ok", listing.message
    by_name = {m.name: m for m in listing.models}
    assert by_name["llama-3.2-1b"].loaded is True and by_name["qwen2.5-7b-instruct"].loaded is False
    assert (
        by_name["llama-3.2-1b"].context_length == 32_768 and by_name["llama-3.2-1b"].quantization == "Q4_K_M"
    )
    assert all(m.installed and m.free for m in listing.models)
    assert "LM Studio's REST API" in listing.message
    assert paths[0] == "/v1/models"


def test_a_plain_compatible_server_lists_models_loaded_unknown() -> None:
    with OpenAIWireServer(models=("my-model",)) as server:
        listing = discover(Endpoint("vllm", "openai", server.base_url), local=True)
    assert [(m.name, m.installed, m.loaded) for m in listing.models] == [("my-model", True, None)]


def test_a_declared_server_without_base_url_says_how_to_set_it() -> None:
    listing = discover(Endpoint("groq", "openai", None, "k"), local=False)
    assert listing.state == "error" and "[providers.groq] base_url" in listing.message


def test_a_server_that_is_not_running_is_unreachable() -> None:
    listing = discover(Endpoint("lmstudio", "openai", _closed_port() + "/v1"), local=True)
    assert listing.state == "unreachable" and "not running" in listing.message


# ---- the SDK lists ----------------------------------------------------------------------------------


def test_anthropic_and_gemini_lists_come_from_their_sdks() -> None:
    with anthropic_server.AnthropicWireServer() as server:
        listing = discover(
            Endpoint("anthropic", "anthropic", server.base_url, canary_key("anthropic")), local=False
        )
    assert listing.state == "ok" and [m.name for m in listing.models] == list(anthropic_server.DEFAULT_MODELS)
    with gemini_server.GeminiWireServer() as server:
        listing = discover(Endpoint("gemini", "gemini", server.base_url, canary_key("gemini")), local=False)
    assert listing.state == "ok" and listing.models


def test_a_hosted_provider_without_a_key_is_no_key_before_anything_is_sent() -> None:
    for provider in ("anthropic", "gemini"):
        listing = discover(Endpoint(provider, provider, "http://127.0.0.1:9", None), local=False)
        assert listing.state == "no-key", listing
        assert "promptls keys set" in listing.message
