"""Rules for the file itself: reading it, finding its frontmatter, parsing the YAML."""

from __future__ import annotations

from promptls.router.base.findings import Finding, Severity
from promptls.router.base.reading import Unreadable
from promptls.router.base.source import LineIndex
from promptls.router.rules.registry import Rule


class InvalidYaml(Rule):
    """The frontmatter is not valid YAML.

    ## Why it matters
    Tools that read prompt files drop a file whose frontmatter does not parse: Claude Code silently
    skips such an agent, so the prompt is never offered at all.

    ## How to fix
    Fix the YAML at the line shown. Common causes: a tab used for indentation (YAML allows only
    spaces), an unquoted value that contains `: ` (quote it), an unclosed `[` or quote.
    """

    code = "PLS101"
    name = "invalid-yaml"
    severity = Severity.ERROR


class FrontmatterNotMapping(Rule):
    """The frontmatter is YAML, but not a mapping of keys to values.

    ## Why it matters
    Every dialect reads its settings (`model`, `description`, ...) as `key: value` pairs. A list or
    a bare string between the `---` fences gives the tools nothing to read.

    ## How to fix
    Write one `key: value` per line, e.g. `model: openai/gpt-4o`.
    """

    code = "PLS102"
    name = "frontmatter-not-mapping"
    severity = Severity.ERROR


class DuplicateKey(Rule):
    """A key appears twice in the frontmatter.

    ## Why it matters
    YAML loaders keep one of the two values, and not all the same one: what you read is not
    necessarily what runs.

    ## How to fix
    Delete one of them. The quick fix removes the earlier one, which most loaders ignore already.
    """

    code = "PLS103"
    name = "duplicate-key"
    severity = Severity.ERROR


class UnterminatedFrontmatter(Rule):
    """The file opens a frontmatter block with `---` but never closes it.

    ## Why it matters
    Without the closing `---` the whole file is read as text: no key in it takes effect.

    ## How to fix
    Add a line with just `---` after the last key.
    """

    code = "PLS104"
    name = "unterminated-frontmatter"
    severity = Severity.ERROR


class UnreadableFile(Rule):
    """The file cannot be read as text: it is not valid UTF-8, or it cannot be read at all.

    A prompt or settings file cannot be read at all when it is no regular file (a FIFO, a socket,
    a device, or a symlink to one), when it is larger than promptls reads (1 MiB for a prompt or a
    settings file), or when the system refuses to open it (no permission). Nothing in such a file
    is checked, and a settings file that cannot be read applies none of its settings.

    A workspace walk skips a would-be prompt that is no regular file (a FIFO, a socket, a device, a
    symlink to nothing such as an Emacs lock file `.#name.md`), as git does; it reports one named on
    the command line, and a settings file that cannot be read wherever it is found.

    ## Why it matters
    Prompt files are text; undecodable bytes reach the model as replacement characters, and
    editors may corrupt the file when saving. A file that cannot be read is a prompt that cannot
    run, or settings that silently do not apply.

    ## How to fix
    Re-save the file as UTF-8. A file that cannot be read at all: make it a regular file you can
    read, or split a file over the limit (a megabyte of prompt is more than most models' context).
    """

    code = "PLS105"
    name = "unreadable-file"
    severity = Severity.ERROR

    @classmethod
    def for_file(cls, problem: Unreadable) -> Finding:
        """The finding for a file that could not be read at all: at its first line, saying why."""
        return cls.finding(problem.path, LineIndex("").span(0, 0), problem.message)
