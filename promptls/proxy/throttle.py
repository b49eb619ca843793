"""At most one look every few seconds at what may have changed on disk (settings, agent files), from
any of the proxy's threads: a request costs a clock reading, not a `stat` of every file."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class Throttle:
    """`due()` is True for one caller once `every` seconds have passed since the last turn (every
    caller when `every` is 0)."""

    def __init__(self, every: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.every = every
        self._clock = clock
        self._last = clock()
        self._lock = threading.Lock()

    def due(self) -> bool:
        now = self._clock()
        if now - self._last < self.every:
            return False
        with self._lock:  # of callers arriving together, one takes the turn
            if now - self._last < self.every:
                return False
            self._last = now
            return True

    def restart(self) -> None:
        """The look was just taken some other way (a full refresh): the next is `every` away."""
        self._last = self._clock()
