"""The official `anthropic` and `openai` SDKs as clients of the real `promptls proxy` process, with
wire servers behind it: what each client gets, and what each upstream received."""

from __future__ import annotations

import json
from pathlib import Path

import anthropic
import openai
import pytest

from tests.conftest import CANARY_KEYS, read_ledger
from tests.promptls.proxy.conftest import CLIENT_KEY, REVIEWER_BODY
from tests.wire import anthropic_server
from tests.wire.base import Paced, Reset
from tests.wire.openai_server import Fail, Ok, ToolCall


def anthropic_client(proxy) -> anthropic.Anthropic:
    return anthropic.Anthropic(base_url=proxy.url, api_key=CLIENT_KEY, max_retries=0, timeout=20)


def openai_client(proxy) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{proxy.url}/v1", api_key=CLIENT_KEY, max_retries=0, timeout=20)


def sent_headers(server) -> str:
    return json.dumps([r.headers for r in server.requests])


def test_a_claude_id_is_routed_by_its_glob_and_the_client_key_never_goes_upstream(proxy, upstreams):
    upstreams.alpha.script(Ok("Hello through the proxy.", prompt_tokens=21, completion_tokens=5))
    message = anthropic_client(proxy).messages.create(
        model="claude-opus-4-8", max_tokens=100, messages=[{"role": "user", "content": "Say hello."}]
    )
    assert message.content[0].text == "Hello through the proxy."
    assert (message.usage.input_tokens, message.usage.output_tokens) == (21, 5)
    [request] = upstreams.alpha.requests
    assert request.body["model"] == "main-model"
    assert request.body["messages"][-1] == {"role": "user", "content": "Say hello."}
    assert CLIENT_KEY not in sent_headers(upstreams.alpha)
    assert upstreams.beta.requests == [] and upstreams.claude.requests == []


def test_the_most_specific_glob_wins_and_a_promptls_id_passes_as_it_is(proxy, upstreams):
    client = anthropic_client(proxy)
    for model in ("claude-haiku-4-5-20251001", "beta/named-directly"):
        client.messages.create(model=model, max_tokens=10, messages=[{"role": "user", "content": "Hi"}])
    assert [r.body["model"] for r in upstreams.alpha.requests] == ["small-model"]
    [direct] = upstreams.beta.requests
    assert direct.body["model"] == "named-directly"
    # beta's key is promptls's (OPENAI_API_KEY), never the client's
    assert direct.headers["authorization"] == f"Bearer {CANARY_KEYS['OPENAI_API_KEY']}"


def test_a_stream_arrives_as_anthropic_events(proxy, upstreams):
    upstreams.alpha.script(Ok("one two three four", chunks=4))
    with anthropic_client(proxy).messages.stream(
        model="claude-sonnet-4-5", max_tokens=50, messages=[{"role": "user", "content": "Count."}]
    ) as stream:
        pieces = list(stream.text_stream)
        final = stream.get_final_message()
    assert "".join(pieces) == "one two three four"
    assert len(pieces) == 4
    assert final.stop_reason == "end_turn"
    assert upstreams.alpha.requests[0].body["stream"] is True


def test_tool_calls_and_results_over_several_turns(proxy, upstreams):
    call = ToolCall("call_weather_1", "get_weather", json.dumps({"city": "Paris"}))
    upstreams.alpha.script(
        Ok("", tool_calls=(call,), finish_reason="tool_calls"), Ok("It is sunny in Paris.")
    )
    tools = [
        {
            "name": "get_weather",
            "description": "The weather in a city",
            "input_schema": {
                "$schema": "https://json-schema.org/draft/2020-12/schema",
                "type": "object",
                "properties": {"city": {"type": "string"}},
                "required": ["city"],
                "additionalProperties": False,
            },
        }
    ]
    client = anthropic_client(proxy)
    messages: list[dict] = [{"role": "user", "content": "Weather in Paris?"}]
    first = client.messages.create(model="claude-opus-4-8", max_tokens=100, tools=tools, messages=messages)
    assert first.stop_reason == "tool_use"
    [use] = [block for block in first.content if block.type == "tool_use"]
    assert (use.id, use.name, use.input) == ("call_weather_1", "get_weather", {"city": "Paris"})
    messages += [
        {"role": "assistant", "content": [block.model_dump() for block in first.content]},
        {
            "role": "user",
            "content": [
                {"type": "tool_result", "tool_use_id": use.id, "content": [{"type": "text", "text": "sunny"}]}
            ],
        },
    ]
    second = client.messages.create(model="claude-opus-4-8", max_tokens=100, tools=tools, messages=messages)
    assert second.content[0].text == "It is sunny in Paris."
    sent = upstreams.alpha.requests[1].body["messages"]
    assert sent[-2]["tool_calls"][0]["id"] == "call_weather_1"
    assert sent[-1] == {"role": "tool", "tool_call_id": "call_weather_1", "content": "sunny"}


def test_an_openai_client_is_answered_in_openai_shapes(proxy, upstreams):
    upstreams.alpha.script(Ok("Plain answer."), Ok("Streamed answer.", chunks=3))
    client = openai_client(proxy)
    whole = client.chat.completions.create(
        model="claude-opus-4-8", messages=[{"role": "user", "content": "Hello"}]
    )
    assert whole.choices[0].message.content == "Plain answer."
    assert whole.choices[0].finish_reason == "stop"
    assert whole.model == "alpha/main-model"  # the model that answered
    chunks = list(
        client.chat.completions.create(
            model="claude-opus-4-8",
            messages=[{"role": "user", "content": "Hello"}],
            stream=True,
            stream_options={"include_usage": True},
        )
    )
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == "Streamed answer."
    assert chunks[-1].usage is not None and chunks[-1].usage.completion_tokens == 7
    assert CLIENT_KEY not in sent_headers(upstreams.alpha)


def test_an_upstream_that_reports_no_usage_gets_the_client_an_estimate_not_zero(proxy, upstreams):
    """llama.cpp's server sends no usage in a stream: each client is sent promptls's estimate (the
    ledger's), never 0 tokens."""
    silent = Ok("A fairly short answer of several words.", prompt_tokens=None, completion_tokens=None)
    upstreams.alpha.script(silent, silent, silent)
    hello = [{"role": "user", "content": "Say something in a sentence of several words."}]
    claude = anthropic_client(proxy)
    whole = claude.messages.create(model="claude-opus-4-8", max_tokens=100, messages=hello)
    with claude.messages.stream(model="claude-opus-4-8", max_tokens=100, messages=hello) as stream:
        streamed = stream.get_final_message()
    for message in (whole, streamed):
        assert message.usage.input_tokens > 5 and message.usage.output_tokens > 5
    chunks = list(
        openai_client(proxy).chat.completions.create(
            model="claude-opus-4-8", messages=hello, stream=True, stream_options={"include_usage": True}
        )
    )
    usage = chunks[-1].usage
    assert usage is not None and usage.prompt_tokens > 5 and usage.completion_tokens > 5
    log = proxy.stop()
    assert log.count("out (estimated)") == 3
    assert f"{whole.usage.output_tokens} out (estimated)" in log  # the ledger's figure, the same


def test_an_anthropic_target_is_passed_through(project, start_proxy, upstreams):
    """A promptls id of Anthropic's goes to Anthropic's protocol: promptls's key, not the client's."""
    proxy = start_proxy(project)
    upstreams.claude.script(anthropic_server.Ok("Straight from Claude."))
    message = anthropic_client(proxy).messages.create(
        model="anthropic/claude-sonnet-4-5",
        max_tokens=20,
        messages=[{"role": "user", "content": "Hi"}],
        metadata={"user_id": "someone"},
    )
    assert message.content[0].text == "Straight from Claude."
    [request] = upstreams.claude.requests
    assert request.body["model"] == "claude-sonnet-4-5"
    assert request.body["metadata"] == {"user_id": "someone"}
    assert upstreams.claude.sent_key(request) == CANARY_KEYS["ANTHROPIC_API_KEY"]
    assert CLIENT_KEY not in sent_headers(upstreams.claude)


def test_a_failure_before_the_first_byte_falls_back(project, start_proxy, upstreams):
    (project / "promptls.toml").write_text(
        (project / "promptls.toml").read_text() + '\n[proxy]\nfallback = ["beta/fallback-model"]\n'
    )
    proxy = start_proxy(project)
    upstreams.alpha.script(Fail.server_error())
    upstreams.beta.script(Ok("The fallback answered."))
    with anthropic_client(proxy).messages.stream(
        model="alpha/falls-over", max_tokens=20, messages=[{"role": "user", "content": "Hi"}]
    ) as stream:
        text = "".join(stream.text_stream)
    assert text == "The fallback answered."
    assert [r.body["model"] for r in upstreams.beta.requests] == ["fallback-model"]
    log = proxy.stop()
    assert "alpha/falls-over → beta/fallback-model after 1 fallback 200 stream" in log


def test_a_break_after_the_first_byte_ends_with_an_error_event_and_no_second_model(
    project, start_proxy, upstreams
):
    (project / "promptls.toml").write_text(
        (project / "promptls.toml").read_text() + '\n[proxy]\nfallback = ["beta/never-asked"]\n'
    )
    proxy = start_proxy(project)
    upstreams.alpha.script(Reset(after=2))
    received = []
    client = anthropic_client(proxy)
    with (
        pytest.raises(anthropic.APIStatusError) as caught,  # the SDK raises on an `error` event
        client.messages.stream(
            model="alpha/breaks", max_tokens=20, messages=[{"role": "user", "content": "Hi"}]
        ) as stream,
    ):
        for piece in stream.text_stream:
            received.append(piece)
    assert "".join(received) == "one two "
    assert "broke" in str(caught.value) or "stream" in str(caught.value).lower()
    assert upstreams.beta.requests == []


def test_an_upstream_rate_limit_reaches_the_client_with_its_retry_after(proxy, upstreams):
    upstreams.alpha.script(Fail.rate_limit(7))
    with pytest.raises(anthropic.RateLimitError) as caught:
        anthropic_client(proxy).messages.create(
            model="alpha/limited", max_tokens=10, messages=[{"role": "user", "content": "Hi"}]
        )
    assert caught.value.status_code == 429
    assert caught.value.response.headers["retry-after"] == "7"
    assert caught.value.body["error"]["type"] == "rate_limit_error"
    with pytest.raises(openai.RateLimitError):
        upstreams.alpha.script(Fail.rate_limit(3))
        openai_client(proxy).chat.completions.create(
            model="alpha/limited-too", messages=[{"role": "user", "content": "Hi"}]
        )


def test_an_unknown_model_is_a_404_that_says_how_to_route_it(proxy):
    with pytest.raises(anthropic.NotFoundError) as caught:
        anthropic_client(proxy).messages.create(
            model="mystery-model", max_tokens=10, messages=[{"role": "user", "content": "Hi"}]
        )
    assert "[proxy.routes]" in caught.value.message


def test_a_sub_agent_request_reaches_the_model_its_agent_is_assigned(proxy, upstreams):
    """As Claude Code sends it: the agent id header, the mark in the first system block, the agent
    file's body at the start of the third."""
    upstreams.beta.script(Ok("LGTM"))
    system = [
        {"type": "text", "text": "x-anthropic-billing-header: cc_version=2.1; cc_is_subagent=true"},
        {"type": "text", "text": "You are a Claude agent, built on Anthropic's Claude Agent SDK."},
        {"type": "text", "text": REVIEWER_BODY.replace("\n\n", "\n") + "\n\nNotes:\n- be brief"},
    ]
    message = anthropic_client(proxy).messages.create(
        model="claude-opus-4-8",
        max_tokens=50,
        system=system,
        messages=[{"role": "user", "content": "Review this diff."}],
        extra_headers={"x-claude-code-agent-id": "a1b2c3"},
    )
    assert message.content[0].text == "LGTM"
    assert [r.body["model"] for r in upstreams.beta.requests] == ["reviewer-model"]
    assert upstreams.alpha.requests == []
    log = proxy.stop()
    assert "claude-opus-4-8 → beta/reviewer-model (agent reviewer)" in log


def test_an_unmatched_sub_agent_takes_the_normal_route(proxy, upstreams):
    system = [
        {"type": "text", "text": "x-anthropic-billing-header: cc_is_subagent=true"},
        {"type": "text", "text": "You are a Claude agent."},
        {"type": "text", "text": "You are some agent of another project."},
    ]
    anthropic_client(proxy).messages.create(
        model="claude-opus-4-8", max_tokens=10, system=system, messages=[{"role": "user", "content": "Hi"}]
    )
    assert [r.body["model"] for r in upstreams.alpha.requests] == ["main-model"]


def test_count_tokens_and_models(proxy):
    client = anthropic_client(proxy)
    counted = client.messages.count_tokens(
        model="claude-opus-4-8",
        system="You are brief.",
        messages=[{"role": "user", "content": "Count the tokens of this sentence, please."}],
        tools=[{"name": "noop", "description": "does nothing", "input_schema": {"type": "object"}}],
    )
    assert 10 < counted.input_tokens < 60
    response = client.messages.with_raw_response.count_tokens(
        model="claude-opus-4-8", messages=[{"role": "user", "content": "Hi"}]
    )
    assert response.headers["x-promptls-token-count"].startswith("estimate; method=")
    offered = {model.id for model in client.models.list()}
    assert {"alpha/main-model", "alpha/small-model", "beta/reviewer-model"} <= offered
    assert {model.id for model in openai_client(proxy).models.list()} == offered


def test_a_client_that_goes_away_stops_the_upstream(proxy, upstreams):
    upstreams.alpha.script(Paced(Ok("a b c d e f g h i j k l m n o p", chunks=16), interval=0.2))
    with anthropic_client(proxy).messages.stream(
        model="alpha/slow", max_tokens=50, messages=[{"role": "user", "content": "Slowly."}]
    ) as stream:
        for _ in stream.text_stream:
            break  # the `with` closes the response: the client went away
    assert upstreams.alpha.stream_abandoned(timeout=10) is not None


def test_the_token_is_required_when_set(project, start_proxy, upstreams):
    proxy = start_proxy(project, env={"PROMPTLS_PROXY_TOKEN": "proxy-token-4321"})
    with pytest.raises(anthropic.AuthenticationError) as caught:
        anthropic_client(proxy).messages.create(
            model="claude-opus-4-8", max_tokens=10, messages=[{"role": "user", "content": "Hi"}]
        )
    assert "token" in caught.value.message
    assert upstreams.alpha.requests == []
    allowed = anthropic.Anthropic(base_url=proxy.url, auth_token="proxy-token-4321", max_retries=0)
    allowed.messages.create(
        model="claude-opus-4-8", max_tokens=10, messages=[{"role": "user", "content": "Hi"}]
    )
    assert len(upstreams.alpha.requests) == 1
    assert "proxy-token-4321" not in sent_headers(upstreams.alpha)


def test_a_route_without_fallback_tries_its_model_again_on_the_next_request(proxy, upstreams):
    """No cool-down for a lone model: skipping it would only fail the next requests at once."""
    upstreams.alpha.script(Fail.server_error(), Ok("Back again."))
    client = anthropic_client(proxy)
    hello = [{"role": "user", "content": "Hi"}]
    with pytest.raises(anthropic.InternalServerError):
        client.messages.create(model="alpha/flaky", max_tokens=10, messages=hello)
    answer = client.messages.create(model="alpha/flaky", max_tokens=10, messages=hello)
    assert answer.content[0].text == "Back again."


PIXEL = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
"""A 1×1 PNG, base64."""


def test_an_image_reaches_an_openai_upstream_as_an_image_part(proxy, upstreams):
    upstreams.alpha.script(Ok("A single pixel."))
    image = {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": PIXEL}}
    message = anthropic_client(proxy).messages.create(
        model="claude-opus-4-8",
        max_tokens=20,
        messages=[{"role": "user", "content": [image, {"type": "text", "text": "What is this?"}]}],
    )
    assert message.content[0].text == "A single pixel."
    [part_image, part_text] = upstreams.alpha.requests[0].body["messages"][-1]["content"]
    assert part_image == {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{PIXEL}"}}
    assert part_text == {"type": "text", "text": "What is this?"}


def test_a_long_conversation_is_answered_whole_while_short_requests_go_on(proxy, upstreams):
    """A body over the event loop's inline limit (Claude Code sends hundreds of KB in a long session)
    is read on a worker thread; it reaches the upstream whole, and a short request beside it is
    answered as usual."""
    upstreams.alpha.script(Ok("Read it all."), Ok("Short one."))
    long_text = "".join(f"line {n:06} of a long transcript\n" for n in range(10_000))  # ~300 KB
    client = anthropic_client(proxy)
    message = client.messages.create(
        model="claude-opus-4-8", max_tokens=10, messages=[{"role": "user", "content": long_text}]
    )
    short = client.messages.create(
        model="claude-opus-4-8", max_tokens=10, messages=[{"role": "user", "content": "Hi"}]
    )
    assert (message.content[0].text, short.content[0].text) == ("Read it all.", "Short one.")
    first = upstreams.alpha.requests[0].body
    assert first["messages"][-1]["content"] == long_text


def test_a_plan_that_falls_back_to_anthropic_runs_on_a_thread_and_falls_back(project, start_proxy, upstreams):
    """An OpenAI-compatible model with Anthropic as its fallback: the plan cannot run on the event loop
    alone, so it runs on a worker thread, with the same fallback."""
    (project / "promptls.toml").write_text(
        (project / "promptls.toml").read_text() + '\n[proxy]\nfallback = ["anthropic/claude-sonnet-4-5"]\n'
    )
    proxy = start_proxy(project)
    upstreams.alpha.script(Fail.server_error())
    upstreams.claude.script(anthropic_server.Ok("Claude took over."))
    with anthropic_client(proxy).messages.stream(
        model="alpha/falls-over", max_tokens=20, messages=[{"role": "user", "content": "Hi"}]
    ) as stream:
        text = "".join(stream.text_stream)
    assert text == "Claude took over."
    assert len(upstreams.alpha.requests) == 1 and len(upstreams.claude.requests) == 1
    assert "alpha/falls-over → anthropic/claude-sonnet-4-5 after 1 fallback 200 stream" in proxy.stop()


def test_a_client_gone_mid_answer_is_logged_and_recorded_as_interrupted(project, start_proxy, upstreams):
    proxy = start_proxy(project)
    upstreams.alpha.script(Paced(Ok("a b c d e f g h i j k l m n o p", chunks=16), interval=0.2))
    with anthropic_client(proxy).messages.stream(
        model="alpha/slow", max_tokens=50, messages=[{"role": "user", "content": "Slowly."}]
    ) as stream:
        for _ in stream.text_stream:
            break
    assert upstreams.alpha.stream_abandoned(timeout=10) is not None
    log = proxy.stop()
    assert "alpha/slow 200 stream" in log and "error: the client went away" in log
    runs, _ = read_ledger(Path(proxy.env["PROMPTLS_LEDGER"]))
    assert [(r["requested_model"], r["outcome"]) for r in runs] == [("alpha/slow", "interrupted")]


def test_a_request_routed_nowhere_is_logged_once_and_recorded_as_failed(project, start_proxy):
    proxy = start_proxy(project)
    with pytest.raises(anthropic.NotFoundError):
        anthropic_client(proxy).messages.create(
            model="mystery-model", max_tokens=10, messages=[{"role": "user", "content": "Hi"}]
        )
    log = proxy.stop()
    assert log.count("POST /v1/messages mystery-model 404") == 1
    runs, _ = read_ledger(Path(proxy.env["PROMPTLS_LEDGER"]))
    assert [(r["requested_model"], r["outcome"]) for r in runs] == [("mystery-model", "failed")]


@pytest.mark.parametrize(
    ("model", "upstream", "ok"),
    [
        ("alpha/slow", "alpha", Ok),  # answered on the event loop
        ("anthropic/claude-sonnet-4-5", "claude", anthropic_server.Ok),  # on a worker thread
    ],
)
def test_a_client_that_gives_up_before_its_answer_stops_the_upstream(proxy, upstreams, model, upstream, ok):
    """An OpenAI client waiting for a whole answer from a slow local model hits its timeout: the
    proxy sees it go and cancels the upstream call rather than let the model generate for nobody."""
    server = getattr(upstreams, upstream)
    server.script(Paced(ok(" ".join("abcdefghijklmnop"), chunks=16), interval=0.3))  # about 5 s
    impatient = anthropic.Anthropic(base_url=proxy.url, api_key=CLIENT_KEY, max_retries=0, timeout=1.0)
    with pytest.raises(anthropic.APITimeoutError):
        impatient.messages.create(model=model, max_tokens=50, messages=[{"role": "user", "content": "Hi"}])
    left_after = server.stream_abandoned(timeout=10)
    assert left_after is not None and left_after < 16
