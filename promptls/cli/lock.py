"""`promptls lock [--upgrade]`: write promptls.lock, what every prompt of the project resolves to."""

from __future__ import annotations

import argparse

from promptls.cli import EXIT_OK, UsageError

EXAMPLES = """\
examples:
  promptls lock                 write promptls.lock (new prompts added, locked ones kept)
  promptls lock --upgrade       accept what every prompt resolves to now
  promptls check --locked       report every prompt that differs from the lock (exit 1)
"""


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "lock",
        help="write promptls.lock: the model each prompt resolves to",
        epilog=EXAMPLES,
        description="Write promptls.lock at the project's root: for every prompt, the model its layers "
        "resolve to (an alias pinned to the dated id it means), the fallback chain, the catalog's date and "
        "the prices. Only the settings the project shares count (not your user settings, "
        "promptls.local.toml or the environment). Prompts already locked keep their entry unless --upgrade.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--upgrade", action="store_true", help="rewrite every entry as the project resolves now")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from promptls.cli.session import Session, project_root
    from promptls.cli.style import shown_path
    from promptls.lockfile import write_lock
    from promptls.router.resolution.lock import LockError

    root = project_root()
    try:
        written = write_lock(root, Session().catalog, args.upgrade)
    except LockError as exc:
        raise UsageError(
            f"{shown_path(root)}/promptls.lock: {exc} (`promptls lock --upgrade` rewrites it)"
        ) from None
    parts = [
        f"{len(written.added)} added" if written.added else "",
        f"{len(written.removed)} removed" if written.removed else "",
    ]
    if written.updated:
        parts.append(f"{len(written.updated)} upgraded")
    done = ", ".join(p for p in parts if p) or "no change"
    print(f"Wrote {shown_path(written.path)} ({done}).")
    for path in written.held:
        print(f"  {path}: resolves differently now; kept as locked (`promptls lock --upgrade` accepts it)")
    return EXIT_OK
