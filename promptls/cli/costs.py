"""`promptls costs`: what the runs in the ledger used and cost, and where the budget stands."""

from __future__ import annotations

import argparse
import datetime
import json
import os
import re
import sys
from typing import Any

from promptls.cli import EXIT_OK, UsageError
from promptls.cli.style import add_color_option, painter_for
from promptls.router.models.money import UNKNOWN, money

DEFAULT_SINCE = "30d"
EXAMPLES = """\
examples:
  promptls costs                       the last 30 days, by day
  promptls costs --since this-month --by model
  promptls costs --since 2025-03-01 --by prompt
  promptls costs --by provider --json | jq '.rows[] | {provider, cost_usd}'
  promptls costs --by agent            what each agent cost, through `promptls run` or the proxy
  promptls costs --by client           Claude Code, the OpenAI SDK, ... (requests through the proxy)
"""
HEADINGS = {
    "day": "DAY",
    "prompt": "PROMPT",
    "model": "MODEL",
    "provider": "PROVIDER",
    "agent": "AGENT",
    "client": "CLIENT",
}
SINCE_HELP = "expected YYYY-MM-DD, Nd (7d, 30d: the last N days, today included), today, this-month or all"


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "costs",
        help="what your runs used and cost; budget status",
        epilog=EXAMPLES,
        description="Sum the usage ledger that `promptls run` and `promptls proxy` write: runs, tokens "
        "in and out, and cost, by day, prompt, model, provider, agent or client, with this month's and "
        "today's spend against the "
        "[budget] in settings. A run whose price was unknown counts as 'unknown', never $0.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--since",
        default=DEFAULT_SINCE,
        metavar="WHEN",
        help=f"runs started on or after this local date: YYYY-MM-DD, 7d, 30d, today, this-month or all "
        f"(default: {DEFAULT_SINCE})",
    )
    p.add_argument("--by", choices=tuple(HEADINGS), default="day", help="group by (default: day)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    add_color_option(p)
    p.set_defaults(run=run)


def parse_since(text: str, today: datetime.date) -> datetime.date | None:
    """The first local date to count (None for `all`); UsageError for anything else."""
    word = text.strip().lower()
    if word == "all":
        return None
    if word == "today":
        return today
    if word == "this-month":
        return today.replace(day=1)
    days = re.fullmatch(r"(\d+)d", word)
    if days:
        count = int(days[1])
        if count < 1:
            raise UsageError(f"--since {text}: the number of days must be at least 1")
        try:
            return today - datetime.timedelta(days=count - 1)
        except OverflowError:
            raise UsageError(f"--since {text}: that is before the calendar starts") from None
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", word):
        try:
            return datetime.date.fromisoformat(word)
        except ValueError as exc:
            raise UsageError(f"--since {text}: {exc}") from None
    raise UsageError(f"--since {text!r}: {SINCE_HELP}")


def run(args: argparse.Namespace) -> int:
    from promptls.cli.session import Session, project_root
    from promptls.ledger import LedgerError, ledger_path, open_ledger
    from promptls.ledger.budgets import budget_status
    from promptls.ledger.queries import count, summary

    today = datetime.date.today()
    since = parse_since(args.since, today)
    path = ledger_path()
    try:
        # A missing ledger is read as an empty one, without creating the file.
        ledger = open_ledger(path if os.path.exists(path) else ":memory:")
    except LedgerError as exc:
        raise UsageError(f"{exc} (set PROMPTLS_LEDGER to use another file)") from None
    with ledger:
        total_runs = count(ledger)
        rows = summary(ledger, since, by=args.by)
        budgets = budget_status(ledger, Session().loader.for_directory(project_root()).files, today)
    totals = _totals(rows)
    if args.json:
        report = {
            "ledger": path,
            "since": since.isoformat() if since else None,
            "by": args.by,
            "rows": [_row_json(args.by, row) for row in rows],
            "totals": _row_json(None, totals),
            "budgets": [_budget_json(b) for b in budgets],
        }
        json.dump(report, sys.stdout, indent=2)
        sys.stdout.write("\n")
        _warn(budgets, args.color)
        return EXIT_OK
    paint = painter_for(sys.stdout, args.color)
    if total_runs == 0:
        print("Nothing has been run yet: `promptls run FILE` runs a prompt and records its tokens and cost.")
        return EXIT_OK
    window = f"since {since.isoformat()}" if since else "of all time"
    if not rows:
        print(f"No runs {window} ({total_runs} before); try `--since all`.")
    else:
        print(paint(f"Runs {window}, by {args.by}:", "dim"))
        _table(args.by, rows, totals, paint)
        for note in _notes(totals):
            print(paint(note, "dim"))
    for budget in budgets:
        line = f"Budget: {budget.line()} (set in {budget.source})"
        print(paint(line, "bold", "red") if budget.crossed else line)
    _warn(budgets, args.color)
    return EXIT_OK


def _totals(rows: list[dict[str, Any]]) -> dict[str, Any]:
    keys = ("runs", "ok", "failed", "interrupted", "partial", "running", "input_tokens", "output_tokens")
    totals: dict[str, Any] = {k: sum(r[k] for r in rows) for k in keys}
    totals["unknown_cost"] = sum(r["unknown_cost"] for r in rows)
    known = [r["cost_usd"] for r in rows if r["cost_usd"] is not None]
    totals["cost_usd"] = sum(known) if known or not rows else None
    if totals["cost_usd"] is None and not totals["unknown_cost"]:
        totals["cost_usd"] = 0.0
    return totals


def _cost_cell(row: dict[str, Any]) -> str:
    if row["cost_usd"] is None:
        return UNKNOWN
    if row["unknown_cost"]:
        return f"{money(row['cost_usd'])} + {row['unknown_cost']} unknown"
    return money(row["cost_usd"])


def _table(by: str, rows: list[dict[str, Any]], totals: dict[str, Any], paint) -> None:
    header = (HEADINGS[by], "RUNS", "OK", "FAILED", "TOKENS IN", "TOKENS OUT", "COST")
    body = [_cells(str(r["key"]), r) for r in rows]
    total = _cells("total", totals)
    widths = [max(len(line[i]) for line in (header, *body, total)) for i in range(len(header))]

    def fmt(cells: tuple[str, ...]) -> str:
        return "  ".join(
            [cells[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(cells[1:], widths[1:], strict=True)]
        )

    print(paint(fmt(header), "bold"))
    for cells in body:
        line = fmt(cells)
        print(paint(line, "yellow") if cells[-1] == UNKNOWN else line)
    print(paint(fmt(total), "bold"))


def _cells(key: str, row: dict[str, Any]) -> tuple[str, ...]:
    counts = (row["runs"], row["ok"], row["failed"], row["input_tokens"], row["output_tokens"])
    return (key, *(f"{n:,}" for n in counts), _cost_cell(row))


def _notes(totals: dict[str, Any]) -> list[str]:
    notes = []
    if totals["unknown_cost"]:
        n = totals["unknown_cost"]
        notes.append(
            f"{n} {'run' if n == 1 else 'runs'} of unknown cost: no price was known for the model, "
            "or the run did not finish."
        )
    others = [f"{totals[k]} {k}" for k in ("interrupted", "partial", "running") if totals[k]]
    if others:
        notes.append("Neither ok nor failed: " + ", ".join(others) + ".")
    return notes


def _warn(budgets, color: str) -> None:
    paint = painter_for(sys.stderr, color)
    for budget in budgets:
        if budget.crossed:
            message = f"promptls costs: warning: over budget: {budget.line()} (set in {budget.source})"
            print(paint(message, "yellow"), file=sys.stderr)


def _row_json(by: str | None, row: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {by: row["key"]} if by else {}
    out.update({k: v for k, v in row.items() if k not in ("key", "unknown_cost")})
    out["unknown_cost_runs"] = row["unknown_cost"]
    return out


def _budget_json(budget) -> dict[str, Any]:
    return {
        "period": budget.period,
        "limit_usd": budget.limit_usd,
        "spent_usd": budget.spent_usd,
        "unknown_cost_runs": budget.unknown_cost,
        "percent": None if budget.percent is None else round(budget.percent, 2),
        "crossed": budget.crossed,
        "source": budget.source,
    }
