"""A completion item before its range is known: what completion builds once and reuses."""

from __future__ import annotations

from typing import NamedTuple


class Option(NamedTuple):
    """A completion without its range: what can be built once and reused."""

    label: str
    kind: str
    detail: str | None
    documentation: str | None
    insert_text: str
    deprecated: bool
    sort_text: str
    model: str | None = None
