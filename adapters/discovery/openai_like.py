"""Model lists on OpenAI's wire: OpenAI, OpenRouter, and any declared compatible server (LM Studio,
llama.cpp's server, vLLM, ...).

    GET {base_url}/models            {"data": [{"id": ...}, ...]}   every one of them
    OpenRouter's entries add         context_length, pricing.prompt/.completion (USD per token, as
                                     strings), top_provider.max_completion_tokens, supported_parameters
    LM Studio's own REST API         GET /api/v1/models (0.4+): models[].key, loaded_instances,
                                     max_context_length, quantization; GET /api/v0/models (0.3.6+):
                                     data[].id, state "loaded"/"not-loaded", max_context_length
A local server's listed models are on its disk (installed); whether each is loaded is known only
where LM Studio's REST API answers (a 404 there, llama.cpp's server's, just leaves it unknown).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from promptls.adapters.base import Endpoint
from promptls.adapters.discovery.http import DiscoveryError, get_json
from promptls.adapters.discovery.live import ERROR, LiveModel

DEFAULT_BASE_URLS = {"openai": "https://api.openai.com/v1", "openrouter": "https://openrouter.ai/api/v1"}
EXTRA_DEADLINE = 2.0
"""Seconds for each of LM Studio's extra endpoints: a local server answers them at once or not at all."""


def base_url(endpoint: Endpoint) -> str | None:
    return (endpoint.base_url or DEFAULT_BASE_URLS.get(endpoint.provider) or "").rstrip("/") or None


def list_openai_like(
    endpoint: Endpoint, deadline: float, *, local: bool
) -> tuple[tuple[LiveModel, ...], str]:
    """The models and where they were read; `DiscoveryError` when the server gives no list."""
    root = base_url(endpoint)
    if root is None:
        raise DiscoveryError(
            ERROR, f"no base_url: set [providers.{endpoint.provider}] base_url in promptls.toml"
        )
    headers = dict(endpoint.headers)
    if endpoint.api_key:
        headers["Authorization"] = f"Bearer {endpoint.api_key}"
    url = f"{root}/models"
    body = get_json(url, deadline=deadline, headers=headers, secret=endpoint.api_key)
    entries = body.get("data") if isinstance(body, dict) else None
    if not isinstance(entries, list):
        raise DiscoveryError(ERROR, f"{url} answered JSON without a `data` list of models")
    models = [_model(entry, local) for entry in entries if isinstance(entry, dict) and entry.get("id")]
    if local:
        loaded = _lmstudio_states(root, headers, endpoint.api_key)
        if loaded:
            models = [
                m._replace(**loaded[m.name]) if m.name in loaded else m  # type: ignore[arg-type]
                for m in models
            ]
            url += " and LM Studio's REST API"
    return tuple(models), url


def _model(entry: Mapping[str, Any], local: bool) -> LiveModel:
    name = str(entry["id"])
    pricing = entry.get("pricing") if isinstance(entry.get("pricing"), dict) else {}
    input_price = _per_million(pricing.get("prompt"))
    output_price = _per_million(pricing.get("completion"))
    top = entry.get("top_provider") if isinstance(entry.get("top_provider"), dict) else {}
    free: bool | None = None
    if local:
        free = True
    elif input_price is not None and output_price is not None:
        free = input_price == 0 and output_price == 0
    extra: dict[str, Any] = {}
    if isinstance(entry.get("supported_parameters"), list):
        extra["supported_parameters"] = [str(p) for p in entry["supported_parameters"]]
    if pricing:
        extra["pricing_per_token"] = {str(k): v for k, v in pricing.items()}
    if isinstance(entry.get("owned_by"), str):
        extra["owned_by"] = entry["owned_by"]
    return LiveModel(
        name=name,
        installed=True if local else None,
        context_length=_int(entry.get("context_length")) or _int(top.get("context_length")),
        max_output=_int(top.get("max_completion_tokens")),
        input_price=input_price,
        output_price=output_price,
        free=free,
        display_name=entry.get("name") if isinstance(entry.get("name"), str) else None,
        extra=extra,
    )


def _lmstudio_states(root: str, headers: Mapping[str, str], secret: str | None) -> dict[str, dict[str, Any]]:
    """Loaded or not, context and quantization by model id, from LM Studio's REST API (v1, else v0);
    {} from a server that has neither."""
    parts = urlsplit(root)
    origin = urlunsplit((parts.scheme, parts.netloc, "", "", ""))
    try:
        body = get_json(f"{origin}/api/v1/models", deadline=EXTRA_DEADLINE, headers=headers, secret=secret)
        entries = body.get("models") if isinstance(body, dict) else None
        if isinstance(entries, list):
            return {
                str(e["key"]): {
                    "loaded": bool(e.get("loaded_instances")),
                    "context_length": _int(e.get("max_context_length")),
                    "quantization": _quantization(e.get("quantization")),
                }
                for e in entries
                if isinstance(e, dict) and e.get("key")
            }
    except DiscoveryError:
        pass
    try:
        body = get_json(f"{origin}/api/v0/models", deadline=EXTRA_DEADLINE, headers=headers, secret=secret)
    except DiscoveryError:
        return {}
    entries = body.get("data") if isinstance(body, dict) else None
    if not isinstance(entries, list):
        return {}
    return {
        str(e["id"]): {
            "loaded": e.get("state") == "loaded",
            "context_length": _int(e.get("max_context_length")),
            "quantization": _quantization(e.get("quantization")),
        }
        for e in entries
        if isinstance(e, dict) and e.get("id") and "state" in e
    }


def _quantization(value: Any) -> str | None:
    if isinstance(value, dict):  # v1: {"name": "Q4_K_M", "bits_per_weight": 4}
        value = value.get("name")
    return value if isinstance(value, str) else None


def _per_million(value: Any) -> float | None:
    """OpenRouter's USD per token (a string) as USD per million tokens; negative means variable."""
    try:
        price = float(value)
    except (TypeError, ValueError):
        return None
    return None if price < 0 else round(price * 1_000_000, 6)


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None
