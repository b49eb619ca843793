"""`workspace/executeCommand`: what editors ask for beyond the LSP features (editors/PROTOCOL.md).

Each command takes one JSON object and answers one. A problem the user can fix (no model, a missing
template value, no keyring) is answered as a `CommandError` whose message the editor shows as it is.
Only `promptls.setKey` carries a secret; it is never echoed, logged or put into an error.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import sys
from typing import Any

from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pygls.uris import to_fs_path

from promptls import __version__
from promptls.server.documents import Analysis
from promptls.server.language_server import REQUEST_FAILED, PromptlsServer

RUN_PROGRESS = "promptls/runProgress"
"""The notification that carries a run's status lines and answer text as they happen."""

_run_ids = itertools.count(1)


class CommandError(JsonRpcException):
    """A command that cannot be done as asked; the message says why and what to do."""

    CODE = REQUEST_FAILED


# --- arguments -------------------------------------------------------------------------------------


def _options(name: str, args: tuple[Any, ...]) -> dict[str, Any]:
    if len(args) == 1 and isinstance(args[0], dict):
        return args[0]
    if not args or args == ([],):  # Lua's `{}` is encoded as an empty list
        return {}
    raise CommandError(f"{name} takes one argument, a JSON object (see editors/PROTOCOL.md)")


def _string(options: dict[str, Any], key: str, name: str, *, required: bool = True) -> str | None:
    value = options.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        raise CommandError(f"{name} needs `{key}`, a string")
    return value


def _prompt_analysis(ls: PromptlsServer, uri: str, name: str) -> Analysis:
    """The analysis of `uri`: the editor's text when it is open, else the file on disk."""
    analysis = ls.documents.analyze(uri)
    if analysis is None:
        analysis = ls.documents.analyze_unopened(uri)
    if analysis is None:
        raise CommandError(f"{name}: cannot read {to_fs_path(uri) or uri}")
    if analysis.prompt is None:
        shown = os.path.basename(analysis.path)
        raise CommandError(
            f"{shown} is not a prompt file promptls knows: Claude Code agents/commands/skills, Copilot "
            "*.prompt.md/*.agent.md, Dotprompt *.prompt, markdown with `model:` in its frontmatter, or a "
            "file matched by `include` under [check] in promptls.toml"
        )
    return analysis


# --- promptls.resolve ------------------------------------------------------------------------------


def resolve(ls: PromptlsServer, *args: Any) -> dict[str, Any] | None:
    options = _options("promptls.resolve", args)
    uri = _string(options, "uri", "promptls.resolve")
    assert uri is not None
    try:
        analysis = _prompt_analysis(ls, uri, "promptls.resolve")
    except CommandError:
        return None  # not a prompt: nothing to show in a status line
    from promptls.router.prompts.messages import inputs_of
    from promptls.router.resolution.report import explain_lines, resolution_to_dict, tokens_and_cost

    resolution = analysis.resolution
    assert resolution is not None and analysis.prompt is not None
    root = ls.workspace.root_path or os.path.dirname(analysis.path)
    chain = [str(f.model) if f.model else f"{f.raw} (invalid)" for f in resolution.fallback]
    model = str(resolution.model) if resolution.model else None
    status = model or "no model"
    if model and chain:
        status += f" +{len(chain)} fallback"
    inputs = inputs_of(analysis.prompt)
    return {
        "uri": uri,
        "path": analysis.path,
        "dialect": analysis.prompt.dialect.value,
        "name": analysis.prompt.name,
        "model": model,
        "problem": resolution.problem,
        "fallback": chain,
        "statusText": status,
        # the estimate for one run, ready to show (`$0.0045`, `$0 (free)`, `price unknown`)
        "costText": tokens_and_cost(resolution)["cost"].label() if model else None,
        "lines": [{"kind": kind, "text": text} for kind, text in explain_lines(resolution, root)],
        "inputs": {"variables": list(inputs.variables), "text": inputs.text},
        "resolution": _jsonable(resolution_to_dict(resolution, root)),
    }


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


# --- promptls.run ----------------------------------------------------------------------------------


async def run(ls: PromptlsServer, *args: Any) -> dict[str, Any]:
    options = _options("promptls.run", args)
    uri = _string(options, "uri", "promptls.run")
    assert uri is not None
    run_id = str(options.get("runId") or next(_run_ids))
    analysis = _prompt_analysis(ls, uri, "promptls.run")
    prompt = analysis.prompt
    assert prompt is not None and analysis.settings is not None
    resolution = analysis.resolution
    model = _string(options, "model", "promptls.run", required=False)
    no_fallback = bool(options.get("noFallback"))
    if model is not None or no_fallback:
        resolution = _resolve_with(ls, analysis, model, no_fallback)
    if resolution is None or resolution.model is None:
        problem = resolution.problem if resolution else None
        raise CommandError(f"{prompt.name}: no model to run ({problem or 'set `model:` or a default'})")
    messages = _messages(prompt, options)

    from promptls.adapters.execute import Events
    from promptls.router.models.money import cost_text
    from promptls.router.resolution.plan import plan_run
    from promptls.runner import ending_status, execute

    catalog = ls.documents.catalog
    env = dict(os.environ)
    plan = plan_run(resolution, catalog, env)
    loop = asyncio.get_running_loop()
    with ls.protocol.cancellable() as cancelled:

        def send(params: dict[str, str]) -> None:
            # On the event loop, where a cancel is handled: nothing follows the cancel's answer.
            if not cancelled.is_set():
                ls.protocol.notify(RUN_PROGRESS, params)

        def notify(kind: str, text: str) -> None:
            loop.call_soon_threadsafe(send, {"runId": run_id, "kind": kind, "text": text})

        events = Events(
            lambda line: notify("status", line), lambda chunk: notify("text", chunk), lambda a: None
        )
        outcome = await asyncio.to_thread(
            execute, prompt, resolution, plan, messages, analysis.settings, catalog, env, events, cancelled
        )
    result = outcome.result
    if result.outcome == "interrupted":  # cancelled: the editor has its answer; its log hears the end
        used = f"{result.model_id} stopped" if result.model_id else "no model was answering"
        ls.log(f"promptls.run {run_id} {result.error.message}: {used}; recorded as interrupted")
    ending = ending_status(result)
    if ending:
        notify("status", ending)
    if outcome.budget_warning:
        notify("status", outcome.budget_warning)
    requested = str(resolution.model)
    fell_back = result.model_id is not None and result.model_id != requested
    if result.outcome == "interrupted":
        message = result.error.message
    elif result.outcome == "failed":
        message = ending or "every model failed"
    elif fell_back:
        message = f"answered by {result.model_id} after falling back from {requested}"
    else:
        message = f"answered by {result.model_id}"
    if result.outcome == "partial":
        message = ending or message
    usage = outcome.usage
    return {
        "runId": run_id,
        "outcome": result.outcome,
        "model": result.model_id,
        "requestedModel": requested,
        "fellBack": fell_back,
        "text": result.text,
        "attempts": [
            {
                "model": a.model_id,
                "error": a.error.describe() if a.error else None,
                "latencyMs": round(a.latency_ms, 1),
            }
            for a in result.attempts
        ],
        "usage": {**usage._asdict(), "source": outcome.usage_source} if usage else None,
        "costUsd": outcome.cost_usd,
        "costText": cost_text(outcome.cost_usd) if result.model_id else None,
        "message": message,
    }


def _resolve_with(ls: PromptlsServer, analysis: Analysis, model: str | None, no_fallback: bool):
    from promptls.router.models.modelid import usable_as_override
    from promptls.router.resolution.resolve import Overrides
    from promptls.router.resolution.resolve import resolve as resolve_prompt

    if model is not None and not usable_as_override(model):
        raise CommandError(f"{model!r} is not a model id: write provider/name, e.g. openai/gpt-4o")
    assert analysis.prompt is not None and analysis.settings is not None
    overrides = Overrides(model=model, no_fallback=no_fallback)
    return resolve_prompt(analysis.prompt, analysis.settings, ls.documents.catalog, overrides)


def _messages(prompt, options: dict[str, Any]):
    from promptls.router.prompts.messages import RenderError
    from promptls.runner import messages_for

    arguments = options.get("arguments") or []
    if not isinstance(arguments, list) or not all(isinstance(a, str) for a in arguments):
        raise CommandError("promptls.run: `arguments` must be a list of strings")
    text = options.get("input")
    if text is not None and not isinstance(text, str):
        raise CommandError("promptls.run: `input` must be a string")
    variables = options.get("variables") or {}
    if not isinstance(variables, dict):
        raise CommandError("promptls.run: `variables` must be an object of names to strings")
    variables = {str(k): "" if v is None else str(v) for k, v in variables.items()}
    try:
        return messages_for(prompt, arguments, variables, text)
    except RenderError as exc:
        if exc.missing:  # the core's message names `--var`, a command-line flag: say it the editor's way
            names = ", ".join(f"`{n}`" for n in exc.missing)
            raise CommandError(f"the prompt needs {names}: give a value in `variables`") from None
        raise CommandError(str(exc)) from None


# --- promptls.models -------------------------------------------------------------------------------


def models(ls: PromptlsServer, *args: Any) -> dict[str, Any]:
    options = _options("promptls.models", args)
    uri = _string(options, "uri", "promptls.models")
    assert uri is not None
    analysis = _prompt_analysis(ls, uri, "promptls.models")
    from promptls.router.editor.complete import model_choices

    assert analysis.prompt is not None and analysis.settings is not None
    keyed = ls.keyed_providers(analysis.settings)
    from promptls.localmodels import installed_models

    installed = installed_models(analysis.settings, ls.documents.catalog, os.environ)
    items = model_choices(
        analysis.prompt, ls.documents.catalog, analysis.settings, keyed, installed=installed
    )
    return {
        "items": [
            {
                "label": c.label,
                "detail": c.detail,
                "documentation": c.documentation,
                "deprecated": c.deprecated,
            }
            for c in items
        ]
    }


# --- promptls.pinModel -----------------------------------------------------------------------------


async def pin_model(ls: PromptlsServer, *args: Any) -> dict[str, Any]:
    options = _options("promptls.pinModel", args)
    uri = _string(options, "uri", "promptls.pinModel")
    assert uri is not None
    analysis = _prompt_analysis(ls, uri, "promptls.pinModel")
    from promptls.router.editor.pin import pin_model as pin
    from promptls.server.actions import model_to_pin, settings_workspace_edit

    model = _string(options, "model", "promptls.pinModel", required=False) or model_to_pin(ls, analysis)
    if model is None:
        raise CommandError(f"{analysis.prompt.name}: no model to pin; name one")
    from promptls.router.models.modelid import usable_as_override

    if not usable_as_override(model):
        raise CommandError(f"{model!r} is not a model id: write provider/name, e.g. openai/gpt-4o")
    fallback_dir = ls.workspace.root_path or os.path.dirname(analysis.path)
    try:
        change = pin(analysis.prompt, model, analysis.settings, fallback_dir)
    except ValueError as exc:  # a settings file that is not valid TOML: nothing safe to edit
        raise CommandError(f"cannot pin {model}: {exc}") from None
    edit = settings_workspace_edit(ls, change)
    if edit is None:  # a new promptls.toml and a client that cannot create files: write it ourselves
        _write_new_file(change)
        ls.documents.settings_changed(os.path.abspath(change.path))
        ls.refresh_all()
        return {"applied": True, "title": change.title, "path": change.path}
    answer = await ls.workspace_apply_edit_async(
        types.ApplyWorkspaceEditParams(edit=edit, label=change.title)
    )
    if not answer.applied:
        reason = answer.failure_reason or "the editor refused the edit"
        raise CommandError(f"{change.title}: not applied ({reason})")
    return {"applied": True, "title": change.title, "path": change.path}


def _write_new_file(change) -> None:
    if os.path.exists(change.path):  # appeared meanwhile: never overwrite what a user has
        raise CommandError(f"{change.path} appeared meanwhile; run the command again")
    text = "".join(e.new_text for e in sorted(change.edits, key=lambda e: e.span.start))
    with open(change.path, "x", encoding="utf-8") as handle:
        handle.write(text)


# --- promptls.pullModel ---------------------------------------------------------------------------


async def pull_model(ls: PromptlsServer, *args: Any) -> dict[str, Any]:
    """Get an Ollama model (`promptls models pull`): progress as the editor's work-done progress when
    it has that, cancellable; then the model cache learns the new list and open documents are checked
    again (their `local-model-not-installed` goes)."""
    options = _options("promptls.pullModel", args)
    model = _string(options, "model", "promptls.pullModel")
    assert model is not None
    provider, _, name = model.partition("/")
    if provider != "ollama" or not name:
        raise CommandError(f"promptls.pullModel gets Ollama models (ollama/NAME), not {model!r}")
    uri = _string(options, "uri", "promptls.pullModel", required=False)
    if uri is not None:
        settings = _prompt_analysis(ls, uri, "promptls.pullModel").settings
    else:
        root = ls.workspace.root_path
        settings = ls.documents.loader.for_directory(root) if root else None
    if settings is None:
        raise CommandError("promptls.pullModel: no project to read the Ollama address from")
    from promptls.adapters.discovery.http import DiscoveryError
    from promptls.adapters.discovery.ollama import pull
    from promptls.adapters.discovery.providers import discover
    from promptls.adapters.model_cache import ModelCache
    from promptls.cli.models_targets import targets
    from promptls.router.models.fit import gb

    (target,) = targets(settings, ls.documents.catalog, os.environ, ("ollama",))
    endpoint = target.endpoint
    assert endpoint is not None  # Ollama needs no key
    progress = _Progress(ls, f"Pulling {model}")
    await progress.start()
    loop = asyncio.get_running_loop()
    layers: dict[str, tuple[int, int]] = {}

    def work(cancelled) -> str:
        lines = pull(endpoint, name, 30.0)
        try:
            for line in lines:
                if cancelled.is_set():
                    return "cancelled"
                if line.digest and line.total:
                    layers[line.digest] = (line.completed or 0, line.total)
                done, total = sum(d for d, _ in layers.values()), sum(t for _, t in layers.values())
                percent = int(100 * done / total) if total else None
                text = f"{line.status} ({gb(done)} of {gb(total)})" if total else line.status
                loop.call_soon_threadsafe(progress.report, text, percent)
        finally:
            lines.close()  # closes the connection: Ollama stops a download left unfinished
        return "pulled"

    models = ModelCache()
    try:
        with ls.protocol.cancellable() as cancelled:
            outcome = await asyncio.to_thread(work, cancelled)
    except DiscoveryError as error:
        progress.end(f"failed: {error.message}")
        raise CommandError(f"cannot pull {model}: {error.message}") from None
    finally:
        models.invalidate("ollama", target.where, name)
    done = sum(d for d, _ in layers.values())
    message = f"{outcome} {model} ({gb(done)} downloaded)"
    progress.end(message)
    if outcome == "pulled":  # the cache learns the new list: the diagnostics that said "not installed" go
        await asyncio.to_thread(
            models.listing, "ollama", target.where, lambda: discover(endpoint, local=True), refresh=True
        )
        ls.documents.generation += 1
        ls.refresh_all()
    return {"model": model, "outcome": outcome, "message": message}


class _Progress:
    """LSP work-done progress, when the client has it (else nothing is shown until the answer)."""

    def __init__(self, ls: PromptlsServer, title: str) -> None:
        self.ls = ls
        self.title = title
        self.token = f"promptls-pull-{next(_run_ids)}"
        window = ls.client_capabilities.window
        self.enabled = bool(window and window.work_done_progress)

    async def start(self) -> None:
        if self.enabled:
            await self.ls.work_done_progress.create_async(self.token)
            self.ls.work_done_progress.begin(
                self.token, types.WorkDoneProgressBegin(title=self.title, percentage=0)
            )

    def report(self, message: str, percent: int | None) -> None:
        if self.enabled:
            self.ls.work_done_progress.report(
                self.token, types.WorkDoneProgressReport(message=message, percentage=percent)
            )

    def end(self, message: str) -> None:
        if self.enabled:
            self.ls.work_done_progress.end(self.token, types.WorkDoneProgressEnd(message=message))


# --- keys ------------------------------------------------------------------------------------------


def _providers(ls: PromptlsServer):
    from promptls.keystatus import providers

    root = ls.workspace.root_path
    settings = ls.documents.loader.for_directory(root) if root else None
    return providers(settings)


def set_key(ls: PromptlsServer, *args: Any) -> dict[str, Any]:
    options = _options("promptls.setKey", args)
    name = _string(options, "provider", "promptls.setKey")
    key = options.get("key")
    if not isinstance(key, str) or not key.strip():
        raise CommandError("promptls.setKey needs `key`, the API key (it was empty)")
    from promptls.adapters.keys import KeyringUnavailable, from_environment, store_key
    from promptls.keystatus import find_provider

    try:
        provider = find_provider(name, _providers(ls))
    except ValueError as exc:
        raise CommandError(str(exc)) from None
    if not provider.needs_key:
        raise CommandError(f"{name} runs locally and needs no key")
    try:
        store_key(name, key.strip(), provider.env_var)
    except KeyringUnavailable as exc:
        raise CommandError(str(exc)) from None
    ls.keyed_providers.stored(name)
    message = f"stored the {name} key in the OS keyring"
    active = from_environment(name, os.environ, provider.env_var)
    if active.value:
        message += f"; the key in the {active.source} takes precedence while it is set"
    return {"provider": name, "stored": True, "message": message}


def keys(ls: PromptlsServer, *args: Any) -> dict[str, Any]:
    _options("promptls.keys", args)
    from promptls.keystatus import key_status

    rows = []
    problem = None
    for provider in _providers(ls).values():
        row, trouble = key_status(provider, os.environ, ask_keyring=problem is None)
        problem = problem or trouble
        source = row["source"] if row["key"] is not None else None
        rows.append({"provider": provider.name, "needsKey": provider.needs_key, "source": source})
    return {"providers": rows, "keyringProblem": str(problem) if problem else None}


# --- promptls.health -------------------------------------------------------------------------------


def health(ls: PromptlsServer, *args: Any) -> dict[str, Any]:
    _options("promptls.health", args)
    from promptls.ledger import ledger_path

    catalog = ls.documents.catalog
    return {
        "version": __version__,
        "executable": _executable(),
        "python": sys.version.split()[0],
        "keyring": _keyring_health(),
        "ledger": ledger_path(),
        "catalog": {"models": len(catalog), "generated": catalog.generated},
    }


def _executable() -> str:
    """How this server was started: the `promptls` script, or `python -m promptls`."""
    started = sys.argv[0] if sys.argv and sys.argv[0] else ""
    if not started or os.path.basename(started) == "__main__.py":
        return f"{sys.executable} -m promptls"
    return os.path.abspath(started)


def _keyring_health() -> dict[str, Any]:
    from promptls.adapters.keys import KeyringUnavailable, keyring_backend

    try:
        backend = keyring_backend()
    except KeyringUnavailable as exc:
        return {"ok": False, "backend": None, "message": str(exc)}
    return {"ok": True, "backend": backend, "message": f"keys are stored with {backend}"}
