"""`promptls proxy routes`: for each route, each model id Claude Code sends by default, and each agent,
the model that would answer and why — the core's `route`, shown as `promptls resolve` shows a prompt.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, NamedTuple

from promptls.router.proxy.routing import ProxyRoute, RouteStep, route

if TYPE_CHECKING:
    from promptls.router.models.catalog import Catalog
    from promptls.router.prompts.frontmatter import PromptFile
    from promptls.router.settings.discover import ProjectSettings

ROUTES = "Routes ([proxy.routes] in settings):"
CLAUDE_CODE = "The models Claude Code asks for by its aliases:"
AGENTS = "Agents (a Claude Code sub-agent's requests):"


class RouteRow(NamedTuple):
    section: str
    asked: str
    """What a client asks for: a glob, an id, `sub-agent NAME`."""
    route: ProxyRoute
    path: str | None = None
    """The agent file, for an agent's row."""

    def line(self, relative_to: str | None = None) -> str:
        target = str(self.route.model) if self.route.model else "no model"
        step = self.route.decided_by
        why = _why(step, relative_to) if step else (self.route.problem or "")
        if self.route.model is None and self.route.problem is None:  # an agent on the normal route
            target, why = "(the model it asks for)", "its own model is Claude Code's: the routes above decide"
        return f"{self.asked:<28} → {target:<36} {why}".rstrip()

    def notes(self, relative_to: str | None = None) -> list[str]:
        out = []
        if self.route.fallback:
            out.append("falls back to " + ", ".join(map(str, self.route.fallback)))
        for step in self.route.steps:
            if not step.chosen and step.note:
                out.append(f"not {step.label}: {step.note}")
        return out

    @property
    def failed(self) -> bool:
        """No model answers (a route to no usable model, an id nothing routes)."""
        return self.route.problem is not None

    def as_dict(self, relative_to: str | None = None) -> dict[str, Any]:
        return {
            "section": self.section,
            "asked": self.asked,
            "agent_file": self.path,
            "model": str(self.route.model) if self.route.model else None,
            "fallback": [str(m) for m in self.route.fallback],
            "agent": self.route.agent,
            "problem": self.route.problem,
            "steps": [
                {
                    "label": s.label,
                    "value": s.value,
                    "location": s.source.location(relative_to) if s.source else None,
                    "note": s.note,
                    "chosen": s.chosen,
                }
                for s in self.route.steps
            ],
        }


def _why(step: RouteStep, relative_to: str | None) -> str:
    where = f" ({step.source.location(relative_to)})" if step.source and step.source.path else ""
    if step.label == "the request":
        return step.note or ""
    return f"{step.label}{where}" + (
        f": {step.note}" if step.note and step.label.startswith("sub-agent") else ""
    )


def routes_report(
    settings: ProjectSettings, catalog: Catalog, agents: Iterable[PromptFile]
) -> list[RouteRow]:
    from promptls.router.models.modelid import CLAUDE_ALIASES, latest_claude

    rows = []
    for glob, layered in settings.view.proxy_routes.items():
        literal = not any(ch in glob for ch in "*?[")
        asked = glob if literal else str(layered.value)
        chosen = route(asked, settings, catalog)
        if not literal:  # a glob is shown by what it says; its model passes as it is
            label = f'[proxy.routes] "{glob}"'
            usable = chosen.model is not None
            step = RouteStep(label, str(layered.value), layered.source, chosen=usable)
            problem = None
            if not usable:
                where = layered.source.location(settings.root)
                problem = f"{label} = {layered.value!r} ({where}) is no model promptls can call"
            chosen = chosen._replace(steps=(step,), requested=glob, problem=problem)
        rows.append(RouteRow(ROUTES, glob, chosen))
    for alias in CLAUDE_ALIASES:
        latest = latest_claude(catalog, alias)
        if latest is not None:
            rows.append(
                RouteRow(CLAUDE_CODE, f"{alias} ({latest.name})", route(latest.name, settings, catalog))
            )
    for agent in agents:
        chosen = route("", settings, catalog, agent)
        if chosen.agent is None:  # its requests name their model: show what Claude Code's default gets
            steps = tuple(s for s in chosen.steps if s.label.startswith("sub-agent"))
            chosen = ProxyRoute("", None, (), steps)
        rows.append(RouteRow(AGENTS, agent.name, chosen, agent.path))
    return rows
