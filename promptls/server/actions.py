"""Code actions: a finding's own fix (quick fix), and beyond it, pin the prompt's model in promptls.toml
or add a fallback."""

from __future__ import annotations

import os

from lsprotocol import types

from promptls.router.base.findings import Fix
from promptls.server import convert
from promptls.server.documents import Analysis
from promptls.server.language_server import PromptlsServer

OPTIONS = types.CodeActionOptions(
    code_action_kinds=[types.CodeActionKind.QuickFix, types.CodeActionKind.RefactorRewrite]
)


def code_action(ls: PromptlsServer, params: types.CodeActionParams) -> list[types.CodeAction] | None:
    analysis = ls.documents.analyze(params.text_document.uri)
    if analysis is None:
        return None
    diagnostics = params.context.diagnostics
    return (
        quick_fixes(ls, analysis, diagnostics) + pull_actions(analysis, diagnostics) + pin_actions(ls, params)
    )


def quick_fixes(
    ls: PromptlsServer, analysis: Analysis, diagnostics: list[types.Diagnostic]
) -> list[types.CodeAction]:
    """The fix of each finding the client sent back as a diagnostic (the diagnostic carries no fix:
    the finding is found again in the cached analysis by code and range)."""
    actions: list[types.CodeAction] = []
    # Looked up by place, not compared pairwise: 10,000 findings sent back at once would otherwise
    # cost 10,000² range conversions (minutes).
    fixes: dict[tuple, Fix] = {}
    for finding in analysis.findings:
        if finding.fix is not None:
            fixes.setdefault(convert.place(finding.code, analysis.converter.range(finding.span)), finding.fix)
    converter_for = ls.converter_for(analysis)
    for diagnostic in diagnostics:
        if diagnostic.source != "promptls":
            continue
        fix = fixes.get(convert.place(diagnostic.code, diagnostic.range))
        edit = convert.workspace_edit(fix, converter_for) if fix is not None else None
        if fix is not None and edit is not None:
            actions.append(
                types.CodeAction(
                    title=convert.safe_text(fix.title),
                    kind=types.CodeActionKind.QuickFix,
                    diagnostics=[diagnostic],
                    edit=edit,
                    is_preferred=True,
                )
            )
    return actions


def pull_actions(analysis: Analysis, diagnostics: list[types.Diagnostic]) -> list[types.CodeAction]:
    """For an Ollama model that is not installed (`local-model-not-installed`): a code action that
    pulls it (the `promptls.pullModel` command: `promptls models pull`, with the editor's progress)."""
    actions = []
    for diagnostic in diagnostics:
        if diagnostic.source != "promptls" or diagnostic.code != "PLS210":
            continue
        model = diagnostic.message.split("`")[1] if diagnostic.message.count("`") >= 2 else ""
        if not model.startswith("ollama/"):
            continue
        title = f"Pull {model} (promptls models pull)"
        command = types.Command(
            title, "promptls.pullModel", arguments=[{"model": model, "uri": analysis.uri}]
        )
        actions.append(
            types.CodeAction(
                title=title, kind=types.CodeActionKind.QuickFix, diagnostics=[diagnostic], command=command
            )
        )
    return actions


def pin_actions(ls: PromptlsServer, params: types.CodeActionParams) -> list[types.CodeAction]:
    analysis = ls.documents.analyze(params.text_document.uri)
    if analysis is None or analysis.prompt is None or analysis.settings is None:
        return []
    prompt = analysis.prompt
    entry = prompt.get("model")
    start = analysis.converter.offset(params.range.start)
    if entry is None or not (entry.entry_span.start <= start <= entry.entry_span.end):
        return []
    found = _add_fallback_action(ls, analysis)
    model = model_to_pin(ls, analysis)
    if model is None:
        return found
    from promptls.router.editor.pin import pin_model

    fallback_dir = ls.workspace.root_path or os.path.dirname(analysis.path)
    try:
        change = pin_model(prompt, model, analysis.settings, fallback_dir)
    except ValueError as exc:  # a settings file that is not valid TOML: nothing safe to edit
        ls.log(f"promptls: cannot pin {model}: {exc}", types.MessageType.Warning)
        return []
    edit = settings_workspace_edit(ls, change)
    if edit is not None:
        found.append(
            types.CodeAction(title=change.title, kind=types.CodeActionKind.RefactorRewrite, edit=edit)
        )
    return found


def _add_fallback_action(ls: PromptlsServer, analysis) -> list[types.CodeAction]:
    from promptls.router.checks.fixes import add_fallback

    fix = add_fallback(analysis.prompt, analysis.resolution) if analysis.resolution else None
    if fix is None:
        return []
    edit = convert.workspace_edit(fix, ls.converter_for())
    if edit is None:
        return []
    return [types.CodeAction(title=fix.title, kind=types.CodeActionKind.RefactorRewrite, edit=edit)]


def model_to_pin(ls: PromptlsServer, analysis) -> str | None:
    """The model written in the frontmatter (as a promptls id), else the resolved one."""
    from promptls.router.models.modelid import RefKind, interpret
    from promptls.router.resolution.resolve import known_providers

    entry = analysis.prompt.get("model")
    if entry is not None and isinstance(entry.value, str):
        ref = interpret(
            entry.value, analysis.prompt.dialect, ls.documents.catalog, known_providers(analysis.settings)
        )
        if ref.kind is RefKind.MODEL and ref.model is not None:
            return str(ref.model)
    model = analysis.resolution.model if analysis.resolution else None
    return str(model) if model else None


def settings_workspace_edit(ls: PromptlsServer, change) -> types.WorkspaceEdit | None:
    uri = convert.uri_of(change.path)
    converter = ls.converter_for()(change.path)
    text_edits = [types.TextEdit(range=converter.range(e.span), new_text=e.new_text) for e in change.edits]
    if not change.create:
        return types.WorkspaceEdit(changes={uri: text_edits})
    caps = ls.client_capabilities.workspace
    edit_caps = caps.workspace_edit if caps else None
    operations = (edit_caps.resource_operations or []) if edit_caps else []
    if not (edit_caps and edit_caps.document_changes and types.ResourceOperationKind.Create in operations):
        return None  # the client cannot create files: offering the action would do nothing
    return types.WorkspaceEdit(
        document_changes=[
            types.CreateFile(uri=uri, options=types.CreateFileOptions(ignore_if_exists=True)),
            types.TextDocumentEdit(
                text_document=types.OptionalVersionedTextDocumentIdentifier(uri=uri, version=None),
                edits=text_edits,
            ),
        ]
    )
