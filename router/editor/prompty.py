"""Hover inside a Prompty file's `model:` mapping: what each key means, and for a run parameter under
`options` (v2) or `parameters` (v1), which promptls parameter it is and the value in effect."""

from __future__ import annotations

from typing import TYPE_CHECKING

from promptls.router.prompts import prompty
from promptls.router.prompts.keyspec import parameter_spec

if TYPE_CHECKING:
    from promptls.router.base.source import Span
    from promptls.router.prompts.frontmatter import Entry
    from promptls.router.resolution.resolve import Resolution


def model_key_hover(model: Entry, offset: int, res: Resolution) -> tuple[str, Span] | None:
    """Markdown for the nested key under the cursor in `model:`, and its span; None elsewhere."""
    for child in model.children:
        if _inside(child.key_span, offset):
            doc = prompty.MODEL_KEYS.get(child.key)
            text = (
                f"**`model.{child.key}`** — {doc}" if doc else f"**`model.{child.key}`**: Prompty ignores it"
            )
            return text, child.key_span
        if child.key in ("options", "parameters") and _inside(child.value_span, offset):
            for param, entry, label in prompty.parameter_entries_of(model):
                if entry in child.children and _inside(entry.key_span, offset):
                    return _param_hover(param, label, res), entry.key_span
    return None


def _param_hover(param: str, label: str, res: Resolution) -> str:
    out = [f"**`{label}`** — Prompty's name for the promptls parameter `{param}`"]
    spec = parameter_spec(param)
    if spec is not None:
        out += ["", spec.doc]
    setting = res.params.get(param)
    out.append("")
    if setting is None:
        out.append("**In effect**: not set (the provider's default)")
    else:
        out.append(f"**In effect**: `{setting.value}` from {setting.source.label}")
    return "\n".join(out)


def _inside(span: Span, offset: int) -> bool:
    return span.start <= offset <= span.end and span.start < span.end
