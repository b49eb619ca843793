"""The real `promptls proxy` process, in a project whose providers are wire servers on 127.0.0.1.

    alpha   an OpenAI-compatible server (declared `[providers.alpha]`, local): Claude Code's ids go here
    beta    another one (`[providers.beta]`, with a key from OPENAI_API_KEY): the fallback, and the
            model the project's `reviewer` agent is assigned
    claude  Anthropic's Messages protocol (`[providers.anthropic] base_url`): pass-through

`start_proxy(project)` runs `python -m promptls proxy --port 0` there and reads the address it prints;
its stderr (the request log) goes to a file, read when it stops. The clients are the official SDKs and
Claude Code, each with a key of its own (`CLIENT_KEY`) that no upstream may ever see.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import PROMPTLS, assert_no_canary
from tests.wire.anthropic_server import AnthropicWireServer
from tests.wire.openai_server import OpenAIWireServer

CLIENT_KEY = "client-own-key-7f3a9e1c"
"""What the clients send as their key: the proxy must never pass it upstream."""

REVIEWER_BODY = (
    "You are the reviewer agent of this project.\n\n"
    "Read the change you are given and answer with one line: LGTM, or the first bug you find."
)
REVIEWER = f"""---
name: reviewer
description: Reviews a change for bugs. Use it whenever code needs a review.
---
{REVIEWER_BODY}
"""

SETTINGS = """\
[providers.alpha]
base_url = "{alpha}"
local = true

[providers.beta]
base_url = "{beta}"
api_key_env = "OPENAI_API_KEY"

[providers.anthropic]
base_url = "{claude}"

[proxy.routes]
"claude-*" = "alpha/main-model"
"claude-haiku-*" = "alpha/small-model"
{extra_routes}
[agents.reviewer]
model = "beta/reviewer-model"
{extra}
"""


class Upstreams:
    def __init__(self) -> None:
        self.alpha = OpenAIWireServer().start()
        self.beta = OpenAIWireServer().start()
        self.claude = AnthropicWireServer().start()

    def reset(self) -> Upstreams:
        for server in (self.alpha, self.beta, self.claude):
            server.reset()
        return self

    def stop(self) -> None:
        for server in (self.alpha, self.beta, self.claude):
            server.stop()


@pytest.fixture(scope="session")
def running_upstreams() -> Iterator[Upstreams]:
    servers = Upstreams()
    yield servers
    servers.stop()


@pytest.fixture
def upstreams(running_upstreams: Upstreams) -> Upstreams:
    """The three wire servers, with empty scripts and no recorded request."""
    return running_upstreams.reset()


def write_project(folder: Path, upstreams: Upstreams, *, extra: str = "", extra_routes: str = "") -> Path:
    """A project (a git repository) with the settings above and the `reviewer` agent."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / ".git").mkdir(exist_ok=True)
    (folder / "promptls.toml").write_text(
        SETTINGS.format(
            alpha=upstreams.alpha.base_url,
            beta=upstreams.beta.base_url,
            claude=upstreams.claude.base_url,
            extra=extra,
            extra_routes=extra_routes,
        ),
        encoding="utf-8",
    )
    agents = folder / ".claude" / "agents"
    agents.mkdir(parents=True, exist_ok=True)
    (agents / "reviewer.md").write_text(REVIEWER, encoding="utf-8")
    return folder


@pytest.fixture
def project(tmp_path: Path, upstreams: Upstreams) -> Path:
    return write_project(tmp_path / "project", upstreams)


class RunningProxy:
    """`promptls proxy --port 0 ARGS` in `project`, until `stop()`."""

    def __init__(self, project: Path, *args: str, env: dict[str, str | None] | None = None) -> None:
        self.log_path = project.parent / f"proxy-{os.getpid()}-{id(self)}.log"
        environ = {**os.environ, "PROMPTLS_RETRIES": "0", "HOME": str(project.parent / "home")}
        for name, value in (env or {}).items():
            if value is None:
                environ.pop(name, None)
            else:
                environ[name] = value
        self.env = environ
        self.stopped: str | None = None
        with open(self.log_path, "w", encoding="utf-8") as log:
            self.proc = subprocess.Popen(
                [*PROMPTLS, "proxy", "--port", "0", *args],
                cwd=project,
                env=environ,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=log,
                text=True,
            )
        assert self.proc.stdout is not None
        self.banner = self.proc.stdout.readline()  # the first line says where it listens
        found = re.search(r"listening on (http://\S+)", self.banner)
        if found is None:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError(f"the proxy did not start: {self.banner!r}\n{self.log()}")
        self.url = found[1]

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def stop(self) -> str:
        """Ctrl-C it and return its stderr; it must end cleanly, without a traceback or a key."""
        if self.stopped is not None:
            return self.stopped
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise
        assert self.proc.stdout is not None
        rest = self.proc.stdout.read()
        self.proc.stdout.close()
        log = self.log()
        assert "Traceback" not in log, log
        assert_no_canary(self.banner + rest + log)
        assert CLIENT_KEY not in log
        self.stopped = log
        return log


@pytest.fixture
def start_proxy() -> Iterator:
    """Start proxies (`start_proxy(project, *args, env=...)`); each is stopped after the test."""
    started: list[RunningProxy] = []

    def start(project: Path, *args: str, env: dict[str, str | None] | None = None) -> RunningProxy:
        proxy = RunningProxy(project, *args, env=env)
        started.append(proxy)
        return proxy

    yield start
    for proxy in started:
        proxy.stop()


@pytest.fixture
def proxy(project: Path, start_proxy) -> RunningProxy:
    """A proxy serving `project`."""
    return start_proxy(project)
