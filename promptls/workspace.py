"""Find the prompt files of a workspace: walk folders, honour `.gitignore`, visit each folder once.

Which files are worth reading (and what each one is) the core decides: `router/prompts/detect.py`.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, NamedTuple

from promptls.plugin_places import loading_root, plugin_dialect, plugin_root
from promptls.router.base.pathglob import path_matches
from promptls.router.base.reading import (
    MAX_GITIGNORE_BYTES,
    MAX_PROMPT_BYTES,
    Unreadable,
    Why,
    read_bytes,
    read_text,
)
from promptls.router.plugins import MANIFEST_FOLDER, MARKETPLACE_FILE, PLUGIN_FILE
from promptls.router.prompts.detect import SETTINGS_NAMES, is_candidate

if TYPE_CHECKING:
    from promptls.router.prompts.detect import DialectGlobs
    from promptls.router.prompts.frontmatter import PromptFile

ALWAYS_SKIPPED = frozenset({".git", ".hg", ".svn", "node_modules", "__pycache__"})


class Found(NamedTuple):
    path: str
    explicit: bool
    """Named on the command line: checked even when ignored or of no known dialect."""


class _Ignore:
    """The `.gitignore` files that apply to one folder, nearest last."""

    __slots__ = ("specs",)

    def __init__(self, specs: tuple[tuple[str, object], ...]) -> None:
        self.specs = specs

    def child(self, folder: str) -> _Ignore:
        # A `.gitignore` that cannot be read (none, a FIFO, over the limit) ignores nothing: git,
        # too, leaves out a pattern file it will not read.
        text = read_text(os.path.join(folder, ".gitignore"), MAX_GITIGNORE_BYTES)
        if isinstance(text, Unreadable):
            return self
        from promptls.gitignore import GitIgnore

        return _Ignore((*self.specs, (folder, GitIgnore(text.splitlines()))))

    def ignored(self, path: str, is_dir: bool) -> bool:
        result = False
        for base, spec in self.specs:
            rel = relative_to(path, base)
            verdict = spec.match(rel, is_dir)  # type: ignore[attr-defined]
            if verdict is not None:
                result = verdict
        return result


def relative_to(path: str, base: str) -> str:
    """`path` relative to `base`, by slicing when it lies below it (the walk's case: cheap)."""
    prefix = base.rstrip(os.sep) + os.sep
    rel = path[len(prefix) :] if path.startswith(prefix) else os.path.relpath(path, base)
    return rel.replace(os.sep, "/") if os.sep != "/" else rel


def walk(paths: Sequence[str], exclude: Sequence[str] = ()) -> Iterator[Found]:
    """Candidate prompt files, settings files and Claude Code plugin manifests below `paths`, in a
    stable order.

    A path named that is no folder is yielded as it is (explicit), whatever it is: reading it is
    where a FIFO or a socket is told apart from a file, and reported.
    """
    for given in paths:
        if not os.path.isdir(given):
            if os.path.lexists(given):
                yield Found(given, explicit=True)
            continue
        root = os.path.abspath(given)
        yield from _Walk(root, exclude).files(_parents_ignore(root))


def _parents_ignore(folder: str) -> _Ignore:
    """`.gitignore` files above `folder` up to the repository's top (the folder holding `.git`)."""
    chain: list[str] = []
    current = folder
    while True:
        chain.append(current)
        if os.path.exists(os.path.join(current, ".git")):
            break
        parent = os.path.dirname(current)
        if parent == current:
            chain = [folder]
            break
        current = parent
    ignore = _Ignore(())
    for path in reversed(chain[1:]):
        ignore = ignore.child(path)
    return ignore


class _Walk:
    """One walk below one folder: each folder is visited once, however many ways lead to it.

    Symlinked folders are followed after the real tree, and only into folders not visited yet (told
    by their device and inode): a link to an ancestor (`a -> .`) or two links to one folder add
    nothing, and a file reached both directly and through a link is found once, at its real path.
    """

    def __init__(self, root: str, exclude: Sequence[str]) -> None:
        self.root = root
        self.exclude = exclude
        self.visited: set[tuple[int, int]] = set()
        self.linked: deque[tuple[str, _Ignore]] = deque()
        """Symlinked folders met so far, with the `.gitignore` files above them."""

    def files(self, ignore: _Ignore) -> Iterator[Found]:
        yield from self._folder(self.root, ignore)
        while self.linked:
            yield from self._folder(*self.linked.popleft())

    def _folder(self, folder: str, ignore: _Ignore) -> Iterator[Found]:
        try:
            info = os.stat(folder)
        except OSError:
            return
        if (info.st_dev, info.st_ino) in self.visited:
            return
        self.visited.add((info.st_dev, info.st_ino))
        ignore = ignore.child(folder)
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError:
            return
        subdirs = []
        for entry in entries:
            name = entry.name
            try:
                is_dir = entry.is_dir()
            except OSError:
                continue
            if is_dir:
                if name in ALWAYS_SKIPPED or ignore.ignored(entry.path, True):
                    continue
                if entry.is_symlink():
                    self.linked.append((entry.path, ignore))
                else:
                    subdirs.append(entry.path)
                continue
            settings = name in SETTINGS_NAMES
            manifest = name in _MANIFEST_NAMES and os.path.basename(folder) == MANIFEST_FOLDER
            if not (settings or manifest or is_candidate(name)):
                continue
            # A FIFO, socket or device, or a symlink to nothing (an Emacs lock file `.#x.md`):
            # skipped, as git skips them (it stores a symlink as the link, never reading through it).
            # A settings file goes to the settings loader whatever it is: one that is there and
            # cannot be read is reported there, as when a prompt's settings are looked up.
            if not settings and not _is_file(entry):
                continue
            if ignore.specs and ignore.ignored(entry.path, False):
                continue
            if self.exclude:
                rel = os.path.relpath(entry.path, self.root).replace(os.sep, "/")
                if any(path_matches(glob, rel) for glob in self.exclude):
                    continue
            yield Found(entry.path, explicit=False)
        for sub in subdirs:
            yield from self._folder(sub, ignore)


def _is_file(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_file()
    except OSError:
        return False


BINARY_SNIFF = 8192
"""How much of a file is looked at for a NUL byte: a binary file found by the walk is no prompt."""


def load_prompt(
    path: str,
    *,
    explicit: bool = True,
    include: list[str] | None = None,
    root: str | None = None,
    dialects: DialectGlobs = (),
) -> PromptFile | Unreadable | None:
    """Parse a prompt file; None when it is binary or (with `include`, in a workspace walk)
    no prompt file at all, unless it was named explicitly; `Unreadable` (with the absolute
    path) when it cannot be read: no regular file, over `MAX_PROMPT_BYTES`, no permission.
    `dialects` is the project's `[dialects]` table (`SettingsView.dialect_globs`), anchored at `root`."""
    from promptls.router.prompts.frontmatter import decode, parse_prompt

    data = read_bytes(path, MAX_PROMPT_BYTES)
    # The dialect is read from the path (`.claude/agents/...`): never from the part typed.
    path = os.path.abspath(path)
    if isinstance(data, Unreadable):
        # A large markdown file that is no prompt (a changelog) is none of promptls's business.
        walked = include is not None and not explicit
        if walked and data.why is Why.TOO_LARGE and _no_prompt(path, data.head, include, root, dialects):
            return None
        return data._replace(path=path)
    if b"\0" in data[:BINARY_SNIFF] and not explicit:
        return None
    text, problem = decode(data, path)
    listed, plugin = plugin_dialect(path)
    if listed is not None:  # a plugin's manifest lists it: an agent, command or skill of the plugin
        dialect = listed
    elif include is not None:
        from promptls.router.prompts.detect import classify

        dialect = classify(path, text, include, root, plugin=plugin, dialects=dialects)
        if dialect is None and not explicit:
            return None
    else:
        from promptls.router.prompts.detect import dialect_from_globs, dialect_from_path

        dialect = dialect_from_globs(path, dialects, root) or dialect_from_path(path, plugin=plugin)
    prompt = parse_prompt(path, text, dialect, plugin=loading_root(path, listed, plugin))
    if problem is not None:
        prompt = prompt._replace(problems=(problem, *prompt.problems))
    return prompt


def _no_prompt(path: str, head: bytes, include: list[str], root: str | None, dialects: DialectGlobs) -> bool:
    """Does the start of a file show it is no prompt file (its path does not, nor its frontmatter)?"""
    from promptls.router.prompts.detect import classify

    text = head.decode("utf-8", "replace")
    return classify(path, text, include, root, plugin=plugin_root(path), dialects=dialects) is None


_MANIFEST_NAMES = frozenset({PLUGIN_FILE, MARKETPLACE_FILE})
"""Claude Code's plugin and marketplace manifests, in a `.claude-plugin` folder: a walk checks them
(`plugin_root` and `plugin_dialect`, in `promptls.plugin_places`, read them for the prompts' dialects)."""
