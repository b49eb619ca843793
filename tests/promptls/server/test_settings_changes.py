"""Settings changes re-resolve every open prompt: edited in the editor, or changed on disk."""

from __future__ import annotations

from lsprotocol import types

from tests.promptls.server.conftest import diagnostics, expect_refresh, open_doc

AGENT = "---\nname: rev\ndescription: Reviews\nmodel: sonnet\ntemperature: 1.5\n---\nReview.\n"


async def _codes(client, uri, refreshed=None):
    return sorted(d.code for d in await diagnostics(client, uri, refreshed))


async def test_editing_promptls_toml_in_the_editor_re_resolves_open_prompts(client, workspace):
    agent = workspace / ".claude" / "agents" / "rev.md"
    agent.write_text(AGENT, encoding="utf-8")  # on disk: the project has an agent `rev`
    uri = open_doc(client, agent, AGENT)
    # Anthropic takes temperatures up to 1: an error while `sonnet` decides.
    assert await _codes(client, uri) == ["PLS207"]

    settings = workspace / "promptls.toml"
    client.diagnostics.pop(uri, None)
    refreshed = expect_refresh(client)
    # Unsaved: only the editor holds this text. OpenAI takes 1.5.
    settings_uri = open_doc(client, settings, '[agents.rev]\nmodel = "openai/gpt-4o"\n', "toml")
    assert await _codes(client, uri, refreshed) == []
    assert await diagnostics(client, settings_uri) == []

    client.diagnostics.pop(uri, None)
    refreshed = expect_refresh(client)
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=settings_uri, version=2),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text="")],
        )
    )
    assert await _codes(client, uri, refreshed) == ["PLS207"]


async def test_a_settings_file_changed_on_disk_is_picked_up(client, workspace):
    agent = workspace / ".claude" / "agents" / "rev.md"
    uri = open_doc(client, agent, AGENT)
    assert await _codes(client, uri) == ["PLS207"]
    settings = workspace / "promptls.toml"
    settings.write_text('[agents.rev]\nmodel = "openai/gpt-4o"\n', encoding="utf-8")
    client.diagnostics.pop(uri, None)
    refreshed = expect_refresh(client)
    client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams(
            changes=[types.FileEvent(uri=settings.as_uri(), type=types.FileChangeType.Created)]
        )
    )
    assert await _codes(client, uri, refreshed) == []


async def test_settings_files_get_their_own_diagnostics(client, workspace):
    settings = workspace / "promptls.toml"
    text = '[defaults]\nmodel = "openai/gpt4o"\ntemprature = 0.2\n'
    uri = open_doc(client, settings, text, "toml")
    found = {d.code: d for d in await diagnostics(client, uri)}
    assert set(found) == {"PLS203", "PLS302"}
    assert found["PLS302"].range.start == types.Position(2, 0)
    assert "did you mean `temperature`?" in found["PLS302"].message
    assert found["PLS203"].range == types.Range(types.Position(1, 8), types.Position(1, 22))
