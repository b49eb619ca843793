"""The commands editors call (`workspace/executeCommand`, editors/PROTOCOL.md), over the real server.

Both editor integrations are thin shells over these: what a status line shows, what "Run Prompt"
streams, what "Set Model" lists and writes, and how the server answers what a user has to fix.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import sys
import tomllib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
import pytest_lsp
from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pytest_lsp import ClientServerConfig, LanguageClient

from tests.conftest import CANARY_KEYS
from tests.promptls.server.conftest import SCRATCH, SERVE, SERVER_ENV, EditorClient, as_dict, logged, open_doc
from tests.wire.openai_server import Fail, Ok, OpenAIWireServer

LEDGER = SCRATCH / "commands-ledger.sqlite3"
RUN_ENV = {
    **SERVER_ENV,
    "OPENAI_API_KEY": CANARY_KEYS["OPENAI_API_KEY"],
    "PROMPTLS_LEDGER": str(LEDGER),
    "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring",
}
PROFILES = ["neovim@v0.11.0", "visual_studio_code"]


class CommandsClient(EditorClient):
    """An editor that shows a run's progress and applies the edits the server asks for."""

    def __init__(self) -> None:
        super().__init__()
        self.progress: list[dict] = []
        self.edits: list[types.ApplyWorkspaceEditParams] = []
        self.feature("promptls/runProgress")(_run_progress)
        self.feature(types.WORKSPACE_APPLY_EDIT)(_apply_edit)

    @contextlib.asynccontextmanager
    async def one_test(self) -> AsyncIterator[CommandsClient]:
        self.progress.clear()
        self.edits.clear()
        async with super().one_test():
            yield self


def _run_progress(client: CommandsClient, params) -> None:
    client.progress.append({"runId": params.runId, "kind": params.kind, "text": params.text})


def _apply_edit(
    client: CommandsClient, params: types.ApplyWorkspaceEditParams
) -> types.ApplyWorkspaceEditResult:
    client.edits.append(params)
    _apply_to_disk(params.edit)
    return types.ApplyWorkspaceEditResult(applied=True)


RUN_SERVER = ClientServerConfig(server_command=SERVE, server_env=RUN_ENV, client_factory=CommandsClient)


@pytest_lsp.fixture(params=PROFILES, scope="session", config=RUN_SERVER)
async def commands_server(lsp_client: CommandsClient, request, tmp_path_factory: pytest.TempPathFactory):
    """One server per profile, with a key, a ledger and no keyring, rooted above every workspace."""
    await lsp_client.start(request.param, tmp_path_factory.getbasetemp())
    yield
    await lsp_client.shutdown_session()


@pytest_asyncio.fixture(loop_scope="session")
async def client(commands_server: CommandsClient) -> AsyncIterator[CommandsClient]:
    async with commands_server.one_test():
        yield commands_server


@pytest_lsp.fixture(params=PROFILES, loop_scope="session", config=RUN_SERVER)
async def fresh_client(lsp_client: CommandsClient, request, workspace: Path):
    """A server of its own, rooted at the workspace, where a new promptls.toml goes."""
    await lsp_client.start(request.param, workspace)
    yield
    await lsp_client.shutdown_session()


def _apply_to_disk(edit: types.WorkspaceEdit) -> None:
    """What an editor does with the edit: create the file, apply the text edits (ASCII text)."""
    changes: list[tuple[str, list[types.TextEdit]]] = list((edit.changes or {}).items())
    for change in edit.document_changes or []:
        if isinstance(change, types.CreateFile):
            Path(change.uri.removeprefix("file://")).touch()
        elif isinstance(change, types.TextDocumentEdit):
            changes.append((change.text_document.uri, list(change.edits)))
    for uri, text_edits in changes:
        path = Path(uri.removeprefix("file://"))
        text = path.read_text(encoding="utf-8") if path.exists() else ""
        lines = text.splitlines(keepends=True)
        for e in sorted(
            text_edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True
        ):
            start = sum(len(line) for line in lines[: e.range.start.line]) + e.range.start.character
            end = sum(len(line) for line in lines[: e.range.end.line]) + e.range.end.character
            text = text[:start] + e.new_text + text[end:]
            lines = text.splitlines(keepends=True)
        path.write_text(text, encoding="utf-8")


async def _command(client: LanguageClient, name: str, argument: dict | None = None):
    return await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command=name, arguments=[argument if argument is not None else {}])
    )


async def test_the_commands_are_advertised_and_health_answers(client):
    advertised = client.init_result.capabilities.execute_command_provider.commands
    assert set(advertised) >= {
        "promptls.resolve",
        "promptls.run",
        "promptls.models",
        "promptls.pinModel",
        "promptls.setKey",
        "promptls.keys",
        "promptls.health",
    }
    result = await _command(client, "promptls.health")
    health = as_dict(result)
    assert health["version"]
    assert health["executable"] == f"{sys.executable} -m promptls"
    assert health["catalog"]["models"] > 1000
    # The null backend is configured for this server: health says the keyring cannot be used, and why.
    assert health["keyring"]["ok"] is False and "null" in health["keyring"]["message"]


async def test_resolve_gives_the_status_line_and_the_explanation(client, workspace):
    (workspace / "promptls.toml").write_text(
        '[defaults]\nmodel = "openai/gpt-4o-mini"\nfallback = ["ollama/llama3.2"]\n', encoding="utf-8"
    )
    uri = open_doc(
        client,
        workspace / "prompts" / "notes.md",
        "---\nmodel: default\nmodel_fallback: true\n---\nNotes for {{version}}.\n",
    )
    found = as_dict(await _command(client, "promptls.resolve", {"uri": uri}))
    assert found["model"] == "openai/gpt-4o-mini"
    assert found["statusText"] == "openai/gpt-4o-mini +1 fallback"
    # The estimate for one run, as the hover and `promptls resolve` say it: the editors show this text.
    cost = next(t for t in (line["text"] for line in found["lines"]) if t.startswith("cost per run: "))
    assert cost.startswith(f"cost per run: {found['costText']} (") and found["costText"].startswith("$0.0")
    assert found["fallback"] == ["ollama/llama3.2"]
    assert found["inputs"] == {"variables": ["version"], "text": False}
    texts = [line["text"] for line in found["lines"]]
    assert texts[0].startswith("model: openai/gpt-4o-mini")
    assert any("promptls.toml:2" in t and "openai/gpt-4o-mini" in t for t in texts), texts
    # A file that is no prompt has no status.
    other = open_doc(client, workspace / "README.md", "# hello\n")
    assert await _command(client, "promptls.resolve", {"uri": other}) is None


async def test_resolve_reads_unsaved_text(client, workspace):
    path = workspace / ".claude" / "agents" / "rev.md"
    path.write_text("---\nname: rev\ndescription: d\nmodel: openai/gpt-4o\n---\nReview.\n", encoding="utf-8")
    uri = open_doc(client, path, "---\nname: rev\ndescription: d\nmodel: openai/gpt-4o-mini\n---\nReview.\n")
    found = as_dict(await _command(client, "promptls.resolve", {"uri": uri}))
    assert found["statusText"] == "openai/gpt-4o-mini"
    assert found["inputs"] == {"variables": [], "text": True}
    text = "---\nname: new\ndescription: d\nmodel: openai/not-yet-out\n---\nR.\n"
    unpriced = open_doc(client, workspace / ".claude" / "agents" / "new.md", text)
    found = as_dict(await _command(client, "promptls.resolve", {"uri": unpriced}))
    assert found["costText"] == "price unknown"  # never $0


async def test_run_streams_progress_and_answers_with_the_model(client, workspace):
    LEDGER.unlink(missing_ok=True)
    with OpenAIWireServer() as server:
        server.script(Ok(text="Three short notes.", chunks=3, prompt_tokens=20, completion_tokens=5))
        (workspace / "promptls.toml").write_text(
            f'[providers.openai]\nbase_url = "{server.base_url}"\n', encoding="utf-8"
        )
        uri = open_doc(
            client, workspace / "prompts" / "n.md", "---\nmodel: openai/gpt-4o-mini\n---\nNotes: {{x}}\n"
        )
        answer = as_dict(
            await _command(client, "promptls.run", {"uri": uri, "variables": {"x": "v1"}, "runId": "r1"})
        )
        (request,) = server.requests
    assert answer["outcome"] == "ok" and answer["model"] == "openai/gpt-4o-mini"
    assert answer["text"] == "Three short notes." and answer["fellBack"] is False
    assert answer["message"] == "answered by openai/gpt-4o-mini"
    # 20 input tokens at $0.15 and 5 output at $0.60 per million: the cost as the editors show it
    assert answer["costText"] == "$0.000006" and answer["costUsd"] == pytest.approx(0.000006)
    assert request.body["messages"] == [{"role": "user", "content": "Notes: v1"}]
    streamed = [p for p in client.progress if p["runId"] == "r1"]
    assert "".join(p["text"] for p in streamed if p["kind"] == "text") == "Three short notes."
    assert any(p["kind"] == "status" and "running on openai/gpt-4o-mini" in p["text"] for p in streamed)
    # Recorded in the ledger like a run from the command line.
    with sqlite3.connect(LEDGER) as db:
        rows = db.execute("select outcome, used_model from runs").fetchall()
    assert rows == [("ok", "openai/gpt-4o-mini")]


async def test_run_falls_back_and_says_so(client, workspace):
    with OpenAIWireServer() as server:
        server.script(Fail.unauthorized(), Ok(text="From the fallback."))
        (workspace / "promptls.toml").write_text(
            f'[providers.openai]\nbase_url = "{server.base_url}"\n', encoding="utf-8"
        )
        uri = open_doc(
            client,
            workspace / "prompts" / "f.md",
            "---\nmodel: openai/gpt-4o\nfallback: [openai/gpt-4o-mini]\n---\nSay hi.\n",
        )
        answer = as_dict(await _command(client, "promptls.run", {"uri": uri, "runId": "fb"}))
    assert answer["model"] == "openai/gpt-4o-mini" and answer["fellBack"] is True
    assert answer["message"] == "answered by openai/gpt-4o-mini after falling back from openai/gpt-4o"
    assert answer["attempts"][0]["model"] == "openai/gpt-4o" and "401" in answer["attempts"][0]["error"]
    statuses = [p["text"] for p in client.progress if p["runId"] == "fb" and p["kind"] == "status"]
    assert any("falling back from openai/gpt-4o to openai/gpt-4o-mini" in s for s in statuses), statuses


async def test_run_errors_say_what_to_fix(client, workspace):
    uri = open_doc(
        client, workspace / "prompts" / "v.md", "---\nmodel: openai/gpt-4o\n---\nNotes for {{version}}\n"
    )
    with pytest.raises(JsonRpcException) as missing:
        await _command(client, "promptls.run", {"uri": uri})
    assert missing.value.message == "the prompt needs `version`: give a value in `variables`"
    agent = open_doc(
        client,
        workspace / ".claude" / "agents" / "a.md",
        "---\nname: a\ndescription: d\nmodel: openai/gpt-4o\n---\nB\n",
    )
    with pytest.raises(JsonRpcException) as no_task:
        await _command(client, "promptls.run", {"uri": agent})
    assert "system prompt: give the task" in no_task.value.message
    with pytest.raises(JsonRpcException) as bad_model:
        await _command(client, "promptls.run", {"uri": uri, "model": "gpt4", "variables": {"version": "1"}})
    assert "is not a model id: write provider/name" in bad_model.value.message
    with pytest.raises(JsonRpcException) as not_prompt:
        await _command(client, "promptls.run", {"uri": open_doc(client, workspace / "x.txt", "hi\n")})
    assert "is not a prompt file promptls knows" in not_prompt.value.message
    with pytest.raises(JsonRpcException) as no_args:
        await client.workspace_execute_command_async(
            types.ExecuteCommandParams(command="promptls.run", arguments=["not an object"])
        )
    assert "takes one argument, a JSON object" in no_args.value.message
    # None of these is logged as a server failure: the editor shows the message instead.
    assert not [m for m in logged(client) if m.type == types.MessageType.Error]


async def test_models_lists_model_ids_for_a_picker(client, workspace):
    uri = open_doc(client, workspace / "prompts" / "m.md", "---\nmodel: openai/gpt-4o\n---\nHi\n")
    items = as_dict(await _command(client, "promptls.models", {"uri": uri}))["items"]
    labels = [i["label"] for i in items]
    assert "openai/gpt-4o-mini" in labels and len(labels) > 1000
    assert "default" not in labels and "inherit" not in labels
    first = next(i for i in items if i["label"] == "openai/gpt-4o-mini")
    assert "context" in first["detail"]


async def test_pin_model_writes_promptls_toml_through_the_editor(client, workspace):
    (workspace / "promptls.toml").write_text('[defaults]\nmodel = "openai/gpt-4o"\n', encoding="utf-8")
    path = workspace / ".claude" / "agents" / "rev.md"
    uri = open_doc(client, path, "---\nname: rev\ndescription: d\nmodel: sonnet\n---\nReview.\n")
    answer = as_dict(await _command(client, "promptls.pinModel", {"uri": uri, "model": "openai/gpt-4o-mini"}))
    assert answer["applied"] is True and answer["path"] == str(workspace / "promptls.toml")
    assert "openai/gpt-4o-mini" in answer["title"]
    assert len(client.edits) == 1  # through workspace/applyEdit, so it lands in the editor's buffer
    data = tomllib.loads((workspace / "promptls.toml").read_text(encoding="utf-8"))
    assert data["agents"]["rev"]["model"] == "openai/gpt-4o-mini"
    assert data["defaults"]["model"] == "openai/gpt-4o"  # nothing the user had is lost


async def test_pin_model_creates_promptls_toml(fresh_client, workspace):
    client = fresh_client
    uri = open_doc(client, workspace / "prompts" / "p.md", "---\nmodel: openai/gpt-4o\n---\nHi\n")
    answer = as_dict(await _command(client, "promptls.pinModel", {"uri": uri}))
    assert answer["applied"] is True
    data = tomllib.loads((workspace / "promptls.toml").read_text(encoding="utf-8"))
    assert "openai/gpt-4o" in str(data)


async def test_set_key_without_a_keyring_says_how_to_fix_and_never_echoes_the_key(client):
    secret = "sk-canary-typed-into-the-editor-31f9"
    with pytest.raises(JsonRpcException) as failed:
        await _command(client, "promptls.setKey", {"provider": "openai", "key": secret})
    assert "cannot use the OS keyring" in failed.value.message and "OPENAI_API_KEY" in failed.value.message
    assert secret not in failed.value.message
    with pytest.raises(JsonRpcException) as unknown:
        await _command(client, "promptls.setKey", {"provider": secret, "key": secret})
    assert secret not in unknown.value.message and "it looks like a key" in unknown.value.message
    with pytest.raises(JsonRpcException) as local:
        await _command(client, "promptls.setKey", {"provider": "ollama", "key": "x"})
    assert local.value.message == "ollama runs locally and needs no key"
    # Neovim's Lua sends an empty table as `[]`: taken as no options.
    keys = as_dict(
        await client.workspace_execute_command_async(
            types.ExecuteCommandParams(command="promptls.keys", arguments=[[]])
        )
    )
    openai = next(p for p in keys["providers"] if p["provider"] == "openai")
    assert openai == {"provider": "openai", "needsKey": True, "source": "environment (OPENAI_API_KEY)"}
    assert all(secret not in m.message for m in client.log_messages)
    assert os.environ  # the suite's canaries stay in the test process's environment
