"""The proxy's ledger writer: one thread that records each request when it ends, off the requests'
paths (a request never waits for SQLite, and requests never contend for its write lock).

A request is written whole once it ended (its run, each attempt, its end), with the time it began:
a proxy killed mid-request leaves no row for the requests in flight. What ended meanwhile is written
every quarter of a second, in one transaction (a commit per request was a fifth of a busy proxy's
time). A ledger that cannot be opened or written costs one warning (`RunRecorder`), never a request.
"""

from __future__ import annotations

import functools
import queue
import threading
from collections.abc import Callable

from promptls.ledger.record import Ledger, WholeRun

BATCH = 256
"""Requests written in one transaction at most."""

EVERY = 0.25
"""Seconds between two writes of what ended meanwhile."""


class LedgerWriter:
    def __init__(self, warn: Callable[[str], None], every: float = EVERY) -> None:
        self._warn = warn
        self._every = every
        self._queue: queue.SimpleQueue[WholeRun] = queue.SimpleQueue()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="promptls-proxy-ledger", daemon=True)
        self._thread.start()

    def record(self, request: WholeRun) -> None:
        self._queue.put(request)

    def close(self, timeout: float = 10.0) -> None:
        """Write what is queued, then stop."""
        self._stop.set()
        self._thread.join(timeout)

    def _run(self) -> None:
        from promptls.ledger.recorder import RunRecorder

        recorder = RunRecorder(self._warn)  # a SQLite connection belongs to the thread that made it
        while True:
            # it looks every `EVERY` seconds rather than waiting on the queue: a request that ends
            # then only appends to it, never wakes this thread (a wake-up per request cost a busy
            # proxy 6% of its time, the two threads taking turns at the interpreter lock)
            stopping = self._stop.wait(self._every)
            batch: list[WholeRun] = []
            while True:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
                if len(batch) == BATCH:
                    recorder.write(functools.partial(_record_runs, batch))
                    batch = []
            if batch:
                recorder.write(functools.partial(_record_runs, batch))
            if stopping:
                break
        if recorder.ledger is not None:
            recorder.ledger.close()


def _record_runs(runs: list[WholeRun], ledger: Ledger) -> None:
    ledger.record_runs(runs)
