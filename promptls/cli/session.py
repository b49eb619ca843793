"""What every command that reads prompts needs: settings loader, catalog, reading files safely."""

from __future__ import annotations

import os
from functools import cached_property
from typing import TYPE_CHECKING

from promptls.cli import UsageError
from promptls.router.base.reading import (
    MAX_PROMPT_BYTES,
    MAX_SETTINGS_BYTES,
    Unreadable,
    Why,
    read_bytes,
    read_text,
)

if TYPE_CHECKING:
    from promptls.router.models.catalog import Catalog
    from promptls.router.prompts.frontmatter import PromptFile
    from promptls.router.settings import SettingsLoader

BINARY_SNIFF = 8192


class Session:
    """One command's view of the world: environment, settings loader, catalog (loaded lazily)."""

    def __init__(self, env: dict[str, str] | None = None) -> None:
        self.env = dict(os.environ) if env is None else env

    @cached_property
    def loader(self) -> SettingsLoader:
        from promptls.router.settings import SettingsLoader

        return SettingsLoader()

    @cached_property
    def catalog(self) -> Catalog:
        from promptls.router.models.catalog import load_catalog

        return load_catalog()

    def read_prompt(
        self,
        path: str,
        *,
        explicit: bool = True,
        include: list[str] | None = None,
        root: str | None = None,
    ) -> PromptFile | None:
        """`load_prompt`, for a command about one file: one that cannot be read is a usage error
        naming it (exit 2)."""
        prompt = self.load_prompt(path, explicit=explicit, include=include, root=root)
        if isinstance(prompt, Unreadable):
            raise UsageError(cannot_read(path, prompt))
        return prompt

    def load_prompt(
        self,
        path: str,
        *,
        explicit: bool = True,
        include: list[str] | None = None,
        root: str | None = None,
    ) -> PromptFile | Unreadable | None:
        """Parse a prompt file; None when it is binary or (with `include`, in a workspace walk)
        no prompt file at all, unless it was named explicitly; `Unreadable` (with the absolute
        path) when it cannot be read: no regular file, over `MAX_PROMPT_BYTES`, no permission."""
        from promptls.router.prompts.frontmatter import decode, parse_prompt

        data = read_bytes(path, MAX_PROMPT_BYTES)
        # The dialect is read from the path (`.claude/agents/...`): never from the part typed.
        path = os.path.abspath(path)
        if isinstance(data, Unreadable):
            # A large markdown file that is no prompt (a changelog) is none of promptls's business.
            walked = include is not None and not explicit
            if walked and data.why is Why.TOO_LARGE and self._no_prompt(path, data.head, include, root):
                return None
            return data._replace(path=path)
        if b"\0" in data[:BINARY_SNIFF] and not explicit:
            return None
        text, problem = decode(data, path)
        dialect = None
        if include is not None:
            from promptls.router.prompts.detect import classify

            dialect = classify(path, text, include, root)
            if dialect is None and not explicit:
                return None
        prompt = parse_prompt(path, text, dialect)
        if problem is not None:
            prompt = _with_problem(prompt, problem)
        return prompt

    @staticmethod
    def _no_prompt(path: str, head: bytes, include: list[str], root: str | None) -> bool:
        """Does the start of a file show it is no prompt file (its path does not, nor its frontmatter)?"""
        from promptls.router.prompts.detect import classify

        return classify(path, head.decode("utf-8", "replace"), include, root) is None


def cannot_read(path: str, problem: Unreadable) -> str:
    """The one-line error for a file a command was asked about and cannot read."""
    if problem.why is Why.MISSING:
        return f"{path}: no such file"
    if problem.why is Why.FOLDER:
        return f"{path}: is a folder, not a prompt file"
    return f"{path}: cannot read it: {problem.reason}"


def _with_problem(prompt, problem):
    return prompt._replace(problems=(problem, *prompt.problems))


def project_root(start: str | None = None) -> str:
    """The current project: the nearest folder up holding promptls settings or `.git`; else cwd."""
    start = os.path.abspath(start or os.getcwd())
    current = start
    while True:
        for marker in ("promptls.toml", "promptls.local.toml", ".git"):
            if os.path.exists(os.path.join(current, marker)):
                return current
        pyproject = read_text(os.path.join(current, "pyproject.toml"), MAX_SETTINGS_BYTES)
        if not isinstance(pyproject, Unreadable) and "[tool.promptls" in pyproject:
            return current
        parent = os.path.dirname(current)
        if parent == current:
            return start
        current = parent
