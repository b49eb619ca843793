"""`promptls models list|show|status`, the real command against real servers on 127.0.0.1: Ollama's
API (tests/wire/ollama_models.py, what the real `ollama` SDK reads), OpenRouter's and LM Studio's
lists, and a provider that is not running. What the user sees: the models, where each fact came from,
the state of every provider, the cache's age."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import RunPromptls
from tests.wire.model_lists import LMStudioServer, OpenRouterModel, OpenRouterModelsServer
from tests.wire.ollama_models import LocalModel, OllamaModelsServer

NO_HOSTED_KEYS = {
    "OPENAI_API_KEY": None,
    "GEMINI_API_KEY": None,
    "ANTHROPIC_API_KEY": None,
    "GOOGLE_API_KEY": None,
}
"""Hosted providers this file does not serve are keyless: they answer `no key` without a request."""

QWEN = LocalModel(
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
)


@pytest.fixture
def ollama() -> Iterator[OllamaModelsServer]:
    with OllamaModelsServer((LocalModel("llama3.2:3b"), QWEN)) as server:
        yield server


@pytest.fixture
def openrouter() -> Iterator[OpenRouterModelsServer]:
    models = (
        OpenRouterModel("deepseek/deepseek-chat", 0.3, 1.2),
        OpenRouterModel("meta-llama/llama-3.3-70b-instruct:free", 0, 0, context_length=65_536),
    )
    with OpenRouterModelsServer(models) as server:
        yield server


def _project(tmp_path: Path, toml: str = "") -> Path:
    (tmp_path / "promptls.toml").write_text(toml)
    return tmp_path


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_list_shows_every_providers_models_and_state(
    run_promptls: RunPromptls, tmp_path: Path, ollama: OllamaModelsServer, openrouter: OpenRouterModelsServer
) -> None:
    ollama.load_now("llama3.2:3b")
    project = _project(tmp_path, f'[providers.openrouter]\nbase_url = "{openrouter.base_url}"\n')
    proc = run_promptls("models", "list", cwd=project, env={"OLLAMA_HOST": ollama.base_url, **NO_HOSTED_KEYS})
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    row = next(line for line in lines if line.startswith("ollama/llama3.2:3b "))
    assert "loaded" in row and "Q4_K_M" in row and "2.0 GB" in row
    assert "installed" in next(line for line in lines if line.startswith("ollama/qwen2.5-coder:7b "))
    deepseek = next(line for line in lines if line.startswith("openrouter/deepseek/deepseek-chat "))
    assert "163,840" in deepseek and "0.3" in deepseek and "1.2" in deepseek
    assert "free" in next(line for line in lines if line.startswith("openrouter/meta-llama/llama-3.3-70b"))
    assert any(line.startswith("✓ ollama  2 models") for line in lines)
    assert any(line.startswith("✓ openrouter  2 models") for line in lines)
    assert any(line.startswith("- openai  no key:") and "promptls keys set openai" in line for line in lines)
    assert "* from the catalog" in proc.stdout


def test_list_json_says_where_each_fact_came_from(
    run_promptls: RunPromptls, tmp_path: Path, ollama: OllamaModelsServer
) -> None:
    proc = run_promptls(
        "models",
        "list",
        "--provider",
        "ollama",
        "--json",
        cwd=_project(tmp_path),
        env={"OLLAMA_HOST": ollama.base_url},
    )
    payload = json.loads(proc.stdout)
    (provider,) = payload["providers"]
    assert provider["state"] == "ok" and provider["source"] == "live" and provider["latency_ms"] >= 0
    qwen = next(m for m in payload["models"] if m["name"] == "qwen2.5-coder:7b")
    assert qwen["installed"] is True and qwen["loaded"] is False
    assert qwen["input_price_per_million"] == {"value": 0.0, "source": "local"}
    assert qwen["context_window"]["source"] in ("catalog", "family", "unknown")
    assert qwen["quantization"] == "Q4_K_M" and qwen["family"] == {"value": "qwen2", "source": "live"}


def test_filters_query_installed_loaded_free(
    run_promptls: RunPromptls, tmp_path: Path, ollama: OllamaModelsServer, openrouter: OpenRouterModelsServer
) -> None:
    ollama.load_now("qwen2.5-coder:7b")
    project = _project(tmp_path, f'[providers.openrouter]\nbase_url = "{openrouter.base_url}"\n')
    env = {"OLLAMA_HOST": ollama.base_url, **NO_HOSTED_KEYS}

    def ids(*args: str) -> list[str]:
        proc = run_promptls("models", "list", *args, "--json", cwd=project, env=env)
        return [m["id"] for m in json.loads(proc.stdout)["models"]]

    assert ids("qwen") == ["ollama/qwen2.5-coder:7b"]
    assert ids("--loaded") == ["ollama/qwen2.5-coder:7b"]
    assert ids("--installed") == ["ollama/llama3.2:3b", "ollama/qwen2.5-coder:7b"]
    assert ids("--free", "--provider", "openrouter") == ["openrouter/meta-llama/llama-3.3-70b-instruct:free"]
    proc = run_promptls("models", "list", "nothing-like-this", cwd=project, env=env)
    assert proc.returncode == 1 and "No model matches the filters" in proc.stdout


def test_the_list_is_cached_then_served_stale_with_its_age_when_ollama_is_gone(
    run_promptls: RunPromptls, tmp_path: Path
) -> None:
    project = _project(tmp_path)
    with OllamaModelsServer((LocalModel("llama3.2:3b"),)) as server:
        env = {"OLLAMA_HOST": server.base_url}
        run_promptls("models", "list", "--provider", "ollama", cwd=project, env=env)
        run_promptls("models", "list", "--provider", "ollama", cwd=project, env=env)
        assert [r.path for r in server.requests] == ["/api/tags", "/api/ps"]  # the second from the cache
        fresh = run_promptls("models", "list", "--provider", "ollama", "--refresh", cwd=project, env=env)
        assert len(server.requests) == 4 and "✓ ollama  1 model" in fresh.stdout
    gone = run_promptls("models", "list", "--provider", "ollama", "--refresh", cwd=project, env=env)
    assert "ollama/llama3.2:3b" in gone.stdout
    line = next(line for line in gone.stdout.splitlines() if line.startswith("✗ ollama"))
    assert "unreachable: 1 cached models" in line and "Ollama is not running" in line
    assert "cached" in line and "s ago, stale" in line
    offline = run_promptls(
        "models", "list", "--provider", "ollama", "--offline", "--json", cwd=project, env=env
    )
    payload = json.loads(offline.stdout)
    (provider,) = payload["providers"]
    assert provider["source"] == "cache" and provider["age_seconds"] >= 0 and "offline" in provider["message"]
    assert payload["models"][0]["listed"]["source"] == "cache"


def test_offline_without_cached_data_says_so(run_promptls: RunPromptls, tmp_path: Path) -> None:
    proc = run_promptls("models", "list", "--offline", "--provider", "ollama", cwd=_project(tmp_path))
    assert "- ollama  offline: not asked (--offline) and no cached data" in proc.stdout
    assert proc.returncode == 1


def test_show_an_ollama_model_says_the_context_it_will_really_run_with(
    run_promptls: RunPromptls, tmp_path: Path, ollama: OllamaModelsServer
) -> None:
    env = {"OLLAMA_HOST": ollama.base_url}
    proc = run_promptls("models", "show", "ollama/qwen2.5-coder:7b", cwd=_project(tmp_path), env=env)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "quantization    Q4_K_M" in out
    assert "context_length" in out and "32,768" in out
    assert "num_ctx 8,192 ← the Modelfile's PARAMETER num_ctx" in out
    assert "runs this model with 8,192 of its 32,768 tokens" in out
    assert "installed" in out and "4.7 GB" in out
    project = _project(tmp_path, '[models."ollama/qwen2.5-coder:7b"]\noptions = { num_ctx = 32768 }\n')
    proc = run_promptls("models", "show", "ollama/qwen2.5-coder:7b", "--json", cwd=project, env=env)
    report = json.loads(proc.stdout)
    assert report["num_ctx"]["value"] == 32768 and "warning" not in report["num_ctx"]
    assert report["live"]["facts"]["parameters"] == {"num_ctx": 8192}
    assert report["live"]["source"] == "cache"  # the details fetched a moment ago


def test_show_a_model_with_no_num_ctx_anywhere_warns_of_ollamas_default(
    run_promptls: RunPromptls, tmp_path: Path, ollama: OllamaModelsServer
) -> None:
    proc = run_promptls(
        "models", "show", "ollama/llama3.2:3b", cwd=_project(tmp_path), env={"OLLAMA_HOST": ollama.base_url}
    )
    assert "num_ctx 4,096 ← Ollama's default" in proc.stdout
    assert "runs this model with 4,096 of its 131,072 tokens" in proc.stdout


def test_show_an_openrouter_model_has_its_prices_and_supported_parameters(
    run_promptls: RunPromptls, tmp_path: Path, openrouter: OpenRouterModelsServer
) -> None:
    project = _project(tmp_path, f'[providers.openrouter]\nbase_url = "{openrouter.base_url}"\n')
    proc = run_promptls("models", "show", "openrouter/deepseek/deepseek-chat", cwd=project)
    assert proc.returncode == 0, proc.stderr
    assert "supported parameters" in proc.stdout and "response_format" in proc.stdout
    assert "$ in per 1M" in proc.stdout and "0.3" in proc.stdout
    assert "catalog" in proc.stdout


def test_status_of_every_provider_with_latency(
    run_promptls: RunPromptls, tmp_path: Path, ollama: OllamaModelsServer
) -> None:
    proc = run_promptls(
        "models",
        "status",
        cwd=_project(tmp_path),
        env={"OLLAMA_HOST": ollama.base_url, **NO_HOSTED_KEYS, "OPENROUTER_API_KEY": None},
    )
    assert proc.returncode == 0
    assert any(
        line.startswith("✓ ollama  2 models ·") and " ms · " in line for line in proc.stdout.splitlines()
    )
    assert "- anthropic  no key:" in proc.stdout


def test_status_of_named_models(
    run_promptls: RunPromptls, tmp_path: Path, ollama: OllamaModelsServer, openrouter: OpenRouterModelsServer
) -> None:
    ollama.load_now("llama3.2:3b")
    project = _project(tmp_path, f'[providers.openrouter]\nbase_url = "{openrouter.base_url}"\n')
    env = {"OLLAMA_HOST": ollama.base_url, **NO_HOSTED_KEYS}
    proc = run_promptls(
        "models",
        "status",
        "ollama/llama3.2:3b",
        "ollama/qwen2.5-coder:7b",
        "ollama/mistral:7b",
        "openrouter/deepseek/deepseek-chat",
        "openrouter/nobody/nothing",
        "openai/gpt-4o",
        cwd=project,
        env=env,
    )
    lines = proc.stdout.splitlines()
    assert proc.returncode == 1
    assert lines[0].startswith("✓ ollama/llama3.2:3b: loaded")
    assert lines[1].startswith("✓ ollama/qwen2.5-coder:7b: installed")
    assert (
        lines[2].startswith("✗ ollama/mistral:7b: not installed")
        and "promptls models pull ollama/mistral:7b" in lines[2]
    )
    assert lines[3].startswith("✓ openrouter/deepseek/deepseek-chat: available")
    assert lines[4].startswith("✗ openrouter/nobody/nothing: not offered")
    assert lines[5].startswith("✗ openai/gpt-4o: no key") and "OPENAI_API_KEY" in lines[5]


def test_status_of_a_server_that_is_not_running(run_promptls: RunPromptls, tmp_path: Path) -> None:
    project = _project(tmp_path, f'[providers.lmstudio]\nbase_url = "http://127.0.0.1:{_closed_port()}/v1"\n')
    proc = run_promptls("models", "status", "lmstudio/qwen2.5-7b-instruct", "--json", cwd=project)
    (row,) = json.loads(proc.stdout)
    assert row["status"] == "unreachable" and row["ok"] is False and "not running" in row["detail"]


def test_lm_studio_says_loaded(run_promptls: RunPromptls, tmp_path: Path) -> None:
    with LMStudioServer(("qwen2.5-7b-instruct", "llama-3.2-1b"), loaded=("llama-3.2-1b",)) as server:
        project = _project(tmp_path, f'[providers.lmstudio]\nbase_url = "{server.base_url}"\n')
        proc = run_promptls("models", "list", "--provider", "lmstudio", "--loaded", cwd=project)
    assert proc.returncode == 0
    assert "lmstudio/llama-3.2-1b" in proc.stdout and "lmstudio/qwen2.5-7b-instruct" not in proc.stdout


def test_usage_mistakes_are_said(run_promptls: RunPromptls, tmp_path: Path) -> None:
    project = _project(tmp_path)
    assert "not a model id" in run_promptls("models", "show", "llama3", cwd=project).stderr
    assert (
        "unknown provider `nope`" in run_promptls("models", "list", "--provider", "nope", cwd=project).stderr
    )
    proc = run_promptls("models", "list", "--offline", "--refresh", cwd=project)
    assert proc.returncode == 2 and "give one" in proc.stderr
    proc = run_promptls("models", "sonnet", "--installed", cwd=project)
    assert proc.returncode == 2 and "promptls models list" in proc.stderr


def test_the_catalog_view_stays(run_promptls: RunPromptls, tmp_path: Path) -> None:
    proc = run_promptls("models", "sonnet", cwd=_project(tmp_path))
    assert proc.returncode == 0 and "catalog of" in proc.stdout
