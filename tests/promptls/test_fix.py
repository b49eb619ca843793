"""`promptls check --fix`, `--diff` and `--unsafe-fixes`, run as a user would, on the rule fixtures.

Every rule fixture (tests/fixtures/rules/) is copied, side by side, into one folder; promptls checks
it, fixes it, and checks it again. What must hold: the fixed findings are gone, nothing fixable is
left, and nothing changed outside the lines the fixes named — also when the files use CRLF line
endings, a byte-order mark and comments.
"""

from __future__ import annotations

import json
import os
import pathlib
import shutil

import pytest

FIXTURES = pathlib.Path(__file__).resolve().parents[1] / "fixtures" / "rules"
TEXT_SUFFIXES = (".md", ".prompt", ".prompty", ".toml")


def _copy_fixtures(root: pathlib.Path) -> pathlib.Path:
    for fixture in sorted(FIXTURES.iterdir()):
        shutil.copytree(fixture, root / fixture.name, ignore=shutil.ignore_patterns("expected.toml"))
    return root


def _files(root: pathlib.Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(root)): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file() and not path.is_symlink()
    }


def _findings(run_promptls, root: pathlib.Path) -> list[dict]:
    return json.loads(run_promptls("check", "--output-format", "json", cwd=root).stdout)


def _touched_lines(findings: list[dict]) -> dict[str, set[int]]:
    """For each file, the lines (1-based, of the text before the fix) that its fixes' edits cover."""
    lines: dict[str, set[int]] = {}
    for finding in findings:
        for edit in finding["fix"]["edits"]:
            first, last = edit["location"]["line"], edit["end_location"]["line"]
            lines.setdefault(os.path.normpath(edit["path"]), set()).update(range(first, last + 1))
    return lines


def _changed_lines(before: bytes, after: bytes) -> set[int]:
    """Lines of `before` (1-based) that are not kept, unchanged and in order, in `after`."""
    import difflib

    old, new = before.splitlines(keepends=True), after.splitlines(keepends=True)
    changed: set[int] = set()
    for tag, i1, i2, _, _ in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if tag != "equal":
            changed.update(range(i1 + 1, max(i2, i1 + 1) + 1))
    return changed


@pytest.fixture(scope="module")
def fixed(tmp_path_factory, run_promptls_module):
    """The fixtures before and after `check --fix --unsafe-fixes`, with the findings of each."""
    root = _copy_fixtures(tmp_path_factory.mktemp("fix"))
    before_files = _files(root)
    before = _findings(run_promptls_module, root)
    proc = run_promptls_module("check", "--fix", "--unsafe-fixes", cwd=root)
    after = _findings(run_promptls_module, root)
    return root, before_files, before, proc, _files(root), after


def test_fix_applies_every_fix_and_leaves_nothing_fixable(fixed):
    _, _, before, proc, _, after = fixed
    fixable = [f for f in before if f["fix"]]
    assert len({f["code"] for f in fixable}) >= 10  # the fixtures exercise the fixes of many rules
    assert not [f for f in after if f["fix"]], "fixable findings left after --fix"
    gone = {(f["code"], f["path"], f["message"]) for f in fixable}
    remaining = {(f["code"], f["path"], f["message"]) for f in after}
    assert not gone & remaining
    assert f"Fixed {len(fixable)} findings" in proc.stdout or "Fixed " in proc.stdout


def test_fix_changes_nothing_but_the_lines_its_fixes_name(fixed):
    _, before_files, before, _, after_files, _ = fixed
    touched = _touched_lines([f for f in before if f["fix"]])
    assert set(after_files) == set(before_files)  # no file added or removed (no temp file left)
    for rel, data in before_files.items():
        lines = touched.get(os.path.normpath(rel), set())
        changed = _changed_lines(data, after_files[rel])
        assert changed <= lines, f"{rel}: lines {sorted(changed - lines)} changed but no fix names them"


def test_safe_fixes_only_without_unsafe_fixes_and_diff_writes_nothing(run_promptls, tmp_path):
    agent = tmp_path / ".claude" / "agents" / "reviewer.md"
    agent.parent.mkdir(parents=True)
    original = "---\nname: reviewer\ndescription: Reviews\nmodle: sonnet\nflavour: salty\n---\nReview.\n"
    agent.write_text(original)
    diff = run_promptls("check", "--diff", cwd=tmp_path)
    assert diff.returncode == 1
    assert agent.read_text() == original
    assert "-modle: sonnet\n+model: sonnet\n" in diff.stdout
    assert "colour" not in diff.stdout.replace(" flavour: salty", "")  # removing a key is unsafe
    assert "Would fix 1 finding in 1 file." in diff.stderr

    proc = run_promptls("check", "--fix", cwd=tmp_path)
    assert agent.read_text() == original.replace("modle:", "model:")
    assert "Fixed 1 finding in 1 file." in proc.stdout
    assert "PLS110 unknown key `flavour`" in proc.stdout  # left, and not marked [*]
    assert "1 more with `--fix --unsafe-fixes`" in proc.stdout

    run_promptls("check", "--fix", "--unsafe-fixes", cwd=tmp_path)
    assert "flavour" not in agent.read_text()
    assert run_promptls("check", "--diff", cwd=tmp_path).returncode == 0


def test_line_endings_bom_comments_and_quotes_survive(run_promptls, tmp_path):
    prompt = tmp_path / "prompts" / "draft.md"
    prompt.parent.mkdir()
    text = (
        '---\r\n# the model we settled on\r\nmodel: "openai/gpt-4oo"  # see ADR 7\r\ntemprature: 0.2\r\n'
        "---\r\nHi\r\n"
    )
    prompt.write_bytes("\ufeff".encode() + text.encode())
    settings = tmp_path / "promptls.toml"
    settings.write_bytes(b"\xef\xbb\xbf# team settings\r\n[defaults]\r\nmodle = 'openai/gpt-4o'  # ok\r\n")
    run_promptls("check", "--fix", cwd=tmp_path)
    expected = text.replace("gpt-4oo", "gpt-4o").replace("temprature", "temperature")
    assert prompt.read_bytes() == "\ufeff".encode() + expected.encode()
    assert (
        settings.read_bytes()
        == b"\xef\xbb\xbf# team settings\r\n[defaults]\r\nmodel = 'openai/gpt-4o'  # ok\r\n"
    )


def test_a_file_that_is_not_utf8_is_left_alone_and_a_symlink_stays_a_link(run_promptls, tmp_path):
    broken = tmp_path / "prompts" / "latin1.md"
    broken.parent.mkdir()
    data = "---\nmodle: openai/gpt-4o\ntitle: caf\xe9\n---\n".encode("latin-1")
    broken.write_bytes(data)
    real = tmp_path / "shared" / "agent.md"
    real.parent.mkdir()
    real.write_text("---\nname: a\ndescription: d\nmodle: sonnet\n---\nx\n")
    link = tmp_path / ".claude" / "agents" / "agent.md"
    link.parent.mkdir(parents=True)
    link.symlink_to(real)
    proc = run_promptls("check", "--fix", str(broken), str(link), cwd=tmp_path)
    assert broken.read_bytes() == data
    assert "latin1.md: not fixed: it is not valid UTF-8" in proc.stderr
    assert link.is_symlink()
    assert "model: sonnet" in real.read_text()


@pytest.fixture(scope="module")
def run_promptls_module():
    from tests.conftest import run_promptls_command

    return run_promptls_command
