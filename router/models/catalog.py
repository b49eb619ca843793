"""The model catalog: what promptls knows about a model id, and how sure it is.

A `Catalog` holds exact entries (`ModelInfo`, `known="catalog"`) and family rules (glob patterns
over model ids, most specific wins; see `router.models.families`). `Catalog.lookup` never fails:

1. an exact entry (the id compared case-insensitively);
2. else the entry derived from the id's family: the family's conservative values (smallest
   context window and max output of its known members, the capabilities they all share), prices
   unknown (`known="family"`);
3. else honest defaults: every number unknown (`known="unknown"`).

Unknown is `None`, never 0: "price unknown" is not "$0". Models of a local provider (Ollama, or
one declared local through `Catalog.with_models`) are free and local whether known or not.

The shipped data (`router/models/data/catalog.json`, built by `scripts/build_catalog.py` from
genai-prices and LiteLLM's model map) is read on the first `load_catalog()` call, not at import.
"""

from __future__ import annotations

import datetime
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any, Literal, NamedTuple

from promptls.router.models.families import most_specific, specificity
from promptls.router.models.money import Prices, PriceTier, prices_at, tokens_cost

__all__ = [
    "CAPABILITIES",
    "LOCAL_PROVIDERS",
    "Catalog",
    "FamilyRule",
    "ModelInfo",
    "catalog_from_json",
    "load_catalog",
    "split_model_id",
    "unknown_model",
]

CAPABILITIES = frozenset({"tools", "vision", "json", "streaming", "reasoning"})
LOCAL_PROVIDERS = frozenset({"ollama"})
DATA_PATH = Path(__file__).with_name("data") / "catalog.json"

Known = Literal["catalog", "family", "unknown"]


def split_model_id(model_id: str) -> tuple[str, str]:
    """`provider/name` -> (provider, name); an id without `/` has the empty provider."""
    provider, sep, name = model_id.partition("/")
    return (provider, name) if sep else ("", model_id)


class ModelInfo(NamedTuple):
    """What is known about one model. Prices are USD per million tokens; None means unknown. The
    prices are a request's below the first of `tiers` (ascending); above one, a tier's apply."""

    id: str
    provider: str
    name: str
    family: str | None
    display_name: str | None
    context_window: int | None
    max_output: int | None
    input_price: float | None
    output_price: float | None
    cache_read_price: float | None
    capabilities: frozenset[str]
    free: bool
    local: bool
    deprecation_date: str | None
    known: Known
    cache_write_price: float | None = None
    tiers: tuple[PriceTier, ...] = ()

    def is_deprecated(self, today: datetime.date) -> bool:
        """True from the deprecation date on (a date announced for the future is not yet)."""
        if not self.deprecation_date:
            return False
        try:
            return datetime.date.fromisoformat(self.deprecation_date) <= today
        except ValueError:
            return False

    def prices(self, input_tokens: int | None = None) -> Prices:
        """The prices a request of `input_tokens` (cached ones included) pays: the base ones, or
        those of the highest tier it is above. What a run records as the prices it used."""
        base = Prices(self.input_price, self.output_price, self.cache_read_price, self.cache_write_price)
        return prices_at(base, self.tiers, input_tokens)

    def cost(
        self,
        input_tokens: int | None,
        output_tokens: int | None,
        *,
        cache_read_tokens: int = 0,
        cache_write_tokens: int = 0,
    ) -> float | None:
        """USD for this many tokens: $0 on a free or local model, else `money.tokens_cost` at this
        model's prices and tiers (None when a count or a needed price is unknown)."""
        if self.free:
            return 0.0
        return tokens_cost(
            input_tokens,
            output_tokens,
            self.input_price,
            self.output_price,
            tiers=self.tiers,
            cache_read_tokens=cache_read_tokens,
            cache_write_tokens=cache_write_tokens,
            cache_read_price=self.cache_read_price,
            cache_write_price=self.cache_write_price,
        )


class FamilyRule(NamedTuple):
    """A family pattern with the conservative values derived from the family's known members."""

    pattern: str
    family: str
    context_window: int | None
    max_output: int | None
    capabilities: frozenset[str]
    members: int


def unknown_model(model_id: str, provider: str, *, local: bool = False) -> ModelInfo:
    """Honest defaults for a model nothing is known about; a local model is still free."""
    _, name = split_model_id(model_id)
    price = 0.0 if local else None
    return ModelInfo(
        id=model_id,
        provider=provider,
        name=name,
        family=None,
        display_name=None,
        context_window=None,
        max_output=None,
        input_price=price,
        output_price=price,
        cache_read_price=price,
        capabilities=frozenset(),
        free=local,
        local=local,
        deprecation_date=None,
        known="unknown",
        cache_write_price=price,
    )


class Catalog:
    """Exact entries plus family rules; immutable (`with_models` returns a new catalog)."""

    def __init__(
        self,
        models: Iterable[ModelInfo],
        families: Iterable[FamilyRule] = (),
        *,
        generated: str = "",
        sources: Sequence[Mapping[str, Any]] = (),
        local_providers: Iterable[str] = LOCAL_PROVIDERS,
    ):
        self.generated = generated
        self.sources: list[dict[str, Any]] = [dict(s) for s in sources]
        self.local_providers = frozenset(p.lower() for p in local_providers)
        self.families: tuple[FamilyRule, ...] = tuple(
            sorted(families, key=lambda r: specificity(r.pattern), reverse=True)
        )
        self._rules = {rule.pattern: rule for rule in self.families}
        self._models: dict[str, ModelInfo] = {m.id.lower(): m for m in models}
        # Shipped records become ModelInfo objects only when asked for: a `resolve` touches a
        # handful of the ~1,200 entries, and building them all costs more than reading the JSON.
        self._records: dict[str, Mapping[str, Any]] = {}
        self._sorted: list[ModelInfo] | None = None
        self._ids: list[str] | None = None
        self._ids_by_provider: dict[str, list[str]] = {}
        self._memo: dict[object, Any] = {}
        self._suggest_index: _SuggestIndex | None = None

    def __len__(self) -> int:
        return len(self._models.keys() | self._records.keys())

    def __contains__(self, model_id: object) -> bool:
        if not isinstance(model_id, str):
            return False
        key = model_id.strip().lower()
        return key in self._models or key in self._records

    def __repr__(self) -> str:
        return f"<Catalog {len(self)} models, {len(self.families)} family patterns, {self.generated}>"

    # --- exact and derived look-ups ----------------------------------------------------------

    def get(self, model_id: str) -> ModelInfo | None:
        """The exact entry for `model_id` (case-insensitive), or None."""
        key = model_id.strip().lower()
        model = self._models.get(key)
        if model is None and key in self._records:
            model = self._models[key] = _model_from_record(self._records.pop(key))
        return model

    def _materialize(self) -> None:
        for key in list(self._records):
            self._models[key] = _model_from_record(self._records.pop(key))

    def family_rule(self, model_id: str) -> FamilyRule | None:
        """The most specific family rule whose pattern matches `model_id`."""
        model_id = model_id.strip()
        # Matched against every pattern once per id: a workspace names the same few unlisted models.
        pattern = self.memo(("family_rule", model_id), lambda: most_specific(self._rules, model_id))
        return self._rules[pattern] if pattern is not None else None

    def family_of(self, model_id: str) -> str | None:
        """The family of a known model, else the family its id's pattern says, else None."""
        model = self.get(model_id)
        if model is not None and model.family:
            return model.family
        rule = self.family_rule(model_id)
        return rule.family if rule else None

    def lookup(self, model_id: str) -> ModelInfo:
        """The exact entry, else one derived from its family, else honest defaults. Never raises."""
        model = self.get(model_id)
        if model is not None:
            return model
        model_id = model_id.strip()
        provider, name = split_model_id(model_id)
        local = provider.lower() in self.local_providers
        rule = self.family_rule(model_id)
        if rule is None:
            return unknown_model(model_id, provider, local=local)
        price = 0.0 if local else None
        return ModelInfo(
            id=model_id,
            provider=provider,
            name=name,
            family=rule.family,
            display_name=None,
            context_window=rule.context_window,
            max_output=rule.max_output,
            input_price=price,
            output_price=price,
            cache_read_price=price,
            capabilities=rule.capabilities,
            free=local,
            local=local,
            deprecation_date=None,
            known="family",
            cache_write_price=price,
        )

    # --- listing -------------------------------------------------------------------------------

    def _all_sorted(self) -> list[ModelInfo]:
        if self._sorted is None:
            self._materialize()
            self._sorted = sorted(self._models.values(), key=lambda m: m.id)
        return self._sorted

    def ids(self, provider: str | None = None) -> list[str]:
        """Every exact id, sorted; only `provider`'s when given."""
        if self._ids is None:
            ids = [m.id for m in self._models.values()] + [r["id"] for r in self._records.values()]
            self._ids = sorted(ids)
        if provider is None:
            return list(self._ids)
        prefix = provider.lower() + "/"
        cached = self._ids_by_provider.get(prefix)
        if cached is None:
            cached = self._ids_by_provider[prefix] = [i for i in self._ids if i.lower().startswith(prefix)]
        return list(cached)

    def memo(self, key: object, compute: Callable[[], Any]) -> Any:
        """A value derived from this (immutable) catalog, computed once per key."""
        try:
            return self._memo[key]
        except KeyError:
            value = self._memo[key] = compute()
            return value

    def search(
        self,
        query: str | None = None,
        *,
        provider: str | None = None,
        free: bool | None = None,
        capability: str | None = None,
    ) -> list[ModelInfo]:
        """Entries whose id or display name contains `query` (ignoring case), filtered, by id."""
        needle = query.strip().lower() if query else ""
        provider = provider.lower() if provider else None
        found = []
        for model in self._all_sorted():
            if provider is not None and model.provider.lower() != provider:
                continue
            if free is not None and model.free != free:
                continue
            if capability is not None and capability not in model.capabilities:
                continue
            if (
                needle
                and needle not in model.id.lower()
                and (not model.display_name or needle not in model.display_name.lower())
            ):
                continue
            found.append(model)
        return found

    def suggest(self, model_id: str, limit: int = 3) -> list[str]:
        """Did you mean: the nearest known ids, the same provider's first."""
        if self._suggest_index is None:
            self._suggest_index = _SuggestIndex(self._all_sorted())
        return self._suggest_index.suggest(model_id.strip(), limit)

    # --- derived catalogs and replacements ------------------------------------------------------

    def with_models(self, extra: Iterable[ModelInfo], *, local_providers: Iterable[str] = ()) -> Catalog:
        """A new catalog with `extra` entries added or overriding (declared endpoints, live lists).

        An extra entry without a family gets the one its id's pattern says. `local_providers`
        adds providers whose every model is local and free (an LM Studio endpoint, say).
        """
        self._materialize()
        models = dict(self._models)
        for model in extra:
            if model.family is None and (rule := self.family_rule(model.id)):
                model = model._replace(family=rule.family)
            models[model.id.lower()] = model
        return Catalog(
            models.values(),
            self.families,
            generated=self.generated,
            sources=self.sources,
            local_providers=self.local_providers | {p.lower() for p in local_providers},
        )

    def replacement_for(self, model_id: str) -> str | None:
        """For a model with a deprecation date: the newest model of its family and provider that
        has none (judged by the version numbers, then the date, in its name), or None."""
        model = self.get(model_id)
        if model is None or not model.deprecation_date or not model.family:
            return None
        candidates = [
            m
            for m in self._all_sorted()
            if m.provider == model.provider
            and m.family == model.family
            and not m.deprecation_date
            and m.id != model.id
        ]
        if not candidates:
            return None
        return max(candidates, key=lambda m: recency_key(m.name)).id


# --- shipped data ------------------------------------------------------------------------------


CATALOG_ENV = "PROMPTLS_CATALOG"
"""Names a catalog file (the JSON `scripts/build_catalog.py` writes) to use instead of the shipped one:
a newer catalog than the installed promptls has, or a test's."""


class CatalogError(ValueError):
    """A catalog file named by `PROMPTLS_CATALOG` that cannot be used; the message says why."""


@cache
def load_catalog(path: str | None = None) -> Catalog:
    """The shipped catalog, or the one at `path`, read once."""
    if not path:
        return catalog_from_json(DATA_PATH.read_text(encoding="utf-8"))
    from promptls.router.base.reading import MIB, Unreadable, read_bytes

    data = read_bytes(path, 64 * MIB)
    if isinstance(data, Unreadable):
        raise CatalogError(f"{CATALOG_ENV}={path}: {data.reason}")
    try:
        return catalog_from_json(data.decode("utf-8"))
    except (ValueError, KeyError, TypeError) as exc:
        raise CatalogError(f"{CATALOG_ENV}={path}: not a promptls catalog ({exc})") from None


def catalog_from_json(text: str) -> Catalog:
    """A catalog from the JSON that `scripts/build_catalog.py` writes."""
    data = json.loads(text)
    families = [
        FamilyRule(
            pattern=row["pattern"],
            family=row["family"],
            context_window=row.get("context_window"),
            max_output=row.get("max_output"),
            capabilities=_capabilities(row.get("capabilities", ())),
            members=row.get("members", 0),
        )
        for row in data.get("families", ())
    ]
    catalog = Catalog((), families, generated=data.get("generated", ""), sources=data.get("sources", ()))
    catalog._records = {record["id"].lower(): record for record in data["models"]}
    return catalog


_CAPABILITY_SETS: dict[tuple[str, ...], frozenset[str]] = {}


def _capabilities(names: Iterable[str]) -> frozenset[str]:
    key = tuple(names)
    found = _CAPABILITY_SETS.get(key)
    if found is None:
        found = _CAPABILITY_SETS[key] = frozenset(key)
    return found


def _model_from_record(record: Mapping[str, Any]) -> ModelInfo:
    model_id = record["id"]
    provider, name = split_model_id(model_id)
    local = provider in LOCAL_PROVIDERS
    return ModelInfo(
        id=model_id,
        provider=provider,
        name=name,
        family=record.get("family"),
        display_name=record.get("display_name"),
        context_window=record.get("context_window"),
        max_output=record.get("max_output"),
        input_price=_float(record.get("input_price")),
        output_price=_float(record.get("output_price")),
        cache_read_price=_float(record.get("cache_read_price")),
        capabilities=_capabilities(record.get("capabilities", ())),
        free=bool(record.get("free")) or local,
        local=local,
        deprecation_date=record.get("deprecation_date"),
        known="catalog",
        cache_write_price=_float(record.get("cache_write_price")),
        tiers=tuple(_tier(row) for row in record.get("tiers", ())),
    )


def _float(value: float | None) -> float | None:
    return None if value is None else float(value)


def _tier(row: Mapping[str, Any]) -> PriceTier:
    """`{"above": 200000, "input_price": 2.5, ...}`: a price the row leaves out goes on from below."""
    return PriceTier(
        row["above"],
        Prices(
            _float(row.get("input_price")),
            _float(row.get("output_price")),
            _float(row.get("cache_read_price")),
            _float(row.get("cache_write_price")),
        ),
    )


# --- helpers -----------------------------------------------------------------------------------

# used through re's own pattern cache, so that importing this module compiles nothing
_DATE = r"(?:^|[-@_])(\d{8}|\d{4}-\d{2}-\d{2}|\d{2}-\d{4}|\d{4})(?=$|[-:@_])"
_SIZE = r"(?i)\d+(?:\.\d+)?(?:x\d+)?[bkmt](?![a-z])"
_UNSTABLE = r"(?i)preview|exp|beta|alpha|test"


def recency_key(name: str) -> tuple[tuple[int, ...], bool, str, int, str]:
    """A sort key, newest last: version numbers, stable over preview, date (an undated alias
    counts as the newest of its version), then the shorter, plainer name."""
    dates = re.findall(_DATE, name)
    rest = re.sub(_SIZE, "", re.sub(_DATE, "", name))
    version = tuple(int(n) for n in re.findall(r"\d+", rest))
    date = max((d.replace("-", "") for d in dates), default="99999999")
    return (version, not re.search(_UNSTABLE, name), date, -len(name), name)


class _SuggestIndex:
    """Lower-cased ids grouped for difflib: by provider, and by their last path segment."""

    def __init__(self, models: Sequence[ModelInfo]):
        self.original: dict[str, str] = {}
        self.by_provider: dict[str, list[str]] = {}
        self.by_tail: dict[str, list[str]] = {}
        for model in models:
            key = model.id.lower()
            self.original[key] = model.id
            self.by_provider.setdefault(model.provider.lower(), []).append(key)
            self.by_tail.setdefault(key.rsplit("/", 1)[-1], []).append(key)
        self.all_ids = list(self.original)
        self.tails = list(self.by_tail)

    def suggest(self, model_id: str, limit: int) -> list[str]:
        import difflib

        if limit <= 0:
            return []
        query = model_id.lower()
        provider, _ = split_model_id(query)
        tail = query.rsplit("/", 1)[-1]
        found: dict[str, None] = {}

        def add(keys: Iterable[str]) -> None:
            for key in keys:
                if key != query and len(found) < limit:
                    found.setdefault(key, None)

        add(difflib.get_close_matches(query, self.by_provider.get(provider, ()), limit + 1))
        if len(found) < limit:
            for near in difflib.get_close_matches(tail, self.tails, limit + 1):
                same = [k for k in self.by_tail[near] if k.startswith(provider + "/")]
                add(same + [k for k in self.by_tail[near] if k not in same])
        if len(found) < limit:
            add(difflib.get_close_matches(query, self.all_ids, limit + 1))
        return [self.original[key] for key in found]
