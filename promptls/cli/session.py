"""What every command that reads prompts needs: settings loader, catalog, reading files safely."""

from __future__ import annotations

import os
from functools import cached_property
from typing import TYPE_CHECKING

from promptls.cli import UsageError

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
        """Parse a prompt file; None when it is binary or (with `include`, in a workspace walk)
        no prompt file at all, unless it was named explicitly."""
        from promptls.router.prompts.frontmatter import decode, parse_prompt

        try:
            with open(path, "rb") as handle:
                data = handle.read()
        except FileNotFoundError:
            raise UsageError(f"{path}: no such file") from None
        except IsADirectoryError:
            raise UsageError(f"{path}: is a folder, not a prompt file") from None
        except OSError as exc:
            raise UsageError(f"{path}: cannot read it ({exc.strerror})") from None
        if b"\0" in data[:BINARY_SNIFF] and not explicit:
            return None
        # The dialect is read from the path (`.claude/agents/...`): never from the part typed.
        path = os.path.abspath(path)
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
        pyproject = os.path.join(current, "pyproject.toml")
        if os.path.exists(pyproject):
            try:
                with open(pyproject, encoding="utf-8", errors="replace") as handle:
                    if "[tool.promptls" in handle.read():
                        return current
            except OSError:
                pass
        parent = os.path.dirname(current)
        if parent == current:
            return start
        current = parent
