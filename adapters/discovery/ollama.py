"""Ollama's model management through the real `ollama` SDK: what is installed (`/api/tags`), what is
loaded (`/api/ps`), one model's facts (`/api/show`), and getting (`/api/pull`, streamed progress),
removing (`/api/delete`), loading and unloading (`/api/generate` with `keep_alive`) a model.

Failures come out as `DiscoveryError`s with a `Listing` state (the chat adapter's `map_error` words
them: "Ollama is not running at ...: start it with `ollama serve`"). The SDK is imported on the first
call. As in the chat adapter, `$OLLAMA_API_KEY` (which the SDK sends to any host) never leaves the
machine unless the endpoint configures a key.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, NamedTuple

from promptls.adapters.base import Endpoint
from promptls.adapters.discovery.http import DiscoveryError
from promptls.adapters.discovery.live import ERROR, NO_KEY, REFUSED, UNREACHABLE, LiveModel, State
from promptls.adapters.errors import AdapterError, AuthError, MissingKey, Timeout, Unavailable
from promptls.adapters.ollama_adapter import host, map_error

if TYPE_CHECKING:
    import ollama

PULL_READ_TIMEOUT = 600.0
"""Seconds a pull may go without a progress line (Ollama is silent while it verifies a digest)."""

ARCHITECTURE_FACTS = {
    "context_length": "context_length",
    "block_count": "block_count",
    "embedding_length": "embedding_length",
    "attention.head_count": "head_count",
    "attention.head_count_kv": "head_count_kv",
    "attention.key_length": "key_length",
    "attention.value_length": "value_length",
    "attention.sliding_window": "sliding_window",
}
"""`model_info` keys under the architecture's prefix (`llama.block_count`) that the memory estimate
and `models show` use, and the name each gets."""


class PullProgress(NamedTuple):
    """One line of `/api/pull`'s stream."""

    status: str
    digest: str | None
    total: int | None
    completed: int | None


def client(endpoint: Endpoint, deadline: float, *, read_timeout: float | None = None) -> ollama.Client:
    import httpx
    import ollama

    headers = dict(endpoint.headers)
    if endpoint.api_key:
        headers["Authorization"] = f"Bearer {endpoint.api_key}"
    hooks: dict[str, list[Any]] = {}
    if not any(name.lower() == "authorization" for name in headers):
        hooks["request"] = [_without_authorization]
    timeout = httpx.Timeout(read_timeout or deadline, connect=deadline)
    return ollama.Client(host=host(endpoint), timeout=timeout, headers=headers, event_hooks=hooks)


def _without_authorization(request: Any) -> None:
    request.headers.pop("authorization", None)


def list_ollama(endpoint: Endpoint, deadline: float) -> tuple[tuple[LiveModel, ...], str]:
    """Installed models (`/api/tags`), marked loaded from `/api/ps`, and where they were read."""
    endpoint = endpoint._replace(timeout=deadline)  # what a timeout's message says
    sdk = client(endpoint, deadline)
    with _mapped(endpoint):
        installed = sdk.list().models
        running = {m.model: m for m in sdk.ps().models if m.model}
    models = []
    for entry in installed:
        if not entry.model:
            continue
        live = running.get(entry.model)
        details = entry.details
        models.append(
            LiveModel(
                name=entry.model,
                installed=True,
                loaded=live is not None,
                context_length=getattr(live, "context_length", None) if live is not None else None,
                free=True,
                size_bytes=entry.size,
                size_vram=live.size_vram if live is not None else None,
                parameter_size=details.parameter_size if details else None,
                quantization=details.quantization_level if details else None,
                family=details.family if details else None,
                expires_at=live.expires_at.isoformat() if live is not None and live.expires_at else None,
            )
        )
    return tuple(models), f"{host(endpoint)}/api/tags and /api/ps"


def show_ollama(endpoint: Endpoint, name: str, deadline: float) -> dict[str, Any]:
    """`/api/show`'s facts as plain JSON: details, the Modelfile's parameters, the architecture's
    numbers (`context_length`, layers, KV heads), capabilities."""
    endpoint = endpoint._replace(timeout=deadline)
    sdk = client(endpoint, deadline)
    with _mapped(endpoint, name):
        shown = sdk.show(name)
    facts: dict[str, Any] = {}
    details = shown.details
    if details is not None:
        for key in ("format", "family", "parameter_size", "quantization_level"):
            value = getattr(details, key, None)
            if value:
                facts[key] = value
    info = dict(shown.modelinfo or {})
    architecture = info.get("general.architecture")
    if isinstance(architecture, str):
        facts["architecture"] = architecture
        for key, fact in ARCHITECTURE_FACTS.items():
            value = info.get(f"{architecture}.{key}")
            if isinstance(value, int | float) and not isinstance(value, bool):
                facts[fact] = value
    count = info.get("general.parameter_count")
    if isinstance(count, int):
        facts["parameter_count"] = count
    facts["parameters"] = parse_parameters(shown.parameters or "")
    if shown.capabilities:
        facts["capabilities"] = list(shown.capabilities)
    return facts


def parse_parameters(text: str) -> dict[str, Any]:
    """The Modelfile `PARAMETER` lines `/api/show` returns (`num_ctx 8192`, `stop "<|eot|>"`, one a
    line, repeatable) as a dict; numbers as numbers, repeated names as lists."""
    out: dict[str, Any] = {}
    for line in text.splitlines():
        name, _, raw = line.strip().partition(" ")
        raw = raw.strip()
        if not name or not raw:
            continue
        value: Any = raw.strip('"') if raw.startswith('"') else _number(raw)
        if name in out:
            previous = out[name]
            out[name] = [*previous, value] if isinstance(previous, list) else [previous, value]
        else:
            out[name] = value
    return out


def _number(raw: str) -> Any:
    for kind in (int, float):
        try:
            return kind(raw)
        except ValueError:
            continue
    return raw


def pull(endpoint: Endpoint, name: str, deadline: float) -> Iterator[PullProgress]:
    """`/api/pull`'s progress lines as they come; an error line (mid-pull) raises `DiscoveryError`.
    Closing the iterator closes the connection, which makes Ollama stop the download (it keeps the
    parts it has, and a later pull resumes from them)."""
    sdk = client(endpoint, deadline, read_timeout=PULL_READ_TIMEOUT)
    with _mapped(endpoint, name):
        lines = sdk.pull(name, stream=True)
        try:
            for line in lines:
                yield PullProgress(line.status or "", line.digest or None, line.total, line.completed)
        finally:
            lines.close()


def delete(endpoint: Endpoint, name: str, deadline: float) -> None:
    endpoint = endpoint._replace(timeout=deadline)
    sdk = client(endpoint, deadline)
    with _mapped(endpoint, name):
        sdk.delete(name)


def load(endpoint: Endpoint, name: str, deadline: float, keep_alive: str | float = "5m") -> None:
    """Load `name` into memory and keep it there for `keep_alive` (a generate without a prompt)."""
    sdk = client(endpoint, deadline, read_timeout=PULL_READ_TIMEOUT)  # loading a big model takes a while
    with _mapped(endpoint, name):
        sdk.generate(model=name, keep_alive=keep_alive)


def unload(endpoint: Endpoint, name: str, deadline: float) -> None:
    """Free `name`'s memory now (`keep_alive: 0`)."""
    load(endpoint, name, deadline, keep_alive=0)


class _mapped:
    """Turns what the SDK raises into a `DiscoveryError` (the chat adapter's wording)."""

    def __init__(self, endpoint: Endpoint, model: str = "") -> None:
        self.endpoint = endpoint
        self.model = model

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: Any) -> bool:
        if exc is None or not isinstance(exc, Exception) or isinstance(exc, DiscoveryError):
            return False
        from promptls.adapters.ollama_adapter import error_class

        if error_class(type(exc)) is None and not isinstance(exc, AdapterError):
            return False  # not the SDK's or the transport's: a bug, not a provider failure
        said = getattr(exc, "error", None)
        if getattr(exc, "status_code", None) == -1 and isinstance(said, str):  # an `{"error": ...}` line
            raise DiscoveryError(ERROR, f"Ollama at {host(self.endpoint)}: {said}") from exc
        error = map_error(exc, self.endpoint, self.model)
        raise DiscoveryError(state_of(error), error.message, error.status) from exc


def state_of(error: AdapterError) -> State:
    """The listing state an adapter error amounts to."""
    if isinstance(error, MissingKey):
        return NO_KEY
    if isinstance(error, AuthError):
        return REFUSED
    if isinstance(error, Timeout) or (isinstance(error, Unavailable) and error.status is None):
        return UNREACHABLE
    return ERROR
