"""What a provider says about its models right now, as plain data the front ends and the cache use.

A `Listing` is one provider's answer to "which models do you offer?": its `state` says whether it
answered (`ok`) or why not (`no-key`, `unreachable`, `refused`, `error`), never by raising. Each
`LiveModel` holds only the facts that provider reported (None: it did not say); the catalog's facts
are merged in by the front end, each fact keeping its source.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, NamedTuple

State = Literal["ok", "no-key", "unreachable", "refused", "error", "offline"]

OK: State = "ok"
NO_KEY: State = "no-key"
UNREACHABLE: State = "unreachable"
"""Not running, a connection refused, no answer before the deadline."""
REFUSED: State = "refused"
"""It answered, but refused the key (401/403)."""
ERROR: State = "error"
"""It answered something promptls cannot use (another status, a body that is no model list)."""
OFFLINE: State = "offline"
"""Not asked (`--offline`), and nothing cached."""

_NOTHING: Mapping[str, Any] = {}


class LiveModel(NamedTuple):
    """One model as its provider lists it. Prices are USD per million tokens."""

    name: str
    """The provider's own name (`llama3.2:3b`, `deepseek/deepseek-chat`), not the promptls id."""
    installed: bool | None = None
    """On this machine's disk (a local server); None for a hosted provider."""
    loaded: bool | None = None
    """In memory now; None when the provider does not say."""
    context_length: int | None = None
    max_output: int | None = None
    input_price: float | None = None
    output_price: float | None = None
    free: bool | None = None
    size_bytes: int | None = None
    """On disk."""
    size_vram: int | None = None
    """In GPU memory, for a loaded model."""
    parameter_size: str | None = None
    """As the provider writes it (`3.2B`)."""
    quantization: str | None = None
    family: str | None = None
    display_name: str | None = None
    expires_at: str | None = None
    """When a loaded model leaves memory (Ollama's keep_alive)."""
    extra: Mapping[str, Any] = _NOTHING
    """Provider-specific facts worth showing (OpenRouter's supported parameters, ...)."""

    def to_json(self) -> dict[str, Any]:
        return {name: value for name, value in self._asdict().items() if value not in (None, _NOTHING)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> LiveModel:
        known = {name: data[name] for name in cls._fields if name in data}
        return cls(**{"name": str(data.get("name", "")), **known})


class Listing(NamedTuple):
    """One provider's model list, or why there is none."""

    provider: str
    state: State
    message: str
    """What to tell the user (`ok`: where the list came from)."""
    models: tuple[LiveModel, ...] = ()
    latency_ms: float | None = None
    """How long the provider took to answer (None: it was not asked)."""
    fetched_at: float | None = None
    """When the models were fetched (seconds since the epoch); None: no models."""
    source: Literal["live", "cache", "none"] = "live"
    stale: bool = False
    """Shown from the cache because the provider could not be asked now (or the data is past its
    freshness)."""

    def age(self, now: float) -> float | None:
        return None if self.fetched_at is None else max(0.0, now - self.fetched_at)

    def find(self, name: str) -> LiveModel | None:
        """The listed model called `name` (Ollama's `llama3.2` is `llama3.2:latest`)."""
        for model in self.models:
            if model.name == name:
                return model
        if ":" not in name:
            for model in self.models:
                if model.name == f"{name}:latest":
                    return model
        return None


class ModelDetails(NamedTuple):
    """Everything a provider says about one model (`promptls models show`)."""

    provider: str
    name: str
    state: State
    message: str
    facts: Mapping[str, Any] = _NOTHING
    """Plain JSON values, by fact name."""
    fetched_at: float | None = None
    source: Literal["live", "cache", "none"] = "live"
    stale: bool = False
