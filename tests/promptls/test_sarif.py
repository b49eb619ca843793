"""`promptls check --output-format sarif`: a SARIF 2.1.0 log that the schema accepts and that says
what the JSON output says.

The schema is OASIS's own file (tests/data/sarif-schema-2.1.0.json, from oasis-tcs/sarif-spec,
sarif-2.1/schema, commit a560296 of 2024-05-02), checked with the `jsonschema` library.
"""

from __future__ import annotations

import json
import pathlib
import shutil

import jsonschema
import pytest

FIXTURES = pathlib.Path(__file__).parent.parent / "fixtures" / "rules"
SCHEMA = json.loads((pathlib.Path(__file__).parent.parent / "data" / "sarif-schema-2.1.0.json").read_text())


def _validator() -> jsonschema.Draft4Validator:
    return jsonschema.Draft4Validator(SCHEMA, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER)


@pytest.fixture
def project(tmp_path: pathlib.Path) -> pathlib.Path:
    """Fixtures of several rules side by side: a typo'd key with a fix, a duplicate key with a related
    location, an invalid model, a settings finding; and a file whose name needs escaping in a URI."""
    for code in ("PLS110", "PLS103", "PLS201", "PLS302"):
        shutil.copytree(FIXTURES / code, tmp_path / code, ignore=shutil.ignore_patterns("expected.toml"))
    odd = tmp_path / "prompts" / "a draft é #1.md"
    odd.parent.mkdir()
    odd.write_text("---\nmodel: openai/gpt-4o\ntemprature: 0.2\n---\nHi\n", encoding="utf-8")
    return tmp_path


def test_the_log_is_valid_sarif_and_matches_the_json_output(run_promptls, project):
    sarif = run_promptls("check", "--output-format", "sarif", cwd=project)
    plain = run_promptls("check", "--output-format", "json", cwd=project)
    assert sarif.returncode == plain.returncode == 1  # errors found, whatever the format
    log = json.loads(sarif.stdout)
    errors = sorted(_validator().iter_errors(log), key=str)
    assert not errors, "\n".join(e.message for e in errors[:5])

    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    expected = json.loads(plain.stdout)
    assert len(run["results"]) == len(expected) >= 5
    for result, finding in zip(run["results"], expected, strict=True):
        assert result["ruleId"] == finding["code"]
        assert rules[result["ruleIndex"]]["id"] == finding["code"]
        assert result["message"]["text"] == finding["message"]
        assert result["level"] == {"error": "error", "warning": "warning"}.get(finding["severity"], "note")
        location = result["locations"][0]["physicalLocation"]
        assert location["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
        region = location["region"]
        assert (region["startLine"], region["startColumn"]) == (
            finding["location"]["line"],
            finding["location"]["column"],
        )
        assert (region["endLine"], region["endColumn"]) == (
            finding["end_location"]["line"],
            finding["end_location"]["column"],
        )
        assert ("fixes" in result) == (finding["fix"] is not None)
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"]}
    assert "prompts/a%20draft%20%C3%A9%20%231.md" in uris  # a URI, not a raw file name
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == project.resolve().as_uri() + "/"


def test_every_rule_carries_its_help_and_a_link(run_promptls, tmp_path):
    (tmp_path / "prompts").mkdir()
    (tmp_path / "prompts" / "ok.md").write_text("---\nmodel: openai/gpt-4o\n---\nHi\n")
    proc = run_promptls("check", "--output-format", "sarif", cwd=tmp_path)
    assert proc.returncode == 0
    log = json.loads(proc.stdout)
    assert not list(_validator().iter_errors(log))
    assert log["runs"][0]["results"] == []
    explained = run_promptls("explain", "PLS110", cwd=tmp_path).stdout
    rules = {rule["id"]: rule for rule in log["runs"][0]["tool"]["driver"]["rules"]}
    assert "PLS110" in rules and "PLS401" in rules
    assert rules["PLS110"]["help"]["text"].split("\n", 1)[0] in explained
    assert "## How to fix" in rules["PLS110"]["help"]["markdown"]
    assert all(rule["helpUri"].startswith("https://") for rule in rules.values())


def test_a_fix_becomes_a_sarif_replacement(run_promptls, project):
    log = json.loads(
        run_promptls("check", "--output-format", "sarif", "--select", "PLS110", cwd=project).stdout
    )
    fixed = [r for r in log["runs"][0]["results"] if "fixes" in r]
    assert fixed
    replacement = fixed[0]["fixes"][0]["artifactChanges"][0]["replacements"][0]
    assert replacement["insertedContent"]["text"] in {"model", "temperature"}
    assert replacement["deletedRegion"]["startLine"] >= 2
