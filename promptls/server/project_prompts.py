"""A project's prompts as `promptls check` finds them, for one check the server makes of a settings file:
does each per-prompt table (`[agents.x]`, `[prompts."glob"]`) name a prompt of the project?

The walk is the shell's (`promptls.workspace.walk`, the same `.gitignore`, `[check] include` and
`exclude`, the same reading of each file); it reads the files on disk, as the shell does.
"""

from __future__ import annotations

import os

from promptls.router.base.reading import Unreadable
from promptls.router.checks.lint import PromptKey, prompt_key
from promptls.router.prompts.detect import SETTINGS_NAMES, excluded
from promptls.router.settings.discover import SettingsLoader

MAX_PROJECT_FILES = 5_000
"""How many candidate files the server reads to gather a project's prompts. Real projects hold tens
to hundreds of prompt files; a settings file at the top of a home folder would make the editor read
everything below it. Past this the project's prompts are not known and the check is not made (the
shell, which reads them all, still makes it)."""


def project_prompt_keys(
    root: str, loader: SettingsLoader, limit: int = MAX_PROJECT_FILES
) -> tuple[PromptKey, ...] | None:
    """What the assignment check needs of every prompt whose project is `root` (the folder of its
    settings files; prompts below a nested project's settings belong to that one); None past `limit`."""
    from promptls.workspace import load_prompt, walk

    keys: list[PromptKey] = []
    for count, found in enumerate(walk([root])):
        if count >= limit:
            return None
        if os.path.basename(found.path) in SETTINGS_NAMES:
            continue
        settings = loader.for_prompt(found.path)
        if settings.root != root:
            continue
        check = settings.view.check
        if excluded(found.path, check.value("exclude", ()), root):
            continue
        include = list(check.value("include", ()))
        dialects = settings.view.dialect_globs
        prompt = load_prompt(found.path, explicit=False, include=include, root=root, dialects=dialects)
        if prompt is not None and not isinstance(prompt, Unreadable):
            keys.append(prompt_key(prompt))
    return tuple(keys)
