"""Rules for settings files (`promptls.toml`, `promptls.local.toml`, `[tool.promptls]`, user config)."""

from __future__ import annotations

from promptls.router.base.findings import Severity
from promptls.router.rules.registry import Rule


class InvalidSettingsFile(Rule):
    """A settings file is not valid TOML.

    ## Why it matters
    None of its settings take effect: prompts resolve as if the file were not there.

    ## How to fix
    Fix the TOML at the line shown (an unclosed quote or bracket, a key set twice, a value without
    quotes are the usual causes).
    """

    code = "PLS301"
    name = "invalid-settings-file"
    severity = Severity.ERROR


class UnknownSettingsKey(Rule):
    """A settings file has a key promptls does not know.

    ## Why it matters
    A misspelled key is silently ignored, so the setting you meant never applies.

    ## How to fix
    Use one of the keys the message lists (the README has the full reference); the quick fix
    applies the suggested spelling.
    """

    code = "PLS302"
    name = "unknown-settings-key"
    severity = Severity.WARNING


class InvalidSettingsValue(Rule):
    """A setting has the wrong type or a value outside what it allows.

    ## Why it matters
    promptls ignores a setting it cannot use, so the prompt falls back to a lower layer.

    A path glob (`[check] include`, `exclude`, `[prompts."glob"]`) that cannot mean what it seems to
    say is reported as a warning and still applies, read as git reads globs: a reversed range
    `[z-a]` matches only `z`; an unclosed `[` or an unknown class such as `[[:nope:]]` matches nothing.

    ## How to fix
    Write the value with the type the message names, e.g. `temperature = 0.2`, `fallback = ["a/b"]`;
    write a range low to high (`[a-z]`) and close every `[`.
    """

    code = "PLS303"
    name = "invalid-settings-value"
    severity = Severity.ERROR


class UnmatchedAssignment(Rule):
    """A per-prompt settings table names no prompt in the project.

    ## Why it matters
    `[agents.code-reviewr]` with a typo, or an agent that was renamed or deleted, leaves an
    assignment that applies to nothing, and the prompt it was meant for runs on another model.

    ## How to fix
    Use the prompt's name (an agent's or skill's `name:`, a command's file name) or a glob that
    matches its path relative to the settings file; or delete the table.
    """

    code = "PLS304"
    name = "unmatched-assignment"
    severity = Severity.WARNING
