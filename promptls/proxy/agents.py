"""The agent files a sub-agent's request may come from, kept up to date while the proxy runs.

Found where Claude Code reads them: the project's (`.claude/agents/`, nested folders of a monorepo,
and agents of plugins inside it), the user's (`~/.claude/agents/`, or `$CLAUDE_CONFIG_DIR/agents/`)
and the user's installed plugins (`~/.claude/plugins/`). The walk honours `.gitignore` and reads
only files below a folder named `agents`; `router/prompts/detect.py` says which are Claude agents.

The index (`router/proxy/agents.AgentIndex`) is built once, and rebuilt when an agent file or one of
the folders holding them changes: at most one look (a `stat` per folder and file) every
`CHECK_EVERY` seconds, on the request's thread. An agent folder made somewhere new in the project
(a new plugin) is seen after a restart.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable
from typing import TYPE_CHECKING

from promptls.proxy.throttle import Throttle
from promptls.router.proxy.agents import AgentIndex

if TYPE_CHECKING:
    from promptls.router.prompts.frontmatter import PromptFile

CHECK_EVERY = 2.0
"""Seconds between two looks for changed agent files."""


def claude_home(env: dict[str, str] | None = None) -> str:
    """Claude Code's user folder: `$CLAUDE_CONFIG_DIR`, else `~/.claude`."""
    env = os.environ if env is None else env
    return env.get("CLAUDE_CONFIG_DIR") or os.path.join(os.path.expanduser("~"), ".claude")


class AgentFiles:
    """The agents of one project and one user, indexed by the start of their bodies."""

    def __init__(
        self, project_root: str, user_home: str | None = None, check_every: float = CHECK_EVERY
    ) -> None:
        self.project_root = project_root
        self.user_home = user_home or claude_home()
        self._looks = Throttle(check_every)
        """Between two looks for changed files (0 seconds: at every request)."""
        self._lock = threading.Lock()
        self._stamps: dict[str, float | None] = {}
        self.index = AgentIndex(())
        self.prompts: dict[str, PromptFile] = {}
        """By path."""
        self.refresh()

    def match(self, texts: Iterable[str]) -> PromptFile | None:
        """The agent file whose body starts one of a request's system texts."""
        self._maybe_refresh()
        entry = self.index.match(texts)
        return self.prompts.get(entry.path) if entry is not None else None

    def all(self) -> list[PromptFile]:
        self._maybe_refresh()
        return sorted(self.prompts.values(), key=lambda p: (p.name, p.path))

    def _maybe_refresh(self) -> None:
        if not self._looks.due():
            return
        with self._lock:
            if any(_stamp(path) != stamp for path, stamp in self._stamps.items()):
                self.refresh()

    def refresh(self) -> None:
        """Walk for agent files again and rebuild the index."""
        from promptls.router.prompts.dialects import Dialect

        prompts: dict[str, PromptFile] = {}
        roots = [
            self.project_root,
            os.path.join(self.user_home, "agents"),
            os.path.join(self.user_home, "plugins"),
        ]
        for prompt in _agent_files(roots):
            if prompt.dialect is Dialect.CLAUDE_AGENT:
                prompts[prompt.path] = prompt
        watched = {os.path.join(self.project_root, ".claude", "agents"), *roots[1:]}
        for path in prompts:
            watched.add(path)
            watched.add(os.path.dirname(path))
        self._stamps = {path: _stamp(path) for path in watched}
        self.prompts = prompts
        self.index = AgentIndex.of((p.name, p.path, p.body) for p in prompts.values())
        self._looks.restart()


def _agent_files(roots: list[str]) -> Iterable[PromptFile]:
    from promptls.router.base.reading import Unreadable
    from promptls.workspace import load_prompt, walk

    for root in roots:
        if not os.path.isdir(root):
            continue
        for found in walk([root]):
            parts = found.path.split(os.sep)
            if "agents" not in parts[:-1] or not found.path.endswith(".md"):
                continue
            prompt = load_prompt(found.path, explicit=False, include=[], root=root)
            if prompt is not None and not isinstance(prompt, Unreadable):
                yield prompt


def _stamp(path: str) -> float | None:
    try:
        return os.stat(path).st_mtime
    except OSError:
        return None
