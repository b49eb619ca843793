"""Every rule of promptls, looked up by code or name, and its documentation as text.

Importing this module imports every declaration module, so the registry is complete; the checks
themselves are not needed to document or look up a rule.
"""

from __future__ import annotations

from promptls.router.rules import cost, keys, local, lock, models, plugins, settings, syntax
from promptls.router.rules.registry import REDIRECTS, RULES, Rule, doc_of

DECLARATIONS = (syntax, keys, models, local, settings, cost, plugins, lock)
"""The modules that declare rules (named so that importing them is not an unused import)."""


def all_rules() -> list[type[Rule]]:
    return sorted(RULES.values(), key=lambda r: r.code)


def find_rule(code_or_name: str) -> type[Rule] | None:
    """Look a rule up by code (`PLS201`, `pls201`) or by name (`unknown-model`)."""
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
