"""`promptls check --output-format sarif`: findings as a SARIF 2.1.0 log, for GitHub code scanning and
other SARIF viewers.

Every rule promptls has goes into the log's rule table (a viewer shows a rule's help even for a result
of another run), each with its documentation as help text and a link. Locations are relative to the
folder the check ran in (`%SRCROOT%`), which is what code scanning expects of a check run at the
repository's root; columns count code points, as promptls's own output does. A quick fix goes with its
result as a SARIF fix.
"""

from __future__ import annotations

import os
import pathlib
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

from promptls import HOMEPAGE, __version__
from promptls.router.base.findings import Finding, Severity
from promptls.router.base.source import Span

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SRCROOT = "%SRCROOT%"

_LEVEL = {
    Severity.ERROR: "error",
    Severity.WARNING: "warning",
    Severity.INFO: "note",
    Severity.HINT: "note",
}


def sarif_log(findings: Sequence[Finding], cwd: str | None = None) -> dict[str, Any]:
    """The SARIF log of one check run."""
    from promptls.router.rules.index import all_rules

    cwd = os.path.abspath(cwd or os.getcwd())
    rules = all_rules()
    index = {rule.code: i for i, rule in enumerate(rules)}
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "promptls",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "informationUri": HOMEPAGE,
                        "rules": [_rule(rule) for rule in rules],
                    }
                },
                "originalUriBaseIds": {SRCROOT: {"uri": pathlib.Path(cwd).as_uri() + "/"}},
                "columnKind": "unicodeCodePoints",
                "results": [_result(f, index, cwd) for f in findings],
            }
        ],
    }


RULES_URI = f"{HOMEPAGE}#checks"
"""Where the rules are documented: the README's table of checks (`promptls explain CODE` prints each
one's whole text, which the log also carries as the rule's help)."""


def _rule(rule: Any) -> dict[str, Any]:
    from promptls.router.rules.registry import doc_of

    doc = doc_of(rule)
    summary = doc.split("\n", 1)[0]
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": summary},
        "fullDescription": {"text": doc.split("\n\n", 1)[0].replace("\n", " ")},
        "help": {"text": doc, "markdown": doc},
        "helpUri": RULES_URI,
        "defaultConfiguration": {"level": _LEVEL[rule.severity]},
        "properties": {"tags": [rule.name]},
    }


def _result(finding: Finding, index: dict[str, int], cwd: str) -> dict[str, Any]:
    location = _artifact(finding.path, cwd)
    result: dict[str, Any] = {
        "ruleId": finding.code,
        "level": _LEVEL[finding.severity],
        "message": {"text": finding.message},
        "locations": [{"physicalLocation": {"artifactLocation": location, "region": _region(finding.span)}}],
    }
    if finding.code in index:
        result["ruleIndex"] = index[finding.code]
    if finding.related:
        result["relatedLocations"] = [
            {
                "id": i,
                "message": {"text": message},
                "physicalLocation": {"artifactLocation": _artifact(path, cwd), "region": _region(span)},
            }
            for i, (path, span, message) in enumerate(finding.related)
        ]
    if finding.fix is not None:
        changes: dict[str, dict[str, Any]] = {}
        for edit in finding.fix.edits:
            change = changes.setdefault(
                os.path.abspath(edit.path),
                {"artifactLocation": _artifact(edit.path, cwd), "replacements": []},
            )
            change["replacements"].append(
                {"deletedRegion": _region(edit.span), "insertedContent": {"text": edit.new_text}}
            )
        result["fixes"] = [
            {"description": {"text": finding.fix.title}, "artifactChanges": list(changes.values())}
        ]
    return result


def _artifact(path: str, cwd: str) -> dict[str, Any]:
    """A file relative to the run's folder when inside it, else an absolute file URI."""
    absolute = os.path.abspath(path)
    rel = os.path.relpath(absolute, cwd)
    if rel.startswith(".."):
        return {"uri": pathlib.Path(absolute).as_uri()}
    return {"uri": quote(rel.replace(os.sep, "/")), "uriBaseId": SRCROOT}


def _region(span: Span) -> dict[str, int]:
    end = span.end_pos
    return {
        "startLine": span.line,
        "startColumn": span.column,
        "endLine": end.line + 1,
        "endColumn": end.column + 1,
    }
