"""Random LSP traffic never breaks the server: random documents (NUL bytes, lone surrogates, huge lines,
broken YAML), random edits at positions past the end, random requests at random positions; every
request is answered without an error, nothing reaches stderr, and afterwards a known-bad prompt still
gets its diagnostic.

Bounded: `MESSAGES` messages or `SECONDS` seconds, whichever comes first. The seed is fixed (set
`FUZZ_SEED` to try another) and printed, so a failure can be replayed.
"""

from __future__ import annotations

import asyncio
import os
import random
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types

from tests.promptls.server.conftest import EditorClient, close_doc, diagnostics, open_doc, uses_pull
from tests.promptls.server.watched import watched_server

SEED = int(os.environ.get("FUZZ_SEED", "20261206"))
MESSAGES = 1_000
SECONDS = 20.0
DOCUMENTS = 4
"""URIs the traffic opens, edits and closes (few, so that edits meet open documents)."""

KNOWN_BAD = "---\nmodel: openai/gpt-4o-mini\ntemperature: 9\n---\nHi\n"
"""temperature 9 is out of range: PLS207 on line 3."""

MODEL = "model: openai/gpt-4o-mini\n"
PIECES = [
    "---\n",
    MODEL,
    "model: \n",
    "model: [a, {b: c}]\n",
    "model: sonnet\n",
    "temperature: 0.2\n",
    "temperature: nine\n",
    "fallback: [openai/gpt-4o, nöpe, ollama/llama3.2:3b]\n",
    "fallback:\n  - openai/o1\n  - 5\n",
    "description: |\n  folded\n  text\n",
    "name: x\nname: y\n",
    "tools: [Read, Write]\n",
    "a: &a {k: v}\nb: [*a, *a]\n",
    "{model: openai/gpt-4o, k: 1}\n",
    "key: 'unclosed\n",
    "key: [unclosed\n",
    "\t- tab: indented\n",
    "? complex\n: key\n",
    "%YAML 1.2\n",
    "!!binary x\n",
    "Hello {{name}} and {{ other }}\n",
    "{{#if x}}{{/if}}\n",
    "$ARGUMENTS and $1\n",
    "\r\n",
    "\x00\x00\n",
    "\ud83d lone high, \udca9 lone low\n",
    "😀 é 中 \u200b\u202e\n",
]


def _text(rng: random.Random) -> str:
    """A document: mostly a prompt (frontmatter of random pieces, then a body), sometimes random
    pieces anywhere, random characters or one huge line."""
    parts = [rng.choice(PIECES) for _ in range(rng.randint(0, 12))]
    if rng.random() < 0.8:  # a prompt file's shape, so that the server analyses it
        cut = rng.randint(0, len(parts))
        parts = ["---\n", MODEL, *parts[:cut], "---\n", *parts[cut:]]
    if rng.random() < 0.3:
        parts.insert(rng.randint(0, len(parts)), "".join(chr(rng.randint(0, 0x10FFFF)) for _ in range(40)))
    if rng.random() < 0.08:
        parts.insert(rng.randint(0, len(parts)), rng.choice("a😀\x00 ") * rng.randint(50_000, 300_000) + "\n")
    return "".join(parts)


def _position(rng: random.Random, lines: int) -> types.Position:
    """Anywhere: inside the text, past the end of a line, or past the last line."""
    character = rng.randint(0, 30) if rng.random() < 0.8 else rng.choice([10_000, 2**31 - 1])
    return types.Position(rng.randint(0, lines + 3), character)


def _range(rng: random.Random, lines: int) -> types.Range:
    a, b = _position(rng, lines), _position(rng, lines)
    if (b.line, b.character) < (a.line, a.character):
        a, b = b, a
    return types.Range(a, b)


class Traffic:
    """The fuzzer's view of the documents it opened (an approximation: it only needs line counts)."""

    def __init__(self, client: EditorClient, folder: Path, rng: random.Random) -> None:
        self.client, self.folder, self.rng = client, folder, rng
        self.versions: dict[str, int] = {}
        self.lines: dict[str, int] = {}

    def uri(self) -> str:
        return (self.folder / f"f{self.rng.randrange(DOCUMENTS)}.md").as_uri()

    def step(self) -> Awaitable[Any] | None:
        """Send one random message; a request's answer is returned to be awaited."""
        rng, uri = self.rng, self.uri()
        if rng.random() < 0.03:  # what a confused client sends about a document it never opened
            return self._stray()
        if uri not in self.versions or rng.random() < 0.1:
            return self._open(uri)
        roll = rng.random()
        if roll < 0.35:
            return self._change(uri)
        if roll < 0.42:
            close_doc(self.client, uri)
            del self.versions[uri]
            return None
        return self._request(uri)

    def _stray(self) -> Awaitable[Any] | None:
        uri = (self.folder / "never-opened.md").as_uri()
        document = types.VersionedTextDocumentIdentifier(uri=uri, version=7)
        change = types.TextDocumentContentChangePartial(range=_range(self.rng, 1), text="x")
        roll = self.rng.random()
        if roll < 0.3:
            self.client.text_document_did_change(types.DidChangeTextDocumentParams(document, [change]))
        elif roll < 0.5:
            close_doc(self.client, uri)
        elif roll < 0.7:
            self.client.text_document_did_save(types.DidSaveTextDocumentParams(document, text="x"))
        else:
            return self._request(uri)
        return None

    def _open(self, uri: str) -> None:
        if uri in self.versions:
            close_doc(self.client, uri)
        text = _text(self.rng)
        open_doc(self.client, Path(uri.removeprefix("file://")), text)
        self.versions[uri], self.lines[uri] = 1, text.count("\n") + 1

    def _change(self, uri: str) -> None:
        rng = self.rng
        self.versions[uri] += 1
        text = _text(rng) if rng.random() < 0.5 else rng.choice(PIECES)
        change: types.TextDocumentContentChangeEvent
        if rng.random() < 0.2:
            change = types.TextDocumentContentChangeWholeDocument(text=text)
            self.lines[uri] = text.count("\n") + 1
        else:  # an edit anywhere, also past the end of the document
            change = types.TextDocumentContentChangePartial(range=_range(rng, self.lines[uri]), text=text)
            self.lines[uri] += text.count("\n")
        self.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=self.versions[uri]),
                content_changes=[change],
            )
        )

    def _request(self, uri: str) -> Awaitable[Any]:
        rng, client = self.rng, self.client
        document = types.TextDocumentIdentifier(uri=uri)
        lines = self.lines.get(uri, 1)
        at = _position(rng, lines)
        requests: list[Callable[[], Awaitable[Any]]] = [
            lambda: client.text_document_hover_async(types.HoverParams(document, at)),
            lambda: client.text_document_completion_async(types.CompletionParams(document, at)),
            lambda: client.text_document_definition_async(types.DefinitionParams(document, at)),
            lambda: client.text_document_inlay_hint_async(
                types.InlayHintParams(document, _range(rng, lines))
            ),
            lambda: client.text_document_code_action_async(
                types.CodeActionParams(document, _range(rng, lines), types.CodeActionContext(diagnostics=[]))
            ),
        ]
        if uses_pull(client):
            requests.append(
                lambda: client.text_document_diagnostic_async(types.DocumentDiagnosticParams(document))
            )
        return rng.choice(requests)()


@pytest.mark.parametrize("profile", ["pull", "visual_studio_code"])
async def test_random_traffic_never_breaks_the_server(workspace: Path, profile: str) -> None:
    print(f"fuzz seed {SEED} (replay: FUZZ_SEED={SEED})")
    rng = random.Random(SEED)
    folder = workspace / "prompts"
    async with watched_server(workspace, profile=profile) as server:
        client = server.client
        traffic = Traffic(client, folder, rng)
        deadline = time.monotonic() + SECONDS
        sent = 0
        while sent < MESSAGES and time.monotonic() < deadline:
            answer = traffic.step()
            sent += 1
            if answer is not None:  # answered, and not with an error (that raises here)
                await asyncio.wait_for(answer, timeout=10)
        # Afterwards the server still does its job.
        bad = open_doc(client, folder / "known-bad.md", KNOWN_BAD)
        found = await diagnostics(client, bad)
        assert [(d.code, d.range.start.line) for d in found] == [("PLS207", 2)], f"seed {SEED}"
        # No handler failed (a failure is logged as an error; the fuzzer's changes to documents it
        # never opened are warnings).
        failures = [m.message for m in client.log_messages if m.type == types.MessageType.Error]
        assert failures == [], f"seed {SEED}: handlers failed"
        assert server.stderr() == "", f"seed {SEED}"
