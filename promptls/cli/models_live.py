"""`promptls models list|show|status`: the models providers offer now, merged with the catalog.

Every fact shown says where it came from: `live` (the provider said so now, or in the cached answer
whose age is shown), `catalog` (the shipped, dated catalog), `family` (the catalog's conservative
values for the model's family), `local` (free because it runs on this machine). In the text table a
catalog value is marked `*` and a family estimate `~`; `--json` gives each fact's source by name.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from promptls.cli import EXIT_FINDINGS, EXIT_OK, UsageError
from promptls.cli.style import Painter, painter_for, printable

if TYPE_CHECKING:
    from promptls.adapters.discovery.live import Listing, LiveModel, ModelDetails
    from promptls.adapters.model_cache import ModelCache
    from promptls.cli.models_targets import Target
    from promptls.cli.session import Session
    from promptls.router.models.catalog import Catalog, ModelInfo
    from promptls.router.settings.discover import ProjectSettings

STATE_WORDS = {"no-key": "no key", "refused": "key refused"}
MARKS = {"live": "", "local": "", "catalog": "*", "family": "~", "unknown": ""}
OLLAMA_DEFAULT_NUM_CTX = 4096
"""Ollama's context when nothing sets `num_ctx` on a machine with under 24 GiB of VRAM (docs.ollama.com
"Context length", checked 2026-12-07: 4k below 24 GiB, 32k up to 48 GiB, 256k above; the server's
`OLLAMA_CONTEXT_LENGTH` changes it)."""


# ---- shared ---------------------------------------------------------------------------------------


def open_cache(session: Session) -> ModelCache:
    from promptls.adapters.model_cache import ModelCache

    return ModelCache()


def chosen_providers(settings: ProjectSettings, provider: str | None) -> tuple[str, ...]:
    from promptls.router.resolution.resolve import known_providers

    known = known_providers(settings)
    if provider is None:
        return known
    if provider not in known:
        raise UsageError(f"unknown provider `{provider}`; known: {', '.join(known)}")
    return (provider,)


def split_model(raw: str, settings: ProjectSettings) -> tuple[str, str]:
    """`provider/name` of a model the user typed (usage error when it is none)."""
    from promptls.router.models.modelid import parse_model_id
    from promptls.router.resolution.resolve import known_providers

    model = parse_model_id(raw)
    if model is None:
        raise UsageError(f"{raw!r} is not a model id: write provider/name, e.g. ollama/llama3.2:3b")
    if model.provider not in known_providers(settings):
        raise UsageError(
            f"unknown provider `{model.provider}`; known: {', '.join(known_providers(settings))}"
        )
    return model.provider, model.name


def fact(live_value: Any, info: ModelInfo | None, catalog_value: Any) -> dict[str, Any]:
    """A value with where it came from: the provider's, else the catalog's (or its family's)."""
    if live_value is not None:
        return {"value": live_value, "source": "live"}
    if info is not None and catalog_value is not None:
        return {"value": catalog_value, "source": info.known}
    return {"value": None, "source": "unknown"}


def merged(provider: str, model: LiveModel, catalog: Catalog, local: bool) -> dict[str, Any]:
    """One listed model with the catalog's facts, each with its source (the `--json` row)."""
    model_id = f"{provider}/{model.name}"
    info = catalog.lookup(model_id)
    free = {"value": 0.0, "source": "local"}  # runs on this machine: no price, whatever the catalog says
    return {
        "id": model_id,
        "provider": provider,
        "name": model.name,
        "installed": model.installed,
        "loaded": model.loaded,
        "context_window": fact(model.context_length, info, info.context_window),
        "max_output": fact(model.max_output, info, info.max_output),
        "input_price_per_million": free if local else fact(model.input_price, info, info.input_price),
        "output_price_per_million": free if local else fact(model.output_price, info, info.output_price),
        "free": {"value": True, "source": "local"} if local else fact(model.free, info, info.free),
        "size_bytes": model.size_bytes,
        "parameter_size": model.parameter_size,
        "quantization": model.quantization,
        "family": fact(model.family, info, info.family),
        "expires_at": model.expires_at,
        **({"extra": dict(model.extra)} if model.extra else {}),
    }


def listing_json(listing: Listing, now: float) -> dict[str, Any]:
    age = listing.age(now)
    return {
        "provider": listing.provider,
        "state": listing.state,
        "message": listing.message,
        "models": len(listing.models),
        "latency_ms": listing.latency_ms,
        "source": listing.source,
        "stale": listing.stale,
        "age_seconds": None if age is None else round(age, 1),
    }


def _mark(state: str, paint: Painter) -> str:
    if state == "ok":
        return paint("✓", "green")
    if state in ("no-key", "offline"):
        return paint("-", "dim")
    return paint("✗", "red")


def listing_line(listing: Listing, paint: Painter) -> str:
    """`✓ ollama  2 models · 12 ms · from ...` / `✗ openai  no-key: ...`."""
    mark = _mark(listing.state, paint)
    if listing.state == "ok":
        count = f"{len(listing.models)} model" + ("" if len(listing.models) == 1 else "s")
        latency = f" · {listing.latency_ms:.0f} ms" if listing.latency_ms is not None else ""
        text = f"{count}{latency} · {listing.message}"
    else:
        shown = f"{len(listing.models)} cached models · " if listing.models else ""
        text = f"{STATE_WORDS.get(listing.state, listing.state)}: {shown}{listing.message}"
    stale = paint(" (stale)", "yellow") if listing.stale and "stale" not in listing.message else ""
    return f"{mark} {listing.provider}  {printable(text)}{stale}"


# ---- list -----------------------------------------------------------------------------------------


def run_list(session: Session, settings: ProjectSettings, args: argparse.Namespace) -> int:
    from promptls.cli.models_targets import listings, targets

    query = " ".join(args.query).strip().lower() or None
    providers = chosen_providers(settings, args.provider)
    found = targets(settings, session.catalog, session.env, providers)
    cache = open_cache(session)
    results = listings(found, cache, refresh=args.refresh, offline=args.offline)
    local = {t.provider: t.local for t in found}
    rows = []
    for listing in results:
        for model in listing.models:
            row = merged(listing.provider, model, session.catalog, local[listing.provider])
            row["listed"] = {"source": listing.source, "stale": listing.stale}  # this provider's answer
            if query and query not in row["id"].lower():
                continue
            if args.installed and not row["installed"]:
                continue
            if args.loaded and not row["loaded"]:
                continue
            if args.free and not row["free"]["value"]:
                continue
            rows.append(row)
    now = cache.clock()
    if args.json:
        payload = {"providers": [listing_json(lst, now) for lst in results], "models": rows}
        json.dump(payload, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return EXIT_OK if rows else EXIT_FINDINGS
    paint = painter_for(sys.stdout, args.color)
    if rows:
        _print_table(rows, paint)
    else:
        print(
            "No model matches"
            + (" the filters" if query or args.installed or args.loaded or args.free else "")
        )
    print()
    for listing in results:
        print(listing_line(listing, paint))
    print(paint("* from the catalog · ~ the family's values · the rest from the provider", "dim"))
    return EXIT_OK if rows else EXIT_FINDINGS


def _cell(entry: Mapping[str, Any], number: bool = False, price: bool = False) -> str:
    value = entry["value"]
    if value is None:
        return "?"
    text = f"{value:,}" if number else (f"{value:g}" if price else str(value))
    return text + MARKS.get(entry["source"], "")


def _print_table(rows: Sequence[Mapping[str, Any]], paint: Painter) -> None:
    table = [("MODEL", "CONTEXT", "$IN/1M", "$OUT/1M", "")]
    for row in rows:
        flags = []
        if row["loaded"]:
            flags.append("loaded")
        elif row["installed"]:
            flags.append("installed")
        if row["free"]["value"] and not row["installed"]:
            flags.append("free")
        if row["size_bytes"]:
            flags.append(gigabytes(row["size_bytes"]))
        if row["quantization"]:
            flags.append(row["quantization"])
        table.append(
            (
                printable(row["id"]),
                _cell(row["context_window"], number=True),
                _cell(row["input_price_per_million"], price=True),
                _cell(row["output_price_per_million"], price=True),
                " ".join(flags),
            )
        )
    widths = [max(len(r[i]) for r in table) for i in range(4)]
    for index, row in enumerate(table):
        cells = [row[0].ljust(widths[0])] + [row[i].rjust(widths[i]) for i in range(1, 4)]
        line = "  ".join(cells) + ("  " + row[4] if row[4] else "")
        print(paint(line, "bold") if index == 0 else line)


def gigabytes(size: int) -> str:
    return f"{size / 1e9:.1f} GB" if size >= 1e8 else f"{size / 1e6:.0f} MB"


# ---- show -----------------------------------------------------------------------------------------


def run_show(session: Session, settings: ProjectSettings, args: argparse.Namespace) -> int:
    from promptls.cli.models_targets import listings, model_details, targets

    if len(args.query) != 1:
        raise UsageError("usage: promptls models show MODEL (e.g. promptls models show ollama/llama3.2:3b)")
    provider, name = split_model(args.query[0], settings)
    target = targets(settings, session.catalog, session.env, (provider,))[0]
    cache = open_cache(session)
    listing = listings([target], cache, refresh=args.refresh, offline=args.offline)[0]
    details = model_details(target, name, cache, refresh=args.refresh, offline=args.offline)
    report = show_report(provider, name, settings, session.catalog, target, listing, details, cache.clock())
    if args.json:
        json.dump(report, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        _print_show(report, painter_for(sys.stdout, args.color))
    return (
        EXIT_OK
        if report["live"]["state"] == "ok" or report["catalog"]["known"] != "unknown"
        else EXIT_FINDINGS
    )


def show_report(
    provider: str,
    name: str,
    settings: ProjectSettings,
    catalog: Catalog,
    target: Target,
    listing: Listing,
    details: ModelDetails,
    now: float,
) -> dict[str, Any]:
    """Every known fact about one model, with sources: the catalog's, the provider's list entry, its
    details (Ollama's /api/show), and for Ollama the context it will actually run with."""
    from promptls.router.models.modelid import ModelId

    model_id = f"{provider}/{name}"
    info = catalog.lookup(model_id)
    entry = listing.find(name)
    report: dict[str, Any] = {
        "id": model_id,
        "catalog": {
            "known": info.known,
            "family": info.family,
            "context_window": info.context_window,
            "max_output": info.max_output,
            "input_price_per_million": 0.0 if target.local else info.input_price,
            "output_price_per_million": 0.0 if target.local else info.output_price,
            "capabilities": sorted(info.capabilities),
            "deprecation_date": info.deprecation_date,
            "generated": catalog.generated,
        },
        "live": {
            "state": details.state if details.state != "ok" or entry or target.local else listing.state,
            "message": details.message,
            "source": details.source,
            "stale": details.stale,
            "age_seconds": None
            if details.fetched_at is None
            else round(max(0.0, now - details.fetched_at), 1),
            "listed": entry is not None,
            "installed": entry.installed
            if entry
            else (False if target.local and listing.state == "ok" else None),
            "loaded": entry.loaded if entry else None,
            "facts": dict(details.facts),
        },
    }
    if entry is not None:
        report["live"]["entry"] = entry.to_json()
    if target.endpoint is not None and target.endpoint.kind == "ollama":
        report["num_ctx"] = effective_num_ctx(ModelId(provider, name), settings, details.facts)
    return report


def effective_num_ctx(model: Any, settings: ProjectSettings, facts: Mapping[str, Any]) -> dict[str, Any]:
    """The context Ollama will run the model with, and why: the settings' `num_ctx` option, else the
    Modelfile's `PARAMETER num_ctx`, else Ollama's default; against the model's own context_length."""
    from promptls.router.resolution.resolve import sdk_options

    options = sdk_options(model, settings)
    parameters = facts.get("parameters") if isinstance(facts.get("parameters"), dict) else {}
    if isinstance(options.get("num_ctx"), int):
        value, source = (
            options["num_ctx"],
            f'options.num_ctx in settings ([models."{model}"] or [providers.ollama])',
        )
    elif isinstance(parameters.get("num_ctx"), int):
        value, source = parameters["num_ctx"], "the Modelfile's PARAMETER num_ctx"
    else:
        value, source = (
            OLLAMA_DEFAULT_NUM_CTX,
            (
                "Ollama's default (4,096 with under 24 GiB of VRAM; the server's OLLAMA_CONTEXT_LENGTH "
                "changes it)"
            ),
        )
    context_length = facts.get("context_length") if isinstance(facts.get("context_length"), int) else None
    out: dict[str, Any] = {"value": value, "source": source, "context_length": context_length}
    if context_length and value < context_length:
        out["warning"] = (
            f"Ollama runs this model with {value:,} of its {context_length:,} tokens and silently drops "
            f'the start of a longer prompt: set num_ctx under [models."{model}"] options in promptls.toml'
        )
    return out


def _print_show(report: Mapping[str, Any], paint: Painter) -> None:
    print(paint(printable(report["id"]), "bold"))
    cat = report["catalog"]
    where = {
        "catalog": f"catalog of {cat['generated']}",
        "family": "the family's values",
        "unknown": "not in the catalog",
    }
    print(f"  {paint('catalog', 'cyan')}  ({where[cat['known']]})")
    rows = [
        ("family", cat["family"]),
        ("context", _num(cat["context_window"])),
        ("max output", _num(cat["max_output"])),
        (
            "$ in / out per 1M",
            f"{_price(cat['input_price_per_million'])} / {_price(cat['output_price_per_million'])}",
        ),
        ("capabilities", ", ".join(cat["capabilities"]) or None),
        ("deprecated", cat["deprecation_date"]),
    ]
    _print_rows(rows)
    live = report["live"]
    age = (
        f", {live['age_seconds']:.0f} s old"
        if live["age_seconds"] is not None and live["source"] == "cache"
        else ""
    )
    state = STATE_WORDS.get(live["state"], live["state"])
    said = live["message"] if live["state"] == "ok" else f"{state}: {live['message']}"
    print(
        f"  {paint('live', 'cyan')}  ({printable(said)}{age})"
        + (paint(" stale", "yellow") if live["stale"] else "")
    )
    facts = dict(live["facts"])
    entry = live.get("entry") or {}
    rows = []
    if live["installed"] is not None:
        size = f" ({gigabytes(entry['size_bytes'])})" if entry.get("size_bytes") else ""
        rows.append(("installed", ("yes" + size) if live["installed"] else "no"))
    if live["loaded"] is not None:
        rows.append(("loaded", "yes" if live["loaded"] else "no"))
    for key, label in (
        ("parameter_size", "parameters"),
        ("quantization_level", "quantization"),
        ("architecture", "architecture"),
        ("context_length", "context_length"),
    ):
        if key in facts:
            rows.append((label, _num(facts[key]) if isinstance(facts[key], int) else facts[key]))
    shown = facts if facts else entry
    for key, label in (
        ("input_price", "$ in per 1M"),
        ("output_price", "$ out per 1M"),
        ("max_output", "max output"),
    ):
        if key in shown:
            rows.append((label, shown[key]))
    if "context_length" in shown and "context_length" not in facts:
        rows.append(("context", _num(shown["context_length"])))
    params = facts.get("parameters")
    if params:
        rows.append(("Modelfile", ", ".join(f"{k} {v}" for k, v in params.items())))
    supported = (shown.get("extra") or {}).get("supported_parameters")
    if supported:
        rows.append(("supported parameters", ", ".join(supported)))
    if facts.get("capabilities"):
        rows.append(("capabilities", ", ".join(facts["capabilities"])))
    _print_rows(rows)
    num_ctx = report.get("num_ctx")
    if num_ctx:
        print(f"  {paint('runs with', 'cyan')}  num_ctx {num_ctx['value']:,} ← {num_ctx['source']}")
        if "warning" in num_ctx:
            print("  " + paint("warning:", "yellow") + " " + num_ctx["warning"])
    for extra in report.get("notes", ()):
        print("  " + extra)


def _print_rows(rows: Sequence[tuple[str, Any]]) -> None:
    rows = [(k, v) for k, v in rows if v is not None]
    width = max((len(k) for k, _ in rows), default=0)
    for key, value in rows:
        print(f"    {key.ljust(width)}  {printable(str(value))}")


def _num(value: Any) -> str | None:
    return f"{value:,}" if isinstance(value, int) else None


def _price(value: Any) -> str:
    return "?" if value is None else f"{value:g}"


# ---- status ---------------------------------------------------------------------------------------


def run_status(session: Session, settings: ProjectSettings, args: argparse.Namespace) -> int:
    """Per named model: available / not offered / installed / loaded / not installed / unreachable /
    no key; with none named, a health check of every configured provider. Always asks (live)."""
    from promptls.cli.models_targets import listings, targets

    if args.offline:
        raise UsageError(
            "status asks the providers now; for cached lists use `promptls models list --offline`"
        )
    cache = open_cache(session)
    paint = painter_for(sys.stdout, args.color)
    if not args.query:
        found = targets(settings, session.catalog, session.env, chosen_providers(settings, args.provider))
        results = listings(found, cache, refresh=True)
        now = cache.clock()
        if args.json:
            json.dump([listing_json(lst, now) for lst in results], sys.stdout, indent=2)
            sys.stdout.write("\n")
        else:
            for listing in results:
                print(listing_line(listing, paint))
        return EXIT_OK if any(lst.state == "ok" for lst in results) else EXIT_FINDINGS
    wanted = [split_model(raw, settings) for raw in args.query]
    providers = tuple(dict.fromkeys(provider for provider, _ in wanted))
    found = targets(settings, session.catalog, session.env, providers)
    by_provider = {
        t.provider: (t, lst) for t, lst in zip(found, listings(found, cache, refresh=True), strict=True)
    }
    rows = []
    for provider, name in wanted:
        target, listing = by_provider[provider]
        rows.append(model_status(provider, name, target.local, listing))
    if args.json:
        json.dump(rows, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        for row in rows:
            mark = paint("✓", "green") if row["ok"] else paint("✗", "red")
            latency = f" · {row['latency_ms']:.0f} ms" if row["latency_ms"] is not None else ""
            print(
                f"{mark} {printable(row['id'])}: {row['status']}{latency}"
                + (f" · {printable(row['detail'])}" if row["detail"] else "")
            )
    return EXIT_OK if all(row["ok"] for row in rows) else EXIT_FINDINGS


def model_status(provider: str, name: str, local: bool, listing: Listing) -> dict[str, Any]:
    """One model's state from its provider's live list."""
    model_id = f"{provider}/{name}"
    base = {"id": model_id, "latency_ms": listing.latency_ms}
    if listing.state != "ok" or listing.source != "live":
        status = {"no-key": "no key", "unreachable": "unreachable", "refused": "key refused"}.get(
            listing.state, listing.state
        )
        return {**base, "status": status, "ok": False, "detail": listing.message}
    entry = listing.find(name)
    if entry is None:
        if local:
            detail = (
                f"run `promptls models pull {model_id}`" if provider == "ollama" else "not on that server"
            )
            return {**base, "status": "not installed", "ok": False, "detail": detail}
        return {**base, "status": "not offered", "ok": False, "detail": f"{provider} does not list {name}"}
    if local:
        status = "loaded" if entry.loaded else "installed"
        return {**base, "status": status, "ok": True, "detail": ""}
    return {**base, "status": "available", "ok": True, "detail": ""}
