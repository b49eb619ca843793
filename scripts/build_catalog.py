"""Build router/models/data/catalog.json, promptls's shipped model catalog, from two offline sources.

- pydantic's `genai-prices` (the installed package): prices first, display names, OpenRouter's
  model list and its context windows.
- LiteLLM's model price and context map (`model_prices_and_context_window_backup.json` from the
  `litellm-core` wheel): context window, max output, capabilities, deprecation dates, and prices
  where genai-prices has none.

A model's prices all come from one of the two: its input, output and cache prices and its tiers
(higher prices for a request above a number of input tokens, e.g. 200k; `router.models.money` says
how they apply) must agree with each other and with that source's own calculation.

Nothing is fetched. Given the same inputs and `--date`, the output is byte-for-byte the same.

    python scripts/build_catalog.py                       # today's date
    python scripts/build_catalog.py --date 2025-11-22     # reproduce a recorded build
"""

from __future__ import annotations

import argparse
import datetime
import json
import re
import sys
import tomllib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from decimal import Decimal
from importlib import metadata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from promptls.router.models.families import most_specific, specificity  # noqa: E402

DEFAULT_LITELLM_JSON = (
    Path(__file__).resolve().parent.parent
    / ".cache/catalog-sources/litellm/model_prices_and_context_window_backup.json"
)
DEFAULT_LITELLM_PACKAGE = "litellm-core"
DEFAULT_LITELLM_VERSION = "1.106.4"
DEFAULT_FAMILIES = ROOT / "scripts" / "families.toml"
DEFAULT_OUTPUT = ROOT / "router" / "models" / "data" / "catalog.json"
SCHEMA = 2
"""2: cache_write_price and tiers ([{"above": N, "input_price": ..., ...}]) in model records."""

CHAT_MODES = ("chat", "responses")
# promptls provider -> (LiteLLM provider, LiteLLM key prefix, genai-prices provider)
FIRST_PARTY = {
    "openai": ("openai", "", "openai"),
    "anthropic": ("anthropic", "", "anthropic"),
    "gemini": ("gemini", "gemini/", "google"),
}
# OpenRouter vendor -> the LiteLLM provider that serves that vendor's own models.
VENDOR_PROVIDER = {
    "openai": "openai",
    "anthropic": "anthropic",
    "google": "gemini",
    "x-ai": "xai",
    "mistralai": "mistral",
    "deepseek": "deepseek",
    "moonshotai": "moonshot",
    "z-ai": "zai",
    "minimax": "minimax",
    "qwen": "dashscope",
    "perplexity": "perplexity",
    "cohere": "cohere_chat",
    "meta-llama": "meta_llama",
    "amazon": "amazon_nova",
    "inception": "inception",
    "morph": "morph",
}
# When a model is served by many LiteLLM providers and none is its vendor, prefer these.
HOST_RANK = (
    "deepinfra",
    "together_ai",
    "fireworks_ai",
    "groq",
    "novita",
    "nebius",
    "bedrock_converse",
)

# Name tokens of models that are not text chat models.
NON_CHAT_TOKENS = frozenset(
    (
        *("embed", "embedding", "embeddings", "rerank", "moderation"),
        *("image", "imagen", "dall", "veo", "banana"),
        *("audio", "tts", "whisper", "transcribe", "diarize", "speech", "lyria"),
        *("realtime", "live"),
        *("ft", "davinci", "curie", "babbage", "ada"),
    )
)
DATED = re.compile(r"-(\d{8}|\d{4}-\d{2}-\d{2}|\d{2}-\d{4})$")
# Entry price field -> genai-prices ModelPrice attribute, LiteLLM cost-per-token key.
PRICE_FIELDS = (
    ("input_price", "input_mtok", "input_cost_per_token"),
    ("output_price", "output_mtok", "output_cost_per_token"),
    ("cache_read_price", "cache_read_mtok", "cache_read_input_token_cost"),
    ("cache_write_price", "cache_write_mtok", "cache_creation_input_token_cost"),
)
# LiteLLM's standard tier keys (`input_cost_per_token_above_200k_tokens`); the service-tier,
# batch and 1-hour-cache variants (`..._priority`, `..._above_1hr_above_...`) are not the list price.
LITELLM_TIER = re.compile(
    r"^(input_cost_per_token|output_cost_per_token|cache_read_input_token_cost"
    r"|cache_creation_input_token_cost)_above_(\d+)(k?)_tokens$"
)
CAPABILITY_FLAGS = (
    ("supports_function_calling", "tools"),
    ("supports_vision", "vision"),
    ("supports_response_schema", "json"),
    ("supports_reasoning", "reasoning"),
)


@dataclass
class Entry:
    """One catalog model while it is being built."""

    provider: str
    name: str
    display_name: str | None = None
    context_window: int | None = None
    max_output: int | None = None
    input_price: Decimal | None = None
    output_price: Decimal | None = None
    cache_read_price: Decimal | None = None
    cache_write_price: Decimal | None = None
    tiers: dict[int, dict[str, Decimal]] = field(default_factory=dict)
    """Input-token threshold -> the prices (by field name) a request above it pays."""
    capabilities: set[str] = field(default_factory=lambda: {"streaming"})
    capabilities_known: bool = False
    free: bool = False
    deprecation_date: str | None = None
    family: str | None = None

    @property
    def id(self) -> str:
        return f"{self.provider}/{self.name}"


# ---------------------------------------------------------------------------------------------
# Source helpers


def is_chat_name(name: str) -> bool:
    """False for embeddings, image, audio, realtime, moderation, completion-only and fine-tunes."""
    if name.startswith("ft:") or name.endswith(":batch"):
        return False  # fine-tunes; genai-prices' batch-price pseudo-ids
    tokens = set(re.split(r"[-/_.:@]+", name.lower()))
    return not (tokens & NON_CHAT_TOKENS) and not name.lower().startswith("text-")


def is_snapshot(alias: str, model_id: str) -> bool:
    """A dated snapshot of `model_id` (`claude-opus-4-20250514` of `claude-opus-4-0`)."""
    match = DATED.search(alias)
    return match is not None and model_id.startswith(alias[: match.start()])


def as_int(value: Any) -> int | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float) and value > 0:
        return int(value)
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


def per_mtok(value: Any) -> Decimal | None:
    """A LiteLLM cost per token as USD per million tokens, without float noise."""
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        return None
    return (Decimal(repr(value)) * 1_000_000).normalize()


def genai_price(value: Any) -> Decimal | None:
    """A genai-prices price (a Decimal or tiered prices) as its base Decimal."""
    if value is None:
        return None
    base = getattr(value, "base", value)
    return Decimal(base) if isinstance(base, Decimal | int) else None


def has_prices(entry: Entry) -> bool:
    return entry.input_price is not None or entry.output_price is not None


def litellm_limits(entry: Entry, spec: dict[str, Any], *, borrowed: bool = False) -> None:
    """Fill in what LiteLLM knows: limits and capabilities, never overriding a known value.

    `borrowed`: the entry describes the same model served by another provider. Its max output is
    then dropped when it is not below the context window, LiteLLM's mark of a placeholder.
    """
    context = as_int(spec.get("max_input_tokens"))
    output = as_int(spec.get("max_output_tokens")) or as_int(spec.get("max_tokens"))
    if borrowed and output and context and output >= context:
        output = None
    if entry.context_window is None:
        entry.context_window = context
    if entry.max_output is None:
        entry.max_output = output
    # capabilities are known only where LiteLLM states them; its Ollama entries state none
    if not entry.capabilities_known and any(flag in spec for flag, _ in CAPABILITY_FLAGS):
        entry.capabilities = {"streaming"} | {cap for flag, cap in CAPABILITY_FLAGS if spec.get(flag) is True}
        entry.capabilities_known = True


def litellm_prices(entry: Entry, spec: dict[str, Any]) -> None:
    """LiteLLM's prices and tiers, for a model genai-prices gives no price."""
    if has_prices(entry):
        return
    entry.tiers = {}
    for name, _, key in PRICE_FIELDS:
        setattr(entry, name, per_mtok(spec.get(key)))
    fields = {key: name for name, _, key in PRICE_FIELDS}
    for key, value in spec.items():
        match = LITELLM_TIER.match(key)
        price = per_mtok(value) if match else None
        if match and price is not None:
            above = int(match[2]) * (1000 if match[3] else 1)
            entry.tiers.setdefault(above, {})[fields[match[1]]] = price


def genai_prices_into(entry: Entry, model: Any, when: datetime.datetime) -> None:
    """Prices of a genai-prices model as in force on the catalog's date, with their tiers."""
    price = model.get_prices(when)
    for name, attribute, _ in PRICE_FIELDS:
        value = getattr(price, attribute)
        setattr(entry, name, genai_price(value))
        for tier in getattr(value, "tiers", None) or ():
            entry.tiers.setdefault(tier.start, {})[name] = Decimal(tier.price)


def equals_aliases(match: Any) -> Iterator[str]:
    """The literal model refs in a genai-prices match clause (`equals`, possibly inside `or`)."""
    if hasattr(match, "equals"):
        yield match.equals
    for clause in getattr(match, "or_", None) or ():
        yield from equals_aliases(clause)


class LiteLLM:
    """LiteLLM's chat entries, indexed for exact and cross-provider look-ups."""

    def __init__(self, data: dict[str, Any]):
        self.chat = {
            key: spec
            for key, spec in data.items()
            if isinstance(spec, dict) and spec.get("mode") in CHAT_MODES
        }
        self.non_chat = {
            key.lower().removeprefix("gemini/")
            for key, spec in data.items()
            if isinstance(spec, dict) and spec.get("mode") not in (*CHAT_MODES, None)
        }
        self.by_path: dict[str, list[str]] = {}
        self.by_bare: dict[str, list[str]] = {}
        for key, spec in self.chat.items():
            parts = key.lower().split("/")
            provider = str(spec.get("litellm_provider", ""))
            if len(parts) > 1 and provider.startswith(parts[0].replace("-", "_")):
                parts = parts[1:]
            self.by_path.setdefault("/".join(parts), []).append(key)
            self.by_bare.setdefault(normalize(parts[-1]), []).append(key)

    def not_chat(self, name: str) -> bool:
        """True when LiteLLM lists `name` itself (a first-party key) in a mode other than chat:
        completion, embedding, image, audio..."""
        return name.lower() in self.non_chat

    def of_provider(self, provider: str) -> Iterator[tuple[str, dict[str, Any]]]:
        for key, spec in self.chat.items():
            if spec.get("litellm_provider") == provider:
                yield key, spec

    def _best(self, keys: Iterable[str], vendor_provider: str | None) -> dict[str, Any] | None:
        def rank(key: str) -> tuple[int, int, str]:
            provider = self.chat[key].get("litellm_provider")
            first = 0 if provider == vendor_provider else 1
            host = HOST_RANK.index(provider) if provider in HOST_RANK else len(HOST_RANK)
            return (first, host, key)

        keys = sorted(keys, key=rank)
        return self.chat[keys[0]] if keys else None

    def underlying(self, vendor: str | None, model: str) -> dict[str, Any] | None:
        """The LiteLLM entry most likely to describe `vendor/model` served elsewhere."""
        base = model.split(":", 1)[0].lower()
        undated = DATED.sub("", base.removesuffix("-latest"))
        for name in dict.fromkeys((base, undated)):
            if spec := self._underlying(vendor, name):
                return spec
        return None

    def _underlying(self, vendor: str | None, base: str) -> dict[str, Any] | None:
        vendor_provider = VENDOR_PROVIDER.get(vendor or "")
        if vendor_provider in ("openai", "anthropic"):
            for candidate in (base, base.replace(".", "-")):
                spec = self.chat.get(candidate)
                if spec and spec.get("litellm_provider") == vendor_provider:
                    return spec
        if vendor and (keys := self.by_path.get(f"{vendor}/{base}")):
            return self._best(keys, vendor_provider)
        if vendor_provider and (keys := self.by_path.get(f"{vendor_provider}/{base}")):
            return self._best(keys, vendor_provider)
        if keys := self.by_path.get(base):
            return self._best(keys, vendor_provider)
        return self._best(self.by_bare.get(normalize(base), ()), vendor_provider)


def normalize(name: str) -> str:
    return name.lower().replace(".", "-").replace("_", "-")


# ---------------------------------------------------------------------------------------------
# Building


def first_party(provider: str, litellm: LiteLLM, genai: Any, when: datetime.datetime) -> dict[str, Entry]:
    litellm_provider, prefix, _ = FIRST_PARTY[provider]
    exact: dict[str, dict[str, Any]] = {}
    for key, spec in litellm.of_provider(litellm_provider):
        name = key.removeprefix(prefix)
        if "/" in name or not is_chat_name(name):
            continue
        # a prefixed key (gemini/...) wins over its bare twin
        if name not in exact or key.startswith(prefix):
            exact[name] = spec
    names = set(exact)
    for model in genai.models:
        if provider == "gemini" and not model.id.startswith(("gemini", "gemma", "learnlm")):
            continue  # Vertex-hosted Claude and the like are not served by the Gemini API
        candidates = [
            model.id,
            *(a for a in equals_aliases(model.match) if is_snapshot(a, model.id)),
        ]
        names.update(n for n in candidates if ":" not in n and is_chat_name(n) and not litellm.not_chat(n))

    entries: dict[str, Entry] = {}
    for name in sorted(names):
        entry = Entry(provider, name)
        spec = exact.get(name)
        model = genai.find_model(name)
        if model is not None:
            genai_prices_into(entry, model, when)
            if model.id.lower() == name.lower():
                entry.display_name = model.name
        if spec is not None:
            litellm_limits(entry, spec)
            litellm_prices(entry, spec)
            entry.deprecation_date = spec.get("deprecation_date") or None
        if model is not None and entry.context_window is None:
            entry.context_window = model.context_window
        if spec is None and (under := litellm.underlying(provider_vendor(provider), name)):
            litellm_limits(entry, under, borrowed=True)
        entries[entry.id.lower()] = entry
    return entries


def provider_vendor(provider: str) -> str:
    return {"gemini": "google"}.get(provider, provider)


def openrouter(litellm: LiteLLM, genai: Any, when: datetime.datetime) -> dict[str, Entry]:
    entries: dict[str, Entry] = {}
    aliases: list[tuple[str, Entry]] = []
    for model in genai.models:
        if "/" not in model.id or not is_chat_name(model.id):
            continue  # vendor-less refs are not OpenRouter model ids
        entry = Entry("openrouter", model.id, display_name=model.name)
        genai_prices_into(entry, model, when)
        if model.id.endswith(":free"):
            # OpenRouter's :free variants cost nothing; genai-prices lists no price for them
            if entry.input_price is None:
                entry.input_price = Decimal(0)
            if entry.output_price is None:
                entry.output_price = Decimal(0)
        entry.context_window = model.context_window
        vendor, _, rest = model.id.lstrip("~").partition("/")
        if under := litellm.underlying(vendor, rest):
            litellm_limits(entry, under, borrowed=True)
        entries[entry.id.lower()] = entry
        for alias in equals_aliases(model.match):
            if alias != model.id and "/" in alias and is_chat_name(alias):
                aliases.append((alias, entry))
    for alias, parent in aliases:
        key = f"openrouter/{alias}".lower()
        if key not in entries:
            entries[key] = replace(parent, name=alias, capabilities=set(parent.capabilities))
    return entries


def ollama(litellm: LiteLLM) -> dict[str, Entry]:
    entries: dict[str, Entry] = {}
    for key, spec in litellm.of_provider("ollama"):
        name = key.removeprefix("ollama/")
        entry = Entry("ollama", name, input_price=Decimal(0), output_price=Decimal(0))
        litellm_limits(entry, spec)
        entries.setdefault(entry.id.lower(), entry)
    return entries


def assign_families(entries: Iterable[Entry], families: dict[str, str]) -> None:
    patterns = sorted(families)
    for entry in entries:
        pattern = most_specific(patterns, entry.id)
        entry.family = families[pattern] if pattern else None


def family_rows(entries: list[Entry], families: dict[str, str]) -> list[dict[str, Any]]:
    """One row per pattern with conservative values derived from its family's known members."""
    members: dict[str, list[Entry]] = {}
    for entry in entries:
        if entry.family:
            members.setdefault(entry.family, []).append(entry)
    rows = []
    for pattern in sorted(families, key=specificity, reverse=True):
        family = families[pattern]
        group = members.get(family, [])
        contexts = [e.context_window for e in group if e.context_window]
        outputs = [e.max_output for e in group if e.max_output]
        known = [e.capabilities for e in group if e.capabilities_known]
        capabilities = set.intersection(*known) if known else {"streaming"}
        rows.append(
            {
                "pattern": pattern,
                "family": family,
                "context_window": min(contexts) if contexts else None,
                "max_output": min(outputs) if outputs else None,
                "capabilities": sorted(capabilities),
                "members": len(group),
            }
        )
    return rows


def model_record(entry: Entry) -> dict[str, Any]:
    """The JSON form of one model: provider, name and local derive from the id; nulls omitted."""
    record: dict[str, Any] = {
        "id": entry.id,
        "family": entry.family,
        "display_name": entry.display_name,
        "context_window": entry.context_window,
        "max_output": entry.max_output,
        "input_price": price_json(entry.input_price),
        "output_price": price_json(entry.output_price),
        "cache_read_price": price_json(entry.cache_read_price),
        "cache_write_price": price_json(entry.cache_write_price),
        "tiers": tier_rows(entry) or None,
        "capabilities": sorted(entry.capabilities),
        "free": entry.free or None,
        "deprecation_date": entry.deprecation_date,
    }
    return {key: value for key, value in record.items() if value is not None}


def tier_rows(entry: Entry) -> list[dict[str, Any]]:
    """`[{"above": 200000, "input_price": 2.5, ...}]`, ascending; each row holds only the prices that
    change at it (a price left out goes on from below), and a tier that changes nothing is dropped."""
    current = {name: getattr(entry, name) for name, _, _ in PRICE_FIELDS}
    rows = []
    for above in sorted(entry.tiers):
        changed = {name: p for name, p in entry.tiers[above].items() if p != current[name]}
        if changed:
            current.update(changed)
            ordered = [(name, changed[name]) for name, _, _ in PRICE_FIELDS if name in changed]
            rows.append({"above": above, **{name: price_json(p) for name, p in ordered}})
    return rows


def price_json(value: Decimal | None) -> int | float | None:
    if value is None:
        return None
    value = value.normalize()
    return int(value) if value == value.to_integral_value() else float(value)


def build(
    litellm_data: dict[str, Any],
    families: dict[str, str],
    *,
    date: datetime.date,
    sources: list[dict[str, str]],
) -> str:
    import genai_prices.data

    genai = {p.id: p for p in genai_prices.data.providers}
    litellm = LiteLLM(litellm_data)
    when = datetime.datetime.combine(date, datetime.time(12), tzinfo=datetime.UTC)

    entries: dict[str, Entry] = {}
    for provider, (_, _, genai_id) in FIRST_PARTY.items():
        entries.update(first_party(provider, litellm, genai[genai_id], when))
    entries.update(openrouter(litellm, genai["openrouter"], when))
    entries.update(ollama(litellm))

    models = sorted(entries.values(), key=lambda e: e.id.lower())
    for entry in models:
        entry.free = (
            entry.provider == "ollama"
            or entry.name.endswith(":free")
            or (entry.input_price == 0 and entry.output_price == 0)
        )
    assign_families(models, families)

    header = json.dumps(
        {"schema": SCHEMA, "generated": date.isoformat(), "sources": sources},
        separators=(",", ":"),
    )
    rows = [json.dumps(row, separators=(",", ":")) for row in family_rows(models, families)]
    records = [json.dumps(model_record(m), separators=(",", ":")) for m in models]
    return (
        header[:-1]
        + ',\n"families":[\n'
        + ",\n".join(rows)
        + '\n],\n"models":[\n'
        + ",\n".join(records)
        + "\n]}\n"
    )


def load_families(path: Path) -> dict[str, str]:
    with path.open("rb") as f:
        data = tomllib.load(f)
    families = data.get("families", {})
    bad = [p for p, fam in families.items() if not isinstance(fam, str) or not fam]
    if bad:
        raise SystemExit(f"{path}: family names must be non-empty strings: {bad}")
    return {pattern.lower(): family for pattern, family in families.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--litellm-json", type=Path, default=DEFAULT_LITELLM_JSON)
    parser.add_argument("--litellm-package", default=DEFAULT_LITELLM_PACKAGE)
    parser.add_argument("--litellm-version", default=DEFAULT_LITELLM_VERSION)
    parser.add_argument(
        "--genai-prices-version",
        default=None,
        help="expected version of the installed genai-prices (default: whatever is installed)",
    )
    parser.add_argument("--families", type=Path, default=DEFAULT_FAMILIES)
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument(
        "--date",
        type=datetime.date.fromisoformat,
        default=None,
        help="the catalog's date, YYYY-MM-DD (default: today); prices in force on it are used",
    )
    args = parser.parse_args(argv)

    genai_version = metadata.version("genai-prices")
    if args.genai_prices_version and args.genai_prices_version != genai_version:
        parser.error(f"genai-prices {genai_version} is installed, not {args.genai_prices_version}")
    if not args.litellm_json.is_file():
        parser.error(
            f"{args.litellm_json} not found: `pip download --no-deps "
            f"{args.litellm_package}=={args.litellm_version}` and unzip "
            "litellm/model_prices_and_context_window_backup.json from the wheel"
        )
    litellm_data = json.loads(args.litellm_json.read_text(encoding="utf-8"))
    sources = [
        {
            "name": "genai-prices",
            "package": "genai-prices",
            "version": genai_version,
            "gives": "prices: base, tiers above an input-token threshold, cache reads and writes;"
            " display names; OpenRouter's models and context windows",
        },
        {
            "name": "litellm model_prices_and_context_window",
            "package": args.litellm_package,
            "version": args.litellm_version,
            "gives": "context windows, max output, capabilities, deprecation dates; prices (tiers and"
            " cache prices too) of models genai-prices does not price",
        },
    ]
    text = build(
        litellm_data,
        load_families(args.families),
        date=args.date or datetime.date.today(),
        sources=sources,
    )
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text, encoding="utf-8", newline="\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
