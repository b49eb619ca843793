"""What every test shares: an environment free of the developer's settings, keys and ledger; the canary
keys and the one leak check; and `run_promptls`, the one way a test runs the real `promptls` command."""

from __future__ import annotations

import os
import pty
import select
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"

# ---- the canary keys --------------------------------------------------------------------------

CANARY_KEYS = {
    "OPENAI_API_KEY": "sk-canary-openai-5d1e8f2a9c3b7e40",
    "OPENROUTER_API_KEY": "sk-or-canary-openrouter-77b3c1d94e0a2f68",
    "ANTHROPIC_API_KEY": "sk-ant-canary-anthropic-0a4f6e2d8b1c9e73",
    "GEMINI_API_KEY": "AIza-canary-gemini-9e2d71c4a0f3b856",
    "OLLAMA_API_KEY": "ollama-canary-env-3c8b5f1e7a2d6094",  # the ollama SDK reads it on its own
}
"""The suite's API keys, by environment variable: set for every test, and so for every promptls process
a test starts; tests that hand a key to an adapter or a command hand one of these. None may ever show
up in anything the suite captures: output, logs, failure reports, files it wrote (ledgers included).
`assert_no_canary` checks a text; every test's captured output and, at the end, every file under the
suite's temp folder are checked too."""

_SECRET_TAIL = 16
"""Each canary ends in 16 hex digits after its last `-`: the part no display may show more than 4 of."""


def canary_key(provider: str) -> str:
    """The canary for `provider`: its variable's (a provider read from no variable, a remote Ollama
    behind a key for one, gets OpenAI's)."""
    from promptls.adapters.keys import ENV_VARS

    return CANARY_KEYS[ENV_VARS.get(provider, ("OPENAI_API_KEY",))[0]]


def leaked_canaries(text: str, *, fragments: bool = False) -> list[str]:
    """The variables whose canary shows in `text`; with `fragments`, also those of which 5 characters
    in a row of the secret part show (a masked key shows at most its last 4)."""
    leaked = []
    for name, key in CANARY_KEYS.items():
        tail = key[-_SECRET_TAIL:]
        if key in text or (fragments and any(tail[i : i + 5] in text for i in range(len(tail) - 4))):
            leaked.append(name)
    return leaked


def assert_no_canary(text: str, *, fragments: bool = False) -> None:
    leaked = leaked_canaries(text, fragments=fragments)
    assert not leaked, f"a secret reached the output: {', '.join(leaked)}"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    outcome = yield
    report = outcome.get_result()
    captured = "\n".join((report.capstdout, report.capstderr, report.caplog, str(report.longrepr or "")))
    leaked = leaked_canaries(captured)
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


# ---- the environment of every test ------------------------------------------------------------


@pytest.fixture(autouse=True)
def isolated_user_config(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """No user `config.toml`, no `PROMPTLS_*` variable, no colour switch, no keyring and no ledger of
    the developer's reaches a test; the canary keys are set.

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
    # The keys tests (tests/keys) take the real Secret Service back; everywhere else a key comes from
    # the environment or nowhere.
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")
    monkeypatch.setenv("PROMPTLS_LEDGER", str(tmp_path_factory.mktemp("ledger") / "ledger.sqlite3"))
    home = tmp_path_factory.mktemp("user-config")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home))
    # `promptls models` caches live model lists there: never the developer's cache, never another test's
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("user-cache")))
    monkeypatch.setenv("PROMPTLS_CONFIG", str(home / "promptls" / "absent-config.toml"))
    return home


@pytest.fixture
def ledger_path() -> Path:
    """The ledger `promptls run` writes to in this test (`$PROMPTLS_LEDGER`, not yet created)."""
    return Path(os.environ["PROMPTLS_LEDGER"])


def read_ledger(path: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The ledger's runs and attempts, in order, as a user's SQLite browser shows them; fails if a
    canary key is anywhere in it."""
    conn = sqlite3.connect(path)
    conn.row_factory = sqlite3.Row
    try:
        runs = [dict(row) for row in conn.execute("SELECT * FROM runs ORDER BY id")]
        attempts = [dict(row) for row in conn.execute("SELECT * FROM attempts ORDER BY run_id, n")]
        assert_no_canary("\n".join(conn.iterdump()))
    finally:
        conn.close()
    return runs, attempts


@pytest.fixture
def examples_copy(tmp_path: Path) -> Path:
    """A private copy of `examples/` (hidden `.claude/` and `.github/` folders included)."""
    return Path(shutil.copytree(EXAMPLES, tmp_path / "examples"))


# ---- the real command -------------------------------------------------------------------------

PROMPTLS = (sys.executable, "-m", "promptls")

RunPromptls = Callable[..., subprocess.CompletedProcess[str]]


def run_promptls_command(
    *args: str | os.PathLike[str],
    cwd: str | os.PathLike[str],
    env: Mapping[str, str | None] | None = None,
    input: str | None = "",
    command: Iterable[str] = PROMPTLS,
    terminal: bool = False,
    timeout: float = 60.0,
) -> subprocess.CompletedProcess[str]:
    """Run the real `promptls` command in `cwd` and return what the user sees.

    The environment is the test's (the canary keys, no user settings), with `env` added (a None value
    removes a variable). `input` is stdin (empty: nobody types). `terminal` puts stdin and stdout on
    a pseudo-terminal, as in an interactive shell. Fails the test if the command outlives `timeout`,
    shows a Python traceback or shows a canary key: a user must never see either.
    """
    environ = dict(os.environ)
    for name, value in (env or {}).items():
        if value is None:
            environ.pop(name, None)
        else:
            environ[name] = value
    argv = [*command, *map(str, args)]
    if terminal:
        proc = _run_on_terminal(argv, cwd, environ, timeout)
    else:
        proc = subprocess.run(
            argv, cwd=cwd, env=environ, input=input, capture_output=True, text=True, timeout=timeout
        )
    assert "Traceback" not in proc.stderr, proc.stderr
    assert_no_canary(proc.stdout + proc.stderr)
    return proc


@pytest.fixture
def run_promptls() -> RunPromptls:
    """`run_promptls_command`, as a fixture."""
    return run_promptls_command


def _run_on_terminal(
    argv: list[str], cwd: str | os.PathLike[str], environ: dict[str, str], timeout: float
) -> subprocess.CompletedProcess[str]:
    """Run with stdin and stdout on a pseudo-terminal; stdout is what the terminal showed."""
    primary, secondary = pty.openpty()
    proc = subprocess.Popen(
        argv, cwd=cwd, env=environ, stdin=secondary, stdout=secondary, stderr=subprocess.PIPE
    )
    os.close(secondary)
    deadline = time.monotonic() + timeout
    shown = []
    try:
        while select.select([primary], [], [], max(0.0, deadline - time.monotonic()))[0]:
            try:
                data = os.read(primary, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not data:
                break
            shown.append(data)
        else:
            proc.kill()
            raise subprocess.TimeoutExpired(argv, timeout)
        _, err = proc.communicate(timeout=max(0.0, deadline - time.monotonic()))
    finally:
        os.close(primary)
    stdout = b"".join(shown).decode("utf-8", "replace")
    return subprocess.CompletedProcess(argv, proc.returncode, stdout, err.decode("utf-8", "replace"))
