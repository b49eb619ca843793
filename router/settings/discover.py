"""Find the settings that apply to a prompt: walk up for the project's, add the user's.

Reading goes through a `read_text` callable, so the language server can hand in unsaved editor
buffers; results are cached per directory and file until `invalidate()`. Files on disk are read by
`read_file`: regular files only, at most `MAX_SETTINGS_BYTES`. A settings file that is there but
cannot be read (a FIFO, too large, no permission) is reported (unreadable-file, at its first line)
and applies nothing; a `pyproject.toml` that cannot be read is left out, as it may not be promptls's.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from promptls.router.base.reading import MAX_SETTINGS_BYTES, Unreadable, Why, read_text
from promptls.router.rules.syntax import UnreadableFile
from promptls.router.settings.files import SettingsFile, load_settings
from promptls.router.settings.layers import Layer
from promptls.router.settings.view import SettingsView, merged_view

PROJECT_FILE = "promptls.toml"
LOCAL_FILE = "promptls.local.toml"
PYPROJECT_FILE = "pyproject.toml"
USER_FILE = "config.toml"

ReadText = Callable[[str], "str | Unreadable | None"]


def read_file(path: str) -> str | Unreadable | None:
    """A settings file's text; None when there is none (or a symlink to nothing), `Unreadable` when
    it is there but cannot be read (no regular file, over `MAX_SETTINGS_BYTES`, no permission)."""
    text = read_text(path, MAX_SETTINGS_BYTES)
    if isinstance(text, Unreadable) and text.why is Why.MISSING:
        return None
    return text


def user_config_path() -> str:
    """`$PROMPTLS_CONFIG`, else `config.toml` in the platform's user config dir for promptls."""
    explicit = os.environ.get("PROMPTLS_CONFIG")
    if explicit:
        return explicit
    import platformdirs

    return os.path.join(platformdirs.user_config_dir("promptls", appauthor=False), USER_FILE)


class ProjectSettings:
    """The settings files that apply to one directory, highest precedence first."""

    __slots__ = ("_view", "files", "local", "project", "root", "user")

    def __init__(
        self,
        root: str | None,
        local: SettingsFile | None,
        project: SettingsFile | None,
        user: SettingsFile | None,
    ) -> None:
        self.root = root
        """The directory of the project settings (where per-prompt globs are anchored)."""
        self.local = local
        self.project = project
        self.user = user
        # Asked for on every resolution step: computed once.
        self.files: tuple[SettingsFile, ...] = tuple(f for f in (local, project, user) if f is not None)
        self._view: SettingsView | None = None

    @property
    def view(self) -> SettingsView:
        """The files merged into one view, each key by its combine rule: what every reader uses.

        Built on first use and kept: the loader hands out one `ProjectSettings` per project until it
        forgets its files, so the view is built once per project and settings change, not per prompt.
        """
        if self._view is None:
            self._view = merged_view([f.view for f in self.files])
        return self._view

    def __repr__(self) -> str:
        return f"ProjectSettings(root={self.root!r}, files={[f.path for f in self.files]})"


class SettingsLoader:
    """Loads and caches settings files; one per workspace (server) or per command (shell)."""

    def __init__(
        self, read_text: ReadText = read_file, user_config: str | None = None, *, shared_only: bool = False
    ) -> None:
        self._read = read_text
        self._user_path = user_config_path() if user_config is None else user_config
        self._shared_only = shared_only
        """Only the settings a project shares (promptls.toml, pyproject.toml): not the user's own
        settings nor a git-ignored promptls.local.toml. What the lock file records, so that CI, which
        has neither, sees what a developer locked."""
        self._files: dict[str, SettingsFile | None] = {}
        self._dirs: dict[str, ProjectSettings] = {}

    @property
    def user_path(self) -> str:
        return self._user_path

    def invalidate(self, path: str | None = None) -> None:
        """Forget cached files (all, or one changed file) so the next lookup re-reads them."""
        if path is None:
            self._files.clear()
        else:
            self._files.pop(os.path.abspath(path), None)
        self._dirs.clear()

    def for_prompt(self, prompt_path: str) -> ProjectSettings:
        return self.for_directory(os.path.dirname(prompt_path) or ".")

    def for_directory(self, directory: str) -> ProjectSettings:
        # Keyed by the folder as given too: a workspace walk asks for the same few folders
        # thousands of times, and normalizing the path each time costs more than the lookup.
        cached = self._dirs.get(directory)
        if cached is not None:
            return cached
        absolute = os.path.abspath(directory)
        found = self._dirs.get(absolute)
        if found is None:
            found = self._walk_up(absolute)
            self._dirs[absolute] = found
        self._dirs[directory] = found
        return found

    def _walk_up(self, directory: str) -> ProjectSettings:
        user = None if self._shared_only else self._load(self._user_path, Layer.USER)
        current = Path(directory)
        visited: list[str] = []
        for folder in (current, *current.parents):
            key = str(folder)
            cached = self._dirs.get(key)
            if cached is not None:
                result = cached
                break
            visited.append(key)
            project = self._load(str(folder / PROJECT_FILE), Layer.PROJECT)
            if project is None:
                project = self._load(str(folder / PYPROJECT_FILE), Layer.PROJECT, pyproject=True)
            local = None if self._shared_only else self._load(str(folder / LOCAL_FILE), Layer.LOCAL)
            if project is not None or local is not None:
                result = ProjectSettings(key, local, project, user)
                break
        else:
            result = ProjectSettings(None, None, None, user)
        for key in visited:
            self._dirs[key] = result
        return result

    def _load(self, path: str, layer: Layer, *, pyproject: bool = False) -> SettingsFile | None:
        path = os.path.abspath(path)
        cache_key = path
        if cache_key in self._files:
            return self._files[cache_key]
        text = self._read(path)
        result = None
        if isinstance(text, Unreadable):
            if not pyproject:
                result = load_settings(path, "", layer)
                result.problems.append(UnreadableFile.for_file(text._replace(path=path)))
        elif text is not None and (not pyproject or "[tool.promptls" in text):
            result = load_settings(path, text, layer, pyproject=pyproject)
        self._files[cache_key] = result
        return result
