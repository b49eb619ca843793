"""`promptls keys set|list|rm`: provider API keys in the OS keyring, never in a plain text file."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from promptls.cli import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, UsageError
from promptls.keystatus import Provider, find_provider, key_status, providers

if TYPE_CHECKING:
    from promptls.adapters.keys import KeyringUnavailable

EXAMPLES = """\
examples:
  promptls keys set openai                 # asks for the key without echoing it
  pass show openrouter | head -n 1 | promptls keys set openrouter
  promptls keys list
  promptls keys list --json | jq '.[] | select(.key == null) | .provider'
  promptls keys rm gemini

An environment variable (OPENAI_API_KEY, OPENROUTER_API_KEY, GEMINI_API_KEY or GOOGLE_API_KEY,
ANTHROPIC_API_KEY, or a declared provider's `api_key_env`) takes precedence over the keyring.
"""


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "keys",
        help="store, list and remove provider API keys (OS keyring)",
        epilog=EXAMPLES,
        description="Keep provider API keys in the OS keyring (Secret Service, macOS Keychain, "
        "Windows Credential Locker). A key in the environment beats the keyring.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)

    set_ = actions.add_parser(
        "set",
        help="store a provider's key (read from a hidden prompt, or from stdin)",
        description="Store PROVIDER's API key in the OS keyring. On a terminal it is asked for "
        "without echo; otherwise it is read from stdin. Never pass a key as an argument: it would "
        "land in your shell history.",
    )
    set_.add_argument(
        "provider", metavar="PROVIDER", help="openai, openrouter, gemini, anthropic or a declared provider"
    )
    # Caught only to refuse it without echoing it back (argparse's own error would print it).
    set_.add_argument("key", nargs="?", help=argparse.SUPPRESS)
    set_.set_defaults(run=run_set)

    list_ = actions.add_parser(
        "list",
        help="show where each provider's key comes from (masked)",
        description="For every built-in provider and each provider declared in this project's "
        "settings: where its key comes from, and the key masked to its last 4 characters.",
    )
    list_.add_argument("--json", action="store_true", help="machine-readable output")
    list_.set_defaults(run=run_list)

    rm = actions.add_parser("rm", help="remove a provider's key from the OS keyring")
    rm.add_argument("provider", metavar="PROVIDER")
    rm.set_defaults(run=run_rm)


def _provider(name: str) -> Provider:
    try:
        return find_provider(name, providers())
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def run_set(args: argparse.Namespace) -> int:
    import os

    from promptls.adapters.keys import KeyringUnavailable, from_environment, store_key

    if args.key is not None:
        raise UsageError(
            "a key on the command line lands in your shell history; type it at the prompt "
            "(`promptls keys set PROVIDER`) or pipe it in (`... | promptls keys set PROVIDER`)"
        )
    provider = _provider(args.provider)
    if not provider.needs_key:
        raise UsageError(f"{provider.name} runs locally and needs no key")
    key = _read_key(provider.name)
    try:
        store_key(provider.name, key, provider.env_var)
    except KeyringUnavailable as exc:
        raise UsageError(str(exc)) from None
    print(f"stored the {provider.name} key in the OS keyring")
    active = from_environment(provider.name, os.environ, provider.env_var)
    if active.value:
        print(
            f"note: the key in the {active.source} takes precedence over the keyring while it is set",
            file=sys.stderr,
        )
    return EXIT_OK


def _read_key(provider: str) -> str:
    """The key from a hidden prompt (terminal) or stdin (pipe); never from the command line."""
    if sys.stdin is None:
        raise UsageError("no key given: stdin is closed")
    if sys.stdin.isatty():
        import getpass

        try:
            key = getpass.getpass(f"{provider} API key (input hidden): ")
        except EOFError:
            key = ""
    else:
        key = sys.stdin.read()
    key = key.strip()
    if not key:
        raise UsageError(
            f"no key given; type it at the prompt or pipe it in: `... | promptls keys set {provider}`"
        )
    if any(c.isspace() for c in key):
        raise UsageError("the key holds whitespace; give one key, on one line")
    return key


def run_list(args: argparse.Namespace) -> int:
    import json
    import os

    from promptls.adapters.keys import KeyringUnavailable

    rows = []
    problem: KeyringUnavailable | None = None
    for provider in providers().values():
        # After one failure the keyring is not asked again (a locked one would prompt each time).
        row, trouble = key_status(provider, os.environ, ask_keyring=problem is None)
        rows.append(row)
        problem = problem or trouble
    if args.json:
        json.dump(rows, sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        _print_table(rows)
    if problem is not None:
        # What could be read is shown; the keyring's failure still fails the command.
        print(f"promptls keys: error: {KeyringUnavailable(problem.reason)}", file=sys.stderr)
        return EXIT_USAGE
    return EXIT_OK


def _print_table(rows: list[dict[str, Any]]) -> None:
    lines = [("PROVIDER", "KEY", "SOURCE")]
    for row in rows:
        lines.append((row["provider"], *_cells(row)))
    widths = [max(len(line[i]) for line in lines) for i in range(2)]
    for line in lines:
        print(f"{line[0].ljust(widths[0])}  {line[1].ljust(widths[1])}  {line[2]}")


def _cells(row: dict[str, Any]) -> tuple[str, str]:
    """The KEY and SOURCE cells: the masked key and where it comes from, or how to set one."""
    name = row["provider"]
    if not row["needs_key"]:
        return "-", "no key needed (runs locally)"
    if row["key"] is not None:
        if row["overrides_keyring"]:
            return row["key"], f"{row['source']}, overriding the key in the OS keyring"
        return row["key"], row["source"]
    variable = (
        f"export {row['env_vars'][0]}=..." if row["env_vars"] else f"api_key_env under [providers.{name}]"
    )
    if row["in_keyring"] is None:  # the keyring could not be asked: only the variable can help now
        return "no key?", f"OS keyring unavailable; {variable}"
    return "no key", f"set one: promptls keys set {name}  or  {variable}"


def run_rm(args: argparse.Namespace) -> int:
    import os

    from promptls.adapters.keys import KeyringUnavailable, delete_key, env_vars_for

    provider = _provider(args.provider)
    try:
        removed = delete_key(provider.name, provider.env_var)
    except KeyringUnavailable as exc:
        raise UsageError(str(exc)) from None
    if not removed:
        print(f"no {provider.name} key in the OS keyring; nothing removed", file=sys.stderr)
        return EXIT_FINDINGS
    print(f"removed the {provider.name} key from the OS keyring")
    still = [n for n in env_vars_for(provider.name, provider.env_var) if (os.environ.get(n) or "").strip()]
    if still:
        print(f"note: {', '.join(still)} is still set in this environment", file=sys.stderr)
    return EXIT_OK
