"""`promptls models pull|rm|load|unload`, the real command against Ollama's API on 127.0.0.1 (the real
`ollama` SDK reads it): progress as lines and as a bar on a real terminal, Ctrl-C typed on that
terminal, errors mid-pull, the disk and memory checks, a removal refused while a prompt uses the
model, and the cache forgetting what a pull or a removal changed."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import shutil
import subprocess
import sys
import termios
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import PROMPTLS, RunPromptls, assert_no_canary
from tests.wire.ollama_models import LocalModel, OllamaModelsServer, Pull

GEMMA = LocalModel("gemma3:270m", size=291_554_930, parameter_size="268.10M")


@pytest.fixture
def ollama() -> Iterator[OllamaModelsServer]:
    library = {
        "gemma3:270m": Pull(GEMMA),
        "broken:1b": Pull(fail_after=3),
        "slow:1b": Pull(layers=(50_000_000,), steps=400, interval=0.05),
        "vast:latest": Pull(layers=(10**16,), interval=0.05),
    }
    with OllamaModelsServer((LocalModel("llama3.2:3b"),), library) as server:
        yield server


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "promptls.toml").write_text("")
    return tmp_path


def _env(server: OllamaModelsServer, models: Path | None = None) -> dict[str, str]:
    env = {"OLLAMA_HOST": server.base_url}
    if models is not None:
        env["OLLAMA_MODELS"] = str(models)
    return env


def test_pull_shows_progress_lines_and_installs(
    run_promptls: RunPromptls, project: Path, ollama: OllamaModelsServer
) -> None:
    env = _env(ollama)
    before = run_promptls("models", "list", "--provider", "ollama", cwd=project, env=env)
    assert "ollama/gemma3:270m" not in before.stdout
    proc = run_promptls("models", "pull", "ollama/gemma3:270m", cwd=project, env=env)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0] == "pulling manifest"
    assert any(line.endswith(": 50% of 1.0 MB") for line in lines)
    assert "verifying sha256 digest" in lines and "writing manifest" in lines and "success" in lines
    assert lines[-1] == "✓ pulled ollama/gemma3:270m (1.0 MB of 1.0 MB downloaded)"
    assert "gemma3:270m" in ollama.installed_names()
    after = run_promptls("models", "list", "--provider", "ollama", cwd=project, env=env)  # no --refresh
    assert "ollama/gemma3:270m" in after.stdout  # the pull forgot the cached list


def test_an_error_mid_pull_says_what_ollama_said_and_how_far_it_got(
    run_promptls: RunPromptls, project: Path, ollama: OllamaModelsServer
) -> None:
    proc = run_promptls("models", "pull", "ollama/broken:1b", cwd=project, env=_env(ollama))
    assert proc.returncode == 1
    assert "promptls models pull: " in proc.stderr and "max retries exceeded" in proc.stderr
    assert "MB of 1.0 MB downloaded" in proc.stderr
    assert "broken:1b" not in ollama.installed_names()


def test_pulling_a_model_that_does_not_exist(
    run_promptls: RunPromptls, project: Path, ollama: OllamaModelsServer
) -> None:
    proc = run_promptls("models", "pull", "ollama/no-such-model", cwd=project, env=_env(ollama))
    assert proc.returncode == 1 and "pull model manifest: file does not exist" in proc.stderr


def _billions(size: float) -> str:
    """A tag whose Q4_K_M weights come to about `size` bytes."""
    return f"{size / (4.85 / 8) / 1e9:.0f}b"


def test_a_model_that_will_not_fit_in_memory_is_refused_unless_forced(
    run_promptls: RunPromptls, project: Path, ollama: OllamaModelsServer, tmp_path: Path
) -> None:
    """A 1B model is a small download, but its KV cache at the context the settings give it (10M
    tokens, ~1 TB) fits in no machine's memory."""
    (project / "promptls.toml").write_text('[models."ollama/tiny:1b"]\noptions = { num_ctx = 10000000 }\n')
    ollama.library["tiny:1b"] = Pull()
    env = _env(ollama, tmp_path / "models")
    proc = run_promptls("models", "pull", "ollama/tiny:1b", cwd=project, env=env)
    assert proc.returncode == 1
    assert "ollama/tiny:1b will not fit in memory: it needs ~" in proc.stderr
    assert (
        "at 10,000,000 tokens of context" in proc.stderr and "RAM " in proc.stderr and "no GPU" in proc.stderr
    )
    assert "--force" in proc.stderr
    assert not any(r.path == "/api/pull" for r in ollama.requests)
    forced = run_promptls("models", "pull", "ollama/tiny:1b", "--force", cwd=project, env=env)
    assert forced.returncode == 0 and "(--force: pulling anyway)" in forced.stderr
    assert "tiny:1b" in ollama.installed_names()


def test_a_download_larger_than_the_free_disk_is_refused(
    run_promptls: RunPromptls, project: Path, ollama: OllamaModelsServer, tmp_path: Path
) -> None:
    disk = shutil.disk_usage(tmp_path).free
    tag = _billions(disk * 1.5)
    proc = run_promptls(
        "models", "pull", f"ollama/big:{tag}", cwd=project, env=_env(ollama, tmp_path / "models")
    )
    assert proc.returncode == 1
    assert "to download and only" in proc.stderr and str(tmp_path / "models") in proc.stderr


def test_once_ollama_says_the_size_a_download_too_large_is_cancelled(
    run_promptls: RunPromptls, project: Path, ollama: OllamaModelsServer, tmp_path: Path
) -> None:
    proc = run_promptls("models", "pull", "ollama/vast:latest", cwd=project, env=_env(ollama, tmp_path))
    assert proc.returncode == 1
    assert "ollama/vast:latest is 10000000 GB and only" in proc.stderr and "cancelled after" in proc.stderr
    assert ollama.stream_abandoned(10) is not None  # the connection was closed: Ollama stops
    assert "vast:latest" not in ollama.installed_names()


def test_only_ollama_models_can_be_pulled(run_promptls: RunPromptls, project: Path) -> None:
    proc = run_promptls("models", "pull", "openai/gpt-4o", cwd=project)
    assert proc.returncode == 2 and "only Ollama models" in proc.stderr


# ---- on a real terminal -----------------------------------------------------------------------------


def _spawn_on_terminal(args: list[str], cwd: Path, env: dict[str, str]) -> tuple[subprocess.Popen, int]:
    """The real command with a pseudo-terminal as its controlling terminal (as a shell gives it): what
    is typed there, Ctrl-C included, reaches it as from a keyboard."""
    primary, secondary = pty.openpty()

    def take_terminal() -> None:
        os.setsid()
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)

    process = subprocess.Popen(
        [*PROMPTLS, *args],
        cwd=cwd,
        env={**os.environ, **env, "TERM": "xterm-256color", "COLUMNS": "100"},
        stdin=secondary,
        stdout=secondary,
        stderr=secondary,
        preexec_fn=take_terminal,
    )
    os.close(secondary)
    return process, primary


def _read_until(primary: int, shown: bytearray, wanted: bytes, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while wanted not in shown:
        ready, _, _ = select.select([primary], [], [], max(0.0, deadline - time.monotonic()))
        if not ready:
            return False
        try:
            data = os.read(primary, 65536)
        except OSError:  # EIO: the command closed the terminal
            return wanted in shown
        if not data:
            return wanted in shown
        shown += data
    return True


def _plain(shown: bytearray) -> str:
    """What the terminal showed, without its colour and cursor codes."""
    return re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", shown.decode("utf-8", "replace"))


def test_a_progress_bar_on_a_terminal(project: Path, ollama: OllamaModelsServer) -> None:
    process, primary = _spawn_on_terminal(["models", "pull", "ollama/gemma3:270m"], project, _env(ollama))
    shown = bytearray()
    try:
        _read_until(primary, shown, b"\x00never", 30)
        assert process.wait(timeout=30) == 0
    finally:
        os.close(primary)
    text = _plain(shown)
    assert_no_canary(text)
    assert "━" in text  # rich's bar
    assert "1.0/1.0 MB" in text  # bytes done of the layer's size
    assert "✓ pulled ollama/gemma3:270m" in text and "Traceback" not in text


def test_ctrl_c_on_the_terminal_cancels_the_pull_and_says_what_is_left(
    project: Path, ollama: OllamaModelsServer
) -> None:
    process, primary = _spawn_on_terminal(["models", "pull", "ollama/slow:1b"], project, _env(ollama))
    shown = bytearray()
    try:
        assert _read_until(primary, shown, b"MB/s", 30) or _read_until(primary, shown, b"/s", 5), shown
        os.write(primary, b"\x03")  # Ctrl-C, as typed
        _read_until(primary, shown, b"\x00never", 30)
        code = process.wait(timeout=30)
    finally:
        os.close(primary)
        if process.poll() is None:
            process.kill()
    text = _plain(shown)
    assert code == 130, text
    assert "cancelled: " in text and " of 50 MB downloaded" in text
    assert (
        "Ollama keeps what it downloaded" in text and "promptls models pull ollama/slow:1b` resumes" in text
    )
    assert "Traceback" not in text
    assert ollama.stream_abandoned(10) is not None  # the connection was closed: Ollama stops
    assert "slow:1b" not in ollama.installed_names()


# ---- rm, load, unload ----------------------------------------------------------------------------


def _prompt(project: Path, model: str, fallback: str | None = None, name: str = "hello") -> None:
    (project / "prompts").mkdir(exist_ok=True)
    head = f"model: {model}\n" + (f"fallback: [{fallback}]\n" if fallback else "")
    (project / "prompts" / f"{name}.md").write_text(f"---\n{head}---\nSay hello.\n")


def test_rm_refuses_while_a_prompt_runs_on_the_model(
    run_promptls: RunPromptls, project: Path, ollama: OllamaModelsServer
) -> None:
    _prompt(project, "ollama/llama3.2:3b")
    _prompt(project, "openai/gpt-4o", fallback="ollama/llama3.2:3b", name="other")
    _prompt(project, "openai/gpt-4o", name="unrelated")
    env = _env(ollama)
    proc = run_promptls("models", "rm", "ollama/llama3.2:3b", cwd=project, env=env)
    assert proc.returncode == 1
    assert "2 prompt(s) of this project run on ollama/llama3.2:3b" in proc.stderr
    assert "prompts/hello.md:2  prompts/hello.md (model)" in proc.stderr
    assert "prompts/other.md:3  prompts/other.md (fallback)" in proc.stderr
    assert "unrelated" not in proc.stderr and "--force" in proc.stderr
    assert ollama.installed_names() == ["llama3.2:3b"]
    forced = run_promptls("models", "rm", "ollama/llama3.2:3b", "--force", cwd=project, env=env)
    assert forced.returncode == 0 and "✓ removed ollama/llama3.2:3b" in forced.stdout
    assert "2 prompt(s) still name ollama/llama3.2:3b" in forced.stderr
    assert ollama.installed_names() == []


def test_rm_a_model_no_prompt_uses_and_then_one_not_installed(
    run_promptls: RunPromptls, project: Path, ollama: OllamaModelsServer
) -> None:
    env = _env(ollama)
    run_promptls("models", "list", "--provider", "ollama", cwd=project, env=env)  # cached
    proc = run_promptls("models", "rm", "ollama/llama3.2:3b", cwd=project, env=env)
    assert proc.returncode == 0 and "✓ removed ollama/llama3.2:3b" in proc.stdout
    listed = run_promptls("models", "list", "--provider", "ollama", cwd=project, env=env)
    assert "llama3.2:3b" not in listed.stdout.split("✓ ollama")[0]  # the removal forgot the cached list
    again = run_promptls("models", "rm", "ollama/llama3.2:3b", cwd=project, env=env)
    assert again.returncode == 1 and "not found" in again.stderr


def test_load_and_unload(run_promptls: RunPromptls, project: Path, ollama: OllamaModelsServer) -> None:
    env = _env(ollama)
    proc = run_promptls("models", "load", "ollama/llama3.2:3b", "--keep-alive", "30m", cwd=project, env=env)
    assert proc.returncode == 0 and "✓ loaded ollama/llama3.2:3b (keep_alive 30m)" in proc.stdout
    assert ollama.loaded_names() == ["llama3.2:3b"] and ollama.requests[-1].body["keep_alive"] == "30m"
    status = run_promptls("models", "status", "ollama/llama3.2:3b", cwd=project, env=env)
    assert status.stdout.startswith("✓ ollama/llama3.2:3b: loaded")
    proc = run_promptls("models", "unload", "ollama/llama3.2:3b", cwd=project, env=env)
    assert (
        proc.returncode == 0 and ollama.loaded_names() == [] and ollama.requests[-1].body["keep_alive"] == 0
    )
    missing = run_promptls("models", "load", "ollama/mistral:7b", cwd=project, env=env)
    assert missing.returncode == 1 and "ollama pull mistral:7b" in missing.stderr


def test_ollama_not_running(run_promptls: RunPromptls, project: Path) -> None:
    proc = run_promptls(
        "models", "unload", "ollama/llama3.2:3b", cwd=project, env={"OLLAMA_HOST": "http://127.0.0.1:9"}
    )
    assert proc.returncode == 1 and "Ollama is not running at http://127.0.0.1:9" in proc.stderr


if sys.platform != "linux":  # the terminal tests use Linux's pty and TIOCSCTTY
    pytestmark = pytest.mark.skip("Linux only")


def test_check_says_a_model_is_not_installed_once_the_list_is_cached_and_pull_clears_it(
    run_promptls: RunPromptls, project: Path, ollama: OllamaModelsServer
) -> None:
    _prompt(project, "ollama/gemma3:270m", fallback="ollama/llama3.2:3b")
    env = _env(ollama)
    quiet = run_promptls("check", ".", cwd=project, env=env)
    assert "PLS210" not in quiet.stdout  # nothing cached: nothing known, nothing said
    assert not ollama.requests  # check never asks Ollama
    run_promptls("models", "list", "--provider", "ollama", cwd=project, env=env)
    found = run_promptls("check", ".", cwd=project, env=env)
    assert (
        "prompts/hello.md:2:8: PLS210 `ollama/gemma3:270m` is not installed on this machine: "
        "`promptls models pull ollama/gemma3:270m` gets it"
    ) in found.stdout
    assert found.stdout.count("PLS210") == 1  # llama3.2:3b, the fallback, is installed
    run_promptls("models", "pull", "ollama/gemma3:270m", cwd=project, env=env)
    run_promptls("models", "list", "--provider", "ollama", cwd=project, env=env)
    assert "PLS210" not in run_promptls("check", ".", cwd=project, env=env).stdout
