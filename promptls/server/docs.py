"""Rule documentation for `codeDescription` links: one markdown file per rule, written locally.

The text is the rule's docstring (the same `promptls explain` prints), written once per promptls
version into the user cache folder, so the link works offline and can never disagree with the
installed version.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

from promptls import __version__


@cache
def _docs_dir() -> Path:
    import platformdirs

    folder = Path(platformdirs.user_cache_dir("promptls", appauthor=False)) / "rules" / __version__
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@cache
def rule_doc_uri(code: str) -> str | None:
    from promptls.router.rules.index import explain

    text = explain(code) or f"{code}: no documentation.\n"
    try:
        path = _docs_dir() / f"{code}.md"
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(text, encoding="utf-8")
            os.replace(tmp, path)
        return path.as_uri()
    except OSError:
        return None  # no writable cache folder: the diagnostic goes without a link
