"""The proxy's ledger writer: one thread that records each request when it ends, off the requests'
paths (a request never waits for SQLite, and requests never contend for its write lock).

A request is written whole once it ended (its run, each attempt, its end), with the time it began:
a proxy killed mid-request leaves no row for the requests in flight. A ledger that cannot be opened
or written costs one warning (`RunRecorder`), never a request.
"""

from __future__ import annotations

import datetime
import queue
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NamedTuple


class RecordedRequest(NamedTuple):
    started_at: datetime.datetime
    start: Mapping[str, Any]
    """`Ledger.start_run`'s fields."""
    attempts: Sequence[Mapping[str, Any]]
    """`Ledger.record_attempt`'s fields, one per attempt."""
    finish: Mapping[str, Any]
    """`Ledger.finish_run`'s fields."""


class LedgerWriter:
    def __init__(self, warn: Callable[[str], None]) -> None:
        self._warn = warn
        self._queue: queue.SimpleQueue[RecordedRequest | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="promptls-proxy-ledger", daemon=True)
        self._thread.start()

    def record(self, request: RecordedRequest) -> None:
        self._queue.put(request)

    def close(self, timeout: float = 10.0) -> None:
        """Write what is queued, then stop."""
        self._queue.put(None)
        self._thread.join(timeout)

    def _run(self) -> None:
        from promptls.ledger.recorder import RunRecorder

        recorder = RunRecorder(self._warn)  # a SQLite connection belongs to the thread that made it
        while True:
            request = self._queue.get()
            if request is None:
                break
            run_id = recorder.start_run(**request.start, started_at=request.started_at)
            for attempt in request.attempts:
                recorder.record_attempt(run_id, **attempt)
            recorder.finish_run(run_id, **request.finish)
        if recorder.ledger is not None:
            recorder.ledger.close()
