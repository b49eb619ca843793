"""The four provider adapters, each with its real SDK and its wire server, described one way.

`PROVIDERS` says, for each provider, which adapter and server to pair, the model to ask for and how its
server's `Ok` and `Fail` are built; the conformance suite (test_conformance.py) runs the same tests over
all four, and the per-provider files test only what that provider does differently.

One wire server per provider serves the whole session (reset before each test), and adapters are
made once per endpoint and reused, as the executor reuses them: building an SDK client costs ~0.1 s.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, NamedTuple

import pytest
from promptls.adapters.anthropic_adapter import AnthropicAdapter
from promptls.adapters.base import Adapter, ChatRequest, Chunk, Done, Endpoint, Message
from promptls.adapters.errors import AdapterError
from promptls.adapters.gemini_adapter import GeminiAdapter
from promptls.adapters.ollama_adapter import OllamaAdapter
from promptls.adapters.openai_compat import OpenAICompatAdapter

from tests.conftest import assert_no_canary, canary_key
from tests.wire import anthropic_server, gemini_server, ollama_server, openai_server
from tests.wire.base import WireServer


class Provider(NamedTuple):
    """One provider as the shared tests see it."""

    name: str
    """The promptls provider, also the endpoint kind."""
    adapter: Callable[[Endpoint], Adapter]
    server: Callable[[], WireServer]
    model: str
    wire: Any
    """The wire server's module: its `Ok(text, chunks, input tokens, output tokens)` and `Fail`."""
    finish_reason: str
    """What `Done` says of an answer that ended normally."""
    models: tuple[str, ...]
    """What `list_models` returns from the server's default list."""
    needs_key: bool
    has_context_error: bool
    """The provider says "the prompt does not fit" in a way of its own (Ollama truncates instead)."""
    passes_retry_after_on: bool
    """The SDK hands the adapter the response headers, so `Retry-After` can be honoured."""
    module: str
    """The adapter's module, imported by name (it must not import the SDK)."""
    sdk_modules: tuple[str, ...]
    """Top-level packages the adapter may import only when called."""

    def __repr__(self) -> str:
        return self.name


PROVIDERS = (
    Provider(
        name="openai",
        adapter=OpenAICompatAdapter,
        server=openai_server.OpenAIWireServer,
        model="gpt-4o-mini",
        wire=openai_server,
        finish_reason="stop",
        models=("gpt-4o-mini", "gpt-4o"),
        needs_key=True,
        has_context_error=True,
        passes_retry_after_on=True,
        module="promptls.adapters.openai_compat",
        sdk_modules=("openai", "httpx", "httpx2"),
    ),
    Provider(
        name="anthropic",
        adapter=AnthropicAdapter,
        server=anthropic_server.AnthropicWireServer,
        model="claude-haiku-4-5",  # not one the SDK warns is deprecated
        wire=anthropic_server,
        finish_reason="end_turn",
        models=anthropic_server.DEFAULT_MODELS,
        needs_key=True,
        has_context_error=True,
        passes_retry_after_on=True,
        module="promptls.adapters.anthropic_adapter",
        sdk_modules=("anthropic", "httpx", "httpx2"),
    ),
    Provider(
        name="gemini",
        adapter=GeminiAdapter,
        server=gemini_server.GeminiWireServer,
        model="gemini-2.0-flash",
        wire=gemini_server,
        finish_reason="STOP",
        models=("gemini-2.0-flash", "gemini-2.5-pro", "gemini-2.5-flash"),  # the generating ones
        needs_key=True,
        has_context_error=True,
        passes_retry_after_on=True,
        module="promptls.adapters.gemini_adapter",
        sdk_modules=("google", "httpx"),
    ),
    Provider(
        name="ollama",
        adapter=OllamaAdapter,
        server=ollama_server.OllamaWireServer,
        model="llama3.2:3b",
        wire=ollama_server,
        finish_reason="stop",
        models=ollama_server.DEFAULT_MODELS,
        needs_key=False,
        has_context_error=False,
        passes_retry_after_on=False,  # `ollama.ResponseError` keeps the status and the body only
        module="promptls.adapters.ollama_adapter",
        sdk_modules=("ollama", "httpx"),
    ),
)
BY_NAME = {provider.name: provider for provider in PROVIDERS}

TIMEOUT = 5.0
"""How long an adapter waits for a server that answers."""
STALL_TIMEOUT = 0.3
"""How long an adapter waits in the tests whose server stalls (each waits this long)."""


def request(provider: Provider, **changes: Any) -> ChatRequest:
    """The request the shared tests send: a system and a user message, no parameters."""
    messages = (Message("system", "Be brief."), Message("user", "Say hello."))
    return ChatRequest(provider.model, messages)._replace(**changes)


def run(adapter: Adapter, call: ChatRequest) -> tuple[list[str], AdapterError | Done]:
    """The texts streamed, and how the stream ended: its `Done` or the error it raised (which must
    not show a key, whatever the server said)."""
    texts: list[str] = []
    try:
        for item in adapter.stream(call):
            if isinstance(item, Done):
                return texts, item
            assert isinstance(item, Chunk)
            texts.append(item.text)
    except AdapterError as error:
        assert_no_canary(shown(error))
        return texts, error
    raise AssertionError("the stream ended without Done")


def shown(error: AdapterError) -> str:
    """Everything of an error that may reach a user, a log or the ledger."""
    return f"{error} {error!r} {error.describe()} {error.message} {error.args}"


# ---- fixtures ---------------------------------------------------------------------------------


class WireServers:
    """One running wire server per provider, started on first use, stopped with the session."""

    def __init__(self) -> None:
        self._running: dict[str, WireServer] = {}

    def fresh(self, provider: Provider) -> WireServer:
        """The provider's server with an empty script, no recorded request and no stall going on."""
        if provider.name not in self._running:
            self._running[provider.name] = provider.server().start()
        server = self._running[provider.name]
        server.reset()
        return server

    def stop(self) -> None:
        for server in self._running.values():
            server.stop()


@pytest.fixture(scope="session")
def wire_servers() -> Iterator[WireServers]:
    servers = WireServers()
    yield servers
    servers.stop()


MakeAdapter = Callable[..., Adapter]


@pytest.fixture(scope="session")
def adapters() -> dict[tuple[Any, ...], Adapter]:
    return {}


@pytest.fixture
def make_adapter(adapters: dict[tuple[Any, ...], Adapter]) -> MakeAdapter:
    """An adapter speaking `protocol` to `server`, with the provider's canary key; `changes` replace
    fields of its `Endpoint` (`provider="openrouter"`, `api_key=None`, `timeout=`, `headers=`, ...).
    The same endpoint gets the same adapter (and so the same SDK client) all session."""

    def make(protocol: Provider, server: WireServer | None = None, **changes: Any) -> Adapter:
        base_url = server.base_url if server is not None else None
        endpoint = Endpoint(protocol.name, protocol.name, base_url, canary_key(protocol.name), TIMEOUT)
        endpoint = endpoint._replace(**changes)
        key = tuple(endpoint._replace(headers=tuple(sorted(endpoint.headers.items()))))
        if key not in adapters:
            adapters[key] = protocol.adapter(endpoint)
        return adapters[key]

    return make


@pytest.fixture
def server(provider: Provider, wire_servers: WireServers) -> WireServer:
    """The wire server of the test's `provider` (a parameter, or a per-provider file's fixture)."""
    return wire_servers.fresh(provider)


@pytest.fixture
def adapter(provider: Provider, server: WireServer, make_adapter: MakeAdapter) -> Adapter:
    """The provider's adapter for `server`, with its canary key."""
    return make_adapter(provider, server)
