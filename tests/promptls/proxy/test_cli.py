"""`promptls proxy env`, `proxy routes`, the request log and the refusals, as a user sees them in the
shell (the real command in a subprocess)."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import anthropic

from tests.conftest import ROOT
from tests.promptls.proxy.conftest import CLIENT_KEY
from tests.wire.openai_server import Ok


def test_env_prints_what_clients_need_for_each_shell(project: Path, run_promptls):
    bash = run_promptls("proxy", "env", "--port", "9123", cwd=project)
    assert bash.returncode == 0
    assert bash.stdout.splitlines() == [
        "export ANTHROPIC_BASE_URL=http://127.0.0.1:9123",
        "export ANTHROPIC_AUTH_TOKEN=promptls",
        "export DISABLE_TELEMETRY=1",
        "export CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1",
        "export DISABLE_AUTOUPDATER=1",
        "export DISABLE_ERROR_REPORTING=1",
        "export OPENAI_BASE_URL=http://127.0.0.1:9123/v1",
        "export OPENAI_API_KEY=promptls",
    ]
    fish = run_promptls("proxy", "env", "--shell", "fish", cwd=project).stdout
    assert "set -gx ANTHROPIC_BASE_URL http://127.0.0.1:8719\n" in fish  # the default port
    # with a token, the variables refer to it: its value is never printed
    token = {"PROMPTLS_PROXY_TOKEN": "secret-token-value-1"}
    powershell = run_promptls("proxy", "env", "--shell", "powershell", cwd=project, env=token).stdout
    assert "$env:ANTHROPIC_AUTH_TOKEN = $env:PROMPTLS_PROXY_TOKEN" in powershell
    assert (
        'export OPENAI_API_KEY="${PROMPTLS_PROXY_TOKEN}"'
        in run_promptls("proxy", "env", cwd=project, env=token).stdout
    )
    assert "secret-token-value-1" not in powershell


def test_the_port_comes_from_the_settings(project: Path, run_promptls):
    with (project / "promptls.toml").open("a") as settings:
        settings.write("\n[proxy]\nport = 9555\n")
    result = run_promptls("proxy", "env", cwd=project)
    assert "ANTHROPIC_BASE_URL=http://127.0.0.1:9555\n" in result.stdout


def test_routes_say_which_model_answers_and_why(project: Path, run_promptls):
    result = run_promptls("proxy", "routes", cwd=project, env={"NO_COLOR": "1"})
    assert result.returncode == 0, result.stderr
    lines = [line.split() for line in result.stdout.splitlines()]
    assert [
        "claude-*",
        "→",
        "alpha/main-model",
        "[proxy.routes]",
        '"claude-*"',
        "(promptls.toml:13)",
    ] in lines
    haiku = next(line for line in lines if line[:1] == ["claude-haiku-*"])
    assert haiku[:3] == ["claude-haiku-*", "→", "alpha/small-model"]
    reviewer = next(line for line in lines if line[:1] == ["reviewer"])
    assert reviewer[:5] == ["reviewer", "→", "beta/reviewer-model", "sub-agent", "`reviewer`"]
    assert "(promptls.toml:17):" in reviewer
    data = json.loads(run_promptls("proxy", "routes", "--json", cwd=project).stdout)
    by_asked = {row["asked"]: row for row in data}
    assert by_asked["reviewer"]["model"] == "beta/reviewer-model"
    assert by_asked["reviewer"]["agent_file"].endswith(".claude/agents/reviewer.md")
    assert by_asked["claude-*"]["steps"][0]["location"] == "promptls.toml:13"


def test_another_host_needs_a_token(project: Path, run_promptls):
    result = run_promptls("proxy", "--host", "0.0.0.0", cwd=project)
    assert result.returncode == 2
    assert "--host 0.0.0.0 lets other machines in: set a token in PROMPTLS_PROXY_TOKEN" in result.stderr


def test_a_port_in_use_is_said_so(project: Path, run_promptls):
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = str(taken.getsockname()[1])
        result = run_promptls("proxy", "--port", port, cwd=project)
    assert result.returncode == 2
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr


def ask(proxy, text: str = "Hi") -> None:
    client = anthropic.Anthropic(base_url=proxy.url, api_key=CLIENT_KEY, max_retries=0)
    client.messages.create(
        model="claude-opus-4-8", max_tokens=10, messages=[{"role": "user", "content": text}]
    )


def test_claude_codes_pre_connect_and_the_health_check(proxy):
    head = urllib.request.Request(f"{proxy.url}/", method="HEAD")
    with urllib.request.urlopen(head, timeout=10) as response:
        assert response.status == 200
    with urllib.request.urlopen(f"{proxy.url}/healthz", timeout=10) as response:
        assert json.load(response) == {"status": "ok"}


def test_a_body_that_is_no_json_object_is_a_400_in_the_clients_shape(proxy):
    for path, shape in (("/v1/messages", "anthropic"), ("/v1/chat/completions", "openai")):
        request = urllib.request.Request(f"{proxy.url}{path}", data=b"[1, 2", method="POST")
        try:
            urllib.request.urlopen(request, timeout=10)
            raise AssertionError("accepted")
        except urllib.error.HTTPError as error:
            assert error.code == 400
            body = json.load(error)
        error = body["error"]
        assert error["type"] == "invalid_request_error" and "JSON object" in error["message"]
        assert (body.get("type") == "error") == (shape == "anthropic")


def test_the_request_log_as_text_as_json_and_quiet(project: Path, start_proxy, upstreams):
    upstreams.alpha.script(Ok("One.", prompt_tokens=30, completion_tokens=2))
    text = start_proxy(project)
    assert "listening on http://127.0.0.1:" in text.banner
    ask(text)
    [line] = [line for line in text.stop().splitlines() if "POST /v1/messages" in line]
    assert line.startswith("promptls proxy: POST /v1/messages claude-opus-4-8 → alpha/main-model 200")
    assert line.endswith("Anthropic Python SDK")
    assert "30 in, 2 out" in line

    as_json = start_proxy(project, "--log-format", "json")
    ask(as_json)
    [record] = [json.loads(line) for line in as_json.stop().splitlines() if line.startswith("{")]
    assert record["requested_model"] == "claude-opus-4-8" and record["model"] == "alpha/main-model"
    assert (record["status"], record["client"], record["input_tokens"], record["stream"]) == (
        200,
        "Anthropic Python SDK",
        11,
        False,
    )
    assert record["latency_ms"] > 0

    quiet = start_proxy(project, "--quiet")
    ask(quiet)
    assert quiet.stop() == ""


def test_bodies_are_logged_only_when_asked_and_keys_never(project: Path, start_proxy):
    plain = start_proxy(project)
    ask(plain, "a private question")
    assert "a private question" not in plain.stop()
    bodies = start_proxy(project, "--log-bodies")
    ask(bodies, "a question with sk-proj-abcdefghijklmnop1234 in it")
    log = bodies.stop()
    assert "a question with [redacted] in it" in log
    assert '"authorization": "[redacted]"' in log  # the SDK 2.x sends its key as a bearer token
    assert CLIENT_KEY not in log and "sk-proj-abcdefghijklmnop1234" not in log


def test_only_the_proxy_imports_the_server():
    """`promptls check`, `resolve`, `proxy env` and `proxy routes` start without Starlette or uvicorn."""
    for argv in (
        ["resolve", "examples/.claude/agents/code-reviewer.md"],
        ["proxy", "env"],
        ["proxy", "routes", "--json"],
    ):
        proc = subprocess.run(
            [sys.executable, "-X", "importtime", "-m", "promptls", *argv],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
        loaded = {line.split("|")[-1].strip() for line in proc.stderr.splitlines() if "|" in line}
        assert not {name for name in loaded if name.split(".")[0] in ("starlette", "uvicorn", "uvloop")}, argv


def test_routes_say_when_a_route_leads_nowhere(tmp_path: Path, run_promptls):
    (tmp_path / "promptls.toml").write_text('[proxy.routes]\n"claude-*" = "opnai/gpt-4o"\n', encoding="utf-8")
    result = run_promptls("proxy", "routes", cwd=tmp_path, env={"NO_COLOR": "1"})
    assert result.returncode == 1
    first = result.stdout.splitlines()[1].split(maxsplit=3)
    assert first[:3] == ["claude-*", "→", "no"]
    assert first[3].endswith(
        """[proxy.routes] "claude-*" = 'opnai/gpt-4o' (promptls.toml:2) is no model promptls can call"""
    )
