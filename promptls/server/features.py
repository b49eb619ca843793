"""The LSP handlers: each a few lines that fetch an analysis, call the core, convert the answer."""

from __future__ import annotations

import os

from lsprotocol import types
from pygls.uris import to_fs_path

from promptls.server import convert
from promptls.server.app import WATCHED_GLOBS, PromptlsServer
from promptls.server.documents import ServerConfig


def register(server: PromptlsServer) -> None:
    @server.feature(types.INITIALIZE)
    def initialize(ls: PromptlsServer, params: types.InitializeParams) -> None:
        ls.documents.config = ServerConfig.from_json(params.initialization_options)
        if params.trace is not None:  # as `$/setTrace` would: "verbose" adds timings to the trace
            ls.protocol.trace = params.trace
        # Pull only from clients that also accept `workspace/diagnostic/refresh`: without it a
        # settings change could not reach the editor until the next keystroke. Others get push.
        text_caps = params.capabilities.text_document
        workspace = params.capabilities.workspace
        ls.pull_diagnostics = bool(
            text_caps
            and text_caps.diagnostic
            and workspace
            and workspace.diagnostics
            and workspace.diagnostics.refresh_support
        )

    @server.feature(types.INITIALIZED)
    async def initialized(ls: PromptlsServer, params: types.InitializedParams) -> None:
        workspace = ls.client_capabilities.workspace
        watched = workspace.did_change_watched_files if workspace else None
        if watched and watched.dynamic_registration:
            watchers = [types.FileSystemWatcher(glob_pattern=g) for g in WATCHED_GLOBS]
            watchers.append(types.FileSystemWatcher(glob_pattern=ls.documents.loader.user_path))
            await ls.client_register_capability_async(
                types.RegistrationParams(
                    registrations=[
                        types.Registration(
                            id="promptls-settings-watcher",
                            method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                            register_options=types.DidChangeWatchedFilesRegistrationOptions(
                                watchers=watchers
                            ),
                        )
                    ]
                )
            )
        await _pull_configuration(ls)

    @server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
    async def did_change_configuration(ls: PromptlsServer, params: types.DidChangeConfigurationParams):
        if not await _pull_configuration(ls) and params.settings is not None:
            ls.documents.config = ServerConfig.from_json(params.settings)
        ls.documents.generation += 1
        ls.refresh_all()

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def did_change_watched_files(ls: PromptlsServer, params: types.DidChangeWatchedFilesParams):
        for change in params.changes:
            path = to_fs_path(change.uri)
            ls.documents.settings_changed(os.path.abspath(path) if path else None)
        ls.refresh_all()

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: PromptlsServer, params: types.DidOpenTextDocumentParams) -> None:
        uri = params.text_document.uri
        ls.documents.opened(uri)
        if _is_settings(ls, uri):
            ls.refresh_all()  # what the editor holds now decides, for every open prompt
        ls.schedule(uri, delay=0)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: PromptlsServer, params: types.DidChangeTextDocumentParams) -> None:
        uri = params.text_document.uri
        ls.documents.changed(uri)
        if _is_settings(ls, uri):
            ls.refresh_all()
        ls.schedule(uri)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: PromptlsServer, params: types.DidSaveTextDocumentParams) -> None:
        if _is_settings(ls, params.text_document.uri):
            ls.documents.changed(params.text_document.uri)
            ls.refresh_all()

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: PromptlsServer, params: types.DidCloseTextDocumentParams) -> None:
        uri = params.text_document.uri
        pending = ls._pending.pop(uri, None)
        if pending is not None:
            pending.cancel()
        was_settings = _is_settings(ls, uri)
        ls.documents.closed(uri)
        if not ls.pull_diagnostics:
            ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))
        if was_settings:
            ls.refresh_all()

    @server.feature(
        types.TEXT_DOCUMENT_DIAGNOSTIC,
        types.DiagnosticOptions(
            identifier="promptls", inter_file_dependencies=True, workspace_diagnostics=False
        ),
    )
    def pull_diagnostics(ls: PromptlsServer, params: types.DocumentDiagnosticParams):
        analysis = ls.documents.analyze(params.text_document.uri)
        if analysis is None:
            return types.RelatedFullDocumentDiagnosticReport(items=[])
        result_id = f"{analysis.version}:{ls.documents.generation}"
        if params.previous_result_id == result_id:
            return types.RelatedUnchangedDocumentDiagnosticReport(result_id=result_id)
        return types.RelatedFullDocumentDiagnosticReport(
            items=ls.diagnostics_for(analysis), result_id=result_id
        )

    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(
            code_action_kinds=[types.CodeActionKind.QuickFix, types.CodeActionKind.RefactorRewrite]
        ),
    )
    def code_action(ls: PromptlsServer, params: types.CodeActionParams):
        analysis = ls.documents.analyze(params.text_document.uri)
        if analysis is None:
            return None
        actions: list[types.CodeAction] = []
        fixable = [f for f in analysis.findings if f.fix is not None]
        converter_for = ls.converter_for(analysis)
        for diagnostic in params.context.diagnostics:
            if diagnostic.source != "promptls":
                continue
            for finding in fixable:
                if not convert.same_place(diagnostic, finding, analysis.converter):
                    continue
                edit = convert.workspace_edit(finding.fix, converter_for)
                if edit is not None:
                    actions.append(
                        types.CodeAction(
                            title=convert.safe_text(finding.fix.title),
                            kind=types.CodeActionKind.QuickFix,
                            diagnostics=[diagnostic],
                            edit=edit,
                            is_preferred=True,
                        )
                    )
                break
        from promptls.server import actions as more

        actions.extend(more.pin_actions(ls, params))
        return actions

    from promptls.server import commands, navigation

    navigation.register(server)
    commands.register(server)


def _is_settings(ls: PromptlsServer, uri: str) -> bool:
    from promptls.server.documents import is_settings_path

    path = to_fs_path(uri)
    return bool(path) and is_settings_path(os.path.abspath(path), ls.documents.loader.user_path)


async def _pull_configuration(ls: PromptlsServer) -> bool:
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
