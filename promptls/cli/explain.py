"""`promptls explain [CODE]`: what a rule means and how to fix what it reports."""

from __future__ import annotations

import argparse

from promptls.cli import EXIT_OK, UsageError


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "explain",
        help="explain a rule (e.g. PLS201)",
        description="Print what a rule checks, why it matters and how to fix it. Without a code, "
        "list every rule.",
    )
    p.add_argument("code", nargs="?", help="a rule code (PLS201) or name (unknown-model)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    import json

    from promptls.router.rules.index import all_rules, explain, find_rule
    from promptls.router.rules.registry import doc_of

    if not args.code:
        rules = all_rules()
        if args.json:
            print(json.dumps([_rule_json(r, doc_of(r)) for r in rules], indent=2))
        else:
            for rule in rules:
                print(f"{rule.code}  {rule.name:<28} {rule.severity.label:<8} {rule.summary()}")
        return EXIT_OK
    rule = find_rule(args.code)
    if rule is None:
        raise UsageError(f"unknown rule `{args.code}`; run `promptls explain` to list them")
    if args.json:
        print(json.dumps(_rule_json(rule, doc_of(rule)), indent=2))
    else:
        print(explain(args.code), end="")
    return EXIT_OK


def _rule_json(rule, doc: str) -> dict:
    return {
        "code": rule.code,
        "name": rule.name,
        "severity": rule.severity.label,
        "summary": rule.summary(),
        "explanation": doc,
    }
