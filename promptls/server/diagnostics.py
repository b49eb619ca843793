"""`textDocument/diagnostic`: pulled diagnostics, from the same analysis the pushed ones come from."""

from __future__ import annotations

from lsprotocol import types

from promptls.server.language_server import PromptlsServer

OPTIONS = types.DiagnosticOptions(
    identifier="promptls", inter_file_dependencies=True, workspace_diagnostics=False
)


def document_diagnostic(
    ls: PromptlsServer, params: types.DocumentDiagnosticParams
) -> types.DocumentDiagnosticReport:
    if not ls.pull_diagnostics:
        # A client that pulls but cannot be asked to pull again (Neovim 0.11: no
        # `workspace/diagnostic/refresh`) gets its diagnostics pushed; were its pulls answered too,
        # it would show every finding twice, once per namespace.
        return types.RelatedFullDocumentDiagnosticReport(items=[])
    analysis = ls.documents.analyze(params.text_document.uri)
    if analysis is None:
        return types.RelatedFullDocumentDiagnosticReport(items=[])
    # A settings change re-checks every document: the generation is part of the result id.
    result_id = f"{analysis.version}:{ls.documents.generation}"
    if params.previous_result_id == result_id:
        return types.RelatedUnchangedDocumentDiagnosticReport(result_id=result_id)
    return types.RelatedFullDocumentDiagnosticReport(items=ls.diagnostics_for(analysis), result_id=result_id)
