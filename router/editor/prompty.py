"""Hover and completion inside a Prompty file's `model:` mapping: what each key means, for a run
parameter under `options` (v2) or `parameters` (v1) which promptls parameter it is and the value in
effect; the keys, values and model names completion offers there."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, NamedTuple

from promptls.router.prompts import prompty
from promptls.router.prompts.keyspec import parameter_spec

if TYPE_CHECKING:
    from promptls.router.base.source import Span
    from promptls.router.prompts.frontmatter import Entry, PromptFile
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


class NestedContext(NamedTuple):
    """Where the cursor is inside `model:` of a Prompty file: at a key of `path`, or in its value."""

    path: tuple[str, ...]
    """The mapping the cursor is in (`("model",)`, `("model", "options")`)."""
    key: str | None
    """The key whose value is completed; None at a key position."""
    start: int
    end: int


_LINE = re.compile(r"([ \t]+)([A-Za-z_$][\w$-]*)?([ \t]*:[ \t]*)?(.*)")


def nested_context(prompt: PromptFile, offset: int) -> NestedContext | None:
    """The cursor on an indented line under `model:` (read from the text: a half-typed line counts)."""
    text = prompt.text
    lines = prompt.lines
    line_no = lines.position(offset).line
    span = lines.line_span(line_no)
    match = _LINE.fullmatch(text, span.start, span.end)
    if match is None:
        return None
    indent = len(match.group(1))
    path = _ancestors(prompt, line_no, indent)
    if not path or path[0] != "model":
        return None
    key_start, key_end = match.start(1) + indent, match.end(2) if match.group(2) else match.end(1)
    if offset <= key_end or match.group(3) is None:
        if offset < key_start or (match.group(3) is None and match.group(4)):
            return None
        return NestedContext(path, None, key_start, key_end)
    value_start = match.end(3)
    value_end = len(text[: span.end].rstrip(" \t"))
    if offset < value_start:
        return None
    return NestedContext(path, match.group(2), value_start, max(value_end, value_start))


def _ancestors(prompt: PromptFile, line_no: int, indent: int) -> tuple[str, ...]:
    """The keys of the lines above that hold this one, outermost first."""
    text = prompt.text
    lines = prompt.lines
    path: list[str] = []
    for number in range(line_no - 1, -1, -1):
        span = lines.line_span(number)
        raw = text[span.start : span.end]
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        if raw.strip() == "---":
            break
        own = len(raw) - len(raw.lstrip(" \t"))
        if own < indent:
            key, _, rest = raw.strip().partition(":")
            if rest.strip() and not rest.strip().startswith("#"):
                return ()  # `key: value` on one line holds no block
            path.insert(0, key)
            indent = own
            if own == 0:
                return tuple(path)
    return ()


def nested_choices(prompt: PromptFile, context: NestedContext) -> tuple[str, list[tuple[str, str]]]:
    """What to offer: ("key", [(name, doc)]), ("value", [(value, "")]) or ("model", [(provider, "")])."""
    model = prompt.get("model")
    v1 = model is not None and isinstance(model.value, dict) and prompty.is_v1_model(model)
    path = context.path
    if context.key is None:
        if path == ("model",):
            return "key", list(prompty.MODEL_KEYS.items())
        if path == ("model", "options") and not v1:
            names = [*prompty.OPTIONS_PARAMS, *prompty.OPTIONS_OTHER]
            return "key", [(name, _option_doc(name)) for name in names]
        if path in (("model", "parameters"), ("model", "options")):
            return "key", [(name, _option_doc(name)) for name in prompty.PARAMETERS_PARAMS]
        return "key", []
    if path == ("model",) and context.key in prompty.MODEL_VALUES:
        return "value", [(v, "") for v in prompty.MODEL_VALUES[context.key]]
    if path[-1:] in (("configuration",), ("connection",)) and context.key == "type":
        return "value", [(v, "") for v in prompty.CONFIGURATION_TYPES]
    if path == ("model",) and context.key == "id":
        provider = model.child("provider") if model is not None else None
        name = provider.value if provider is not None and isinstance(provider.value, str) else "openai"
        return "model", [(name, "")] if name in ("openai", "anthropic") else []
    if path == ("model", "configuration") and context.key == "name":
        return "model", [("openai", "")]
    return "value", []


def _option_doc(name: str) -> str:
    param = prompty.OPTIONS_PARAMS.get(name) or prompty.PARAMETERS_PARAMS.get(name)
    spec = parameter_spec(param) if param else None
    if spec is not None:
        return f"The promptls parameter `{param}`: {spec.doc}"
    if name == "additionalProperties":
        return "Provider-specific options, passed through."
    if name == "allowMultipleToolCalls":
        return "Whether the model may call several tools in one answer."
    return ""
