"""The keyring tests run against the real Secret Service: gnome-keyring in a throw-away D-Bus session.

`./scripts/test` starts that session. Anywhere else every test here FAILS (it is never skipped), saying
how to run them: a keyring suite that quietly did not run proves nothing, and one run against the
developer's own keyring would write to it and delete from it.
"""

from __future__ import annotations

import functools
import os
import tempfile
from pathlib import Path
from subprocess import CompletedProcess

import pytest
from promptls.adapters.keys import ENV_VARS, SERVICE

from tests.conftest import RunPromptls

HOW_TO_RUN = (
    "Run them with `./scripts/test` (or by hand: HOME=$(mktemp -d) dbus-run-session -- sh -c "
    "'echo -n pw | gnome-keyring-daemon --unlock --components=secrets >/dev/null; "
    "python -m pytest tests/keys'), with the Debian packages gnome-keyring and dbus installed."
)

PROJECT_SETTINGS = """\
[providers.groq]
base_url = "https://api.groq.com/openai/v1"
api_key_env = "GROQ_API_KEY"

[providers.lmstudio]
base_url = "http://localhost:1234/v1"

[providers.together]
base_url = "https://api.together.xyz/v1"
"""
PROVIDERS = ("openai", "openrouter", "gemini", "ollama", "anthropic", "groq", "lmstudio", "together")
"""Every provider the tests' project knows: built-in ones, then the declared ones."""
KEY_VARIABLES = (*(name for names in ENV_VARS.values() for name in names), "GROQ_API_KEY")


@functools.cache
def session_problem() -> str | None:
    """Why this is not a throw-away Secret Service session (None when it is one)."""
    try:
        import keyring
        from keyring.backends import SecretService
    except ImportError as exc:
        return f"the `keyring` package is missing ({exc}): pip install -e '.[test]'"
    backend = keyring.get_keyring()
    if not isinstance(backend, SecretService.Keyring):
        return f"the keyring backend is {backend}, not the Secret Service (gnome-keyring)"
    home = os.path.realpath(os.environ.get("HOME", "/"))
    if not home.startswith(os.path.realpath(tempfile.gettempdir()) + os.sep):
        return f"HOME ({home}) is not a throw-away folder, so this may be your own keyring"
    try:
        leftovers = [p for p in PROVIDERS if keyring.get_password(SERVICE, p) is not None]
    except Exception as exc:  # locked: the unlock step was left out
        return f"the keyring cannot be read ({type(exc).__name__}: {exc}); was it unlocked first?"
    if leftovers:
        return f"this keyring already holds promptls keys ({', '.join(leftovers)}): not a throw-away one"
    return None


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_call(item: pytest.Item) -> None:
    """Fail (not skip, not error) each test when the session is not the right one."""
    problem = session_problem()
    if problem is not None:
        pytest.fail(
            f"The keyring tests need a throw-away Secret Service: {problem}.\n{HOW_TO_RUN}", pytrace=False
        )


@pytest.fixture(autouse=True)
def clean_keys(monkeypatch: pytest.MonkeyPatch):
    """No key variable from the developer's shell reaches a test; the keyring is emptied after each."""
    for name in (*KEY_VARIABLES, "PYTHON_KEYRING_BACKEND", "PROMPTLS_DEBUG"):
        monkeypatch.delenv(name, raising=False)
    yield
    if session_problem() is None:
        import keyring

        for provider in PROVIDERS:
            if keyring.get_password(SERVICE, provider) is not None:
                keyring.delete_password(SERVICE, provider)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project declaring a keyed provider with `api_key_env` (groq), a local one (lmstudio) and a
    keyed one without a variable (together)."""
    (tmp_path / "promptls.toml").write_text(PROJECT_SETTINGS, encoding="utf-8")
    return tmp_path


@pytest.fixture
def keys(project: Path, run_promptls: RunPromptls) -> RunPromptls:
    """Run the real `promptls keys ...` in `project`, in this D-Bus session (its address is inherited).

    `input` is fed on stdin; `env` adds variables (None removes one). Fails on a Python traceback or
    a canary key in the output.
    """

    def run(*args: str, input: str = "", env: dict[str, str | None] | None = None) -> CompletedProcess[str]:
        return run_promptls("keys", *args, cwd=project, env=env, input=input)

    return run
