"""Which providers have a key, so completion offers their models first (`router.editor.ranking`).

The core never reads keys: the server tells it which providers have one. A key in the environment
(`OPENAI_API_KEY`, a declared provider's `api_key_env`) counts at once; the OS keyring is asked once
per server, in a thread of its own, at the first completion: it can be slow, or hold the caller until
the user unlocks it, and a keystroke must not wait on it. Until it has answered (and when it cannot),
the environment's providers count alone. A key stored through the editor (`promptls.setKey`) is added
by `stored`.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping

from promptls.keystatus import providers
from promptls.router.settings.discover import ProjectSettings

KEYRING_TIMEOUT_S = 30
"""How long the keyring may take to answer (a locked one waits for the user to unlock it)."""


class KeyedProviders:
    def __init__(self, env: Mapping[str, str]) -> None:
        self._env = env
        self._in_keyring: frozenset[str] = frozenset()
        self._asked = False
        self._lock = threading.Lock()
        self.keyring_read = threading.Event()
        """Set once the keyring has answered (or could not)."""

    def __call__(self, settings: ProjectSettings) -> frozenset[str]:
        """The providers of `settings` (built-in and declared) that have a key."""
        known = providers(settings)
        self._ask_keyring_once(settings.root)
        from promptls.adapters.keys import from_environment

        in_env = {
            p.name
            for p in known.values()
            if p.needs_key and from_environment(p.name, self._env, p.env_var).value
        }
        return frozenset(in_env) | self._in_keyring

    def stored(self, provider: str) -> None:
        self._in_keyring |= {provider}

    def _ask_keyring_once(self, root: str | None) -> None:
        with self._lock:
            if self._asked:
                return
            self._asked = True
        threading.Thread(
            target=self._read_keyring, args=(root,), name="promptls-keyring", daemon=True
        ).start()

    def _read_keyring(self, root: str | None) -> None:
        """Asked of `promptls keys list --json` in a child process: the keyring's libraries (D-Bus,
        cryptography) would stay in the server's memory for good (~8 MB, bench/lsp.py) for one answer.
        The child prints which providers have a key in the keyring, never a key."""
        import json
        import subprocess
        import sys

        found = set()
        try:
            proc = subprocess.run(
                [sys.executable, "-m", "promptls", "keys", "list", "--json"],
                cwd=root,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                timeout=KEYRING_TIMEOUT_S,
            )
            for row in json.loads(proc.stdout or "[]"):
                if isinstance(row, dict) and row.get("in_keyring") is True:
                    found.add(str(row.get("provider")))
        except (OSError, subprocess.SubprocessError, ValueError):
            pass  # no answer: the environment's keys are all there are
        finally:
            self._in_keyring |= found
            self.keyring_read.set()
