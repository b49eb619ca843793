"""The real Claude Code CLI (npm `@anthropic-ai/claude-code`, installed by ./scripts/setup into
tests/promptls/proxy/clients) in `-p` mode, started by `promptls proxy run -- claude ...` with
OpenAI-compatible wire servers behind the proxy: a plain prompt, a Bash tool round trip, and a sub-agent
whose requests reach the model its agent file is assigned, on another upstream. Asserted: what Claude
Code prints, what each upstream received, and what the ledger recorded.

Claude Code runs with a throw-away HOME (no login, no ~/.claude.json) and the proxy's variables only;
it fails, never skips, when it is not installed. TESTING.md "Claude Code, as a real client".
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.conftest import PROMPTLS, assert_no_canary, run_promptls_command
from tests.promptls.proxy.conftest import REVIEWER_BODY, Upstreams
from tests.wire.openai_server import Ok, ToolCall

CLIENTS = Path(__file__).resolve().parent / "clients"
CLAUDE = CLIENTS / "node_modules" / ".bin" / "claude"
SETUP_HINT = "run ./scripts/setup (it runs `npm ci` in tests/promptls/proxy/clients)"


def run_claude(project: Path, prompt: str, *flags: str) -> subprocess.CompletedProcess[str]:
    """`promptls proxy run -- claude -p PROMPT` in `project`: Claude Code's stdout, and the proxy's
    request log on stderr."""
    if not CLAUDE.exists():
        pytest.fail(f"Claude Code is not installed in {CLIENTS}: {SETUP_HINT}")
    home = project.parent / "claude-home"
    home.mkdir(exist_ok=True)
    env = {
        **os.environ,
        "HOME": str(home),
        "TERM": "dumb",
        "PROMPTLS_RETRIES": "0",
        "IS_SANDBOX": "1",  # --dangerously-skip-permissions as root
    }
    for name in ("CLAUDE_CONFIG_DIR", "ANTHROPIC_BASE_URL", "ANTHROPIC_AUTH_TOKEN", "ANTHROPIC_MODEL"):
        env.pop(name, None)
    argv = [*PROMPTLS, "proxy", "run", "--", str(CLAUDE), "-p", prompt, *flags]
    proc = subprocess.run(
        argv, cwd=project, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=180
    )
    assert "Traceback" not in proc.stderr, proc.stderr
    assert_no_canary(proc.stdout + proc.stderr)
    return proc


def chat_requests(server) -> list[dict]:
    return [r.body for r in server.requests if r.path.endswith("/chat/completions")]


def system_text(body: dict) -> str:
    return "\n".join(m["content"] for m in body["messages"] if m["role"] == "system" and m["content"])


def costs(project: Path, by: str) -> dict[str, dict]:
    result = run_promptls_command("costs", "--by", by, "--json", cwd=project)
    assert result.returncode == 0, result.stderr
    return {row[by]: row for row in json.loads(result.stdout)["rows"]}


def test_a_plain_prompt(project: Path, upstreams: Upstreams):
    upstreams.alpha.script(Ok("Hello through promptls.", prompt_tokens=1200, completion_tokens=6))
    result = run_claude(project, "say hi")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "Hello through promptls."
    [body] = chat_requests(upstreams.alpha)
    assert body["model"] == "main-model"
    assert body["stream"] is True
    assert "Claude" in system_text(body)
    # Claude Code's own accounting line stays with Anthropic; its token never leaves the proxy
    assert "x-anthropic-billing-header" not in json.dumps(body)
    assert all("promptls" not in (r.headers.get("authorization") or "") for r in upstreams.alpha.requests)
    assert upstreams.beta.requests == [] and upstreams.claude.requests == []
    assert "→ alpha/main-model 200 stream 1,200 in, 6 out" in result.stderr
    assert costs(project, "client")["Claude Code"]["runs"] == 1


def test_a_bash_tool_round_trip(project: Path, upstreams: Upstreams):
    command = json.dumps({"command": "echo proxied-$((6*7))", "description": "Print a number"})
    upstreams.alpha.script(
        Ok("", tool_calls=(ToolCall("call_bash_1", "Bash", command),), finish_reason="tool_calls"),
        Ok("The command printed proxied-42."),
    )
    result = run_claude(project, "run the echo", "--dangerously-skip-permissions")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "The command printed proxied-42."
    first, second = chat_requests(upstreams.alpha)
    assert "Bash" in {tool["function"]["name"] for tool in first["tools"]}
    call, answer = second["messages"][-2:]
    assert call["tool_calls"][0]["id"] == "call_bash_1"
    assert json.loads(call["tool_calls"][0]["function"]["arguments"])["command"] == "echo proxied-$((6*7))"
    assert answer == {"role": "tool", "tool_call_id": "call_bash_1", "content": "proxied-42"}


def test_a_sub_agent_reaches_the_model_its_agent_is_assigned(project: Path, upstreams: Upstreams):
    launch = json.dumps(
        {
            "description": "Review the change",
            "prompt": "Review the change in main.py",
            "subagent_type": "reviewer",
            "run_in_background": False,
        }
    )
    upstreams.alpha.script(
        Ok("", tool_calls=(ToolCall("call_agent_1", "Agent", launch),), finish_reason="tool_calls"),
        Ok("The reviewer says: LGTM from beta."),
    )
    upstreams.beta.script(Ok("LGTM from beta."))
    result = run_claude(project, "get the change reviewed", "--dangerously-skip-permissions")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "The reviewer says: LGTM from beta."
    [sub] = chat_requests(upstreams.beta)
    assert sub["model"] == "reviewer-model"
    assert REVIEWER_BODY.split("\n")[0] in system_text(sub)
    assert any("Review the change in main.py" in json.dumps(m) for m in sub["messages"])
    main = chat_requests(upstreams.alpha)
    assert [body["model"] for body in main] == ["main-model", "main-model"]
    answer = main[1]["messages"][-1]
    assert answer["role"] == "tool" and answer["tool_call_id"] == "call_agent_1"
    assert "LGTM from beta." in answer["content"]
    assert "→ beta/reviewer-model (agent reviewer) 200 stream" in result.stderr
    by_agent = costs(project, "agent")
    assert by_agent["reviewer"]["runs"] == 1 and by_agent["(no agent)"]["runs"] == 2


def test_proxy_run_passes_the_exit_status_and_sets_the_variables(project: Path):
    script = (
        "import os, sys, urllib.request\n"
        "base = os.environ['ANTHROPIC_BASE_URL']\n"
        "print(urllib.request.urlopen(base + '/healthz').read().decode())\n"
        "print(os.environ['OPENAI_BASE_URL'] == base + '/v1', os.environ['DISABLE_TELEMETRY'])\n"
        "print('ANTHROPIC_API_KEY' in os.environ)\n"
        "sys.exit(3)\n"
    )
    result = run_promptls_command("proxy", "run", "--", *PROMPTLS[:1], "-c", script, cwd=project)
    assert result.returncode == 3
    assert result.stdout.splitlines() == ['{"status":"ok"}', "True 1", "False"]
    missing = run_promptls_command("proxy", "run", "--", "no-such-command-here", cwd=project)
    assert missing.returncode == 127
    assert "no-such-command-here: command not found" in missing.stderr
