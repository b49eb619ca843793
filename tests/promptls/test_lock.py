"""`promptls lock` and `promptls check --locked`, run as a user (and CI) would.

Resolutions move in three ways a lock must catch: a settings edit, a catalog update (a test catalog,
given with PROMPTLS_CATALOG, moves Claude Code's `sonnet`, a price and a retirement), and new or
deleted prompts. Settings only one person has (promptls.local.toml, the environment) must not.
"""

from __future__ import annotations

import json
import pathlib
import tomllib

import pytest

SHIPPED = pathlib.Path(__file__).resolve().parents[2] / "router" / "models" / "data" / "catalog.json"

AGENT = "---\nname: reviewer\ndescription: Reviews code\nmodel: sonnet\n---\nReview.\n"
SUMMARIZE = "---\nmodel: openai/gpt-4o\nfallback: [gemini/gemini-2.5-flash]\n---\nSummarize {{text}}.\n"


@pytest.fixture
def project(tmp_path: pathlib.Path) -> pathlib.Path:
    (tmp_path / ".git").mkdir()  # the project's root
    for rel, text in {".claude/agents/reviewer.md": AGENT, "prompts/summarize.md": SUMMARIZE}.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    return tmp_path


def _catalog(tmp_path: pathlib.Path, change) -> str:
    """A copy of the shipped catalog, changed by `change(models)`; its path, for PROMPTLS_CATALOG."""
    data = json.loads(SHIPPED.read_text())
    change(data["models"])
    data["generated"] = "2027-01-15"
    path = tmp_path / "next-catalog.json"
    path.write_text(json.dumps(data))
    return str(path)


def _model(models: list[dict], model_id: str) -> dict:
    return next(m for m in models if m["id"] == model_id)


def test_lock_then_check_locked_is_clean_and_the_file_is_stable(run_promptls, project):
    first = run_promptls("lock", cwd=project)
    assert first.returncode == 0
    assert first.stdout == "Wrote promptls.lock (2 added).\n"
    text = (project / "promptls.lock").read_text()
    lock = tomllib.loads(text)
    assert [p["path"] for p in lock["prompt"]] == [".claude/agents/reviewer.md", "prompts/summarize.md"]
    agent, summarize = lock["prompt"]
    assert agent["written"] == "sonnet" and agent["model"].startswith("anthropic/claude-sonnet-")
    assert agent["decided_by"] == "frontmatter model (line 4)"
    assert summarize["fallback"] == ["gemini/gemini-2.5-flash"]
    assert summarize["input_price"] == 2.5 and summarize["output_price"] == 10.0
    checked = run_promptls("check", "--locked", cwd=project)
    assert checked.returncode == 0, checked.stdout
    assert run_promptls("lock", cwd=project).stdout == "Wrote promptls.lock (no change).\n"
    assert (project / "promptls.lock").read_text() == text  # byte for byte: diff-friendly


def test_a_settings_edit_is_drift_until_upgraded(run_promptls, project):
    run_promptls("lock", cwd=project)
    (project / "promptls.toml").write_text('[agents.reviewer]\nmodel = "openai/gpt-4o-mini"\n')
    proc = run_promptls("check", "--locked", cwd=project)
    assert proc.returncode == 1
    assert (
        ".claude/agents/reviewer.md:4:8: PLS601 resolves to `openai/gpt-4o-mini`, "
        "locked to `anthropic/claude-sonnet-" in proc.stdout
    )
    assert "now decided by promptls.toml:2 [agents.reviewer] model" in proc.stdout
    shown = run_promptls("resolve", ".claude/agents/reviewer.md", cwd=project).stdout.splitlines()[-1]
    assert shown.startswith("lock: differs from promptls.lock: resolves to `openai/gpt-4o-mini`")

    kept = run_promptls("lock", cwd=project)  # without --upgrade the lock holds
    assert "reviewer.md: resolves differently now; kept as locked" in kept.stdout
    assert run_promptls("check", "--locked", cwd=project).returncode == 1
    assert "1 upgraded" in run_promptls("lock", "--upgrade", cwd=project).stdout
    assert run_promptls("check", "--locked", cwd=project).returncode == 0
    assert (
        "lock: as locked in promptls.lock"
        in run_promptls("resolve", "prompts/summarize.md", cwd=project).stdout
    )


def test_a_catalog_update_moves_an_alias_a_price_and_announces_a_retirement(run_promptls, project, tmp_path):
    run_promptls("lock", cwd=project)
    locked = tomllib.loads((project / "promptls.lock").read_text())["prompt"][0]["model"]

    def update(models: list[dict]) -> None:
        newest = dict(
            _model(models, locked), id="anthropic/claude-sonnet-9-0", display_name="Claude Sonnet 9"
        )
        newest.pop("deprecation_date", None)
        models.append(newest)
        _model(models, "openai/gpt-4o")["input_price"] = 3.5
        _model(models, "gemini/gemini-2.5-flash")["deprecation_date"] = "2027-06-30"

    env = {"PROMPTLS_CATALOG": _catalog(tmp_path, update)}
    proc = run_promptls("check", "--locked", "--select", "PLS6", cwd=project, env=env)
    assert proc.returncode == 1
    lines = proc.stdout.splitlines()
    assert lines[0] == (
        ".claude/agents/reviewer.md:4:8: PLS601 resolves to `anthropic/claude-sonnet-9-0`, "
        f"locked to `{locked}`: `sonnet` now names `anthropic/claude-sonnet-9-0` (catalog 2027-01-15); "
        "`promptls lock --upgrade` accepts it"
    )
    assert lines[1] == (
        "prompts/summarize.md:2:8: PLS604 `openai/gpt-4o` price changed: input $2.5 → $3.5 per 1M tokens; "
        "`promptls lock --upgrade` accepts it"
    )
    assert len(lines) == 3  # and the summary: a fallback's retirement is the fallback's own finding (PLS205)
    assert run_promptls("lock", "--upgrade", cwd=project, env=env).returncode == 0
    assert run_promptls("check", "--locked", "--select", "PLS6", cwd=project, env=env).returncode == 0
    # Back on the shipped catalog, the upgraded lock is ahead of it: that is drift too.
    assert "PLS601" in run_promptls("check", "--locked", cwd=project).stdout


def test_a_retirement_of_the_locked_model_is_reported(run_promptls, project, tmp_path):
    run_promptls("lock", cwd=project)
    env = {
        "PROMPTLS_CATALOG": _catalog(
            tmp_path, lambda models: _model(models, "openai/gpt-4o").update(deprecation_date="2027-03-01")
        )
    }
    proc = run_promptls("check", "--locked", "--select", "PLS603", cwd=project, env=env)
    assert (
        "prompts/summarize.md:2:8: PLS603 the catalog now retires `openai/gpt-4o` on 2027-03-01"
        in proc.stdout
    )


def test_new_deleted_and_fallback_changes(run_promptls, project):
    run_promptls("lock", cwd=project)
    (project / "prompts" / "new.md").write_text("---\nmodel: openai/gpt-4o\n---\nNew.\n")
    (project / ".claude" / "agents" / "reviewer.md").unlink()
    (project / "prompts" / "summarize.md").write_text(
        SUMMARIZE.replace("gemini/gemini-2.5-flash", "openai/o3")
    )
    proc = run_promptls("check", "--locked", cwd=project)
    assert proc.returncode == 1
    assert (
        "prompts/new.md:2:8: PLS605 prompts/new.md is not in promptls.lock: run `promptls lock` to add it"
        in proc.stdout
    )
    assert (
        "prompts/summarize.md:2:8: PLS602 fallback chain is openai/o3, locked as gemini/gemini-2.5-flash"
        in proc.stdout
    )
    assert (
        "promptls.lock:6:1: PLS606 .claude/agents/reviewer.md is locked but is no prompt of the project now"
        in proc.stdout
    )
    written = run_promptls("lock", cwd=project)
    assert written.stdout.startswith("Wrote promptls.lock (1 added, 1 removed).")


def test_what_only_one_person_has_does_not_count(run_promptls, project):
    run_promptls("lock", cwd=project)
    (project / "promptls.local.toml").write_text(
        '[defaults]\nmodel = "ollama/llama3.2:3b"\n[agents.reviewer]\nmodel = "ollama/qwen2.5-coder:7b"\n'
    )
    env = {"PROMPTLS_MODEL": "openai/gpt-4o-mini"}
    assert run_promptls("check", "--locked", "--select", "PLS6", cwd=project, env=env).returncode == 0
    assert run_promptls("lock", cwd=project, env=env).stdout == "Wrote promptls.lock (no change).\n"


def test_no_lock_and_a_broken_lock_are_clear_errors(run_promptls, project):
    proc = run_promptls("check", "--locked", cwd=project)
    assert proc.returncode == 2
    assert "has no promptls.lock; `promptls lock` writes it" in proc.stderr
    run_promptls("lock", cwd=project)
    lock = project / "promptls.lock"
    lock.write_text(lock.read_text().replace("[[prompt]]", "<<<<<<< HEAD\n[[prompt]]", 1))
    proc = run_promptls("check", "--locked", cwd=project)
    assert proc.returncode == 1
    assert "promptls.lock:6:1: PLS607 promptls.lock: not valid TOML" in proc.stdout
    refused = run_promptls("lock", cwd=project)
    assert refused.returncode == 2 and "`promptls lock --upgrade` rewrites it" in refused.stderr
    assert run_promptls("lock", "--upgrade", cwd=project).returncode == 0
    assert run_promptls("check", "--locked", cwd=project).returncode == 0
