"""The editors' "Set API Key": the language server stores the key in the real OS keyring.

The server runs in this throw-away D-Bus session (its address is inherited), rooted in a project that
declares providers, as an editor would start it.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest_lsp
from lsprotocol import types
from promptls.adapters.keys import SERVICE
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

from tests.conftest import assert_no_canary, canary_key
from tests.keys.conftest import PROJECT_SETTINGS
from tests.promptls.server.conftest import as_dict

SECRET = canary_key("together")
"""The key typed into the editor (one of the suite's canaries)."""


@pytest_lsp.fixture(
    config=ClientServerConfig(
        server_command=[sys.executable, "-m", "promptls", "serve"],
        server_env={k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")},
    )
)
async def client(lsp_client: LanguageClient, tmp_path: Path):
    (tmp_path / "promptls.toml").write_text(PROJECT_SETTINGS, encoding="utf-8")
    await lsp_client.initialize_session(
        types.InitializeParams(capabilities=client_capabilities("neovim@v0.11.0"), root_uri=tmp_path.as_uri())
    )
    yield
    await lsp_client.shutdown_session()


async def _command(client: LanguageClient, name: str, argument: dict):
    result = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command=name, arguments=[argument])
    )
    return as_dict(result)


async def test_set_key_stores_it_in_the_keyring_and_never_sends_it_back(client: LanguageClient) -> None:
    import keyring

    health = await _command(client, "promptls.health", {})
    assert health["keyring"]["ok"] is True
    answer = await _command(client, "promptls.setKey", {"provider": "together", "key": SECRET})
    assert answer == {
        "provider": "together",
        "stored": True,
        "message": "stored the together key in the OS keyring",
    }
    assert keyring.get_password(SERVICE, "together") == SECRET
    listed = await _command(client, "promptls.keys", {})
    rows = {row["provider"]: row for row in listed["providers"]}
    assert rows["together"] == {"provider": "together", "needsKey": True, "source": "OS keyring"}
    assert rows["lmstudio"]["needsKey"] is False  # declared local: no key to ask for
    assert rows["groq"]["source"] is None
    assert_no_canary(repr(listed) + repr(answer) + repr(health))
    assert_no_canary("\n".join(m.message for m in client.log_messages))
