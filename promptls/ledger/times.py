"""How the ledger keeps time: stored as ISO 8601 text in UTC, in one fixed format so that stored
times compare as text; days and months (`--since`, `--by day`, budgets) are the user's local ones."""

from __future__ import annotations

import datetime


def utc_now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def stored(moment: datetime.datetime) -> str:
    """`2025-03-10T12:00:00.000+00:00`: one fixed format, so stored times compare as text."""
    return moment.astimezone(datetime.UTC).isoformat(timespec="milliseconds")


def day_start(day: datetime.date | None) -> str:
    """The stored time of local midnight starting `day`; "" (before everything) for None."""
    if day is None:
        return ""
    try:
        return stored(datetime.datetime.combine(day, datetime.time()).astimezone())
    except (ValueError, OverflowError):
        # Midnight of 0001-01-01 or 9999-12-31 in UTC can fall outside the calendar: such a day is
        # before (or after) every stored time.
        return "" if day.year == datetime.MINYEAR else "~"
