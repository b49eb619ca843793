"""The fallback runner on the event loop (AsyncMessagesRun), as the proxy runs a plan of OpenAI-compatible
servers: the policy of MessagesRun (test_messages_run.py) step for step, over aiohttp and two real
OpenAI wire servers, and a client that goes away closing the upstream connection."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from typing import Any

import pytest
from promptls.adapters.errors import (
    AdapterError,
    Cancelled,
    MissingKey,
    NoFirstToken,
    RateLimited,
    StreamBroken,
)
from promptls.adapters.execute import reset_cooldowns
from promptls.adapters.messages import collect_message
from promptls.adapters.openai_aio import HttpPool
from promptls.adapters.translate.run_aio import AsyncMessagesRun, runs_on_loop
from promptls.router.models.catalog import unknown_model
from promptls.router.resolution.plan import FallbackPlan, PlannedCall, RetryPolicy

from tests.adapters.conftest import TIMEOUT
from tests.adapters.messages_support import body, check_grammar, text_of, user
from tests.conftest import canary_key
from tests.wire.base import KeepAlive, Malformed, Paced, WireServer
from tests.wire.openai_server import Fail, Ok, OpenAIWireServer

ENV = {"OPENAI_API_KEY": canary_key("openai")}


@pytest.fixture(autouse=True)
def no_cooldowns() -> Iterator[None]:
    reset_cooldowns()
    yield
    reset_cooldowns()


@pytest.fixture(scope="module")
def two_servers() -> Iterator[tuple[OpenAIWireServer, OpenAIWireServer]]:
    servers = (OpenAIWireServer().start(), OpenAIWireServer().start())
    yield servers
    for server in servers:
        server.stop()


@pytest.fixture
def servers(two_servers: tuple[OpenAIWireServer, OpenAIWireServer]) -> tuple[WireServer, WireServer]:
    for server in two_servers:
        server.reset()
    return two_servers


def hosted(server: WireServer) -> PlannedCall:
    """OpenAI itself (a key needed) at the wire server."""
    return _planned("openai", "gpt-4o-mini", server, local=False)


def local(server: WireServer) -> PlannedCall:
    """A keyless compatible server (LM Studio, llama.cpp) at the wire server."""
    return _planned("lmstudio", "qwen2.5-coder", server, local=True)


def _planned(provider: str, name: str, server: WireServer, *, local: bool) -> PlannedCall:
    model_id = f"{provider}/{name}"
    return PlannedCall(
        model_id=model_id,
        provider=provider,
        name=name,
        kind="openai",
        base_url=server.base_url,
        api_key_env=None,
        local=local,
        timeout=TIMEOUT,
        headers={},
        params={},
        options={},
        info=unknown_model(model_id, provider),
    )


def plan(*calls: PlannedCall, retries: int = 0) -> FallbackPlan:
    return FallbackPlan(calls, RetryPolicy(retries=retries, base_delay=0.01, max_delay=30.0, cooldown=60.0))


async def drain(run: AsyncMessagesRun) -> tuple[list[dict[str, Any]], AdapterError | None]:
    events: list[dict[str, Any]] = []
    try:
        async for batch in run:
            events += batch
    except AdapterError as error:
        return events, error
    finally:
        await run.pool.close()
    return events, None


def runner(
    the_plan: FallbackPlan, text: str = "hi", env: dict[str, str] = ENV, **options: Any
) -> AsyncMessagesRun:
    return AsyncMessagesRun(HttpPool(), the_plan, body(user(text)), env, **options)


async def test_a_failure_before_the_first_event_falls_back_to_the_next_model(servers) -> None:
    first, second = servers
    first.script(Fail.server_error())
    second.script(Ok("From the fallback."))
    run = runner(plan(hosted(first), local(second)))
    events, error = await drain(run)
    assert error is None
    check_grammar(events)
    assert text_of(collect_message(events)) == "From the fallback."
    assert run.model_id == "lmstudio/qwen2.5-coder"
    assert [(a.model_id, a.error.kind if a.error else None) for a in run.attempts] == [
        ("openai/gpt-4o-mini", "unavailable"),
        ("lmstudio/qwen2.5-coder", None),
    ]
    assert run.usage["output_tokens"] and run.first_event_ms is not None
    assert first.sent_key(first.requests[0]) == canary_key("openai")
    assert second.sent_key(second.requests[0]) == "not-needed"  # a keyless server: never the key


async def test_keep_alives_only_fall_back_at_the_first_token_deadline(servers) -> None:
    first, second = servers
    first.script(KeepAlive(after=0, seconds=10))  # OpenRouter's `: keep-alive` while a model is queued
    calls = (hosted(first)._replace(first_token_timeout=0.3), local(second))
    run = runner(plan(*calls, retries=2))
    began = time.monotonic()
    _, error = await drain(run)
    assert error is None and run.model_id == "lmstudio/qwen2.5-coder"
    assert isinstance(run.attempts[0].error, NoFirstToken)  # not retried: it would wait as long again
    assert len(run.attempts) == 2 and time.monotonic() - began < 5


async def test_a_break_after_the_first_event_ends_the_run_without_another_model(servers) -> None:
    first, second = servers
    first.script(Malformed(after=2))
    run = runner(plan(hosted(first), local(second)))
    events, error = await drain(run)
    assert isinstance(error, StreamBroken) and run.error is error
    check_grammar(events, complete=False)
    assert run.model_id == "openai/gpt-4o-mini"
    assert second.requests == []


async def test_a_rate_limit_is_retried_after_its_retry_after(servers) -> None:
    first, _ = servers
    first.script(Fail.rate_limit(7), Ok("Second try."))
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    run = runner(plan(hosted(first), retries=1), sleep=sleep)
    events, error = await drain(run)
    assert error is None and text_of(collect_message(events)) == "Second try."
    assert waits == [7.0]
    assert [type(a.error) for a in run.attempts] == [RateLimited, type(None)]


async def test_a_model_that_failed_is_skipped_by_the_next_request_but_a_last_one_is_tried(servers) -> None:
    first, second = servers
    first.script(Fail.server_error())
    the_plan = plan(hosted(first), local(second))
    await drain(runner(the_plan))
    run = runner(the_plan, "again")
    _, error = await drain(run)
    assert error is None and len(first.requests) == 1
    assert "failed recently" in run.attempts[0].error.message
    first.script(Fail.server_error(), Ok("Back."))
    await drain(runner(plan(hosted(first))))
    events, error = await drain(runner(plan(hosted(first)), "again"))
    assert error is None and text_of(collect_message(events)) == "Back."


async def test_without_a_key_the_next_model_answers_and_every_failure_ends_with_the_last(servers) -> None:
    first, second = servers
    second.script(Fail.server_error("overloaded"))
    run = runner(plan(hosted(first), local(second)), env={})
    events, error = await drain(run)
    assert events == [] and first.requests == []
    assert isinstance(run.attempts[0].error, MissingKey)
    assert error is run.error and "overloaded" in error.message


async def test_a_client_that_goes_away_closes_the_upstream_connection(servers) -> None:
    first, _ = servers
    first.script(Paced(Ok("".join(f"w{n:03} " for n in range(100)), 100), interval=0.05))
    run = runner(plan(hosted(first)))
    seen = asyncio.Event()

    async def client() -> None:
        async for batch in run:
            if any(event["type"] == "content_block_delta" for event in batch):
                seen.set()

    task = asyncio.create_task(client())
    await asyncio.wait_for(seen.wait(), 10)
    task.cancel()  # what Starlette does to a response whose client left
    with pytest.raises(asyncio.CancelledError):
        await task
    await run.pool.close()
    left_after = await asyncio.to_thread(first.stream_abandoned, 10)
    assert left_after is not None and left_after < 50
    assert isinstance(run.attempts[-1].error, Cancelled)


def test_only_plans_of_openai_compatible_servers_run_on_the_loop(servers) -> None:
    first, second = servers
    assert runs_on_loop(plan(hosted(first), local(second)))
    ollama = local(second)._replace(kind="ollama", provider="ollama")
    assert not runs_on_loop(plan(hosted(first), ollama))
    assert not runs_on_loop(plan())


def test_the_environment_s_http_proxy_is_used_except_for_loopback_and_no_proxy(monkeypatch) -> None:
    """As the SDKs' httpx honours HTTPS_PROXY and NO_PROXY; a proxy never stands before a server on
    this machine."""
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.corp.example:3128")
    monkeypatch.setenv("NO_PROXY", "internal.example")
    pool = HttpPool()
    assert pool.proxy_for("https://api.openai.com/v1") == "http://proxy.corp.example:3128"
    assert pool.proxy_for("https://llm.internal.example/v1") is None
    assert pool.proxy_for("http://127.0.0.1:8080/v1") is None
    assert pool.proxy_for("http://localhost:1234/v1") is None
    assert HttpPool().proxy_for("http://gpu-box.lan:8000/v1") is None  # no HTTP_PROXY for http://
