"""The lock file, `promptls.lock`: what every prompt of a project resolved to, and how it drifted since.

Aliases move under people's feet (Claude Code's `sonnet` has named several models over time), catalogs
update prices and retire models, and a settings edit can move many prompts at once. `promptls lock`
records, for each prompt, the model its layers resolved to (an alias pinned to the dated id it meant),
the fallback chain, the catalog's date and the prices used; `promptls check --locked` compares the
project with it and reports each difference as a finding at the prompt's line.

The lock records what the project shares (promptls.toml, pyproject.toml, the frontmatter, the
defaults): never a user's own settings, a git-ignored promptls.local.toml or the environment, which CI
does not have. The file is TOML in a stable order (prompts by path), one table per prompt, so a diff
of it reads as the list of prompts that moved.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import TYPE_CHECKING, Any, NamedTuple

from promptls.router.base.source import Span

if TYPE_CHECKING:
    from promptls.router.base.findings import Finding
    from promptls.router.models.catalog import Catalog
    from promptls.router.prompts.frontmatter import PromptFile
    from promptls.router.resolution.resolve import Resolution

LOCK_FILE = "promptls.lock"
LOCK_VERSION = 1
PRICE_TOLERANCE = 0.05
"""A price may move this much (a fraction of the locked one) before `check --locked` reports it:
catalogs round prices, and a cent on a million tokens is no news."""

_DATED = re.compile(r"-(\d{8})$")


class Locked(NamedTuple):
    """One prompt as the lock file records it."""

    path: str
    """Relative to the project's folder, `/`-separated."""
    dialect: str
    name: str
    written: str | None
    """The model value as the layer that decided wrote it (`sonnet`, `Claude Sonnet 4.5`)."""
    decided_by: str
    """That layer and where: `frontmatter model (line 4)`, `promptls.toml:12 [agents.rev] model`."""
    model: str | None
    pinned: str | None
    """The dated id the model was when locked (`anthropic/claude-sonnet-4-5-20250929`), if the catalog
    has one; else the model itself."""
    fallback: tuple[str, ...]
    input_price: float | None
    output_price: float | None
    retires: str | None
    """The catalog's deprecation date for the model, if any."""
    line: int = 0
    """Where the entry starts in the lock file (when read from one)."""


class LockFile(NamedTuple):
    catalog: str
    """The date of the catalog the lock was made with."""
    entries: dict[str, Locked]
    """By path."""


class LockError(ValueError):
    """A lock file promptls cannot read; `line` is where (1-based), 0 when unknown."""

    def __init__(self, message: str, line: int = 0) -> None:
        super().__init__(message)
        self.line = line


# --- making entries --------------------------------------------------------------------------


def locked_entry(resolution: Resolution, catalog: Catalog, rel_path: str) -> Locked:
    """What the lock records for one prompt, from its resolution (made from the shared layers)."""
    model = str(resolution.model) if resolution.model is not None else None
    written, decided_by = _decider(resolution, rel_path)
    info = resolution.info
    return Locked(
        path=rel_path,
        dialect=resolution.prompt.dialect.value,
        name=resolution.prompt.name,
        written=written,
        decided_by=decided_by,
        model=model,
        pinned=pin(model, catalog) if model else None,
        fallback=tuple(str(f.model) if f.model else f.raw for f in resolution.fallback),
        input_price=info.input_price if info else None,
        output_price=info.output_price if info else None,
        retires=info.deprecation_date if info else None,
    )


def _decider(resolution: Resolution, rel_path: str) -> tuple[str | None, str]:
    from promptls.router.settings.layers import Layer

    for candidate in resolution.steps.get("model", ()):
        if not candidate.chosen:
            continue
        value = candidate.value if isinstance(candidate.value, str) else json.dumps(candidate.value)
        source = candidate.source
        if source.layer is Layer.FRONTMATTER:
            line = f" (line {source.span.line})" if source.span else ""
            return value, f"frontmatter {source.label}{line}"
        return value, f"{source.location(_root_of(resolution))} {source.label}".strip()
    return None, "nothing: no layer names a model"


def _root_of(resolution: Resolution) -> str | None:
    return resolution.settings.root


def pin(model_id: str, catalog: Catalog) -> str:
    """The dated snapshot an undated id stands for today: the newest `<id>-YYYYMMDD` the catalog
    has, or the id itself (already dated, or no snapshot known)."""
    if _DATED.search(model_id):
        return model_id
    prefix = model_id.lower() + "-"
    provider = model_id.split("/", 1)[0]
    dated = [
        other
        for other in catalog.ids(provider)
        if other.lower().startswith(prefix) and _DATED.fullmatch("-" + other[len(prefix) :])
    ]
    return max(dated, key=lambda other: other[-8:]) if dated else model_id


# --- the file ----------------------------------------------------------------------------------


def render(entries: Iterable[Locked], catalog: Catalog) -> str:
    """The lock file's text: a header, then one `[[prompt]]` table per prompt, by path."""
    out = [
        "# promptls.lock: the model each prompt of this project resolves to. Written by `promptls lock`,",
        "# checked by `promptls check --locked`; `promptls lock --upgrade` accepts what changed. Commit it.",
        f"version = {LOCK_VERSION}",
        f"catalog = {_toml(catalog.generated or 'unknown')}",
    ]
    for entry in sorted(entries, key=lambda e: e.path):
        out += ["", "[[prompt]]"]
        for key, value in _fields(entry):
            if value is not None:
                out.append(f"{key} = {_toml(value)}")
    return "\n".join(out) + "\n"


def _fields(entry: Locked) -> list[tuple[str, Any]]:
    return [
        ("path", entry.path),
        ("dialect", entry.dialect),
        ("name", entry.name),
        ("written", entry.written),
        ("decided_by", entry.decided_by),
        ("model", entry.model),
        ("pinned", entry.pinned if entry.pinned != entry.model else None),
        ("fallback", list(entry.fallback)),
        ("input_price", entry.input_price),
        ("output_price", entry.output_price),
        ("retires", entry.retires),
    ]


def _toml(value: Any) -> str:
    """A TOML value: JSON's string escapes are TOML's basic-string escapes, and numbers agree."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(float(value)) if isinstance(value, float) else str(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return json.dumps(str(value), ensure_ascii=False)


def parse(text: str) -> LockFile:
    """Read a lock file (raises `LockError`, with the line, for one promptls cannot use)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = int(m.group(1)) if (m := re.search(r"line (\d+)", str(exc))) else 0
        raise LockError(f"not valid TOML: {exc}", line) from None
    version = data.get("version")
    if version != LOCK_VERSION:
        raise LockError(f"lock file version {version!r}; this promptls reads version {LOCK_VERSION}", 1)
    starts = [i + 1 for i, line in enumerate(text.splitlines()) if line.strip() == "[[prompt]]"]
    entries: dict[str, Locked] = {}
    rows = data.get("prompt", [])
    if not isinstance(rows, list):
        raise LockError("`prompt` must be a list of [[prompt]] tables", 1)
    for index, row in enumerate(rows):
        line = starts[index] if index < len(starts) else 0
        entry = _entry(row, line)
        entries[entry.path] = entry
    return LockFile(str(data.get("catalog", "")), entries)


def _entry(row: Mapping[str, Any], line: int) -> Locked:
    if not isinstance(row, Mapping) or not isinstance(row.get("path"), str):
        raise LockError("a [[prompt]] table without a `path`", line)

    def text(key: str) -> str | None:
        value = row.get(key)
        return value if isinstance(value, str) else None

    def number(key: str) -> float | None:
        value = row.get(key)
        return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None

    fallback = row.get("fallback", [])
    model = text("model")
    return Locked(
        path=row["path"],
        dialect=text("dialect") or "",
        name=text("name") or "",
        written=text("written"),
        decided_by=text("decided_by") or "",
        model=model,
        pinned=text("pinned") or model,
        fallback=tuple(str(f) for f in fallback) if isinstance(fallback, list) else (),
        input_price=number("input_price"),
        output_price=number("output_price"),
        retires=text("retires"),
        line=line,
    )


# --- drift -------------------------------------------------------------------------------------


class Drift(StrEnum):
    MODEL = "model"
    FALLBACK = "fallback"
    RETIRES = "retires"
    PRICE = "price"


class Difference(NamedTuple):
    kind: Drift
    message: str


def differences(locked: Locked, now: Locked, catalog_date: str = "") -> list[Difference]:
    """How a prompt's resolution now differs from its lock entry; empty when it does not."""
    found: list[Difference] = []
    upgrade = "`promptls lock --upgrade` accepts it"
    if now.model != locked.model or (now.pinned or now.model) != (locked.pinned or locked.model):
        was = _shown_model(locked)
        if now.written == locked.written and now.decided_by == locked.decided_by and now.written:
            why = f"`{now.written}` now names `{now.model}`"
            if now.model == locked.model:
                why = f"`{now.model}` now means the snapshot `{now.pinned}`"
            why += f" (catalog {catalog_date})" if catalog_date else ""
        else:
            why = f"now decided by {now.decided_by}" + (f" (`{now.written}`)" if now.written else "")
        found.append(Difference(Drift.MODEL, f"resolves to `{now.model}`, locked to {was}: {why}; {upgrade}"))
    if now.fallback != locked.fallback:
        locked_chain = " → ".join(locked.fallback) or "none"
        now_chain = " → ".join(now.fallback) or "none"
        found.append(
            Difference(Drift.FALLBACK, f"fallback chain is {now_chain}, locked as {locked_chain}; {upgrade}")
        )
    if now.model == locked.model and now.retires != locked.retires and now.retires:
        found.append(
            Difference(
                Drift.RETIRES,
                f"the catalog now retires `{now.model}` on {now.retires}"
                + (f" (locked with {locked.retires})" if locked.retires else "")
                + f"; move the prompt to another model, then {upgrade}",
            )
        )
    if now.model == locked.model:
        moved = [
            f"{what} ${before:g} → ${after:g} per 1M tokens"
            for what, before, after in (
                ("input", locked.input_price, now.input_price),
                ("output", locked.output_price, now.output_price),
            )
            if _price_moved(before, after)
        ]
        if moved:
            found.append(
                Difference(Drift.PRICE, f"`{now.model}` price changed: {', '.join(moved)}; {upgrade}")
            )
    return found


def _shown_model(entry: Locked) -> str:
    if entry.pinned and entry.pinned != entry.model:
        return f"`{entry.model}` (`{entry.pinned}`)"
    return f"`{entry.model}`"


def _price_moved(before: float | None, after: float | None) -> bool:
    if before is None or after is None:
        return (before is None) != (after is None)
    if before == 0:
        return after != 0
    return abs(after - before) / before > PRICE_TOLERANCE


# --- findings ----------------------------------------------------------------------------------


def lock_findings(
    prompt: PromptFile, now: Locked, lock: LockFile | None, lock_path: str, catalog_date: str = ""
) -> list[Finding]:
    """The findings `check --locked` reports for one prompt: its drift from the lock, or its absence.
    `catalog_date` is the date of the catalog the prompt was resolved with now."""
    from promptls.router.rules.lock import NotLocked, rule_for

    span = _model_span(prompt)
    locked = lock.entries.get(now.path) if lock else None
    if locked is None:
        return [
            NotLocked.finding(
                prompt.path,
                span,
                f"{now.path} is not in {lock_path}: run `promptls lock` to add it",
            )
        ]
    return [
        rule_for(diff.kind).finding(prompt.path, span, diff.message)
        for diff in differences(locked, now, catalog_date)
    ]


def stale_findings(lock: LockFile, lock_path: str, lock_text: str, seen: set[str]) -> list[Finding]:
    """Lock entries for prompts the project no longer has, at their line in the lock file."""
    from promptls.router.base.source import LineIndex
    from promptls.router.rules.lock import StaleLockEntry

    lines = LineIndex(lock_text)
    found = []
    for path, entry in sorted(lock.entries.items()):
        if path in seen:
            continue
        start = lines.line_start(max(entry.line - 1, 0))
        span = lines.span(start, start + len("[[prompt]]"))
        found.append(
            StaleLockEntry.finding(
                lock_path, span, f"{path} is locked but is no prompt of the project now: run `promptls lock`"
            )
        )
    return found


def invalid_lock_finding(lock_path: str, lock_text: str, error: LockError) -> Finding:
    from promptls.router.base.source import LineIndex
    from promptls.router.rules.lock import InvalidLockFile

    lines = LineIndex(lock_text)
    start = lines.line_start(max(error.line - 1, 0)) if error.line else 0
    return InvalidLockFile.finding(lock_path, lines.span(start, start), f"{LOCK_FILE}: {error}")


def _model_span(prompt: PromptFile) -> Span:
    entry = prompt.get("model")
    if entry is not None:
        return entry.value_span
    return prompt.lines.span(0, 0)
