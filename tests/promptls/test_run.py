"""`promptls run` end to end: the real command, the real SDKs, providers' wire protocols on 127.0.0.1.

What a user sees (the answer on stdout, status lines on stderr, the exit code) and what the ledger
holds, for a good run, retries, fallback, a stream that breaks off, and every model failing.
"""

from __future__ import annotations

import json
from pathlib import Path
from subprocess import CompletedProcess

import pytest

from tests.conftest import CANARY_KEYS, RunPromptls, read_ledger
from tests.wire.ollama_server import Ok as OllamaOk
from tests.wire.ollama_server import OllamaWireServer
from tests.wire.openai_server import Fail, HtmlOk, KeepAlive, Ok, OpenAIWireServer, Reset


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "prompts").mkdir()
    return tmp_path


def _settings(
    project: Path,
    openai: OpenAIWireServer,
    ollama: OllamaWireServer | None = None,
    more: str = "",
    openai_more: str = "",
) -> None:
    """promptls.toml pointing the providers at the wire servers; `more` tables after, `openai_more`
    keys in `[providers.openai]`."""
    text = f'[providers.openai]\nbase_url = "{openai.base_url}"\n{openai_more}'
    if ollama is not None:
        text += f'[providers.ollama]\nbase_url = "{ollama.base_url}"\n'
    (project / "promptls.toml").write_text(text + more, encoding="utf-8")


@pytest.fixture
def run(run_promptls: RunPromptls, project: Path) -> RunPromptls:
    """`promptls run ARGS` in the project."""

    def run_prompt(*args: str, env: dict[str, str | None] | None = None) -> CompletedProcess[str]:
        return run_promptls("run", *args, cwd=project, env=env)

    return run_prompt


PROMPT = (
    "---\nmodel: openai/gpt-4o\ntemperature: 0.2\nfallback: [ollama/llama3.2]\n---\nSummarize: {{text}}\n"
)


def test_a_run_streams_the_answer_and_records_it(project: Path, run: RunPromptls, ledger_path: Path) -> None:
    with OpenAIWireServer() as server:
        server.script(Ok(text="Short summary.", chunks=3, prompt_tokens=120, completion_tokens=30))
        _settings(project, server)
        (project / "prompts" / "s.md").write_text(PROMPT, encoding="utf-8")
        result = run("prompts/s.md", "--var", "text=hello world")
        (request,) = server.requests
    assert result.returncode == 0
    assert result.stdout == "Short summary.\n"
    assert "promptls: running on openai/gpt-4o" in result.stderr
    assert request.headers["authorization"] == f"Bearer {CANARY_KEYS['OPENAI_API_KEY']}"
    assert request.body["model"] == "gpt-4o" and request.body["temperature"] == 0.2
    assert request.body["messages"] == [{"role": "user", "content": "Summarize: hello world"}]
    (row,), (attempt,) = read_ledger(ledger_path)
    used = (row["outcome"], row["used_model"], row["input_tokens"], row["output_tokens"])
    assert used == ("ok", "openai/gpt-4o", 120, 30)
    assert row["cost_usd"] == pytest.approx(120 * 2.5 / 1e6 + 30 * 10 / 1e6)
    assert attempt["error_kind"] is None


def test_a_server_error_is_retried_then_answered(project: Path, run: RunPromptls, ledger_path: Path) -> None:
    with OpenAIWireServer() as server:
        server.script(Fail.server_error(), Ok(text="Second time lucky."))
        _settings(project, server)
        (project / "prompts" / "s.md").write_text(PROMPT, encoding="utf-8")
        result = run("prompts/s.md", "--var", "text=x")
    assert result.returncode == 0
    assert result.stdout == "Second time lucky.\n"
    assert "openai/gpt-4o: unavailable (500)" in result.stderr and "retrying in" in result.stderr
    _, attempts = read_ledger(ledger_path)
    assert [a["error_kind"] for a in attempts] == ["unavailable", None]


def test_rate_limit_honours_retry_after(project: Path, run: RunPromptls) -> None:
    with OpenAIWireServer() as server:
        server.script(Fail.rate_limit(0.6), Ok(text="After waiting."))  # longer than any backoff
        _settings(project, server)
        (project / "prompts" / "s.md").write_text(PROMPT, encoding="utf-8")
        result = run("prompts/s.md", "--var", "text=x")
    assert result.returncode == 0
    assert "rate-limited (429)" in result.stderr and "retrying in 0.6 s" in result.stderr


def test_an_auth_error_falls_back_at_once_and_says_why(
    project: Path, run: RunPromptls, ledger_path: Path
) -> None:
    with OpenAIWireServer() as server, OllamaWireServer() as ollama:
        server.script(Fail.unauthorized())
        ollama.script(OllamaOk(text="Local answer."))
        _settings(project, server, ollama)
        (project / "prompts" / "s.md").write_text(PROMPT, encoding="utf-8")
        result = run("prompts/s.md", "--var", "text=x")
        assert len(server.requests) == 1  # no retry of a 401
    assert result.returncode == 0
    assert result.stdout == "Local answer.\n"
    assert "falling back from openai/gpt-4o to ollama/llama3.2 (auth (401)" in result.stderr
    runs, attempts = read_ledger(ledger_path)
    assert runs[0]["used_model"] == "ollama/llama3.2" and runs[0]["requested_model"] == "openai/gpt-4o"
    assert [a["model"] for a in attempts] == ["openai/gpt-4o", "ollama/llama3.2"]


def test_a_stream_broken_after_the_first_token_is_kept_and_not_mixed(
    project: Path, run: RunPromptls, ledger_path: Path
) -> None:
    with OpenAIWireServer() as server, OllamaWireServer() as ollama:
        server.script(Reset(after=2))
        ollama.script(OllamaOk(text="never used"))
        _settings(project, server, ollama)
        (project / "prompts" / "s.md").write_text(PROMPT, encoding="utf-8")
        result = run("prompts/s.md", "--var", "text=x")
        assert ollama.requests == []  # no fallback once text reached the user
    assert result.returncode == 1
    assert result.stdout.strip()  # what arrived is kept
    assert "broke off" in result.stderr
    runs, _ = read_ledger(ledger_path)
    assert runs[0]["outcome"] == "partial"


def test_an_html_page_instead_of_a_stream_is_a_failure_that_falls_back(
    project: Path, run: RunPromptls, ledger_path: Path
) -> None:
    with OpenAIWireServer() as server, OllamaWireServer() as ollama:
        server.script(HtmlOk())
        ollama.script(OllamaOk(text="Local answer.", prompt_eval_count=20, eval_count=4))
        _settings(project, server, ollama)
        (project / "prompts" / "s.md").write_text(PROMPT, encoding="utf-8")
        result = run("prompts/s.md", "--var", "text=x", env={"PROMPTLS_RETRIES": "0"})
    assert result.returncode == 0
    assert result.stdout == "Local answer.\n"
    assert (
        "falling back from openai/gpt-4o to ollama/llama3.2 (unavailable: openai at "
        f"{server.base_url.removesuffix('/v1')}: answered 200 with text/html, not an event stream)"
    ) in result.stderr
    (row,), attempts = read_ledger(ledger_path)
    assert (row["outcome"], row["used_model"], row["input_tokens"]) == ("ok", "ollama/llama3.2", 20)
    assert [(a["model"], a["error_kind"]) for a in attempts] == [
        ("openai/gpt-4o", "unavailable"),
        ("ollama/llama3.2", None),
    ]


def test_a_model_that_sends_only_keep_alives_is_given_up_at_its_first_token_deadline(
    project: Path, run: RunPromptls, ledger_path: Path
) -> None:
    with OpenAIWireServer() as server, OllamaWireServer() as ollama:
        server.script(KeepAlive(after=0, seconds=30))  # a model queued at OpenRouter
        ollama.script(OllamaOk(text="Local answer."))
        _settings(project, server, ollama, "[run]\nfirst_token_timeout = 0.5\n")
        (project / "prompts" / "s.md").write_text(PROMPT, encoding="utf-8")
        result = run("prompts/s.md", "--var", "text=x")
        assert len(server.requests) == 1  # not retried: waiting again would cost the deadline again
    assert result.returncode == 0
    assert result.stdout == "Local answer.\n"
    assert "(timeout: openai at " in result.stderr
    assert "no first token within 0.5 s (first_token_timeout; keep-alives do not count)" in result.stderr
    _, attempts = read_ledger(ledger_path)
    assert [a["error_kind"] for a in attempts] == ["timeout", None]


def test_an_answer_that_pauses_past_its_idle_limit_ends_as_partial(
    project: Path, run: RunPromptls, ledger_path: Path
) -> None:
    with OpenAIWireServer() as server, OllamaWireServer() as ollama:
        server.script(KeepAlive(after=2, seconds=30))
        _settings(project, server, ollama, openai_more="idle_timeout = 0.5\n")
        (project / "prompts" / "s.md").write_text(PROMPT, encoding="utf-8")
        result = run("prompts/s.md", "--var", "text=x")
        assert ollama.requests == []  # text reached the user: no fallback
    assert result.returncode == 1
    assert result.stdout.startswith("one two ")
    assert "no more of the answer for 0.5 s (idle_timeout; keep-alives do not count)" in result.stderr
    (row,), _ = read_ledger(ledger_path)
    assert row["outcome"] == "partial" and "idle_timeout" in row["error"]


def test_ollama_is_sent_only_the_key_its_settings_name(project: Path, run: RunPromptls) -> None:
    """`$OLLAMA_API_KEY` (a canary here), which the ollama SDK would send anywhere, never goes; a key
    named by `api_key_env` does."""
    with OllamaWireServer() as ollama:
        ollama.script(OllamaOk(text="Keyless."), OllamaOk(text="Keyed."))
        (project / "prompts" / "s.md").write_text("---\nmodel: ollama/llama3.2\n---\nHi\n", encoding="utf-8")
        table = f'[providers.ollama]\nbase_url = "{ollama.base_url}"\n'
        (project / "promptls.toml").write_text(table, encoding="utf-8")
        keyless = run("prompts/s.md")
        (project / "promptls.toml").write_text(
            table + 'api_key_env = "OPENROUTER_API_KEY"\n', encoding="utf-8"
        )
        keyed = run("prompts/s.md")
        sent = [ollama.sent_key(request) for request in ollama.requests]
    assert (keyless.stdout, keyed.stdout) == ("Keyless.\n", "Keyed.\n")
    assert sent == [None, CANARY_KEYS["OPENROUTER_API_KEY"]]


def test_every_model_failing_exits_1_with_each_reason(
    project: Path, run: RunPromptls, ledger_path: Path
) -> None:
    with OpenAIWireServer() as server:
        server.script(Fail.unauthorized())
        _settings(project, server)
        prompt = "---\nmodel: openai/gpt-4o\nfallback: [gemini/gemini-2.5-flash]\n---\nHi\n"
        (project / "prompts" / "s.md").write_text(prompt, encoding="utf-8")
        result = run("prompts/s.md", env={"GEMINI_API_KEY": None})
    assert result.returncode == 1
    assert "every model failed" in result.stderr
    assert "gemini/gemini-2.5-flash: missing-key" in result.stderr
    assert "promptls keys set gemini" in result.stderr
    runs, _ = read_ledger(ledger_path)
    assert runs[0]["outcome"] == "failed"


def test_no_fallback_and_json_output(project: Path, run: RunPromptls) -> None:
    with OpenAIWireServer() as server:
        server.script(Ok(text="JSON answer.", prompt_tokens=5, completion_tokens=3))
        _settings(project, server)
        (project / "prompts" / "s.md").write_text(PROMPT, encoding="utf-8")
        result = run("prompts/s.md", "--var", "text=x", "--no-fallback", "--json")
    data = json.loads(result.stdout)
    assert data["outcome"] == "ok" and data["text"] == "JSON answer."
    assert data["usage"] == {"input_tokens": 5, "output_tokens": 3, "source": "provider"}
    assert [a["model"] for a in data["attempts"]] == ["openai/gpt-4o"]


def test_usage_errors_exit_2(project: Path, run: RunPromptls) -> None:
    (project / "prompts" / "s.md").write_text(PROMPT, encoding="utf-8")
    missing = run("prompts/s.md")
    assert missing.returncode == 2 and "--var text=..." in missing.stderr
    bad = run("prompts/s.md", "--var", "oops")
    assert bad.returncode == 2 and "NAME=VALUE" in bad.stderr


def test_models_test_checks_the_key_and_the_connection(project: Path, run_promptls: RunPromptls) -> None:
    with OpenAIWireServer(models=("gpt-4o",)) as server:
        _settings(project, server)
        good = run_promptls("models", "test", "openai/gpt-4o", cwd=project)
        server.script(Fail.unauthorized())
        bad = run_promptls("models", "test", "openai/gpt-4o", cwd=project)
    assert good.returncode == 0 and good.stdout.startswith("✓ openai/gpt-4o: reachable, key accepted")
    assert bad.returncode == 1 and bad.stdout.startswith("✗ openai/gpt-4o: auth (401)")


@pytest.mark.parametrize("provider", ["anthropic", "gemini"])
def test_anthropic_and_gemini_runs_fall_back_between_each_other(
    project: Path, run: RunPromptls, ledger_path: Path, provider: str
) -> None:
    from tests.wire.anthropic_server import AnthropicWireServer
    from tests.wire.anthropic_server import Ok as AnthropicOk
    from tests.wire.gemini_server import Fail as GeminiFail
    from tests.wire.gemini_server import GeminiWireServer

    with AnthropicWireServer() as anthropic, GeminiWireServer() as gemini:
        (project / "promptls.toml").write_text(
            f'[providers.anthropic]\nbase_url = "{anthropic.base_url}"\n'
            f'[providers.gemini]\nbase_url = "{gemini.base_url}"\n',
            encoding="utf-8",
        )
        if provider == "anthropic":  # anthropic answers; gemini is never asked
            anthropic.script(AnthropicOk(text="From Claude.", input_tokens=40, output_tokens=5))
            chain, expected, used = (
                "anthropic/claude-haiku-4-5",
                "From Claude.\n",
                "anthropic/claude-haiku-4-5",
            )
            fallback = "gemini/gemini-2.5-flash"
        else:  # gemini is overloaded: falls back to anthropic's answer after its retries
            gemini.script(*[GeminiFail.server_error()] * 2)
            anthropic.script(AnthropicOk(text="Claude stepped in."))
            chain, expected, used = (
                "gemini/gemini-2.5-flash",
                "Claude stepped in.\n",
                "anthropic/claude-haiku-4-5",
            )
            fallback = "anthropic/claude-haiku-4-5"
        prompt = f"---\nmodel: {chain}\nfallback: [{fallback}]\nmax_tokens: 64\n---\nSay hi.\n"
        (project / "prompts" / "s.md").write_text(prompt, encoding="utf-8")
        result = run("prompts/s.md", env={"PROMPTLS_RETRIES": "1"})
    assert result.returncode == 0, result.stderr
    assert result.stdout == expected
    runs, attempts = read_ledger(ledger_path)
    assert runs[0]["used_model"] == used and runs[0]["outcome"] == "ok"
    if provider == "gemini":
        assert [a["error_kind"] for a in attempts] == ["unavailable"] * 2 + [None]
        assert "falling back from gemini/gemini-2.5-flash to anthropic/claude-haiku-4-5" in result.stderr
