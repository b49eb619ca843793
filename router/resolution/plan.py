"""The fallback plan: which models a run tries, in order, each with everything needed to call it.

Computed from a resolution as an immutable value, so the executor (in `adapters/`) only walks it:
no settings, catalog or dialect knowledge there. Keys are not in the plan: the executor looks them
up at the last moment, from the environment or the OS keyring.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

from promptls.router.models.modelid import ModelId
from promptls.router.resolution.resolve import (
    Resolution,
    declared_providers,
    is_local_provider,
    model_info,
    sdk_options,
)
from promptls.router.settings.discover import ProjectSettings
from promptls.router.settings.spec import DEFAULT_FIRST_TOKEN_TIMEOUT, DEFAULT_IDLE_TIMEOUT

if TYPE_CHECKING:
    from promptls.router.models.catalog import Catalog, ModelInfo

KINDS = {
    "openai": "openai",
    "openrouter": "openai",
    "gemini": "gemini",
    "ollama": "ollama",
    "anthropic": "anthropic",
}
DEFAULT_BASE_URLS = {"openrouter": "https://openrouter.ai/api/v1"}
OLLAMA_DEFAULT_HOST = "http://127.0.0.1:11434"
"""Where Ollama listens when neither settings nor `OLLAMA_HOST` say otherwise."""


class RetryPolicy(NamedTuple):
    retries: int = 2
    """Further tries of the same model after a retryable failure (429, 5xx, timeout, connection)."""
    base_delay: float = 0.5
    max_delay: float = 20.0
    cooldown: float = 60.0
    """Seconds a model that failed is skipped by later runs in the same process."""


class PlannedCall(NamedTuple):
    model_id: str
    provider: str
    name: str
    """The provider's own model name."""
    kind: str
    base_url: str | None
    api_key_env: str | None
    local: bool
    timeout: float
    headers: Mapping[str, str]
    params: Mapping[str, Any]
    options: Mapping[str, Any]
    info: ModelInfo
    first_token_timeout: float = DEFAULT_FIRST_TOKEN_TIMEOUT
    idle_timeout: float = DEFAULT_IDLE_TIMEOUT


class FallbackPlan(NamedTuple):
    calls: tuple[PlannedCall, ...]
    retry: RetryPolicy


def plan_run(resolution: Resolution, catalog: Catalog, env: Mapping[str, str]) -> FallbackPlan:
    """The calls a run makes, the resolved model first, then its fallback chain."""
    params = {k: s.value for k, s in resolution.params.items() if k != "expected_output_tokens"}
    calls = tuple(plan_call(model, resolution.settings, catalog, env, params) for model in resolution.chain())
    return FallbackPlan(calls, _retry_policy(env))


def plan_call(
    model: ModelId,
    settings: ProjectSettings,
    catalog: Catalog,
    env: Mapping[str, str],
    params: Mapping[str, Any] | None = None,
) -> PlannedCall:
    """Everything needed to call one model (for a run, or for `promptls models test`)."""
    declared = declared_providers(settings)
    table = declared.get(model.provider) or {}
    kind = KINDS.get(model.provider, "openai")
    base_url = table.get("base_url") or DEFAULT_BASE_URLS.get(model.provider)
    if model.provider == "ollama" and not base_url:
        base_url = env.get("OLLAMA_HOST") or None
    return PlannedCall(
        model_id=str(model),
        provider=model.provider,
        name=model.name,
        kind=kind,
        base_url=base_url,
        api_key_env=table.get("api_key_env"),
        local=is_local_provider(model.provider, declared),
        timeout=float(table.get("timeout") or 60.0),
        headers=dict(table.get("headers") or {}),
        params=dict(params or {}),
        options=sdk_options(model, settings),
        info=model_info(model, settings, catalog, declared),
        first_token_timeout=_deadline("first_token_timeout", table, settings, DEFAULT_FIRST_TOKEN_TIMEOUT),
        idle_timeout=_deadline("idle_timeout", table, settings, DEFAULT_IDLE_TIMEOUT),
    )


def _deadline(key: str, provider: Mapping[str, Any], settings: ProjectSettings, default: float) -> float:
    """A provider's own deadline, else `[run]`'s, else the default (see `spec._DEADLINES`)."""
    value = provider.get(key)
    if value is None:
        value = settings.view.run.value(key)
    return float(value) if value is not None else default


def _retry_policy(env: Mapping[str, str]) -> RetryPolicy:
    policy = RetryPolicy()
    raw = env.get("PROMPTLS_RETRIES")
    if raw is not None and raw.isdigit():
        policy = policy._replace(retries=int(raw))
    return policy
