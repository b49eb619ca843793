"""Rules of `promptls check --locked`: a project's prompts against its lock file, `promptls.lock`."""

from __future__ import annotations

from promptls.router.base.findings import Severity
from promptls.router.rules.registry import Rule


class DriftFromLock(Rule):
    """A prompt resolves to another model than the lock file says.

    ## Why it matters
    Claude Code's `sonnet` has named several models over time, and a catalog update or a settings edit
    moves prompts without anyone editing them. In CI, a prompt that silently runs on another model is a
    change nobody reviewed.

    ## How to fix
    If the new model is what you want, accept it with `promptls lock --upgrade` and commit the lock
    file; otherwise undo the edit that moved the prompt (the message says which layer decides now), or
    pin the model the lock names.
    """

    code = "PLS601"
    name = "locked-model-drift"
    severity = Severity.ERROR


class FallbackDriftFromLock(Rule):
    """A prompt's fallback chain differs from the one in the lock file.

    ## Why it matters
    The fallback chain decides which models answer when the first one fails: a chain that changed
    without review may send a prompt to a model nobody chose.

    ## How to fix
    Accept the new chain with `promptls lock --upgrade`, or restore the `fallback` the lock records.
    """

    code = "PLS602"
    name = "locked-fallback-drift"
    severity = Severity.ERROR


class LockedModelRetires(Rule):
    """The catalog now retires the model a prompt is locked to.

    ## Why it matters
    Runs on a retired model fail. A catalog update that announces a retirement is the moment to move
    the prompt, not the day it stops answering.

    ## How to fix
    Move the prompt to another model (its provider's successor is a good start), then run
    `promptls lock --upgrade`.
    """

    code = "PLS603"
    name = "locked-model-retires"
    severity = Severity.ERROR


class LockedPriceDrift(Rule):
    """The price of a prompt's model moved beyond 5% of the one in the lock file.

    ## Why it matters
    Budgets and estimates were made at the locked price; a price change is worth a look before it
    shows on the bill.

    ## How to fix
    Accept the new price with `promptls lock --upgrade`, or move the prompt to a cheaper model.
    """

    code = "PLS604"
    name = "locked-price-drift"
    severity = Severity.ERROR


class NotLocked(Rule):
    """A prompt of the project has no entry in the lock file.

    ## Why it matters
    `check --locked` can only hold a prompt to what the lock file records: a new prompt would run on
    whatever it resolves to, unreviewed.

    ## How to fix
    Run `promptls lock` (it adds new prompts and keeps the others as locked) and commit the lock file.
    """

    code = "PLS605"
    name = "prompt-not-locked"
    severity = Severity.ERROR


class StaleLockEntry(Rule):
    """The lock file has an entry for a prompt the project no longer has.

    ## Why it matters
    A lock file that lists deleted or moved prompts no longer says what the project runs.

    ## How to fix
    Run `promptls lock` to drop the entry (a moved prompt gets its new path).
    """

    code = "PLS606"
    name = "stale-lock-entry"
    severity = Severity.ERROR


class InvalidLockFile(Rule):
    """The lock file cannot be read.

    ## Why it matters
    `check --locked` cannot hold the project to a lock file it cannot read.

    ## How to fix
    Fix the line shown (a merge conflict left in the file is the usual cause), or write the lock file
    again with `promptls lock --upgrade`.
    """

    code = "PLS607"
    name = "invalid-lock-file"
    severity = Severity.ERROR


_BY_DRIFT: dict[str, type[Rule]] = {
    "model": DriftFromLock,
    "fallback": FallbackDriftFromLock,
    "retires": LockedModelRetires,
    "price": LockedPriceDrift,
}


def rule_for(drift: str) -> type[Rule]:
    """The rule of one kind of drift (`resolution.lock.Drift`'s values)."""
    return _BY_DRIFT[drift]
