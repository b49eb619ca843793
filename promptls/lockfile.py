"""The lock file on disk: which prompts a project has, what they resolve to from its shared settings,
and the findings of `check --locked`. The pure parts (entries, the file's text, drift) are in
`router/resolution/lock.py`; this module walks, reads and writes."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, NamedTuple

from promptls.router.resolution.lock import LOCK_FILE

if TYPE_CHECKING:
    from promptls.router.base.findings import Finding
    from promptls.router.models.catalog import Catalog
    from promptls.router.prompts.frontmatter import PromptFile
    from promptls.router.resolution.lock import Locked, LockFile


class Written(NamedTuple):
    path: str
    added: tuple[str, ...]
    removed: tuple[str, ...]
    updated: tuple[str, ...]
    """Entries that changed (`--upgrade`)."""
    held: tuple[str, ...]
    """Entries that drifted but were kept as locked (no `--upgrade`)."""


def lock_path(root: str) -> str:
    return os.path.join(root, LOCK_FILE)


def project_prompts(root: str, catalog: Catalog, only: Sequence[str] = ()) -> list[tuple[PromptFile, Locked]]:
    """Every prompt of the project at `root` (or of the `only` files and folders in it), with what the
    lock would record for it: resolved from the shared settings, as CI resolves it."""
    from promptls.router.base.reading import Unreadable
    from promptls.router.prompts.detect import SETTINGS_NAMES, excluded
    from promptls.router.resolution.lock import locked_entry
    from promptls.router.resolution.resolve import Overrides, resolve
    from promptls.router.settings import SettingsLoader
    from promptls.workspace import load_prompt, walk

    loader = SettingsLoader(shared_only=True)
    overrides = Overrides(env={})
    found: list[tuple[PromptFile, Locked]] = []
    for item in walk(list(only) or [root]):
        path = os.path.abspath(item.path)
        if os.path.basename(path) in SETTINGS_NAMES or os.path.basename(path) == LOCK_FILE:
            continue
        settings = loader.for_prompt(path)
        check = settings.view.check
        if not item.explicit and excluded(path, check.value("exclude", ()), settings.root):
            continue
        prompt = load_prompt(
            path,
            explicit=False,
            include=list(check.value("include", ())),
            root=settings.root,
            dialects=settings.view.dialect_globs,
        )
        if prompt is None or isinstance(prompt, Unreadable) or not _under(path, root):
            continue
        rel = os.path.relpath(path, root).replace(os.sep, "/")
        found.append((prompt, locked_entry(resolve(prompt, settings, catalog, overrides), catalog, rel)))
    return found


def _under(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def read_lock(root: str) -> tuple[LockFile | None, str]:
    """The project's lock file and its text: (None, "") when there is none; raises `LockError` for one
    that cannot be read or used."""
    from promptls.router.base.reading import MIB, Unreadable, Why, read_text
    from promptls.router.resolution.lock import LockError, parse

    text = read_text(lock_path(root), 16 * MIB)
    if isinstance(text, Unreadable):
        if text.why is Why.MISSING:
            return None, ""
        raise LockError(text.reason)
    return parse(text), text


def write_lock(root: str, catalog: Catalog, upgrade: bool) -> Written:
    """Write the lock file: new prompts added, gone ones dropped; a prompt that drifted keeps its
    locked entry unless `upgrade` (then every entry is as the project resolves now)."""
    from promptls.router.resolution.lock import LockError, differences, render

    try:
        lock, _ = read_lock(root)
    except LockError:
        if not upgrade:
            raise
        lock = None  # `--upgrade` writes a lock file that cannot be read anew
    old = lock.entries if lock else {}
    now = {entry.path: entry for _, entry in project_prompts(root, catalog)}
    entries, updated, held = [], [], []
    for path, entry in now.items():
        before = old.get(path)
        if before is None:
            entries.append(entry)
        elif differences(before, entry):
            (updated if upgrade else held).append(path)
            entries.append(entry if upgrade else before._replace(line=0))
        else:
            entries.append(entry if upgrade else before._replace(line=0))
    added = tuple(sorted(set(now) - set(old)))
    removed = tuple(sorted(set(old) - set(now)))
    text = render(entries, catalog)
    target = lock_path(root)
    from promptls.cli.fixing import replace_file

    if os.path.exists(target):
        replace_file(os.path.realpath(target), text.encode("utf-8"))
    else:
        with open(target, "w", encoding="utf-8", newline="\n") as out:
            out.write(text)
    return Written(target, added, removed, tuple(sorted(updated)), tuple(sorted(held)))


def locked_findings(root: str, catalog: Catalog, only: Sequence[str] = ()) -> list[Finding]:
    """`check --locked`: each prompt's drift from the lock, prompts the lock lacks and, when the whole
    project is checked, entries for prompts it no longer has. Raises `FileNotFoundError` when the
    project has no lock file."""
    from promptls.router.resolution.lock import LockError, invalid_lock_finding, lock_findings, stale_findings

    target = lock_path(root)
    try:
        lock, text = read_lock(root)
    except LockError as exc:
        from promptls.router.base.reading import MIB, Unreadable, read_text

        raw = read_text(target, 16 * MIB)
        return [invalid_lock_finding(target, "" if isinstance(raw, Unreadable) else raw, exc)]
    if lock is None:
        raise FileNotFoundError(target)
    findings: list[Finding] = []
    prompts = project_prompts(root, catalog, only)
    for prompt, entry in prompts:
        findings.extend(lock_findings(prompt, entry, lock, LOCK_FILE, catalog.generated))
    whole = not only or any(os.path.abspath(p) == root for p in only)
    if whole:
        findings.extend(stale_findings(lock, target, text, {entry.path for _, entry in prompts}))
    return findings


def lock_status(
    prompt_path: str, root: str | None, catalog: Catalog, prompt: PromptFile | None = None
) -> str | None:
    """For `resolve` and the hover: how the prompt stands against its project's lock file, in one line;
    None when the project has no lock file. `prompt` is the text to judge (an editor's buffer); by
    default the file on disk."""
    from promptls.router.resolution.lock import LockError, differences, locked_entry
    from promptls.router.resolution.resolve import Overrides, resolve
    from promptls.router.settings import SettingsLoader

    if root is None:
        return None
    try:
        lock, _ = read_lock(root)
    except LockError as exc:
        return f"{LOCK_FILE} cannot be read: {exc}"
    if lock is None:
        return None
    path = os.path.abspath(prompt_path)
    if prompt is None:
        entries = project_prompts(root, catalog, [path])
        if not entries:
            return None
        _, now = entries[0]
    else:
        settings = SettingsLoader(shared_only=True).for_prompt(path)
        rel = os.path.relpath(path, root).replace(os.sep, "/")
        now = locked_entry(resolve(prompt, settings, catalog, Overrides(env={})), catalog, rel)
    locked = lock.entries.get(now.path)
    if locked is None:
        return f"not in {LOCK_FILE}: `promptls lock` adds it"
    diffs = differences(locked, now, catalog.generated)
    if not diffs:
        return f"as locked in {LOCK_FILE}"
    return f"differs from {LOCK_FILE}: " + "; ".join(d.message for d in diffs)
