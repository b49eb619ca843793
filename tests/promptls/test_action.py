"""The GitHub Action (action.yml): its shell steps, run as a runner would run them, on a repository.

A runner is not available here, so the test plays its part for what the action itself does: it reads
action.yml, puts each step's `env:` in place (the `${{ inputs.* }}` and `${{ github.action_path }}`
expressions a runner substitutes), evaluates the steps' `if:` conditions and runs their `run:` scripts
with bash, in order, stopping at the first failing step as a runner does. The `uses:` steps are
GitHub's own actions (setup-python, the SARIF upload) and the install step is `pip install` of this
checkout, which tests/test_install.py covers; the promptls already installed here answers instead.
"""

from __future__ import annotations

import json
import os
import pathlib
import re
import subprocess

import yaml

CHECKOUT = pathlib.Path(__file__).resolve().parents[2]
ACTION = yaml.safe_load((CHECKOUT / "action.yml").read_text())


def _inputs(given: dict[str, str]) -> dict[str, str]:
    defaults = {name: str(spec.get("default", "")) for name, spec in ACTION["inputs"].items()}
    unknown = set(given) - set(defaults)
    assert not unknown, f"action.yml has no inputs {unknown}"
    return {**defaults, **given}


def _expand(text: str, inputs: dict[str, str]) -> str:
    def value(match: re.Match[str]) -> str:
        expr = match.group(1).strip()
        if expr == "github.action_path":
            return str(CHECKOUT)
        assert expr.startswith("inputs."), expr
        return inputs[expr.removeprefix("inputs.")]

    return re.sub(r"\$\{\{(.*?)\}\}", value, text)


def _runs(condition: object, inputs: dict[str, str], failed: bool) -> bool:
    """The few conditions action.yml uses: `inputs.X == 'v'`, optionally after `always() &&`."""
    if condition is None:
        return not failed
    text = str(condition).strip()
    always = text.startswith("always() &&")
    text = text.removeprefix("always() &&").strip()
    name, expected = re.fullmatch(r"inputs\.([\w-]+) == '([^']*)'", text).groups()  # type: ignore[union-attr]
    return (always or not failed) and inputs[name] == expected


def run_action(repo: pathlib.Path, **given: str) -> tuple[int, str, list[str]]:
    """Run the action's shell steps in `repo`: the job's status, its output, the steps that ran."""
    inputs = _inputs({k.replace("_", "-"): v for k, v in given.items()})
    output, ran, failed, status = "", [], False, 0
    for step in ACTION["runs"]["steps"]:
        if "run" not in step or step["name"] == "Install promptls":
            continue
        if not _runs(step.get("if"), inputs, failed):
            continue
        env = {**os.environ, **{k: _expand(str(v), inputs) for k, v in step.get("env", {}).items()}}
        proc = subprocess.run(
            ["bash", "-e", "-c", step["run"]], cwd=repo, env=env, capture_output=True, text=True, timeout=120
        )
        ran.append(step["name"])
        output += proc.stdout + proc.stderr
        if proc.returncode != 0:
            failed, status = True, proc.returncode
    return status, output, ran


def _repo(root: pathlib.Path, files: dict[str, str]) -> pathlib.Path:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root


FLAWED = {
    ".claude/agents/reviewer.md": "---\nname: reviewer\ndescription: Reviews\nmodel: sonet\n---\nReview.\n",
    "prompts/summarize.md": "---\nmodel: gpt-4o\n---\nSummarize.\n",
}


def test_errors_fail_the_job_with_annotations_at_each_file_and_line(tmp_path):
    status, output, ran = run_action(_repo(tmp_path, FLAWED))
    assert ran == ["Check prompt files"]
    assert status == 1
    assert "::error title=promptls (PLS201),file=prompts/summarize.md,line=2," in output


def test_a_clean_repository_passes(tmp_path):
    status, output, _ = run_action(
        _repo(tmp_path, {"prompts/summarize.md": "---\nmodel: openai/gpt-4o\n---\nSummarize.\n"})
    )
    assert (status, output) == (0, "")


def test_sarif_is_written_even_when_the_check_fails_and_args_reach_promptls(tmp_path):
    repo = _repo(tmp_path, {**FLAWED, "other/x.md": "---\nmodel: gpt-4o\n---\nx\n"})
    status, output, ran = run_action(repo, sarif="true", args="prompts", sarif_file="out/promptls.sarif")
    assert ran == ["Write the SARIF log", "Check prompt files"]
    assert status == 1  # the findings fail the job; the log was still written for the upload step
    log = json.loads((repo / "out" / "promptls.sarif").read_text())
    files = {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in log["runs"][0]["results"]
    }
    assert files == {"prompts/summarize.md"}  # `args` named one folder
    assert "other/x.md" not in output


def test_inputs_are_data_not_shell(tmp_path):
    repo = _repo(tmp_path, FLAWED)
    status, output, _ = run_action(repo, args="$(touch pwned) `touch pwned2`")
    assert not (repo / "pwned").exists() and not (repo / "pwned2").exists()
    assert status == 2 and "no such file or folder" in output
