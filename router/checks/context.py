"""What a prompt check gets: the parsed file, its resolution, the catalog, and today's date."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, NamedTuple

from promptls.router.base.findings import Edit, Fix
from promptls.router.prompts.frontmatter import Entry, PromptFile

if TYPE_CHECKING:
    from promptls.router.models.catalog import Catalog
    from promptls.router.resolution.resolve import Resolution


class PromptContext(NamedTuple):
    prompt: PromptFile
    resolution: Resolution
    catalog: Catalog
    today: datetime.date

    @property
    def path(self) -> str:
        return self.prompt.path


def replace_value_fix(path: str, entry: Entry, new_value: str, title: str, *, safe: bool = True) -> Fix:
    """Write another value in place of the entry's; a did-you-mean or a successor is safe for `--fix`."""
    return Fix(title, (Edit(path, entry.value_span, entry.replacement_text(new_value)),), safe=safe)
