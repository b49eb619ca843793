"""Provider keys in the real OS keyring (gnome-keyring over D-Bus), through `promptls.adapters.keys`
and through the real `promptls keys` command in subprocesses that share this test session's bus."""

from __future__ import annotations

import json
import os
import pty
import secrets
import select
import subprocess
import sys
from pathlib import Path

import keyring
import pytest
from promptls.adapters.keys import (
    SERVICE,
    KeyLookup,
    KeyringUnavailable,
    delete_key,
    lookup_key,
    masked,
    missing_key_message,
    store_key,
)

from tests.conftest import CANARY_KEYS, PROMPTLS, RunPromptls, assert_no_canary, canary_key

FAIL_BACKEND = {"PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}


def new_key(tag: str = "test") -> str:
    return f"sk-{tag}-{secrets.token_hex(16)}"


def table(stdout: str) -> dict[str, list[str]]:
    """`keys list` as {provider: [key cell, source cell]}; checks the header."""
    header, *lines = stdout.splitlines()
    assert header.split() == ["PROVIDER", "KEY", "SOURCE"], stdout
    key_at, source_at = header.index("KEY"), header.index("SOURCE")
    return {line[:key_at].strip(): [line[key_at:source_at].strip(), line[source_at:]] for line in lines}


# --- promptls.adapters.keys against the keyring --------------------------------------------------


def test_store_lookup_delete_round_trip_through_the_keyring() -> None:
    key = new_key()
    assert lookup_key("openai", {}) == KeyLookup(None, "none")
    store_key("openai", key)
    assert keyring.get_password(SERVICE, "openai") == key  # service "promptls", user = the provider
    assert lookup_key("openai", {}) == KeyLookup(key, "OS keyring")
    assert lookup_key("anthropic", {}) == KeyLookup(None, "none")  # one entry per provider
    replacement = new_key()
    store_key("openai", replacement)
    assert lookup_key("openai", {}).value == replacement
    assert delete_key("openai") is True
    assert keyring.get_password(SERVICE, "openai") is None
    assert delete_key("openai") is False
    assert lookup_key("openai", {}) == KeyLookup(None, "none")


def test_a_key_set_with_keyring_itself_is_found() -> None:
    key = new_key()
    keyring.set_password(SERVICE, "openrouter", key)
    assert lookup_key("openrouter", {}) == KeyLookup(key, "OS keyring")


def test_the_environment_beats_the_keyring() -> None:
    stored, exported = new_key("stored"), new_key("exported")
    store_key("gemini", stored)
    assert lookup_key("gemini", {"GEMINI_API_KEY": exported}) == KeyLookup(
        exported, "environment (GEMINI_API_KEY)"
    )
    # the second variable counts too, after the first
    assert lookup_key("gemini", {"GOOGLE_API_KEY": exported}) == KeyLookup(
        exported, "environment (GOOGLE_API_KEY)"
    )
    both = {"GEMINI_API_KEY": exported, "GOOGLE_API_KEY": stored}
    assert lookup_key("gemini", both).source == "environment (GEMINI_API_KEY)"
    # a blank variable is no key: the keyring answers
    assert lookup_key("gemini", {"GEMINI_API_KEY": "  "}) == KeyLookup(stored, "OS keyring")
    assert lookup_key("gemini", {"OPENAI_API_KEY": exported}) == KeyLookup(stored, "OS keyring")


def test_a_declared_providers_api_key_env_replaces_the_built_in_variables() -> None:
    stored, exported = new_key("stored"), new_key("exported")
    store_key("groq", stored)
    assert (
        lookup_key("groq", {"GROQ_API_KEY": exported}, "GROQ_API_KEY").source == "environment (GROQ_API_KEY)"
    )
    assert lookup_key("groq", {}, "GROQ_API_KEY") == KeyLookup(stored, "OS keyring")
    store_key("openai", stored)
    # an OpenAI-compatible endpoint with its own variable does not pick up OPENAI_API_KEY
    assert lookup_key("openai", {"OPENAI_API_KEY": exported}, "AZURE_KEY") == KeyLookup(stored, "OS keyring")


def test_masked_shows_a_vendor_prefix_and_at_most_the_last_four_characters() -> None:
    assert masked("sk-canary-0123456789abcdefa1b2") == "sk-…a1b2"
    assert masked("sk-ant-api03-" + "x" * 40 + "WXYZ") == "sk-ant-…WXYZ"
    assert masked("gsk_" + "q" * 40 + "9876") == "gsk_…9876"
    assert masked("0123456789abcdefghij") == "…ghij"
    assert masked("sk-short1234") == "…"  # too short to spare 4 characters
    assert masked("") == "…"


def test_a_missing_key_message_names_both_fixes() -> None:
    assert missing_key_message("openai") == (
        "no API key for openai: run `promptls keys set openai` to store one in the OS keyring, "
        "or set the environment variable OPENAI_API_KEY"
    )
    gemini = missing_key_message("gemini")
    assert "`promptls keys set gemini`" in gemini and "GEMINI_API_KEY (or GOOGLE_API_KEY)" in gemini
    groq = missing_key_message("groq", "GROQ_API_KEY")
    assert "`promptls keys set groq`" in groq and "GROQ_API_KEY" in groq
    together = missing_key_message("together")
    assert (
        "`promptls keys set together`" in together and "`api_key_env` under [providers.together]" in together
    )


def test_every_keyring_error_is_mapped_by_type() -> None:
    from keyring import errors
    from promptls.adapters.keys import _keyring, _keyring_errors

    mapped = {kind for kind, _ in _keyring_errors()}
    library = {c for c in vars(errors).values() if isinstance(c, type) and issubclass(c, Exception)}
    assert library - mapped == set()
    with pytest.raises(KeyringUnavailable, match="the keyring is locked") as info, _keyring("openai", None):
        raise errors.KeyringLocked("Failed to unlock the collection!")
    assert "OPENAI_API_KEY" in str(info.value) and "gnome-keyring" in str(info.value)
    assert isinstance(info.value.__cause__, errors.KeyringLocked)
    with pytest.raises(ZeroDivisionError), _keyring("openai", None):  # a bug is not a keyring failure
        _ = 1 / 0


def test_importing_the_keys_modules_does_not_import_keyring() -> None:
    script = (
        "import sys, promptls.adapters.keys, promptls.cli.keys\n"
        "from promptls.cli import build_parser\n"
        "build_parser('keys')\n"
        "print('keyring' in sys.modules)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    )
    assert proc.stdout.strip() == "False"


# --- the real `promptls keys` command ------------------------------------------------------------


def test_set_list_rm_round_trip(keys) -> None:
    key = new_key()
    proc = keys("set", "openai", input=f"  {key}\n\n")
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "stored the openai key in the OS keyring\n", "")
    assert keyring.get_password(SERVICE, "openai") == key  # stripped, and in this session's keyring

    proc = keys("list")
    assert proc.returncode == 0, proc.stderr
    rows = table(proc.stdout)
    assert rows["openai"] == [f"sk-…{key[-4:]}", "OS keyring"]
    assert rows["anthropic"] == [
        "no key",
        "set one: promptls keys set anthropic  or  export ANTHROPIC_API_KEY=...",
    ]

    listed = {row["provider"]: row for row in json.loads(keys("list", "--json").stdout)}
    assert listed["openai"] == {
        "provider": "openai",
        "needs_key": True,
        "source": "OS keyring",
        "key": f"sk-…{key[-4:]}",
        "env_vars": ["OPENAI_API_KEY"],
        "in_keyring": True,
        "overrides_keyring": False,
        "hint": None,
    }

    proc = keys("rm", "openai")
    assert (proc.returncode, proc.stdout) == (0, "removed the openai key from the OS keyring\n")
    assert keyring.get_password(SERVICE, "openai") is None
    proc = keys("rm", "openai")
    assert proc.returncode == 1 and "no openai key in the OS keyring" in proc.stderr
    rows = table(keys("list").stdout)
    assert rows["openai"] == ["no key", "set one: promptls keys set openai  or  export OPENAI_API_KEY=..."]
    listed = {row["provider"]: row for row in json.loads(keys("list", "--json").stdout)}
    assert listed["openai"]["key"] is None and listed["openai"]["in_keyring"] is False
    assert listed["openai"]["hint"] == missing_key_message("openai")


def test_list_says_the_environment_overrides_the_keyring(keys) -> None:
    stored, exported = new_key("stored"), new_key("exported")
    proc = keys("set", "openai", input=stored, env={"OPENAI_API_KEY": exported})
    assert proc.returncode == 0
    assert "OPENAI_API_KEY" in proc.stderr and "takes precedence" in proc.stderr
    proc = keys("list", env={"OPENAI_API_KEY": exported})
    assert table(proc.stdout)["openai"] == [
        f"sk-…{exported[-4:]}",
        "environment (OPENAI_API_KEY), overriding the key in the OS keyring",
    ]
    row = next(r for r in json.loads(keys("list", "--json", env={"OPENAI_API_KEY": exported}).stdout))
    assert (row["source"], row["key"], row["in_keyring"], row["overrides_keyring"]) == (
        "environment (OPENAI_API_KEY)",
        f"sk-…{exported[-4:]}",
        True,
        True,
    )
    # an environment key alone is not "overriding" anything
    keyring.delete_password(SERVICE, "openai")
    assert (
        table(keys("list", env={"OPENAI_API_KEY": exported}).stdout)["openai"][1]
        == "environment (OPENAI_API_KEY)"
    )


def test_list_covers_declared_and_local_providers(keys) -> None:
    exported = new_key("groq")
    assert keys("set", "together", input=new_key("together")).returncode == 0
    proc = keys("list", env={"GROQ_API_KEY": exported})
    assert proc.returncode == 0, proc.stderr
    rows = table(proc.stdout)
    assert list(rows) == [
        "openai",
        "openrouter",
        "gemini",
        "ollama",
        "anthropic",
        "groq",
        "lmstudio",
        "together",
    ]
    assert rows["ollama"] == ["-", "no key needed (runs locally)"]
    assert rows["lmstudio"] == ["-", "no key needed (runs locally)"]  # base_url on localhost
    assert rows["groq"] == [f"sk-…{exported[-4:]}", "environment (GROQ_API_KEY)"]
    assert rows["together"][1] == "OS keyring"
    assert rows["gemini"] == ["no key", "set one: promptls keys set gemini  or  export GEMINI_API_KEY=..."]
    keyring.delete_password(SERVICE, "together")
    assert table(keys("list").stdout)["together"] == [
        "no key",
        "set one: promptls keys set together  or  api_key_env under [providers.together]",
    ]


def test_set_refuses_what_it_should(keys) -> None:
    for given in ("", "  \n\t\n"):
        proc = keys("set", "openai", input=given)
        assert proc.returncode == 2 and "no key given" in proc.stderr and proc.stdout == ""
    proc = keys("set", "openai", input="sk-one-aaaaaaaaaaaaaaaa\nsk-two-bbbbbbbbbbbbbbbb\n")
    assert proc.returncode == 2 and "whitespace" in proc.stderr
    proc = keys("set", "mistral", input=new_key())
    assert proc.returncode == 2
    assert proc.stderr == (
        "promptls keys: error: unknown provider `mistral`; known: openai, openrouter, gemini, ollama, "
        "anthropic, groq, lmstudio, together\n"
    )
    assert keys("rm", "mistral").returncode == 2
    for local in ("ollama", "lmstudio"):
        proc = keys("set", local, input=new_key())
        assert proc.returncode == 2 and "needs no key" in proc.stderr
    assert all(keyring.get_password(SERVICE, p) is None for p in ("openai", "mistral", "ollama", "lmstudio"))


def test_set_never_takes_the_key_from_the_command_line(keys) -> None:
    key = new_key()
    for argv in (("set", "openai", key), ("set", key)):
        proc = keys(*argv)
        assert proc.returncode == 2
        assert key not in proc.stdout + proc.stderr
    assert "shell history" in keys("set", "openai", key).stderr
    assert "looks like a key" in keys("set", key).stderr
    assert keyring.get_password(SERVICE, "openai") is None


def test_set_asks_on_a_terminal_without_echoing_the_key(project: Path) -> None:
    key = new_key("typed")
    pid, fd = pty.fork()
    if pid == 0:  # the child: the pseudo-terminal is its controlling terminal, as in a shell
        os.chdir(project)
        os.execv(sys.executable, [sys.executable, "-m", "promptls", "keys", "set", "anthropic"])
    try:
        seen = read_until(fd, b"(input hidden): ")
        assert "anthropic API key" in seen
        os.write(fd, key.encode() + b"\n")
        seen += read_until(fd, None)
    finally:
        _, status = os.waitpid(pid, 0)
        os.close(fd)
    assert os.waitstatus_to_exitcode(status) == 0, seen
    assert "stored the anthropic key in the OS keyring" in seen
    assert key not in seen and key[-8:] not in seen
    assert keyring.get_password(SERVICE, "anthropic") == key


def read_until(fd: int, marker: bytes | None, timeout: float = 30) -> str:
    """Read the terminal until `marker` shows (or, with None, until the child closes it)."""
    data = b""
    while marker is None or marker not in data:
        ready, _, _ = select.select([fd], [], [], timeout)
        assert ready, f"no output within {timeout}s; so far: {data!r}"
        try:
            chunk = os.read(fd, 4096)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        data += chunk
    return data.decode("utf-8", "replace")


# --- when the keyring cannot be used -------------------------------------------------------------


def test_no_keyring_backend_is_exit_2_with_a_clear_message(keys) -> None:
    for args, given in ((("set", "openai"), new_key()), (("rm", "openai"), ""), (("list",), "")):
        proc = keys(*args, input=given, env=FAIL_BACKEND)
        assert proc.returncode == 2, (args, proc.stderr)
        assert proc.stderr.startswith(
            "promptls keys: error: cannot use the OS keyring: no usable keyring backend"
        )
        assert "install and unlock a Secret Service (gnome-keyring" in proc.stderr
        assert proc.stderr.count("\n") == 1  # one line, no traceback
    assert "or set OPENAI_API_KEY instead" in keys("set", "openai", input=new_key(), env=FAIL_BACKEND).stderr


def test_without_a_keyring_list_still_shows_environment_keys(keys) -> None:
    exported = new_key()
    proc = keys("list", env={**FAIL_BACKEND, "OPENAI_API_KEY": exported})
    assert proc.returncode == 2 and "cannot use the OS keyring" in proc.stderr
    rows = table(proc.stdout)
    assert rows["openai"] == [f"sk-…{exported[-4:]}", "environment (OPENAI_API_KEY)"]
    assert rows["gemini"] == ["no key?", "OS keyring unavailable; export GEMINI_API_KEY=..."]
    assert rows["ollama"] == ["-", "no key needed (runs locally)"]
    listed = {row["provider"]: row for row in json.loads(keys("list", "--json", env=FAIL_BACKEND).stdout)}
    assert listed["gemini"]["source"] == "unknown (the OS keyring is unavailable)"
    assert listed["gemini"]["in_keyring"] is None


def test_the_api_raises_keyring_unavailable_only_when_it_must() -> None:
    script = (
        "from promptls.adapters.keys import KeyringUnavailable, lookup_key, store_key\n"
        "print(lookup_key('openai', {'OPENAI_API_KEY': 'sk-from-the-environment-1234'}).source)\n"
        "calls = (lambda: lookup_key('openai', {}), lambda: store_key('groq', 'x' * 20, 'GROQ_API_KEY'))\n"
        "for call in calls:\n"
        "    try:\n"
        "        call()\n"
        "    except KeyringUnavailable as exc:\n"
        "        print(exc)\n"
    )
    for backend, reason in (
        ("keyring.backends.fail.Keyring", "no usable keyring backend was found"),
        ("keyring.backends.null.Keyring", "the keyring is switched off"),
    ):
        env = {**os.environ, "PYTHON_KEYRING_BACKEND": backend}
        proc = subprocess.run(
            [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60
        )
        assert proc.returncode == 0, proc.stderr
        source, openai, groq = proc.stdout.splitlines()
        assert source == "environment (OPENAI_API_KEY)"  # a headless machine with the variable works
        assert (
            openai.startswith(f"cannot use the OS keyring: {reason}")
            and "set OPENAI_API_KEY instead" in openai
        )
        assert "set GROQ_API_KEY instead" in groq


def test_a_keyring_that_was_never_unlocked_is_exit_2_with_a_clear_message(
    project: Path, tmp_path: Path, run_promptls: RunPromptls
) -> None:
    """A session bus of its own whose gnome-keyring was never unlocked: the real "Prompt dismissed"."""
    home = tmp_path / "home"
    home.mkdir()
    proc = run_promptls(
        "keys",
        "set",
        "openai",
        cwd=project,
        env={"HOME": str(home), "DISPLAY": None, "WAYLAND_DISPLAY": None},  # no unlock dialog anywhere
        input=new_key(),
        command=("dbus-run-session", "--", *PROMPTLS),
    )
    assert proc.returncode == 2, proc.stderr
    errors = [line for line in proc.stderr.splitlines() if line.startswith("promptls keys:")]
    assert len(errors) == 1, proc.stderr
    assert errors[0].startswith(
        "promptls keys: error: cannot use the OS keyring: the keyring could not be opened"
    )
    assert "Prompt dismissed" in errors[0] and "gnome-keyring-daemon --unlock" in errors[0]
    assert "OPENAI_API_KEY" in errors[0]


# --- the canary ----------------------------------------------------------------------------------


def test_a_canary_key_never_reaches_any_output(keys) -> None:
    stored, exported = CANARY_KEYS["OPENAI_API_KEY"], CANARY_KEYS["OPENROUTER_API_KEY"]
    env = {"OPENAI_API_KEY": exported, "GROQ_API_KEY": exported, "GEMINI_API_KEY": exported}
    runs = [
        keys("set", "openai", input=stored),
        keys("set", "groq", input=stored, env=env),
        keys("set", "openai", input=stored, env=env),
        keys("list"),
        keys("list", "--json"),
        keys("list", env=env),
        keys("list", "--json", env=env),
        keys("list", env={**env, **FAIL_BACKEND}),
        keys("set", "openai", stored),
        keys("set", stored),
        keys("set", "ollama", input=stored, env=env),
        keys("set", "openai", input=stored + " " + exported),
        keys("rm", "openai", env=env),
        keys("rm", "groq", env=env),
        keys("rm", "openai", env=env),
    ]
    seen = "\n".join(proc.stdout + proc.stderr for proc in runs)
    assert_no_canary(seen, fragments=True)  # not even part of a key
    for key in (stored, exported):
        assert masked(key) in seen  # the masked form, and nothing more, was shown


def test_the_server_learns_which_providers_have_a_key_in_the_keyring(tmp_path) -> None:
    """Completion ranks keyed providers first; the server asks the real keyring through a child
    `promptls keys list --json` (the keyring's libraries stay out of the server's memory)."""
    from promptls.router.settings import SettingsLoader

    from promptls.server.keyed import KeyedProviders

    store_key("anthropic", canary_key("anthropic"))
    try:
        settings = SettingsLoader(user_config=str(tmp_path / "none.toml")).for_directory(str(tmp_path))
        keyed = KeyedProviders({})
        keyed(settings)
        assert keyed.keyring_read.wait(timeout=60)
        assert "anthropic" in keyed(settings)
        assert "openai" not in keyed(settings)
    finally:
        delete_key("anthropic")
