"""The language server's memory stays flat however many documents an editor opens, edits and closes.

pygls 2.1.1 keeps a future for every notification it handles (issue 11, defect 3): ~1.9 KB per
didOpen/didChange/didClose, never freed, ~9.5 MB over the 5,000 notifications sent here.
"""

from __future__ import annotations

from pathlib import Path

from lsprotocol import types

from tests.promptls.server.conftest import close_doc, open_doc
from tests.promptls.server.watched import WatchedServer, watched_server

PROMPT = "---\nmodel: openai/gpt-4o-mini\ntemperature: 0.2\n---\nSummarise {{topic}} in three lines.\n"
WARM_UP = 500
NOTIFICATIONS = 5_000
ALLOWED_GROWTH_KIB = 3 * 1024
"""Noise of the allocator and of caches filling up; the leak alone was ~9,500 KiB."""


async def _open_edit_close(server: WatchedServer, folder: Path, notifications: int) -> None:
    """Open, change and close documents (10 files in turn), then wait until the server has handled
    every notification: it answers requests in the order they come, after what came before."""
    client = server.client
    for n in range(notifications // 3):
        uri = open_doc(client, folder / f"p{n % 10}.md", PROMPT)
        client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
                content_changes=[types.TextDocumentContentChangeWholeDocument(text=PROMPT + f"v{n}\n")],
            )
        )
        close_doc(client, uri)
    await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="promptls.health", arguments=[{}])
    )


async def test_memory_stays_flat_over_5000_notifications(workspace: Path) -> None:
    folder = workspace / "prompts"
    async with watched_server(workspace) as server:
        await _open_edit_close(server, folder, WARM_UP)
        before = server.resident_kib()
        await _open_edit_close(server, folder, NOTIFICATIONS)
        after = server.resident_kib()
        assert after - before < ALLOWED_GROWTH_KIB, (
            f"the server grew {after - before} KiB over {NOTIFICATIONS} notifications ({before} -> {after})"
        )
        assert server.stderr() == ""
