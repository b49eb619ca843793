"""Serving the proxy: uvicorn (httptools and uvloop where installed) over a socket bound first.

The socket is bound before the server starts, so the port is known (`--port 0`: a free one) and
already takes connections (the kernel queues them) when the address is printed or a command started
by `promptls proxy run` connects. `serve_forever` runs in the main thread and stops on Ctrl-C or
SIGTERM; `Background` runs the server in a thread for `proxy run`.
"""

from __future__ import annotations

import socket
import threading
from typing import TYPE_CHECKING

from promptls.proxy.auth import is_loopback

if TYPE_CHECKING:
    import uvicorn

    from promptls.proxy.app import Proxy


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on `host:port` (OSError when it cannot be had: in use, no such address)."""
    name = host.strip("[]")
    family = socket.AF_INET6 if ":" in name else socket.AF_INET
    if name == "localhost":
        name, family = "127.0.0.1", socket.AF_INET
    sock = socket.create_server((name, port), family=family, backlog=2048, reuse_port=False)
    sock.set_inheritable(True)
    return sock


def base_url(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    if host in ("0.0.0.0", "::"):  # reachable as this machine's names; loopback works here
        shown = "127.0.0.1" if host == "0.0.0.0" else "[::1]"
    return f"http://{shown}:{port}"


def make_server(proxy: Proxy) -> uvicorn.Server:
    import uvicorn

    from promptls.proxy.app import build_app

    config = uvicorn.Config(
        build_app(proxy),
        log_level="warning",
        access_log=False,  # the proxy logs each request itself, without keys
        proxy_headers=False,  # no proxy in front to trust (X-Forwarded-*): a middleware less per request
        lifespan="on",  # the app closes its upstream connections at shutdown
        server_header=False,
        timeout_keep_alive=75,  # Claude Code keeps its connection between turns
        timeout_graceful_shutdown=3,
    )
    return uvicorn.Server(config)


def serve_forever(proxy: Proxy, sock: socket.socket) -> None:
    """Serve until Ctrl-C or SIGTERM (uvicorn's handlers: in-flight requests get a moment to end)."""
    server = make_server(proxy)
    try:
        server.run(sockets=[sock])
    finally:
        proxy.close()


class Background:
    """The proxy served from a thread, for the length of a `with` block."""

    def __init__(self, proxy: Proxy, sock: socket.socket) -> None:
        self.proxy = proxy
        self.sock = sock
        self.server = make_server(proxy)
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [sock]}, name="promptls-proxy", daemon=True
        )

    def __enter__(self) -> Background:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.proxy.close()
        self.sock.close()


def needs_token(host: str) -> bool:
    return not is_loopback(host)
