"""Core results to LSP types: findings to diagnostics, fixes to workspace edits."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path

from lsprotocol import types

from promptls.server.positions import PositionConverter
from router.findings import Edit, Finding, Fix, Severity

_SEVERITY = {
    Severity.ERROR: types.DiagnosticSeverity.Error,
    Severity.WARNING: types.DiagnosticSeverity.Warning,
    Severity.INFO: types.DiagnosticSeverity.Information,
    Severity.HINT: types.DiagnosticSeverity.Hint,
}

ConverterFor = Callable[[str], PositionConverter | None]
"""A position converter for any file by path (the open buffer's text, else the disk's)."""


def safe_text(text: str) -> str:
    """Text that can be sent as UTF-8: a lone surrogate (from an editor buffer) is written as an
    escape instead of making the whole message unsendable."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")


def uri_of(path: str) -> str:
    return Path(os.path.abspath(path)).as_uri()


def diagnostic(
    finding: Finding, converter: PositionConverter, converter_for: ConverterFor
) -> types.Diagnostic:
    from promptls.server.docs import rule_doc_uri

    data = None
    if finding.fix is not None:
        edit = workspace_edit(finding.fix, converter_for)
        if edit is not None:
            data = {"fix": {"title": safe_text(finding.fix.title), "edit": _edit_json(edit)}}
    href = rule_doc_uri(finding.code)
    return types.Diagnostic(
        range=converter.range(finding.span),
        message=safe_text(finding.message),
        severity=_SEVERITY[finding.severity],
        code=finding.code,
        code_description=types.CodeDescription(href=href) if href else None,
        source="promptls",
        data=data,
    )


def workspace_edit(fix: Fix, converter_for: ConverterFor) -> types.WorkspaceEdit | None:
    changes: dict[str, list[types.TextEdit]] = {}
    for edit in fix.edits:
        converted = text_edit(edit, converter_for)
        if converted is None:
            return None
        changes.setdefault(uri_of(edit.path), []).append(converted)
    return types.WorkspaceEdit(changes=changes)


def text_edit(edit: Edit, converter_for: ConverterFor) -> types.TextEdit | None:
    converter = converter_for(edit.path)
    if converter is None:
        return None
    return types.TextEdit(range=converter.range(edit.span), new_text=edit.new_text)


def _edit_json(edit: types.WorkspaceEdit) -> dict:
    return {
        uri: [
            {
                "range": {
                    "start": {"line": e.range.start.line, "character": e.range.start.character},
                    "end": {"line": e.range.end.line, "character": e.range.end.character},
                },
                "newText": safe_text(e.new_text),
            }
            for e in edits
        ]
        for uri, edits in (edit.changes or {}).items()
    }


def edit_from_json(data: object) -> types.WorkspaceEdit | None:
    """The workspace edit a diagnostic's `data` carries (None when it carries none)."""
    if not isinstance(data, dict) or not isinstance(data.get("fix"), dict):
        return None
    raw = data["fix"].get("edit")
    if not isinstance(raw, dict):
        return None
    changes = {}
    for uri, edits in raw.items():
        changes[uri] = [
            types.TextEdit(
                range=types.Range(
                    types.Position(e["range"]["start"]["line"], e["range"]["start"]["character"]),
                    types.Position(e["range"]["end"]["line"], e["range"]["end"]["character"]),
                ),
                new_text=e["newText"],
            )
            for e in edits
        ]
    return types.WorkspaceEdit(changes=changes)


def diagnostics(
    findings: Iterable[Finding], path: str, converter: PositionConverter, converter_for: ConverterFor
) -> list[types.Diagnostic]:
    same = os.path.abspath(path)
    return [diagnostic(f, converter, converter_for) for f in findings if os.path.abspath(f.path) == same]
