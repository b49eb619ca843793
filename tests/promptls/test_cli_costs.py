"""The real `promptls costs` command over a ledger filled through the API (each test starts a subprocess)."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import pytest

from promptls.cli import UsageError
from promptls.cli.costs import parse_since
from promptls.ledger import open_ledger

TODAY = datetime.date.today()
OLD = TODAY - datetime.timedelta(days=40)


@pytest.fixture
def ledger_env(tmp_path: Path) -> dict[str, str]:
    """A ledger with two runs today (one priced, one not) and one 40 days ago, all of prompt `review`
    except the old one (`draft`)."""
    path = tmp_path / "ledger.sqlite3"
    moment = {"day": OLD}

    def clock() -> datetime.datetime:
        return datetime.datetime.combine(moment["day"], datetime.time(12)).astimezone()

    with open_ledger(str(path), clock=clock) as ledger:
        for prompt, model, prices in (
            ("draft", "openai/gpt-4o", (2.5, 10.0)),
            ("review", "openai/gpt-4o", (2.5, 10.0)),
            ("review", "openrouter/meta/llama", (None, None)),
        ):
            run_id = ledger.start_run(
                prompt_path=f"{prompt}.md", prompt_name=prompt, dialect="generic", requested_model=model
            )
            ledger.finish_run(
                run_id,
                outcome="ok",
                used_model=model,
                input_tokens=1000,
                output_tokens=200,
                input_price=prices[0],
                output_price=prices[1],
            )
            moment["day"] = TODAY
    return {"PROMPTLS_LEDGER": str(path)}


def table(stdout: str) -> dict[str, list[str]]:
    """The table's rows by first cell (header and `total` included), split on runs of spaces."""
    rows = {}
    for line in stdout.splitlines():
        cells = [c.strip() for c in line.split("  ") if c.strip()]
        if len(cells) >= 7:
            rows[cells[0]] = cells[1:]
    return rows


def test_the_default_table_counts_the_last_30_days_and_never_shows_unknown_as_zero(
    run_promptls, tmp_path, ledger_env
):
    proc = run_promptls("costs", cwd=tmp_path, env=ledger_env)
    assert proc.returncode == 0 and proc.stderr == ""
    rows = table(proc.stdout)
    assert rows["DAY"] == ["RUNS", "OK", "FAILED", "TOKENS IN", "TOKENS OUT", "COST"]
    assert rows[TODAY.isoformat()] == ["2", "2", "0", "2,000", "400", "$0.0045 + 1 unknown"]
    assert rows["total"] == rows[TODAY.isoformat()]
    assert OLD.isoformat() not in proc.stdout and "\x1b[" not in proc.stdout
    assert "1 run of unknown cost" in proc.stdout and "Budget" not in proc.stdout


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            ["--by", "model", "--since", "all"],
            {"openai/gpt-4o": "$0.0090", "openrouter/meta/llama": "unknown"},
        ),
        (["--by", "provider", "--since", "today"], {"openai": "$0.0045", "openrouter": "unknown"}),
        (
            ["--by", "prompt", "--since", OLD.isoformat()],
            {"draft": "$0.0045", "review": "$0.0045 + 1 unknown"},
        ),
    ],
)
def test_by_and_since(run_promptls, tmp_path, ledger_env, args, expected):
    proc = run_promptls("costs", *args, cwd=tmp_path, env=ledger_env)
    assert proc.returncode == 0, proc.stderr
    rows = table(proc.stdout)
    assert {key: cells[-1] for key, cells in rows.items() if key != "total" and not key.isupper()} == expected


def test_json(run_promptls, tmp_path, ledger_env):
    proc = run_promptls(
        "costs", "--json", "--by", "model", "--since", "this-month", cwd=tmp_path, env=ledger_env
    )
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["since"] == TODAY.replace(day=1).isoformat() and report["by"] == "model"
    models = {row["model"]: row for row in report["rows"]}
    assert models["openrouter/meta/llama"]["cost_usd"] is None
    assert models["openrouter/meta/llama"]["unknown_cost_runs"] == 1
    assert models["openai/gpt-4o"]["cost_usd"] == pytest.approx(0.0045)
    assert report["totals"]["runs"] == 2 and report["totals"]["input_tokens"] == 2000
    assert report["budgets"] == []


def test_budget_status_and_warning(run_promptls, tmp_path, ledger_env):
    (tmp_path / "promptls.toml").write_text("[budget]\nmonthly_usd = 0.002\ndaily_usd = 1.0\n")
    proc = run_promptls("costs", cwd=tmp_path, env=ledger_env)
    assert proc.returncode == 0
    month = "spent $0.0045 of $0.0020 this month (225%)"  # the run 40 days ago is in another month
    assert f"Budget: {month}" in proc.stdout and "plus 1 run of unknown cost" in proc.stdout
    assert "Budget: spent $0.0045 of $1.00 today (<1%)" in proc.stdout
    assert proc.stderr.splitlines() == [
        f"promptls costs: warning: over budget: {month}, plus 1 run of unknown cost (set in promptls.toml:2)"
    ]


def test_no_ledger_yet_says_how_to_fill_it_without_creating_it(run_promptls, tmp_path):
    missing = tmp_path / "none" / "ledger.sqlite3"
    proc = run_promptls("costs", cwd=tmp_path, env={"PROMPTLS_LEDGER": str(missing)})
    assert proc.returncode == 0 and proc.stderr == ""
    assert proc.stdout.startswith("Nothing has been run yet: `promptls run FILE`")
    assert not missing.parent.exists()


def test_a_bad_since_is_a_usage_error(run_promptls, tmp_path, ledger_env):
    proc = run_promptls("costs", "--since", "last-week", cwd=tmp_path, env=ledger_env)
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.startswith("promptls costs: error: --since 'last-week': expected YYYY-MM-DD, Nd")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-03-01", datetime.date(2025, 3, 1)),
        ("7d", datetime.date(2025, 3, 4)),
        ("1d", datetime.date(2025, 3, 10)),
        ("today", datetime.date(2025, 3, 10)),
        ("this-month", datetime.date(2025, 3, 1)),
        ("all", None),
        ("2025-13-01", "month must be in 1..12"),
        ("0d", "at least 1"),
        ("99999999d", "before the calendar"),
        ("2025-3-1", "expected YYYY-MM-DD"),
    ],
)
def test_parse_since(text, expected):
    today = datetime.date(2025, 3, 10)
    if isinstance(expected, str):
        with pytest.raises(UsageError, match=expected):
            parse_since(text, today)
    else:
        assert parse_since(text, today) == expected
