"""Cancel stops a run: an editor's Cancel (`$/cancelRequest` for `promptls.run`) closes the request to
the provider, ends the progress, and the ledger says the run was interrupted, with what it used.

The real server, the real OpenAI SDK against a wire server that streams slowly, the real ledger file.
"""

from __future__ import annotations

import asyncio
import sqlite3
from concurrent.futures import Future
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcRequestCancelled

from tests.conftest import CANARY_KEYS
from tests.promptls.server.conftest import SERVER_ENV, EditorClient, open_doc
from tests.promptls.server.watched import watched_server
from tests.wire.base import Paced
from tests.wire.openai_server import Ok, OpenAIWireServer

PIECES = 200
ANSWER = "".join(f"w{n:03} " for n in range(PIECES))
"""200 pieces, 0.05 s apart: 10 s to stream whole, far longer than the test takes."""


class RunClient(EditorClient):
    """An editor showing a run's progress; `seen` keeps what arrived, in order, with the moment the
    run's request was answered."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[tuple[str, str]] = []
        self.texts = asyncio.Condition()
        self.feature("promptls/runProgress")(_run_progress)


async def _run_progress(client: RunClient, params: Any) -> None:
    client.seen.append((params.kind, params.text))
    async with client.texts:
        client.texts.notify_all()


def _texts(client: RunClient) -> int:
    return sum(kind == "text" for kind, _ in client.seen)


async def _log_saying(client: EditorClient, words: str) -> str:
    while not any(words in m.message for m in client.log_messages):
        await client.wait_for_notification(types.WINDOW_LOG_MESSAGE)
    return next(m.message for m in client.log_messages if words in m.message)


async def test_cancel_stops_the_stream_and_the_ledger_says_interrupted(workspace: Path, tmp_path: Path):
    ledger = tmp_path / "ledger.sqlite3"
    env = {
        **SERVER_ENV,
        "OPENAI_API_KEY": CANARY_KEYS["OPENAI_API_KEY"],
        "PROMPTLS_LEDGER": str(ledger),
        "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring",
    }
    with OpenAIWireServer() as wire:
        wire.script(Paced(Ok(ANSWER, PIECES, 40, PIECES), interval=0.05))
        (workspace / "promptls.toml").write_text(
            f'[providers.openai]\nbase_url = "{wire.base_url}"\n', encoding="utf-8"
        )
        async with watched_server(workspace, env=env, client_factory=RunClient) as server:
            client = server.client
            assert isinstance(client, RunClient)
            uri = open_doc(
                client, workspace / "prompts" / "long.md", "---\nmodel: openai/gpt-4o-mini\n---\nGo\n"
            )
            params = types.ExecuteCommandParams(
                command="promptls.run", arguments=[{"uri": uri, "runId": "c1"}]
            )
            request: Future[Any] = client.protocol.send_request(
                types.WORKSPACE_EXECUTE_COMMAND, params, msg_id="run-c1"
            )
            request.add_done_callback(lambda _: client.seen.append(("answered", "")))
            async with client.texts:
                await asyncio.wait_for(client.texts.wait_for(lambda: _texts(client) >= 3), timeout=20)
            client.protocol.notify(types.CANCEL_REQUEST, types.CancelParams(id="run-c1"))
            with pytest.raises(JsonRpcRequestCancelled):
                await asyncio.wait_for(asyncio.wrap_future(request), timeout=10)
            # The run ended (and was recorded) once the server's log says so.
            said = await asyncio.wait_for(_log_saying(client, "promptls.run c1 cancelled"), timeout=10)
            pieces_sent = await asyncio.to_thread(wire.stream_abandoned, 10)
            stderr = server.stderr()

    # Nothing streamed on after the cancel was answered: no progress, no status line.
    answered = client.seen.index(("answered", ""))
    assert client.seen[answered + 1 :] == []
    shown = "".join(text for kind, text in client.seen if kind == "text")
    assert ANSWER.startswith(shown) and 3 <= len(shown.split()) < PIECES // 2
    # The server closed its request: the wire server saw the client leave early.
    assert pieces_sent is not None and pieces_sent < PIECES // 2
    assert said.startswith("promptls.run c1 cancelled after ") and said.endswith(
        "pieces of the answer: openai/gpt-4o-mini stopped; recorded as interrupted"
    )
    # The ledger: interrupted, on the model that was answering, with the tokens used until then (the
    # provider reports none for a stream cut short: estimated); the attempt says it was cancelled.
    with sqlite3.connect(ledger) as db:
        runs = db.execute(
            "select outcome, used_model, input_tokens, output_tokens, usage_source, error from runs"
        ).fetchall()
        attempts = db.execute("select model, error_kind from attempts").fetchall()
    ((outcome, model, input_tokens, output_tokens, usage_source, error),) = runs
    assert (outcome, model, usage_source) == ("interrupted", "openai/gpt-4o-mini", "estimate")
    assert input_tokens > 0 and 0 < output_tokens < PIECES
    assert error.startswith("cancelled: cancelled after ")
    assert attempts == [("openai/gpt-4o-mini", "cancelled")]
    assert stderr == ""
