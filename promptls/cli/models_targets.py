"""Which providers `promptls models list|show|status|pull|rm` asks, and their live lists.

Every built-in provider and every `[providers.NAME]` the settings declare is asked at once (each has
its own deadline, so the slowest bounds the wait). A hosted provider without a key is a `no-key`
listing without any request; Ollama at `$OLLAMA_HOST` (or its default address), a declared server at
its `base_url`. Lists go through the disk cache (adapters/model_cache.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from promptls.adapters.base import Endpoint
    from promptls.adapters.discovery.live import Listing, ModelDetails
    from promptls.adapters.model_cache import ModelCache
    from promptls.router.models.catalog import Catalog
    from promptls.router.settings.discover import ProjectSettings


class Target(NamedTuple):
    """One provider to ask: how to reach it, or why it cannot be asked (`missing`)."""

    provider: str
    endpoint: Endpoint | None
    local: bool
    where: str
    """Its address: the cache's key, and what messages name."""
    missing: Listing | None = None


def targets(
    settings: ProjectSettings,
    catalog: Catalog,
    env: Mapping[str, str],
    providers: Iterable[str],
) -> list[Target]:
    from promptls.adapters.discovery.live import NO_KEY, Listing
    from promptls.adapters.errors import MissingKey
    from promptls.adapters.execute import endpoint_for

    out = []
    for provider in providers:
        call, where = address(provider, settings, catalog, env)
        try:
            endpoint = endpoint_for(call, env)
        except MissingKey as error:
            missing = Listing(provider, NO_KEY, error.message, source="none")
            out.append(Target(provider, None, call.local, where, missing))
            continue
        out.append(Target(provider, endpoint, call.local, where))
    return out


def address(provider: str, settings: ProjectSettings, catalog: Catalog, env: Mapping[str, str]):
    """How a provider is reached (its planned call) and its address, the model cache's key; no key
    is looked up and no SDK imported (`promptls check` asks this to read the cache)."""
    from promptls.router.models.modelid import ModelId
    from promptls.router.resolution.plan import DEFAULT_BASE_URLS, OLLAMA_DEFAULT_HOST, plan_call

    call = plan_call(ModelId(provider, "models"), settings, catalog, env)
    default = OLLAMA_DEFAULT_HOST if call.kind == "ollama" else DEFAULT_BASE_URLS.get(provider, "")
    return call, call.base_url or default or _HOSTED.get(provider, provider)


_HOSTED = {
    "openai": "https://api.openai.com/v1",
    "anthropic": "https://api.anthropic.com",
    "gemini": "https://generativelanguage.googleapis.com",
}


def listings(
    found: Sequence[Target], cache: ModelCache, *, refresh: bool = False, offline: bool = False
) -> list[Listing]:
    """Each target's list, asked at once, in the targets' order."""
    from promptls.adapters.discovery.providers import discover

    def one(target: Target) -> Listing:
        if target.missing is not None:
            return target.missing
        endpoint = target.endpoint
        assert endpoint is not None
        return cache.listing(
            target.provider,
            target.where,
            lambda: discover(endpoint, local=target.local, clock=cache.clock),
            refresh=refresh,
            offline=offline,
        )

    if len(found) <= 1:
        return [one(target) for target in found]
    from concurrent.futures import ThreadPoolExecutor  # only when providers are asked: start-up

    with ThreadPoolExecutor(max_workers=len(found), thread_name_prefix="promptls-models") as pool:
        return list(pool.map(one, found))


def model_details(
    target: Target, name: str, cache: ModelCache, *, refresh: bool = False, offline: bool = False
) -> ModelDetails:
    from promptls.adapters.discovery.live import ModelDetails
    from promptls.adapters.discovery.providers import details

    if target.missing is not None:
        return ModelDetails(
            target.provider, name, target.missing.state, target.missing.message, source="none"
        )
    endpoint = target.endpoint
    assert endpoint is not None
    return cache.details(
        target.provider,
        target.where,
        name,
        lambda: details(endpoint, name, local=target.local, clock=cache.clock),
        refresh=refresh,
        offline=offline,
    )
