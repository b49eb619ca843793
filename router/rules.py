"""The rule registry: every check result names a rule with a stable code, a name and a docstring.

Codes are `PLS` plus three digits, grouped by area: 1xx file syntax and keys, 2xx model ids and the
catalog, 3xx settings files, 4xx cost, tokens and budget. A code is never reused; a renamed rule keeps
its code, and an old name keeps working through `REDIRECTS`.

A rule's docstring is its documentation: `promptls explain`, the editor's hover and the README's list
of checks all render it from here, so they cannot drift apart.
"""

from __future__ import annotations

from typing import ClassVar

from router.findings import Finding, Fix, Severity
from router.source import Span

RULES: dict[str, type[Rule]] = {}
"""code -> rule, in registration order (which is code order within each module)."""

REDIRECTS: dict[str, str] = {}
"""Old rule names or codes -> current code."""


class Rule:
    """Base of all rules; subclasses set `code`, `name`, `severity` and write a docstring."""

    code: ClassVar[str]
    name: ClassVar[str]
    severity: ClassVar[Severity]

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        if cls.code in RULES:
            raise ValueError(f"rule code {cls.code} registered twice")
        RULES[cls.code] = cls

    @classmethod
    def finding(
        cls,
        path: str,
        span: Span,
        message: str,
        *,
        fix: Fix | None = None,
        severity: Severity | None = None,
    ) -> Finding:
        return Finding(
            code=cls.code,
            name=cls.name,
            severity=cls.severity if severity is None else severity,
            message=message,
            path=path,
            span=span,
            fix=fix,
        )

    @classmethod
    def summary(cls) -> str:
        """First line of the documentation."""
        return doc_of(cls).split("\n", 1)[0]


def doc_of(rule: type[Rule]) -> str:
    import inspect  # only when documentation is rendered: importing it costs start-up

    return inspect.cleandoc(rule.__doc__ or "")


def all_rules() -> list[type[Rule]]:
    _load_rule_modules()
    return sorted(RULES.values(), key=lambda r: r.code)


def find_rule(code_or_name: str) -> type[Rule] | None:
    """Look a rule up by code (`PLS201`, `pls201`) or by name (`unknown-model`)."""
    _load_rule_modules()
    key = code_or_name.strip()
    upper = key.upper()
    if upper in RULES:
        return RULES[upper]
    for rule in RULES.values():
        if rule.name == key.lower():
            return rule
    target = REDIRECTS.get(upper) or REDIRECTS.get(key.lower())
    return RULES.get(target) if target else None


def explain(code_or_name: str) -> str | None:
    """The documentation of one rule, as text the shell prints and the editor shows."""
    rule = find_rule(code_or_name)
    if rule is None:
        return None
    return f"{rule.name} ({rule.code})\nDefault severity: {rule.severity.label}\n\n{doc_of(rule)}\n"


def _load_rule_modules() -> None:
    # The rule classes live beside the checks that raise them; importing the package registers all.
    import router.lint  # noqa: F401
