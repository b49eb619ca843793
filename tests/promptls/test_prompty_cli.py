"""A Prompty `.prompty` file through the real `promptls` command: check, resolve, and run against
OpenAI's wire protocol on 127.0.0.1, rendered and split into messages by Microsoft's `prompty` package."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import RunPromptls
from tests.wire.openai_server import Ok, OpenAIWireServer

V2 = """---
name: support
description: Answers a customer's question
model:
  id: gpt-4o-mini
  provider: openai
  options:
    temperature: 0.3
    maxOutputTokens: 300
inputs:
  - name: firstName
    kind: string
    default: Jane
  - name: question
    kind: string
---
system:
You are helping {{firstName}}.
{% for item in ["a", "b"] %}- {{item}}
{% endfor %}
user:
{{question}}

assistant:
Happy to help.

user:
Thanks!
"""

V1_AZURE = """---
name: legacy
description: A v1 prompty on an Azure deployment
authors: [someone]
model:
  api: chat
  configuration:
    type: azure_openai
    azure_endpoint: ${env:AZURE_OPENAI_ENDPOINT}
    azure_deployment: prod-chat
  parameters:
    max_tokens: 200
sample:
  question: Where is my order?
template: jinja2
---
system:
Be brief.

user:
{{question}}
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "prompts").mkdir()
    (tmp_path / "prompts" / "support.prompty").write_text(V2, encoding="utf-8")
    (tmp_path / "prompts" / "legacy.prompty").write_text(V1_AZURE, encoding="utf-8")
    return tmp_path


def test_check_reads_both_schemas_and_says_what_it_cannot_know(
    run_promptls: RunPromptls, project: Path
) -> None:
    result = run_promptls("check", "prompts", "--output-format", "json", cwd=project)
    assert result.returncode == 0, result.stderr
    findings = json.loads(result.stdout)
    findings = findings if isinstance(findings, list) else findings["findings"]
    assert [(Path(f["path"]).name, f["code"], f["severity"]) for f in findings] == [
        ("legacy.prompty", "PLS209", "info")
    ]


def test_check_reports_a_nested_typo_at_its_line(run_promptls: RunPromptls, project: Path) -> None:
    (project / "prompts" / "support.prompty").write_text(
        V2.replace("maxOutputTokens: 300", "maxTokens: 300"), encoding="utf-8"
    )
    result = run_promptls("check", "prompts/support.prompty", cwd=project)
    assert result.returncode == 0  # a warning
    assert (
        "prompts/support.prompty:9:5: PLS110 [*] unknown key `maxTokens` in `model.options`; "
        "did you mean `maxOutputTokens`?" in result.stdout
    )


def test_resolve_explains_the_model_and_its_options(run_promptls: RunPromptls, project: Path) -> None:
    result = run_promptls("resolve", "prompts/support.prompty", cwd=project)
    assert result.returncode == 0, result.stderr
    assert "model: openai/gpt-4o-mini" in result.stdout
    assert "prompts/support.prompty:5 (frontmatter) model.id = openai/gpt-4o-mini" in result.stdout
    assert "temperature = 0.3  from prompts/support.prompty:8 (frontmatter) model.options.temperature" in (
        result.stdout
    )
    assert "max_tokens = 300  from prompts/support.prompty:9 (frontmatter) model.options.maxOutputTokens" in (
        result.stdout
    )


def test_resolve_shows_an_azure_deployment_deferring_to_the_default(
    run_promptls: RunPromptls, project: Path
) -> None:
    (project / "promptls.toml").write_text('[defaults]\nmodel = "openai/gpt-4o"\n', encoding="utf-8")
    result = run_promptls("resolve", "prompts/legacy.prompty", cwd=project)
    assert result.returncode == 0, result.stderr
    assert "model: openai/gpt-4o" in result.stdout
    assert "model.configuration.azure_deployment = prod-chat" in result.stdout
    assert "max_tokens = 200  from prompts/legacy.prompty:12 (frontmatter) model.parameters.max_tokens" in (
        result.stdout
    )


def _settings(project: Path, server: OpenAIWireServer) -> None:
    (project / "promptls.toml").write_text(
        f'[providers.openai]\nbase_url = "{server.base_url}"\n[defaults]\nmodel = "openai/gpt-4o"\n',
        encoding="utf-8",
    )


def test_run_sends_the_messages_prompty_renders(run_promptls: RunPromptls, project: Path) -> None:
    with OpenAIWireServer() as server:
        server.script(Ok(text="Here you go."))
        _settings(project, server)
        result = run_promptls(
            "run", "prompts/support.prompty", "--var", "question=Where is my order?", cwd=project
        )
        (request,) = server.requests
    assert result.returncode == 0, result.stderr
    assert result.stdout == "Here you go.\n"
    assert request.body["model"] == "gpt-4o-mini"
    assert request.body["temperature"] == 0.3
    assert request.body["messages"] == [
        {"role": "system", "content": "You are helping Jane.\n- a\n- b"},
        {"role": "user", "content": "Where is my order?"},
        {"role": "assistant", "content": "Happy to help."},
        {"role": "user", "content": "Thanks!"},
    ]


def test_run_takes_inputs_from_a_v1_sample(run_promptls: RunPromptls, project: Path) -> None:
    with OpenAIWireServer() as server:
        server.script(Ok(text="On its way."))
        _settings(project, server)
        result = run_promptls("run", "prompts/legacy.prompty", cwd=project)
        (request,) = server.requests
    assert result.returncode == 0, result.stderr
    assert request.body["model"] == "gpt-4o"  # the deployment names no model: the default runs
    assert request.body["messages"] == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Where is my order?"},
    ]


def test_run_says_which_input_is_missing(run_promptls: RunPromptls, project: Path) -> None:
    with OpenAIWireServer() as server:
        _settings(project, server)
        result = run_promptls("run", "prompts/support.prompty", cwd=project)
        assert server.requests == []
    assert result.returncode != 0
    assert "the prompt needs `question`: give it with --var question=..." in result.stderr
