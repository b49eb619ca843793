"""`promptls models list|status|show` against the real llama.cpp server (llama-cpp-python serving Gemma 3
270M on 127.0.0.1, as tests/test_real_model.py starts it), declared as an OpenAI-compatible server:
discovery of a real local server, not a scripted one. Fails, never skips, without the `model` extra
(TESTING.md "A real model, locally")."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import RunPromptls
from tests.test_real_model import ALIAS, Server, gemma_gguf, llama_server  # noqa: F401 (fixtures)


def _project(tmp_path: Path, server: Server) -> Path:
    (tmp_path / "promptls.toml").write_text(f'[providers.llamacpp]\nbase_url = "{server.base_url}"\n')
    return tmp_path


def test_the_real_server_lists_its_model_as_installed_and_free(
    run_promptls: RunPromptls,
    tmp_path: Path,
    llama_server: Server,  # noqa: F811
) -> None:
    proc = run_promptls(
        "models", "list", "--provider", "llamacpp", "--json", cwd=_project(tmp_path, llama_server)
    )
    assert proc.returncode == 0, proc.stderr
    payload = json.loads(proc.stdout)
    (provider,) = payload["providers"]
    assert provider["state"] == "ok" and provider["latency_ms"] > 0
    (model,) = payload["models"]
    assert model["id"] == f"llamacpp/{ALIAS}"
    assert model["installed"] is True
    assert model["loaded"] is None  # llama.cpp's server has no LM Studio REST API: not known
    assert model["input_price_per_million"] == {"value": 0.0, "source": "local"}


def test_status_and_show_on_the_real_server(
    run_promptls: RunPromptls,
    tmp_path: Path,
    llama_server: Server,  # noqa: F811
) -> None:
    project = _project(tmp_path, llama_server)
    proc = run_promptls("models", "status", f"llamacpp/{ALIAS}", "llamacpp/not-there", cwd=project)
    lines = proc.stdout.splitlines()
    assert lines[0].startswith(f"✓ llamacpp/{ALIAS}: installed · ") and lines[0].endswith(" ms")
    assert lines[1].startswith("✗ llamacpp/not-there: not installed")
    proc = run_promptls("models", "show", f"llamacpp/{ALIAS}", cwd=project)
    assert proc.returncode == 0, proc.stderr
    assert "installed  yes" in proc.stdout and "owned_by" not in proc.stdout
    proc = run_promptls(
        "models",
        "status",
        cwd=project,
        env={
            "OPENAI_API_KEY": None,
            "OPENROUTER_API_KEY": None,
            "GEMINI_API_KEY": None,
            "ANTHROPIC_API_KEY": None,
            "OLLAMA_HOST": "http://127.0.0.1:9",
        },
    )
    assert any(line.startswith("✓ llamacpp  1 model · ") for line in proc.stdout.splitlines())
