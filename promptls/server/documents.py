"""What the server knows about open documents: parsed, resolved and checked, once per version.

Everything here reads the editor's unsaved text, never the file on disk, for open documents:
the settings loader is handed `read_text`, which prefers an open buffer to the disk. Two answers need
the disk, as the shell has them: whether an open prompt's U+FFFD characters were bytes that are not
UTF-8, and which prompts a project holds (for a settings file's per-prompt tables).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NamedTuple

from pygls.uris import to_fs_path

from promptls.router.base.findings import Finding
from promptls.router.base.reading import (
    MAX_PROMPT_BYTES,
    MAX_SETTINGS_BYTES,
    Unreadable,
    read_bytes,
    read_text,
    too_large,
)
from promptls.router.plugins import manifest_kind
from promptls.router.prompts.frontmatter import PromptFile, invalid_utf8_in_buffer, parse_prompt
from promptls.router.rules.syntax import UnreadableFile
from promptls.router.settings.discover import (
    LOCAL_FILE,
    PROJECT_FILE,
    PYPROJECT_FILE,
    ProjectSettings,
    SettingsLoader,
    read_file,
)
from promptls.server.positions import PositionConverter

if TYPE_CHECKING:
    from promptls.router.checks.lint import PromptKey
    from promptls.router.models.catalog import Catalog
    from promptls.router.resolution.resolve import Resolution
    from promptls.router.settings.files import SettingsFile

SETTINGS_NAMES = (PROJECT_FILE, LOCAL_FILE, PYPROJECT_FILE)


class ServerConfig(NamedTuple):
    """Options from `initializationOptions` and `workspace/configuration` (section `promptls`)."""

    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    diagnostics_delay: float = 0.05
    """Seconds to wait after a change before checking: a burst of keystrokes is checked once."""

    @classmethod
    def from_json(cls, data: Any) -> ServerConfig:
        if not isinstance(data, dict):
            return cls()
        data = data.get("promptls", data) if isinstance(data.get("promptls"), dict) else data

        def codes(key: str) -> tuple[str, ...]:
            value = data.get(key) or ()
            return tuple(str(v) for v in value) if isinstance(value, list) else ()

        delay = data.get("diagnosticsDelay", cls._field_defaults["diagnostics_delay"])
        if not isinstance(delay, int | float) or delay < 0:
            delay = cls._field_defaults["diagnostics_delay"]
        return cls(codes("select"), codes("ignore"), float(delay))


class Analysis(NamedTuple):
    """One version of one document: its prompt (or settings file), resolution and findings."""

    uri: str
    path: str
    version: int | None
    kind: str
    """"prompt", "settings", "manifest" (a Claude Code plugin's or marketplace's) or "other" (a
    markdown file that is no prompt)."""
    text: str
    converter: PositionConverter
    prompt: PromptFile | None
    settings: ProjectSettings | None
    resolution: Resolution | None
    findings: tuple[Finding, ...]


class Documents:
    """Analyses of open documents, cached per (version, settings generation)."""

    def __init__(
        self,
        get_open_text: Callable[[str], tuple[str, int | None] | None],
        encoding: Callable[[], str],
        user_config: str | None = None,
    ) -> None:
        self._get_open_text = get_open_text
        self._encoding = encoding
        self._open_paths: dict[str, str] = {}  # absolute path -> uri, for read_text
        self.loader = SettingsLoader(read_text=self.read_text, user_config=user_config)
        self.config = ServerConfig()
        self.generation = 0
        self._cache: dict[str, tuple[tuple[int | None, int], Analysis]] = {}
        self._project_prompts: dict[str, tuple[int, tuple[PromptKey, ...] | None]] = {}
        """By project root: the generation it was gathered in, and what the assignment check needs
        of each prompt. Typing in a prompt keeps it; a settings change or a prompt file changed on
        disk (created, saved, deleted) gathers it again."""
        self._catalog: Catalog | None = None

    @property
    def catalog(self) -> Catalog:
        if self._catalog is None:
            import os

            from promptls.router.models.catalog import CATALOG_ENV, CatalogError, load_catalog

            try:
                self._catalog = load_catalog(os.environ.get(CATALOG_ENV))
            except CatalogError:  # the shell reports it; the editor goes on with the shipped catalog
                self._catalog = load_catalog()
        return self._catalog

    # --- open buffers -------------------------------------------------------------------------

    def opened(self, uri: str) -> None:
        path = _path(uri)
        if path:
            self._open_paths[path] = uri
            if is_settings_path(path, self.loader.user_path):
                self.settings_changed(path)

    def closed(self, uri: str) -> None:
        path = _path(uri)
        self._cache.pop(uri, None)
        if path and self._open_paths.pop(path, None) and is_settings_path(path, self.loader.user_path):
            self.settings_changed(path)  # back to what is on disk

    def changed(self, uri: str) -> None:
        path = _path(uri)
        if path and is_settings_path(path, self.loader.user_path):
            self.settings_changed(path)

    def settings_changed(self, path: str | None = None) -> None:
        """A settings file changed (edited, saved, created, deleted): re-resolve everything."""
        self.loader.invalidate(path)
        self.generation += 1

    def plugins_changed(self) -> None:
        """A Claude Code plugin or marketplace manifest changed on disk: which files are agents,
        commands and skills may have changed with it."""
        from promptls.plugin_places import forget_plugins

        forget_plugins()
        self.generation += 1

    def file_changed(self, path: str) -> bool:
        """A file other than a settings file changed on disk: does any answer depend on it? (A
        project whose prompts were gathered, for a settings file's per-prompt tables, holds it.)"""
        path = os.path.abspath(path)
        if not any(_under(path, root) for root in self._project_prompts):
            return False
        self._project_prompts.clear()
        self.generation += 1
        return True

    def read_text(self, path: str) -> str | Unreadable | None:
        """A settings file's text for the loader: the open buffer, else the disk (`read_file`),
        held to the same size limit either way."""
        uri = self._open_paths.get(os.path.abspath(path))
        if uri is not None:
            opened = self._get_open_text(uri)
            if opened is not None:
                return _over_limit(path, opened[0], MAX_SETTINGS_BYTES) or opened[0]
        return read_file(path)

    def open_uris(self) -> list[str]:
        return list(self._open_paths.values())

    # --- analysis -------------------------------------------------------------------------------

    def analyze(self, uri: str) -> Analysis | None:
        """The analysis of an open document's current version; None for unknown URIs."""
        opened = self._get_open_text(uri)
        if opened is None:
            return None
        text, version = opened
        key = (version, self.generation)
        cached = self._cache.get(uri)
        if cached is not None and cached[0] == key:
            return cached[1]
        analysis = self._analyze(uri, text, version)
        self._cache[uri] = (key, analysis)
        return analysis

    def analyze_unopened(self, uri: str) -> Analysis | None:
        """The analysis of a file the editor has not opened, from the disk (not cached)."""
        path = _path(uri)
        text = read_text(path, MAX_PROMPT_BYTES) if path else None
        return None if text is None or isinstance(text, Unreadable) else self._analyze(uri, text, None)

    def _analyze(self, uri: str, text: str, version: int | None) -> Analysis:
        from promptls.router.checks.lint import check_prompt, check_settings_file
        from promptls.router.checks.select import select_findings
        from promptls.router.resolution.resolve import resolve

        path = _path(uri) or uri
        if is_settings_path(path, self.loader.user_path):
            settings = self.loader.for_directory(os.path.dirname(path))
            file = next((f for f in settings.files if os.path.abspath(f.path) == path), None)
            in_project = file is not None  # the shell checks it as one of the project's files
            if file is None and os.path.basename(path) != PYPROJECT_FILE:
                from promptls.router.settings.files import load_settings
                from promptls.router.settings.layers import Layer

                layer = Layer.LOCAL if os.path.basename(path) == LOCAL_FILE else Layer.USER
                layer = Layer.PROJECT if os.path.basename(path) == PROJECT_FILE else layer
                file = load_settings(path, text, layer)
            findings = check_settings_file(file, settings, self.catalog) if file is not None else []
            if file is not None and in_project:
                findings.extend(self._assignment_findings(file, settings))
            findings = select_findings(findings, settings.view, self.config.select, self.config.ignore)
            converter = PositionConverter(text, file.lines if file else _lines(text), self._encoding())
            return Analysis(
                uri, path, version, "settings", text, converter, None, settings, None, tuple(findings)
            )
        if manifest_kind(path) is not None:
            return self._manifest(uri, path, text, version)
        too_large = _over_limit(path, text)
        dialect = self._dialect(path, too_large.head.decode("utf-8", "replace") if too_large else text)
        if dialect is not None and too_large is not None:
            # `promptls check` reports such a file and checks nothing in it: the editor agrees, and
            # keeps answering instead of parsing megabytes.
            converter = PositionConverter(text, _lines(text), self._encoding())
            view = self.loader.for_prompt(path).view
            findings = [UnreadableFile.for_file(too_large)]
            findings = select_findings(findings, view, self.config.select, self.config.ignore)
            return Analysis(uri, path, version, "other", text, converter, None, None, None, tuple(findings))
        if dialect is None:
            converter = PositionConverter(text, _lines(text), self._encoding())
            return Analysis(uri, path, version, "other", text, converter, None, None, None, ())
        from promptls.plugin_places import loading_plugin  # remembered per folder: no second read

        prompt = parse_prompt(path, text, dialect, plugin=loading_plugin(path))
        if "\ufffd" in text:  # the common case costs this look only
            prompt = self._with_undecodable_bytes(prompt)
        settings = self.loader.for_prompt(path)
        resolution = resolve(prompt, settings, self.catalog)
        from promptls.localmodels import installed_lookup  # the model cache; never the network

        installed = installed_lookup(settings, self.catalog, os.environ)
        findings = check_prompt(prompt, settings, self.catalog, resolution=resolution, installed=installed)
        findings = select_findings(findings, settings.view, self.config.select, self.config.ignore)
        converter = PositionConverter(text, prompt.lines, self._encoding())
        return Analysis(
            uri, path, version, "prompt", text, converter, prompt, settings, resolution, tuple(findings)
        )

    def _manifest(self, uri: str, path: str, text: str, version: int | None) -> Analysis:
        """A Claude Code plugin or marketplace manifest, checked as `promptls check` checks it."""
        from promptls.router.checks.select import select_findings
        from promptls.router.plugins.check import check_manifest
        from promptls.router.plugins.manifest import MAX_MANIFEST_BYTES, read_manifest

        view = self.loader.for_prompt(path).view
        too_large = _over_limit(path, text, MAX_MANIFEST_BYTES)
        if too_large is not None:
            converter = PositionConverter(text, _lines(text), self._encoding())
            findings = [UnreadableFile.for_file(too_large)]
        else:
            manifest = read_manifest(path, text)
            converter = PositionConverter(text, manifest.lines, self._encoding())
            findings = check_manifest(manifest)
        findings = select_findings(findings, view, self.config.select, self.config.ignore)
        return Analysis(uri, path, version, "manifest", text, converter, None, None, None, tuple(findings))

    def _assignment_findings(self, file: SettingsFile, settings: ProjectSettings) -> list[Finding]:
        """`[agents.x]` or `[prompts."glob"]` that names no prompt of the project, as `promptls check`
        reports them: the project's prompts are gathered once per settings generation."""
        from promptls.router.checks.lint import check_assignments, has_assignments

        root = settings.root
        if root is None or not has_assignments(file):
            return []
        cached = self._project_prompts.get(root)
        if cached is None or cached[0] != self.generation:
            from promptls.server.project_prompts import project_prompt_keys

            cached = (self.generation, project_prompt_keys(root, self.loader))
            self._project_prompts[root] = cached
        keys = cached[1]
        return [] if keys is None else list(check_assignments(file, keys, root))

    def _with_undecodable_bytes(self, prompt: PromptFile) -> PromptFile:
        """The prompt with the finding `promptls check` makes for a file that is not valid UTF-8, when
        the editor's text is that file's bytes decoded with U+FFFD for the bad ones."""
        data = read_bytes(prompt.path, MAX_PROMPT_BYTES)
        if isinstance(data, Unreadable):
            return prompt
        problem = invalid_utf8_in_buffer(prompt.text, data, prompt.path)
        return prompt if problem is None else prompt._replace(problems=(problem, *prompt.problems))

    def _dialect(self, path: str, text: str):
        from promptls.plugin_places import plugin_dialect
        from promptls.router.prompts.detect import classify

        listed, plugin = plugin_dialect(path)
        if listed is not None:  # a plugin's manifest lists it: an agent, command or skill of the plugin
            return listed
        # The project's `[dialects]` beat where a file lies: its settings are asked first.
        settings = self.loader.for_prompt(path)
        view = settings.view
        include = view.check.value("include", ())
        return classify(path, text, include, settings.root, plugin=plugin, dialects=view.dialect_globs)


def _over_limit(path: str, text: str, limit: int = MAX_PROMPT_BYTES) -> Unreadable | None:
    """An open document larger than promptls reads of such a file on disk, with its head."""
    if len(text) * 4 <= limit:  # no UTF-8 character takes more than four bytes
        return None
    data = text.encode("utf-8", errors="surrogatepass")
    if len(data) <= limit:
        return None
    return too_large(path, len(data), limit, data[:limit])


def is_settings_path(path: str, user_config: str) -> bool:
    name = os.path.basename(path)
    return name in SETTINGS_NAMES or os.path.abspath(path) == os.path.abspath(user_config)


def _under(path: str, root: str) -> bool:
    return path.startswith(root.rstrip(os.sep) + os.sep)


def _path(uri: str) -> str | None:
    path = to_fs_path(uri)
    return os.path.abspath(path) if path else None


def _lines(text: str):
    from promptls.router.base.source import LineIndex

    return LineIndex(text)
