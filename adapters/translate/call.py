"""One translated call in flight: what every target's stream needs besides its own wire format.

`Call` carries the endpoint, the provider's model name, the deadlines' watch and the client's
cancel, and checks the response (is it the stream it should be?) when its headers are in.

`Cancel` is a `threading.Event` that also ends a blocked read: the proxy sets it when its client
disconnects, from another thread, and the upstream connection is shut down at once (the read the
SDK is blocked in ends), so the provider stops generating and billing. A plain `threading.Event`
works too, but is seen only between two pieces of the answer.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import Any

from promptls.adapters.answers import StreamForm, answer_form
from promptls.adapters.base import Endpoint
from promptls.adapters.deadline import StreamWatch, abort_read


class Cancel(threading.Event):
    """A cancel that also aborts the reads registered with `on_set` (see the module docstring)."""

    def __init__(self) -> None:
        super().__init__()
        self._callbacks: list[Callable[[], None]] = []
        self._lock = threading.Lock()

    def set(self) -> None:
        super().set()
        with self._lock:
            callbacks, self._callbacks = self._callbacks, []
        for callback in callbacks:
            callback()

    def on_set(self, callback: Callable[[], None]) -> Callable[[], None]:
        """Call `callback` when the cancel is set (at once if it is); returns its removal."""
        with self._lock:
            if not self.is_set():
                self._callbacks.append(callback)
                return lambda: self._forget(callback)
        callback()
        return lambda: None

    def _forget(self, callback: Callable[[], None]) -> None:
        with self._lock:
            if callback in self._callbacks:
                self._callbacks.remove(callback)


NO_OPTIONS: Mapping[str, Any] = {}


class Call:
    """The endpoint, model, deadlines, cancel and settings options of one translated call."""

    def __init__(
        self,
        endpoint: Endpoint,
        model: str,
        cancel: threading.Event | None,
        options: Mapping[str, Any] = NO_OPTIONS,
    ) -> None:
        self.endpoint = endpoint
        self.model = model
        self.cancel = cancel
        self.options = options
        """Pass-through options from settings (`[providers.X] options`, `[models."id"] options`): each
        target puts them where its wire takes them, and they win over what the client sent."""
        self.watch = StreamWatch(endpoint, model)
        self._undo: list[Callable[[], None]] = []

    def attach(self, response: Any, form: StreamForm) -> str:
        """Check a response the SDK handed over (`STREAM` or `WHOLE_JSON`; raises `Unavailable` for
        anything else), then watch it and let a cancel abort its read."""
        shape = answer_form(response, self.endpoint, self.model, form)
        self.watch.attach(response)
        self.abort_on_cancel(response)
        return shape

    def inspect_with(self, form: StreamForm) -> None:
        """For an SDK that gives no response: the client's response hook hands it to the watch,
        which checks it here."""

        def inspect(response: Any) -> None:
            answer_form(response, self.endpoint, self.model, form)
            self.abort_on_cancel(response)

        self.watch.inspect = inspect

    def abort_on_cancel(self, response: Any) -> None:
        if isinstance(self.cancel, Cancel):
            self._undo.append(self.cancel.on_set(lambda: abort_read(response)))

    @property
    def cancelled(self) -> bool:
        return self.cancel is not None and self.cancel.is_set()

    def close(self) -> None:
        self.watch.close()
        for undo in self._undo:
            undo()
        self._undo.clear()
