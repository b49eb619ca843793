"""Reading the ledger: the runs, their attempts, totals since a day, and the summaries by day,
prompt, model, provider, agent or client that `promptls costs` prints.

Money is honest here: a cost is summed only where known, and the runs whose cost is unknown (no
price for their model, or still running, or interrupted) are counted beside it, never as $0. A failed
run that reported no usage cost nothing. Reading first marks `running` rows whose process is gone as
`interrupted`.
"""

from __future__ import annotations

import datetime
import os
import sys
from typing import Any

from promptls.ledger.record import Ledger
from promptls.ledger.times import day_start

DIMENSIONS = ("day", "prompt", "model", "provider", "agent", "client")

_MODEL = "COALESCE(used_model, requested_model, '(none)')"
_GROUP_KEYS = {
    "day": "date(started_at, 'localtime')",
    "prompt": "COALESCE(prompt_name, prompt_path, '(unnamed)')",
    "model": _MODEL,
    "provider": f"CASE WHEN instr({_MODEL}, '/') > 0 THEN substr({_MODEL}, 1, instr({_MODEL}, '/') - 1)"
    " ELSE '(unknown)' END",
    # A proxy request names its sub-agent; a `promptls run` of an agent file is that agent's run too.
    "agent": "COALESCE(agent, CASE WHEN dialect IN ('claude-agent', 'copilot-agent') THEN prompt_name END,"
    " '(no agent)')",
    "client": "COALESCE(client, '(promptls run)')",
}
_UNKNOWN_COST = (
    "(cost_usd IS NULL AND NOT (outcome = 'failed' AND input_tokens IS NULL AND output_tokens IS NULL))"
)


def runs(ledger: Ledger, since: datetime.date | None = None) -> list[dict[str, Any]]:
    """The runs started on or after `since` (a local date), oldest first."""
    reap(ledger)
    rows = ledger.conn.execute(
        "SELECT * FROM runs WHERE started_at >= ? ORDER BY started_at, id", (day_start(since),)
    )
    return [dict(row) for row in rows]


def attempts(ledger: Ledger, run_id: int) -> list[dict[str, Any]]:
    rows = ledger.conn.execute("SELECT * FROM attempts WHERE run_id = ? ORDER BY n", (run_id,))
    return [dict(row) for row in rows]


def count(ledger: Ledger) -> int:
    """How many runs the ledger holds, of any age."""
    return ledger.conn.execute("SELECT COUNT(*) FROM runs").fetchone()[0]


def totals(ledger: Ledger, since: datetime.date | None = None) -> tuple[float, int]:
    """(known USD, number of runs of unknown cost) since a local date."""
    row = ledger.conn.execute(
        f"SELECT TOTAL(cost_usd), COALESCE(SUM({_UNKNOWN_COST}), 0) FROM runs WHERE started_at >= ?",
        (day_start(since),),
    ).fetchone()
    return float(row[0]), int(row[1])


def summary(ledger: Ledger, since: datetime.date | None = None, by: str = "day") -> list[dict[str, Any]]:
    """One row per day, prompt, model, provider, agent or client: runs by outcome, tokens, cost.

    `cost_usd` sums the known costs (None when no run of the group has one); `unknown_cost` counts
    the runs whose cost is unknown. Days come in order; other groups costliest first.
    """
    if by not in DIMENSIONS:
        raise ValueError(f"by must be one of {', '.join(DIMENSIONS)}, not {by!r}")
    reap(ledger)
    counts = ", ".join(f"SUM(outcome = '{o}') AS {o}" for o in ("ok", "failed", "interrupted", "partial"))
    sql = (
        f"SELECT {_GROUP_KEYS[by]} AS key, COUNT(*) AS runs, {counts},"
        " SUM(outcome = 'running') AS running,"
        " COALESCE(SUM(input_tokens), 0) AS input_tokens,"
        " COALESCE(SUM(output_tokens), 0) AS output_tokens,"
        " SUM(cost_usd) AS cost_usd,"
        f" SUM({_UNKNOWN_COST}) AS unknown_cost"
        " FROM runs WHERE started_at >= ? GROUP BY key"
    )
    rows = [dict(row) for row in ledger.conn.execute(sql, (day_start(since),))]
    for row in rows:
        if row["cost_usd"] is None and not row["unknown_cost"]:
            row["cost_usd"] = 0.0
    if by == "day":
        rows.sort(key=lambda r: r["key"])
    else:
        rows.sort(key=lambda r: (-(r["cost_usd"] or 0.0), -r["runs"], r["key"]))
    return rows


def reap(ledger: Ledger) -> None:
    """Mark `running` rows of processes that are gone as `interrupted`, from then on stored so."""
    running = ledger.conn.execute("SELECT id, pid FROM runs WHERE outcome = 'running'").fetchall()
    for run_id, pid in running:
        if not pid_alive(pid):
            ledger.conn.execute(
                "UPDATE runs SET outcome = 'interrupted', error = COALESCE(error, ?)"
                " WHERE id = ? AND outcome = 'running'",
                (f"process {pid} ended before the run finished", run_id),
            )


def pid_alive(pid: int | None) -> bool:
    """Whether a process with this id runs on this machine (a reused id counts as alive)."""
    if not pid or pid < 0:
        return False
    if pid == os.getpid():
        return True
    if sys.platform == "win32":
        return _windows_pid_alive(pid)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return False
    return True


def _windows_pid_alive(pid: int) -> bool:
    # os.kill(pid, 0) would terminate the process on Windows: ask for its exit code instead.
    import ctypes

    kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)  # type: ignore[attr-defined]
    handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
    if not handle:
        return ctypes.get_last_error() == 5  # access denied: it exists
    try:
        code = ctypes.c_ulong()
        if not kernel32.GetExitCodeProcess(handle, ctypes.byref(code)):
            return True
        return code.value == 259  # STILL_ACTIVE
    finally:
        kernel32.CloseHandle(handle)
