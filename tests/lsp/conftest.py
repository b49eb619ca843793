"""pytest-lsp fixtures: the real `promptls serve` over stdio, with real clients' capabilities."""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

CLIENTS = ["neovim@v0.11.0", "visual_studio_code", "emacs", "pull"]
"""Real clients' capabilities; "pull" is Neovim 0.11's plus `workspace/diagnostic/refresh`
support (as newer VS Code has), so the pull-diagnostics path runs too."""


def capabilities(name: str) -> types.ClientCapabilities:
    if name != "pull":
        return client_capabilities(name)
    caps = client_capabilities("neovim@v0.11.0")
    caps.workspace.diagnostics = types.DiagnosticWorkspaceClientCapabilities(refresh_support=True)
    return caps


_TMP = Path(tempfile.mkdtemp(prefix="promptls-lsp-tests-"))
SERVER_ENV = {k: v for k, v in os.environ.items() if not k.startswith("PROMPTLS_")}
# Never the developer's own user config; rule docs go to a throw-away cache.
SERVER_ENV.update(PROMPTLS_CONFIG=str(_TMP / "no-user-config.toml"), XDG_CACHE_HOME=str(_TMP / "cache"))


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    (root / ".claude" / "agents").mkdir(parents=True)
    (root / "prompts").mkdir()
    return root


@pytest_lsp.fixture(
    params=CLIENTS,
    config=ClientServerConfig(
        server_command=[sys.executable, "-m", "promptls", "serve"], server_env=SERVER_ENV
    ),
)
async def client(lsp_client: LanguageClient, request, workspace: Path):
    params = types.InitializeParams(
        capabilities=capabilities(request.param),
        root_uri=workspace.as_uri(),
        workspace_folders=[types.WorkspaceFolder(uri=workspace.as_uri(), name="ws")],
        initialization_options={"diagnosticsDelay": 0},
    )
    lsp_client.client_name = request.param  # type: ignore[attr-defined]
    registrations: list[types.Registration] = []
    registered = asyncio.Event()
    lsp_client.registrations = registrations  # type: ignore[attr-defined]
    lsp_client.registered = registered  # type: ignore[attr-defined]

    refreshes: list[asyncio.Event] = []
    lsp_client.refreshes = refreshes  # type: ignore[attr-defined]

    # pytest-lsp only counts refreshes; replace its handler with one the tests can await.
    lsp_client.protocol.fm.features.pop(types.WORKSPACE_DIAGNOSTIC_REFRESH, None)

    @lsp_client.feature(types.WORKSPACE_DIAGNOSTIC_REFRESH)
    def diagnostic_refresh(params: None) -> None:
        lsp_client.diagnostic_refresh_count += 1
        for event in refreshes:
            event.set()

    @lsp_client.feature(types.CLIENT_REGISTER_CAPABILITY)
    def register_capability(params: types.RegistrationParams) -> None:
        registrations.extend(params.registrations)
        registered.set()

    lsp_client.init_result = await lsp_client.initialize_session(params)  # type: ignore[attr-defined]
    yield
    await lsp_client.shutdown_session()


Opener = Callable[..., str]


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
    return uri


def expect_refresh(client: LanguageClient) -> asyncio.Event:
    """An event set when the server asks a pull client to pull again (after a settings change)."""
    event = asyncio.Event()
    client.refreshes.append(event)  # type: ignore[attr-defined]
    return event


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
        await asyncio.wait_for(
            client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS), timeout=10
        )
    return list(client.diagnostics[uri])


def as_dict(value):
    """pytest-lsp hands JSON objects back as namedtuple-like objects: turn them into plain dicts."""
    if hasattr(value, "_asdict"):
        return {k: as_dict(v) for k, v in value._asdict().items()}
    if isinstance(value, list):
        return [as_dict(v) for v in value]
    return value
