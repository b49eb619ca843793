"""Recording a run without depending on it: a ledger that cannot be opened or written (a read-only
home, a folder or another file where the database should be, a schema from a newer promptls, a full
disk) costs the user one warning, never the run.

`promptls costs` reads the ledger itself and reports the same problems as errors; only running
tolerates them.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Callable
from typing import Any

from promptls.ledger.record import Ledger
from promptls.ledger.schema import LedgerError, open_ledger

Warn = Callable[[str], None]


class RunRecorder:
    """The ledger's writing calls, each of which gives up quietly after the first failure (said once
    through `warn`)."""

    def __init__(self, warn: Warn, path: str | None = None) -> None:
        self._warn = warn
        self.ledger: Ledger | None = None
        try:
            self.ledger = open_ledger(path)
        except LedgerError as exc:
            self._give_up(exc)

    def _give_up(self, exc: Exception) -> None:
        if self.ledger is not None:
            with contextlib.suppress(sqlite3.Error):
                self.ledger.close()
        self.ledger = None
        self._warn(f"this run is not recorded in the usage ledger: {exc}")

    def _call(self, write: Callable[[Ledger], Any]) -> Any:
        if self.ledger is None:
            return None
        try:
            return write(self.ledger)
        except (LedgerError, sqlite3.Error, OSError) as exc:
            self._give_up(exc)
            return None

    def start_run(self, **fields: Any) -> int | None:
        return self._call(lambda ledger: ledger.start_run(**fields))

    def record_attempt(self, run_id: int | None, **fields: Any) -> None:
        if run_id is not None:
            self._call(lambda ledger: ledger.record_attempt(run_id, **fields))

    def finish_run(self, run_id: int | None, **fields: Any) -> None:
        if run_id is not None:
            self._call(lambda ledger: ledger.finish_run(run_id, **fields))

    def write(self, write: Callable[[Ledger], Any]) -> None:
        """Any other write (the proxy's `Ledger.record_runs`), given up like the others."""
        self._call(write)

    def read(self, query: Callable[[Ledger], Any]) -> Any:
        """A read (the budget after a run) that is skipped when the ledger is unusable."""
        return self._call(query)
