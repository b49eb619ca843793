"""The proxy's decisions in the core (router/proxy): which model answers a requested id, which agent file
a sub-agent's request comes from, which client sent it. Plain functions over settings files written to
a temporary project; no server."""

from __future__ import annotations

from pathlib import Path

import pytest
from promptls.router.models.catalog import load_catalog
from promptls.router.models.modelid import latest_claude
from promptls.router.prompts.dialects import Dialect
from promptls.router.prompts.frontmatter import parse_prompt
from promptls.router.proxy.agents import PREFIX_CHARS, AgentIndex, subagent_signal
from promptls.router.proxy.clients import client_name
from promptls.router.proxy.routing import route
from promptls.router.settings import SettingsLoader

CATALOG = load_catalog()

SETTINGS = """\
[defaults]
fallback = ["openai/gpt-4o-mini"]

[proxy]
fallback = ["openrouter/deepseek/deepseek-chat"]

[proxy.routes]
"claude-*" = "ollama/qwen2.5-coder:7b"
"claude-haiku-*" = "ollama/llama3.2:3b"
"claude-opus-4-8" = "gemini/gemini-2.5-pro"
"gpt-4o" = "nonsense"

[agents.reviewer]
model = "openrouter/anthropic/claude-sonnet-4.5"
fallback = ["ollama/qwen2.5-coder:7b"]
"""


@pytest.fixture
def settings(tmp_path: Path):
    (tmp_path / "promptls.toml").write_text(SETTINGS, encoding="utf-8")
    return SettingsLoader(user_config=str(tmp_path / "no-user-config.toml")).for_directory(str(tmp_path))


# (requested, the model that answers, what decided, its note says)
ROUTES = [
    ("claude-sonnet-4-5-20250929", "ollama/qwen2.5-coder:7b", '[proxy.routes] "claude-*"', "most specific"),
    ("claude-haiku-4-5-20251001", "ollama/llama3.2:3b", '[proxy.routes] "claude-haiku-*"', "most specific"),
    ("claude-opus-4-8", "gemini/gemini-2.5-pro", '[proxy.routes] "claude-opus-4-8"', "most specific"),
    ("haiku", "ollama/llama3.2:3b", '[proxy.routes] "claude-haiku-*"', "`haiku` stands for"),
    ("ollama/phi4", "ollama/phi4", "the request", "a promptls model id"),
    ("anthropic/claude-sonnet-4-5", "anthropic/claude-sonnet-4-5", "the request", "a promptls model id"),
]


@pytest.mark.parametrize(("requested", "model", "decided_by", "note"), ROUTES)
def test_which_model_answers_and_why(settings, requested, model, decided_by, note):
    chosen = route(requested, settings, CATALOG)
    assert str(chosen.model) == model
    step = chosen.decided_by
    assert step is not None and step.label == decided_by
    assert note in (step.note or "")
    if step.source is not None:
        assert step.source.location(settings.root) == f"promptls.toml:{step.source.span.line}"
    # [proxy] fallback, not [defaults]'s (which only `model_fallback = true` would use)
    assert [str(m) for m in chosen.fallback] == ["openrouter/deepseek/deepseek-chat"]


def test_a_route_to_no_usable_model_says_where_it_is_written(settings):
    chosen = route("gpt-4o", settings, CATALOG)
    assert chosen.model is None
    assert chosen.problem.startswith("[proxy.routes] \"gpt-4o\" = 'nonsense' (promptls.toml:11) is no model")


def test_without_routes_claude_ids_go_to_anthropic_and_unknown_ids_are_a_problem(tmp_path):
    settings = SettingsLoader(user_config=str(tmp_path / "none.toml")).for_directory(str(tmp_path))
    passed = route("claude-sonnet-4-5", settings, CATALOG)
    assert str(passed.model) == "anthropic/claude-sonnet-4-5"
    assert "passed to Anthropic" in passed.decided_by.note
    alias = route("sonnet", settings, CATALOG)
    assert alias.model == latest_claude(CATALOG, "sonnet")
    known = route("gpt-4o", settings, CATALOG)
    assert str(known.model) == "openai/gpt-4o"
    unknown = route("my-model", settings, CATALOG)
    assert unknown.model is None and "[proxy.routes]" in unknown.problem


def test_the_profile_then_the_default_model_take_ids_no_route_matches(tmp_path):
    (tmp_path / "promptls.toml").write_text(
        '[defaults]\nmodel = "ollama/llama3.2:3b"\n\n[proxy]\nprofile = "local"\n\n'
        '[profiles.local]\nmodel = "ollama/qwen2.5-coder:7b"\nfallback = ["ollama/phi4"]\n',
        encoding="utf-8",
    )
    loader = SettingsLoader(user_config=str(tmp_path / "none.toml"))
    chosen = route("claude-sonnet-4-5", loader.for_directory(str(tmp_path)), CATALOG)
    assert (str(chosen.model), [str(m) for m in chosen.fallback]) == (
        "ollama/qwen2.5-coder:7b",
        ["ollama/phi4"],
    )
    assert chosen.decided_by.label == "[proxy] profile"
    (tmp_path / "promptls.toml").write_text('[defaults]\nmodel = "ollama/llama3.2:3b"\n', encoding="utf-8")
    loader.invalidate()
    chosen = route("claude-sonnet-4-5", loader.for_directory(str(tmp_path)), CATALOG)
    assert str(chosen.model) == "ollama/llama3.2:3b"
    assert chosen.decided_by.label == "[defaults] model"


def agent(tmp_path: Path, name: str, frontmatter: str, body: str):
    path = tmp_path / ".claude" / "agents" / f"{name}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    text = f"---\nname: {name}\n{frontmatter}---\n{body}"
    path.write_text(text, encoding="utf-8")
    return parse_prompt(str(path), text, Dialect.CLAUDE_AGENT)


def test_a_sub_agent_goes_where_promptls_assigns_its_agent(settings, tmp_path):
    reviewer = agent(tmp_path, "reviewer", "description: Reviews\nmodel: sonnet\n", "You review code.\n")
    chosen = route("claude-sonnet-4-5", settings, CATALOG, reviewer)
    assert str(chosen.model) == "openrouter/anthropic/claude-sonnet-4.5"
    assert [str(m) for m in chosen.fallback] == ["ollama/qwen2.5-coder:7b"]
    assert chosen.agent == "reviewer"
    assert chosen.decided_by.label == "sub-agent `reviewer`"
    assert chosen.decided_by.source.location(settings.root) == "promptls.toml:14"


def test_a_promptls_id_in_the_agent_file_routes_it_and_claude_codes_own_spelling_does_not(settings, tmp_path):
    local = agent(tmp_path, "tester", "description: Tests\nmodel: ollama/phi4\n", "You write tests.\n")
    assert str(route("claude-opus-4-8", settings, CATALOG, local).model) == "ollama/phi4"
    for written in ("sonnet", "claude-sonnet-4-5", "inherit"):
        own = agent(tmp_path, "helper", f"description: Helps\nmodel: {written}\n", "You help.\n")
        chosen = route("claude-haiku-4-5", settings, CATALOG, own)
        assert chosen.agent is None
        assert str(chosen.model) == "ollama/llama3.2:3b"  # the route of the id it sent
        assert "the normal route" in chosen.steps[0].note


# ---- which agent file ------------------------------------------------------------------------------


def claude_code_system(body_text: str) -> list[dict]:
    return [
        {"type": "text", "text": "x-anthropic-billing-header: cc_version=2.1.332; cc_is_subagent=true"},
        {"type": "text", "text": "You are a Claude agent, built on Anthropic's Claude Agent SDK."},
        {"type": "text", "text": body_text + "\n\nNotes:\n- Agent threads always have their cwd reset."},
    ]


def test_the_agent_is_found_by_the_start_of_its_body_whatever_the_white_space():
    long_body = "You are the architect.\n" + "Consider every module carefully. " * 40
    index = AgentIndex.of(
        [
            ("reviewer", "/p/reviewer.md", "You review code.\r\n\r\n  Be strict about tests.\n"),
            ("reviewer-lite", "/p/lite.md", "You review code."),
            ("architect", "/p/architect.md", long_body),
        ]
    )
    assert len(long_body) > 2 * PREFIX_CHARS
    signal = subagent_signal({"system": claude_code_system("You review code.\n\nBe strict about tests.")}, {})
    assert signal.marked and index.match(signal.texts).name == "reviewer"
    signal = subagent_signal({"system": claude_code_system("You review code.\nBe lenient.")}, {})
    assert index.match(signal.texts).name == "reviewer-lite"
    signal = subagent_signal({"system": claude_code_system(long_body.replace(" ", "  "))}, {})
    assert index.match(signal.texts).name == "architect"
    signal = subagent_signal({"system": claude_code_system("You are someone else entirely.")}, {})
    assert index.match(signal.texts) is None


def test_only_a_marked_request_is_a_sub_agents():
    main = {"system": [{"type": "text", "text": "x-anthropic-billing-header: cc_version=2.1"}]}
    assert not subagent_signal(main, {}).marked
    assert subagent_signal(main, {"x-claude-code-agent-id": "a1"}).agent_id == "a1"
    assert subagent_signal({"system": "plain text, cc_is_subagent=true"}, {}).marked


@pytest.mark.parametrize(
    ("user_agent", "name"),
    [
        ("claude-cli/2.1.332 (external, sdk-cli)", "Claude Code"),
        ("Anthropic/Python 2.17.0", "Anthropic Python SDK"),
        ("OpenAI/Python 3.63.0", "OpenAI Python SDK"),
        ("curl/8.14.1", "curl"),
        ("MyTool/1.0 (linux)", "MyTool/1.0"),
        (None, "unknown"),
    ],
)
def test_the_client_is_named_from_its_user_agent(user_agent, name):
    assert client_name(user_agent) == name
