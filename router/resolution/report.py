"""A resolution explained: the same facts for `promptls resolve`, `--json` and the editor's hover."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from promptls.router.models.cost import estimate_cost, expected_output
from promptls.router.models.money import PRICE_UNKNOWN, per_million, tier_texts, tokens_amount
from promptls.router.models.tokens import TokenCount, estimate_tokens_cached
from promptls.router.resolution.resolve import Candidate, Resolution
from promptls.router.settings.layers import Source

if TYPE_CHECKING:
    from promptls.router.models.catalog import ModelInfo


def source_text(source: Source, relative_to: str | None = None) -> str:
    """`promptls.toml:12 [agents.code-reviewer] model`, `frontmatter line 4 model`, `PROMPTLS_MODEL`."""
    if source.path is None or source.span is None:
        return f"{source.layer.label} {source.label}"
    where = source.location(relative_to)
    if source.layer.name == "FRONTMATTER":
        return f"{where} (frontmatter) {source.label}"
    return f"{where} {source.label}"


def candidate_text(cand: Candidate, relative_to: str | None = None) -> str:
    value = _value_text(cand.value)
    text = f"{source_text(cand.source, relative_to)} = {value}"
    if cand.note:
        text += f"  ({cand.note})"
    return text


def _value_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(str(v) for v in value) + "]"
    return str(value)


def model_facts(info: ModelInfo) -> list[str]:
    """Short facts about a model: context, output, prices, flags; unknown ones say so."""
    facts = []
    known = "" if info.known == "catalog" else f" ({info.known})"
    if info.context_window:
        facts.append(f"context {info.context_window:,}{known}")
    else:
        facts.append("context unknown")
    if info.max_output:
        facts.append(f"max output {info.max_output:,}")
    if info.local:
        facts.append("local")
    if info.free:
        facts.append("free")
    elif info.input_price is not None and info.output_price is not None:
        facts.append(f"{per_million(info.input_price)}/{per_million(info.output_price)} per 1M in/out")
        facts.extend(tier_texts(info.prices(), info.tiers))
    else:
        facts.append(PRICE_UNKNOWN)
    if info.deprecation_date:
        facts.append(f"deprecated {info.deprecation_date}")
    return facts


def tier_note(info: ModelInfo | None, input_tokens: int) -> str:
    """`, at the prices above 200k input tokens` when a run of `input_tokens` pays a tier's prices."""
    if info is None or info.free:
        return ""
    crossed = [tier.above for tier in info.tiers if input_tokens > tier.above]
    return f", at the prices above {tokens_amount(crossed[-1])} input tokens" if crossed else ""


def tokens_and_cost(resolution: Resolution, tokens: TokenCount | None = None) -> dict[str, Any]:
    tokens = tokens or estimate_tokens_cached(resolution.prompt.body)
    params = {k: s.value for k, s in resolution.params.items()}
    output = expected_output(params, resolution.info)
    cost = estimate_cost(resolution.info, tokens, output)
    return {"tokens": tokens, "output_tokens": output, "cost": cost}


def resolution_to_dict(resolution: Resolution, relative_to: str | None = None) -> dict[str, Any]:
    prompt = resolution.prompt
    info = resolution.info
    money = tokens_and_cost(resolution)
    tokens: TokenCount = money["tokens"]
    return {
        "path": prompt.path,
        "dialect": prompt.dialect.value,
        "name": prompt.name,
        "model": str(resolution.model) if resolution.model else None,
        "problem": resolution.problem,
        "model_info": _info_dict(info) if info else None,
        "steps": {
            key: [_candidate_dict(c, relative_to) for c in cands] for key, cands in resolution.steps.items()
        },
        "params": {
            k: {"value": s.value, "source": _source_dict(s.source, relative_to)}
            for k, s in resolution.params.items()
        },
        "fallback": [
            {
                "model": str(f.model) if f.model else None,
                "written": f.raw,
                "source": _source_dict(f.source, relative_to),
            }
            for f in resolution.fallback
        ],
        "tokens": {"count": tokens.count, "exact": tokens.exact, "method": tokens.method},
        "cost": {
            "usd": money["cost"].usd,
            "input_tokens": tokens.count,
            "output_tokens": money["output_tokens"],
            "estimate": True,
        },
        "options": resolution.options,
    }


def _info_dict(info: ModelInfo) -> dict[str, Any]:
    return {
        "id": info.id,
        "provider": info.provider,
        "family": info.family,
        "known": info.known,
        "context_window": info.context_window,
        "max_output": info.max_output,
        "input_price": info.input_price,
        "output_price": info.output_price,
        "capabilities": sorted(info.capabilities),
        "free": info.free,
        "local": info.local,
        "deprecation_date": info.deprecation_date,
    }


def _candidate_dict(cand: Candidate, relative_to: str | None) -> dict[str, Any]:
    return {
        "value": cand.value,
        "chosen": cand.chosen,
        "defers": cand.defers,
        "skipped": cand.skipped,
        "note": cand.note,
        "source": _source_dict(cand.source, relative_to),
    }


def _source_dict(source: Source, relative_to: str | None) -> dict[str, Any]:
    data: dict[str, Any] = {"layer": source.layer.label, "label": source.label}
    if source.path is not None:
        data["path"] = source.location(relative_to).rsplit(":", 1)[0]
        if source.span is not None:
            data["line"] = source.span.line
            data["column"] = source.span.column
    return data


def explain_lines(resolution: Resolution, relative_to: str | None = None) -> list[tuple[str, str]]:
    """(kind, text) lines explaining a resolution; kind is one of heading, chosen, overridden,
    note, fact, error. Renderers decide the styling."""
    lines: list[tuple[str, str]] = []
    prompt = resolution.prompt
    if resolution.model is None:
        lines.append(("error", f"model: none — {resolution.problem}"))
    else:
        facts = ", ".join(model_facts(resolution.info)) if resolution.info else ""
        lines.append(("heading", f"model: {resolution.model}  ({facts})"))
    lines.extend(_steps(resolution.steps.get("model", ()), relative_to))
    params = [(k, s) for k, s in resolution.params.items()]
    if params:
        lines.append(("heading", "parameters:"))
        for key, setting in params:
            lines.append(
                (
                    "chosen",
                    f"{key} = {_value_text(setting.value)}  from {source_text(setting.source, relative_to)}",
                )
            )
    chain = [f for f in resolution.fallback]
    if chain:
        shown = " → ".join(str(f.model) if f.model else f"{f.raw} (invalid)" for f in chain)
        origin = ""
        if resolution.fallback_source is not None:
            origin = f"  (from {source_text(resolution.fallback_source, relative_to)})"
        lines.append(("heading", f"fallback: {shown}{origin}"))
    else:
        lines.append(("heading", "fallback: none"))
    lines.extend(_steps(resolution.steps.get("fallback", ()), relative_to))
    money = tokens_and_cost(resolution)
    tokens: TokenCount = money["tokens"]
    window = resolution.info.context_window if resolution.info else None
    size = f"prompt: {tokens.label()}"
    if window:
        size += f" of a {window:,}-token context ({tokens.count / window:.1%})"
    lines.append(("fact", size))
    cost = money["cost"]
    if resolution.model is not None:
        lines.append(
            (
                "fact",
                f"cost per run: {cost.label()} ({tokens.count:,} input + "
                f"{money['output_tokens']:,} expected output tokens"
                f"{tier_note(resolution.info, tokens.count)}, estimate)",
            )
        )
    del prompt
    return lines


def _steps(cands: tuple[Candidate, ...], relative_to: str | None) -> list[tuple[str, str]]:
    out = []
    for cand in cands:
        if cand.chosen:
            out.append(("chosen", f"✓ {candidate_text(cand, relative_to)}"))
        elif cand.defers:
            out.append(("note", f"↓ {candidate_text(cand, relative_to)}  (defers to the default)"))
        elif cand.skipped:
            out.append(("note", f"↷ {candidate_text(cand, relative_to)}  (skipped)"))
        else:
            out.append(("overridden", f"✗ {candidate_text(cand, relative_to)}  (overridden)"))
    return out
