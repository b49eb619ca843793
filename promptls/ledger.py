"""The usage ledger: one SQLite row per run of a prompt, one per attempt at a model.

Kept in `<user data dir>/promptls/ledger.sqlite3`, or the file `$PROMPTLS_LEDGER` names. Every run
keeps its raw usage and the prices it was costed with (per million tokens, and the catalog date they
came from), so a cost can be recomputed; a cost is NULL when a price was unknown, never 0.

The schema grows by numbered migrations (`MIGRATIONS`), applied in order by `open_ledger()`, the one
place that connects; `PRAGMA user_version` holds the number of the last one applied. WAL mode and a
busy timeout let several `promptls run` processes write at once.

Times are stored as ISO 8601 in UTC; days and months (`--since`, `--by day`, budgets) are the user's
local calendar ones. `sqlite3` is imported only when a ledger is opened.
"""

from __future__ import annotations

import datetime
import os
import re
import sys
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    import sqlite3

    from promptls.router.settings import ProjectSettings, SettingsFile

ENV_VAR = "PROMPTLS_LEDGER"
FILE_NAME = "ledger.sqlite3"
BUSY_TIMEOUT_S = 10.0
MAX_TEXT = 4000
"""Longer error texts are cut: the ledger is a log, not a dump."""

OUTCOMES = ("running", "ok", "failed", "interrupted", "partial")
FINAL_OUTCOMES = OUTCOMES[1:]
DIMENSIONS = ("day", "prompt", "model", "provider")

MIGRATIONS: list[tuple[int, str]] = [
    (
        1,
        """
        CREATE TABLE runs (
            id              INTEGER PRIMARY KEY,
            started_at      TEXT NOT NULL,
            finished_at     TEXT,
            pid             INTEGER,
            prompt_path     TEXT,
            prompt_name     TEXT,
            dialect         TEXT,
            requested_model TEXT,
            used_model      TEXT,
            input_tokens    INTEGER,
            output_tokens   INTEGER,
            cost_usd        REAL,
            input_price     REAL,
            output_price    REAL,
            price_source    TEXT,
            latency_ms      INTEGER,
            first_token_ms  INTEGER,
            outcome         TEXT NOT NULL DEFAULT 'running'
                CHECK (outcome IN ('running', 'ok', 'failed', 'interrupted', 'partial')),
            error           TEXT
        );
        CREATE INDEX runs_started_at ON runs (started_at);
        CREATE INDEX runs_outcome ON runs (outcome);
        CREATE TABLE attempts (
            id            INTEGER PRIMARY KEY,
            run_id        INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
            n             INTEGER NOT NULL,
            model         TEXT NOT NULL,
            started_at    TEXT NOT NULL,
            latency_ms    INTEGER,
            error_kind    TEXT,
            error_message TEXT,
            UNIQUE (run_id, n)
        );
        """,
    ),
    (
        2,
        # Where a run's token counts come from: "provider" (its answer), or "estimate" (promptls
        # counted them because the provider reported none, as some local servers do when streaming).
        "ALTER TABLE runs ADD COLUMN usage_source TEXT;",
    ),
]

# Shapes of provider keys; whatever matches is never written to the ledger.
_KEY_SHAPES = re.compile(
    # OpenAI (sk-, sk-proj-), OpenRouter (sk-or-v1-), Anthropic (sk-ant-); a digit somewhere, so that
    # a file called `sk-learning-notes-draft.md` keeps its name
    r"\bsk-(?=[A-Za-z_\-]*[0-9])[A-Za-z0-9_\-]{16,}"
    r"|\bAIza[0-9A-Za-z_\-]{30,}"  # Google (Gemini) API keys
    r"|\bgsk_[A-Za-z0-9]{20,}"  # Groq
    r"|\bxai-[A-Za-z0-9]{20,}"  # xAI
    r"|\bhf_[A-Za-z0-9]{30,}"  # Hugging Face
    r"|(?<=Bearer )[A-Za-z0-9_\-.=]{16,}"  # an echoed Authorization header
)
REDACTED = "[redacted]"
MIN_SECRET = 4
"""Shorter "secrets" (a local server's dummy key `x`) are not searched for: they would shred the text."""


class LedgerError(Exception):
    """The ledger cannot be used: not a database, newer than this promptls, not writable."""


def redact_keys(text: str) -> str:
    """`text` with anything shaped like a provider API key replaced by `[redacted]`."""
    return _KEY_SHAPES.sub(REDACTED, text)


def scrub(text: str | None, secrets: Iterable[str | None] = ()) -> str | None:
    """`text` without the given secrets (the keys a run used) nor anything shaped like a key.

    Callers pass the keys they hold; the ledger applies the key shapes itself to whatever it stores.
    """
    if text is None:
        return None
    for secret in sorted({s for s in secrets if s and len(s) >= MIN_SECRET}, key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    return redact_keys(text)


def compute_cost(
    input_tokens: int | None,
    output_tokens: int | None,
    input_price: float | None,
    output_price: float | None,
) -> float | None:
    """USD for the tokens at prices per million; None when any part is unknown."""
    if None in (input_tokens, output_tokens, input_price, output_price):
        return None
    return (input_tokens * input_price + output_tokens * output_price) / 1_000_000


def ledger_path() -> str:
    """`$PROMPTLS_LEDGER`, else `ledger.sqlite3` in the platform's user data dir for promptls."""
    explicit = os.environ.get(ENV_VAR)
    if explicit:
        return explicit
    import platformdirs

    return os.path.join(platformdirs.user_data_dir("promptls", appauthor=False), FILE_NAME)


def open_ledger(path: str | None = None, *, clock: Callable[[], datetime.datetime] | None = None) -> Ledger:
    """Connect to the ledger (creating it and its folder when missing) and bring its schema up to date.

    `clock` gives the current time (aware); tests hand in a fixed one.
    """
    import sqlite3

    path = path or ledger_path()
    folder = os.path.dirname(os.path.abspath(path))
    try:
        os.makedirs(folder, exist_ok=True)
        conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
    except (OSError, sqlite3.Error) as exc:
        raise LedgerError(f"cannot open the ledger {path}: {exc}") from None
    try:
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA foreign_keys = ON")
        _use_wal(conn)
        conn.execute("PRAGMA synchronous = NORMAL")
        migrate(conn)
    except sqlite3.Error as exc:
        conn.close()
        raise LedgerError(f"cannot use the ledger {path}: {exc}") from None
    except LedgerError:
        conn.close()
        raise
    return Ledger(conn, path, clock or _utc_now)


def _use_wal(conn: sqlite3.Connection) -> None:
    """Switch a new ledger to WAL. Switching needs a moment alone with the file, and SQLite answers
    "locked" at once (without its busy handler) while another process is creating the same ledger:
    so try again, for at most the busy timeout."""
    import sqlite3
    import time

    deadline = time.monotonic() + BUSY_TIMEOUT_S
    while True:
        try:
            if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def schema_version(conn: sqlite3.Connection) -> int:
    return conn.execute("PRAGMA user_version").fetchone()[0]


def migrate(conn: sqlite3.Connection) -> int:
    """Apply the migrations the database lacks, in one transaction; return the schema version.

    The write lock is taken before the version is read again, so two processes opening a blank
    ledger at once apply each migration once.
    """
    latest = MIGRATIONS[-1][0]
    if schema_version(conn) == latest:
        return latest
    conn.execute("BEGIN IMMEDIATE")
    try:
        current = schema_version(conn)
        if current > latest:
            raise LedgerError(
                f"the ledger's schema ({current}) is newer than this promptls knows ({latest}); "
                "upgrade promptls"
            )
        for number, sql in MIGRATIONS:
            if number > current:
                for statement in _statements(sql):
                    conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {int(number)}")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return latest


def _statements(sql: str) -> list[str]:
    """Split a migration into statements (`executescript` would commit the open transaction)."""
    import sqlite3

    statements, current = [], ""
    for line in sql.splitlines(keepends=True):
        current += line
        if sqlite3.complete_statement(current):
            statements.append(current.strip())
            current = ""
    if current.strip():
        raise ValueError(f"incomplete SQL statement in a migration: {current.strip()[:60]}")
    return statements


class Ledger:
    """The runs and attempts of this user's `promptls run`s. Made by `open_ledger()`."""

    def __init__(self, conn: sqlite3.Connection, path: str, clock: Callable[[], datetime.datetime]) -> None:
        self.conn = conn
        self.path = path
        self._clock = clock

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- writing ---------------------------------------------------------------------------------

    def start_run(
        self,
        *,
        prompt_path: str | None,
        prompt_name: str | None,
        dialect: str | None,
        requested_model: str | None,
    ) -> int:
        """Write the run at once (outcome `running`, this process's pid) and return its id.

        Committed before the model is called: a run killed mid-way leaves its row, which `runs()`
        later reports as `interrupted`.
        """
        cursor = self.conn.execute(
            "INSERT INTO runs (started_at, pid, prompt_path, prompt_name, dialect, requested_model, outcome)"
            " VALUES (?, ?, ?, ?, ?, ?, 'running')",
            (
                self._now(),
                os.getpid(),
                *map(_clean, (prompt_path, prompt_name, dialect, requested_model)),
            ),
        )
        return int(cursor.lastrowid)

    def record_attempt(
        self,
        run_id: int,
        *,
        model: str,
        latency_ms: int | None,
        error_kind: str | None = None,
        error_message: str | None = None,
    ) -> None:
        """One call of one model for the run, recorded once it ended (it started `latency_ms` ago)."""
        now = self._clock()
        started = now - datetime.timedelta(milliseconds=latency_ms or 0)
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            n = self.conn.execute(
                "SELECT COALESCE(MAX(n), 0) + 1 FROM attempts WHERE run_id = ?", (run_id,)
            ).fetchone()[0]
            self.conn.execute(
                "INSERT INTO attempts (run_id, n, model, started_at, latency_ms, error_kind, error_message)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    run_id,
                    n,
                    _clean(model),
                    _iso(started),
                    latency_ms,
                    *map(_clean, (error_kind, error_message)),
                ),
            )
            self.conn.execute("COMMIT")
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise

    def finish_run(
        self,
        run_id: int,
        *,
        outcome: str,
        used_model: str | None = None,
        input_tokens: int | None = None,
        output_tokens: int | None = None,
        cost_usd: float | None = None,
        input_price: float | None = None,
        output_price: float | None = None,
        price_source: str | None = None,
        latency_ms: int | None = None,
        first_token_ms: int | None = None,
        error: str | None = None,
        usage_source: str | None = None,
    ) -> None:
        """Close the run. Without `cost_usd`, the cost is computed from the tokens and prices when all
        four are known, and left unknown (NULL) otherwise."""
        if outcome not in FINAL_OUTCOMES:
            raise ValueError(f"outcome must be one of {', '.join(FINAL_OUTCOMES)}, not {outcome!r}")
        if cost_usd is None:
            cost_usd = compute_cost(input_tokens, output_tokens, input_price, output_price)
        cursor = self.conn.execute(
            "UPDATE runs SET finished_at = ?, outcome = ?, used_model = ?, input_tokens = ?,"
            " output_tokens = ?, cost_usd = ?, input_price = ?, output_price = ?, price_source = ?,"
            " latency_ms = ?, first_token_ms = ?, error = ?, usage_source = ? WHERE id = ?",
            (
                self._now(),
                outcome,
                _clean(used_model),
                input_tokens,
                output_tokens,
                cost_usd,
                input_price,
                output_price,
                _clean(price_source),
                latency_ms,
                first_token_ms,
                _clean(error),
                _clean(usage_source),
                run_id,
            ),
        )
        if cursor.rowcount != 1:
            raise ValueError(f"no run {run_id} in the ledger")

    # -- reading ---------------------------------------------------------------------------------

    def runs(self, since: datetime.date | None = None) -> list[dict[str, Any]]:
        """The runs started on or after `since` (a local date), oldest first.

        A `running` row whose process is gone is reported, and from then on stored, as `interrupted`.
        """
        self._reap()
        rows = self.conn.execute(
            "SELECT * FROM runs WHERE started_at >= ? ORDER BY started_at, id", (_since(since),)
        )
        return [dict(row) for row in rows]

    def attempts(self, run_id: int) -> list[dict[str, Any]]:
        rows = self.conn.execute("SELECT * FROM attempts WHERE run_id = ? ORDER BY n", (run_id,))
        return [dict(row) for row in rows]

    def count(self) -> int:
        """How many runs the ledger holds, of any age."""
        return self.conn.execute("SELECT COUNT(*) FROM runs").fetchone()[0]

    def spend(self, since: datetime.date) -> float:
        """USD of the runs started on or after `since` whose cost is known."""
        return self.totals(since)[0]

    def totals(self, since: datetime.date | None = None) -> tuple[float, int]:
        """(known USD, number of runs of unknown cost) since a local date."""
        row = self.conn.execute(
            f"SELECT TOTAL(cost_usd), COALESCE(SUM({_UNKNOWN_COST}), 0) FROM runs WHERE started_at >= ?",
            (_since(since),),
        ).fetchone()
        return float(row[0]), int(row[1])

    def summary(self, since: datetime.date | None = None, by: str = "day") -> list[dict[str, Any]]:
        """One row per day, prompt, model or provider: runs by outcome, tokens, cost.

        `cost_usd` sums the known costs (None when no run of the group has one); `unknown_cost` counts
        the runs whose cost is unknown: no price for their model, or still running or interrupted.
        A failed run that reported no usage cost nothing. Days come in order; other groups costliest first.
        """
        if by not in DIMENSIONS:
            raise ValueError(f"by must be one of {', '.join(DIMENSIONS)}, not {by!r}")
        self._reap()
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
        rows = [dict(row) for row in self.conn.execute(sql, (_since(since),))]
        for row in rows:
            if row["cost_usd"] is None and not row["unknown_cost"]:
                row["cost_usd"] = 0.0
        if by == "day":
            rows.sort(key=lambda r: r["key"])
        else:
            rows.sort(key=lambda r: (-(r["cost_usd"] or 0.0), -r["runs"], r["key"]))
        return rows

    # -- internals -------------------------------------------------------------------------------

    def _now(self) -> str:
        return _iso(self._clock())

    def _reap(self) -> None:
        """Mark `running` rows of processes that are gone as `interrupted`."""
        running = self.conn.execute("SELECT id, pid FROM runs WHERE outcome = 'running'").fetchall()
        for run_id, pid in running:
            if not pid_alive(pid):
                self.conn.execute(
                    "UPDATE runs SET outcome = 'interrupted', error = COALESCE(error, ?)"
                    " WHERE id = ? AND outcome = 'running'",
                    (f"process {pid} ended before the run finished", run_id),
                )


_MODEL = "COALESCE(used_model, requested_model, '(none)')"
_GROUP_KEYS = {
    "day": "date(started_at, 'localtime')",
    "prompt": "COALESCE(prompt_name, prompt_path, '(unnamed)')",
    "model": _MODEL,
    "provider": f"CASE WHEN instr({_MODEL}, '/') > 0 THEN substr({_MODEL}, 1, instr({_MODEL}, '/') - 1)"
    " ELSE '(unknown)' END",
}
_UNKNOWN_COST = (
    "(cost_usd IS NULL AND NOT (outcome = 'failed' AND input_tokens IS NULL AND output_tokens IS NULL))"
)


def _utc_now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def _iso(moment: datetime.datetime) -> str:
    """One fixed format (`2025-03-10T12:00:00.000+00:00`), so stored times compare as text."""
    return moment.astimezone(datetime.UTC).isoformat(timespec="milliseconds")


def _since(day: datetime.date | None) -> str:
    """The UTC time of local midnight starting `day`; "" (before everything) for None."""
    if day is None:
        return ""
    return _iso(datetime.datetime.combine(day, datetime.time()).astimezone())


def _clean(value: str | None) -> str | None:
    if value is None:
        return None
    value = redact_keys(str(value))
    return value if len(value) <= MAX_TEXT else value[: MAX_TEXT - 1] + "…"


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


# -- budgets -------------------------------------------------------------------------------------


class BudgetStatus(NamedTuple):
    period: str
    """`month` or `day`."""
    limit_usd: float
    spent_usd: float
    """Known costs only."""
    unknown_cost: int
    """Runs in the period whose cost is unknown, so the spend may be higher."""
    source: str
    """Where the limit was set, e.g. `promptls.toml:4`."""

    @property
    def crossed(self) -> bool:
        return self.spent_usd > 0 and self.spent_usd >= self.limit_usd

    @property
    def percent(self) -> float | None:
        return self.spent_usd / self.limit_usd * 100 if self.limit_usd else None

    def line(self) -> str:
        """`spent $4.20 of $10.00 this month (42%)`, noting runs of unknown cost."""
        when = "this month" if self.period == "month" else "today"
        text = f"spent {money(self.spent_usd)} of {money(self.limit_usd)} {when}"
        percent = self.percent
        if percent is not None:
            text += " (<1%)" if 0 < percent < 1 else f" ({percent:.0f}%)"
        if self.unknown_cost:
            runs = "run" if self.unknown_cost == 1 else "runs"
            text += f", plus {self.unknown_cost} {runs} of unknown cost"
        return text


BUDGET_KEYS = (("month", "monthly_usd"), ("day", "daily_usd"))


def budget_status(
    ledger: Ledger,
    settings_files: ProjectSettings | Iterable[SettingsFile],
    today: datetime.date,
) -> list[BudgetStatus]:
    """This month's and today's spend against `[budget] monthly_usd` / `daily_usd`, where set.

    `settings_files` are a project's settings files, nearest first (`ProjectSettings.files`); the
    nearest file that sets a limit wins.
    """
    files = tuple(getattr(settings_files, "files", settings_files))
    statuses = []
    for period, key in BUDGET_KEYS:
        setting = next((s for f in files if (s := f.setting(("budget", key))) is not None), None)
        if setting is None or isinstance(setting.value, bool):
            continue
        since = today.replace(day=1) if period == "month" else today
        spent, unknown = ledger.totals(since)
        where = setting.source.location(os.getcwd())
        statuses.append(BudgetStatus(period, float(setting.value), spent, unknown, where))
    return statuses


def budget_warning(
    ledger: Ledger,
    settings_files: ProjectSettings | Iterable[SettingsFile],
    today: datetime.date,
) -> str | None:
    """One line to print after a run when this month's or today's budget is reached; else None."""
    crossed = [s for s in budget_status(ledger, settings_files, today) if s.crossed]
    if not crossed:
        return None
    parts = "; ".join(f"{s.line()} (budget set in {s.source})" for s in crossed)
    return f"over budget: {parts}"


def money(usd: float | None) -> str:
    """`$1.23`, `$0.0042`, `$0`; `unknown` for None, never `$0`."""
    if usd is None:
        return "unknown"
    if usd == 0:
        return "$0"
    if usd < 0.0001:
        return f"${usd:.6f}"
    if usd < 1:
        return f"${usd:.4f}"
    return f"${usd:,.2f}"
