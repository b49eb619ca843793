"""One provider's live model list, whatever its wire: `discover` never raises for a provider that
cannot answer; it says why in the `Listing`.

    ollama                  /api/tags + /api/ps (installed, loaded)       adapters/discovery/ollama.py
    openai, openrouter,     GET {base_url}/models (+ OpenRouter's prices,  adapters/discovery/openai_like.py
    declared servers        LM Studio's loaded state)
    anthropic, gemini       the SDK's model list (names)                   the chat adapters' list_models
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from promptls.adapters.base import Endpoint
from promptls.adapters.discovery.http import DiscoveryError
from promptls.adapters.discovery.live import ERROR, OK, Listing, LiveModel, ModelDetails
from promptls.adapters.errors import AdapterError

DEADLINE = 5.0
"""Seconds a provider gets to list its models (`promptls models list` asks them all at once)."""


def discover(
    endpoint: Endpoint,
    *,
    local: bool,
    deadline: float = DEADLINE,
    clock: Callable[[], float] = time.time,
) -> Listing:
    """`endpoint`'s models now, or a `Listing` that says why there are none."""
    started = time.monotonic()
    try:
        models, where = _fetch(endpoint, local, deadline)
    except DiscoveryError as error:
        return Listing(endpoint.provider, error.state, error.message, latency_ms=_ms(started))
    except AdapterError as error:
        from promptls.adapters.discovery.ollama import state_of

        return Listing(endpoint.provider, state_of(error), error.message, latency_ms=_ms(started))
    return Listing(endpoint.provider, OK, f"from {where}", models, _ms(started), clock())


def details(
    endpoint: Endpoint,
    name: str,
    *,
    local: bool,
    deadline: float = DEADLINE,
    clock: Callable[[], float] = time.time,
) -> ModelDetails:
    """What the provider says about one model: Ollama's `/api/show`; elsewhere the model's entry in
    the live list (OpenRouter's prices and supported parameters)."""
    try:
        if endpoint.kind == "ollama":
            from promptls.adapters.discovery.ollama import show_ollama

            facts = show_ollama(endpoint, name, deadline)
            return ModelDetails(endpoint.provider, name, OK, "from /api/show", facts, clock())
        models, where = _fetch(endpoint, local, deadline)
    except DiscoveryError as error:
        return ModelDetails(endpoint.provider, name, error.state, error.message)
    except AdapterError as error:
        from promptls.adapters.discovery.ollama import state_of

        return ModelDetails(endpoint.provider, name, state_of(error), error.message)
    listing = Listing(endpoint.provider, OK, where, models)
    found = listing.find(name)
    if found is None:
        return ModelDetails(endpoint.provider, name, ERROR, f"{name} is not in the list at {where}")
    return ModelDetails(endpoint.provider, name, OK, f"from {where}", found.to_json(), clock())


def _fetch(endpoint: Endpoint, local: bool, deadline: float) -> tuple[tuple[LiveModel, ...], str]:
    if endpoint.kind == "ollama":
        from promptls.adapters.discovery.ollama import list_ollama

        return list_ollama(endpoint, deadline)
    if endpoint.kind == "openai":
        from promptls.adapters.discovery.openai_like import list_openai_like

        return list_openai_like(endpoint, deadline, local=local)
    if endpoint.kind in ("anthropic", "gemini"):
        return _sdk_names(endpoint, deadline)
    raise DiscoveryError(ERROR, f"promptls cannot list {endpoint.kind} models")


def _sdk_names(endpoint: Endpoint, deadline: float) -> tuple[tuple[LiveModel, ...], str]:
    from promptls.adapters.execute import default_adapter

    adapter: Any = default_adapter(endpoint._replace(timeout=deadline))
    names = adapter.list_models()  # AdapterError: sorted by the caller
    return tuple(LiveModel(name) for name in names), f"{endpoint.provider}'s model list"


def _ms(started: float) -> float:
    return round((time.monotonic() - started) * 1000, 1)
