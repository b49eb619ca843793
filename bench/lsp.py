"""How fast `promptls serve` answers while you type, and how much memory it holds, over real stdio.

Drives the real server (`python -m promptls serve`) with pygls's own `LanguageClient` and measures:

- didChange → publishDiagnostics on a generated 5,000-line prompt with a 100-key frontmatter
  (`prompts/big.md`), one character edited per change, alternately in the frontmatter and the body;
- hover on the `model` value, completion right after `model: ` and completion at a key position;
- the server's RSS (`VmRSS` in /proc/PID/status) once 1,000 small prompts of every dialect are open
  and their diagnostics published;
- the start-up time: process spawn → initialize response.

The same figures are taken from yaml-language-server as a reference, on a `.yaml` copy of each file
(see `yaml_copy`), installed with npm into a cache folder outside the repository.

    python bench/lsp.py [--iterations 200] [--skip-reference] [--profile FILE]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.lsp.client import LanguageClient
from pygls.protocol import LanguageServerProtocol
from workspace import WORDS
from workspace import generate as generate_workspace

GOAL_DIAGNOSTICS_MS = 10.0
GOAL_REQUEST_MS = 5.0
GOAL_RSS_MB = 80.0

YLS_PACKAGE = "yaml-language-server@1.25.0"
"""Pinned so reference figures compare across runs; 2.x wants node ≥ 22.13."""
YLS_DEBOUNCE_MS = 200.0
"""yaml-language-server waits `validationDelayMs` (200 ms, not configurable) before validating."""

BODY_LINES = 5_000
FRONTMATTER_KEYS = 100
WORKSPACE_FILES = 1_000
TIMEOUT = 60.0

ABORTING = False
"""Set by SIGTERM: the client's reader is being cancelled too, so no shutdown could be answered."""
SPAWNED: list[asyncio.subprocess.Process] = []
"""Server processes; any not yet reaped is killed on the way out, whatever happened."""


# --- the files ----------------------------------------------------------------------------------------

KNOWN = (
    "name: big-prompt",
    "title: A very large prompt",
    "description: Reviews a change set in depth and writes a report",
    "version: 1.4",
    "author: bench",
    "tags: [review, quality, bench]",
    "tools: [search, fetch]",
    "variables: {input: '', audience: developers}",
    "temperature: 0.2",
    "top_p: 0.9",
    "top_k: 40",
    "max_tokens: 1200",
    "expected_output_tokens: 600",
    "stop: [END]",
    "seed: 7",
    "presence_penalty: 0.1",
    "frequency_penalty: 0.1",
    "reasoning_effort: medium",
    "model_fallback: false",
    "fallback: [anthropic/claude-haiku-4-5, ollama/llama3.2]",
)
TYPOS = ("temprature: 0.3", "max_token: 100", "top-p: 0.5", "descripton: typo", "reasoning: high")


def big_prompt(seed: int = 11) -> tuple[list[str], list[str]]:
    """(frontmatter lines, body lines): `model` first, known keys, typos and unknown keys."""
    rng = random.Random(seed)
    keys = ["model: openai/gpt-4o", *KNOWN, *TYPOS]
    i = 0
    while len(keys) < FRONTMATTER_KEYS:
        i += 1
        kind = i % 4
        if kind == 0:
            keys.append(f"meta_{i:02d}: note number {i} for the {rng.choice(WORDS)} team a")
        elif kind == 1:
            keys.append(f"owner_{i:02d}: {rng.choice(WORDS)}-{i}")
        elif kind == 2:
            keys.append(f"limit_{i:02d}: {i * 10}")
        else:
            keys.append(f"labels_{i:02d}: [{rng.choice(WORDS)}, {rng.choice(WORDS)}]")
    body: list[str] = []
    for n in range(BODY_LINES):
        if n % 50 == 0:
            body.append(f"## Part {n // 50 + 1}")
        elif n % 50 == 49:
            body.append("")
        elif n % 50 == 25:
            body.append("Use the input: {{input}} and write for {{audience}}.")
        else:
            body.append(" ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 16))).capitalize() + ".")
    return keys, body


def markdown_text(frontmatter: list[str], body: list[str]) -> str:
    return "---\n" + "".join(f"{k}\n" for k in frontmatter) + "---\n" + "".join(f"{b}\n" for b in body)


def yaml_copy(markdown: str) -> str:
    """The prompt as one YAML document: `---`, the frontmatter keys, then `body: |` + the body indented.

    The closing `---` becomes `body: |`, so every line keeps its number (body columns shift by 2).
    """
    if not markdown.startswith("---\n"):
        return "body: |\n" + _indented(markdown)
    end = markdown.find("\n---\n", 3)
    keys, body = markdown[4 : end + 1], markdown[end + 5 :]
    return "---\n" + keys + "body: |\n" + _indented(body)


def _indented(text: str) -> str:
    return "".join(f"  {line}\n" if line else "\n" for line in text.splitlines())


def json_schema() -> dict[str, Any]:
    """A JSON schema of the generic dialect's keys (from `router.prompts.keyspec`) with every catalog id.

    yaml-language-server validates, hovers and completes from it: the same knowledge promptls uses.
    """
    from promptls.router.models.catalog import load_catalog
    from promptls.router.prompts.dialects import Dialect
    from promptls.router.prompts.keyspec import Kind, keys_for

    models = {"type": "string", "enum": ["default", *load_catalog().ids()]}
    kinds: dict[Kind, dict[str, Any]] = {
        Kind.STRING: {"type": "string"},
        Kind.BOOLEAN: {"type": "boolean"},
        Kind.INTEGER: {"type": "integer"},
        Kind.NUMBER: {"type": "number"},
        Kind.STRINGS: {"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]},
        Kind.STRING_LIST: {"type": "array", "items": {"type": "string"}},
        Kind.MAPPING: {"type": "object"},
        Kind.ANY: {},
        Kind.MODEL: models,
        Kind.MODELS: {"anyOf": [models, {"type": "array", "items": models}]},
        Kind.MODEL_LIST: {"type": "array", "items": models},
    }
    properties: dict[str, Any] = {}
    for spec in keys_for(Dialect.GENERIC).values():
        prop = {**kinds.get(spec.kind, {}), "description": spec.doc}
        if spec.allowed:
            prop["enum"] = list(spec.allowed)
        if spec.minimum is not None:
            prop["minimum"] = spec.minimum
        if spec.maximum is not None:
            prop["maximum"] = spec.maximum
        properties[spec.name] = prop
    properties["body"] = {"type": "string", "description": "The prompt body."}
    return {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "type": "object",
        "properties": properties,
        "additionalProperties": False,
    }


# --- the client ---------------------------------------------------------------------------------------


async def within(seconds: float, awaitable: Awaitable[Any]) -> Any:
    """`awaitable`'s result, or TimeoutError after `seconds`.

    Unlike `asyncio.wait_for` on Python 3.11, never swallows a cancellation that arrives just as
    the result does, so Ctrl-C or SIGTERM always stops the run.
    """
    async with asyncio.timeout(seconds):
        return await awaitable


class StampingProtocol(LanguageServerProtocol):
    """Notes when each message's body has arrived, before pygls turns its JSON into objects.

    Turning a 1,000-item completion list into lsprotocol objects takes the client longer than some
    servers take to answer; stamping first keeps the client's own work out of the figures.
    """

    body_time = 0.0
    response_time = 0.0

    def _handle_response(self, msg_id, result=None, error=None):
        self.response_time = self.body_time
        super()._handle_response(msg_id, result, error)


def _stamp_reads(protocol: StampingProtocol, reader: asyncio.StreamReader) -> None:
    read = reader.readexactly

    async def readexactly(n: int) -> bytes:
        data = await read(n)
        protocol.body_time = time.perf_counter()
        return data

    reader.readexactly = readexactly  # type: ignore[method-assign]


def capabilities() -> types.ClientCapabilities:
    """What an editor that takes pushed diagnostics declares (no `textDocument.diagnostic`)."""
    markdown = [types.MarkupKind.Markdown, types.MarkupKind.PlainText]
    return types.ClientCapabilities(
        workspace=types.WorkspaceClientCapabilities(
            configuration=True,
            workspace_folders=True,
            did_change_configuration=types.DidChangeConfigurationClientCapabilities(
                dynamic_registration=True
            ),
        ),
        text_document=types.TextDocumentClientCapabilities(
            synchronization=types.TextDocumentSyncClientCapabilities(did_save=True),
            publish_diagnostics=types.PublishDiagnosticsClientCapabilities(
                version_support=True, related_information=True, code_description_support=True
            ),
            hover=types.HoverClientCapabilities(content_format=markdown),
            completion=types.CompletionClientCapabilities(
                completion_item=types.ClientCompletionItemOptions(
                    snippet_support=True, documentation_format=markdown, deprecated_support=True
                )
            ),
        ),
        general=types.GeneralClientCapabilities(position_encodings=[types.PositionEncodingKind.Utf16]),
    )


class Session:
    """One server process and the client talking to it."""

    def __init__(self, label: str, argv: list[str], env: dict[str, str], settings: dict[str, Any]) -> None:
        self.label = label
        self.argv = argv
        self.env = env
        self.settings = settings
        self.client = LanguageClient("promptls-bench", "1", protocol_cls=StampingProtocol)
        self.protocol: StampingProtocol = self.client.protocol  # type: ignore[assignment]
        self.process: asyncio.subprocess.Process | None = None
        self.waiters: dict[str, tuple[int, asyncio.Future]] = {}
        self.published: set[str] = set()
        self.counts: dict[str, int] = {}
        self.all_published: tuple[int, asyncio.Event] | None = None
        self.unmatched = 0
        self.server_ms: list[float] = []
        self.errors: list[str] = []
        self.stderr = bytearray()
        self._drain: asyncio.Task | None = None
        self._register()

    def _register(self) -> None:
        client = self.client

        @client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        def publish(params: types.PublishDiagnosticsParams) -> None:
            stamp = self.protocol.body_time
            self.published.add(params.uri)
            self.counts[params.uri] = len(params.diagnostics)
            if self.all_published and len(self.published) >= self.all_published[0]:
                self.all_published[1].set()
            waiter = self.waiters.get(params.uri)
            if waiter is None or waiter[1].done():
                self.unmatched += 1
                return
            if params.version is not None and params.version < waiter[0]:
                self.unmatched += 1  # an older version's check (none expected: we wait for each)
                return
            waiter[1].set_result((stamp, len(params.diagnostics)))

        @client.feature(types.LOG_TRACE)
        def log_trace(params: types.LogTraceParams) -> None:
            # promptls reports its own time per publication (check + conversion) in the trace.
            found = re.search(r"in ([0-9.]+) ms$", params.message)
            if found:
                self.server_ms.append(float(found.group(1)))

        @client.feature(types.WORKSPACE_CONFIGURATION)
        def configuration(params: types.ConfigurationParams) -> list[Any]:
            return [self.settings.get(item.section or "") for item in params.items]

        @client.feature(types.CLIENT_REGISTER_CAPABILITY)
        def register(params: types.RegistrationParams) -> None:
            return None

        @client.feature(types.WINDOW_WORK_DONE_PROGRESS_CREATE)
        def progress(params: types.WorkDoneProgressCreateParams) -> None:
            return None

        @client.feature(types.WINDOW_LOG_MESSAGE)
        def log_message(params: types.LogMessageParams) -> None:
            if params.type == types.MessageType.Error:
                self.errors.append(params.message)

        @client.feature(types.WINDOW_SHOW_MESSAGE)
        def show_message(params: types.ShowMessageParams) -> None:
            if params.type == types.MessageType.Error:
                self.errors.append(params.message)

    async def start(self, root: Path, init_options: Any = None) -> float:
        """Spawn and initialize; the seconds from spawn to the initialize response."""
        start = time.perf_counter()
        await self.client.start_io(*self.argv, env=self.env, cwd=str(root))
        self.process = self.client._server
        assert self.process is not None and self.process.stdout is not None
        SPAWNED.append(self.process)
        _stamp_reads(self.protocol, self.process.stdout)
        self._drain = asyncio.create_task(self._drain_stderr())
        params = types.InitializeParams(
            process_id=os.getpid(),
            capabilities=capabilities(),
            root_uri=root.as_uri(),
            workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name=root.name)],
            initialization_options=init_options,
            trace=types.TraceValue.Verbose,
        )
        await within(TIMEOUT, self.client.initialize_async(params))
        elapsed = self.protocol.response_time - start
        self.client.initialized(types.InitializedParams())
        return elapsed

    async def _drain_stderr(self) -> None:
        # pygls pipes the server's stderr and never reads it: a chatty server would block on a full pipe.
        assert self.process is not None and self.process.stderr is not None
        while chunk := await self.process.stderr.read(65536):
            self.stderr += chunk
            del self.stderr[: max(0, len(self.stderr) - 8192)]

    def open(self, uri: str, text: str, language: str) -> None:
        self.client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                text_document=types.TextDocumentItem(uri=uri, language_id=language, version=1, text=text)
            )
        )

    async def wait_published(self, uri: str, version: int) -> tuple[float, int]:
        """Wait for `uri`'s diagnostics of `version` (or later); (arrival time, count)."""
        future = asyncio.get_running_loop().create_future()
        self.waiters[uri] = (version, future)
        return await within(TIMEOUT, future)

    async def change(self, uri: str, version: int, line: int, char: int, text: str) -> tuple[float, int]:
        """Replace one character; (seconds until its diagnostics arrived, their count)."""
        future = asyncio.get_running_loop().create_future()
        self.waiters[uri] = (version, future)
        start = time.perf_counter()
        self.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
                content_changes=[
                    types.TextDocumentContentChangePartial(
                        range=types.Range(
                            start=types.Position(line=line, character=char),
                            end=types.Position(line=line, character=char + 1),
                        ),
                        text=text,
                    )
                ],
            )
        )
        stamp, count = await within(TIMEOUT, future)
        return stamp - start, count

    async def request(self, call: Callable[[], Awaitable[Any]]) -> tuple[float, Any]:
        """(seconds until the answer arrived, the answer); raises on an error answer."""
        start = time.perf_counter()
        result = await within(TIMEOUT, call())
        return self.protocol.response_time - start, result

    def rss_kb(self) -> tuple[int, int]:
        """(VmRSS, VmHWM) of the server process in kB."""
        assert self.process is not None
        values = {"VmRSS": 0, "VmHWM": 0}
        with open(f"/proc/{self.process.pid}/status", encoding="ascii") as handle:
            for line in handle:
                key, _, rest = line.partition(":")
                if key in values:
                    values[key] = int(rest.split()[0])
        return values["VmRSS"], values["VmHWM"]

    async def stop(self) -> None:
        """Shut down politely (unless the run is being aborted), then kill what is left; never raises."""
        process = self.process
        if process is None:
            return
        if process.returncode is None and not ABORTING:
            with contextlib.suppress(Exception):
                await within(5, self.client.shutdown_async(None))
                self.client.exit(None)
            with contextlib.suppress(Exception):
                await within(5, process.wait())
        if process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            with contextlib.suppress(Exception):
                await within(3, process.wait())
        with contextlib.suppress(Exception):
            await within(3, self.client.stop())
        if self._drain is not None:
            self._drain.cancel()


# --- the measurements ---------------------------------------------------------------------------------


class Figures:
    """What one server measured: samples in ms by metric, or why a metric has none."""

    def __init__(self) -> None:
        self.samples: dict[str, list[float]] = {}
        self.failed: dict[str, str] = {}
        self.notes: list[str] = []
        self.values: dict[str, float] = {}

    def pct(self, metric: str, q: float) -> float | None:
        data = sorted(self.samples.get(metric) or ())
        if not data:
            return None
        return data[min(len(data) - 1, round(q * (len(data) - 1)))]


def _positions(frontmatter: list[str], body: list[str], body_indent: int) -> dict[str, Any]:
    """Where each operation happens, as (line, character), for either copy of the big file."""
    fm_line = next(i for i, k in enumerate(frontmatter) if k.startswith("meta_"))
    body_index = next(i for i in range(len(body) // 2, len(body)) if len(body[i]) > 20)
    return {
        "fm": (1 + fm_line, len(frontmatter[fm_line]) - 1, frontmatter[fm_line][-1]),
        "body": (2 + len(frontmatter) + body_index, body_indent + 5, body[body_index][5]),
        "hover": (1, len("model: ") + 3),
        "complete-model": (1, len("model: ")),
        "complete-key": (1 + next(i for i, k in enumerate(frontmatter) if k.startswith("temperature:")), 0),
    }


async def bench_big_file(
    session: Session,
    root: Path,
    uri: str,
    text: str,
    where: dict[str, Any],
    language: str,
    iterations: int,
    figures: Figures,
) -> None:
    session.open(uri, text, language)
    _, count = await session.wait_published(uri, 1)
    figures.notes.append(f"open: {count} diagnostics")
    version = 1
    state = {"fm": False, "body": False}
    counts: set[int] = set()
    warmup = 10
    for i in range(warmup + iterations):
        target = "fm" if i % 2 == 0 else "body"
        line, char, original = where[target]
        state[target] = not state[target]
        new = ("x" if original != "x" else "y") if state[target] else original
        version += 1
        try:
            seconds, count = await session.change(uri, version, line, char, new)
        except TimeoutError:
            figures.failed["diagnostics"] = f"no publishDiagnostics for version {version} in {TIMEOUT:g} s"
            return
        counts.add(count)
        if i >= warmup and session.server_ms:
            figures.samples.setdefault("diagnostics-server", []).append(session.server_ms[-1])
        if i >= warmup:
            figures.samples.setdefault("diagnostics", []).append(seconds * 1000)
            figures.samples.setdefault(f"diagnostics-{target}", []).append(seconds * 1000)
    figures.notes.append(f"didChange: {'/'.join(map(str, sorted(counts)))} diagnostics per publish")

    doc = types.TextDocumentIdentifier(uri=uri)
    client = session.client

    def hover() -> Awaitable[Any]:
        line, char = where["hover"]
        position = types.Position(line=line, character=char)
        return client.text_document_hover_async(types.HoverParams(text_document=doc, position=position))

    def complete(name: str) -> Callable[[], Awaitable[Any]]:
        line, char = where[name]
        params = types.CompletionParams(text_document=doc, position=types.Position(line=line, character=char))
        return lambda: client.text_document_completion_async(params)

    for metric, call in (
        ("hover", hover),
        ("complete-model", complete("complete-model")),
        ("complete-key", complete("complete-key")),
    ):
        for i in range(warmup + iterations):
            try:
                seconds, result = await session.request(call)
            except TimeoutError:
                figures.failed[metric] = f"no answer in {TIMEOUT:g} s"
                break
            except Exception as exc:
                figures.failed[metric] = f"error answer: {exc}"
                break
            if i == 0:
                figures.notes.append(f"{metric}: {_describe(result)}")
            if i >= warmup:
                figures.samples.setdefault(metric, []).append(seconds * 1000)


def _describe(result: Any) -> str:
    if result is None:
        return "null answer"
    if isinstance(result, types.Hover):
        contents = result.contents
        value = getattr(contents, "value", None) or str(contents)
        first = value.strip().splitlines()[0] if value.strip() else ""
        return f"{len(value)} characters, {first[:60]!r}"
    items = getattr(result, "items", result)
    if isinstance(items, list | tuple):
        labels = ", ".join(item.label for item in items[:3])
        more = ", …" if len(items) > 3 else ""
        incomplete = ", marked incomplete" if getattr(result, "is_incomplete", False) else ""
        return f"{len(items)} items ({labels}{more}){incomplete}"
    return type(result).__name__


async def bench_workspace(session: Session, files: list[tuple[str, str, str]], figures: Figures) -> None:
    """Open every file at once, wait for all their diagnostics, read the server's memory."""
    rss, _ = session.rss_kb()
    figures.values["rss-start"] = rss / 1024
    event = asyncio.Event()
    session.all_published = (len(files), event)
    start = time.perf_counter()
    for uri, text, language in files:
        session.open(uri, text, language)
    try:
        await within(300, event.wait())
    except TimeoutError:
        figures.failed["rss"] = f"diagnostics for {len(session.published)} of {len(files)} files in 300 s"
        return
    figures.values["open-all"] = time.perf_counter() - start
    await asyncio.sleep(0.5)  # let the last publishes' garbage go before reading memory
    rss, peak = session.rss_kb()
    figures.values["rss"] = rss / 1024
    figures.values["rss-peak"] = peak / 1024
    found, flagged = sum(session.counts.values()), sum(1 for n in session.counts.values() if n)
    figures.notes.append(f"{len(files):,} files opened: {found:,} diagnostics on {flagged:,} of them")


async def measure(
    label: str,
    argv: list[str],
    env: dict[str, str],
    settings: dict[str, Any],
    init_options: Any,
    big: tuple[Path, str, str],
    language: str,
    workspace: tuple[Path, list[tuple[str, str, str]]],
    iterations: int,
    startup_runs: int,
    big_argv: list[str] | None = None,
) -> Figures:
    """Start-up runs, then a session on the big file (run by `big_argv` if given), then one on the
    workspace, each in a fresh server process."""
    figures = Figures()
    root, uri, text = big
    where = _positions(*big_prompt(), body_indent=2 if language == "yaml" else 0)

    print(f"\n{label}: start-up, {startup_runs} runs", flush=True)
    for _ in range(startup_runs):
        session = Session(label, argv, env, settings)
        try:
            seconds = await session.start(root, init_options)
            figures.samples.setdefault("startup", []).append(seconds * 1000)
        finally:
            await session.stop()

    print(f"{label}: the big file ({iterations} iterations of each)", flush=True)
    session = Session(label, big_argv or argv, env, settings)
    try:
        await session.start(root, init_options)
        started = time.perf_counter()
        await bench_big_file(session, root, uri, text, where, language, iterations, figures)
        figures.notes.append(f"big-file session took {time.perf_counter() - started:.1f} s")
        figures.values["rss-big"] = session.rss_kb()[0] / 1024
        if session.unmatched:
            figures.notes.append(f"{session.unmatched} publishDiagnostics matched no change")
        figures.notes += [f"server error: {e}" for e in session.errors[:5]]
    finally:
        await session.stop()
        _stderr_note(session, figures)

    ws_root, files = workspace
    print(f"{label}: {len(files):,} files opened at once", flush=True)
    session = Session(label, argv, env, settings)
    try:
        await session.start(ws_root, init_options)
        await bench_workspace(session, files, figures)
        figures.notes += [f"server error: {e}" for e in session.errors[:5]]
    finally:
        await session.stop()
        _stderr_note(session, figures)
    return figures


def _stderr_note(session: Session, figures: Figures) -> None:
    process = session.process
    if process is not None and process.returncode not in (0, None) and session.stderr:
        tail = session.stderr.decode("utf-8", "replace").strip().splitlines()[-5:]
        figures.notes.append(f"exit {process.returncode}, stderr: " + " | ".join(tail))


# --- yaml-language-server -----------------------------------------------------------------------------


def install_reference(cache: Path) -> tuple[list[str] | None, str]:
    """(argv to run yaml-language-server, version) or (None, why it is skipped)."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        return None, f"{'node' if node is None else 'npm'} is not on PATH"
    binary = cache / "node_modules" / "yaml-language-server" / "bin" / "yaml-language-server"
    package = cache / "node_modules" / "yaml-language-server" / "package.json"
    wanted = YLS_PACKAGE.rpartition("@")[2]
    installed = json.loads(package.read_text(encoding="utf-8")).get("version") if package.exists() else None
    if installed != wanted:
        cache.mkdir(parents=True, exist_ok=True)
        print(f"installing {YLS_PACKAGE} into {cache} …", flush=True)
        proc = subprocess.run(
            [
                npm,
                "install",
                "--prefix",
                str(cache),
                "--no-audit",
                "--no-fund",
                "--no-save",
                "--loglevel=error",
                YLS_PACKAGE,
            ],
            capture_output=True,
            text=True,
            timeout=300,
        )
        if proc.returncode != 0 or not binary.exists():
            return None, f"`npm install {YLS_PACKAGE}` failed: {(proc.stderr or proc.stdout).strip()[-300:]}"
    version = subprocess.run([node, "--version"], capture_output=True, text=True).stdout.strip()
    return [node, str(binary), "--stdio"], f"{wanted} on node {version}"


def reference_cache() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "promptls-bench"


# --- the report ---------------------------------------------------------------------------------------


def _fmt(value: float | None, unit: str = "") -> str:
    return "—" if value is None else f"{value:,.1f}{unit}"


def report(ours: Figures, ref: Figures | None, ref_why: str, iterations: int) -> None:
    rows: list[tuple[str, str, str, str, str]] = []

    def row(name: str, metric: str | None, q: float | None, goal: float | None, value_key: str = "") -> None:
        def value(fig: Figures | None) -> tuple[str, float | None]:
            if fig is None:
                return "skipped", None
            if metric and metric in fig.failed:
                return "failed", None
            if value_key:
                if value_key in fig.values:
                    return _fmt(fig.values[value_key]), fig.values[value_key]
                return ("failed" if "rss" in fig.failed else "—"), None
            got = fig.pct(metric or "", q or 0.5)
            return _fmt(got), got

        mine, number = value(ours)
        theirs, _ = value(ref)
        met = "—" if goal is None else ("n/a" if number is None else ("yes" if number <= goal else "NO"))
        rows.append((name, mine, theirs, "—" if goal is None else f"≤ {goal:g}", met))

    row("start-up → initialize response, median (ms)", "startup", 0.5, None)
    for title, metric, goal in (
        ("didChange → publishDiagnostics, server-side", "diagnostics-server", GOAL_DIAGNOSTICS_MS),
        ("didChange → publishDiagnostics, round trip", "diagnostics", None),
        ("  frontmatter edits only", "diagnostics-fm", None),
        ("  body edits only", "diagnostics-body", None),
        ("hover on the model value", "hover", GOAL_REQUEST_MS),
        ("completion after `model: `", "complete-model", GOAL_REQUEST_MS),
        ("completion at a key position", "complete-key", GOAL_REQUEST_MS),
    ):
        row(f"{title} p50 (ms)", metric, 0.5, goal)
        row(f"{title} p95 (ms)", metric, 0.95, None)
    row(f"RSS after opening {WORKSPACE_FILES:,} files (MB)", None, None, GOAL_RSS_MB, "rss")
    row("  RSS right after initialize (MB)", None, None, None, "rss-start")
    row("  peak RSS, VmHWM (MB)", None, None, None, "rss-peak")
    row(f"  time until all {WORKSPACE_FILES:,} files had diagnostics (s)", None, None, None, "open-all")
    row("RSS at the end of the big-file session (MB)", None, None, None, "rss-big")

    head = ("metric", "promptls", "yaml-language-server", "goal", "met?")
    widths = [max(len(r[i]) for r in (head, *rows)) for i in range(5)]

    def cells(values: tuple[str, ...]) -> str:
        return "  ".join(
            c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(values, widths, strict=True))
        )

    print(f"\n{cells(head)}\n{'-' * len(cells(head))}")
    for r in rows:
        print(cells(r))

    print(f"\n{iterations} timed iterations per latency after 10 warm-up ones; times from the client's send")
    print("to the arrival of the answer's bytes (before the client parses them). Server-side: the time")
    print('promptls reports in its `$/logTrace` (trace "verbose") from taking up the new version to')
    print("handing its diagnostics to the transport; the round trip adds applying the edit and JSON I/O.")
    if ref is not None:
        p50 = ref.pct("diagnostics", 0.5)
        if p50 is not None:
            print(
                f"yaml-language-server debounces validation by a fixed {YLS_DEBOUNCE_MS:g} ms: less that, "
                f"its didChange → publish p50 is {p50 - YLS_DEBOUNCE_MS:.1f} ms. promptls ran with "
                "diagnosticsDelay 0."
            )
    for label, fig in (("promptls", ours), ("yaml-language-server", ref)):
        if fig is None:
            print(f"\nyaml-language-server: skipped — {ref_why}")
            continue
        print(f"\n{label}:")
        for metric, why in fig.failed.items():
            print(f"  {metric} FAILED: {why}")
        for note in fig.notes:
            print(f"  {note}")


# --- main ---------------------------------------------------------------------------------------------


def print_profile(path: str, top: int = 25) -> None:
    """The functions that took the most time themselves, then promptls's own by cumulative time."""
    import pstats

    if not os.path.exists(path):
        print(f"\nno profile written at {path} (did the server exit cleanly?)")
        return
    print(f"\nprofile of the promptls big-file session ({path}); its times include cProfile's overhead")
    stats = pstats.Stats(path)
    rows = [
        (tt, ct, nc, f"{file}:{line}({name})")
        for (file, line, name), (_, nc, tt, ct, _) in stats.stats.items()
    ]  # type: ignore[attr-defined]
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep
    site = os.path.dirname(os.__file__) + os.sep

    def short(where: str) -> str:
        return where.replace(repo, "").replace(site + "site-packages" + os.sep, "").replace(site, "")

    head = f"\n  {'tottime s':>9}  {'cumtime s':>9}  {'calls':>8}  "
    print(head + "function (by time in itself)")
    for tt, ct, nc, where in sorted(rows, reverse=True)[:top]:
        print(f"  {tt:9.3f}  {ct:9.3f}  {nc:8}  {short(where)}")
    ours = [r for r in rows if r[3].startswith(repo)]
    print(head + "the repository's own functions (by cumulative time)")
    for tt, ct, nc, where in sorted(ours, key=lambda r: r[1], reverse=True)[:top]:
        print(f"  {tt:9.3f}  {ct:9.3f}  {nc:8}  {short(where)}")


async def run(args: argparse.Namespace, tmp: Path) -> None:
    frontmatter, body = big_prompt()
    md_text = markdown_text(frontmatter, body)
    big_root = tmp / "big"
    (big_root / "prompts").mkdir(parents=True)
    md_path = big_root / "prompts" / "big.md"
    md_path.write_text(md_text, encoding="utf-8")
    yaml_text = yaml_copy(md_text)
    yaml_path = big_root / "prompts" / "big.yaml"
    yaml_path.write_text(yaml_text, encoding="utf-8")

    ws_root = tmp / "ws"
    ws_root.mkdir()
    counts = generate_workspace(str(ws_root), WORKSPACE_FILES)
    md_files: list[tuple[str, str, str]] = []
    yaml_files: list[tuple[str, str, str]] = []
    for folder, _, names in sorted(os.walk(ws_root)):
        for name in sorted(names):
            if name.endswith((".md", ".prompt")):
                path = Path(folder) / name
                text = path.read_text(encoding="utf-8")
                md_files.append((path.as_uri(), text, "markdown"))
                yaml_files.append((path.with_name(name + ".yaml").as_uri(), yaml_copy(text), "yaml"))
    print(
        f"big file: {len(frontmatter)} frontmatter keys, {len(body):,} body lines, "
        f"{len(md_text) / 1024:,.0f} KiB (.yaml copy {len(yaml_text) / 1024:,.0f} KiB)"
    )
    mix = ", ".join(f"{d} {n}" for d, n in counts.items())
    print(f"workspace: {len(md_files):,} prompt files ({mix})")

    # As installed, promptls runs from .pyc files; never the developer's own settings or caches.
    env = {k: v for k, v in os.environ.items() if not k.startswith("PROMPTLS_")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.update(PROMPTLS_CONFIG=str(tmp / "no-user-config.toml"), XDG_CACHE_HOME=str(tmp / "cache"))
    argv = [sys.executable, "-m", "promptls", "serve"]
    profiled = None
    if args.profile:
        profile = os.path.abspath(args.profile)
        profiled = [sys.executable, "-m", "cProfile", "-o", profile, "-m", "promptls", "serve"]
    options = {"diagnosticsDelay": 0}
    ours = await measure(
        "promptls",
        argv,
        env,
        {"promptls": options},
        options,
        (big_root, md_path.as_uri(), md_text),
        "markdown",
        (ws_root, md_files),
        args.iterations,
        args.startup_runs,
        profiled,
    )
    ref: Figures | None = None
    why = "--skip-reference"
    if not args.skip_reference:
        yls, why = install_reference(reference_cache())
        if yls is None:
            print(f"\nyaml-language-server: skipped — {why}")
        else:
            schema = tmp / "prompt.schema.json"
            schema.write_text(json.dumps(json_schema()), encoding="utf-8")
            settings = {
                "yaml": {
                    "validate": True,
                    "hover": True,
                    "completion": True,
                    "format": {"enable": False},
                    "schemaStore": {"enable": False},
                    "kubernetesCRDStore": {"enable": False},
                    "schemas": {schema.as_uri(): ["*.yaml"]},
                },
                "http": {},
                "[yaml]": {},
                "editor": {},
                "files": {},
            }
            print(f"\nyaml-language-server {why}")
            ref = await measure(
                "yaml-language-server",
                yls,
                dict(os.environ),
                settings,
                None,
                (big_root, yaml_path.as_uri(), yaml_text),
                "yaml",
                (ws_root, yaml_files),
                args.iterations,
                args.startup_runs,
            )
    report(ours, ref, why, args.iterations)
    if args.profile:
        print_profile(args.profile)


def _kill_leftovers() -> None:
    # A child not yet reaped keeps its pid: killing it by pid cannot hit another process.
    for process in SPAWNED:
        if process.returncode is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(process.pid, signal.SIGKILL)


def _terminate(*_: object) -> None:
    """SIGTERM unwinds like Ctrl-C, through the clean-up; a second one must not cut that short."""
    global ABORTING
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    ABORTING = True
    raise SystemExit(143)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--iterations", type=int, default=200, help="timed iterations per latency (default 200)"
    )
    parser.add_argument("--skip-reference", action="store_true", help="do not measure yaml-language-server")
    parser.add_argument("--startup-runs", type=int, default=5, help="server start-ups timed (default 5)")
    parser.add_argument(
        "--profile", metavar="FILE", help="run promptls under cProfile, write FILE, print its top entries"
    )
    args = parser.parse_args()
    logging.getLogger("pygls").setLevel(logging.CRITICAL)  # unknown notifications, cancelled futures

    signal.signal(signal.SIGTERM, _terminate)
    tmp = Path(tempfile.mkdtemp(prefix="promptls-bench-lsp-"))
    started = time.perf_counter()
    try:
        asyncio.run(run(args, tmp))
    except KeyboardInterrupt:
        sys.exit("interrupted")
    finally:
        _kill_leftovers()
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"\ntotal {time.perf_counter() - started:.0f} s, {os.cpu_count()} cores, {sys.executable}")


if __name__ == "__main__":
    main()
