"""Hostile files: what is no regular file, too large, or a loop of symlinks never hangs, exhausts or
aborts promptls.

promptls reads only regular files, at most 1 MiB of a prompt or settings file (router/base/reading.py).
The workspace walk skips what is no regular file, as git does (FIFOs, sockets, devices, symlinks to
nothing such as Emacs lock files); a file it cannot read is an unreadable-file finding and the rest is
still checked. A file named on the command line that cannot be read is a finding (`check`) or a
one-line error naming it (`resolve`, exit 2). Each folder is walked once, however many symlinks lead
to it.

Every case runs the real command under a memory limit and a timeout (tests/hostile/limited.py), and
the real server under the same limit, so a regression fails instead of hanging the suite.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import socket
import sys
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

from tests.hostile.test_yaml import LIMITED

TIMEOUT = 30
"""Seconds any one command or server answer may take: a hang fails the test, it never stalls it."""

BAD_PROMPT = "---\nmodel: openai/gpt-4o-mini\ntemperature: 9\n---\nHi\n"
"""A prompt with one finding (PLS207 at line 3), to show the rest of a workspace is still checked."""

UNREADABLE = "PLS105"


def check(run_promptls, cwd: Path, *args: str, env: dict[str, str] | None = None):
    """`promptls check --output-format json ARGS` under the limits: (exit status, findings as
    (path, line, code) in sorted order, messages by path)."""
    proc = run_promptls(
        "check", "--output-format", "json", *args, cwd=cwd, env=env, command=LIMITED, timeout=TIMEOUT
    )
    assert proc.stderr == ""
    found = json.loads(proc.stdout)
    shown = sorted((f["path"], f["location"]["line"], f["code"]) for f in found)
    return proc.returncode, shown, {f["path"]: f["message"] for f in found}


def resolve(run_promptls, cwd: Path, path: str, env: dict[str, str] | None = None):
    return run_promptls("resolve", path, cwd=cwd, env=env, command=LIMITED, timeout=TIMEOUT)


def workspace(root: Path) -> Path:
    (root / ".git").mkdir(parents=True)  # the project's top: no settings above it apply
    (root / "prompts").mkdir()
    (root / "prompts" / "bad.md").write_text(BAD_PROMPT)
    return root


# --- defect 4: special files hang or exhaust the tool ----------------------------------------------


def test_a_fifo_named_like_a_prompt_is_skipped_by_the_walk_and_reported_when_named(run_promptls, tmp_path):
    root = workspace(tmp_path)
    os.mkfifo(root / "prompts" / "x.md")

    assert check(run_promptls, root, ".")[:2] == (1, [("prompts/bad.md", 3, "PLS207")])

    status, found, messages = check(run_promptls, root, "prompts/x.md", "prompts/bad.md")
    assert (status, found) == (1, [("prompts/bad.md", 3, "PLS207"), ("prompts/x.md", 1, UNREADABLE)])
    assert (
        messages["prompts/x.md"]
        == "promptls cannot read this file: it is a FIFO (named pipe), not a regular file"
    )

    proc = resolve(run_promptls, root, "prompts/x.md")
    assert (proc.returncode, proc.stdout) == (2, "")
    assert proc.stderr == (
        "promptls resolve: error: prompts/x.md: cannot read it: it is a FIFO (named pipe), "
        "not a regular file\n"
    )


def test_a_fifo_named_promptls_toml_is_reported_and_applies_nothing(run_promptls, tmp_path):
    root = workspace(tmp_path)
    os.mkfifo(root / "promptls.toml")

    status, found, messages = check(run_promptls, root, ".")
    assert (status, found) == (1, [("promptls.toml", 1, UNREADABLE), ("prompts/bad.md", 3, "PLS207")])
    assert "FIFO" in messages["promptls.toml"]

    proc = resolve(run_promptls, root, "prompts/bad.md")
    assert proc.returncode == 0
    assert "model: openai/gpt-4o-mini" in proc.stdout  # from the frontmatter: the FIFO set nothing


def test_a_settings_file_that_cannot_be_read_is_reported_even_with_no_prompt_beside_it(
    run_promptls, tmp_path
):
    root = tmp_path / "project"
    (root / ".git").mkdir(parents=True)
    os.mkfifo(root / "promptls.local.toml")
    assert check(run_promptls, root, ".")[:2] == (1, [("promptls.local.toml", 1, UNREADABLE)])


def test_a_fifo_named_gitignore_ignores_nothing(run_promptls, tmp_path):
    root = workspace(tmp_path)
    os.mkfifo(root / ".gitignore")
    os.mkfifo(root / "prompts" / ".gitignore")
    assert check(run_promptls, root, ".")[:2] == (1, [("prompts/bad.md", 3, "PLS207")])
    assert resolve(run_promptls, root, "prompts/bad.md").returncode == 0


def test_symlinks_to_folders_already_walked_add_nothing(run_promptls, tmp_path):
    root = workspace(tmp_path)
    (root / "a").symlink_to(".")  # two self-symlinks: 2**depth paths, were each followed
    (root / "b").symlink_to(".")
    (root / "prompts" / "up").symlink_to("..")  # a symlink to an ancestor: each finding 41 times
    (root / "docs").mkdir()
    (root / "docs" / "prompts").symlink_to("../prompts")  # found first by name, but not the real path
    assert check(run_promptls, root, ".")[:2] == (1, [("prompts/bad.md", 3, "PLS207")])


def test_a_symlinked_folder_outside_the_walk_is_walked_once(run_promptls, tmp_path):
    root = workspace(tmp_path / "ws")
    shared = tmp_path / "shared"
    shared.mkdir()
    (shared / "other.md").write_text(BAD_PROMPT)
    (shared / "loop").symlink_to(shared)
    (root / "prompts" / "shared").symlink_to(shared)
    (root / "prompts" / "again").symlink_to(shared)
    assert check(run_promptls, root, ".")[:2] == (
        1,
        [("prompts/again/other.md", 3, "PLS207"), ("prompts/bad.md", 3, "PLS207")],
    )


def test_a_symlink_to_dev_zero_is_never_read(run_promptls, tmp_path):
    root = workspace(tmp_path)
    (root / "prompts" / "zero.md").symlink_to("/dev/zero")
    (root / "promptls.local.toml").symlink_to("/dev/zero")

    status, found, messages = check(run_promptls, root, ".", "prompts/zero.md")
    assert (status, found) == (
        1,
        [
            ("promptls.local.toml", 1, UNREADABLE),
            ("prompts/bad.md", 3, "PLS207"),
            ("prompts/zero.md", 1, UNREADABLE),
        ],
    )
    assert "a character device, not a regular file" in messages["prompts/zero.md"]

    proc = resolve(run_promptls, root, "prompts/zero.md")
    assert proc.returncode == 2
    assert proc.stderr == (
        "promptls resolve: error: prompts/zero.md: cannot read it: it is a character device, "
        "not a regular file\n"
    )


def test_a_user_config_that_is_dev_zero_is_reported_not_read(run_promptls, tmp_path):
    root = workspace(tmp_path)
    env = {"PROMPTLS_CONFIG": "/dev/zero"}
    status, found, _ = check(run_promptls, root, ".", env=env)
    assert (status, found) == (1, [("/dev/zero", 1, UNREADABLE), ("prompts/bad.md", 3, "PLS207")])
    proc = resolve(run_promptls, root, "prompts/bad.md", env=env)
    assert proc.returncode == 0
    assert "model: openai/gpt-4o-mini" in proc.stdout


def test_files_over_the_limit_are_one_finding_when_they_are_prompts_or_settings(run_promptls, tmp_path):
    root = workspace(tmp_path)
    megabytes = "x" * (2 * 1024 * 1024)
    agents = root / ".claude" / "agents"
    agents.mkdir(parents=True)
    (agents / "huge.md").write_text("---\nname: huge\ndescription: d\n---\n" + megabytes)  # by its path
    (root / "prompts" / "long.md").write_text("---\nmodel: openai/gpt-4o\n---\n" + megabytes)  # by `model:`
    (root / "CHANGELOG.md").write_text("# Changes\n" + megabytes)  # no prompt: none of promptls's business
    (root / "promptls.toml").write_text("# " + megabytes)

    status, found, messages = check(run_promptls, root, ".")
    assert (status, found) == (
        1,
        [
            (".claude/agents/huge.md", 1, UNREADABLE),
            ("promptls.toml", 1, UNREADABLE),
            ("prompts/bad.md", 3, "PLS207"),
            ("prompts/long.md", 1, UNREADABLE),
        ],
    )
    assert (
        messages["prompts/long.md"]
        == "promptls cannot read this file: it is 2.1 MiB, over promptls's limit of 1 MiB"
    )

    proc = resolve(run_promptls, root, "prompts/long.md")
    assert proc.returncode == 2
    assert proc.stderr.endswith(
        "prompts/long.md: cannot read it: it is 2.1 MiB, over promptls's limit of 1 MiB\n"
    )


# --- defect 8: one unreadable file aborts `check` --------------------------------------------------


def test_files_the_walk_cannot_read_are_skipped_as_git_skips_them(run_promptls, tmp_path, monkeypatch):
    root = workspace(tmp_path)
    prompts = root / "prompts"
    (prompts / "gone.md").symlink_to("deleted.md")  # a dangling symlink
    (prompts / ".#bad.md").symlink_to("user@host.4242:1700000000")  # Emacs's lock file for bad.md
    monkeypatch.chdir(prompts)  # a socket's path must be short: bind it by its relative name
    with socket.socket(socket.AF_UNIX) as server:
        server.bind("sock.md")

        assert check(run_promptls, root, ".")[:2] == (1, [("prompts/bad.md", 3, "PLS207")])

        status, found, messages = check(run_promptls, root, "prompts/sock.md", ".")
        assert (status, found) == (1, [("prompts/bad.md", 3, "PLS207"), ("prompts/sock.md", 1, UNREADABLE)])
        assert "a socket, not a regular file" in messages["prompts/sock.md"]

        proc = resolve(run_promptls, root, "prompts/sock.md")
        assert (proc.returncode, proc.stderr) == (
            2,
            "promptls resolve: error: prompts/sock.md: cannot read it: it is a socket, not a regular file\n",
        )

    proc = run_promptls("check", "prompts/gone.md", cwd=root, command=LIMITED, timeout=TIMEOUT)
    assert (proc.returncode, proc.stderr) == (
        2,
        "promptls check: error: prompts/gone.md: no such file or folder\n",
    )
    proc = resolve(run_promptls, root, "prompts/.#bad.md")
    assert (proc.returncode, proc.stderr) == (2, "promptls resolve: error: prompts/.#bad.md: no such file\n")


def without_read_override(run_promptls):
    """`run_promptls` for a user who cannot read a mode-0 file. Root can (CI runs as root), unless the
    command runs without the capabilities that override file permissions (util-linux's setpriv)."""
    if os.geteuid() != 0:
        return run_promptls
    setpriv = shutil.which("setpriv")
    assert setpriv, "setpriv (util-linux) is needed to test permissions as root"
    drop = [setpriv, "--bounding-set", "-dac_override,-dac_read_search", "--"]

    def run(*args, command=None, **kwargs):
        return run_promptls(
            *args, command=[*drop, *(command or [sys.executable, "-m", "promptls"])], **kwargs
        )

    return run


def test_a_file_without_read_permission_is_a_finding_and_the_rest_is_checked(run_promptls, tmp_path):
    run_promptls = without_read_override(run_promptls)
    root = workspace(tmp_path)
    secret = root / "prompts" / "secret.md"
    secret.write_text(BAD_PROMPT)
    secret.chmod(0)
    try:
        status, found, messages = check(run_promptls, root, ".")
        assert (status, found) == (1, [("prompts/bad.md", 3, "PLS207"), ("prompts/secret.md", 1, UNREADABLE)])
        assert messages["prompts/secret.md"] == "promptls cannot read this file: permission denied"
        proc = resolve(run_promptls, root, "prompts/secret.md")
        assert (proc.returncode, proc.stderr) == (
            2,
            "promptls resolve: error: prompts/secret.md: cannot read it: permission denied\n",
        )
    finally:
        secret.chmod(0o644)


# --- the real server -------------------------------------------------------------------------------

SERVER_ENV = {k: v for k, v in os.environ.items() if not k.startswith("PROMPTLS_")}
SERVER_ENV["PROMPTLS_CONFIG"] = "/dev/zero"  # the user config: a device, never to be read


@pytest.fixture
def special_workspace(tmp_path: Path) -> Path:
    root = workspace(tmp_path / "ws")
    os.mkfifo(root / "promptls.toml")
    os.mkfifo(root / "prompts" / "x.md")
    (root / "prompts" / "zero.md").symlink_to("/dev/zero")
    return root


@pytest_lsp.fixture(
    config=ClientServerConfig(server_command=[*LIMITED, "serve"], server_env=SERVER_ENV),
)
async def client(lsp_client: LanguageClient, special_workspace: Path):
    params = types.InitializeParams(
        capabilities=client_capabilities("visual_studio_code"),
        root_uri=special_workspace.as_uri(),
        workspace_folders=[types.WorkspaceFolder(uri=special_workspace.as_uri(), name="ws")],
        initialization_options={"diagnosticsDelay": 0},
    )

    @lsp_client.feature(types.CLIENT_REGISTER_CAPABILITY)
    def register_capability(params: types.RegistrationParams) -> None:
        """Accept the settings-file watcher the server registers, as an editor does."""

    await asyncio.wait_for(lsp_client.initialize_session(params), TIMEOUT)
    yield
    await asyncio.wait_for(lsp_client.shutdown_session(), TIMEOUT)


async def pushed(client: LanguageClient, uri: str) -> list[tuple[int, str]]:
    """The diagnostics the server pushes for `uri`, as (line, code)."""
    while uri not in client.diagnostics:
        await asyncio.wait_for(client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS), TIMEOUT)
    return [(d.range.start.line + 1, str(d.code)) for d in client.diagnostics[uri]]


def open_doc(client: LanguageClient, path: Path, text: str) -> str:
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=path.as_uri(), language_id="markdown", version=1, text=text
            )
        )
    )
    return path.as_uri()


async def test_the_server_answers_beside_fifos_and_devices(client: LanguageClient, special_workspace):
    prompts = special_workspace / "prompts"
    # Its settings are a FIFO and its user config /dev/zero: both were read, and blocked for ever.
    uri = open_doc(client, prompts / "bad.md", BAD_PROMPT)
    assert await pushed(client, uri) == [(3, "PLS207")]

    # Files the editor has not opened are read from the disk: a FIFO and a device are not.
    for name in ("x.md", "zero.md"):
        command = types.ExecuteCommandParams(
            command="promptls.resolve", arguments=[{"uri": (prompts / name).as_uri()}]
        )
        assert await asyncio.wait_for(client.workspace_execute_command_async(command), TIMEOUT) is None

    # Pinning a model would write into the FIFO: refused, with the reason.
    pin = types.ExecuteCommandParams(
        command="promptls.pinModel", arguments=[{"uri": uri, "model": "openai/gpt-4o"}]
    )
    with pytest.raises(JsonRpcException, match=r"promptls\.toml could not be read"):
        await asyncio.wait_for(client.workspace_execute_command_async(pin), TIMEOUT)

    hover = types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line=1, character=9)
    )
    assert await asyncio.wait_for(client.text_document_hover_async(hover), TIMEOUT) is not None


async def test_the_server_reports_an_open_prompt_over_the_limit_as_the_shell_does(
    client: LanguageClient, special_workspace
):
    text = "---\nmodel: openai/gpt-4o\n---\n" + "x" * (2 * 1024 * 1024)
    uri = open_doc(client, special_workspace / "prompts" / "long.md", text)
    assert await pushed(client, uri) == [(1, UNREADABLE)]
    # A large markdown file that is no prompt gets nothing.
    other = open_doc(client, special_workspace / "CHANGELOG.md", "# Changes\n" + "x" * (2 * 1024 * 1024))
    assert await pushed(client, other) == []
