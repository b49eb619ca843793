"""The proxy's OpenAI endpoint (`POST /v1/chat/completions`): an OpenAI request as an Anthropic one,
and the Anthropic answer back as OpenAI's.

Request: `system`/`developer` messages -> `system`; user text and `image_url` parts -> text and
image blocks; assistant `tool_calls` -> `tool_use` blocks (ids kept, `arguments` parsed; arguments
that are not JSON are kept under `_raw`); `reasoning_content` on an assistant message -> a thinking
block signed for OpenAI-compatible targets; consecutive `tool` messages -> one user message of
`tool_result` blocks (paired by `tool_call_id`); `tools`, `tool_choice`, `parallel_tool_calls`;
`max_completion_tokens`/`max_tokens` (default `DEFAULT_MAX_TOKENS`: Anthropic requires one),
`temperature`, `top_p`, `stop`; `reasoning_effort` -> `output_config.effort` and adaptive thinking;
`response_format` of type `json_schema` -> `output_config.format`; `stream`. Fields Anthropic has no
place for (`n`, `logprobs`, a `json_object` response format, `seed`, penalties, `user`) are dropped.

Answer: text -> `content`; thinking -> `reasoning_content` (DeepSeek's field, which clients that
know it show); `tool_use` -> `tool_calls` (streamed: the id and name first, then the arguments);
stop reasons end_turn/stop_sequence/max_tokens/tool_use/refusal -> stop/stop/length/tool_calls/
content_filter; usage with `prompt_tokens` = input + cache reads + cache writes, and
`prompt_tokens_details.cached_tokens` = cache reads.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from promptls.adapters.translate import blocks as b

DEFAULT_MAX_TOKENS = 4096

STOP_REASONS = {
    "end_turn": "stop",
    "stop_sequence": "stop",
    "pause_turn": "stop",
    "max_tokens": "length",
    "tool_use": "tool_calls",
    "refusal": "content_filter",
}


def openai_request_to_anthropic(body: Mapping[str, Any]) -> dict[str, Any]:
    """The Anthropic Messages request for an OpenAI chat completions request."""
    system: list[str] = []
    messages: list[dict[str, Any]] = []
    for message in body.get("messages") or ():
        role = message.get("role")
        if role in ("system", "developer"):
            system.append(_text_of(message.get("content")))
        elif role == "tool":
            result = {
                "type": "tool_result",
                "tool_use_id": str(message.get("tool_call_id") or ""),
                "content": _text_of(message.get("content")),
            }
            if messages and messages[-1]["role"] == "user" and _all_results(messages[-1]["content"]):
                messages[-1]["content"].append(result)
            else:
                messages.append({"role": "user", "content": [result]})
        elif role == "assistant":
            messages.append({"role": "assistant", "content": _assistant_blocks(message)})
        else:
            messages.append({"role": "user", "content": _user_blocks(message.get("content"))})
    out: dict[str, Any] = {
        "model": body.get("model", ""),
        "messages": messages,
        "max_tokens": body.get("max_completion_tokens") or body.get("max_tokens") or DEFAULT_MAX_TOKENS,
    }
    joined = "\n\n".join(text for text in system if text)
    if joined:
        out["system"] = joined
    for name in ("temperature", "top_p"):
        if body.get(name) is not None:
            out[name] = body[name]
    stop = body.get("stop")
    if stop:
        out["stop_sequences"] = [stop] if isinstance(stop, str) else list(stop)
    if body.get("stream"):
        out["stream"] = True
    tools = [_tool(tool) for tool in body.get("tools") or () if tool.get("type", "function") == "function"]
    if tools:
        out["tools"] = tools
        choice = _tool_choice(body.get("tool_choice"), body.get("parallel_tool_calls"))
        if choice:
            out["tool_choice"] = choice
    response_format = body.get("response_format")
    if isinstance(response_format, Mapping) and response_format.get("type") == "json_schema":
        schema = (response_format.get("json_schema") or {}).get("schema")
        if isinstance(schema, Mapping):
            out["output_config"] = {"format": {"type": "json_schema", "schema": dict(schema)}}
    effort = body.get("reasoning_effort")
    if isinstance(effort, str) and effort not in ("none", ""):
        out["output_config"] = {
            **out.get("output_config", {}),
            "effort": b.EFFORT_ALIASES.get(effort, effort),
        }
        out["thinking"] = {"type": "adaptive"}
    return out


def _text_of(content: Any) -> str:
    if isinstance(content, str):
        return content
    return "\n\n".join(part.get("text", "") for part in content or () if part.get("type") == "text")


def _all_results(content: list[dict[str, Any]]) -> bool:
    return bool(content) and all(block.get("type") == "tool_result" for block in content)


def _user_blocks(content: Any) -> list[dict[str, Any]] | str:
    if isinstance(content, str) or content is None:
        return content or ""
    out: list[dict[str, Any]] = []
    for part in content:
        kind = part.get("type")
        if kind == "text":
            out.append({"type": "text", "text": part.get("text", "")})
        elif kind == "image_url":
            image = part.get("image_url")
            url = image.get("url") if isinstance(image, Mapping) else image
            if url:
                out.append(b.image_block(str(url)))
    return out


def _assistant_blocks(message: Mapping[str, Any]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    reasoning = message.get("reasoning_content")
    if isinstance(reasoning, str) and reasoning:
        out.append({"type": "thinking", "thinking": reasoning, "signature": b.sign("reasoning_content")})
    text = _text_of(message.get("content"))
    if text:
        out.append({"type": "text", "text": text})
    for call in message.get("tool_calls") or ():
        function = call.get("function") or {}
        raw = function.get("arguments") or "{}"
        try:
            arguments = json.loads(raw)
        except ValueError:
            arguments = {"_raw": raw}
        if not isinstance(arguments, dict):
            arguments = {"_raw": raw}
        out.append(
            {
                "type": "tool_use",
                "id": str(call.get("id") or b.new_id()),
                "name": function.get("name", ""),
                "input": arguments,
            }
        )
    return out


def _tool(tool: Mapping[str, Any]) -> dict[str, Any]:
    function = tool.get("function") or {}
    schema = function.get("parameters") or {"type": "object", "properties": {}}
    out = {"name": function.get("name", ""), "input_schema": schema}
    if function.get("description"):
        out["description"] = function["description"]
    return out


def _tool_choice(choice: Any, parallel: Any) -> dict[str, Any] | None:
    out: dict[str, Any] | None = None
    if choice == "required":
        out = {"type": "any"}
    elif choice in ("auto", "none"):
        out = {"type": choice}
    elif isinstance(choice, Mapping) and (choice.get("function") or {}).get("name"):
        out = {"type": "tool", "name": choice["function"]["name"]}
    if parallel is False:
        out = {**(out or {"type": "auto"}), "disable_parallel_tool_use": True}
    return out


# ---- the answer ----------------------------------------------------------------------------------


def openai_usage(usage: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if not usage:
        return None
    cached = usage.get("cache_read_input_tokens") or 0
    prompt = (usage.get("input_tokens") or 0) + cached + (usage.get("cache_creation_input_tokens") or 0)
    completion = usage.get("output_tokens") or 0
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
        "prompt_tokens_details": {"cached_tokens": cached},
    }


def anthropic_message_to_openai(message: Mapping[str, Any], model: str) -> dict[str, Any]:
    """A `chat.completion` for a whole Anthropic message."""
    text = "".join(
        block.get("text", "") for block in message.get("content") or () if block.get("type") == "text"
    )
    thinking = "".join(
        block.get("thinking", "") for block in message.get("content") or () if block.get("type") == "thinking"
    )
    calls = [
        {
            "id": block["id"],
            "type": "function",
            "function": {"name": block["name"], "arguments": json.dumps(block.get("input") or {})},
        }
        for block in message.get("content") or ()
        if block.get("type") == "tool_use"
    ]
    reply: dict[str, Any] = {"role": "assistant", "content": text or (None if calls else "")}
    if thinking:
        reply["reasoning_content"] = thinking
    if calls:
        reply["tool_calls"] = calls
    finish = STOP_REASONS.get(message.get("stop_reason") or "end_turn", "stop")
    return {
        "id": _completion_id(message.get("id")),
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "message": reply, "logprobs": None, "finish_reason": finish}],
        "usage": openai_usage(message.get("usage")),
    }


def anthropic_events_to_openai_chunks(
    events: Iterable[Mapping[str, Any]], model: str, *, include_usage: bool = False
) -> Iterator[dict[str, Any]]:
    """`chat.completion.chunk`s for a stream of Anthropic events (`include_usage`: the client's
    `stream_options.include_usage`, a last chunk with the usage and no choices)."""
    writer = OpenAIChunks(model, include_usage=include_usage)
    for event in events:
        yield from writer.feed(event)


class OpenAIChunks:
    """`chat.completion.chunk`s for Anthropic events fed one at a time (`feed`: the chunks an event
    makes), for a thread's loop (`anthropic_events_to_openai_chunks`) and the event loop's alike."""

    def __init__(self, model: str, *, include_usage: bool = False) -> None:
        self.include_usage = include_usage
        self.base: dict[str, Any] = {
            "id": "chatcmpl-promptls",
            "object": "chat.completion.chunk",
            "created": int(time.time()),
            "model": model,
        }
        self.tool_index: dict[int, int] = {}
        self.usage: dict[str, Any] = {}
        self.finish: str | None = None

    def feed(self, event: Mapping[str, Any]) -> list[dict[str, Any]]:
        base, tool_index = self.base, self.tool_index
        kind = event.get("type")
        if kind == "message_start":
            message = event.get("message") or {}
            base["id"] = _completion_id(message.get("id"))
            self.usage.update(message.get("usage") or {})
            return [_chunk(base, {"role": "assistant", "content": ""})]
        if kind == "content_block_start":
            block = event.get("content_block") or {}
            if block.get("type") == "tool_use":
                tool_index[event["index"]] = len(tool_index)
                call = {"index": tool_index[event["index"]], "id": block.get("id"), "type": "function"}
                call["function"] = {"name": block.get("name"), "arguments": ""}
                return [_chunk(base, {"tool_calls": [call]})]
        elif kind == "content_block_delta":
            delta = event.get("delta") or {}
            if delta.get("type") == "text_delta" and delta.get("text"):
                return [_chunk(base, {"content": delta["text"]})]
            if delta.get("type") == "thinking_delta" and delta.get("thinking"):
                return [_chunk(base, {"reasoning_content": delta["thinking"]})]
            if delta.get("type") == "input_json_delta" and event.get("index") in tool_index:
                call = {
                    "index": tool_index[event["index"]],
                    "function": {"arguments": delta.get("partial_json", "")},
                }
                return [_chunk(base, {"tool_calls": [call]})]
        elif kind == "message_delta":
            self.finish = STOP_REASONS.get(
                (event.get("delta") or {}).get("stop_reason") or "end_turn", "stop"
            )
            self.usage.update({k: v for k, v in (event.get("usage") or {}).items() if v is not None})
        elif kind == "message_stop":
            out = [_chunk(base, {}, self.finish or "stop")]
            if self.include_usage:
                out.append({**base, "choices": [], "usage": openai_usage(self.usage)})
            return out
        return []


def _chunk(base: Mapping[str, Any], delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
    return {**base, "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}]}


def _completion_id(message_id: Any) -> str:
    return f"chatcmpl-{str(message_id or b.new_id('msg')).removeprefix('msg_')}"
