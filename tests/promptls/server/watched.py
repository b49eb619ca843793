"""A language server of a test's own whose process the test watches from outside: its memory (the
kernel's count of its resident pages) and its stderr (what an editor puts into its log).

The real `promptls serve`, started through pytest-lsp's public API; a shell in front of it writes its
pid and sends its stderr to a file, then `exec`s it (same process, same pid).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from pytest_lsp import ClientServerConfig

from tests.promptls.server.conftest import SERVER_ENV, EditorClient

_START = 'echo $$ > "$0"; exec "$1" -m promptls serve 2> "$2"'


@dataclass
class WatchedServer:
    client: EditorClient
    pid: int
    stderr_path: Path

    def resident_kib(self) -> int:
        """The server's resident memory (VmRSS), in KiB."""
        status = Path(f"/proc/{self.pid}/status").read_text(encoding="utf-8")
        line = next(line for line in status.splitlines() if line.startswith("VmRSS:"))
        return int(line.split()[1])

    def stderr(self) -> str:
        return self.stderr_path.read_text(encoding="utf-8", errors="replace")


@contextlib.asynccontextmanager
async def watched_server(
    folder: Path,
    profile: str = "visual_studio_code",
    env: Mapping[str, str] = SERVER_ENV,
    client_factory: type[EditorClient] = EditorClient,
) -> AsyncIterator[WatchedServer]:
    """A server rooted at `folder` for a client of `profile`; shut down when the block ends."""
    pid_file, stderr_file = folder / "server.pid", folder / "server.stderr"
    command = ["sh", "-c", _START, str(pid_file), sys.executable, str(stderr_file)]
    config = ClientServerConfig(server_command=command, server_env=dict(env), client_factory=client_factory)
    client = await config.start()
    pid: int | None = None
    try:
        await client.start(profile, folder)  # answered: the shell has written the pid by now
        pid = int(pid_file.read_text(encoding="utf-8"))
        yield WatchedServer(client, pid, stderr_file)
    finally:
        # Also after a failed test: a server that does not stop when asked is killed, never waited for.
        try:
            await asyncio.wait_for(client.shutdown_session(), timeout=10)
        except Exception:
            if pid is not None:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
        await client.stop()
