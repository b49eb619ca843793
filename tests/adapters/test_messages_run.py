"""The fallback runner for proxied requests (MessagesRun) over real SDKs and wire servers: fallback only
before the first event, retries and cooldowns as `promptls run` has them, and a cancel that closes
the upstream connection."""

from __future__ import annotations

import threading
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
    Unavailable,
)
from promptls.adapters.execute import reset_cooldowns
from promptls.adapters.messages import Cancel, MessagesRun, collect_message
from promptls.router.models.catalog import unknown_model
from promptls.router.resolution.plan import FallbackPlan, PlannedCall, RetryPolicy

from tests.adapters.conftest import BY_NAME, TIMEOUT, Provider, WireServers
from tests.adapters.messages_support import body, check_grammar, text_of, user
from tests.conftest import canary_key
from tests.wire import ollama_server, openai_server
from tests.wire.base import KeepAlive, Malformed, Paced, Stall, WireServer

OPENAI, OLLAMA = BY_NAME["openai"], BY_NAME["ollama"]
ENV = {"OPENAI_API_KEY": canary_key("openai")}


@pytest.fixture(autouse=True)
def no_cooldowns() -> Iterator[None]:
    reset_cooldowns()
    yield
    reset_cooldowns()


@pytest.fixture
def servers(wire_servers: WireServers) -> tuple[WireServer, WireServer]:
    return wire_servers.fresh(OPENAI), wire_servers.fresh(OLLAMA)


def planned(provider: Provider, server: WireServer, model: str | None = None) -> PlannedCall:
    name = model or provider.model
    model_id = f"{provider.name}/{name}"
    return PlannedCall(
        model_id=model_id,
        provider=provider.name,
        name=name,
        kind=provider.name,
        base_url=server.base_url,
        api_key_env=None,
        local=not provider.needs_key,
        timeout=TIMEOUT,
        headers={},
        params={},
        options={},
        info=unknown_model(model_id, provider.name),
    )


def plan(*calls: PlannedCall, retries: int = 0) -> FallbackPlan:
    return FallbackPlan(calls, RetryPolicy(retries=retries, base_delay=0.01, max_delay=30.0, cooldown=60.0))


def drain(run: MessagesRun) -> tuple[list[dict[str, Any]], AdapterError | None]:
    events: list[dict[str, Any]] = []
    try:
        for event in run:
            events.append(event)
    except AdapterError as error:
        return events, error
    return events, None


def test_a_failure_before_the_first_event_falls_back_to_the_next_model(
    servers: tuple[WireServer, WireServer],
) -> None:
    first, second = servers
    first.script(openai_server.Fail.server_error())
    second.script(ollama_server.Ok("From the fallback."))
    run = MessagesRun(plan(planned(OPENAI, first), planned(OLLAMA, second)), body(user("hi")), ENV)
    events, error = drain(run)
    assert error is None
    check_grammar(events)
    assert text_of(collect_message(events)) == "From the fallback."
    assert run.model_id == "ollama/llama3.2:3b"
    assert [(a.model_id, a.error.kind if a.error else None) for a in run.attempts] == [
        ("openai/gpt-4o-mini", "unavailable"),
        ("ollama/llama3.2:3b", None),
    ]
    assert run.usage["output_tokens"] == 7 and run.first_event_ms is not None


def test_an_upstream_that_sends_only_keep_alives_falls_back_at_the_first_token_deadline(
    servers: tuple[WireServer, WireServer],
) -> None:
    first, second = servers
    first.script(KeepAlive(after=0, seconds=10))  # OpenRouter's `: keep-alive` while a model is queued
    calls = (planned(OPENAI, first)._replace(first_token_timeout=0.3), planned(OLLAMA, second))
    run = MessagesRun(plan(*calls, retries=2), body(user("hi")), ENV)
    began = time.monotonic()
    _, error = drain(run)
    assert error is None and run.model_id == "ollama/llama3.2:3b"
    assert isinstance(run.attempts[0].error, NoFirstToken)  # not retried: it would wait as long again
    assert len(run.attempts) == 2 and time.monotonic() - began < 5


def test_a_break_after_the_first_event_ends_the_run_and_never_mixes_in_another_model(
    servers: tuple[WireServer, WireServer],
) -> None:
    first, second = servers
    first.script(Malformed(after=2))
    run = MessagesRun(plan(planned(OPENAI, first), planned(OLLAMA, second)), body(user("hi")), ENV)
    events, error = drain(run)
    assert isinstance(error, StreamBroken) and run.error is error
    check_grammar(events, complete=False)
    assert run.model_id == "openai/gpt-4o-mini"
    assert second.requests == []  # the fallback was never asked


def test_a_rate_limit_is_retried_after_its_retry_after_on_the_same_model(
    servers: tuple[WireServer, WireServer],
) -> None:
    first, _ = servers
    first.script(openai_server.Fail.rate_limit(7), openai_server.Ok("Second try."))
    waits: list[float] = []
    run = MessagesRun(plan(planned(OPENAI, first), retries=1), body(user("hi")), ENV, sleep=waits.append)
    events, error = drain(run)
    assert error is None and text_of(collect_message(events)) == "Second try."
    assert waits == [7.0]
    assert [type(a.error) for a in run.attempts] == [RateLimited, type(None)]


def test_a_model_that_failed_is_skipped_by_the_next_request(servers: tuple[WireServer, WireServer]) -> None:
    first, second = servers
    first.script(openai_server.Fail.server_error())
    the_plan = plan(planned(OPENAI, first), planned(OLLAMA, second))
    drain(MessagesRun(the_plan, body(user("hi")), ENV))
    run = MessagesRun(the_plan, body(user("again")), ENV)
    _, error = drain(run)
    assert error is None and len(first.requests) == 1
    assert "failed recently" in run.attempts[0].error.message


def test_the_last_model_is_tried_even_when_it_failed_recently(servers: tuple[WireServer, WireServer]) -> None:
    first, _ = servers
    first.script(openai_server.Fail.server_error(), openai_server.Ok("Back."))
    only = plan(planned(OPENAI, first))
    drain(MessagesRun(only, body(user("hi")), ENV))
    events, error = drain(MessagesRun(only, body(user("again")), ENV))
    assert error is None and text_of(collect_message(events)) == "Back."


def test_every_model_failing_raises_the_last_error(servers: tuple[WireServer, WireServer]) -> None:
    first, second = servers
    second.script(ollama_server.Fail.model_not_found("llama3.2:3b"))
    run = MessagesRun(plan(planned(OPENAI, first), planned(OLLAMA, second)), body(user("hi")), {})
    events, error = drain(run)
    assert events == []
    assert isinstance(run.attempts[0].error, MissingKey)  # no OpenAI key: the next model
    assert error is run.error and "ollama pull" in error.message


def test_a_cancel_stops_the_upstream_between_pieces(servers: tuple[WireServer, WireServer]) -> None:
    first, _ = servers
    first.script(Paced(openai_server.Ok("".join(f"w{n:03} " for n in range(100)), 100), interval=0.05))
    cancel = Cancel()
    run = MessagesRun(plan(planned(OPENAI, first)), body(user("hi")), ENV, cancel=cancel)
    seen = 0
    with pytest.raises(Cancelled):
        for event in run:
            seen += event["type"] == "content_block_delta"
            if seen == 3:
                cancel.set()  # the client went away
    left_after = first.stream_abandoned(timeout=10)
    assert left_after is not None and left_after < 50


def test_a_cancel_from_another_thread_ends_a_read_that_waits(servers: tuple[WireServer, WireServer]) -> None:
    """The upstream stalls after two pieces; the client leaves: the blocked read ends at once."""
    first, _ = servers
    first.script(Stall(seconds=30, after=2))
    cancel = Cancel()
    run = MessagesRun(plan(planned(OPENAI, first)), body(user("hi")), ENV, cancel=cancel)
    began = time.monotonic()
    with pytest.raises(Cancelled):
        for event in run:
            if event["type"] == "content_block_delta":
                threading.Thread(target=cancel.set).start()
    assert time.monotonic() - began < 10  # not the stall's 30 s, nor the 5 s read timeout twice


def test_the_settings_options_of_each_model_reach_its_wire(servers: tuple[WireServer, WireServer]) -> None:
    first, second = servers
    first.script(openai_server.Fail.server_error())
    calls = (
        planned(OPENAI, first)._replace(options={"provider": {"order": ["deepinfra"]}}),
        planned(OLLAMA, second)._replace(options={"num_ctx": 32768, "keep_alive": "10m"}),
    )
    drain(MessagesRun(plan(*calls), body(user("hi")), ENV))
    assert first.requests[0].body["provider"] == {"order": ["deepinfra"]}
    sent = second.requests[0].body
    assert (sent["options"]["num_ctx"], sent["keep_alive"]) == (32768, "10m")


def test_max_tokens_above_the_model_s_output_limit_is_lowered_to_it(
    servers: tuple[WireServer, WireServer],
) -> None:
    first, _ = servers
    call = planned(OPENAI, first)
    call = call._replace(info=call.info._replace(max_output=16384))
    drain(MessagesRun(plan(call), body(user("hi"), max_tokens=64000), ENV))  # Claude Code's opus limit
    assert first.requests[0].body["max_completion_tokens"] == 16384


def test_no_model_left_is_unavailable(servers: tuple[WireServer, WireServer]) -> None:
    with pytest.raises(Unavailable):
        list(MessagesRun(plan(), body(user("hi")), ENV))
