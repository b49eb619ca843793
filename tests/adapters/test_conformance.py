"""What every provider adapter does the same way, tested once for all four: each adapter drives its
real SDK against its provider's wire protocol on 127.0.0.1 (tests/wire), faults included.

A stream answers text then usage; `complete()` and `status()` sit on top of it; every failure is one
of the error kinds of `adapters/errors.py` (`raise ... from` the SDK's exception, never a retry by
the SDK itself, never the key in a message); a failure after the first piece of text is a broken
stream, and so is a stream cut off before its end marker; keep-alives never keep a stream alive past
its deadlines; a 200 that is no stream is a failure, unless it is the provider's whole answer; and
the executor waits as long as a 429's `Retry-After` says.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Callable
from typing import Any, NamedTuple

import pytest
from promptls.adapters.base import Adapter, Chunk, Completion, Done, Status, Usage, complete, status
from promptls.adapters.errors import (
    AdapterError,
    AuthError,
    BadRequest,
    ContextTooLong,
    MissingKey,
    NoFirstToken,
    RateLimited,
    StreamBroken,
    Timeout,
    Unavailable,
)
from promptls.adapters.execute import Events, run_plan
from promptls.adapters.keys import ENV_VARS
from promptls.adapters.messages import collect_message
from promptls.router.models.catalog import unknown_model
from promptls.router.resolution.plan import FallbackPlan, PlannedCall, RetryPolicy

from tests.adapters.conftest import (
    BY_NAME,
    PROVIDERS,
    STALL_TIMEOUT,
    TIMEOUT,
    MakeAdapter,
    Provider,
    WireServers,
    request,
    run,
    shown,
)
from tests.adapters.messages_support import body, call, endpoint, text_of, user
from tests.conftest import CANARY_KEYS, canary_key
from tests.wire.base import (
    FAULT_TEXT,
    Cut,
    Fault,
    HtmlOk,
    JsonInsteadOfStream,
    KeepAlive,
    Malformed,
    Reset,
    Stall,
    WireServer,
    pieces,
)

each_provider = pytest.mark.parametrize("provider", PROVIDERS, ids=str)
each_keyed_provider = pytest.mark.parametrize("provider", [p for p in PROVIDERS if p.needs_key], ids=str)


def test_importing_an_adapter_does_not_import_its_sdk() -> None:
    for provider in PROVIDERS:
        code = f"import sys, {provider.module}\nprint(' '.join(sorted(sys.modules)))"
        loaded = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
        ).stdout.split()
        heavy = [name for name in loaded if name.partition(".")[0] in provider.sdk_modules]
        assert heavy == [], f"importing {provider.module} imports {heavy}"


# ---- answers ----------------------------------------------------------------------------------


@each_provider
def test_streams_the_text_then_usage_and_finish_reason(
    provider: Provider, server: WireServer, adapter: Adapter
) -> None:
    server.script(provider.wire.Ok("Hello, wire world.", 3, 12, 5))
    assert list(adapter.stream(request(provider))) == [
        Chunk("Hello,"),
        Chunk(" wire "),
        Chunk("world."),
        Done(Usage(input_tokens=12, output_tokens=5), provider.finish_reason),
    ]
    (sent,) = server.requests
    assert (sent.method, server.sent_key(sent)) == ("POST", canary_key(provider.name))


@each_provider
def test_complete_collects_the_whole_answer(provider: Provider, server: WireServer, adapter: Adapter) -> None:
    server.script(provider.wire.Ok("All of it.", 2, 30, 4))
    answer = complete(adapter, request(provider))
    assert answer == Completion("All of it.", Usage(30, 4), provider.finish_reason)


@each_provider
def test_streams_leave_their_connection_for_the_next_call(
    provider: Provider, server: WireServer, adapter: Adapter
) -> None:
    """Each stream is read to the end of its body, so the next call goes on the same connection
    (a new one per call costs a TCP handshake, and TLS with a hosted provider): `promptls run`'s
    adapter and the proxy's translation alike."""
    text = provider.wire.Ok().text
    for _ in range(3):
        assert complete(adapter, request(provider)).text == text
    assert server.connections <= 1  # none when the previous test's connection is still open
    server.reset()
    point = endpoint(provider, server)
    for _ in range(3):
        events, error = call(point, provider.model, body(user("Hi"), max_tokens=50, stream=True))
        assert error is None and text_of(collect_message(events)) == text
    assert server.connections <= 1


@each_provider
def test_the_endpoint_headers_are_sent(
    provider: Provider, server: WireServer, make_adapter: MakeAdapter
) -> None:
    run(make_adapter(provider, server, headers={"X-Team": "docs"}), request(provider))
    assert server.requests[0].headers["x-team"] == "docs"


@each_provider
def test_list_models_and_status(provider: Provider, server: WireServer, adapter: Adapter) -> None:
    assert adapter.list_models() == list(provider.models)
    offered = provider.models[0]
    assert status(adapter, offered) == Status(True, "reachable, key accepted, model offered")
    assert status(adapter, "no-such-model") == Status(
        False, "reachable and key accepted, but no-such-model is not in its model list"
    )
    server.script(provider.wire.Fail.unauthorized())
    with pytest.raises(AuthError) as caught:
        adapter.list_models()
    assert (caught.value.status, caught.value.provider) == (401, provider.name)
    server.script(provider.wire.Fail.server_error())
    answer = status(adapter, offered)
    assert not answer.ok and answer.reason.startswith("unavailable (500): ")


@each_keyed_provider
def test_no_key_fails_before_calling_and_names_both_fixes(
    provider: Provider, server: WireServer, make_adapter: MakeAdapter
) -> None:
    adapter = make_adapter(provider, server, api_key=None)
    texts, error = run(adapter, request(provider))
    assert texts == [] and isinstance(error, MissingKey)
    assert error.provider == provider.name
    assert f"promptls keys set {provider.name}" in str(error)
    assert ENV_VARS[provider.name][0] in str(error)
    with pytest.raises(MissingKey):
        adapter.list_models()
    assert server.requests == []


# ---- error kinds ------------------------------------------------------------------------------


class ErrorCase(NamedTuple):
    name: str
    fail: Callable[[Any], Any]
    """The behaviour, from the provider's `Fail`."""
    kind: type[AdapterError]
    status: int


ERROR_CASES = (
    ErrorCase("401", lambda fail: fail.unauthorized(), AuthError, 401),
    ErrorCase("429", lambda fail: fail.rate_limit(7), RateLimited, 429),
    ErrorCase("500", lambda fail: fail.server_error(), Unavailable, 500),
    ErrorCase("400", lambda fail: fail.bad_request(), BadRequest, 400),
    ErrorCase("400-context", lambda fail: fail.context_too_long(), ContextTooLong, 400),
)


before_and_after_text = pytest.mark.parametrize(
    ("provider", "after"),
    [pytest.param(p, after, id=f"{p}-after-{after}") for p in PROVIDERS for after in (0, 2)],
)
"""Each provider, with a fault before any text (`after=0`) and after two pieces of it."""


@pytest.mark.parametrize(
    ("provider", "case"),
    [
        pytest.param(provider, case, id=f"{provider}-{case.name}")
        for provider in PROVIDERS
        for case in ERROR_CASES
        if case.kind is not ContextTooLong or provider.has_context_error
    ],
)
def test_an_error_status_is_its_error_kind_and_the_sdk_does_not_retry(
    provider: Provider, case: ErrorCase, server: WireServer, adapter: Adapter
) -> None:
    server.script(case.fail(provider.wire.Fail), provider.wire.Ok("never reached", 1, 1, 1))
    texts, error = run(adapter, request(provider))
    assert texts == []
    assert type(error) is case.kind
    assert isinstance(error, AdapterError)
    assert (error.status, error.provider, error.model) == (case.status, provider.name, provider.model)
    if case.kind is RateLimited:
        assert error.retry_after == (7.0 if provider.passes_retry_after_on else None)
    assert isinstance(error.__cause__, Exception)  # raise ... from
    assert len(server.requests) == 1  # the SDK does not retry: the executor does


@each_provider
def test_the_executor_waits_as_long_as_retry_after_says(provider: Provider, server: WireServer) -> None:
    server.script(provider.wire.Fail.rate_limit(7), provider.wire.Ok("After waiting.", 2, 3, 2))
    waited: list[float] = []
    said: list[str] = []
    result = run_plan(
        one_call_plan(provider, server),
        request(provider).messages,
        dict(os.environ),
        Events(said.append, lambda _text: None, lambda _attempt: None),
        sleep=waited.append,
    )
    assert (result.outcome, result.text) == ("ok", "After waiting.")
    if provider.passes_retry_after_on:
        assert waited == [7.0]
        assert f"{provider.name}/{provider.model}: rate-limited (429): " in said[1]
        assert said[1].endswith("retrying in 7.0 s")
    else:  # the provider's backoff, which Retry-After cannot lengthen
        assert len(waited) == 1 and waited[0] <= RetryPolicy().base_delay
    assert [attempt.error is None for attempt in result.attempts] == [False, True]


def one_call_plan(provider: Provider, server: WireServer) -> FallbackPlan:
    model_id = f"{provider.name}/{provider.model}"
    call = PlannedCall(
        model_id=model_id,
        provider=provider.name,
        name=provider.model,
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
    return FallbackPlan((call,), RetryPolicy(retries=1))


# ---- faults -----------------------------------------------------------------------------------


@each_provider
def test_a_stall_before_the_answer_is_a_timeout(
    provider: Provider, server: WireServer, make_adapter: MakeAdapter
) -> None:
    server.script(Stall(seconds=10))
    texts, error = run(make_adapter(provider, server, timeout=STALL_TIMEOUT), request(provider))
    assert texts == [] and type(error) is Timeout and error.retryable
    assert f"{STALL_TIMEOUT:g} s" in str(error)
    assert len(server.requests) == 1


FAULTS_AFTER_TEXT = (Reset(after=2), Malformed(after=2), Stall(seconds=10, after=2))


@pytest.mark.parametrize(
    ("provider", "fault"),
    [
        pytest.param(provider, fault, id=f"{provider}-{type(fault).__name__.lower()}")
        for provider in PROVIDERS
        for fault in FAULTS_AFTER_TEXT
    ],
)
def test_a_fault_after_the_first_piece_of_text_is_a_broken_stream(
    provider: Provider, fault: Fault, server: WireServer, make_adapter: MakeAdapter
) -> None:
    server.script(fault)
    texts, error = run(make_adapter(provider, server, timeout=STALL_TIMEOUT), request(provider))
    assert texts == pieces(FAULT_TEXT, 4)[:2]  # what reached the caller stays theirs
    assert type(error) is StreamBroken and not error.retryable
    assert (error.provider, error.model) == (provider.name, provider.model)
    assert isinstance(error.__cause__, Exception)
    assert len(server.requests) == 1  # never resumed or retried by the SDK


@pytest.mark.parametrize(
    ("provider", "fault"),
    [
        pytest.param(provider, fault, id=f"{provider}-{type(fault).__name__.lower()}")
        for provider in PROVIDERS
        for fault in (Reset(after=0), Malformed(after=0))
    ],
)
def test_a_fault_before_any_text_is_unavailable_and_worth_a_retry(
    provider: Provider, fault: Fault, server: WireServer, adapter: Adapter
) -> None:
    server.script(fault)
    texts, error = run(adapter, request(provider))
    assert texts == [] and type(error) is Unavailable and error.retryable
    assert (error.status, error.provider, error.model) == (None, provider.name, provider.model)
    assert isinstance(error.__cause__, Exception)


@each_provider
def test_a_refused_connection_is_unavailable_and_names_the_host(
    provider: Provider, make_adapter: MakeAdapter
) -> None:
    with socket.socket() as closed:  # bound, not listening: a connection to it is refused
        closed.bind(("127.0.0.1", 0))
        host = f"127.0.0.1:{closed.getsockname()[1]}"
        texts, error = run(make_adapter(provider, base_url=f"http://{host}"), request(provider))
    assert texts == [] and type(error) is Unavailable and error.retryable
    assert host in str(error)


@before_and_after_text
def test_a_stream_cut_off_before_its_end_marker_is_not_an_answer(
    provider: Provider, after: int, server: WireServer, adapter: Adapter
) -> None:
    """The body ends cleanly, but without `[DONE]`/a finish reason/`message_stop`/`done: true`."""
    server.script(Cut(after=after))
    texts, error = run(adapter, request(provider))
    assert texts == pieces(FAULT_TEXT, 4)[:after]
    if after:
        assert type(error) is StreamBroken and not error.retryable
    else:
        assert type(error) is Unavailable and error.retryable
    assert isinstance(error, AdapterError) and (error.provider, error.model) == (
        provider.name,
        provider.model,
    )


# ---- deadlines: keep-alives do not keep a run waiting ----------------------------------------

DEADLINE = STALL_TIMEOUT
"""The first-token or idle deadline of the keep-alive tests; the read timeout stays `TIMEOUT`, which
the keep-alives (every 0.05 s) never let fire."""


@before_and_after_text
def test_keep_alives_do_not_keep_a_stream_past_its_deadlines(
    provider: Provider, after: int, server: WireServer, make_adapter: MakeAdapter
) -> None:
    """Headers, `after` pieces, then only the provider's keep-alives (silence for Ollama) for 10 s:
    the first-token deadline (no text yet) or the idle limit (after text) ends the stream, not the
    server, and not the per-read timeout. Ended by the server instead, the stream would be cut off
    (`Unavailable`/`StreamBroken` naming no deadline)."""
    server.script(KeepAlive(after=after, seconds=10))
    # Only the deadline in question is short, the other outlasts the keep-alives: each is kept on its
    # own (an idle limit shorter than the first-token deadline takes over from it at the first text).
    first_token, idle = (60.0, DEADLINE) if after else (DEADLINE, 60.0)
    adapter = make_adapter(provider, server, first_token_timeout=first_token, idle_timeout=idle)
    texts, error = run(adapter, request(provider))
    assert texts == pieces(FAULT_TEXT, 4)[:after]
    port = server.base_url.split(":")[2].split("/")[0]
    if after:  # text reached the caller: the run ends as partial
        assert type(error) is StreamBroken and not error.retryable
        assert str(error).endswith(
            f"timeout: {provider.name} at http://127.0.0.1:{port}: no more of the answer for "
            f"{DEADLINE:g} s (idle_timeout; keep-alives do not count)"
        )
    else:  # nothing yet: the next model, at once
        assert type(error) is NoFirstToken and error.kind == "timeout" and not error.retryable
        assert str(error) == (
            f"{provider.name} at http://127.0.0.1:{port}: no first token within {DEADLINE:g} s "
            "(first_token_timeout; keep-alives do not count)"
        )
    assert (error.provider, error.model) == (provider.name, provider.model)
    assert len(server.requests) == 1


def test_the_executor_falls_back_when_no_first_token_comes(wire_servers: WireServers) -> None:
    """A queued model (keep-alives only) is given up after `first_token_timeout` and not retried
    (waiting again would cost the deadline again): the next model answers."""
    openai, ollama = BY_NAME["openai"], BY_NAME["ollama"]
    queued, local = wire_servers.fresh(openai), wire_servers.fresh(ollama)
    queued.script(KeepAlive(after=0))
    local.script(ollama.wire.Ok("From the fallback.", 2, 5, 3))
    first, second = one_call_plan(openai, queued).calls[0], one_call_plan(ollama, local).calls[0]
    deadlines = {"first_token_timeout": DEADLINE, "idle_timeout": DEADLINE}
    plan = FallbackPlan(
        (first._replace(**deadlines), second._replace(**deadlines)), RetryPolicy(retries=1, cooldown=0)
    )
    result = run_plan(
        plan, request(openai).messages, dict(os.environ), Events(*[lambda _: None] * 3), sleep=lambda _: None
    )
    assert (result.outcome, result.model_id, result.text) == (
        "ok",
        "ollama/llama3.2:3b",
        "From the fallback.",
    )
    assert [a.error.kind if a.error else None for a in result.attempts] == ["timeout", None]
    assert len(queued.requests) == 1


# ---- answers that are no stream ---------------------------------------------------------------

STREAM_NAMES = {"ollama": "a stream of JSON lines"}


@each_provider
def test_a_200_with_an_html_page_is_unavailable_and_says_what_came(
    provider: Provider, server: WireServer, adapter: Adapter
) -> None:
    server.script(HtmlOk())
    texts, error = run(adapter, request(provider))
    assert texts == [] and type(error) is Unavailable and error.retryable
    port = server.base_url.split(":")[2].split("/")[0]
    wanted = STREAM_NAMES.get(provider.name, "an event stream")
    assert str(error) == (
        f"{provider.name} at http://127.0.0.1:{port}: answered 200 with text/html, not {wanted}"
    )
    assert (error.provider, error.model) == (provider.name, provider.model)


@each_provider
def test_a_whole_json_answer_to_a_stream_request_is_used(
    provider: Provider, server: WireServer, adapter: Adapter
) -> None:
    server.script(JsonInsteadOfStream(provider.wire.Ok("All at once.", 1, 9, 3)))
    assert list(adapter.stream(request(provider))) == [
        Chunk("All at once."),
        Done(Usage(input_tokens=9, output_tokens=3), provider.finish_reason),
    ]


@each_provider
def test_json_that_is_no_answer_is_unavailable(
    provider: Provider, server: WireServer, adapter: Adapter
) -> None:
    server.script(JsonInsteadOfStream(payload={"status": "ok"}))
    texts, error = run(adapter, request(provider))
    assert texts == [] and type(error) is Unavailable and error.retryable


# ---- the key never shows ----------------------------------------------------------------------


@each_provider
def test_the_key_never_appears_in_errors_or_reprs(
    provider: Provider, server: WireServer, adapter: Adapter
) -> None:
    key = canary_key(provider.name)
    fail = provider.wire.Fail
    # a careless server echoing the whole key back in its error messages
    echoed = f"Incorrect API key provided: {key}."
    server.script(fail.unauthorized(echoed), fail.bad_request(f"bad key {key}"))
    for _ in range(2):
        _, error = run(adapter, request(provider))
        assert isinstance(error, AdapterError)
        assert key not in shown(error)
    with pytest.raises(AdapterError) as listing:
        server.script(fail.unauthorized(echoed))
        adapter.list_models()
    assert key not in shown(listing.value)
    assert key not in repr(adapter) and key not in repr(adapter.endpoint)


def test_ollama_sends_no_key_from_the_environment_to_a_host_not_configured_for_it(
    wire_servers: WireServers, make_adapter: MakeAdapter
) -> None:
    """The `ollama` SDK sends `$OLLAMA_API_KEY` (a canary here) to whatever host it calls; only the
    key the settings give the endpoint may go, and none when they give none."""
    provider = BY_NAME["ollama"]
    server = wire_servers.fresh(provider)
    assert os.environ["OLLAMA_API_KEY"] == CANARY_KEYS["OLLAMA_API_KEY"]
    keyless = make_adapter(provider, server, api_key=None)
    run(keyless, request(provider))
    keyless.list_models()
    assert [server.sent_key(sent) for sent in server.requests] == [None, None]
    server.reset()
    keyed = make_adapter(provider, server, api_key=canary_key("openai"))  # a remote Ollama's own key
    run(keyed, request(provider))
    assert [server.sent_key(sent) for sent in server.requests] == [canary_key("openai")]
