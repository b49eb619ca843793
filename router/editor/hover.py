"""Hover in a prompt file's frontmatter: the resolved model and why, a list item's model, a key's doc.

`hover(prompt, offset, resolution, catalog)` answers from the resolution the front end already has
(the same one `promptls resolve` explains), so the editor and the shell cannot disagree. Locations
are markdown links (`[promptls.toml:12](file:///abs/promptls.toml#L12)`) the editor can follow.

`key_markdown`, `model_markdown` and `model_detail` are shared with completion (`router.editor.complete`):
a key or a model is described the same way wherever it is shown.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from promptls.router.base.source import Span
from promptls.router.models.copilot import copilot_models, find_copilot_model
from promptls.router.models.modelid import RefKind, interpret
from promptls.router.models.money import Prices, per_million, prices_at, tokens_amount
from promptls.router.models.tokens import TokenCount, estimate_tokens_cached
from promptls.router.prompts.dialects import Dialect
from promptls.router.prompts.frontmatter import Entry, Item, PromptFile
from promptls.router.prompts.keyspec import (
    DOTPROMPT_CONFIG_PARAMS,
    PARAMETER_KEYS,
    KeySpec,
    keys_for,
    parameter_spec,
)
from promptls.router.resolution.report import model_facts, tier_note, tokens_and_cost
from promptls.router.resolution.resolve import Candidate, Resolution, known_providers, model_info
from promptls.router.settings.layers import Source

if TYPE_CHECKING:
    from promptls.router.models.catalog import Catalog, ModelInfo


class HoverResult(NamedTuple):
    markdown: str
    span: Span
    """The range the hover is about (the value, the list item or the key)."""


_TOOLS = {
    Dialect.CLAUDE_AGENT: "Claude Code",
    Dialect.CLAUDE_COMMAND: "Claude Code",
    Dialect.CLAUDE_SKILL: "Claude Code",
    Dialect.CLAUDE_RULE: "Claude Code",
    Dialect.COPILOT_PROMPT: "VS Code Copilot",
    Dialect.COPILOT_AGENT: "VS Code Copilot",
    Dialect.COPILOT_INSTRUCTIONS: "VS Code Copilot",
    Dialect.SKILL: "Agent Skills",
    Dialect.DOTPROMPT: "Dotprompt",
    Dialect.PROMPTY: "Prompty",
    Dialect.GENERIC: "promptls",
}


def hover(prompt: PromptFile, offset: int, resolution: Resolution, catalog: Catalog) -> HoverResult | None:
    """What to show for the frontmatter position `offset`; None outside keys, model values and lists."""
    frontmatter = prompt.frontmatter
    if frontmatter is None or not frontmatter.start <= offset <= frontmatter.end:
        return None
    for entry in prompt.entries:
        if offset < entry.key_span.start:
            break  # entries are in text order
        if _inside(entry.key_span, offset):
            return HoverResult(_key_hover(prompt, entry.key, resolution), entry.key_span)
        if not _inside(entry.value_span, offset):
            continue
        if entry.key in ("model", "fallback") and entry.items:
            return _list_item_hover(prompt, entry, offset, resolution, catalog)
        if entry.key == "model" and prompt.dialect is Dialect.PROMPTY and entry.children:
            from promptls.router.editor.prompty import model_key_hover

            nested = model_key_hover(entry, offset, resolution)
            if nested is not None:
                return HoverResult(*nested)
        if entry.key == "model":
            return HoverResult(_model_hover(resolution, catalog), entry.value_span)
        if entry.key == "config" and prompt.dialect is Dialect.DOTPROMPT:
            for child in entry.children:
                if _inside(child.key_span, offset) and child.key in DOTPROMPT_CONFIG_PARAMS:
                    markdown = _config_key_hover(child.key, resolution)
                    return HoverResult(markdown, child.key_span)
        return None
    return None


def _inside(span: Span, offset: int) -> bool:
    return span.start <= offset <= span.end and span.start < span.end


# --- the model value ---------------------------------------------------------------------------


def _model_hover(res: Resolution, catalog: Catalog) -> str:
    root = res.settings.root
    out: list[str] = []
    if res.model is None or res.info is None:
        out.append("**No model can be chosen**")
        out.append("")
        out.append(f"⚠ {res.problem}")
    else:
        info = res.info
        title = f"**Runs on `{res.model}`**"
        if info.display_name:
            title += f" ({info.display_name})"
        out.append(title)
        out.append("")
        out.append(" · ".join(model_facts(info)))
        notes = _model_notes(info, catalog)
        copilot = _copilot_note(res)
        if copilot:
            notes.append(copilot)
        if notes:
            out.append("")
            out.extend(notes)
    out.append("")
    out.append("**Why this model**" if res.model is not None else "**What each layer says**")
    out.append("")
    out.extend(_steps(res.steps.get("model", ()), root, res.model is None))
    out.append("")
    out.append(_fallback_line(res, root))
    if res.model is not None:
        out.append("")
        out.extend(_size_and_cost(res, catalog))
    return "\n".join(out)


def _model_notes(info: ModelInfo, catalog: Catalog) -> list[str]:
    notes = []
    if info.known == "unknown":
        notes.append(
            f"⚠ unknown model: `{info.id}` is not in the catalog; its context window and prices are unknown"
        )
    elif info.known == "family":
        notes.append(f"Not in the catalog: limits are the conservative ones of its family `{info.family}`")
    if not info.free and (info.input_price is None or info.output_price is None):
        notes.append("⚠ price unknown: a run's cost cannot be estimated (unknown is not $0)")
    if info.deprecation_date:
        line = f"⚠ deprecated: retires {info.deprecation_date}"
        replacement = catalog.replacement_for(info.id)
        if replacement:
            line += f"; consider `{replacement}`"
        notes.append(line)
    return notes


def _copilot_note(res: Resolution) -> str | None:
    """Where the model stands in Copilot's own list, when a Copilot file names it: Copilot runs the
    file, so that, not the API's dates, says whether it works there."""
    chosen = res.model_candidate
    if not res.prompt.dialect.is_copilot or chosen is None or not isinstance(chosen.value, str):
        return None
    listed = find_copilot_model(chosen.value)
    if listed is None:
        return None
    source = f"(Copilot's model list as of {copilot_models().checked})"
    if not listed.offered:
        when = f" on {listed.retired}" if listed.retired else ""
        return f"⚠ **In Copilot**: `{listed.name}` was retired there{when} {source}"
    status = "preview" if listed.status == "preview" else "generally available"
    return f"**In Copilot**: `{listed.name}`, {status} {source}"


def _steps(cands: tuple[Candidate, ...], root: str | None, failed: bool) -> list[str]:
    lines = []
    blamed = False
    for cand in cands:
        text = _candidate_text(cand, root)
        if cand.chosen:
            lines.append(f"- ✓ {text}")
        elif cand.defers:
            lines.append(f"- ↓ {text} — defers to the default")
        elif cand.skipped:
            lines.append(f"- ↷ {text} — skipped")
        elif failed and not blamed:
            blamed = True
            lines.append(f"- ⚠ {text} — not usable")
        else:
            lines.append(f"- ✗ {text} — overridden")
    if not lines:
        lines.append("- no layer sets a model")
    return lines


def _candidate_text(cand: Candidate, root: str | None) -> str:
    text = f"{where(cand.source, root)} = {_code(_value_text(cand.value))}"
    if cand.note:
        text += f" ({cand.note})"
    return text


def _fallback_line(res: Resolution, root: str | None) -> str:
    if not res.fallback:
        chosen = next((c for c in res.steps.get("fallback", ()) if c.chosen), None)
        if chosen is not None and chosen.note:
            return f"**Fallback**: none ({chosen.note}; {where(chosen.source, root)})"
        return "**Fallback**: none"
    chain = " → ".join(_code(str(f.model)) if f.model else f"{_code(f.raw)} (invalid)" for f in res.fallback)
    line = f"**Fallback**: {chain}"
    if res.fallback_source is not None:
        line += f" (from {where(res.fallback_source, root)})"
    return line


# Token estimates of the last body hovered: hovering the same document version again re-counts nothing.
# Keyed by the text object itself (held, so its id cannot be reused).
_last_count: list[Any] = [None, -1, None]


def _body_tokens(prompt: PromptFile) -> TokenCount:
    text, start, count = _last_count
    if text is prompt.text and start == prompt.body_start:
        return count
    count = estimate_tokens_cached(prompt.body)
    _last_count[:] = [prompt.text, prompt.body_start, count]
    return count


def _size_and_cost(res: Resolution, catalog: Catalog) -> list[str]:
    money = tokens_and_cost(res, _body_tokens(res.prompt))
    tokens: TokenCount = money["tokens"]
    window = res.info.context_window if res.info else None
    if window:
        size = f"**Prompt**: {tokens.label()} of a {window:,}-token context ({tokens.count / window:.1%})"
        if tokens.count > window:
            size += " — ⚠ longer than the context window"
    else:
        size = f"**Prompt**: {tokens.label()}; the context window is unknown"
    cost = money["cost"]
    line = (
        f"**Cost per run**: {cost.label()} (estimate: {tokens.count:,} input + "
        f"{money['output_tokens']:,} expected output tokens{tier_note(res.info, tokens.count)})"
    )
    if cost.usd and catalog.generated:
        line += f"; prices as of {catalog.generated}"
    return [size, "", line]


# --- list items (fallback, Copilot's model list) ------------------------------------------------


def _list_item_hover(
    prompt: PromptFile, entry: Entry, offset: int, res: Resolution, catalog: Catalog
) -> HoverResult | None:
    in_effect = _list_entry_in_effect(prompt, entry, res)
    for index, item in enumerate(entry.items):
        if not _inside(item.span, offset):
            continue
        if entry.key == "model" and (index == in_effect or not prompt.dialect.is_copilot):
            return HoverResult(_model_hover(res, catalog), item.span)
        return HoverResult(_item_markdown(prompt, entry, index, item, res, catalog, in_effect), item.span)
    return None


def _list_entry_in_effect(prompt: PromptFile, entry: Entry, res: Resolution) -> int:
    """Which entry of a Copilot file's model list the resolution runs (`copilot_list_choice`): the
    last of its entries among the model steps; the first when none is there."""
    spans = {item.span: index for index, item in enumerate(entry.items)}
    found = [spans[c.source.span] for c in res.steps.get("model", ()) if c.source.span in spans]
    return found[-1] if entry.key == "model" and found else 0


def _item_markdown(
    prompt: PromptFile,
    entry: Entry,
    index: int,
    item: Item,
    res: Resolution,
    catalog: Catalog,
    in_effect: int = 0,
) -> str:
    root = res.settings.root
    if entry.key == "model" and index < in_effect:
        skipped = next((c for c in res.steps.get("model", ()) if c.source.span == item.span), None)
        why = f": {skipped.note}" if skipped is not None and skipped.note else ""
        role = f"entry {index + 1} of Copilot's model list, skipped{why}"
    elif entry.key == "model":
        role = f"fallback {index - in_effect} of Copilot's model list (tried in order)"
    else:
        role = f"fallback {index + 1} of {len(entry.items)}"
    raw = item.value
    out = []
    if not isinstance(raw, str):
        return f"{_code(_value_text(raw))} — {role}\n\n⚠ not a model id: write `provider/name`"
    providers = known_providers(res.settings)
    ref = interpret(raw, prompt.dialect, catalog, providers)
    if ref.kind in (RefKind.DEFAULT, RefKind.INHERIT) and entry.key == "model" and ref.via:
        out.append(f"**{_code(raw)}** — {role}")  # Copilot's `Auto`, or a model only Copilot runs
        out.append("")
        out.append(ref.via)
    elif ref.kind in (RefKind.DEFAULT, RefKind.INHERIT):
        out.append(f"**{_code(raw)}** — {role}")
        out.append("")
        out.append("⚠ defers to the default model: a fallback chain needs concrete models")
    elif ref.kind is RefKind.INVALID or ref.model is None:
        out.append(f"**{_code(raw)}** — {role}")
        out.append("")
        out.append("⚠ not a model id: write `provider/name`, e.g. `openai/gpt-4o`")
    elif ref.model.provider not in providers:
        out.append(f"**{_code(str(ref.model))}** — {role}")
        out.append("")
        out.append(
            f"⚠ unknown provider `{ref.model.provider}`: use one of {', '.join(providers)} "
            f"or declare `[providers.{ref.model.provider}]` in promptls.toml"
        )
    else:
        info = model_info(ref.model, res.settings, catalog)
        out.append(model_markdown(info, heading=f"— {role}"))
        if ref.via:
            out.append("")
            out.append(f"Written `{raw}`: {ref.via} → `{ref.model}`")
        if info.known != "catalog" and not info.local:
            near = catalog.suggest(str(ref.model))
            if near:
                out.append("")
                out.append("Did you mean " + ", ".join(_code(n) for n in near) + "?")
        replacement = catalog.replacement_for(info.id) if info.deprecation_date else None
        if replacement:
            out.append("")
            out.append(f"⚠ deprecated: consider `{replacement}`")
    out.append("")
    out.append(_in_effect_note(prompt, entry, res, root))
    return "\n".join(out)


def _in_effect_note(prompt: PromptFile, entry: Entry, res: Resolution, root: str | None) -> str:
    chosen = next((c for c in res.steps.get("fallback", ()) if c.chosen), None)
    here = chosen is not None and chosen.source.path == prompt.path and chosen.source.span == entry.value_span
    if here:
        return "This list is the fallback chain in effect."
    if chosen is None:
        return "This list is not in effect."
    return f"This list is not in effect: {where(chosen.source, root)} decides the fallback."


# --- keys --------------------------------------------------------------------------------------


def _key_hover(prompt: PromptFile, key: str, res: Resolution) -> str:
    spec = keys_for(prompt.dialect).get(key)
    if spec is None:
        tool = _TOOLS[prompt.dialect]
        return (
            f"**{_code(key)}** — not a key of {prompt.dialect.value} files: {tool} ignores it "
            "(and so does promptls)"
        )
    out = [key_markdown(spec, prompt.dialect)]
    root = res.settings.root
    if key in PARAMETER_KEYS:
        out.append("")
        out.extend(_param_effect(key, res, root))
    elif key == "model":
        out.append("")
        chosen = res.model_candidate
        if res.model is None:
            out.append(f"**In effect**: no model — {res.problem}")
        elif chosen is not None:
            out.append(f"**In effect**: {_code(str(res.model))} from {where(chosen.source, root)}")
    elif key in ("fallback", "model_fallback"):
        out.append("")
        out.append("**In effect**: " + _fallback_line(res, root).removeprefix("**Fallback**: "))
    return "\n".join(out)


def _config_key_hover(child_key: str, res: Resolution) -> str:
    param = DOTPROMPT_CONFIG_PARAMS[child_key]
    spec = parameter_spec(param)
    out = [f"**{_code('config.' + child_key)}** — Dotprompt's name for the promptls parameter {_code(param)}"]
    if spec is not None:
        out += ["", spec.doc]
    out.append("")
    out.extend(_param_effect(param, res, res.settings.root))
    return "\n".join(out)


def _param_effect(key: str, res: Resolution, root: str | None) -> list[str]:
    setting = res.params.get(key)
    if setting is None:
        return ["**In effect**: not set (the provider's default)"]
    lines = [f"**In effect**: {_code(_value_text(setting.value))} from {where(setting.source, root)}"]
    for cand in res.steps.get(key, ())[1:]:
        lines.append(f"- ✗ {_candidate_text(cand, root)} — overridden")
    return lines


def key_markdown(spec: KeySpec, dialect: Dialect) -> str:
    """A key's documentation: what it means, its type, allowed values and bounds."""
    out = [f"**{_code(spec.name)}** — {spec.kind.value}", "", spec.doc]
    facts = []
    if spec.allowed:
        facts.append("Allowed values: " + ", ".join(_code(v) for v in spec.allowed))
    if spec.tools:
        facts.append("Known tools (MCP and other tools too): " + ", ".join(map(_code, spec.tools)))
    if spec.max_length is not None:
        facts.append(f"At most {spec.max_length} characters.")
    bounds = _bounds(spec)
    if bounds:
        facts.append(bounds)
    if spec.required:
        facts.append(f"Required in {dialect.value} files.")
    elif spec.recommended:
        facts.append(f"Recommended in {dialect.value} files.")
    if spec.replaced_by and "Deprecated" not in spec.doc:
        facts.append(f"Deprecated: use {_code(spec.replaced_by)}.")
    if spec.promptls and dialect is not Dialect.GENERIC:
        facts.append(f"A promptls key: {_TOOLS[dialect]} itself ignores it.")
    if facts:
        out.append("")
        out.append("\n\n".join(facts))
    return "\n".join(out)


def _bounds(spec: KeySpec) -> str | None:
    if spec.minimum is not None and spec.maximum is not None:
        return f"From {spec.minimum:g} to {spec.maximum:g}."
    if spec.minimum is not None:
        return f"At least {spec.minimum:g}."
    if spec.maximum is not None:
        return f"At most {spec.maximum:g}."
    return None


# --- shared descriptions -------------------------------------------------------------------------


def model_detail(info: ModelInfo) -> str:
    """One line of facts (`context 128,000 · max output 16,384 · $2.5/$10 per 1M in/out`): the same
    facts `promptls resolve` prints, from `router.resolution.report.model_facts`."""
    from promptls.router.resolution.report import model_facts

    return " · ".join(model_facts(info))


def _prices_text(prices: Prices) -> str:
    """`$2.5 in / $10 out per 1M tokens (cached input $1.25, cache writes $3.75)`."""
    text = f"{per_million(prices.input)} in / {per_million(prices.output)} out per 1M tokens"
    cache = []
    if prices.cache_read is not None:
        cache.append(f"cached input {per_million(prices.cache_read)}")
    if prices.cache_write is not None:
        cache.append(f"cache writes {per_million(prices.cache_write)}")
    return text + (f" ({', '.join(cache)})" if cache else "")


def model_markdown(info: ModelInfo, heading: str = "") -> str:
    """A model's facts as markdown: limits, prices, capabilities, deprecation and how sure they are."""
    title = f"**{_code(info.id)}**"
    if info.display_name:
        title += f" ({info.display_name})"
    if heading:
        title += f" {heading}"
    lines = [title, ""]
    context = f"{info.context_window:,} tokens" if info.context_window else "unknown"
    output = f"{info.max_output:,} tokens" if info.max_output else "unknown"
    lines.append(f"- context window: {context}")
    lines.append(f"- max output: {output}")
    if info.free:
        lines.append("- price: free" + (" (runs locally)" if info.local else ""))
    elif info.input_price is not None and info.output_price is not None:
        lines.append(f"- price: {_prices_text(info.prices())}")
        for tier in info.tiers:
            prices = prices_at(info.prices(), info.tiers, tier.above + 1)
            above = f"- above {tokens_amount(tier.above)} input tokens: {_prices_text(prices)}"
            lines.append(above + ", on all the request's tokens")
    else:
        lines.append("- price: unknown")
    if info.capabilities:
        lines.append("- capabilities: " + ", ".join(sorted(info.capabilities)))
    if info.deprecation_date:
        lines.append(f"- deprecated: retires {info.deprecation_date}")
    if info.known == "family":
        lines.append(f"- not in the catalog: conservative limits of the `{info.family}` family")
    elif info.known == "unknown":
        lines.append("- unknown model: not in the catalog")
    return "\n".join(lines)


# --- locations and values -----------------------------------------------------------------------


def where(source: Source, root: str | None = None) -> str:
    """A source as markdown: a link to its file and line and its label, e.g.
    `[promptls.toml:12](file:///abs/promptls.toml#L12) [agents.x] model` (label in code);
    `environment PROMPTLS_MODEL` when it has no file."""
    if source.path is None or source.span is None:
        return f"{source.layer.label} {_code(source.label)}"
    path = os.path.abspath(source.path)
    line = source.span.line
    link = f"[{_shown(path, root)}:{line}]({Path(path).as_uri()}#L{line})"
    if source.layer.name == "FRONTMATTER":
        return f"{link} frontmatter {_code(source.label)}"
    return f"{link} {_code(source.label)}"


def _shown(path: str, root: str | None) -> str:
    if root:
        prefix = os.path.abspath(root).rstrip(os.sep) + os.sep
        if path.startswith(prefix):
            return path[len(prefix) :].replace(os.sep, "/")
    home = os.path.expanduser("~").rstrip(os.sep) + os.sep
    if home != os.sep and path.startswith(home):
        return "~/" + path[len(home) :].replace(os.sep, "/")
    return os.path.basename(path)


def _value_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(_value_text(v) for v in value) + "]"
    return str(value)


def _code(text: str) -> str:
    """`text` as inline code, whatever backticks it holds."""
    if "`" not in text:
        return f"`{text}`"
    return f"`` {text} ``"
