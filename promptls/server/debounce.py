"""Per-URI debounce: a burst of keystrokes is checked once, after the last one."""

from __future__ import annotations

import asyncio
from collections.abc import Callable


class Debouncer:
    """At most one pending call per key; scheduling a key again replaces (cancels) its pending call.

    A call that raises is handed to `on_error` (the server logs it) instead of ending in an
    unobserved task exception.
    """

    def __init__(self, on_error: Callable[[Exception], None]) -> None:
        self._pending: dict[str, asyncio.Task[None]] = {}
        self._on_error = on_error

    def schedule(self, key: str, delay: float, call: Callable[[], None]) -> None:
        """Run `call` after `delay` seconds unless `key` is scheduled again or cancelled first."""
        self.cancel(key)
        self._pending[key] = asyncio.ensure_future(self._later(key, delay, call))

    def cancel(self, key: str) -> None:
        pending = self._pending.pop(key, None)
        if pending is not None:
            pending.cancel()

    async def _later(self, key: str, delay: float, call: Callable[[], None]) -> None:
        try:
            if delay:
                await asyncio.sleep(delay)
            call()
        except asyncio.CancelledError:
            pass
        except Exception as exc:
            self._on_error(exc)
        finally:
            if self._pending.get(key) is asyncio.current_task():
                self._pending.pop(key, None)
