"""Budgets: this month's and today's spend in the ledger against `[budget] monthly_usd` / `daily_usd`.

A budget warns (after a run, and in `promptls costs`); it counts known costs only and says how many
runs of unknown cost there were, so the spend may be higher than shown.
"""

from __future__ import annotations

import datetime
import os
from collections.abc import Iterable
from typing import TYPE_CHECKING, NamedTuple

from promptls.ledger.queries import totals
from promptls.router.models.money import money
from promptls.router.settings.view import merged_view

if TYPE_CHECKING:
    from promptls.ledger.record import Ledger
    from promptls.router.settings import ProjectSettings, SettingsFile

BUDGET_KEYS = (("month", "monthly_usd"), ("day", "daily_usd"))


class BudgetStatus(NamedTuple):
    period: str
    """`month` or `day`."""
    limit_usd: float
    spent_usd: float
    """Known costs only."""
    unknown_cost: int
    """Runs in the period whose cost is unknown, so the spend may be higher."""
    source: str
    """Where the limit was set, e.g. `promptls.toml:4`."""

    @property
    def crossed(self) -> bool:
        return self.spent_usd > 0 and self.spent_usd >= self.limit_usd

    @property
    def percent(self) -> float | None:
        return self.spent_usd / self.limit_usd * 100 if self.limit_usd else None

    def line(self) -> str:
        """`spent $4.20 of $10.00 this month (42%)`, noting runs of unknown cost."""
        when = "this month" if self.period == "month" else "today"
        text = f"spent {money(self.spent_usd)} of {money(self.limit_usd)} {when}"
        percent = self.percent
        if percent is not None:
            text += " (<1%)" if 0 < percent < 1 else f" ({percent:.0f}%)"
        if self.unknown_cost:
            runs = "run" if self.unknown_cost == 1 else "runs"
            text += f", plus {self.unknown_cost} {runs} of unknown cost"
        return text


def budget_status(
    ledger: Ledger,
    settings_files: ProjectSettings | Iterable[SettingsFile],
    today: datetime.date,
) -> list[BudgetStatus]:
    """This month's and today's spend against `[budget] monthly_usd` / `daily_usd`, where set.

    `settings_files` are a project's settings files, nearest first (`ProjectSettings.files`); the
    nearest file that sets a limit wins.
    """
    view = getattr(settings_files, "view", None)  # a ProjectSettings: its merged view
    if view is None:
        view = merged_view([f.view for f in settings_files])
    statuses = []
    for period, key in BUDGET_KEYS:
        setting = view.budget.setting(key)
        if setting is None or isinstance(setting.value, bool):
            continue
        since = today.replace(day=1) if period == "month" else today
        spent, unknown = totals(ledger, since)
        where = setting.source.location(os.getcwd())
        statuses.append(BudgetStatus(period, float(setting.value), spent, unknown, where))
    return statuses


def budget_warning(
    ledger: Ledger,
    settings_files: ProjectSettings | Iterable[SettingsFile],
    today: datetime.date,
) -> str | None:
    """One line to print after a run when this month's or today's budget is reached; else None."""
    crossed = [s for s in budget_status(ledger, settings_files, today) if s.crossed]
    if not crossed:
        return None
    parts = "; ".join(f"{s.line()} (budget set in {s.source})" for s in crossed)
    return f"over budget: {parts}"
