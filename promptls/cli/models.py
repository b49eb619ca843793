"""`promptls models [QUERY]`: the model catalog, with limits, prices and flags; and the live models:

promptls models list [QUERY]     what the configured providers offer now (promptls/cli/models_live.py)
promptls models show MODEL       every fact about one model, with its source
promptls models status [MODEL]   available / installed / loaded / unreachable / no key
promptls models pull|rm MODEL    get or remove an Ollama model (promptls/cli/models_pull.py)
promptls models load|unload MODEL
promptls models test MODEL       reach the provider with the key promptls would use
"""

from __future__ import annotations

import argparse
import json
import sys

from promptls.cli import EXIT_FINDINGS, EXIT_OK, UsageError
from promptls.cli.style import add_color_option, painter_for

CAPABILITIES = ("tools", "vision", "json", "reasoning", "streaming")
EXAMPLES = """\
examples:
  promptls models sonnet
  promptls models --provider openrouter --free
  promptls models --capability vision --json | jq '.[].id'
  promptls models test openrouter/deepseek/deepseek-chat     check the key and the connection

live models (asked now; lists cached 60 s, one model's details 5 min):
  promptls models list                       every configured provider's models
  promptls models list qwen --installed      installed local models matching "qwen"
  promptls models list --provider openrouter --free --json
  promptls models list --offline             the cached lists, with their age; nothing is asked
  promptls models show ollama/qwen2.5-coder:7b   catalog + live facts, the num_ctx Ollama will use
  promptls models status                     is each provider reachable, with its latency
  promptls models status ollama/llama3.2:3b openai/gpt-4o
  promptls models pull ollama/qwen2.5-coder:7b   with progress; Ctrl-C cancels
  promptls models rm ollama/llama3.2:3b      refuses while a prompt of the project uses it
  promptls models load ollama/llama3.2:3b --keep-alive 30m
  promptls models set prompts/summarize.md ollama/llama3.2:3b   assign it in promptls.toml
"""
LIVE_COMMANDS = ("list", "show", "status", "pull", "rm", "load", "unload", "set")


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "models",
        help="list known models: context, output, prices",
        epilog=EXAMPLES,
        description="List the model catalog (shipped, dated data plus models described in "
        "settings). Prices are USD per million tokens; '?' means unknown, never free.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "query",
        nargs="*",
        help="part of a model id or name (the catalog); or list|show|status|pull|rm|load|unload|set|test ...",
    )
    p.add_argument("--provider", help="only this provider (openai, anthropic, gemini, ...)")
    p.add_argument("--free", action="store_true", help="only free (or local) models")
    p.add_argument(
        "--capability",
        choices=CAPABILITIES,
        action="append",
        default=[],
        help="only models with this capability; repeatable",
    )
    p.add_argument("--json", action="store_true", help="machine-readable output")
    live = p.add_argument_group("live models (list, show, status, pull, rm, load, unload)")
    live.add_argument("--installed", action="store_true", help="list: only models on this machine")
    live.add_argument("--loaded", action="store_true", help="list: only models in memory now")
    live.add_argument("--refresh", action="store_true", help="ask the providers even if the cache is fresh")
    live.add_argument(
        "--offline", action="store_true", help="ask nothing: the cached data, with its age (stale or not)"
    )
    live.add_argument(
        "--force", action="store_true", help="pull: even if it will not fit; rm: even if a prompt uses it"
    )
    live.add_argument(
        "--keep-alive", default="5m", help="load: how long the model stays in memory (Ollama's keep_alive)"
    )
    add_color_option(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from promptls.cli.session import Session, project_root
    from promptls.router.models.modelid import BUILTIN_PROVIDERS
    from promptls.router.resolution.resolve import declared_providers

    session = Session()
    settings = session.loader.for_directory(project_root())
    if args.query and args.query[0] == "test":
        if len(args.query) != 2:
            raise UsageError("usage: promptls models test MODEL (e.g. promptls models test openai/gpt-4o)")
        return _test(session, settings, args.query[1], args)
    if args.query and args.query[0] in LIVE_COMMANDS:
        return _live(session, settings, args)
    for flag in ("installed", "loaded", "refresh", "offline", "force"):
        if getattr(args, flag):
            raise UsageError(f"--{flag} is for the live models: promptls models list ... --{flag}")
    if len(args.query) > 1:
        raise UsageError("give one query (quote it if it has spaces), or `test MODEL`")
    args.query = args.query[0] if args.query else None
    providers = (*BUILTIN_PROVIDERS, *declared_providers(settings))
    if args.provider and args.provider not in providers:
        raise UsageError(f"unknown provider `{args.provider}`; known: {', '.join(providers)}")
    catalog = session.catalog
    models = catalog.search(args.query, provider=args.provider, free=True if args.free else None)
    for capability in args.capability:
        models = [m for m in models if capability in m.capabilities]
    if args.json:
        json.dump([_row_json(m) for m in models], sys.stdout, indent=2)
        sys.stdout.write("\n")
        return EXIT_OK
    paint = painter_for(sys.stdout, args.color)
    if not models:
        print("No model matches; try a shorter query or drop a filter.", file=sys.stderr)
        return EXIT_FINDINGS
    rows = [("MODEL", "CONTEXT", "MAX OUT", "$IN/1M", "$OUT/1M", "")]
    rows += [_row(m) for m in models]
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    for index, row in enumerate(rows):
        cells = [row[0].ljust(widths[0])] + [row[i].rjust(widths[i]) for i in range(1, 5)]
        line = "  ".join(cells) + ("  " + row[5] if row[5] else "")
        print(paint(line, "bold") if index == 0 else line)
    sources = ", ".join(f"{s.get('name')} {s.get('version', '')}".strip() for s in catalog.sources)
    print(paint(f"{len(models)} models · catalog of {catalog.generated} from {sources}", "dim"))
    return EXIT_OK


def _live(session, settings, args: argparse.Namespace) -> int:
    command = args.query[0]
    args.query = args.query[1:]
    if args.refresh and args.offline:
        raise UsageError("--refresh asks the providers and --offline asks nothing: give one")
    if command == "set":
        from promptls.cli import models_set

        return models_set.run(session, args)
    if command in ("list", "show", "status"):
        from promptls.cli import models_live

        run_command = {
            "list": models_live.run_list,
            "show": models_live.run_show,
            "status": models_live.run_status,
        }
        return run_command[command](session, settings, args)
    from promptls.cli import models_pull

    return models_pull.run(command, session, settings, args)


def _num(value) -> str:
    return f"{value:,}" if value else "?"


def _price(value) -> str:
    return "?" if value is None else f"{value:g}"


def _row(m) -> tuple[str, ...]:
    flags = []
    if m.local:
        flags.append("local")
    if m.free:
        flags.append("free")
    if m.deprecation_date:
        flags.append(f"deprecated {m.deprecation_date}")
    return (
        m.id,
        _num(m.context_window),
        _num(m.max_output),
        _price(m.input_price),
        _price(m.output_price),
        " ".join(flags),
    )


def _row_json(m) -> dict:
    return {
        "id": m.id,
        "provider": m.provider,
        "family": m.family,
        "context_window": m.context_window,
        "max_output": m.max_output,
        "input_price_per_million": m.input_price,
        "output_price_per_million": m.output_price,
        "capabilities": sorted(m.capabilities),
        "free": m.free,
        "local": m.local,
        "deprecation_date": m.deprecation_date,
    }


def _test(session, settings, raw: str, args: argparse.Namespace) -> int:
    """Reach the provider with the key promptls would use: ✓ or ✗ with the reason."""
    from promptls.adapters.base import Status, status
    from promptls.adapters.errors import AdapterError
    from promptls.adapters.execute import default_adapter, endpoint_for
    from promptls.router.models.modelid import parse_model_id
    from promptls.router.resolution.plan import plan_call
    from promptls.router.resolution.resolve import known_providers

    model = parse_model_id(raw)
    if model is None:
        raise UsageError(f"{raw!r} is not a model id: write provider/name, e.g. openai/gpt-4o")
    if model.provider not in known_providers(settings):
        known = ", ".join(known_providers(settings))
        raise UsageError(f"unknown provider `{model.provider}`; known: {known}")
    call = plan_call(model, settings, session.catalog, session.env)
    paint = painter_for(sys.stdout, args.color)
    try:
        found = status(default_adapter(endpoint_for(call, session.env)), call.name)
    except AdapterError as error:  # no key, or a provider kind promptls cannot call
        found = Status(False, error.describe())
    result = {"model": raw, "ok": found.ok, "reason": found.reason}
    if args.json:
        json.dump(result, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        mark = paint("✓", "green") if result["ok"] else paint("✗", "red")
        print(f"{mark} {raw}: {result['reason']}")
    return EXIT_OK if result["ok"] else EXIT_FINDINGS
