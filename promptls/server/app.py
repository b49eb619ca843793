"""The language server's composition root: builds the server (with its documents store and pending
checks) and registers every handler, the LSP features and the editor commands, in one table each.

The handlers are thin: each gets the document's analysis (parsed, resolved, checked once per
version), calls one core function, and converts the answer. An exception in a handler is logged to
the client and answered as an LSP error; the server stays up.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from lsprotocol import types

from promptls.server import actions, commands, configuration, diagnostics, lifecycle, navigation, sync
from promptls.server.language_server import REQUEST_FAILED, PromptlsServer

FEATURES: tuple[tuple[str, Any, Callable[..., Any]], ...] = (
    # (LSP method, its options for the server's capabilities, handler)
    (types.INITIALIZE, None, lifecycle.initialize),
    (types.INITIALIZED, None, lifecycle.initialized),
    (types.WORKSPACE_DID_CHANGE_CONFIGURATION, None, configuration.did_change_configuration),
    (types.WORKSPACE_DID_CHANGE_WATCHED_FILES, None, configuration.did_change_watched_files),
    (types.TEXT_DOCUMENT_DID_OPEN, None, sync.did_open),
    (types.TEXT_DOCUMENT_DID_CHANGE, None, sync.did_change),
    (types.TEXT_DOCUMENT_DID_SAVE, None, sync.did_save),
    (types.TEXT_DOCUMENT_DID_CLOSE, None, sync.did_close),
    (types.TEXT_DOCUMENT_DIAGNOSTIC, diagnostics.OPTIONS, diagnostics.document_diagnostic),
    (types.TEXT_DOCUMENT_CODE_ACTION, actions.OPTIONS, actions.code_action),
    (types.TEXT_DOCUMENT_COMPLETION, navigation.COMPLETION_OPTIONS, navigation.completion),
    (types.COMPLETION_ITEM_RESOLVE, None, navigation.completion_resolve),
    (types.TEXT_DOCUMENT_HOVER, None, navigation.hover),
    (types.TEXT_DOCUMENT_DEFINITION, None, navigation.definition),
    (types.TEXT_DOCUMENT_INLAY_HINT, None, navigation.inlay_hints),
)

COMMANDS: tuple[tuple[str, Callable[..., Any]], ...] = (
    # `workspace/executeCommand`, what editors ask beyond LSP (editors/PROTOCOL.md)
    ("promptls.resolve", commands.resolve),
    ("promptls.run", commands.run),
    ("promptls.models", commands.models),
    ("promptls.pinModel", commands.pin_model),
    ("promptls.pullModel", commands.pull_model),
    ("promptls.setKey", commands.set_key),
    ("promptls.keys", commands.keys),
    ("promptls.health", commands.health),
)


def create_server(user_config: str | None = None) -> PromptlsServer:
    logging.getLogger("pygls.protocol.json_rpc").addFilter(_ExpectedNoise())
    for name in ("pygls.server", "pygls.io_"):  # the reader logs through the server's logger
        logging.getLogger(name).addFilter(_OneLine())
    server = PromptlsServer(user_config)
    for method, options, handler in FEATURES:
        server.feature(method, options)(handler)
    for name, command in COMMANDS:
        server.command(name)(command)
    return server


class _ExpectedNoise(logging.Filter):
    """Drops pygls log records that are not failures: a command's answer that the user has something to
    fix (logged by pygls with a traceback) and a cancel for a request already answered (editors send
    those all the time for hovers and completions). Real failures are still logged."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.msg == 'Cancel notification for unknown message id "%s"':
            return False
        if str(record.msg).startswith("Unable to deserialize message"):
            return False  # said in one line, without the traceback, by PromptlsProtocol (protocol.py)
        error = record.exc_info[1] if record.exc_info else None
        return getattr(error, "code", None) != REQUEST_FAILED


class _OneLine(logging.Filter):
    """pygls's reader logs a message that is not JSON with a traceback of the JSON decoder: what the
    editor sent is wrong, not promptls. Keep the one line that says so, drop the traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and record.exc_info[1] is not None:
            error = record.exc_info[1]
            record.msg = f"{record.getMessage()}: {type(error).__name__}: {error}"
            record.args = ()
            record.exc_info = None
            record.exc_text = None
        return True
