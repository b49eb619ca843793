"""The one small protocol every provider adapter speaks, and the values that cross it."""

from __future__ import annotations

from collections.abc import Generator, Mapping
from typing import Any, NamedTuple, Protocol

_NOTHING: Mapping[str, Any] = {}


class Message(NamedTuple):
    role: str  # "system", "user" or "assistant"
    content: str


class Endpoint(NamedTuple):
    """Where and how to reach a provider. The key is held here only for the SDK call."""

    provider: str
    """The promptls provider name (`openai`, `openrouter`, `lmstudio`, ...)."""
    kind: str
    """Which wire protocol: "openai" (OpenAI, OpenRouter, any compatible server), "gemini",
    "ollama" or "anthropic"."""
    base_url: str | None = None
    api_key: str | None = None
    timeout: float = 60.0
    """Seconds to connect, and for each read (any byte, a keep-alive too, re-arms it)."""
    headers: Mapping[str, str] = _NOTHING
    first_token_timeout: float = 60.0
    """Seconds from the request to the first piece of the answer (adapters/deadline.py)."""
    idle_timeout: float = 30.0
    """Seconds the answer may pause between pieces (keep-alives do not count)."""

    def __repr__(self) -> str:  # never print the key
        key = "set" if self.api_key else "none"
        return f"Endpoint({self.provider!r}, {self.kind!r}, base_url={self.base_url!r}, key={key})"


class ChatRequest(NamedTuple):
    model: str
    """The provider's own model name (`gpt-4o`, `deepseek/deepseek-chat`), not the promptls id."""
    messages: tuple[Message, ...]
    params: Mapping[str, Any] = _NOTHING
    """temperature, top_p, max_tokens, stop, seed, ... (promptls names; adapters translate)."""
    options: Mapping[str, Any] = _NOTHING
    """Pass-through options from settings (`[providers.X] options`, `[models."id"] options`)."""


class Usage(NamedTuple):
    input_tokens: int | None
    output_tokens: int | None


class Chunk(NamedTuple):
    """A piece of the answer's text, as it arrives."""

    text: str


class Done(NamedTuple):
    """The end of a stream: what the provider reports about the whole answer."""

    usage: Usage
    finish_reason: str | None = None


class Adapter(Protocol):
    """A provider behind its official SDK. Constructing one imports nothing heavy; the SDK is
    imported on the first call."""

    endpoint: Endpoint

    def stream(self, request: ChatRequest) -> Generator[Chunk | Done, None, None]:
        """Yield the answer's text as it arrives, then one `Done`. Raises `AdapterError`s only:
        before the first chunk for a failed call, `StreamBroken` for one that fails after.
        Closing the generator early (a cancelled run does) closes the provider's response."""
        ...

    def list_models(self) -> list[str]:
        """The provider's model names (raises `AdapterError`)."""
        ...


class Completion(NamedTuple):
    text: str
    usage: Usage
    finish_reason: str | None


class Status(NamedTuple):
    ok: bool
    reason: str


def complete(adapter: Adapter, request: ChatRequest) -> Completion:
    """The whole answer at once: the stream, collected."""
    parts: list[str] = []
    usage, finish = Usage(None, None), None
    for event in adapter.stream(request):
        if isinstance(event, Chunk):
            parts.append(event.text)
        else:
            usage, finish = event.usage, event.finish_reason
    return Completion("".join(parts), usage, finish)


def status(adapter: Adapter, model: str) -> Status:
    """Can the provider be reached with this key, and does it offer `model`?"""
    from promptls.adapters.errors import AdapterError

    try:
        names = adapter.list_models()
    except AdapterError as error:
        return Status(False, error.describe())
    if model in names or any(name.split(":")[0] == model for name in names):
        return Status(True, "reachable, key accepted, model offered")
    return Status(False, f"reachable and key accepted, but {model} is not in its model list")
