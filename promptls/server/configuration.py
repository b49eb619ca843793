"""Settings changes: the client's `promptls` section, and settings files changed on disk."""

from __future__ import annotations

import os

from lsprotocol import types
from pygls.uris import to_fs_path

from promptls.router.plugins import manifest_kind
from promptls.server.documents import ServerConfig, is_settings_path
from promptls.server.language_server import PromptlsServer


async def did_change_configuration(ls: PromptlsServer, params: types.DidChangeConfigurationParams) -> None:
    if not await pull_configuration(ls) and params.settings is not None:
        ls.documents.config = ServerConfig.from_json(params.settings)
    ls.documents.generation += 1
    ls.refresh_all()


def did_change_watched_files(ls: PromptlsServer, params: types.DidChangeWatchedFilesParams) -> None:
    changed = False
    for change in params.changes:
        path = to_fs_path(change.uri)
        path = os.path.abspath(path) if path else None
        if path is None or is_settings_path(path, ls.documents.loader.user_path):
            ls.documents.settings_changed(path)
            changed = True
        elif manifest_kind(path) is not None:  # which files are a plugin's agents may have changed
            ls.documents.plugins_changed()
            changed = True
        else:  # a prompt file: it counts where a settings file's per-prompt tables are checked
            changed = ls.documents.file_changed(path) or changed
    if changed:
        ls.refresh_all()


async def pull_configuration(ls: PromptlsServer) -> bool:
    """Ask the client for the `promptls` section; False when it cannot be asked."""
    workspace = ls.client_capabilities.workspace
    if not (workspace and workspace.configuration):
        return False
    try:
        result = await ls.workspace_configuration_async(
            types.ConfigurationParams(items=[types.ConfigurationItem(section="promptls")])
        )
    except Exception as exc:
        ls.log(f"promptls: workspace/configuration failed: {exc}", types.MessageType.Warning)
        return False
    if result and isinstance(result[0], dict):
        ls.documents.config = ServerConfig.from_json(result[0])
        return True
    return False
