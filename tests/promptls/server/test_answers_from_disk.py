"""Two answers the server takes from the disk, as `promptls check` does: which prompts a project holds
(a settings file's `[agents.x]` must name one), and whether an open prompt's file is valid UTF-8.
The parity test shows both for files as saved; these follow them through a user's edits."""

from __future__ import annotations

from pathlib import Path

from lsprotocol import types

from tests.promptls.server.conftest import EditorClient, diagnostics, expect_refresh, open_doc

AGENT = "---\nname: {name}\ndescription: Reviews a diff\nmodel: sonnet\n---\nReview.\n"
SETTINGS = '[agents.{name}]\nmodel = "openai/gpt-4o"\n'


def edit(client: EditorClient, uri: str, version: int, text: str) -> None:
    """The user types: the buffer's whole new text (not saved)."""
    client.diagnostics.pop(uri, None)
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
        )
    )


async def messages(client: EditorClient, uri: str, code: str, refreshed=None) -> list[str]:
    return [d.message for d in await diagnostics(client, uri, refreshed) if d.code == code]


async def test_an_agent_table_edited_to_name_an_agent_of_the_project_is_no_longer_unmatched(
    client: EditorClient, workspace: Path
) -> None:
    (workspace / ".claude" / "agents" / "reviewer.md").write_text(AGENT.format(name="reviewer"), "utf-8")
    uri = open_doc(client, workspace / "promptls.toml", SETTINGS.format(name="reviewr"), "toml")
    assert await messages(client, uri, "PLS304") == [
        "[agents.reviewr] matches no agent in this project; did you mean `reviewer`?"
    ]
    edit(client, uri, 2, SETTINGS.format(name="reviewer"))
    assert await messages(client, uri, "PLS304") == []


async def test_an_agent_created_or_deleted_on_disk_counts_once_the_editor_reports_it(
    client: EditorClient, workspace: Path
) -> None:
    uri = open_doc(client, workspace / "promptls.toml", SETTINGS.format(name="writer"), "toml")
    assert await messages(client, uri, "PLS304") == ["[agents.writer] matches no agent in this project"]

    agent = workspace / ".claude" / "agents" / "writer.md"
    agent.write_text(AGENT.format(name="writer"), "utf-8")
    assert await messages(client, uri, "PLS304", report(client, agent, types.FileChangeType.Created)) == []

    agent.unlink()
    assert await messages(client, uri, "PLS304", report(client, agent, types.FileChangeType.Deleted)) == [
        "[agents.writer] matches no agent in this project"
    ]


def report(client: EditorClient, path: Path, change: types.FileChangeType):
    """The editor's file watcher reports a change on disk; returns the pull clients' refresh to wait on."""
    client.diagnostics.clear()
    refreshed = expect_refresh(client)
    client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams(changes=[types.FileEvent(uri=path.as_uri(), type=change)])
    )
    return refreshed


LATIN1 = "---\nmodel: openai/gpt-4o\n---\nCafé au lait.\n".encode("latin-1")


async def test_a_prompt_saved_as_latin1_is_reported_until_its_text_is_edited(
    client: EditorClient, workspace: Path
) -> None:
    prompt = workspace / "prompts" / "menu.md"
    prompt.write_bytes(LATIN1)
    # As VS Code and Neovim show it: the byte that is not UTF-8 as U+FFFD.
    uri = open_doc(client, prompt, LATIN1.decode("utf-8", errors="replace"))
    (found,) = [d for d in await diagnostics(client, uri) if d.code == "PLS105"]
    assert found.range.start == types.Position(3, 3)
    assert found.message.startswith("byte 32 is not valid UTF-8")

    # Edited, the buffer is no longer the file's bytes: what the editor saves is UTF-8.
    edit(client, uri, 2, "---\nmodel: openai/gpt-4o\n---\nCaf\ufffd au lait, and tea.\n")
    assert await messages(client, uri, "PLS105") == []
