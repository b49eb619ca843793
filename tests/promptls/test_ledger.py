"""The usage ledger on a real SQLite file: schema, runs and attempts, summaries, honesty about money,
no keys stored, and several processes writing at once."""

from __future__ import annotations

import datetime
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from promptls.adapters.redact import REDACTED, scrub
from promptls.router.settings import SettingsLoader

from promptls.ledger import LedgerError, open_ledger
from promptls.ledger.budgets import budget_warning
from promptls.ledger.queries import attempts, count, runs, summary, totals
from promptls.ledger.schema import MIGRATIONS

ROOT = Path(__file__).resolve().parents[2]
DAY1 = datetime.date(2025, 3, 10)
DAY2 = datetime.date(2025, 3, 11)
# fmt: off
RUN_COLUMNS = {
    "id", "started_at", "finished_at", "pid", "prompt_path", "prompt_name", "dialect", "requested_model",
    "used_model", "input_tokens", "output_tokens", "cost_usd", "input_price", "output_price", "price_source",
    "latency_ms", "first_token_ms", "outcome", "error", "usage_source",
    "client", "agent", "fallbacks", "cache_read_tokens", "cache_write_tokens",
}
PROXY_COLUMNS = {"client", "agent", "fallbacks", "cache_read_tokens", "cache_write_tokens"}
"""Added by migration 3."""
# fmt: on
ATTEMPT_COLUMNS = {"id", "run_id", "n", "model", "started_at", "latency_ms", "error_kind", "error_message"}


class Clock:
    """A settable clock, in local time (the ledger stores UTC, counts days in local time)."""

    def __init__(self, day: datetime.date) -> None:
        self.set(day)

    def set(self, day: datetime.date, hour: int = 12) -> None:
        self.now = datetime.datetime.combine(day, datetime.time(hour)).astimezone()

    def __call__(self) -> datetime.datetime:
        return self.now


def add_run(ledger, *, prompt: str, model: str, outcome: str = "ok", **finish) -> int:
    run_id = ledger.start_run(
        prompt_path=f"/p/{prompt}.md", prompt_name=prompt, dialect="generic", requested_model=model
    )
    ledger.finish_run(run_id, outcome=outcome, **finish)
    return run_id


@pytest.fixture
def filled(tmp_path: Path):
    """Two days of runs: a priced one, an unpriced one, a free local one, a failed one with no usage."""
    clock = Clock(DAY1)
    ledger = open_ledger(str(tmp_path / "ledger.sqlite3"), clock=clock)
    priced = dict(input_tokens=1000, output_tokens=200, input_price=2.5, output_price=10.0)
    add_run(ledger, prompt="review", model="openai/gpt-4o", used_model="openai/gpt-4o", **priced)
    add_run(
        ledger,
        prompt="review",
        model="openai/gpt-4o",
        used_model="openrouter/meta/llama",
        input_tokens=100,
        output_tokens=50,
    )
    clock.set(DAY2)
    add_run(
        ledger,
        prompt="summarize",
        model="ollama/llama3.2",
        used_model="ollama/llama3.2",
        input_tokens=500,
        output_tokens=100,
        input_price=0.0,
        output_price=0.0,
    )
    add_run(ledger, prompt="summarize", model="anthropic/claude-x", outcome="failed", error="auth (401)")
    yield ledger
    ledger.close()


def columns(conn: sqlite3.Connection, table: str) -> set[str]:
    return {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}


def test_migrations_are_numbered_uniquely_upward_and_a_blank_file_reaches_the_final_schema(tmp_path):
    numbers = [number for number, _ in MIGRATIONS]
    assert numbers == sorted(set(numbers)) and numbers[0] >= 1
    path = str(tmp_path / "sub" / "ledger.sqlite3")
    with open_ledger(path) as ledger:
        conn = ledger.conn
        assert conn.execute("PRAGMA user_version").fetchone()[0] == numbers[-1]
        assert columns(conn, "runs") == RUN_COLUMNS
        assert columns(conn, "attempts") == ATTEMPT_COLUMNS
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA busy_timeout").fetchone()[0] > 0
    with open_ledger(path) as again:  # re-opening migrates nothing twice
        assert count(again) == 0
    newer = sqlite3.connect(path)
    newer.execute(f"PRAGMA user_version = {numbers[-1] + 1}")
    newer.close()
    with pytest.raises(LedgerError, match="newer than this promptls"):
        open_ledger(path)


def test_a_ledger_written_before_the_last_migration_opens_keeps_its_runs_and_reaches_the_final_schema(
    tmp_path,
):
    path = tmp_path / "old.sqlite3"
    old = sqlite3.connect(path)  # a ledger as the promptls before migration 2 left it
    old.executescript(dict(MIGRATIONS)[1])
    old.execute(
        "INSERT INTO runs (started_at, prompt_name, used_model, input_tokens, output_tokens, cost_usd,"
        " outcome) VALUES (?, 'review', 'openai/gpt-4o', 1000, 200, 0.0045, 'ok')",
        ("2025-03-10T12:00:00.000+00:00",),
    )
    old.execute("PRAGMA user_version = 1")
    old.commit()
    assert columns(old, "runs") == RUN_COLUMNS - {"usage_source"} - PROXY_COLUMNS
    old.close()
    with open_ledger(str(path)) as ledger:
        assert columns(ledger.conn, "runs") == RUN_COLUMNS
        [row] = runs(ledger)
        assert (row["prompt_name"], row["cost_usd"], row["usage_source"]) == ("review", 0.0045, None)


def test_a_run_is_committed_when_it_starts_and_completed_when_it_finishes(tmp_path):
    path = str(tmp_path / "ledger.sqlite3")
    ledger = open_ledger(path)
    run_id = ledger.start_run(
        prompt_path="/p/a.md", prompt_name="a", dialect="claude-agent", requested_model="openai/gpt-4o"
    )
    with open_ledger(path) as reader:  # another connection sees it before the run ends
        [row] = runs(reader)
        assert (row["outcome"], row["pid"], row["finished_at"]) == ("running", os.getpid(), None)
    ledger.record_attempt(run_id, model="openai/gpt-4o", latency_ms=80, error_kind="rate-limited")
    ledger.record_attempt(run_id, model="openai/gpt-4o-mini", latency_ms=400)
    ledger.finish_run(
        run_id,
        outcome="ok",
        used_model="openai/gpt-4o-mini",
        input_tokens=2000,
        output_tokens=1000,
        input_price=0.15,
        output_price=0.6,
        price_source="2025-03-01",
        latency_ms=400,
        first_token_ms=90,
    )
    [row] = runs(ledger)
    assert row["outcome"] == "ok" and row["finished_at"] >= row["started_at"]
    assert row["cost_usd"] == pytest.approx(0.0009)  # computed from the tokens and the prices kept
    assert (row["input_price"], row["output_price"], row["price_source"]) == (0.15, 0.6, "2025-03-01")
    assert [(a["n"], a["model"], a["error_kind"]) for a in attempts(ledger, run_id)] == [
        (1, "openai/gpt-4o", "rate-limited"),
        (2, "openai/gpt-4o-mini", None),
    ]
    with pytest.raises(ValueError, match="outcome must be"):
        ledger.finish_run(run_id, outcome="running")
    with pytest.raises(ValueError, match="no run 999"):
        ledger.finish_run(999, outcome="ok")
    ledger.close()


def test_a_run_whose_process_ended_without_finishing_is_reported_interrupted(tmp_path):
    path = str(tmp_path / "ledger.sqlite3")
    script = (
        "import sys; from promptls.ledger import open_ledger\n"
        "ledger = open_ledger(sys.argv[1])\n"
        "print(ledger.start_run(prompt_path='a.md', prompt_name='a', dialect=None, requested_model='m/x'))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", script, path], cwd=ROOT, capture_output=True, text=True, timeout=60, check=True
    )
    with open_ledger(path) as ledger:
        [row] = runs(ledger)
        assert row["id"] == int(proc.stdout) and row["pid"] != os.getpid()
        assert row["outcome"] == "interrupted" and "ended before the run finished" in row["error"]
        stored = ledger.conn.execute("SELECT outcome FROM runs").fetchone()[0]
        assert stored == "interrupted"
        assert summary(ledger)[0]["unknown_cost"] == 1  # it may have cost something


SUMMARIES = {
    "day": [("2025-03-10", 2, 2, 0, 0.0045, 1), ("2025-03-11", 2, 1, 1, 0.0, 0)],
    "prompt": [("review", 2, 2, 0, 0.0045, 1), ("summarize", 2, 1, 1, 0.0, 0)],
    "model": [
        ("openai/gpt-4o", 1, 1, 0, 0.0045, 0),
        ("anthropic/claude-x", 1, 0, 1, 0.0, 0),  # failed, no usage: nothing to pay, not unknown
        ("ollama/llama3.2", 1, 1, 0, 0.0, 0),
        ("openrouter/meta/llama", 1, 1, 0, None, 1),  # no price: unknown, never $0
    ],
    "provider": [
        ("openai", 1, 1, 0, 0.0045, 0),
        ("anthropic", 1, 0, 1, 0.0, 0),
        ("ollama", 1, 1, 0, 0.0, 0),
        ("openrouter", 1, 1, 0, None, 1),
    ],
}


@pytest.mark.parametrize("by", SUMMARIES)
def test_summary_by_each_dimension(filled, by):
    rows = summary(filled, by=by)
    got = [(r["key"], r["runs"], r["ok"], r["failed"], r["cost_usd"], r["unknown_cost"]) for r in rows]
    assert got == [(*row[:4], pytest.approx(row[4]) if row[4] else row[4], row[5]) for row in SUMMARIES[by]]


def test_since_spend_and_unknown_costs(filled):
    assert [r["prompt_name"] for r in runs(filled, since=DAY2)] == ["summarize", "summarize"]
    assert [r["key"] for r in summary(filled, since=DAY2, by="prompt")] == ["summarize"]
    tokens = summary(filled, by="day")[0]
    assert (tokens["input_tokens"], tokens["output_tokens"]) == (1100, 250)
    assert totals(filled, DAY1)[0] == pytest.approx(0.0045)
    assert totals(filled, DAY2) == (0.0, 0)
    assert totals(filled, DAY1) == (pytest.approx(0.0045), 1)
    unpriced = next(r for r in runs(filled) if r["used_model"] == "openrouter/meta/llama")
    assert unpriced["cost_usd"] is None
    with pytest.raises(ValueError, match="by must be"):
        summary(filled, by="week")


KEYS = [
    "sk-proj-" + "Ab1_" * 12,
    "sk-or-v1-" + "0f" * 32,
    "sk-ant-api03-" + "xY9-" * 20,
    "AIzaSy" + "B" * 33,
]


@pytest.mark.parametrize("key", KEYS)
def test_the_ledger_never_stores_anything_shaped_like_a_key(tmp_path, key):
    with open_ledger(str(tmp_path / "ledger.sqlite3")) as ledger:
        run_id = ledger.start_run(prompt_path="p.md", prompt_name=key, dialect=None, requested_model="m/x")
        ledger.record_attempt(
            run_id, model="m/x", latency_ms=5, error_kind="auth", error_message=f"401: invalid key {key}."
        )
        ledger.finish_run(run_id, outcome="failed", error=f"Authorization: Bearer {key}")
    dump = "\n".join(sqlite3.connect(tmp_path / "ledger.sqlite3").iterdump())
    assert key not in dump
    assert f"invalid key {REDACTED}." in dump and f"Bearer {REDACTED}" in dump


def test_scrub_removes_the_given_secrets_and_key_shapes():
    assert scrub("failed with token hunter2-secret at host", ["hunter2-secret", "", None]) == (
        f"failed with token {REDACTED} at host"
    )
    assert scrub("ollama at localhost", ["x"]) == "ollama at localhost"  # a dummy key is no secret
    assert scrub(f"bad {KEYS[0]}") == f"bad {REDACTED}"
    for name in ("risk-assessment-prompts-and-more.md", "sk-learning-notes-draft.md"):
        assert scrub(name) == name
    assert scrub(None, ["k"]) is None


def test_budget_warning_names_the_crossed_budget_and_where_it_was_set(filled, tmp_path):
    project = tmp_path / "project"
    project.mkdir()
    (project / "promptls.toml").write_text("[budget]\nmonthly_usd = 0.004\ndaily_usd = 1\n")
    files = SettingsLoader().for_directory(str(project)).files
    warning = budget_warning(filled, files, DAY1)
    assert warning is not None
    assert "spent $0.0045 of $0.0040 this month (112%)" in warning and "promptls.toml:2" in warning
    assert "plus 1 run of unknown cost" in warning and "today" not in warning
    assert budget_warning(filled, files, DAY2.replace(month=4)) is None  # a new month
    assert budget_warning(filled, (), DAY1) is None  # no budget set


def test_importing_the_ledger_does_not_load_sqlite():
    modules = "promptls.ledger.budgets, promptls.ledger.queries, promptls.cli.costs"
    code = f"import sys, promptls.ledger, {modules}; print('sqlite3' in sys.modules)"
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert proc.stdout.strip() == "False", proc.stderr


WRITER = """
import sys
from promptls.ledger import open_ledger
print("ready", flush=True)
sys.stdin.readline()  # both start writing at once
path, count, name = sys.argv[1:]
with open_ledger(path) as ledger:
    for _ in range(int(count)):
        run_id = ledger.start_run(prompt_path="p.md", prompt_name=name, dialect=None, requested_model="m")
        ledger.record_attempt(run_id, model="m", latency_ms=1)
        ledger.finish_run(run_id, outcome="ok", input_tokens=1, output_tokens=1, cost_usd=0.01)
"""


def test_two_processes_writing_to_a_blank_ledger_at_once(tmp_path):
    path, per_writer = str(tmp_path / "ledger.sqlite3"), 150
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, path, str(per_writer), name],
            cwd=ROOT,
            text=True,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for name in ("one", "two")
    ]
    for writer in writers:
        assert writer.stdout.readline().strip() == "ready"
    for writer in writers:
        writer.stdin.write("go\n")
        writer.stdin.flush()
    for writer in writers:
        _, err = writer.communicate(timeout=60)
        assert writer.returncode == 0, err
    with open_ledger(path) as ledger:
        rows = summary(ledger, by="prompt")
        assert sorted((r["key"], r["runs"], r["ok"]) for r in rows) == [
            ("one", per_writer, per_writer),
            ("two", per_writer, per_writer),
        ]
        assert ledger.conn.execute("SELECT COUNT(*) FROM attempts").fetchone()[0] == 2 * per_writer


def test_the_proxy_s_requests_are_written_whole_in_one_transaction(tmp_path):
    """`record_runs`: runs recorded after they ended, their attempts numbered in order; a batch that
    cannot be written leaves nothing of itself behind."""
    from promptls.ledger.record import WholeRun

    began = datetime.datetime(2026, 12, 1, 12, 0, tzinfo=datetime.UTC)
    start = {"prompt_path": None, "prompt_name": None, "dialect": None, "requested_model": "claude-opus-4-8"}
    tried = [
        {"model": "openai/gpt-4o", "latency_ms": 80, "error_kind": "unavailable", "error_message": "500"},
        {"model": "lmstudio/qwen2.5-coder", "latency_ms": 30},
    ]
    done = {"outcome": "ok", "used_model": "lmstudio/qwen2.5-coder", "input_tokens": 10, "output_tokens": 5}
    path = str(tmp_path / "ledger.sqlite3")
    with open_ledger(path) as ledger:
        ledger.record_runs(
            [
                WholeRun(began, {**start, "client": "Claude Code", "agent": "reviewer"}, tried, done),
                WholeRun(began, start, tried[1:], done),
            ]
        )
        first, second = sorted(runs(ledger), key=lambda row: row["id"])
        assert (first["client"], first["agent"], first["outcome"]) == ("Claude Code", "reviewer", "ok")
        assert [(a["n"], a["model"]) for a in attempts(ledger, first["id"])] == [
            (1, "openai/gpt-4o"),
            (2, "lmstudio/qwen2.5-coder"),
        ]
        assert [a["n"] for a in attempts(ledger, second["id"])] == [1]
        with pytest.raises(ValueError, match="outcome must be"):
            ledger.record_runs(
                [WholeRun(began, start, tried, done), WholeRun(began, start, [], {"outcome": "?"})]
            )
        assert count(ledger) == 2  # the failed batch's first run was rolled back with it
