"""Rules for a prompt's frontmatter keys: known keys, types, allowed values, required keys."""

from __future__ import annotations

from promptls.router.base.findings import Severity
from promptls.router.rules.registry import Rule


class UnknownKey(Rule):
    """The frontmatter has a key the prompt's dialect does not know.

    ## Why it matters
    Claude Code, Copilot and Dotprompt ignore keys they do not know, without a word: a misspelled
    `modle:` means the model you chose is never used.

    ## How to fix
    Use the key the message suggests (the quick fix renames it), or remove the key. Each dialect's
    keys are listed in the README; promptls's own keys (`model_fallback`, `fallback`, `temperature`,
    `top_p`, `max_tokens`, ...) are accepted in every dialect.
    """

    code = "PLS110"
    name = "unknown-key"
    severity = Severity.WARNING


class WrongType(Rule):
    """A frontmatter value has the wrong type.

    ## Why it matters
    `temperature: "0.2"` is a string, `max_tokens: 1e3` is not a whole number: tools reject or
    misread such values, and promptls leaves them out of a run.

    ## How to fix
    Write the value with the type the message names; remove quotes around numbers and booleans.
    """

    code = "PLS111"
    name = "wrong-type"
    severity = Severity.ERROR


class InvalidValue(Rule):
    """A frontmatter value is not one the key allows.

    ## Why it matters
    `permissionMode: acceptedits` or `agent: chat` is not a value the tool knows; it falls back to
    its default behaviour instead.

    ## How to fix
    Use one of the values the message lists (completion offers them in the editor).
    """

    code = "PLS112"
    name = "invalid-value"
    severity = Severity.ERROR


class MissingRequiredKey(Rule):
    """A key the dialect requires is missing.

    ## Why it matters
    Claude Code needs `name` and `description` for a subagent or skill: without them the file is
    not loaded at all.

    ## How to fix
    Add the key to the frontmatter; the quick fix adds `name` from the file name.
    """

    code = "PLS113"
    name = "missing-required-key"
    severity = Severity.ERROR


class DeprecatedKey(Rule):
    """A frontmatter key is deprecated in favour of another.

    ## Why it matters
    Copilot renamed `mode:` to `agent:`; the old key keeps working for now but will stop.

    ## How to fix
    Rename the key as the message says (the quick fix does it).
    """

    code = "PLS114"
    name = "deprecated-key"
    severity = Severity.WARNING
