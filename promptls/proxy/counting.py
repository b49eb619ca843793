"""`/v1/messages/count_tokens` and `/v1/models`: answered from the routes, without an upstream call.

A count is for the model the request would be routed to, with the tokenizer promptls uses for it
(`router/models/tokens.count_tokens`): exact only for OpenAI's own models, an estimate otherwise,
which the answer says (`x-promptls-token-count: estimate; method=cl100k_base`, and a `promptls`
member beside `input_tokens` that the SDKs ignore). What is counted: the system prompt, every
message's text, tool calls and results, thinking, and the tools' definitions; images are not.

`/v1/models` lists what the routes offer: the models routes, profile, fallbacks, defaults and agents
lead to (promptls ids, which pass through as they are), and the literal ids routes are written for.
Each entry carries both SDKs' fields (Anthropic's `type`, `display_name`, `created_at`; OpenAI's
`object`, `created`, `owned_by`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

from promptls.proxy.relay import Failure, not_found

if TYPE_CHECKING:
    from promptls.proxy.state import ProxyState


class Counted(NamedTuple):
    body: dict[str, Any]
    headers: dict[str, str]


def count_request_tokens(
    state: ProxyState, body: Mapping[str, Any], headers: Mapping[str, str]
) -> Counted | Failure:
    from promptls.router.models.tokens import count_tokens

    decision = state.decide(body, headers)
    model = decision.route.model
    if model is None:
        return not_found("anthropic", decision.route.problem or "no model")
    counted = count_tokens("\n".join(request_texts(body)), str(model))
    label = "exact" if counted.exact else "estimate"
    return Counted(
        {
            "input_tokens": counted.count,
            "promptls": {"model": str(model), "exact": counted.exact, "method": counted.method},
        },
        {"x-promptls-token-count": f"{label}; method={counted.method}; model={model}"},
    )


def request_texts(body: Mapping[str, Any]) -> Iterator[str]:
    """Every text of a Messages request that a model reads as tokens."""
    system = body.get("system")
    if isinstance(system, str):
        yield system
    elif isinstance(system, list):
        yield from _content_texts(system)
    for message in body.get("messages") or ():
        if isinstance(message, Mapping):
            content = message.get("content")
            if isinstance(content, str):
                yield content
            elif isinstance(content, list):
                yield from _content_texts(content)
    for tool in body.get("tools") or ():
        yield json.dumps(tool, ensure_ascii=False)


def _content_texts(blocks: list[Any]) -> Iterator[str]:
    for block in blocks:
        if not isinstance(block, Mapping):
            continue
        kind = block.get("type")
        if kind == "text" and isinstance(block.get("text"), str):
            yield block["text"]
        elif kind == "thinking" and isinstance(block.get("thinking"), str):
            yield block["thinking"]
        elif kind == "tool_use":
            yield f"{block.get('name', '')} {json.dumps(block.get('input'), ensure_ascii=False)}"
        elif kind == "tool_result":
            content = block.get("content")
            if isinstance(content, str):
                yield content
            elif isinstance(content, list):
                yield from _content_texts(content)


def offered_models(state: ProxyState) -> dict[str, Any]:
    ids = list(dict.fromkeys(_offered_ids(state)))
    created_at = f"{state.catalog.generated or '1970-01-01'}T00:00:00Z"
    data = []
    for model_id in ids:
        provider = model_id.split("/", 1)[0] if "/" in model_id else "promptls"
        data.append(
            {
                "id": model_id,
                "type": "model",
                "display_name": model_id,
                "created_at": created_at,
                "object": "model",
                "created": 0,
                "owned_by": provider,
            }
        )
    return {
        "object": "list",
        "data": data,
        "has_more": False,
        "first_id": ids[0] if ids else None,
        "last_id": ids[-1] if ids else None,
    }


def _offered_ids(state: ProxyState) -> Iterator[str]:
    view = state.settings.view
    for glob, layered in view.proxy_routes.items():
        literal = not any(ch in glob for ch in "*?[")
        if literal:
            yield glob
        # a literal glob is routed as a request for it; another by its model (a promptls id: as is)
        yield from map(str, state.decide_for(glob if literal else str(layered.value)).route.chain())
    # no route matches an empty id: what the profile or the default model offers
    yield from map(str, state.decide_for("").route.chain())
    for agent in state.agents.all():
        decided = state.decide_for("", agent)
        if decided.route.agent is not None:
            yield from map(str, decided.route.chain())
