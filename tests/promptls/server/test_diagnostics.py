"""Diagnostics as the editor shows them: same findings as `promptls check`, on unsaved text."""

from __future__ import annotations

import json

from lsprotocol import types

from tests.promptls.server.conftest import diagnostics, open_doc

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


CHECK_TABLE = """\
[check]
select = ["PLS1", "PLS2"]
ignore = ["PLS203"]
include = ["notes/*.md"]

[defaults]
temperature = 9
"""


async def test_the_projects_check_table_rules_the_editor_as_it_rules_the_shell(
    client, workspace, run_promptls
):
    """`[check] select/ignore/include` in promptls.toml: the editor shows what `promptls check` prints."""
    (workspace / "promptls.toml").write_text(CHECK_TABLE, encoding="utf-8")
    (workspace / "prompts" / "p.md").write_text(
        "---\nmodel: openai/gpt4o\ntemperature: 5\n---\nHi\n", encoding="utf-8"
    )
    (workspace / "notes").mkdir()
    (workspace / "notes" / "n.md").write_text("---\ndescription: d\ncolour: red\n---\nHi\n", encoding="utf-8")
    shown = set()
    for relative, language in (
        ("prompts/p.md", "markdown"),
        ("notes/n.md", "markdown"),
        ("promptls.toml", "toml"),
    ):
        uri = open_doc(client, workspace / relative, language=language)
        shown |= {(relative, d.range.start.line + 1, d.code) for d in await diagnostics(client, uri)}
    assert shown == {
        ("prompts/p.md", 3, "PLS207"),  # PLS203 for `openai/gpt4o` is ignored
        ("notes/n.md", 3, "PLS110"),  # a prompt file by `include`
        ("promptls.toml", 7, "PLS303"),  # not selected, but a settings error is never hidden
    }
    proc = run_promptls("check", "--output-format", "json", cwd=workspace)
    printed = {(d["path"], d["location"]["line"], d["code"]) for d in json.loads(proc.stdout)}
    assert printed == shown


async def test_a_client_that_gets_pushed_diagnostics_gets_no_second_copy_by_pulling(client, workspace):
    """Neovim 0.11 pulls whenever the server can answer pulls, even though it cannot be asked to
    pull again, and shows pushed and pulled findings side by side: such a client gets its findings
    pushed and its pulls answered empty, so each finding shows once."""
    from tests.promptls.server.conftest import uses_pull

    path = workspace / ".claude" / "agents" / "pushed-once.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(AGENT)
    uri = open_doc(client, path)
    shown = await diagnostics(client, uri)
    assert {d.code for d in shown} == {"PLS203", "PLS204", "PLS110"}
    pulled = await client.text_document_diagnostic_async(
        types.DocumentDiagnosticParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    if uses_pull(client):
        assert {d.code for d in pulled.items} == {"PLS203", "PLS204", "PLS110"}
    else:
        assert list(pulled.items) == []
