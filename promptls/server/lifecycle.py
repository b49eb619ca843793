"""`initialize` and `initialized`: what this client can do decides how diagnostics and settings reach it."""

from __future__ import annotations

from lsprotocol import types

from promptls.router.prompts.detect import WALKED_SUFFIXES
from promptls.server.configuration import pull_configuration
from promptls.server.documents import ServerConfig
from promptls.server.language_server import PromptlsServer

WATCHED_GLOBS = (
    "**/promptls.toml",
    "**/promptls.local.toml",
    "**/pyproject.toml",
    "**/.claude-plugin/*.json",  # Claude Code plugin and marketplace manifests: which files are agents
)
PROMPT_GLOBS = tuple(sorted({f"**/*.{suffix.rsplit('.', 1)[-1]}" for suffix in WALKED_SUFFIXES}))
"""Prompt files created, saved or deleted: whether a settings file's `[agents.x]` names one."""


def initialize(ls: PromptlsServer, params: types.InitializeParams) -> None:
    ls.documents.config = ServerConfig.from_json(params.initialization_options)
    if params.trace is not None:  # as `$/setTrace` would: "verbose" adds timings to the trace
        ls.protocol.trace = params.trace
    ls.pull_diagnostics = pulls_diagnostics(params.capabilities)


async def initialized(ls: PromptlsServer, params: types.InitializedParams) -> None:
    await register_settings_watchers(ls)
    await pull_configuration(ls)


def pulls_diagnostics(capabilities: types.ClientCapabilities) -> bool:
    """Pull only from clients that also accept `workspace/diagnostic/refresh`: without it a settings
    change could not reach the editor until the next keystroke. Others get push."""
    text = capabilities.text_document
    workspace = capabilities.workspace
    return bool(
        text
        and text.diagnostic
        and workspace
        and workspace.diagnostics
        and workspace.diagnostics.refresh_support
    )


async def register_settings_watchers(ls: PromptlsServer) -> None:
    """Ask the client to report changes to settings and prompt files on disk, where it takes registrations."""
    workspace = ls.client_capabilities.workspace
    watched = workspace.did_change_watched_files if workspace else None
    if not (watched and watched.dynamic_registration):
        return
    watchers = [types.FileSystemWatcher(glob_pattern=g) for g in (*WATCHED_GLOBS, *PROMPT_GLOBS)]
    watchers.append(types.FileSystemWatcher(glob_pattern=ls.documents.loader.user_path))
    registration = types.Registration(
        id="promptls-settings-watcher",
        method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
        register_options=types.DidChangeWatchedFilesRegistrationOptions(watchers=watchers),
    )
    await ls.client_register_capability_async(types.RegistrationParams(registrations=[registration]))
