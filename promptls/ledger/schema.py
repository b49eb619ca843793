"""Where the ledger lives, its schema as numbered migrations, and `open_ledger()`, the one place
that connects and migrates.

The schema grows by numbered migrations (`MIGRATIONS`), applied in order; `PRAGMA user_version`
holds the number of the last one applied. A migration once released is never edited or renumbered:
a ledger written by any earlier promptls must open. WAL mode and a busy timeout let several
`promptls run` processes write at once.
"""

from __future__ import annotations

import datetime
import os
from collections.abc import Callable
from typing import TYPE_CHECKING

from promptls.ledger.record import Ledger
from promptls.ledger.times import utc_now

if TYPE_CHECKING:
    import sqlite3

ENV_VAR = "PROMPTLS_LEDGER"
FILE_NAME = "ledger.sqlite3"
BUSY_TIMEOUT_S = 10.0

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
    (
        3,
        # `promptls proxy` records each request as a run: which program sent it (Claude Code, an
        # OpenAI SDK, ... from its User-Agent), the sub-agent it came from when known, how many
        # models it fell back past, and the cached input tokens among `input_tokens` (read and
        # written), which are priced apart. `promptls run` leaves client and agent NULL.
        """
        ALTER TABLE runs ADD COLUMN client TEXT;
        ALTER TABLE runs ADD COLUMN agent TEXT;
        ALTER TABLE runs ADD COLUMN fallbacks INTEGER;
        ALTER TABLE runs ADD COLUMN cache_read_tokens INTEGER;
        ALTER TABLE runs ADD COLUMN cache_write_tokens INTEGER;
        CREATE INDEX runs_client ON runs (client);
        """,
    ),
]


class LedgerError(Exception):
    """The ledger cannot be used: not a database, newer than this promptls, not writable."""


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
        _refuse_newer(conn)  # before switching to WAL, which rewrites the file's header
        _use_wal(conn)
        conn.execute("PRAGMA synchronous = NORMAL")
        migrate(conn)
    except sqlite3.Error as exc:
        conn.close()
        raise LedgerError(f"cannot use the ledger {path}: {exc}") from None
    except LedgerError:
        conn.close()
        raise
    return Ledger(conn, path, clock or utc_now)


def _refuse_newer(conn: sqlite3.Connection) -> None:
    current, latest = schema_version(conn), MIGRATIONS[-1][0]
    if current > latest:
        raise LedgerError(
            f"the ledger's schema ({current}) is newer than this promptls knows ({latest}); upgrade promptls"
        )


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
