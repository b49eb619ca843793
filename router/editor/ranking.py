"""The order in which completion offers model ids: what this project most likely wants first.

After an empty `model: ` the server sends the best 60 of ~1,200 ids and the client asks again as the
user types, so the order decides what a user sees at all. Best first:

1. the dialect's own providers (in Claude files the Claude ids, all of them);
2. the models the project already names (its settings, this file), then the newest models of the
   providers it uses or has a key for (`PREFERRED_SHARE` each);
3. a fair share (`SHARE`) of the newest models of each major provider (`MAJOR`) and of the local
   ones (Ollama and the providers the catalog knows as local);
4. every other current model, provider by provider, newest first;
5. models with a deprecation date still ahead, then retired ones: still there, so typing finds them.

The catalog has no release dates, so "newest" is read from the id (`catalog.recency_key`: version
numbers, stable over preview, then a date in the name). A dated snapshot (`gpt-4o-2024-08-06`) or a
variant (`…:free`) of a model the catalog also lists comes after all of a provider's current models.
A hub's ids (OpenRouter's `vendor/name`) take turns by vendor, the vendors with most models first, so
one vendor's hundred ids do not fill the hub's share.

What depends only on the catalog and the day is built once (`Catalog.memo`); a request only moves
the project's choices to the front.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Collection, Sequence
from itertools import zip_longest
from typing import TYPE_CHECKING, NamedTuple

from promptls.router.models.catalog import recency_key, split_model_id

if TYPE_CHECKING:
    from promptls.router.models.catalog import Catalog, ModelInfo

MAJOR = ("openai", "anthropic", "gemini", "openrouter")
"""The hosted providers that each get a fair share of the list, in this order; the local ones follow."""
SHARE = 8
"""How many of its newest current models each major provider (and the local ones together) shows."""
PREFERRED_SHARE = 12
"""How many of its newest current models a provider the project uses or has a key for shows first."""

_SNAPSHOT = re.compile(r"(?:^|[-@_])(?:\d{8}|\d{4}-\d{2}-\d{2}|\d{2}-\d{4}|\d{4})(?=$|[-:@_])")


class Ranking(NamedTuple):
    """The catalog's ids in order, before any project's choices (built once per catalog and day)."""

    order: tuple[str, ...]
    """Every id: the fair shares, the other current ids, the deprecated ones, the retired ones."""
    newest: dict[str, tuple[str, ...]]
    """Per provider (lower case): its current ids that pin no other, newest first."""


def ranking(catalog: Catalog, today: datetime.date) -> Ranking:
    return catalog.memo(("model-ranking", today), lambda: _build(catalog, today))


def front(
    catalog: Catalog,
    today: datetime.date,
    *,
    first: Sequence[str] = (),
    used: Sequence[str] = (),
    preferred: Sequence[str] = (),
) -> list[str]:
    """The ids that go before the catalog's own order (`Ranking.order`, whose repeats of them drop):
    every current id of the `first` providers (the dialect's own), the `used` ones as written (also
    ones the catalog does not know), then the newest of each `preferred` provider."""
    newest = ranking(catalog, today).newest
    found: dict[str, str] = {}  # lower-cased id -> id, in order
    for provider in first:
        found.update((m.lower(), m) for m in newest.get(provider.lower(), ()))
    for model_id in used:
        found.setdefault(model_id.lower(), model_id)
    for provider in preferred:
        for model_id in newest.get(provider.lower(), ())[:PREFERRED_SHARE]:
            found.setdefault(model_id.lower(), model_id)
    return list(found.values())


def _build(catalog: Catalog, today: datetime.date) -> Ranking:
    current: dict[str, list[ModelInfo]] = {}
    pinned: dict[str, list[ModelInfo]] = {}
    ahead: dict[str, list[ModelInfo]] = {}
    retired: dict[str, list[ModelInfo]] = {}
    models = catalog.search()
    names = {m.id.lower() for m in models}
    for model in models:
        provider = model.provider.lower()
        if model.is_deprecated(today):
            group = retired
        elif model.deprecation_date:
            group = ahead
        elif _pins_another(model.id, names):
            group = pinned
        else:
            group = current
        group.setdefault(provider, []).append(model)
    newest = {provider: tuple(_newest_first(found)) for provider, found in current.items()}
    local = sorted(p for p in newest if p in catalog.local_providers)
    providers = [p for p in MAJOR if p in newest or p in pinned or p in ahead or p in retired]
    providers += local + sorted({*newest, *pinned, *ahead, *retired} - {*MAJOR, *local})
    shares = [newest.get(p, ())[:SHARE] for p in MAJOR]
    shares.append(tuple(take_turns([newest[p] for p in local]))[:SHARE])
    order = dict.fromkeys(m for share in shares for m in share)
    for provider in providers:
        order.update(dict.fromkeys(newest.get(provider, ())))
        order.update(dict.fromkeys(_newest_first(pinned.get(provider, []))))
    for group in (ahead, retired):
        for provider in providers:
            order.update(dict.fromkeys(_newest_first(group.get(provider, []))))
    return Ranking(tuple(order), newest)


def _pins_another(model_id: str, known: Collection[str]) -> bool:
    """A dated snapshot (`gpt-4o-2024-08-06`), or a variant (`…:free`) of an id the catalog has too."""
    _, name = split_model_id(model_id)
    if _SNAPSHOT.search(name.rsplit("/", 1)[-1]):
        return True
    base, colon, _ = model_id.rpartition(":")
    return bool(colon) and base.lower() in known


def _newest_first(models: Sequence[ModelInfo]) -> list[str]:
    """Ids newest first; on a hub (`vendor/name` names) the vendors take turns, the largest first."""
    by_vendor: dict[str, list[ModelInfo]] = {}
    for model in models:
        vendor, slash, _ = model.name.partition("/")
        by_vendor.setdefault(vendor if slash else "", []).append(model)
    lists = [
        [m.id for m in sorted(sorted(found, key=lambda m: m.id), key=_recency, reverse=True)]
        for _, found in sorted(by_vendor.items(), key=lambda item: (-len(item[1]), item[0]))
    ]
    return lists[0] if len(lists) == 1 else take_turns(lists)


def _recency(model: ModelInfo) -> tuple:
    """`recency_key` of the name without its vendor, less the name itself: equally new ids keep their
    alphabetical order (the sort is stable, also reversed)."""
    return recency_key(model.name.rsplit("/", 1)[-1])[:-1]


def take_turns(lists: Sequence[Sequence[str]]) -> list[str]:
    """The first of each list, then the second of each, ..."""
    return [item for row in zip_longest(*lists) for item in row if item is not None]
