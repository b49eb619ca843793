"""Which findings a project selects: the one rule the shell's `check` and the language server share.

The project's `[check]` table, merged across its settings layers (`ProjectSettings.view`), says
`select` (the nearest layer's list wins) and `ignore` (every layer's lists add up). A front end may
add its own: the command line's `--select/--ignore`, the editor's `select`/`ignore` options.

- select: the front end's, when it gives one, replaces the project's; no select keeps every rule.
- ignore: the front end's and the project's both apply.
- A settings error (PLS3xx, severity error) is kept whatever the project's `select` says: a broken
  settings file cannot hide its own errors by what it selects. The front end's select still applies.

Codes match by prefix (`PLS2` is every model rule) or by the rule's name (`unknown-model`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from promptls.router.base.findings import Finding, Severity
from promptls.router.settings.view import SettingsView


def select_findings(
    findings: Iterable[Finding],
    project: SettingsView,
    select: Sequence[str] = (),
    ignore: Sequence[str] = (),
) -> list[Finding]:
    """The findings kept of those for files of one project, given a front end's `select`/`ignore`."""
    project_select = tuple(project.check.value("select", ()))
    ignored = (*ignore, *project.check.value("ignore", ()))
    kept = []
    for finding in findings:
        chosen = select or project_select
        if not select and _is_settings_error(finding):
            chosen = ()
        if chosen and not matches(finding, chosen):
            continue
        if ignored and matches(finding, ignored):
            continue
        kept.append(finding)
    return kept


def matches(finding: Finding, patterns: Sequence[str]) -> bool:
    """Does a rule code prefix or rule name in `patterns` name this finding's rule?"""
    return any(finding.code.startswith(p.upper()) or finding.name == p.lower() for p in patterns)


def _is_settings_error(finding: Finding) -> bool:
    return finding.code.startswith("PLS3") and finding.severity is Severity.ERROR
