"""Core results to LSP types: findings to diagnostics, fixes to workspace edits."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from functools import lru_cache
from pathlib import Path

from lsprotocol import types

from promptls.router.base.findings import Edit, Finding, Fix, Severity
from promptls.server.positions import PositionConverter

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


def diagnostic(finding: Finding, converter: PositionConverter) -> types.Diagnostic:
    # No fix rides along: code actions look the finding up again in the (cached) analysis, so
    # a keystroke pays for no edit conversions it may never need.
    return types.Diagnostic(
        range=converter.range(finding.span),
        message=safe_text(finding.message),
        severity=_SEVERITY[finding.severity],
        code=finding.code,
        code_description=_code_description(finding.code),
        source="promptls",
    )


@lru_cache(maxsize=256)
def _code_description(code: str) -> types.CodeDescription | None:
    from promptls.server.docs import rule_doc_uri

    href = rule_doc_uri(code)
    return types.CodeDescription(href=href) if href else None


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


def diagnostics(
    findings: Iterable[Finding], path: str, converter: PositionConverter
) -> list[types.Diagnostic]:
    same = os.path.abspath(path)
    return [diagnostic(f, converter) for f in findings if os.path.abspath(f.path) == same]


def place(code: object, where: types.Range) -> tuple[object, int, int, int, int]:
    """What identifies a diagnostic sent back by the client: the finding it became has the same
    code and range."""
    return (code, where.start.line, where.start.character, where.end.line, where.end.character)
