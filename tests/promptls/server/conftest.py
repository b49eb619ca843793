"""pytest-lsp fixtures: the real `promptls serve` over stdio, with real clients' capabilities.

Starting a server costs most of an LSP test's time, so each client profile gets one server for the whole
session (`client`), rooted at the suite's temp folder, under which every test has its own workspace,
as in a repository of many projects. Each test stays independent of the others: the documents it
opens are closed after it (open them with `open_doc`) and configuration it changes is reset (change it
with `change_configuration`). A test that depends on the workspace root itself, or must see a server
start or stop, asks for `fresh_client`, a server of its own rooted at its workspace.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
import pytest_lsp
from lsprotocol import types
from pygls.protocol import default_converter
from pytest_asyncio import is_async_test
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities
from pytest_lsp.client import register_lsp_features

CLIENTS = ["neovim@v0.11.0", "visual_studio_code", "emacs", "pull"]
"""Real clients' capabilities; "pull" is Neovim 0.11's plus `workspace/diagnostic/refresh`
support (as newer VS Code has), so the pull-diagnostics path runs too."""


def capabilities(name: str) -> types.ClientCapabilities:
    if name != "pull":
        return client_capabilities(name)
    caps = client_capabilities("neovim@v0.11.0")
    caps.workspace.diagnostics = types.DiagnosticWorkspaceClientCapabilities(refresh_support=True)
    return caps


SCRATCH = Path(tempfile.mkdtemp(prefix="promptls-lsp-tests-"))
"""Files of the servers themselves (rule docs cache, the commands' ledger), outside any workspace."""
SERVER_ENV = {k: v for k, v in os.environ.items() if not k.startswith("PROMPTLS_")}
# Never the developer's own user config; rule docs go to a throw-away cache.
SERVER_ENV.update(PROMPTLS_CONFIG=str(SCRATCH / "no-user-config.toml"), XDG_CACHE_HOME=str(SCRATCH / "cache"))
SERVE = [sys.executable, "-m", "promptls", "serve"]
INITIAL_CONFIGURATION: dict[str, Any] = {"diagnosticsDelay": 0}
"""What every test starts with: the `initializationOptions`, and what `change_configuration` goes back to."""

HERE = Path(__file__).parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The LSP tests run in the session's event loop: the one the shared servers' clients live in."""
    in_session_loop = pytest.mark.asyncio(loop_scope="session")
    for item in items:
        if item.path.is_relative_to(HERE) and is_async_test(item):
            item.add_marker(in_session_loop, append=False)


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    (root / ".claude" / "agents").mkdir(parents=True)
    (root / "prompts").mkdir()
    return root


class EditorClient(LanguageClient):
    """pytest-lsp's client, plus what these tests wait on and what a shared server's test undoes."""

    def __init__(self) -> None:
        super().__init__(converter_factory=default_converter)
        self.init_result: types.InitializeResult | None = None
        self.registrations: list[types.Registration] = []
        self.registered = asyncio.Event()
        self.refreshes: list[asyncio.Event] = []
        """Events set by the next `workspace/diagnostic/refresh` (see `expect_refresh`)."""
        self.opened: list[str] = []
        """URIs the current test opened and has not closed."""
        self.reconfigured: str | None = None
        """Set by `change_configuration`: the URI whose diagnostics show that a reset applied."""
        self.first_log = 0
        """Where the current test's `window/logMessage`s begin in `log_messages`."""
        register_lsp_features(self)
        # pytest-lsp only counts refreshes; its handler is replaced by one the tests can await.
        self.protocol.fm.features.pop(types.WORKSPACE_DIAGNOSTIC_REFRESH, None)
        self.feature(types.WORKSPACE_DIAGNOSTIC_REFRESH)(_diagnostic_refresh)
        self.feature(types.CLIENT_REGISTER_CAPABILITY)(_register_capability)

    async def start(self, profile: str, root: Path) -> None:
        """Initialize the session as the editor of `profile` would, opened at `root`."""
        self.init_result = await self.initialize_session(
            types.InitializeParams(
                capabilities=capabilities(profile),
                root_uri=root.as_uri(),
                workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name=root.name)],
                initialization_options=INITIAL_CONFIGURATION,
            )
        )

    @contextlib.asynccontextmanager
    async def one_test(self) -> AsyncIterator[EditorClient]:
        """One test on a shared server: what it leaves behind is undone when it ends."""
        self.opened, self.reconfigured, self.first_log = [], None, len(self.log_messages)
        self.refreshes.clear()
        yield self
        if self.reconfigured is not None:
            await change_configuration(self, INITIAL_CONFIGURATION, self.reconfigured)
            self.reconfigured = None
        for uri in list(self.opened):
            close_doc(self, uri)


def _diagnostic_refresh(client: EditorClient, params: None) -> None:
    client.diagnostic_refresh_count += 1
    for event in client.refreshes:
        event.set()


def _register_capability(client: EditorClient, params: types.RegistrationParams) -> None:
    client.registrations.extend(params.registrations)
    client.registered.set()


SERVER = ClientServerConfig(server_command=SERVE, server_env=SERVER_ENV, client_factory=EditorClient)


@pytest_lsp.fixture(params=CLIENTS, scope="session", config=SERVER)
async def shared_client(lsp_client: EditorClient, request, tmp_path_factory: pytest.TempPathFactory):
    """One server per client profile for the session, rooted above every test's workspace."""
    await lsp_client.start(request.param, tmp_path_factory.getbasetemp())
    yield
    await lsp_client.shutdown_session()


@pytest_asyncio.fixture(loop_scope="session")
async def client(shared_client: EditorClient) -> AsyncIterator[EditorClient]:
    """The profile's shared server, for one test: afterwards configuration the test changed is reset
    and the documents it opened are closed."""
    async with shared_client.one_test():
        yield shared_client


@pytest_lsp.fixture(params=CLIENTS, loop_scope="session", config=SERVER)
async def fresh_client(lsp_client: EditorClient, request, workspace: Path):
    """A server of its own, rooted at this test's workspace: for what depends on the root (a new
    promptls.toml goes there) or on the server's start."""
    await lsp_client.start(request.param, workspace)
    yield
    await lsp_client.shutdown_session()


def uses_pull(client: LanguageClient) -> bool:
    """The server pulls only with clients that also accept `workspace/diagnostic/refresh`."""
    caps = client.capabilities
    workspace = caps.workspace if caps else None
    return bool(
        caps
        and caps.text_document.diagnostic
        and workspace
        and workspace.diagnostics
        and workspace.diagnostics.refresh_support
    )


def open_doc(client: LanguageClient, path: Path, text: str | None = None, language: str = "markdown") -> str:
    """Open a file in the client (its text, or the given unsaved text) and return its URI."""
    if text is None:
        text = path.read_text(encoding="utf-8")
    uri = path.as_uri()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(uri=uri, language_id=language, version=1, text=text)
        )
    )
    opened = getattr(client, "opened", None)
    if opened is not None:
        opened.append(uri)
    return uri


def close_doc(client: LanguageClient, uri: str) -> None:
    client.text_document_did_close(
        types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    opened = getattr(client, "opened", None)
    if opened is not None and uri in opened:
        opened.remove(uri)


def logged(client: EditorClient) -> list[types.LogMessageParams]:
    """The server's `window/logMessage`s since this test began."""
    return client.log_messages[client.first_log :]


def expect_refresh(client: EditorClient) -> asyncio.Event:
    """An event set when the server asks a pull client to pull again (after a settings change)."""
    event = asyncio.Event()
    client.refreshes.append(event)
    return event


async def change_configuration(
    client: EditorClient, settings: dict[str, Any], uri: str
) -> list[types.Diagnostic]:
    """Change the `promptls` section as the editor would, and return `uri`'s diagnostics (of a
    document open until the test ends) once the change applies. A client that answers
    `workspace/configuration` is asked; others send it along. On a shared server the change is
    undone after the test."""
    client.reconfigured = uri
    client.diagnostics.pop(uri, None)
    client.set_configuration({"promptls": settings})
    refreshed = expect_refresh(client)
    client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings={"promptls": settings})
    )
    return await diagnostics(client, uri, refreshed)


async def diagnostics(
    client: LanguageClient, uri: str, refreshed: asyncio.Event | None = None
) -> list[types.Diagnostic]:
    """What the editor shows for `uri`: pulled when the client pulls, else the latest pushed ones.

    For a push client, forget `client.diagnostics[uri]` before a change to wait for the new set;
    for a pull client, pass the `expect_refresh` event of a settings change to wait for it.
    """
    if uses_pull(client):
        if refreshed is not None:
            await asyncio.wait_for(refreshed.wait(), timeout=10)
        report = await client.text_document_diagnostic_async(
            types.DocumentDiagnosticParams(text_document=types.TextDocumentIdentifier(uri=uri))
        )
        return list(report.items)
    while uri not in client.diagnostics:
        # shield: on a timeout pytest-lsp would later resolve the cancelled future and stop the shared
        # client, failing every later test of the profile instead of this one
        waiting = asyncio.ensure_future(client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS))
        await asyncio.wait_for(asyncio.shield(waiting), timeout=30)
    return list(client.diagnostics[uri])


def as_dict(value):
    """pytest-lsp hands JSON objects back as namedtuple-like objects: turn them into plain dicts."""
    if hasattr(value, "_asdict"):
        return {k: as_dict(v) for k, v in value._asdict().items()}
    if isinstance(value, list):
        return [as_dict(v) for v in value]
    return value
