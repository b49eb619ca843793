"""Local models in the editor, from the model cache (the server never waits on the network while you
type): completion offers the installed local models first, and the `model:` hover says whether the
prompt's local model is installed and loaded, and how old that news is. The real `promptls serve`."""

from __future__ import annotations

import ast
import socket
from pathlib import Path

from lsprotocol import types
from promptls.adapters.discovery.live import Listing, LiveModel
from promptls.adapters.model_cache import ModelCache

from tests.promptls.server.conftest import SCRATCH, open_doc


def _server_cache() -> ModelCache:
    """The cache the shared servers read (their XDG_CACHE_HOME)."""
    return ModelCache(SCRATCH / "cache" / "promptls" / "models")


def _declared_local_server(workspace: Path) -> str:
    """A provider on this machine, its address the test's own (no other test shares its cache entry)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{sock.getsockname()[1]}/v1"
    (workspace / "promptls.toml").write_text(f'[providers.box]\nbase_url = "{url}"\n', encoding="utf-8")
    return url


def _cache_list(url: str, *models: LiveModel) -> None:
    _server_cache().listing("box", url, lambda: Listing("box", "ok", "from the test", models), refresh=True)


async def test_completion_offers_the_installed_local_models_first(client, workspace):
    url = _declared_local_server(workspace)
    _cache_list(url, LiveModel("qwen-coder-7b", installed=True), LiveModel("gemma-270m", installed=True))
    uri = open_doc(client, workspace / "prompts" / "a.md", "---\nmodel: \n---\nHi\n")
    found = await client.text_document_completion_async(
        types.CompletionParams(
            text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(1, 7)
        )
    )
    labels = [item.label for item in found.items]
    assert labels[labels.index("default") + 1 : labels.index("default") + 3] == [
        "box/qwen-coder-7b",
        "box/gemma-270m",
    ]


async def test_the_hover_says_installed_loaded_and_how_old_that_is(client, workspace):
    url = _declared_local_server(workspace)
    _cache_list(url, LiveModel("qwen-coder-7b", installed=True, loaded=True))
    uri = open_doc(client, workspace / "prompts" / "a.md", "---\nmodel: box/qwen-coder-7b\n---\nHi\n")
    hover = await client.text_document_hover_async(
        types.HoverParams(text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(1, 9))
    )
    assert "**On this machine:** installed, loaded (box's list, cached " in hover.contents.value
    other = open_doc(client, workspace / "prompts" / "b.md", "---\nmodel: box/not-here\n---\nHi\n")
    hover = await client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=other), position=types.Position(1, 9)
        )
    )
    assert "**On this machine:** not installed (box's list, cached " in hover.contents.value


async def test_without_a_cached_list_the_hover_says_how_to_get_one(client, workspace):
    _declared_local_server(workspace)
    uri = open_doc(client, workspace / "prompts" / "a.md", "---\nmodel: box/qwen-coder-7b\n---\nHi\n")
    hover = await client.text_document_hover_async(
        types.HoverParams(text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(1, 9))
    )
    assert "**On this machine:** not known yet (`promptls models list --provider box`" in hover.contents.value


async def test_a_model_not_installed_gets_a_diagnostic_whose_action_pulls_it(client, workspace):
    from tests.promptls.server.conftest import diagnostics, expect_refresh, uses_pull
    from tests.wire.ollama_models import LocalModel, OllamaModelsServer, Pull

    with OllamaModelsServer(
        (LocalModel("llama3.2:3b"),), {"gemma3:270m": Pull(LocalModel("gemma3:270m"))}
    ) as ollama:
        (workspace / "promptls.toml").write_text(f'[providers.ollama]\nbase_url = "{ollama.base_url}"\n')
        _server_cache().listing(
            "ollama",
            ollama.base_url,
            lambda: Listing("ollama", "ok", "", (LiveModel("llama3.2:3b", installed=True),)),
        )
        uri = open_doc(client, workspace / "prompts" / "a.md", "---\nmodel: ollama/gemma3:270m\n---\nHi\n")
        (found,) = [d for d in await diagnostics(client, uri) if d.code == "PLS210"]
        assert found.message == (
            "`ollama/gemma3:270m` is not installed on this machine: "
            "`promptls models pull ollama/gemma3:270m` gets it"
        )
        actions = await client.text_document_code_action_async(
            types.CodeActionParams(
                text_document=types.TextDocumentIdentifier(uri=uri),
                range=found.range,
                context=types.CodeActionContext(diagnostics=[found]),
            )
        )
        (pull,) = [a for a in actions if a.title == "Pull ollama/gemma3:270m (promptls models pull)"]
        name, arguments = _command_of(pull)
        assert name == "promptls.pullModel" and arguments[0]["model"] == "ollama/gemma3:270m"
        client.diagnostics.pop(uri, None)
        refreshed = expect_refresh(client) if uses_pull(client) else None
        answer = await client.workspace_execute_command_async(
            types.ExecuteCommandParams(command=name, arguments=arguments)
        )
        assert answer["outcome"] == "pulled" and answer["message"].startswith("pulled ollama/gemma3:270m (")
        assert "gemma3:270m" in ollama.installed_names()
        after = await diagnostics(client, uri, refreshed)
        assert not [d for d in after if d.code == "PLS210"]  # the cache learned the new list


def _command_of(action) -> tuple[str, list]:
    """The command a code action runs. lsprotocol's client reads a CodeAction that carries a command as
    a Command (they share `title` and `command`), its command object turned into text."""
    if isinstance(action.command, types.Command):
        return action.command.command, action.command.arguments
    carried = ast.literal_eval(action.command)
    return carried["command"], carried["arguments"]
