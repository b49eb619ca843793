"""The server object the handlers share: pygls's server plus promptls's documents store, pending checks
and how diagnostics reach this client (pushed, or pulled by clients that can be asked to pull again).

Built and wired in `promptls.server.app`; the handlers live in their own modules.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote

from lsprotocol import types
from pygls.lsp.server import LanguageServer

from promptls import __version__
from promptls.router.base.source import LineIndex
from promptls.server import convert
from promptls.server.debounce import Debouncer
from promptls.server.documents import Analysis, Documents
from promptls.server.keyed import KeyedProviders
from promptls.server.positions import PositionConverter, negotiated_encoding
from promptls.server.protocol import PromptlsProtocol

log = logging.getLogger("promptls.server")

REQUEST_FAILED = -32803
"""LSP's error code for a well-formed request that could not be done (see server/commands.py)."""


class PromptlsServer(LanguageServer):
    protocol: PromptlsProtocol  # made by pygls from `protocol_cls`

    def __init__(self, user_config: str | None = None) -> None:
        super().__init__("promptls", __version__, protocol_cls=PromptlsProtocol)
        self.documents = Documents(self.open_text, self.position_encoding, user_config)
        self.pending_checks = Debouncer(on_error=lambda exc: self.report_server_error(exc, None))
        self.pull_diagnostics = False
        """Set at `initialize`: True when the client pulls diagnostics, False when they are pushed."""
        self.keyed_providers = KeyedProviders(os.environ)
        """Which providers have a key (completion offers their models first)."""

    # --- plumbing -------------------------------------------------------------------------------

    def open_text(self, uri: str) -> tuple[str, int | None] | None:
        """The editor's text and version of an open document; None when it is not open."""
        docs = self.workspace.text_documents
        doc = docs.get(uri) or docs.get(unquote(uri))
        if doc is None:
            return None
        return doc.source, doc.version

    def position_encoding(self) -> str:
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
                if not isinstance(text, str):
                    # A file a fix creates (promptls.toml): empty for now; one promptls cannot read
                    # (a FIFO) has no positions to offer either.
                    text = ""
                cache[path] = PositionConverter(text, LineIndex(text), self.position_encoding())
            return cache[path]

        return get

    # --- diagnostics ----------------------------------------------------------------------------

    def diagnostics_for(self, analysis: Analysis) -> list[types.Diagnostic]:
        return convert.diagnostics(analysis.findings, analysis.path, analysis.converter)

    def schedule(self, uri: str, delay: float | None = None) -> None:
        """Check `uri` after the configured delay; a newer change replaces the pending check."""
        self.pending_checks.cancel(uri)
        if self.pull_diagnostics:
            return
        wait = self.documents.config.diagnostics_delay if delay is None else delay
        self.pending_checks.schedule(uri, wait, lambda: self.publish(uri))

    def publish(self, uri: str) -> None:
        started = time.perf_counter()
        analysis = self.documents.analyze(uri)
        if analysis is None:
            return
        current = self.open_text(uri)
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
