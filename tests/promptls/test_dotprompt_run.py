"""`promptls run` on a Dotprompt `.prompt` file: rendered by Google's dotpromptz (Handlebars, Dotprompt's
`{{role}}` helper), sent over OpenAI's wire protocol on 127.0.0.1."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import RunPromptls
from tests.wire.openai_server import Ok, OpenAIWireServer

PROMPT = """---
model: openai/gpt-4o-mini
config:
  temperature: 0.4
input:
  schema:
    topic: string
    points(array): string
  default:
    style: brief
---
{{role "system"}}
Be {{style}}.
{{role "user"}}
Explain {{topic}}{{#if points}}, covering:{{#each points}}
- {{this}}{{/each}}{{/if}}
"""


def _project(tmp_path: Path, server: OpenAIWireServer) -> Path:
    (tmp_path / "prompts").mkdir()
    (tmp_path / "prompts" / "explain.prompt").write_text(PROMPT, encoding="utf-8")
    (tmp_path / "promptls.toml").write_text(
        f'[providers.openai]\nbase_url = "{server.base_url}"\n', encoding="utf-8"
    )
    return tmp_path


def test_run_sends_the_messages_dotpromptz_renders(run_promptls: RunPromptls, tmp_path: Path) -> None:
    with OpenAIWireServer() as server:
        server.script(Ok(text="Done."))
        project = _project(tmp_path, server)
        result = run_promptls("run", "prompts/explain.prompt", "--var", "topic=monads", cwd=project)
        (request,) = server.requests
    assert result.returncode == 0, result.stderr
    assert result.stdout == "Done.\n"
    assert request.body["model"] == "gpt-4o-mini" and request.body["temperature"] == 0.4
    assert request.body["messages"] == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Explain monads"},
    ]


def test_run_says_which_value_is_missing(run_promptls: RunPromptls, tmp_path: Path) -> None:
    with OpenAIWireServer() as server:
        project = _project(tmp_path, server)
        result = run_promptls("run", "prompts/explain.prompt", cwd=project)
        assert server.requests == []
    assert result.returncode != 0
    assert "the prompt needs `topic`: give it with --var topic=..." in result.stderr
