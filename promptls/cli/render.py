"""Render findings for the shell: ruff-style text lines, JSON, GitHub workflow annotations or SARIF."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence

from promptls.cli.style import painter_for, printable, shown_path
from promptls.router.base.findings import Finding, Severity

_SEVERITY_STYLE = {
    Severity.ERROR: ("red", "bold"),
    Severity.WARNING: ("yellow", "bold"),
    Severity.INFO: ("blue", "bold"),
    Severity.HINT: ("dim",),
}


def findings(
    items: Sequence[Finding],
    fmt: str,
    color: str,
    prompt_count: int,
    settings_count: int,
    *,
    manifest_count: int = 0,
) -> None:
    out = sys.stdout
    if fmt == "json":
        data = []
        for f in items:
            entry = f.to_json()
            entry["path"] = shown_path(f.path)
            if entry["fix"]:
                for edit in entry["fix"]["edits"]:
                    edit["path"] = shown_path(edit["path"])
            data.append(entry)
        json.dump(data, out, indent=2, ensure_ascii=False)
        out.write("\n")
        return
    if fmt == "sarif":
        from promptls.cli.sarif import sarif_log

        json.dump(sarif_log(items), out, indent=2, ensure_ascii=False)
        out.write("\n")
        return
    if fmt == "github":
        for f in items:
            level = {"error": "error", "warning": "warning"}.get(f.severity.label, "notice")
            message = github_data(f.message)
            out.write(
                f"::{level} title=promptls ({f.code}),file={github_property(shown_path(f.path))},"
                f"line={f.span.line},col={f.span.column},endLine={f.span.end_pos.line + 1},"
                f"endColumn={f.span.end_pos.column + 1}::{f.code} {message}\n"
            )
        return
    paint = painter_for(out, color)
    for f in items:
        where = paint(printable(shown_path(f.path)), "bold")
        code = paint(f.code, *_SEVERITY_STYLE[f.severity])
        fixable = paint(" [*]", "cyan") if f.fix is not None and f.fix.safe else ""
        out.write(f"{where}:{f.span.line}:{f.span.column}: {code}{fixable} {printable(f.message)}\n")
    out.write(summary(items, prompt_count, settings_count, paint, manifest_count=manifest_count) + "\n")


def github_data(text: str) -> str:
    """A workflow command's message: `%`, CR and LF escaped, so it stays one command; other control
    characters shown, not sent."""
    return printable(text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A"))


def github_property(text: str) -> str:
    """A workflow command's property value (a file name): also `:` and `,`, which end it. A file
    named `x,line=1::y%0A::set-env ...` stays a file name, not a second command."""
    return github_data(text).replace(":", "%3A").replace(",", "%2C")


def summary(
    items: Sequence[Finding], prompt_count: int, settings_count: int, paint=None, *, manifest_count: int = 0
) -> str:
    checked = (
        f"{prompt_count} prompt file{'s' if prompt_count != 1 else ''}, "
        f"{settings_count} settings file{'s' if settings_count != 1 else ''}"
    )
    if manifest_count:  # Claude Code plugin and marketplace manifests, where a walk found any
        checked += f", {manifest_count} plugin manifest{'s' if manifest_count != 1 else ''}"
    if not items:
        text = f"All checks passed ({checked})."
        return paint(text, "green") if paint else text
    counts = {s: sum(1 for f in items if f.severity is s) for s in Severity}
    parts = []
    for severity in (Severity.ERROR, Severity.WARNING, Severity.INFO, Severity.HINT):
        n = counts[severity]
        if n:
            parts.append(f"{n} {severity.label}{'s' if n != 1 else ''}")
    safe = sum(1 for f in items if f.fix is not None and f.fix.safe)
    unsafe = sum(1 for f in items if f.fix is not None and not f.fix.safe)
    text = f"Found {', '.join(parts)} in {checked}."
    if safe:
        text += f" {safe} fixable with `promptls check --fix` ([*])."
    if unsafe:
        text += f" {unsafe} more with `--fix --unsafe-fixes` (or the editor's quick fix)."
    return text
