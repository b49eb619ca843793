"""An Anthropic Messages request on Ollama's `/api/chat` (the `ollama` SDK), and the answer back.

Request, field by field:
- `system` and `role: "system"` messages -> one leading `system` message (blocks.system_text).
- user text -> `content`; base64 images -> `images`; an image given by URL -> a note in the text
  (Ollama reads images inline only).
- `tool_result` -> `role: "tool"` messages with `tool_name` (Ollama pairs results by name: the
  name of the call with that `tool_use_id`), before the user's other content; a tool's images go
  with the user message after them.
- assistant `tool_use` -> `tool_calls` (`function.name`, `function.arguments` as an object);
  thinking Ollama produced (signed `promptls:ollama:`) -> `thinking`; other thinking dropped.
- `tools` -> `function` tools; the SDK's `Tool` model carries only type, items, description and
  enum per property, so schema.ollama_schema puts a nested object's shape in its description.
- `output_config.format` (structured outputs) -> `format`, the JSON Schema.
- `max_tokens` -> `options.num_predict` (Ollama's default would cut the answer at its own limit),
  `temperature`, `top_p`, `top_k`, `stop_sequences` -> `options.stop`.
- the effort -> `think` (`low`/`medium`/`high` for gpt-oss, which takes levels, else `true`), only
  for a model known to reason (others refuse `think`).
- `cache_control`, `metadata`, `context_management`, `tool_choice` (Ollama has none), server
  tools: dropped.
- settings' pass-through options: `keep_alive`, `format`, `think` as request fields, the others
  (`num_ctx`: Ollama's small default context cuts long prompts silently) in `options`.

Answer: `message.content` -> text; `message.thinking` -> thinking (signed); `message.tool_calls`
(whole in one chunk) -> `tool_use` with fresh ids (Ollama gives none); `done_reason` stop/length ->
end_turn (tool_use when the answer calls tools)/max_tokens; usage from `prompt_eval_count` and
`eval_count`. A stream without its `done` line is cut: `Unavailable`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

from promptls.adapters.answers import JSON_LINES
from promptls.adapters.errors import Unavailable
from promptls.adapters.ollama_adapter import TOP_LEVEL_OPTIONS
from promptls.adapters.translate import blocks as b
from promptls.adapters.translate.call import Call
from promptls.adapters.translate.events import EventWriter, usage
from promptls.adapters.translate.schema import ollama_schema

DONE_REASONS = {"stop": "end_turn", "length": "max_tokens"}
OPTIONS = (
    ("max_tokens", "num_predict"),
    ("temperature", "temperature"),
    ("top_p", "top_p"),
    ("top_k", "top_k"),
)


def chat_arguments(body: Mapping[str, Any], model: str, *, reasoning: bool | None) -> dict[str, Any]:
    """The SDK's `chat` arguments for an Anthropic request (see the module docstring)."""
    names = b.tool_names_by_id(body)
    messages: list[dict[str, Any]] = []
    system = b.system_text(body)
    if system:
        messages.append({"role": "system", "content": system})
    for message in b.conversation(body):
        if message["role"] == "user":
            messages += _user_messages(message["content"], names)
        else:
            messages.append(_assistant_message(message["content"]))
    arguments: dict[str, Any] = {"model": model, "messages": _merged_turns(messages), "stream": True}
    tools = [
        {
            "type": "function",
            "function": {
                "name": tool["name"],
                "description": tool.get("description") or "",
                "parameters": ollama_schema(tool.get("input_schema")),
            },
        }
        for tool in b.client_tools(body)
    ]
    if tools and (body.get("tool_choice") or {}).get("type") != "none":
        arguments["tools"] = tools
    options = {target: body[source] for source, target in OPTIONS if body.get(source) is not None}
    if body.get("stop_sequences"):
        options["stop"] = list(body["stop_sequences"])
    if options:
        arguments["options"] = options
    schema = b.output_schema(body)
    if schema is not None:
        arguments["format"] = schema
    wanted = b.effort(body)
    if reasoning and wanted:
        arguments["think"] = wanted if model.startswith("gpt-oss") else True
    return arguments


def _merged_turns(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Consecutive user messages as one: model templates expect turns that alternate."""
    out: list[dict[str, Any]] = []
    for message in messages:
        previous = out[-1] if out else None
        if previous is None or message["role"] != "user" or previous["role"] != "user":
            out.append(message)
            continue
        merged = {**previous, "content": "\n\n".join(filter(None, [previous["content"], message["content"]]))}
        images = [*previous.get("images", ()), *message.get("images", ())]
        if images:
            merged["images"] = images
        out[-1] = merged
    return out


def _user_messages(content: list[dict[str, Any]], names: dict[str, str]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    texts: list[str] = []
    images: list[str] = []
    for block in content:
        kind = block.get("type")
        if kind == "tool_result":
            result = b.tool_result_parts(block)
            out.append(
                {"role": "tool", "content": result.text, "tool_name": names.get(result.tool_use_id, "")}
            )
            for image in result.images:
                texts += _image(image, images)
        elif kind == "text" and block.get("text"):
            texts.append(block["text"])
        elif kind == "image":
            texts += _image(block, images)
        elif kind == "document":
            texts.append(b.document_text(block))
    if texts or images:
        message: dict[str, Any] = {"role": "user", "content": "\n\n".join(texts)}
        if images:
            message["images"] = images
        out.append(message)
    return out


def _image(block: Mapping[str, Any], images: list[str]) -> list[str]:
    """Add a base64 image to `images`; a URL image becomes a note (returned as text)."""
    _, data, url = b.image_source(block)
    if data is not None:
        images.append(data)
        return []
    return [f"[an image at {url} was left out: Ollama takes images inline only]"]


def _assistant_message(content: list[dict[str, Any]]) -> dict[str, Any]:
    message: dict[str, Any] = {
        "role": "assistant",
        "content": "".join(block.get("text", "") for block in content if block.get("type") == "text"),
    }
    calls = [
        {"function": {"name": str(block.get("name")), "arguments": block.get("input") or {}}}
        for block in content
        if block.get("type") == "tool_use"
    ]
    if calls:
        message["tool_calls"] = calls
    thinking = "".join(
        block.get("thinking", "") for block in content if (b.signed(block) or ("",))[0] == "ollama"
    )
    if thinking:
        message["thinking"] = thinking
    return message


# ---- the call ------------------------------------------------------------------------------------


def stream(
    call: Call, client: Any, body: Mapping[str, Any], *, reasoning: bool | None
) -> Iterator[dict[str, Any]]:
    """Send the request with the `ollama` SDK and yield the answer as Anthropic events."""
    arguments = chat_arguments(body, call.model, reasoning=reasoning)
    for name, value in call.options.items():  # settings' pass-through options win (`num_ctx`, ...)
        if name in TOP_LEVEL_OPTIONS:
            arguments[name] = value
        else:
            arguments.setdefault("options", {})[name] = value
    call.inspect_with(JSON_LINES)
    writer = EventWriter(call.model)
    thinking = False
    calls: list[dict[str, Any]] = []
    done: tuple[str | None, dict[str, int]] | None = None
    for part in call.watch.pull(client.chat(**arguments)):
        message = part.message
        if message is not None and getattr(message, "thinking", None):
            call.watch.progress()
            thinking = True
            yield from writer.thinking(message.thinking)
        if message is not None and (message.content or message.tool_calls) and thinking:
            yield from writer.signature(b.sign("ollama"))
            thinking = False
        if message is not None and message.content:
            call.watch.progress()
            yield from writer.text(message.content)
        for tool_call in (message.tool_calls if message is not None else None) or ():
            call.watch.progress()
            calls.append(
                {"name": tool_call.function.name, "arguments": dict(tool_call.function.arguments or {})}
            )
        if part.done:
            done = (part.done_reason, usage(part.prompt_eval_count, part.eval_count))
    if done is None:
        raise Unavailable(
            "the answer ended before Ollama said it was done",
            provider=call.endpoint.provider,
            model=call.model,
        )
    if thinking:
        yield from writer.signature(b.sign("ollama"))
    for tool_call in calls:
        yield from writer.tool_use(b.new_id(), tool_call["name"], json.dumps(tool_call["arguments"]))
    stop = DONE_REASONS.get(done[0] or "stop", "end_turn")
    if calls and stop == "end_turn":
        stop = "tool_use"
    yield from writer.finish(stop, done[1])
