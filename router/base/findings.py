"""One check result, rendered alike by the shell (`path:line:col: PLS123 message`) and the server."""

from __future__ import annotations

from enum import IntEnum
from typing import NamedTuple

from promptls.router.base.source import Span


class Severity(IntEnum):
    """Ordered so that `max()` gives the worst; values match LSP's DiagnosticSeverity minus one."""

    HINT = 0
    INFO = 1
    WARNING = 2
    ERROR = 3

    @property
    def label(self) -> str:
        return self.name.lower()


class Edit(NamedTuple):
    """Replace `span` of the file at `path` with `new_text` (an insert when the span is empty)."""

    path: str
    span: Span
    new_text: str


class Fix(NamedTuple):
    """A named set of edits, offered as a quick fix in the editor and applied by `check --fix`."""

    title: str
    edits: tuple[Edit, ...]
    safe: bool = False
    """Does the fix only write what the file evidently meant (a misspelt key or model id renamed, a
    deprecated key or model replaced by its successor, the earlier of two duplicate keys removed)?
    `check --fix` applies safe fixes; the others (removing a key, changing a value's meaning) need
    `--unsafe-fixes`. The editor offers both."""


class Finding(NamedTuple):
    """A check result: which rule, where, what is wrong and how to fix it."""

    code: str
    name: str
    severity: Severity
    message: str
    path: str
    span: Span
    fix: Fix | None = None
    related: tuple[tuple[str, Span, str], ...] = ()

    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.path, self.span.start, self.span.end, self.code)

    def to_json(self) -> dict:
        data: dict = {
            "code": self.code,
            "name": self.name,
            "severity": self.severity.label,
            "message": self.message,
            "path": self.path,
            "location": {"line": self.span.line, "column": self.span.column},
            "end_location": {"line": self.span.end_pos.line + 1, "column": self.span.end_pos.column + 1},
            "span": {"start": self.span.start, "end": self.span.end},
            "fix": None,
        }
        if self.fix is not None:
            data["fix"] = {
                "title": self.fix.title,
                "applicability": "safe" if self.fix.safe else "unsafe",
                "edits": [
                    {
                        "path": e.path,
                        "start": e.span.start,
                        "end": e.span.end,
                        "location": {"line": e.span.line, "column": e.span.column},
                        "end_location": {
                            "line": e.span.end_pos.line + 1,
                            "column": e.span.end_pos.column + 1,
                        },
                        "new_text": e.new_text,
                    }
                    for e in self.fix.edits
                ],
            }
        return data
