"""Lifecycle, configuration and robustness of `promptls serve`."""

from __future__ import annotations

import asyncio
import subprocess
import sys

from lsprotocol import types

from tests.promptls.server.conftest import change_configuration, close_doc, diagnostics, open_doc, uses_pull


async def test_capabilities_a_client_relies_on(client):
    server = client.init_result.capabilities
    assert client.init_result.server_info.name == "promptls"
    sync = server.text_document_sync
    assert sync.change == types.TextDocumentSyncKind.Incremental
    assert ":" in server.completion_provider.trigger_characters
    assert server.hover_provider and server.definition_provider and server.inlay_hint_provider
    assert server.diagnostic_provider.identifier == "promptls"
    assert types.CodeActionKind.QuickFix in server.code_action_provider.code_action_kinds


async def test_settings_watchers_are_registered_where_the_client_allows_it(client):
    workspace = client.capabilities.workspace
    dynamic = bool(
        workspace
        and workspace.did_change_watched_files
        and workspace.did_change_watched_files.dynamic_registration
    )
    if dynamic:
        await asyncio.wait_for(client.registered.wait(), timeout=10)
        (registration,) = client.registrations
        assert registration.method == types.WORKSPACE_DID_CHANGE_WATCHED_FILES
        globs = [w["globPattern"] for w in registration.register_options["watchers"]]
        assert "**/promptls.toml" in globs and "**/pyproject.toml" in globs
    else:
        # Nothing to wait for: a client without dynamic registration is never asked. A request
        # round trip proves the server is past `initialized` without registering anything.
        await client.text_document_hover_async(
            types.HoverParams(
                text_document=types.TextDocumentIdentifier(uri="file:///nowhere.md"),
                position=types.Position(0, 0),
            )
        )
        assert client.registrations == []


async def test_configuration_selects_rules(client, workspace):
    path = workspace / "prompts" / "p.md"
    uri = open_doc(client, path, "---\nmodel: openai/gpt4o\ntemperature: 9\nfoo: 1\n---\nHi\n")
    codes = sorted(d.code for d in await diagnostics(client, uri))
    assert codes == ["PLS110", "PLS203", "PLS207"]
    # A client that answers workspace/configuration is asked; others send the settings along.
    selected = await change_configuration(client, {"ignore": ["PLS2"], "diagnosticsDelay": 0}, uri)
    assert sorted(d.code for d in selected) == ["PLS110"]


async def test_bad_documents_and_unknown_uris_never_break_the_server(client, workspace):
    junk = "---\n\x00\x01\ufffd: [\n\t- \udcff\n" + "x" * 200_000 + "\n---\n" + "body\n" * 20_000
    uri = open_doc(client, workspace / ".claude" / "agents" / "junk.md", junk)
    found = await diagnostics(client, uri)
    assert found and all(d.source == "promptls" for d in found)
    missing = (workspace / "prompts" / "never-opened.md").as_uri()
    hover = await client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=missing), position=types.Position(0, 0)
        )
    )
    assert hover is None
    close_doc(client, uri)
    after = await client.text_document_completion_async(
        types.CompletionParams(
            text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(1, 0)
        )
    )
    assert after is None
    if not uses_pull(client):
        assert list(client.diagnostics.get(uri)) == []  # closing clears what the editor shows
    # Still answering:
    uri2 = open_doc(client, workspace / "prompts" / "ok.md", "---\nmodel: openai/gpt-4o\n---\nHi\n")
    assert await diagnostics(client, uri2) == []


def test_answering_initialize_imports_no_sdk_and_no_tokenizer():
    code = (
        "import sys, promptls.server.app;"
        "bad = [m for m in ('tiktoken', 'openai', 'anthropic', 'google.genai', 'ollama', 'keyring')"
        " if m in sys.modules]; print(bad)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
