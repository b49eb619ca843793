"""The rule registry, and one fixture per rule code that shows the rule firing where a user would see it.

A fixture is a folder `tests/fixtures/rules/<CODE>/` holding a small project (prompt files, settings
files) and `expected.toml`:

    today = 2026-11-01          # optional: the date deprecation checks use
    also = ["PLS113"]           # optional: other codes the fixture may raise
    installed = {ollama = ["llama3.2:3b"]}   # optional: the local models the model cache lists

    [[finding]]
    code = "PLS203"
    path = "prompts/summarize.md"
    line = 2
    message = "is not in the model catalog"     # a phrase of the message
    severity = "warning"        # optional: else the rule's default severity

The fixture runs through `router.checks.lint` as `promptls check` would: every prompt file through
`decode` + `parse_prompt` + `check_prompt`, every settings file through `check_settings_file` and
`check_assignments`.
"""

from __future__ import annotations

import datetime
import re
import shutil
import tomllib
from pathlib import Path

import pytest
from promptls.router.base.findings import Finding
from promptls.router.checks.lint import check_assignments, check_prompt, check_settings_file
from promptls.router.models.catalog import Catalog, load_catalog
from promptls.router.plugins.check import check_manifest
from promptls.router.plugins.manifest import manifest_kind, read_manifest
from promptls.router.prompts.detect import is_candidate
from promptls.router.prompts.frontmatter import decode, parse_prompt
from promptls.router.resolution.lock import (
    LOCK_FILE,
    LockError,
    invalid_lock_finding,
    lock_findings,
    locked_entry,
    stale_findings,
)
from promptls.router.resolution.lock import parse as parse_lock
from promptls.router.resolution.resolve import resolve
from promptls.router.rules.index import all_rules, explain, find_rule
from promptls.router.rules.registry import doc_of
from promptls.router.settings import SettingsLoader

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "rules"
SETTINGS_FILES = ("promptls.toml", "promptls.local.toml", "pyproject.toml")
DEFAULT_TODAY = datetime.date(2026, 11, 1)
CODES = [rule.code for rule in all_rules()]


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


# --- the registry ------------------------------------------------------------------------------


def test_there_are_rules_in_every_area():
    areas = {code[3] for code in CODES}
    assert areas == {"1", "2", "3", "4", "5", "6"}


def test_codes_are_unique_and_well_formed():
    assert len(CODES) == len(set(CODES))
    for code in CODES:
        assert re.fullmatch(r"PLS\d{3}", code), code


def test_names_are_unique_kebab_case():
    names = [rule.name for rule in all_rules()]
    assert len(names) == len(set(names))
    for name in names:
        assert re.fullmatch(r"[a-z]+(?:-[a-z]+)*", name), name


@pytest.mark.parametrize("code", CODES)
def test_every_rule_is_documented_with_how_to_fix(code):
    rule = find_rule(code)
    doc = doc_of(rule)
    assert doc.strip(), code
    assert rule.summary().endswith("."), code
    assert "## How to fix" in doc, code
    fix_section = doc.split("## How to fix", 1)[1]
    assert fix_section.strip(), f"{code}: the How to fix section is empty"


@pytest.mark.parametrize("code", CODES)
def test_every_rule_has_a_fixture(code):
    folder = FIXTURES / code
    assert folder.is_dir(), f"add a fixture folder {folder}"
    assert (folder / "expected.toml").is_file(), f"add {folder}/expected.toml"
    assert [p for p in folder.rglob("*") if p.is_file() and p.name != "expected.toml"]


def test_no_fixture_for_a_rule_that_does_not_exist():
    assert sorted(p.name for p in FIXTURES.iterdir() if p.is_dir()) == sorted(CODES)


@pytest.mark.parametrize("code", CODES)
def test_explain_renders_name_code_severity_and_doc(code):
    rule = find_rule(code)
    text = explain(code)
    assert text.startswith(f"{rule.name} ({code})\n")
    assert f"Default severity: {rule.severity.label}" in text
    assert doc_of(rule) in text
    assert explain(rule.name) == text


def test_find_rule_by_code_and_name():
    rule = find_rule("PLS203")
    assert rule is not None and rule.name == "unknown-model"
    assert find_rule("pls203") is rule
    assert find_rule(" unknown-model ") is rule
    assert find_rule("Unknown-Model") is rule
    assert find_rule("PLS999") is None
    assert find_rule("no-such-rule") is None
    assert explain("PLS999") is None


def test_findings_carry_their_rules_code_name_and_severity():
    rule = find_rule("duplicate-key")
    prompt = parse_prompt("p.md", "---\na: 1\na: 2\n---\n")
    (finding,) = prompt.problems
    assert (finding.code, finding.name, finding.severity) == (rule.code, rule.name, rule.severity)


# --- the fixtures ------------------------------------------------------------------------------


def run_fixture(code: str, tmp_path: Path, catalog: Catalog) -> tuple[list[tuple[str, Finding]], dict]:
    """Copy the fixture to a scratch folder (so no settings above it apply) and check all of it."""
    shutil.copytree(FIXTURES / code, tmp_path / "project")
    return run_fixture_in_place(tmp_path, catalog)


def run_fixture_in_place(tmp_path: Path, catalog: Catalog) -> tuple[list[tuple[str, Finding]], dict]:
    project = tmp_path / "project"
    expected = tomllib.loads((project / "expected.toml").read_text(encoding="utf-8"))
    today = expected.get("today", DEFAULT_TODAY)
    loader = SettingsLoader(user_config=str(tmp_path / "none.toml"))
    files = sorted(p for p in project.rglob("*") if p.is_file() and p.name != "expected.toml")
    found: list[tuple[str, Finding]] = []
    prompts = []
    for path in files:
        if path.name in SETTINGS_FILES or path.name == LOCK_FILE or not is_candidate(str(path)):
            continue
        text, unreadable = decode(path.read_bytes(), str(path))
        prompt = parse_prompt(str(path), text)
        prompts.append(prompt)
        findings = [unreadable] if unreadable else []
        installed = expected.get("installed")
        local = installed.get if isinstance(installed, dict) else None  # what the model cache lists
        findings += check_prompt(prompt, loader.for_prompt(str(path)), catalog, today=today, installed=local)
        found += [(path.relative_to(project).as_posix(), f) for f in findings]
    for path in files:
        if manifest_kind(str(path)) is not None:  # a Claude Code plugin's or marketplace's manifest
            manifest = read_manifest(str(path), path.read_text(encoding="utf-8"))
            found += [(path.relative_to(project).as_posix(), f) for f in check_manifest(manifest)]
        if path.name not in SETTINGS_FILES:
            continue
        settings = loader.for_directory(str(path.parent))
        file = next(f for f in settings.files if f.path == str(path))
        findings = check_settings_file(file, settings, catalog, today)
        findings += check_assignments(file, prompts, settings.root)
        found += [(path.relative_to(project).as_posix(), f) for f in findings]
    if (project / LOCK_FILE).is_file():  # what `promptls check --locked` adds
        found += _locked(project, prompts, loader, catalog)
    return found, expected


def _locked(
    project: Path, prompts: list, loader: SettingsLoader, catalog: Catalog
) -> list[tuple[str, Finding]]:
    text = (project / LOCK_FILE).read_text(encoding="utf-8")
    try:
        lock = parse_lock(text)
    except LockError as exc:
        return [(LOCK_FILE, invalid_lock_finding(str(project / LOCK_FILE), text, exc))]
    found, seen = [], set()
    for prompt in prompts:
        rel = Path(prompt.path).relative_to(project).as_posix()
        seen.add(rel)
        entry = locked_entry(resolve(prompt, loader.for_prompt(prompt.path), catalog), catalog, rel)
        found += [(rel, f) for f in lock_findings(prompt, entry, lock, LOCK_FILE, catalog.generated)]
    found += [(LOCK_FILE, f) for f in stale_findings(lock, str(project / LOCK_FILE), text, seen)]
    return found


def _shown(found: list[tuple[str, Finding]]) -> str:
    return "\n".join(f"{path}:{f.span.line}:{f.span.column}: {f.code} {f.message}" for path, f in found)


@pytest.mark.parametrize("code", CODES)
def test_fixture_raises_its_rule(code, tmp_path, catalog):
    found, expected = run_fixture(code, tmp_path, catalog)
    wanted = expected["finding"]
    assert wanted, "a fixture must expect at least one finding"
    for want in wanted:
        assert want["code"] == code
        match = [
            f
            for path, f in found
            if f.code == want["code"]
            and path == want["path"]
            and f.span.line == want["line"]
            and want["message"] in f.message
        ]
        assert match, f"expected {want} among:\n{_shown(found)}"
        finding = match[0]
        assert finding.name == find_rule(code).name
        severity = want.get("severity", find_rule(code).severity.label)
        assert finding.severity.label == severity, _shown([(want["path"], finding)])
    # nothing else: the fixture's own code fires only where expected, other codes only if allowed
    ours = [(p, f) for p, f in found if f.code == code]
    assert len(ours) == len(wanted), _shown(ours)
    allowed = {code, *expected.get("also", ())}
    others = [(p, f) for p, f in found if f.code not in allowed]
    assert not others, f"unexpected findings:\n{_shown(others)}"


@pytest.mark.parametrize("code", ["PLS103", "PLS110", "PLS112", "PLS114", "PLS202", "PLS203", "PLS302"])
def test_a_fixtures_quick_fix_clears_its_finding(code, tmp_path, catalog):
    found, _ = run_fixture(code, tmp_path, catalog)
    path, finding = next((p, f) for p, f in found if f.code == code)
    assert finding.fix is not None
    target = tmp_path / "project" / path
    text = target.read_text(encoding="utf-8")
    for edit in sorted(finding.fix.edits, key=lambda e: e.span.start, reverse=True):
        assert edit.path == str(target)
        text = text[: edit.span.start] + edit.new_text + text[edit.span.end :]
    target.write_text(text, encoding="utf-8")
    again, _ = run_fixture_in_place(tmp_path, catalog)
    assert not [f for _, f in again if f.code == code], _shown(again)


# --- did you mean, in the file's dialect ----------------------------------------------------------


@pytest.mark.parametrize(
    ("rel", "written", "meant"),
    [
        # Claude Code's own words and ids first: `sonet` is `sonnet`, not OpenRouter's `perplexity/sonar`
        (".claude/agents/rev.md", "sonet", "sonnet"),
        (".claude/agents/rev.md", "inherti", "inherit"),
        (".claude/commands/ship.md", "haiku-4-5", "claude-haiku-4-5"),
        (".claude/agents/rev.md", "claude-opus-4-55", "claude-opus-4-5"),  # in Claude Code's spelling
        (".claude/agents/rev.md", "gpt-4o", "openai/gpt-4o"),  # no Claude word near: the id of that name
        ("prompts/p.prompt", "googleai/gemini-2.5-prp", "googleai/gemini-2.5-pro"),  # in Genkit's spelling
        (".github/agents/a.agent.md", "Claude Sonet 4.5", "Claude Sonnet 4.5"),  # Copilot's picker names
        (".github/prompts/p.prompt.md", "Gemni 2.5 Pro", "Gemini 2.5 Pro"),
        ("prompts/p.md", "openai/gpt-4oo", "openai/gpt-4o"),
    ],
)
def test_did_you_mean_answers_in_the_files_dialect(tmp_path, catalog, rel, written, meant):
    path = tmp_path / rel
    path.parent.mkdir(parents=True)
    text = f"---\nname: rev\ndescription: d\nmodel: {written}\n---\nBody\n"
    path.write_text(text, encoding="utf-8")
    settings = SettingsLoader(user_config=str(tmp_path / "none.toml")).for_prompt(str(path))
    findings = check_prompt(parse_prompt(str(path), text), settings, catalog, today=DEFAULT_TODAY)
    (finding,) = [f for f in findings if "did you mean" in f.message]
    assert finding.message.split("did you mean ")[1].startswith(f"`{meant}`?"), finding.message
    assert finding.fix is not None and [e.new_text for e in finding.fix.edits] == [meant]
