"""Running does not depend on recording: with a ledger that cannot be used, `promptls run` warns once,
answers, and exits 0; `promptls costs` still reports the same ledger problem as an error."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.wire.openai_server import Ok, OpenAIWireServer

PROMPT = "---\nmodel: openai/gpt-4o\n---\nSay hi\n"


def broken_ledger(kind: str, tmp_path: Path) -> Path:
    """A ledger path that cannot be used, each way a user's machine can get there."""
    if kind == "a folder":
        path = tmp_path / "ledger-folder"
        path.mkdir()
        return path
    if kind == "not a database":
        path = tmp_path / "notes.sqlite3"
        path.write_text("these are my notes, not a database\n" * 50)
        return path
    if kind == "a newer schema":
        path = tmp_path / "future.sqlite3"
        conn = sqlite3.connect(path)
        conn.execute("PRAGMA user_version = 999")
        conn.close()
        return path
    assert kind == "under a file"  # its folder cannot be made (read-only folders do not stop root)
    (tmp_path / "a-file").write_text("x")
    return tmp_path / "a-file" / "ledger.sqlite3"


@pytest.mark.parametrize("kind", ["a folder", "not a database", "a newer schema", "under a file"])
def test_an_unusable_ledger_is_one_warning_and_the_run_answers(run_promptls, tmp_path, kind):
    ledger = broken_ledger(kind, tmp_path)
    before = ledger.read_bytes() if ledger.is_file() else None
    project = tmp_path / "project"
    (project / "prompts").mkdir(parents=True)
    (project / "prompts" / "hi.md").write_text(PROMPT)
    with OpenAIWireServer() as server:
        server.script(Ok(text="Hello there."))
        (project / "promptls.toml").write_text(f'[providers.openai]\nbase_url = "{server.base_url}"\n')
        proc = run_promptls("run", "prompts/hi.md", cwd=project, env={"PROMPTLS_LEDGER": str(ledger)})
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "Hello there."
    assert proc.stderr.count("not recorded in the usage ledger") == 1
    assert "bug in promptls" not in proc.stderr
    if before is not None:
        assert ledger.read_bytes() == before  # nothing the user had is lost

    costs = run_promptls("costs", cwd=project, env={"PROMPTLS_LEDGER": str(ledger)})
    assert "bug in promptls" not in costs.stderr
    if kind == "under a file":  # no ledger there, and `costs` never creates one
        assert costs.stdout.startswith("Nothing has been run yet")
    else:
        assert costs.returncode == 2
        assert "ledger" in costs.stderr


def test_costs_since_the_first_day_of_the_calendar_is_all_time(run_promptls, tmp_path):
    env = {"PROMPTLS_LEDGER": str(tmp_path / "ledger.sqlite3")}
    for since in ("0001-01-01", "9999-12-31"):
        proc = run_promptls("costs", "--since", since, cwd=tmp_path, env=env)
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.startswith(("No runs since", "Nothing has been run yet"))
