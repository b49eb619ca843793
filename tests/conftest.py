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

# Canary keys, set for every test (and so for every promptls process a test starts). None of them
# may ever show up in anything the suite captures: output, logs, failure reports, files it wrote
# (the ledger included). Checked after each test and over the whole temp folder at the end.
CANARY_KEYS = {
    "OPENAI_API_KEY": "sk-canary-suite-openai-5d1e8f2a9c",
    "OPENROUTER_API_KEY": "sk-or-canary-suite-openrouter-77b3c1",
    "ANTHROPIC_API_KEY": "sk-ant-canary-suite-anthropic-0a4f6e",
    "GEMINI_API_KEY": "AIza-canary-suite-gemini-9e2d71",
}


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
    for name, value in CANARY_KEYS.items():
        monkeypatch.setenv(name, value)
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
        assert_no_canary(proc.stdout + proc.stderr)
        return proc

    return run


def assert_no_canary(text: str) -> None:
    leaked = [name for name, key in CANARY_KEYS.items() if key in text]
    assert not leaked, f"a secret reached the output: {', '.join(leaked)}"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    outcome = yield
    report = outcome.get_result()
    captured = "\n".join((report.capstdout, report.capstderr, report.caplog, str(report.longrepr or "")))
    leaked = [name for name, key in CANARY_KEYS.items() if key in captured]
    if leaked:
        report.outcome = "failed"
        report.longrepr = f"a secret ({', '.join(leaked)}) reached captured output or logs"


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Every file the suite wrote (ledgers, settings, logs under the temp folder) is key-free."""
    factory = getattr(session.config, "_tmp_path_factory", None)
    if factory is None:
        return
    base = factory.getbasetemp()
    keys = [key.encode() for key in CANARY_KEYS.values()]
    leaks = []
    for path in base.rglob("*"):
        if path.is_file() and path.stat().st_size < 20_000_000:
            data = path.read_bytes()
            if any(key in data for key in keys):
                leaks.append(str(path))
    if leaks:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
        print("\nA canary key was written to a file:\n  " + "\n  ".join(leaks[:20]))
