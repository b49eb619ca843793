"""Claude Code plugins in the editor: a manifest opened gets its findings, and a manifest changed on disk
changes which open files are the plugin's agents, as `promptls check` would see them."""

from __future__ import annotations

import json

from lsprotocol import types

from tests.promptls.server.conftest import diagnostics, expect_refresh, open_doc

AGENT = "---\nname: rev\ndescription: Reviews\nmodel: sonnet\n---\nReview.\n"


async def _codes(client, uri, refreshed=None):
    return sorted(d.code for d in await diagnostics(client, uri, refreshed))


async def test_a_manifest_changed_on_disk_changes_which_files_are_agents(client, workspace):
    plugin = workspace / "plug"
    manifest = plugin / ".claude-plugin" / "plugin.json"
    manifest.parent.mkdir(parents=True)
    manifest.write_text(json.dumps({"name": "plug", "agents": ["./rev.md"]}), encoding="utf-8")
    agent = plugin / "rev.md"
    agent.write_text(AGENT, encoding="utf-8")
    uri = open_doc(client, agent, AGENT)
    assert await _codes(client, uri) == []  # a listed agent: `sonnet` is Claude Code's own word

    manifest.write_text(json.dumps({"name": "plug", "agents": ["./other.md"]}), encoding="utf-8")
    client.diagnostics.pop(uri, None)
    refreshed = expect_refresh(client)
    client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams(
            changes=[types.FileEvent(uri=manifest.as_uri(), type=types.FileChangeType.Changed)]
        )
    )
    # No longer listed: a plain prompt, where `sonnet` names no provider.
    assert await _codes(client, uri, refreshed) == ["PLS201"]


async def test_a_manifest_opened_in_the_editor_gets_its_findings(client, workspace):
    manifest = workspace / "plug" / ".claude-plugin" / "plugin.json"
    manifest.parent.mkdir(parents=True)
    text = '{\n  "name": "plug",\n  "version": "1.0",\n  "agents": "./agents/"\n}\n'
    manifest.write_text(text, encoding="utf-8")
    uri = open_doc(client, manifest, text, "json")
    found = {d.code: d for d in await diagnostics(client, uri)}
    assert set(found) == {"PLS504", "PLS505"}
    assert found["PLS505"].range == types.Range(types.Position(3, 12), types.Position(3, 23))
    assert found["PLS505"].severity == types.DiagnosticSeverity.Error
