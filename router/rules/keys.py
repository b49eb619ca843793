"""Rules for a prompt's frontmatter keys: known keys, types, values, names, lengths and tool names."""

from __future__ import annotations

from promptls.router.base.findings import Severity
from promptls.router.rules.registry import Rule


class UnknownKey(Rule):
    """The frontmatter has a key the prompt's dialect does not know.

    ## Why it matters
    Claude Code, Copilot and Dotprompt ignore keys they do not know, without a word: a misspelled
    `modle:` means the model you chose is never used.
    A key a Copilot agent's `target` does not read (`handoffs` for GitHub's cloud agent) is reported
    the same way.

    ## How to fix
    Use the key the message suggests (the quick fix renames it), or remove the key. Each dialect's
    keys are taken from its harness's documentation (completion in the editor lists them); promptls's
    own keys (`model_fallback`, `fallback`, `temperature`, `top_p`, `max_tokens`, ...) are accepted in
    every dialect. In a skill, keep your own data under `metadata:`.
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
    Claude Code needs `name` and `description` for a subagent: without them the file is not loaded
    at all. A skill without them still loads (its folder names it, its body describes it), but the
    agent chooses skills by their description, so there it is a warning.

    ## How to fix
    Add the key to the frontmatter; the quick fix adds `name` from the file name.
    """

    code = "PLS113"
    name = "missing-required-key"
    severity = Severity.ERROR


class DeprecatedKey(Rule):
    """A frontmatter key is deprecated in favour of another.

    ## Why it matters
    Copilot renamed `mode:` to `agent:` and `user-invokable` to `user-invocable`, and replaced
    `infer` by `user-invocable` and `disable-model-invocation`; an old key keeps working for a
    while, then stops.

    ## How to fix
    Rename the key, or write its replacement, as the message says (the quick fix does it).
    """

    code = "PLS114"
    name = "deprecated-key"
    severity = Severity.WARNING


class InvalidName(Rule):
    """A skill's or agent's `name` is one its harness skips or the Agent Skills spec rejects.

    ## Why it matters
    The Agent Skills spec allows only lowercase letters, digits and single hyphens (not first or last),
    at most 64 characters. VS Code silently skips a skill whose name breaks this (an error here);
    Claude Code loads it under its folder's name, but claude.ai and the Skills API refuse it on upload
    (a warning). Claude Code skips a subagent whose name starts with `-` or contains `:` (`:` is kept
    for plugin-scoped names such as `my-plugin:reviewer`).

    ## How to fix
    Rename it in kebab-case, e.g. `pdf-processing`; the quick fix offers the folder's name when that
    one is valid.
    """

    code = "PLS115"
    name = "invalid-name"
    severity = Severity.ERROR


class NameFolderMismatch(Rule):
    """A skill's `name` differs from the name of its folder.

    ## Why it matters
    The Agent Skills spec says the name must match the parent directory; VS Code warns, and in Claude
    Code the `/` command still comes from the folder (outside plugins), so `/name` does not run it.

    ## How to fix
    Rename the folder or the `name` so they agree (the quick fix writes the folder's name).
    """

    code = "PLS116"
    name = "name-folder-mismatch"
    severity = Severity.WARNING


class ValueTooLong(Rule):
    """A frontmatter value is longer than its documented limit.

    ## Why it matters
    The Agent Skills spec caps `description` at 1024 characters and `compatibility` at 500; longer
    values are cut short in the listing agents choose skills from, or refused where the spec is
    enforced (claude.ai uploads, the Skills API).

    ## How to fix
    Shorten the value; move detail into the body of the file.
    """

    code = "PLS117"
    name = "value-too-long"
    severity = Severity.WARNING


class AgentPromptTooLong(Rule):
    """A custom agent's instructions are longer than GitHub's Copilot cloud agent accepts.

    ## Why it matters
    GitHub's custom agents configuration allows a prompt (the Markdown body of an agent profile) of at
    most 30,000 characters. An error when `target: github-copilot`; a warning when `target` is unset
    (VS Code still reads the file; the cloud agent does not).

    ## How to fix
    Shorten the body, or move reference material into files the agent reads when it needs them; set
    `target: vscode` if the agent is not meant for the cloud agent.
    """

    code = "PLS118"
    name = "agent-prompt-too-long"
    severity = Severity.ERROR


class UnknownTool(Rule):
    """A tool name in `tools`, `allowed-tools` or `disallowedTools` is one edit away from a known tool.

    ## Why it matters
    Claude Code and Copilot accept tool names they do not know (MCP tools, extension tools, tool
    sets, `Bash(git:*)` patterns) and ignore the ones they cannot find, so `Grepp` silently leaves the
    agent without `Grep`. Only near-misses of a known tool are reported: any other name may be a tool
    promptls does not know.

    ## How to fix
    Use the tool the message suggests (the quick fix writes it). The known tools are listed, with the
    date they were checked, in promptls's schema data (`promptls.router.prompts.schemas`).
    """

    code = "PLS119"
    name = "unknown-tool"
    severity = Severity.WARNING
