"""Shared fixtures: every test runs without the developer's user config or PROMPTLS_* variables."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


@pytest.fixture(autouse=True)
def isolated_user_config(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """No user `config.toml`, no `PROMPTLS_*` variable and no colour switch leaks into a test.

    Set in `os.environ`, so subprocesses started by a test inherit it too. Returns the (empty)
    XDG config home.
    """
    for name in list(os.environ):
        if name.startswith("PROMPTLS_"):
            monkeypatch.delenv(name)
    for name in ("NO_COLOR", "FORCE_COLOR"):
        monkeypatch.delenv(name, raising=False)
    home = tmp_path_factory.mktemp("user-config")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home))
    monkeypatch.setenv("PROMPTLS_CONFIG", str(home / "promptls" / "absent-config.toml"))
    return home


@pytest.fixture
def examples_copy(tmp_path: Path) -> Path:
    """A private copy of `examples/` (hidden `.claude/` and `.github/` folders included)."""
    return Path(shutil.copytree(EXAMPLES, tmp_path / "examples"))


RunPromptls = Callable[..., subprocess.CompletedProcess]


@pytest.fixture
def run_promptls() -> RunPromptls:
    """Run the real `promptls` command (`python -m promptls`) and return what the user sees.

    `env` adds to (or, with a None value, removes from) the test's environment. Fails the test if
    stderr shows a Python traceback: a user must never see one.
    """

    def run(
        *args: str | os.PathLike,
        cwd: str | os.PathLike,
        env: dict[str, str | None] | None = None,
        command: list[str] | None = None,
    ) -> subprocess.CompletedProcess:
        environ = dict(os.environ)
        for key, value in (env or {}).items():
            if value is None:
                environ.pop(key, None)
            else:
                environ[key] = value
        argv = [*(command or [sys.executable, "-m", "promptls"]), *map(str, args)]
        proc = subprocess.run(argv, cwd=cwd, env=environ, capture_output=True, text=True, timeout=60)
        assert "Traceback" not in proc.stderr, proc.stderr
        return proc

    return run
