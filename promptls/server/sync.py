"""Document sync: open, change, save and close. Prompts are checked after a short quiet time; a settings
file's unsaved text decides for every open prompt, so a change to one re-checks them all."""

from __future__ import annotations

import os

from lsprotocol import types
from pygls.uris import to_fs_path

from promptls.router.plugins import manifest_kind
from promptls.server.documents import is_settings_path
from promptls.server.language_server import PromptlsServer


def did_open(ls: PromptlsServer, params: types.DidOpenTextDocumentParams) -> None:
    uri = params.text_document.uri
    ls.documents.opened(uri)
    if is_settings_uri(ls, uri):
        ls.refresh_all()  # what the editor holds now decides, for every open prompt
    ls.schedule(uri, delay=0)


def did_change(ls: PromptlsServer, params: types.DidChangeTextDocumentParams) -> None:
    uri = params.text_document.uri
    ls.documents.changed(uri)
    if is_settings_uri(ls, uri):
        ls.refresh_all()
    ls.schedule(uri)


def did_save(ls: PromptlsServer, params: types.DidSaveTextDocumentParams) -> None:
    uri = params.text_document.uri
    if is_settings_uri(ls, uri):
        ls.documents.changed(uri)
        ls.refresh_all()
    elif is_manifest_uri(uri):  # a plugin's manifest on disk decides which files are its agents
        ls.documents.plugins_changed()
        ls.refresh_all()


def did_close(ls: PromptlsServer, params: types.DidCloseTextDocumentParams) -> None:
    uri = params.text_document.uri
    ls.pending_checks.cancel(uri)
    was_settings = is_settings_uri(ls, uri)
    ls.documents.closed(uri)
    if not ls.pull_diagnostics:  # what the editor shows for a closed file goes away
        ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))
    if was_settings:
        ls.refresh_all()


def is_manifest_uri(uri: str) -> bool:
    path = to_fs_path(uri)
    return bool(path) and manifest_kind(os.path.abspath(path)) is not None


def is_settings_uri(ls: PromptlsServer, uri: str) -> bool:
    path = to_fs_path(uri)
    return bool(path) and is_settings_path(os.path.abspath(path), ls.documents.loader.user_path)
