"""`promptls models pull|rm|load|unload MODEL`: get, remove, load and free an Ollama model.

pull   checks first that the download fits on the disk where Ollama keeps models and that the model
       will fit in memory (router/models/fit.py; `--force` goes on anyway), then streams Ollama's
       progress: a progress bar on a terminal (rich: bytes, speed, time left), plain lines otherwise.
       Ctrl-C closes the connection, which stops the download; what is left is said (Ollama keeps
       the parts it has: pulling again resumes). A download larger than the free disk, once Ollama
       says how large it is, is cancelled.
rm     refuses while a prompt of the project resolves to the model (its model or a fallback), listing
       each as file:line; `--force` removes it anyway.
load   keeps the model in memory for `--keep-alive` (Ollama's keep_alive); unload frees it now.
pull and rm forget the cached list and that model's details (adapters/model_cache.py).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from promptls.cli import EXIT_FINDINGS, EXIT_OK, UsageError
from promptls.cli.style import Painter, painter_for, printable

if TYPE_CHECKING:
    from promptls.adapters.discovery.ollama import PullProgress
    from promptls.cli.models_targets import Target
    from promptls.cli.session import Session
    from promptls.router.settings.discover import ProjectSettings

EXIT_INTERRUPTED = 130
DEADLINE = 30.0
"""Seconds for Ollama to answer a delete, a load or the start of a pull."""


def run(command: str, session: Session, settings: ProjectSettings, args: argparse.Namespace) -> int:
    from promptls.cli.models_live import split_model
    from promptls.cli.models_targets import targets

    if len(args.query) != 1:
        raise UsageError(
            f"usage: promptls models {command} MODEL (e.g. promptls models {command} ollama/llama3.2:3b)"
        )
    provider, name = split_model(args.query[0], settings)
    target = targets(settings, session.catalog, session.env, (provider,))[0]
    if target.endpoint is None or target.endpoint.kind != "ollama":
        raise UsageError(
            f"promptls can {command} only Ollama models (ollama/NAME); {provider} manages its own models"
        )
    paint = painter_for(sys.stdout, args.color)
    handler = {"pull": _pull, "rm": _rm, "load": _load, "unload": _unload}[command]
    return handler(session, settings, target, name, args, paint)


# ---- pull -----------------------------------------------------------------------------------------


def _pull(
    session: Session,
    settings: ProjectSettings,
    target: Target,
    name: str,
    args: argparse.Namespace,
    paint: Painter,
) -> int:
    from promptls.adapters.discovery.http import DiscoveryError
    from promptls.adapters.discovery.ollama import pull
    from promptls.cli.models_live import open_cache

    model_id = f"{target.provider}/{name}"
    local = _is_local(target)
    refusal = _precheck(session, settings, target, name, local)
    if refusal and not args.force:
        print(f"promptls models pull: {refusal}\nAdd --force to pull it anyway.", file=sys.stderr)
        return EXIT_FINDINGS
    if refusal:
        print(paint("warning:", "yellow") + f" {refusal} (--force: pulling anyway)", file=sys.stderr)
    cache = open_cache(session)
    assert target.endpoint is not None
    progress = Progress.for_terminal(sys.stdout) if sys.stdout.isatty() else PlainProgress(sys.stdout)
    disk = _disk_limit(session) if local else None
    lines = pull(target.endpoint, name, DEADLINE)
    try:
        with progress:
            for line in lines:
                progress.update(line)
                if disk is not None and progress.remaining() > disk:
                    raise _TooBig(progress.total(), disk)
    except KeyboardInterrupt:
        lines.close()  # closes the connection: Ollama stops downloading
        print(
            f"\ncancelled: {progress.summary()}; Ollama keeps what it downloaded, and "
            f"`promptls models pull {model_id}` resumes",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED
    except _TooBig as too_big:
        lines.close()
        from promptls.router.models.fit import gb

        print(
            f"promptls models pull: {model_id} is {gb(too_big.total)} and only {gb(too_big.free)} is free "
            f"on the disk where Ollama keeps models: cancelled after {progress.summary()}",
            file=sys.stderr,
        )
        return EXIT_FINDINGS
    except DiscoveryError as error:
        print(f"promptls models pull: {printable(error.message)} ({progress.summary()})", file=sys.stderr)
        return EXIT_FINDINGS
    finally:
        lines.close()
        cache.invalidate(target.provider, target.where, name)
    print(f"{paint('✓', 'green')} pulled {printable(model_id)} ({progress.summary()})")
    return EXIT_OK


class _TooBig(Exception):
    def __init__(self, total: int, free: int) -> None:
        super().__init__()
        self.total = total
        self.free = free


def _is_local(target: Target) -> bool:
    from urllib.parse import urlsplit

    host = (
        urlsplit(target.where if "://" in target.where else f"http://{target.where}").hostname or ""
    ).lower()
    return host in ("127.0.0.1", "localhost", "::1", "0.0.0.0") or host.startswith("127.")


def _disk_limit(session: Session) -> int:
    from promptls.adapters.resources import free_disk, ollama_models_folder

    return free_disk(ollama_models_folder(session.env))


def _precheck(
    session: Session, settings: ProjectSettings, target: Target, name: str, local: bool
) -> str | None:
    """Why the pull should not start (the download will not fit on the disk, the model will not fit
    in memory), from the size its name says; None when it fits, or when its size is unknown."""
    if not local:
        return None  # the disk and memory that matter are another machine's
    from promptls.adapters.resources import ollama_models_folder, read_resources
    from promptls.router.models.fit import describe, estimate, facts_from_name, gb

    context = num_ctx(settings, target.provider, name)
    needed = estimate(facts_from_name(name), context)
    if needed is None:
        return None
    free = _disk_limit(session)
    if needed.weights > free:
        folder = ollama_models_folder(session.env)
        return (
            f"{target.provider}/{name} is ~{gb(needed.weights)} to download and only {gb(free)} is free on "
            f"the disk of {folder} (OLLAMA_MODELS moves it)"
        )
    resources = read_resources()
    if needed.total > resources.free_for_model:
        free = resources.free_for_model
        return (
            f"{target.provider}/{name} will not fit in memory: it {describe(needed, free)} "
            f"({resources.describe()})"
        )
    return None


def num_ctx(settings: ProjectSettings, provider: str, name: str) -> int:
    """The context a run will give the model: the settings' `num_ctx`, else Ollama's default."""
    from promptls.cli.models_live import OLLAMA_DEFAULT_NUM_CTX
    from promptls.router.models.modelid import ModelId
    from promptls.router.resolution.resolve import sdk_options

    value = sdk_options(ModelId(provider, name), settings).get("num_ctx")
    return value if isinstance(value, int) and value > 0 else OLLAMA_DEFAULT_NUM_CTX


class PlainProgress:
    """Progress as lines (a pipe, a log): each status once, and each layer at every quarter."""

    def __init__(self, stream: Any) -> None:
        self.stream = stream
        self.layers: dict[str, tuple[int, int]] = {}
        self._said: set[str] = set()

    def __enter__(self) -> PlainProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def update(self, line: PullProgress) -> None:
        from promptls.router.models.fit import gb

        if line.digest and line.total:
            self.layers[line.digest] = (line.completed or 0, line.total)
            quarter = 4 * (line.completed or 0) // line.total
            key = f"{line.digest}:{quarter}"
            if key not in self._said:
                self._said.add(key)
                self._print(f"{line.status}: {25 * quarter}% of {gb(line.total)}")
        elif line.status not in self._said:
            self._said.add(line.status)
            self._print(line.status)

    def _print(self, text: str) -> None:
        print(printable(text), file=self.stream, flush=True)

    def total(self) -> int:
        return sum(total for _, total in self.layers.values())

    def remaining(self) -> int:
        return sum(total - done for done, total in self.layers.values())

    def summary(self) -> str:
        from promptls.router.models.fit import gb

        done = sum(done for done, _ in self.layers.values())
        if not self.layers:
            return "nothing downloaded"
        return f"{gb(done)} of {gb(self.total())} downloaded"


class Progress(PlainProgress):
    """A rich progress bar per layer: bytes, speed and time left."""

    def __init__(self, stream: Any) -> None:
        super().__init__(stream)
        self._bar: Any = None
        self._tasks: dict[str, Any] = {}
        self._status: Any = None

    @classmethod
    def for_terminal(cls, stream: Any) -> Progress:
        return cls(stream)

    def __enter__(self) -> Progress:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            DownloadColumn,
            TextColumn,
            TimeRemainingColumn,
            TransferSpeedColumn,
        )
        from rich.progress import Progress as Bar

        console = Console(file=self.stream)
        self._bar = Bar(
            TextColumn("{task.description}"),
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            TimeRemainingColumn(),
            console=console,
            transient=False,
        )
        self._bar.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._bar.__exit__(None, None, None)

    def update(self, line: PullProgress) -> None:
        if line.digest and line.total:
            self.layers[line.digest] = (line.completed or 0, line.total)
            task = self._tasks.get(line.digest)
            if task is None:
                task = self._tasks[line.digest] = self._bar.add_task(printable(line.status), total=line.total)
            self._bar.update(task, completed=line.completed or 0)
        elif line.status and line.status not in self._said:
            self._said.add(line.status)
            self._bar.console.print(printable(line.status))


# ---- rm -------------------------------------------------------------------------------------------


def _rm(
    session: Session,
    settings: ProjectSettings,
    target: Target,
    name: str,
    args: argparse.Namespace,
    paint: Painter,
) -> int:
    from promptls.adapters.discovery.http import DiscoveryError
    from promptls.adapters.discovery.ollama import delete
    from promptls.cli.models_live import open_cache

    model_id = f"{target.provider}/{name}"
    users = list(users_of(session, settings, model_id))
    if users and not args.force:
        listed = "\n".join(f"  {where}" for where in users)
        print(
            f"promptls models rm: {len(users)} prompt(s) of this project run on {model_id}:\n{listed}\n"
            "Change them first, or add --force to remove it anyway.",
            file=sys.stderr,
        )
        return EXIT_FINDINGS
    assert target.endpoint is not None
    try:
        delete(target.endpoint, name, DEADLINE)
    except DiscoveryError as error:
        print(f"promptls models rm: {printable(error.message)}", file=sys.stderr)
        return EXIT_FINDINGS
    finally:
        open_cache(session).invalidate(target.provider, target.where, name)
    if users:
        print(paint("warning:", "yellow") + f" {len(users)} prompt(s) still name {model_id}", file=sys.stderr)
    print(f"{paint('✓', 'green')} removed {printable(model_id)}")
    return EXIT_OK


def users_of(session: Session, settings: ProjectSettings, model_id: str) -> Iterator[str]:
    """`file:line (model|fallback)` for each prompt of the project that resolves to `model_id` (as its
    model or in its fallback chain); the line is where that choice is written."""
    from promptls.router.base.reading import Unreadable
    from promptls.router.resolution.resolve import resolve
    from promptls.workspace import load_prompt, walk

    root = settings.root
    wanted = {model_id, model_id.removesuffix(":latest")}
    if ":" not in model_id.partition("/")[2]:
        wanted.add(f"{model_id}:latest")
    for found in walk([root]):
        project = session.loader.for_prompt(found.path)
        prompt = load_prompt(
            found.path,
            explicit=False,
            include=list(project.view.check.value("include", ())),
            root=project.root,
            dialects=project.view.dialect_globs,
        )
        if prompt is None or isinstance(prompt, Unreadable):
            continue
        resolution = resolve(prompt, project, session.catalog)
        if resolution.model is not None and str(resolution.model) in wanted:
            candidate = resolution.model_candidate
            where = candidate.source.location(root) if candidate else _relative(prompt.path, root)
            yield f"{where}  {_relative(prompt.path, root)} (model)"
            continue
        for entry in resolution.fallback:
            if entry.model is not None and str(entry.model) in wanted:
                yield f"{entry.source.location(root)}  {_relative(prompt.path, root)} (fallback)"
                break


def _relative(path: str, root: str) -> str:
    import os

    return os.path.relpath(path, root)


# ---- load / unload ------------------------------------------------------------------------------------


def _load(
    session: Session,
    settings: ProjectSettings,
    target: Target,
    name: str,
    args: argparse.Namespace,
    paint: Painter,
) -> int:
    from promptls.adapters.discovery.http import DiscoveryError
    from promptls.adapters.discovery.ollama import load

    keep_alive: str | float = args.keep_alive
    if isinstance(keep_alive, str) and keep_alive.lstrip("-").isdigit():
        keep_alive = int(keep_alive)  # seconds, as Ollama reads a number
    assert target.endpoint is not None
    try:
        load(target.endpoint, name, DEADLINE, keep_alive=keep_alive)
    except DiscoveryError as error:
        print(f"promptls models load: {printable(error.message)}", file=sys.stderr)
        return EXIT_FINDINGS
    model_id = printable(f"{target.provider}/{name}")
    print(f"{paint('✓', 'green')} loaded {model_id} (keep_alive {args.keep_alive})")
    return EXIT_OK


def _unload(
    session: Session,
    settings: ProjectSettings,
    target: Target,
    name: str,
    args: argparse.Namespace,
    paint: Painter,
) -> int:
    from promptls.adapters.discovery.http import DiscoveryError
    from promptls.adapters.discovery.ollama import unload

    assert target.endpoint is not None
    try:
        unload(target.endpoint, name, DEADLINE)
    except DiscoveryError as error:
        print(f"promptls models unload: {printable(error.message)}", file=sys.stderr)
        return EXIT_FINDINGS
    print(f"{paint('✓', 'green')} unloaded {printable(target.provider)}/{printable(name)}")
    return EXIT_OK
