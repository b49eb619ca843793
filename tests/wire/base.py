"""What every provider wire server shares: a thread on 127.0.0.1, a script of behaviours, a record.

Subclasses set `handler` (their `BaseHTTPRequestHandler`, which reaches the server as `self.wire`),
`default` (the behaviour when the script is empty), `name` and, when the SDK wants one,
`url_suffix` (`/v1`).
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar, Self


class QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that gave up (a stall, a reset) is part of the script, not a failure to print."""


class WireServer:
    handler: ClassVar[type[BaseHTTPRequestHandler]]
    default: ClassVar[Callable[[], Any]]
    name: ClassVar[str] = "wire"
    url_suffix: ClassVar[str] = ""

    def __init__(self) -> None:
        self.requests: list[Any] = []
        self._script: deque[Any] = deque()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._httpd: QuietServer | None = None
        self._thread: threading.Thread | None = None

    # lifecycle

    def start(self) -> Self:
        handler = type("Handler", (self.handler,), {"wire": self})
        self._httpd = QuietServer(("127.0.0.1", 0), handler)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.02},  # stop() waits for one poll
            name=f"{self.name}-wire",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # ends any stall
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        assert self._httpd is not None, "start the server first"
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}{self.url_suffix}"

    # scripting

    def script(self, *behaviours: Any) -> None:
        """Queue behaviours for the next requests, in order."""
        with self._lock:
            self._script.extend(behaviours)

    def reset(self) -> None:
        """Forget the script and the recorded requests (to share one server between tests)."""
        with self._lock:
            self._script.clear()
            self.requests.clear()

    def _record(self, recorded: Any) -> None:
        with self._lock:
            self.requests.append(recorded)

    def _next(self) -> Any:
        with self._lock:
            return self._script.popleft() if self._script else type(self).default()

    def _wait(self, seconds: float) -> None:
        self._stopping.wait(seconds)
