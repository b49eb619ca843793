"""The hover on `model:` in the real `promptls serve` says how the prompt stands against promptls.lock:
judged on the editor's buffer, so an unsaved edit that moves the model shows at once."""

from __future__ import annotations

from lsprotocol import types

from tests.promptls.server.conftest import open_doc

AGENT = "---\nname: reviewer\ndescription: Reviews code\nmodel: sonnet\n---\nReview.\n"


async def _hover_on_model(client, uri: str) -> str:
    hover = await client.text_document_hover_async(
        types.HoverParams(text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(3, 9))
    )
    return hover.contents.value


async def test_the_model_hover_says_whether_the_prompt_is_as_locked(client, workspace, run_promptls):
    (workspace / "promptls.toml").write_text("[defaults]\n")
    path = workspace / ".claude" / "agents" / "reviewer.md"
    path.write_text(AGENT)
    assert run_promptls("lock", cwd=workspace).returncode == 0

    uri = open_doc(client, path, AGENT)
    assert "**Lock:** as locked in promptls.lock" in await _hover_on_model(client, uri)

    edited = AGENT.replace("model: sonnet", "model: opus")
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=edited)],
        )
    )
    shown = await _hover_on_model(client, uri)
    assert "**Lock:** differs from promptls.lock: resolves to `anthropic/claude-opus-" in shown


async def test_no_lock_line_without_a_lock_file(client, workspace):
    (workspace / "promptls.toml").write_text("[defaults]\n")
    path = workspace / ".claude" / "agents" / "reviewer.md"
    path.write_text(AGENT)
    uri = open_doc(client, path, AGENT)
    assert "Lock:" not in await _hover_on_model(client, uri)
