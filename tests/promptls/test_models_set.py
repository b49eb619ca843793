"""`promptls models set PROMPT MODEL` (the editor's pin, from the shell) and `promptls config` (the
merged settings with each value's source), the real command on real files."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import RunPromptls


def _prompt(project: Path, rel: str, frontmatter: str) -> None:
    path = project / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"---\n{frontmatter}\n---\nBody.\n")


def test_set_writes_the_prompts_table_and_resolution_follows(
    run_promptls: RunPromptls, tmp_path: Path
) -> None:
    (tmp_path / "promptls.toml").write_text('# our settings\n[defaults]\nmodel = "openai/gpt-4o"\n')
    _prompt(tmp_path, "prompts/a.md", "temperature: 0.2")
    _prompt(tmp_path, ".claude/agents/reviewer.md", "name: reviewer\ndescription: Reviews\nmodel: sonnet")
    proc = run_promptls("models", "set", "prompts/a.md", "ollama/llama3.2:3b", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == [
        "✓ Pin ollama/llama3.2:3b for prompt prompts/a.md in promptls.toml",
        "  prompts/a.md now runs on ollama/llama3.2:3b (promptls.toml:6)",
    ]
    proc = run_promptls(
        "models", "set", ".claude/agents/reviewer.md", "openrouter/deepseek/deepseek-chat", cwd=tmp_path
    )
    assert proc.returncode == 0, proc.stderr
    text = (tmp_path / "promptls.toml").read_text()
    assert text.startswith('# our settings\n[defaults]\nmodel = "openai/gpt-4o"\n')  # kept as written
    assert '[prompts."prompts/a.md"]\nmodel = "ollama/llama3.2:3b"\n' in text
    assert '[agents.reviewer]\nmodel = "openrouter/deepseek/deepseek-chat"\n' in text
    resolved = json.loads(
        run_promptls("resolve", ".claude/agents/reviewer.md", "--json", cwd=tmp_path).stdout
    )
    assert resolved["model"] == "openrouter/deepseek/deepseek-chat"
    again = run_promptls("models", "set", "prompts/a.md", "ollama/qwen2.5-coder:7b", cwd=tmp_path)
    assert again.returncode == 0
    assert (tmp_path / "promptls.toml").read_text().count("[prompts.") == 1  # the value replaced


def test_set_makes_the_file_when_there_is_none_and_refuses_an_alias(
    run_promptls: RunPromptls, tmp_path: Path
) -> None:
    (tmp_path / ".git").mkdir()
    _prompt(tmp_path, "prompts/a.md", "temperature: 0.2")
    proc = run_promptls("models", "set", "prompts/a.md", "ollama/llama3.2:3b", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert (
        tmp_path / "promptls.toml"
    ).read_text() == '[prompts."prompts/a.md"]\nmodel = "ollama/llama3.2:3b"\n'
    proc = run_promptls("models", "set", "prompts/a.md", "sonnet", cwd=tmp_path)
    assert proc.returncode == 2 and "`sonnet` is not a model id" in proc.stderr
    proc = run_promptls("models", "set", "prompts/missing.md", "openai/gpt-4o", cwd=tmp_path)
    assert proc.returncode == 2 and "no such file" in proc.stderr


def test_config_shows_each_value_with_its_source_and_what_it_overrides(
    run_promptls: RunPromptls, tmp_path: Path, isolated_user_config: Path
) -> None:
    user = isolated_user_config / "promptls" / "config.toml"
    user.parent.mkdir(parents=True, exist_ok=True)
    user.write_text('[defaults]\nmodel = "anthropic/claude-haiku-4-5"\n')
    (tmp_path / "promptls.toml").write_text(
        '[defaults]\nmodel = "openai/gpt-4o"\n\n[profiles.local-coder]\nlocal = "fit"\n'
        '\n[providers.lmstudio]\nbase_url = "http://127.0.0.1:1234/v1"\n'
    )
    (tmp_path / "promptls.local.toml").write_text('[defaults]\nmodel = "ollama/llama3.2:3b"\n')
    proc = run_promptls("config", cwd=tmp_path, env={"PROMPTLS_CONFIG": str(user)})
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[:4] == [
        "[defaults]",
        'model = "ollama/llama3.2:3b"  # promptls.local.toml:2',
        '    overrides "openai/gpt-4o" from promptls.toml:2',
        f'    overrides "anthropic/claude-haiku-4-5" from {user}:2',
    ]
    assert "[profiles.local-coder]" in lines and 'local = "fit"  # promptls.toml:5' in lines
    assert 'base_url = "http://127.0.0.1:1234/v1"  # promptls.toml:8' in lines
    rows = json.loads(
        run_promptls("config", "--json", cwd=tmp_path, env={"PROMPTLS_CONFIG": str(user)}).stdout
    )
    model = next(row for row in rows if row["key"] == "defaults.model")
    assert model["value"] == "ollama/llama3.2:3b" and len(model["overrides"]) == 2


def test_config_of_a_project_without_settings(run_promptls: RunPromptls, tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    proc = run_promptls("config", cwd=tmp_path)
    assert proc.returncode == 0 and "No settings" in proc.stdout
