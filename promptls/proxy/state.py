"""What the proxy keeps between requests: the project's settings (re-read when a file changes), the
catalog, the agent files, the routes already decided, and the calls a route makes.

Every decision is the core's (`router/proxy/routing.route`, `router/resolution/plan.plan_call`); this
module only caches them, per requested id and agent, until the settings or agent files change.
Keys are looked up when a call is made (`adapters/execute.key_for`: the environment, then the OS
keyring) and remembered for `KEY_TTL` seconds; never taken from the client.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

from promptls.proxy.agents import AgentFiles
from promptls.proxy.throttle import Throttle
from promptls.router.proxy.agents import subagent_signal
from promptls.router.proxy.routing import ProxyRoute, route
from promptls.router.resolution.plan import FallbackPlan, PlannedCall, RetryPolicy, plan_call

if TYPE_CHECKING:
    from promptls.adapters.base import Endpoint
    from promptls.router.models.catalog import Catalog
    from promptls.router.prompts.frontmatter import PromptFile
    from promptls.router.settings.discover import ProjectSettings

CHECK_EVERY = 2.0
"""Seconds between two looks for changed settings files."""

KEY_TTL = 30.0
"""Seconds a provider's key is used before it is looked up again: a key set or changed while the
proxy runs (`promptls keys set`) is used within this time, and an OS keyring (a D-Bus call) is not
asked at every request."""


class Decision(NamedTuple):
    route: ProxyRoute
    agent: PromptFile | None
    plan: FallbackPlan
    """The calls the route makes, its model first (keys are looked up as each is called)."""


class ProxyState:
    """One proxy's view of its project; shared by the requests' threads."""

    def __init__(
        self,
        project_root: str,
        env: Mapping[str, str],
        agents: AgentFiles | None = None,
        check_every: float = CHECK_EVERY,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        from promptls.router.models.catalog import load_catalog
        from promptls.router.settings import SettingsLoader

        self.project_root = project_root
        self.env = dict(env)
        self._looks = Throttle(check_every)
        """Between two looks for changed settings files (0 seconds: at every request)."""
        self.clock = clock
        """For the keys' time to live (a test's own clock)."""
        self.loader = SettingsLoader()
        from promptls.router.models.catalog import CATALOG_ENV

        self.catalog: Catalog = load_catalog(self.env.get(CATALOG_ENV))
        self.agents = agents or AgentFiles(project_root)
        self._lock = threading.Lock()
        self._routes: dict[tuple[str, str | None], Decision] = {}
        self._keys: dict[tuple[str, str | None, bool], tuple[float, str | None]] = {}
        self._settings = self.loader.for_directory(project_root)
        self._stamps = self._settings_stamps()
        self._agents_seen = self.agents.index
        retries = self.env.get("PROMPTLS_RETRIES", "")
        self.retry = RetryPolicy(retries=int(retries)) if retries.isdigit() else RetryPolicy()
        """As `promptls run`'s: retries of a model after a retryable failure, then the next model."""

    @property
    def settings(self) -> ProjectSettings:
        self._maybe_reload()
        return self._settings

    def decide(self, body: Mapping[str, Any], headers: Mapping[str, str]) -> Decision:
        """The route of an Anthropic Messages request (`headers` with lower-case names), and its calls."""
        requested = body.get("model")
        requested = requested if isinstance(requested, str) else ""
        signal = subagent_signal(body, headers)
        agent = self.agents.match(signal.texts) if signal.marked else None
        return self.decide_for(requested, agent)

    def decide_for(self, requested: str, agent: PromptFile | None = None) -> Decision:
        self._maybe_reload()
        if self.agents.index is not self._agents_seen:  # agent files changed: their routes may have
            with self._lock:
                self._routes.clear()
                self._agents_seen = self.agents.index
        key = (requested, agent.path if agent is not None else None)
        decided = self._routes.get(key)
        if decided is None:
            chosen = route(requested, self._settings, self.catalog, agent)
            calls = tuple(plan_call(m, self._settings, self.catalog, self.env) for m in chosen.chain())
            # A model that failed is skipped by later requests for a while (cooled down), so they go
            # to its fallback at once; a route without a fallback would only fail at once instead:
            # its model is tried every time, and its failures cool nothing down.
            retry = self.retry if len(calls) > 1 else self.retry._replace(cooldown=0.0)
            decided = Decision(chosen, agent, FallbackPlan(calls, retry))
            with self._lock:
                if len(self._routes) > 1024:  # ids are the clients' to choose: bounded
                    self._routes.clear()
                self._routes[key] = decided
        return decided

    def endpoint(self, call: PlannedCall, env: Mapping[str, str] | None = None) -> Endpoint:
        """The call's endpoint with its key (`adapters/execute.endpoint_for`), the key remembered for
        `KEY_TTL` seconds. A missing key raises `MissingKey` each time (nothing is remembered)."""
        from promptls.adapters.execute import endpoint_with, key_for

        found = self.cached_endpoint(call)
        if found is not None:
            return found
        key = key_for(call, self.env if env is None else env)
        self._keys[_key_slot(call)] = (self.clock() + KEY_TTL, key)
        return endpoint_with(call, key)

    def cached_endpoint(self, call: PlannedCall) -> Endpoint | None:
        """The call's endpoint when its key is remembered (no lookup: for the event loop)."""
        from promptls.adapters.execute import endpoint_with

        slot = self._keys.get(_key_slot(call))
        if slot is None or slot[0] < self.clock():
            return None
        return endpoint_with(call, slot[1])

    def token_env(self) -> str | None:
        value = self.settings.view.proxy.value("token_env")
        return value if isinstance(value, str) and value else None

    def _maybe_reload(self) -> None:
        if not self._looks.due():
            return
        with self._lock:
            stamps = self._settings_stamps()
            if stamps != self._stamps:
                self.loader.invalidate()
                self._settings = self.loader.for_directory(self.project_root)
                self._stamps = self._settings_stamps()
                self._routes.clear()
                self._keys.clear()  # settings may name another key variable

    def _settings_stamps(self) -> dict[str, float | None]:
        """The settings files that apply here and the ones that could appear (a new promptls.toml)."""
        from promptls.router.settings.discover import LOCAL_FILE, PROJECT_FILE, PYPROJECT_FILE

        paths = {f.path for f in self._settings.files} | {self.loader.user_path}
        for folder in (self.project_root, self._settings.root):
            if folder:
                paths |= {os.path.join(folder, n) for n in (PROJECT_FILE, LOCAL_FILE, PYPROJECT_FILE)}
        return {path: _stamp(path) for path in sorted(paths)}


def _key_slot(call: PlannedCall) -> tuple[str, str | None, bool]:
    """What a call's key depends on (adapters/execute.key_for)."""
    return (call.provider, call.api_key_env, call.local)


def _stamp(path: str) -> float | None:
    try:
        return os.stat(path).st_mtime_ns / 1e9
    except OSError:
        return None
