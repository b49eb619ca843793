"""`promptls proxy`: Claude Code and any OpenAI client on any model, routed per agent.

    promptls proxy [--host H] [--port N]      serve (default 127.0.0.1:8719); prints what to set
    promptls proxy env [--shell bash|fish|powershell]
    promptls proxy run -- CMD [ARGS...]       a proxy on a free port for the length of CMD
    promptls proxy routes [--json]            which model answers each route and each agent, and why

Nothing here decides anything: routes are `router/proxy/routing`'s, the server `promptls/proxy`'s.
Only `proxy` and `proxy run` import the server (Starlette, uvicorn); `env` and `routes` do not.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import TYPE_CHECKING, Any

from promptls.cli import EXIT_FINDINGS, EXIT_OK, UsageError

if TYPE_CHECKING:
    from promptls.proxy.app import Proxy
    from promptls.router.settings.discover import ProjectSettings

EXAMPLES = """\
examples:
  promptls proxy run -- claude                 Claude Code on the models promptls routes to
  promptls proxy                               serve on 127.0.0.1:8719 until Ctrl-C
  eval "$(promptls proxy env)"                 point this shell's clients at it
  promptls proxy routes                        which model answers what, and why
  PROMPTLS_PROXY_TOKEN=... promptls proxy --host 0.0.0.0   serve the network (a token is required)

Routes live in promptls.toml:
  [proxy.routes]
  "claude-haiku-*" = "ollama/qwen2.5-coder"
  "claude-opus-*" = "openrouter/deepseek/deepseek-chat"
A Claude Code sub-agent's requests go to the model its agent file is assigned ([agents.NAME]).
"""


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "proxy",
        help="serve Claude Code and OpenAI clients, routing each request to a model",
        epilog=EXAMPLES,
        description="A local server speaking Anthropic's Messages API and OpenAI's chat completions, "
        "which routes each request to the model promptls resolves for it: [proxy.routes] globs for "
        "the ids Claude Code sends, and the assigned model of the agent a Claude Code sub-agent "
        "runs. Requests are recorded in the usage ledger (`promptls costs --by agent`).",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _serve_options(p, defaults=True)
    p.set_defaults(run=run_serve)
    actions = p.add_subparsers(dest="proxy_command", metavar="ACTION")
    env = actions.add_parser(
        "env",
        help="print the variables that point clients at the proxy",
        description="Print, for Claude Code and OpenAI clients, the variables that point them at the "
        'proxy (and stop Claude Code calling home besides): `eval "$(promptls proxy env)"`.',
    )
    _address_options(env)
    env.add_argument("--shell", choices=("bash", "fish", "powershell"), default="bash", help="(default bash)")
    env.set_defaults(run=run_env)
    running = actions.add_parser(
        "run",
        help="run a command with a proxy of its own",
        description="Start a proxy on a free port, run CMD with the variables that point it there, "
        "and stop the proxy when CMD exits, with CMD's exit status. Settings files of Claude Code or "
        "any other tool are never edited.",
    )
    _serve_options(running, defaults=False)
    running.add_argument("command", nargs=argparse.REMAINDER, metavar="-- CMD [ARGS...]")
    running.set_defaults(run=run_command)
    routes = actions.add_parser(
        "routes",
        help="which model answers each route and each agent, and why",
        description="For each [proxy.routes] glob, the ids Claude Code sends for opus, sonnet and "
        "haiku, and each agent of the project and the user: the model that answers, its fallbacks, "
        "and the setting that decided (file:line).",
    )
    routes.add_argument("--json", action="store_true", help="machine-readable output")
    routes.set_defaults(run=run_routes)


def _address_options(p: argparse.ArgumentParser, defaults: bool = True) -> None:
    keep = None if defaults else argparse.SUPPRESS
    p.add_argument("--host", default=keep, help="address to listen on (default 127.0.0.1, loopback only)")
    p.add_argument("--port", type=int, default=keep, help="port (default [proxy] port, else 8719)")


def _serve_options(p: argparse.ArgumentParser, defaults: bool) -> None:
    keep = (lambda value: value) if defaults else (lambda value: argparse.SUPPRESS)
    _address_options(p, defaults)
    p.add_argument("--quiet", action="store_true", default=keep(False), help="no log line per request")
    p.add_argument(
        "--log-format",
        choices=("text", "json"),
        default=keep("text"),
        help="request log lines (default text)",
    )
    p.add_argument(
        "--log-bodies",
        action="store_true",
        default=keep(False),
        help="also log each request's body and headers (credentials are never logged)",
    )


# ---- what the commands share ------------------------------------------------------------------------


def _settings() -> ProjectSettings:
    from promptls.cli.session import Session, project_root

    return Session().loader.for_directory(project_root())


def _port(args: argparse.Namespace, settings: ProjectSettings) -> int:
    from promptls.router.settings.spec import DEFAULT_PROXY_PORT

    port = getattr(args, "port", None)
    if port is None:
        port = settings.view.proxy.value("port", DEFAULT_PROXY_PORT)
    if not 0 <= port <= 65535:
        raise UsageError(f"--port {port}: a port is a number from 1 to 65535 (0: any free port)")
    return port


def _token(host: str, settings: ProjectSettings) -> tuple[str | None, str]:
    """The token clients must send (None: none is checked) and the variable it is read from."""
    from promptls.proxy.auth import DEFAULT_TOKEN_ENV, is_loopback

    name = settings.view.proxy.value("token_env") or DEFAULT_TOKEN_ENV
    token = os.environ.get(name) or None
    if token is None and not is_loopback(host):
        raise UsageError(
            f"--host {host} lets other machines in: set a token in {name} first (clients then send it "
            "as x-api-key or bearer), or keep the default --host 127.0.0.1"
        )
    return token, name


def _proxy(args: argparse.Namespace, token: str | None) -> Proxy:
    from promptls.cli.session import project_root
    from promptls.proxy.app import Proxy
    from promptls.proxy.exchange import RequestLog
    from promptls.proxy.state import ProxyState

    log = RequestLog(quiet=args.quiet, json_format=args.log_format == "json", bodies=args.log_bodies)
    return Proxy(ProxyState(project_root(), os.environ), log, token)


def _bind(host: str, port: int):
    from promptls.proxy.serve import bind

    try:
        return bind(host, port)
    except OSError as exc:
        hint = " (another proxy may be running there; try --port 0 for any free port)" if port else ""
        raise UsageError(f"cannot listen on {host}:{port}: {exc.strerror or exc}{hint}") from None


def _variables(url: str, token: str | None, token_name: str):
    from promptls.proxy.env import client_variables

    return client_variables(url, token_name if token else None)


# ---- the commands -----------------------------------------------------------------------------------


def run_serve(args: argparse.Namespace) -> int:
    from promptls.proxy.env import render
    from promptls.proxy.serve import base_url, serve_forever

    settings = _settings()
    host = args.host or "127.0.0.1"
    token, token_name = _token(host, settings)
    port = _port(args, settings)
    sock = _bind(host, port)
    proxy = _proxy(args, token)
    url = base_url(sock)
    shell = "powershell" if os.name == "nt" else "bash"
    print(f"promptls proxy: listening on {url} for the project in {proxy.state.project_root}")
    print('Point Claude Code and OpenAI clients at it (`eval "$(promptls proxy env)"` sets these):')
    for line in render(_variables(url, token, token_name), shell).splitlines():
        print(f"  {line}")
    print("or run a command with a proxy of its own: promptls proxy run -- claude")
    print("Routes: promptls proxy routes. Stop with Ctrl-C.", flush=True)
    serve_forever(proxy, sock)
    return EXIT_OK


def run_env(args: argparse.Namespace) -> int:
    from promptls.proxy.auth import DEFAULT_TOKEN_ENV, is_loopback
    from promptls.proxy.env import render

    settings = _settings()
    host = args.host or "127.0.0.1"
    token_name = settings.view.proxy.value("token_env") or DEFAULT_TOKEN_ENV
    checked = bool(os.environ.get(token_name)) or not is_loopback(host)
    shown = f"[{host}]" if ":" in host else ("127.0.0.1" if host in ("0.0.0.0", "localhost") else host)
    url = f"http://{shown}:{_port(args, settings)}"
    sys.stdout.write(render(_variables(url, "set" if checked else None, token_name), args.shell))
    return EXIT_OK


def run_command(args: argparse.Namespace) -> int:
    from promptls.proxy.env import child_environment
    from promptls.proxy.serve import Background, base_url

    command = list(args.command)
    if command and command[0] == "--":
        command = command[1:]
    if not command:
        raise UsageError("name the command to run after --, e.g. promptls proxy run -- claude")
    settings = _settings()
    host = getattr(args, "host", None) or "127.0.0.1"
    token, token_name = _token(host, settings)
    port = getattr(args, "port", None) or 0
    for name, default in (("quiet", False), ("log_format", "text"), ("log_bodies", False)):
        if not hasattr(args, name):
            setattr(args, name, default)
    sock = _bind(host, port)
    url = base_url(sock)
    proxy = _proxy(args, token)
    env = child_environment(os.environ, _variables(url, token, token_name), token)
    with Background(proxy, sock):
        proxy.log.note(f"listening on {url} for {command[0]}")
        return _run_child(command, env)


def _run_child(command: list[str], env: dict[str, str]) -> int:
    """Run `command` to its end; its exit status (128 + N for a signal). Ctrl-C goes to it (it shares
    the terminal) and the wait goes on: the command decides whether it stops."""
    import signal
    import subprocess

    try:
        child = subprocess.Popen(command, env=env)
    except FileNotFoundError:
        print(f"promptls proxy run: {command[0]}: command not found", file=sys.stderr)
        return 127
    except PermissionError:
        print(f"promptls proxy run: {command[0]}: permission denied", file=sys.stderr)
        return 126
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        status = child.wait()
    finally:
        signal.signal(signal.SIGINT, previous)
    return 128 - status if status < 0 else status


def run_routes(args: argparse.Namespace) -> int:
    from promptls.cli.session import Session, project_root
    from promptls.proxy.agents import AgentFiles
    from promptls.proxy.routes import routes_report

    settings = _settings()
    report = routes_report(settings, Session().catalog, AgentFiles(project_root()).all())
    cwd = os.getcwd()
    if args.json:
        json.dump([row.as_dict(cwd) for row in report], sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
        return EXIT_OK
    _print_routes(report, cwd)
    return EXIT_FINDINGS if any(row.failed for row in report) else EXIT_OK


def _print_routes(report: list[Any], cwd: str) -> None:
    from promptls.cli.style import painter_for

    paint = painter_for(sys.stdout, "auto")
    section = None
    for row in report:
        if row.section != section:
            section = row.section
            print(paint(section, "bold"))
        print(f"  {row.line(cwd)}")
        for note in row.notes(cwd):
            print(paint(f"      {note}", "dim"))
