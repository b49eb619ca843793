"""What every command that reads prompts needs: settings loader, catalog, reading files safely."""

from __future__ import annotations

import os
from functools import cached_property
from typing import TYPE_CHECKING

from promptls.cli import UsageError
from promptls.router.base.reading import (
    MAX_SETTINGS_BYTES,
    Unreadable,
    Why,
    read_text,
)

if TYPE_CHECKING:
    from promptls.router.models.catalog import Catalog
    from promptls.router.prompts.frontmatter import PromptFile
    from promptls.router.settings import SettingsLoader


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
        from promptls.cli import UsageError
        from promptls.router.models.catalog import CATALOG_ENV, CatalogError, load_catalog

        try:
            return load_catalog(self.env.get(CATALOG_ENV))
        except CatalogError as exc:
            raise UsageError(str(exc)) from None

    def read_prompt(
        self,
        path: str,
        *,
        explicit: bool = True,
        include: list[str] | None = None,
        root: str | None = None,
    ) -> PromptFile | None:
        """`workspace.load_prompt`, for a command about one file: one that cannot be read is a usage error
        naming it (exit 2). Its project's `[dialects]` apply, as in `promptls check`."""
        from promptls.workspace import load_prompt

        settings = self.loader.for_prompt(path)
        root = root or settings.root
        dialects = settings.view.dialect_globs
        prompt = load_prompt(path, explicit=explicit, include=include, root=root, dialects=dialects)
        if isinstance(prompt, Unreadable):
            raise UsageError(cannot_read(path, prompt))
        return prompt


def cannot_read(path: str, problem: Unreadable) -> str:
    """The one-line error for a file a command was asked about and cannot read."""
    if problem.why is Why.MISSING:
        return f"{path}: no such file"
    if problem.why is Why.FOLDER:
        return f"{path}: is a folder, not a prompt file"
    return f"{path}: cannot read it: {problem.reason}"


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
