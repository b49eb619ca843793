"""What the proxy reads from disk while it runs: the agent files (the project's, the user's, the user's
plugins') and the settings, each seen again when it changes."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from promptls.adapters.errors import MissingKey

from promptls.proxy.agents import AgentFiles
from promptls.proxy.state import KEY_TTL, ProxyState


def write(path: Path, text: str, stamp: int | None = None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    if stamp is not None:  # a change the clock's resolution could not tell from the last one
        os.utime(path, ns=(stamp, stamp))


def agent(name: str, body: str, model: str | None = None) -> str:
    return (
        f"---\nname: {name}\ndescription: {name}\n"
        + (f"model: {model}\n" if model else "")
        + f"---\n{body}\n"
    )


def test_the_agents_of_the_project_the_user_and_the_users_plugins(tmp_path: Path):
    project, home = tmp_path / "project", tmp_path / "home" / ".claude"
    (project / ".git").mkdir(parents=True)
    write(project / ".claude" / "agents" / "reviewer.md", agent("reviewer", "You review."))
    write(project / "services" / "api" / ".claude" / "agents" / "api-expert.md", agent("api-expert", "APIs."))
    write(project / "docs" / "agents" / "notes.md", "# Notes about agents, no agent file\n")
    write(home / "agents" / "helper.md", agent("helper", "You help."))
    plugin = home / "plugins" / "marketplaces" / "tools" / "plugins" / "linting"
    write(plugin / ".claude-plugin" / "plugin.json", '{"name": "linting"}')
    write(plugin / "agents" / "linter.md", agent("linter", "You lint."))
    files = AgentFiles(str(project), str(home))
    assert [p.name for p in files.all()] == ["api-expert", "helper", "linter", "reviewer"]
    assert files.match(["You lint.\n\nMore instructions."]).name == "linter"


def test_an_edited_agent_file_is_matched_by_its_new_body(tmp_path: Path):
    path = tmp_path / ".claude" / "agents" / "reviewer.md"
    write(path, agent("reviewer", "You review Python."), stamp=1_000_000_000)
    files = AgentFiles(str(tmp_path), str(tmp_path / "no-home"), check_every=0)
    assert files.match(["You review Python."]).name == "reviewer"
    write(path, agent("reviewer", "You review Rust."), stamp=2_000_000_000)
    assert files.match(["You review Python."]) is None
    assert files.match(["You review Rust."]).name == "reviewer"
    write(path.with_name("tester.md"), agent("tester", "You test."))  # a new file in a watched folder
    assert files.match(["You test."]).name == "tester"


def test_changed_settings_change_the_route(tmp_path: Path):
    settings = tmp_path / "promptls.toml"
    write(settings, '[proxy.routes]\n"claude-*" = "ollama/llama3.2:3b"\n', stamp=1_000_000_000)
    state = ProxyState(str(tmp_path), {}, AgentFiles(str(tmp_path), str(tmp_path / "h")), check_every=0)
    assert str(state.decide_for("claude-opus-4-8").route.model) == "ollama/llama3.2:3b"
    write(settings, '[proxy.routes]\n"claude-*" = "ollama/qwen2.5-coder"\n', stamp=2_000_000_000)
    assert str(state.decide_for("claude-opus-4-8").route.model) == "ollama/qwen2.5-coder"
    write(tmp_path / "promptls.local.toml", '[proxy.routes]\n"claude-opus-*" = "ollama/phi4"\n')
    assert str(state.decide_for("claude-opus-4-8").route.model) == "ollama/phi4"


def test_an_agent_assigned_in_settings_routes_once_the_settings_say_so(tmp_path: Path):
    write(tmp_path / ".claude" / "agents" / "reviewer.md", agent("reviewer", "You review.", "sonnet"))
    settings = tmp_path / "promptls.toml"
    write(settings, '[proxy.routes]\n"claude-*" = "ollama/llama3.2:3b"\n', stamp=1_000_000_000)
    state = ProxyState(str(tmp_path), {}, AgentFiles(str(tmp_path), str(tmp_path / "h")), check_every=0)
    body = {
        "model": "claude-sonnet-4-5",
        "system": [
            {"type": "text", "text": "cc_is_subagent=true"},
            {"type": "text", "text": "x"},
            {"type": "text", "text": "You review."},
        ],
    }
    assert str(state.decide(body, {}).route.model) == "ollama/llama3.2:3b"  # its own `sonnet`
    write(
        settings, settings.read_text() + '\n[agents.reviewer]\nmodel = "ollama/phi4"\n', stamp=2_000_000_000
    )
    decided = state.decide(body, {})
    assert (str(decided.route.model), decided.route.agent) == ("ollama/phi4", "reviewer")


def test_a_key_is_remembered_for_its_time_to_live_and_a_missing_one_never(tmp_path: Path):
    """The proxy asks the environment (or the OS keyring) for a provider's key at most every
    KEY_TTL seconds; a key set while it runs is used once that time is over, and a key that was
    missing is looked up again at the next request."""
    now = [1000.0]
    write(tmp_path / "promptls.toml", '[proxy.routes]\n"claude-*" = "openai/gpt-4o-mini"\n')
    state = ProxyState(
        str(tmp_path), {}, AgentFiles(str(tmp_path), str(tmp_path / "h")), check_every=0, clock=lambda: now[0]
    )
    call = state.decide_for("claude-opus-4-8").plan.calls[0]
    with pytest.raises(MissingKey):
        state.endpoint(call)
    assert state.cached_endpoint(call) is None
    state.env["OPENAI_API_KEY"] = "sk-first-key-0000"
    assert state.endpoint(call).api_key == "sk-first-key-0000"
    state.env["OPENAI_API_KEY"] = "sk-second-key-1111"
    assert state.endpoint(call).api_key == "sk-first-key-0000"
    assert state.cached_endpoint(call).api_key == "sk-first-key-0000"
    now[0] += KEY_TTL + 1
    assert state.cached_endpoint(call) is None
    assert state.endpoint(call).api_key == "sk-second-key-1111"
