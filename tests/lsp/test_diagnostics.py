"""Diagnostics as the editor shows them: same findings as `promptls check`, on unsaved text."""

from __future__ import annotations

from lsprotocol import types

from tests.lsp.conftest import diagnostics, open_doc

AGENT = """---
name: code-reviewer
description: Reviews diffs
model: openai/gpt4o
modle: x
---
Review the diff.
"""


async def test_findings_of_the_unsaved_text_with_ranges_codes_and_links(client, workspace):
    path = workspace / ".claude" / "agents" / "code-reviewer.md"
    path.write_text("---\nname: code-reviewer\ndescription: ok\n---\nsaved text is clean\n")
    uri = open_doc(client, path, AGENT)
    found = await diagnostics(client, uri)
    by_code = {d.code: d for d in found}
    assert set(by_code) == {"PLS203", "PLS204", "PLS110"}
    unknown = by_code["PLS203"]
    assert unknown.range == types.Range(types.Position(3, 7), types.Position(3, 19))
    assert "did you mean `openai/gpt-4o`?" in unknown.message
    assert unknown.severity == types.DiagnosticSeverity.Warning
    assert unknown.source == "promptls"
    assert unknown.code_description.href.startswith("file://")
    assert unknown.code_description.href.endswith("/PLS203.md")
    assert by_code["PLS110"].range.start == types.Position(4, 0)


async def test_a_change_is_checked_and_old_results_are_dropped(client, workspace):
    path = workspace / "prompts" / "p.md"
    text = "---\nmodel: openai/gpt-4o\ntemperature: 5\n---\nHi\n"
    uri = open_doc(client, path, text)
    first = await diagnostics(client, uri)
    assert [d.code for d in first] == ["PLS207"]
    client.diagnostics.pop(uri, None)
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[
                types.TextDocumentContentChangePartial(
                    range=types.Range(types.Position(2, 13), types.Position(2, 14)), text="0.5"
                )
            ],
        )
    )
    assert await diagnostics(client, uri) == []
