"""Resources decide local models: `local = "fit"` or a list of local candidates in a profile or a
prompt's settings, resolved by the real `promptls resolve` and `promptls run` against Ollama's API on
127.0.0.1 and this machine's real free memory (a 671B model never fits; a 7B one does on any machine
that runs this suite); `run` warns before a local model that will not fit."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from promptls.router.models.fit import LocalMachine, estimate, facts_from_name, local_choice

from tests.conftest import RunPromptls
from tests.wire.ollama_models import LocalModel, OllamaModelsServer

HUGE = LocalModel("deepseek-r1:671b", size=404_430_188_519, parameter_size="671.0B", family="deepseek2")
QWEN = LocalModel("qwen2.5-coder:7b", size=4_683_087_332, parameter_size="7.6B", family="qwen2")
SMALL = LocalModel("llama3.2:3b")


@pytest.fixture
def ollama() -> Iterator[OllamaModelsServer]:
    with OllamaModelsServer((HUGE, QWEN, SMALL)) as server:
        yield server


def _project(tmp_path: Path, settings: str, frontmatter: str = "profile: local-coder") -> Path:
    tmp_path.mkdir(exist_ok=True)
    (tmp_path / "promptls.toml").write_text(settings)
    (tmp_path / "prompts").mkdir()
    (tmp_path / "prompts" / "a.md").write_text(f"---\n{frontmatter}\n---\nSay hello.\n")
    return tmp_path


def _resolve(run_promptls: RunPromptls, project: Path, ollama: OllamaModelsServer) -> dict:
    proc = run_promptls(
        "resolve", "prompts/a.md", "--json", cwd=project, env={"OLLAMA_HOST": ollama.base_url}
    )
    return json.loads(proc.stdout)


def _model_steps(resolved: dict) -> list[dict]:
    return resolved["steps"]["model"]


def test_a_profiles_local_list_takes_the_first_that_fits_and_says_why(
    run_promptls: RunPromptls, tmp_path: Path, ollama: OllamaModelsServer
) -> None:
    project = _project(
        tmp_path,
        '[profiles.local-coder]\nlocal = ["ollama/deepseek-r1:671b", "ollama/qwen2.5-coder:7b"]\n'
        'model = "openai/gpt-4o"\n',
    )
    proc = run_promptls("resolve", "prompts/a.md", cwd=project, env={"OLLAMA_HOST": ollama.base_url})
    assert proc.returncode == 0, proc.stderr
    assert "model: ollama/qwen2.5-coder:7b" in proc.stdout
    assert "✓ promptls.toml:2 [profiles.local-coder] local" in proc.stdout
    assert (
        "ollama/deepseek-r1:671b needs ~4" in proc.stdout
        and " GB free → ollama/qwen2.5-coder:7b" in proc.stdout
    )
    assert "Ollama's list now" in proc.stdout
    assert "[profiles.local-coder] model = openai/gpt-4o  (overridden)" in proc.stdout


def test_fit_takes_the_largest_installed_model_that_fits(
    run_promptls: RunPromptls, tmp_path: Path, ollama: OllamaModelsServer
) -> None:
    project = _project(tmp_path, '[profiles.local-coder]\nlocal = "fit"\n')
    resolved = _resolve(run_promptls, project, ollama)
    assert resolved["model"] == "ollama/qwen2.5-coder:7b"
    (chosen,) = [step for step in _model_steps(resolved) if step["chosen"]]
    assert (
        "ollama/deepseek-r1:671b needs ~" in chosen["note"] and "→ ollama/qwen2.5-coder:7b" in chosen["note"]
    )


def test_a_candidate_not_installed_is_passed_over(
    run_promptls: RunPromptls, tmp_path: Path, ollama: OllamaModelsServer
) -> None:
    project = _project(
        tmp_path, '[profiles.local-coder]\nlocal = ["ollama/mistral:7b", "ollama/llama3.2:3b"]\n'
    )
    resolved = _resolve(run_promptls, project, ollama)
    assert resolved["model"] == "ollama/llama3.2:3b"
    (chosen,) = [step for step in _model_steps(resolved) if step["chosen"]]
    assert "ollama/mistral:7b is not installed" in chosen["note"]


def test_when_nothing_fits_the_profiles_model_runs_and_the_step_says_why(
    run_promptls: RunPromptls, tmp_path: Path, ollama: OllamaModelsServer
) -> None:
    project = _project(
        tmp_path, '[profiles.local-coder]\nlocal = ["ollama/deepseek-r1:671b"]\nmodel = "openai/gpt-4o"\n'
    )
    resolved = _resolve(run_promptls, project, ollama)
    assert resolved["model"] == "openai/gpt-4o"
    skipped = next(step for step in _model_steps(resolved) if "local" in step["source"]["label"])
    assert skipped["chosen"] is False and "no candidate fits" in skipped["note"]


def test_without_ollama_the_local_choice_says_its_models_are_not_known(
    run_promptls: RunPromptls, tmp_path: Path
) -> None:
    project = _project(tmp_path, '[profiles.local-coder]\nlocal = "fit"\nmodel = "openai/gpt-4o"\n')
    proc = run_promptls(
        "resolve", "prompts/a.md", "--json", cwd=project, env={"OLLAMA_HOST": "http://127.0.0.1:9"}
    )
    resolved = json.loads(proc.stdout)
    assert resolved["model"] == "openai/gpt-4o"
    assert any("Ollama's models are not known" in (step["note"] or "") for step in _model_steps(resolved))


def test_a_prompts_own_settings_can_ask_for_a_local_model(
    run_promptls: RunPromptls, tmp_path: Path, ollama: OllamaModelsServer
) -> None:
    project = _project(
        tmp_path,
        '[prompts."prompts/a.md"]\nlocal = ["ollama/llama3.2:3b"]\n',
        frontmatter="model: openai/gpt-4o",
    )
    resolved = _resolve(run_promptls, project, ollama)
    assert resolved["model"] == "ollama/llama3.2:3b"


def test_a_local_setting_of_the_wrong_kind_is_a_settings_error(
    run_promptls: RunPromptls, tmp_path: Path
) -> None:
    project = _project(tmp_path, '[profiles.local-coder]\nlocal = "fitt"\n')
    proc = run_promptls("check", ".", cwd=project)
    assert "promptls.toml:2" in proc.stdout and '"fit" or a list of local model ids' in proc.stdout


def test_run_warns_before_a_local_model_that_will_not_fit(
    run_promptls: RunPromptls, tmp_path: Path, ollama: OllamaModelsServer
) -> None:
    project = _project(tmp_path, "", frontmatter="model: ollama/deepseek-r1:671b")
    env = {"OLLAMA_HOST": ollama.base_url}
    proc = run_promptls("run", "prompts/a.md", cwd=project, env=env)
    assert "warning" not in proc.stderr  # nothing cached: a run does not ask Ollama for its list
    assert [r.path for r in ollama.requests] == ["/api/chat"]
    run_promptls("models", "list", "--provider", "ollama", cwd=project, env=env)
    proc = run_promptls("run", "prompts/a.md", cwd=project, env=env)
    assert "promptls: warning: ollama/deepseek-r1:671b needs ~" in proc.stderr
    assert "it may not load (a model that fails to load falls back like any failure)" in proc.stderr
    assert proc.returncode == 0 and proc.stdout.strip()  # the wire server's Ollama answers anyway
    quiet = _project(tmp_path / "other", "", frontmatter="model: ollama/llama3.2:3b")
    proc = run_promptls("run", "prompts/a.md", cwd=quiet, env=env)
    assert "warning" not in proc.stderr


# ---- the pure choice ---------------------------------------------------------------------------


def test_without_knowing_the_machine_a_list_gives_its_first_and_fit_nothing() -> None:
    assert local_choice(["ollama/a:7b", "ollama/b:3b"], None)[0] == "ollama/a:7b"
    model, why = local_choice("fit", None)
    assert model is None and "not known here" in why


def test_the_explanation_reads_as_the_issue_asks() -> None:
    machine = LocalMachine(
        9_000_000_000, {"ollama/qwen2.5-coder:7b": estimate(facts_from_name("qwen2.5-coder:7b"), 4096)}
    )
    machine = machine._replace(
        installed={
            **machine.installed,
            "ollama/qwen2.5-coder:32b": estimate(facts_from_name("qwen2.5-coder:32b"), 4096),
        }
    )
    model, why = local_choice(["ollama/qwen2.5-coder:32b", "ollama/qwen2.5-coder:7b"], machine)
    assert model == "ollama/qwen2.5-coder:7b"
    assert why == "`local`: ollama/qwen2.5-coder:32b needs ~22 GB, 9.0 GB free → ollama/qwen2.5-coder:7b"


def test_a_local_model_that_fails_to_load_for_memory_falls_back(
    run_promptls: RunPromptls, tmp_path: Path, ollama: OllamaModelsServer
) -> None:
    from tests.wire.ollama_server import Fail, Ok

    error = "model requires more system memory (452.3 GiB) than is available (23.1 GiB)"
    ollama.script(Fail.server_error(error), Ok("From the small one."))
    project = _project(
        tmp_path, "", frontmatter="model: ollama/deepseek-r1:671b\nfallback: [ollama/llama3.2:3b]"
    )
    proc = run_promptls(
        "run", "prompts/a.md", cwd=project, env={"OLLAMA_HOST": ollama.base_url, "PROMPTLS_RETRIES": "0"}
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "From the small one.\n"
    assert "falling back from ollama/deepseek-r1:671b to ollama/llama3.2:3b" in proc.stderr
    assert "requires more system memory" in proc.stderr
