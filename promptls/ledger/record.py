"""Writing the ledger: a run as it starts, each attempt at a model as it ends, and the run's end.

Every text written passes through `clean()`: nothing shaped like a provider key is stored, and
long error texts are cut (the ledger is a log, not a dump).
"""

from __future__ import annotations

import datetime
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from promptls.adapters.redact import redact_keys
from promptls.ledger.times import stored
from promptls.router.models.money import tokens_cost

if TYPE_CHECKING:
    import sqlite3

MAX_TEXT = 4000
"""Longer error texts are cut: the ledger is a log, not a dump."""

OUTCOMES = ("running", "ok", "failed", "interrupted", "partial")
FINAL_OUTCOMES = OUTCOMES[1:]


class WholeRun(NamedTuple):
    """A run recorded once it ended: `start_run`'s fields, `record_attempt`'s per attempt,
    `finish_run`'s."""

    started_at: datetime.datetime
    start: Mapping[str, Any]
    attempts: Sequence[Mapping[str, Any]]
    finish: Mapping[str, Any]


class Ledger:
    """The runs and attempts of this user's `promptls run`s. Made by `schema.open_ledger()`; read
    with the functions of `queries`."""

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

    def start_run(
        self,
        *,
        prompt_path: str | None,
        prompt_name: str | None,
        dialect: str | None,
        requested_model: str | None,
        client: str | None = None,
        agent: str | None = None,
        started_at: datetime.datetime | None = None,
    ) -> int:
        """Write the run at once (outcome `running`, this process's pid) and return its id.

        Committed before the model is called: a run killed mid-way leaves its row, which the queries
        later report as `interrupted`. `started_at` (aware): when it began, for a run written after
        the fact (the proxy records a request when it ends); default now.
        """
        cursor = self.conn.execute(
            "INSERT INTO runs (started_at, pid, prompt_path, prompt_name, dialect, requested_model, client,"
            " agent, outcome) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'running')",
            (
                stored(started_at or self._clock()),
                os.getpid(),
                *map(clean, (prompt_path, prompt_name, dialect, requested_model, client, agent)),
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
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            n = self.conn.execute(
                "SELECT COALESCE(MAX(n), 0) + 1 FROM attempts WHERE run_id = ?", (run_id,)
            ).fetchone()[0]
            self._insert_attempt(run_id, n, model, latency_ms, error_kind, error_message)
            self.conn.execute("COMMIT")
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise

    def _insert_attempt(
        self,
        run_id: int,
        n: int,
        model: str,
        latency_ms: int | None,
        error_kind: str | None,
        error_message: str | None,
    ) -> None:
        started = self._clock() - datetime.timedelta(milliseconds=latency_ms or 0)
        self.conn.execute(
            "INSERT INTO attempts (run_id, n, model, started_at, latency_ms, error_kind, error_message)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (run_id, n, clean(model), stored(started), latency_ms, *map(clean, (error_kind, error_message))),
        )

    def record_runs(self, runs: Iterable[WholeRun]) -> None:
        """Runs written whole after the fact (the proxy records each request as it ends), in one
        transaction: a busy proxy writes what ended meanwhile at once, not three commits a request."""
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            for run in runs:
                run_id = self.start_run(**run.start, started_at=run.started_at)
                for n, attempt in enumerate(run.attempts, 1):
                    self._insert_attempt(
                        run_id,
                        n,
                        attempt["model"],
                        attempt.get("latency_ms"),
                        attempt.get("error_kind"),
                        attempt.get("error_message"),
                    )
                self.finish_run(run_id, **run.finish)
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
        fallbacks: int | None = None,
        cache_read_tokens: int | None = None,
        cache_write_tokens: int | None = None,
    ) -> None:
        """Close the run. Without `cost_usd`, the cost is computed from the tokens and prices by the
        catalog's formula (`money.tokens_cost`), and left unknown (NULL) when it cannot be.
        `input_tokens` counts every input token, the cached reads and writes among them."""
        if outcome not in FINAL_OUTCOMES:
            raise ValueError(f"outcome must be one of {', '.join(FINAL_OUTCOMES)}, not {outcome!r}")
        if cost_usd is None:
            cost_usd = tokens_cost(input_tokens, output_tokens, input_price, output_price)
        cursor = self.conn.execute(
            "UPDATE runs SET finished_at = ?, outcome = ?, used_model = ?, input_tokens = ?,"
            " output_tokens = ?, cost_usd = ?, input_price = ?, output_price = ?, price_source = ?,"
            " latency_ms = ?, first_token_ms = ?, error = ?, usage_source = ?, fallbacks = ?,"
            " cache_read_tokens = ?, cache_write_tokens = ? WHERE id = ?",
            (
                stored(self._clock()),
                outcome,
                clean(used_model),
                input_tokens,
                output_tokens,
                cost_usd,
                input_price,
                output_price,
                clean(price_source),
                latency_ms,
                first_token_ms,
                clean(error),
                clean(usage_source),
                fallbacks,
                cache_read_tokens,
                cache_write_tokens,
                run_id,
            ),
        )
        if cursor.rowcount != 1:
            raise ValueError(f"no run {run_id} in the ledger")


def clean(value: str | None) -> str | None:
    """What may be stored of a text: no key-shaped part, at most `MAX_TEXT` characters."""
    if value is None:
        return None
    value = redact_keys(str(value))
    return value if len(value) <= MAX_TEXT else value[: MAX_TEXT - 1] + "…"
