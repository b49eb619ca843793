"""A large or odd prompt never stalls the server: it is checked, and every request on it and on other
documents is answered, in time proportional to its size.

What used to stall it (issue 11, defect 10): positions on a long non-ASCII line were worked out by
walking the line for each conversion (10,000 findings on one 100,000-emoji line: 3 s to publish, 330 s
to map client positions back), a code action compared every diagnostic sent back with every finding
(10,000 findings: 3 minutes), and each unknown fallback model searched the catalog for a "did you
mean" (3,000 of them: 3 s).
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from lsprotocol import types

from tests.promptls.server.conftest import diagnostics, open_doc
from tests.promptls.server.watched import watched_server

ENTRIES = 3_000
EMOJI = 100_000
LONG_LINE = 2  # 0-based: the `fallback:` line


def _position(line_text: str, column: int) -> types.Position:
    """An LSP position (UTF-16 code units) of the `column`th character of line `LONG_LINE`."""
    return types.Position(LONG_LINE, len(line_text[:column].encode("utf-16-le")) // 2)


async def test_thousands_of_findings_on_one_long_non_ascii_line_are_published_and_acted_on(
    workspace: Path,
) -> None:
    # One line: a 100,000-emoji entry, then 3,000 unknown models, each a finding with its range.
    entries = ["😀" * EMOJI, *(f"openai/nöpe{i}" for i in range(ENTRIES))]
    line = f"fallback: [{', '.join(entries)}]"
    text = f"---\nmodel: openai/gpt-4o-mini\n{line}\n---\nHi\n"
    async with watched_server(workspace) as server:
        client = server.client
        other = open_doc(client, workspace / "prompts" / "small.md", "---\nmodel: openai/gpt-4o\n---\nHi\n")
        uri = open_doc(client, workspace / "prompts" / "big.md", text)
        # A request on another document, sent while the big one is being checked, is answered.
        hover = client.text_document_hover_async(
            types.HoverParams(
                text_document=types.TextDocumentIdentifier(uri=other), position=types.Position(1, 10)
            )
        )
        assert await asyncio.wait_for(hover, timeout=10) is not None
        found = await asyncio.wait_for(diagnostics(client, uri), timeout=20)
        on_line = [d for d in found if d.range.start.line == LONG_LINE]
        assert len(on_line) == ENTRIES + 1
        last = f"openai/nöpe{ENTRIES - 1}"
        start = line.index(last)
        assert on_line[-1].range == types.Range(_position(line, start), _position(line, start + len(last))), (
            "the range is counted in UTF-16 code units, each emoji two"
        )
        # Every diagnostic sent back at once: the quick fixes come back (those with a suggestion).
        actions = await asyncio.wait_for(
            client.text_document_code_action_async(
                types.CodeActionParams(
                    text_document=types.TextDocumentIdentifier(uri=uri),
                    range=found[-1].range,
                    context=types.CodeActionContext(diagnostics=found),
                )
            ),
            timeout=20,
        )
        fixes = [a for a in actions or [] if a.kind == types.CodeActionKind.QuickFix]
        assert fixes and all(a.diagnostics[0] in found for a in fixes)
        # A position near the end of the line maps back to its character: hover on the last model.
        hovered = await asyncio.wait_for(
            client.text_document_hover_async(
                types.HoverParams(
                    text_document=types.TextDocumentIdentifier(uri=uri),
                    position=_position(line, start + 3),
                )
            ),
            timeout=10,
        )
        assert hovered is not None and last in hovered.contents.value
        assert server.stderr() == ""
