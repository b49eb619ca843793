"""The rule registry: every check result names a rule with a stable code, a name and a docstring.

Codes are `PLS` plus three digits, grouped by area: 1xx file syntax and keys, 2xx model ids and the
catalog, 3xx settings files, 4xx cost, tokens and budget, 5xx plugin and marketplace manifests,
6xx the lock file (`check --locked`). A code is never reused; a renamed rule keeps its code, and an
old name keeps working through `REDIRECTS`.

A rule's docstring is its documentation: `promptls explain`, the editor's hover and the README's list
of checks all render it from here, so they cannot drift apart.
"""

from __future__ import annotations

from typing import ClassVar

from promptls.router.base.findings import Finding, Fix, Severity
from promptls.router.base.source import Span

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
            message=shortened(message),
            path=path,
            span=span,
            fix=fix,
        )

    @classmethod
    def summary(cls) -> str:
        """First line of the documentation."""
        return doc_of(cls).split("\n", 1)[0]


MAX_MESSAGE = 400
"""A finding's message is one line a person reads; a value quoted from a hostile file (a 500 KB model id)
must not make it a page. Longer messages keep their start and end."""


def shortened(message: str) -> str:
    if len(message) <= MAX_MESSAGE:
        return message
    keep = (MAX_MESSAGE - 5) // 2
    return f"{message[:keep]} […] {message[-keep:]}"


def doc_of(rule: type[Rule]) -> str:
    import inspect  # only when documentation is rendered: importing it costs start-up

    return inspect.cleandoc(rule.__doc__ or "")
