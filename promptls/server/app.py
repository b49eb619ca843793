"""The language server: thin handlers over `router/`, one diagnostics store for push and pull.

Each handler gets the document's analysis (parsed, resolved, checked once per version), calls one
core function, and converts the answer. An exception in a handler is logged to the client and
answered as an LSP error; the server stays up.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote

from lsprotocol import types
from pygls.lsp.server import LanguageServer

from promptls import __version__
from promptls.server import convert
from promptls.server.documents import Analysis, Documents
from promptls.server.positions import PositionConverter, negotiated_encoding

log = logging.getLogger("promptls.server")

REQUEST_FAILED = -32803
"""LSP's error code for a well-formed request that could not be done (see server/commands.py)."""

WATCHED_GLOBS = ("**/promptls.toml", "**/promptls.local.toml", "**/pyproject.toml")


class PromptlsServer(LanguageServer):
    def __init__(self, user_config: str | None = None) -> None:
        super().__init__("promptls", __version__)
        self.documents = Documents(self._open_text, self._encoding, user_config)
        self._pending: dict[str, asyncio.Task] = {}
        self.pull_diagnostics = False

    # --- plumbing -------------------------------------------------------------------------------

    def _open_text(self, uri: str) -> tuple[str, int | None] | None:
        docs = self.workspace.text_documents
        doc = docs.get(uri) or docs.get(unquote(uri))
        if doc is None:
            return None
        return doc.source, doc.version

    def _encoding(self) -> str:
        try:
            return negotiated_encoding(self.server_capabilities)
        except Exception:
            return "utf-16"

    def report_server_error(self, error: Exception, source: Any) -> None:
        # Log every failure (requests included) instead of popping messages up; never crash. A command's
        # answer that the user has something to fix (RequestFailed) is shown by the editor, not logged.
        if getattr(error, "code", None) == REQUEST_FAILED:
            return
        self.log(f"promptls: {type(error).__name__}: {error}", types.MessageType.Error)

    def log(self, message: str, kind: types.MessageType = types.MessageType.Info) -> None:
        try:
            self.window_log_message(types.LogMessageParams(type=kind, message=message))
        except Exception:
            log.exception("cannot send a log message")

    def converter_for(self, known: Analysis | None = None) -> Callable[[str], PositionConverter | None]:
        """Converters for any file by path; `known`'s own file reuses the analysis's line index."""
        cache: dict[str, PositionConverter | None] = {}
        if known is not None:
            cache[os.path.abspath(known.path)] = known.converter

        def get(path: str) -> PositionConverter | None:
            path = os.path.abspath(path)
            if path not in cache:
                text = self.documents.read_text(path)
                if text is None:
                    # A file a fix creates (promptls.toml): empty for now.
                    text = ""
                from promptls.router.base.source import LineIndex

                cache[path] = PositionConverter(text, LineIndex(text), self._encoding())
            return cache[path]

        return get

    # --- diagnostics ----------------------------------------------------------------------------

    def diagnostics_for(self, analysis: Analysis) -> list[types.Diagnostic]:
        return convert.diagnostics(analysis.findings, analysis.path, analysis.converter)

    def schedule(self, uri: str, delay: float | None = None) -> None:
        """Check `uri` after the configured delay; a newer change replaces the pending check."""
        pending = self._pending.pop(uri, None)
        if pending is not None:
            pending.cancel()
        if self.pull_diagnostics:
            return
        wait = self.documents.config.diagnostics_delay if delay is None else delay
        self._pending[uri] = asyncio.ensure_future(self._publish_later(uri, wait))

    async def _publish_later(self, uri: str, delay: float) -> None:
        try:
            if delay:
                await asyncio.sleep(delay)
            self.publish(uri)
        except asyncio.CancelledError:
            pass
        except Exception as exc:
            self.report_server_error(exc, None)
        finally:
            if self._pending.get(uri) is asyncio.current_task():
                self._pending.pop(uri, None)

    def publish(self, uri: str) -> None:
        started = time.perf_counter()
        analysis = self.documents.analyze(uri)
        if analysis is None:
            return
        current = self._open_text(uri)
        if current is None or current[1] != analysis.version:
            return  # the document changed (or closed) meanwhile: a newer check will publish
        found = self.diagnostics_for(analysis)
        self.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, diagnostics=found, version=analysis.version)
        )
        if self.protocol.trace != types.TraceValue.Off:
            took = (time.perf_counter() - started) * 1000
            self.log_trace(
                types.LogTraceParams(
                    message=f"promptls: {len(found)} diagnostics for {uri} v{analysis.version} "
                    f"in {took:.2f} ms"
                )
            )

    def refresh_all(self) -> None:
        """Settings changed: re-resolve and re-publish every open document."""
        if self.pull_diagnostics:
            self.workspace_diagnostic_refresh(None)  # pull clients are the ones that support it
            return
        for uri in self.documents.open_uris():
            self.schedule(uri, delay=0)


class _ExpectedNoise(logging.Filter):
    """Drops pygls log records that are not failures: a command's answer that the user has something to
    fix (logged by pygls with a traceback) and a cancel for a request already answered (editors send
    those all the time for hovers and completions). Real failures are still logged."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.msg == 'Cancel notification for unknown message id "%s"':
            return False
        error = record.exc_info[1] if record.exc_info else None
        return getattr(error, "code", None) != REQUEST_FAILED


def create_server(user_config: str | None = None) -> PromptlsServer:
    logging.getLogger("pygls.protocol.json_rpc").addFilter(_ExpectedNoise())
    server = PromptlsServer(user_config)
    from promptls.server import features

    features.register(server)
    return server
