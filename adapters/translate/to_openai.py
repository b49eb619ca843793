"""An Anthropic Messages request on OpenAI's chat completions (OpenAI, OpenRouter, llama.cpp, vLLM,
LM Studio, DeepSeek, any compatible server), and the answer back as Anthropic events.

Request, field by field:
- `system` and `role: "system"` messages -> one leading `system` message (blocks.system_text).
- user text and images -> `content` (a string when it is only text: some compatible servers' chat
  templates take nothing else; else parts, images as `image_url` with a data: URL or the URL).
- `tool_result` blocks -> `role: "tool"` messages with `tool_call_id` = the `tool_use_id`, before
  the user's other content (OpenAI wants them right after the assistant's calls); their images
  follow in a user message, as tool messages take text only.
- assistant `tool_use` -> `tool_calls` (`id` kept exactly, `arguments` the input as JSON);
  assistant thinking that came from this kind of server (`reasoning_content`, DeepSeek; `reasoning`,
  OpenRouter) goes back in that field; other thinking, `redacted_thinking` dropped.
- `tools` -> `function` tools, schemas less `$schema` (schema.openai_schema), names fitted to
  `[A-Za-z0-9_-]{1,64}` and the answer's calls renamed back; `tool_choice` auto/any/tool/none ->
  auto/required/function/none, `disable_parallel_tool_use` -> `parallel_tool_calls: false`.
- `max_tokens` -> `max_completion_tokens` for OpenAI (its reasoning models refuse `max_tokens`),
  `max_tokens` elsewhere; `temperature`, `top_p`, `stop_sequences` -> `stop`; `top_k` for servers
  other than OpenAI (which refuses it).
- the effort (blocks.effort: `output_config.effort`, or the thinking budget) -> `reasoning_effort`,
  or OpenRouter's `reasoning: {"effort"}`, only for a model known to reason (`reasoning=True`):
  non-reasoning models refuse the field.
- `output_config.format` (structured outputs) -> `response_format` of type `json_schema`.
- `cache_control`: kept on text parts for OpenRouter (which passes it to the providers that cache
  on request); dropped elsewhere (OpenAI caches by itself). `metadata` (an Anthropic user id),
  `context_management`, `container`, `mcp_servers`, `service_tier`, server tools: dropped.
- settings' pass-through options: top-level fields of the request, over the translated ones.

Answer: text deltas -> text block; `reasoning_content`/`reasoning` deltas -> a thinking block
signed `promptls:<field>:`; OpenRouter's `reasoning_details` -> an empty thinking block whose
signature carries them (`promptls:reasoning_details:<base64 JSON>`), sent back as
`reasoning_details` next turn, as OpenRouter needs to continue a model's tool calls; tool calls
(gathered by index, sent whole when the answer ends, so parallel and interleaved calls come out as
whole blocks) -> `tool_use`, ids kept, a server's missing id replaced by a fresh one;
`finish_reason` stop/length/tool_calls/content_filter -> end_turn/max_tokens/tool_use/refusal
(tool calls with `stop`, as some servers say: tool_use); usage with
`prompt_tokens_details.cached_tokens` (and DeepSeek's `prompt_cache_hit_tokens`) as cache reads.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from promptls.adapters.answers import SSE, WHOLE_JSON, not_an_answer
from promptls.adapters.errors import Unavailable
from promptls.adapters.openai_compat import OpenAICompatAdapter, read_chunks
from promptls.adapters.translate import blocks as b
from promptls.adapters.translate.call import Call
from promptls.adapters.translate.events import EventWriter, usage
from promptls.adapters.translate.schema import openai_schema

REASONING_FIELDS = ("reasoning_content", "reasoning")
DETAILS = "reasoning_details"
"""OpenRouter's structured reasoning (text, summaries, encrypted blobs with their signatures), which it
needs back to continue a model's tool calls (Gemini 3's, Anthropic's through OpenRouter)."""

FINISH_REASONS = {
    "stop": "end_turn",
    "length": "max_tokens",
    "tool_calls": "tool_use",
    "function_call": "tool_use",
    "content_filter": "refusal",
}


def chat_body(
    body: Mapping[str, Any], model: str, provider: str, *, reasoning: bool | None
) -> tuple[dict[str, Any], b.ToolNames]:
    """The chat completions request for an Anthropic request (see the module docstring)."""
    names = b.ToolNames(b.OPENAI_TOOL_NAME)
    keep_cache = provider == "openrouter"
    messages: list[dict[str, Any]] = []
    system = b.system_text(body)
    if system:
        messages.append({"role": "system", "content": _system_content(body, system, keep_cache)})
    for message in b.conversation(body):
        if message["role"] == "user":
            messages += _user_messages(message["content"], keep_cache)
        else:
            messages.append(_assistant_message(message["content"], names))
    wire: dict[str, Any] = {"model": model, "messages": merged_turns(messages), "stream": True}
    wire["stream_options"] = {"include_usage": True}
    tools = [
        {
            "type": "function",
            "function": {
                "name": names.wire(tool["name"]),
                "description": tool.get("description") or "",
                "parameters": openai_schema(tool.get("input_schema")),
            },
        }
        for tool in b.client_tools(body)
    ]
    if tools:
        wire["tools"] = tools
        choice = _tool_choice(body.get("tool_choice"), names)
        if choice is not None:
            wire["tool_choice"] = choice
        if (body.get("tool_choice") or {}).get("disable_parallel_tool_use"):
            wire["parallel_tool_calls"] = False
    if body.get("max_tokens") is not None:
        wire["max_completion_tokens" if provider == "openai" else "max_tokens"] = body["max_tokens"]
    for name in ("temperature", "top_p"):
        if body.get(name) is not None:
            wire[name] = body[name]
    if body.get("top_k") is not None and provider != "openai":
        wire["top_k"] = body["top_k"]
    if body.get("stop_sequences"):
        wire["stop"] = list(body["stop_sequences"])
    schema = b.output_schema(body)
    if schema is not None:
        wire["response_format"] = {"type": "json_schema", "json_schema": {"name": "output", "schema": schema}}
    wanted = b.effort(body)
    if reasoning and wanted:
        if provider == "openrouter":
            wire["reasoning"] = {"effort": wanted}
        else:
            wire["reasoning_effort"] = wanted
    return wire, names


def merged_turns(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Consecutive user messages as one (a system message taken out of the conversation, or an
    interrupted turn, leaves two): chat templates of compatible servers (Gemma's, Llama's) refuse
    turns that do not alternate."""
    out: list[dict[str, Any]] = []
    for message in messages:
        previous = out[-1] if out else None
        if previous is None or message["role"] != "user" or previous["role"] != "user":
            out.append(message)
            continue
        first, second = previous["content"], message["content"]
        if isinstance(first, str) and isinstance(second, str):
            content: Any = f"{first}\n\n{second}"
        else:
            content = _parts(first) + _parts(second)
        out[-1] = {**previous, "content": content}
    return out


def _parts(content: Any) -> list[dict[str, Any]]:
    return [{"type": "text", "text": content}] if isinstance(content, str) else list(content)


def _system_content(body: Mapping[str, Any], system: str, keep_cache: bool) -> Any:
    """The system text; for OpenRouter, the client's blocks with their `cache_control` marks."""
    own = [
        block
        for block in b.blocks(body.get("system"))
        if block.get("type") == "text"
        and block.get("text")
        and not block["text"].startswith(b.BILLING_HEADER)
    ]
    if not keep_cache or not any(block.get("cache_control") for block in own):
        return system
    parts = [_text_part(block, keep_cache) for block in own]
    extra = b.system_messages_text(body)
    return parts + ([{"type": "text", "text": extra}] if extra else [])


def _text_part(block: Mapping[str, Any], keep_cache: bool) -> dict[str, Any]:
    part: dict[str, Any] = {"type": "text", "text": block.get("text", "")}
    if keep_cache and block.get("cache_control"):
        part["cache_control"] = block["cache_control"]
    return part


def _user_messages(content: list[dict[str, Any]], keep_cache: bool) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    parts: list[dict[str, Any]] = []
    result_images: list[dict[str, Any]] = []
    for block in content:
        kind = block.get("type")
        if kind == "tool_result":
            result = b.tool_result_parts(block)
            out.append({"role": "tool", "tool_call_id": result.tool_use_id, "content": result.text})
            result_images += result.images
        elif kind == "text":
            parts.append(_text_part(block, keep_cache))
        elif kind == "image":
            url = b.data_url(block)
            if url:
                parts.append({"type": "image_url", "image_url": {"url": url}})
        elif kind == "document":
            parts.append({"type": "text", "text": b.document_text(block)})
    if result_images:
        note = {"type": "text", "text": "(the images the tool returned)"}
        images = [
            {"type": "image_url", "image_url": {"url": b.data_url(i)}} for i in result_images if b.data_url(i)
        ]
        parts = [note, *images, *parts]
    if parts:
        only_text = all(part["type"] == "text" and "cache_control" not in part for part in parts)
        text = "\n\n".join(part["text"] for part in parts) if only_text else None
        out.append({"role": "user", "content": text if only_text else parts})
    return out


def _assistant_message(content: list[dict[str, Any]], names: b.ToolNames) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant"}
    text = "".join(block.get("text", "") for block in content if block.get("type") == "text")
    calls = [
        {
            "id": str(block.get("id")),
            "type": "function",
            "function": {
                "name": names.wire(str(block.get("name"))),
                "arguments": json.dumps(block.get("input") or {}),
            },
        }
        for block in content
        if block.get("type") == "tool_use"
    ]
    message["content"] = text if text or not calls else None
    if calls:
        message["tool_calls"] = calls
    for block in content:
        mark = b.signed(block)
        if mark is not None and mark[0] == DETAILS:
            message[DETAILS] = [*message.get(DETAILS, ()), *_unpack(mark[1])]
        elif mark is not None and mark[0] in REASONING_FIELDS and block.get("thinking"):
            message[mark[0]] = message.get(mark[0], "") + block["thinking"]
    return message


def _tool_choice(choice: Any, names: b.ToolNames) -> Any:
    if not isinstance(choice, Mapping):
        return None
    kind = choice.get("type")
    if kind == "any":
        return "required"
    if kind == "tool" and choice.get("name"):
        return {"type": "function", "function": {"name": names.wire(choice["name"])}}
    if kind in ("auto", "none"):
        return kind
    return None


# ---- the call ------------------------------------------------------------------------------------


def stream(
    call: Call, adapter: OpenAICompatAdapter, body: Mapping[str, Any], *, reasoning: bool | None
) -> Iterator[dict[str, Any]]:
    """Send the request through the adapter (the body as built, as JSON: nothing of it changed by
    the SDK) and yield the answer as Anthropic events."""
    wire, names = chat_body(body, call.model, call.endpoint.provider, reasoning=reasoning)
    wire.update(call.options)  # settings' pass-through options (OpenRouter's `provider`, ...) win
    response = adapter.post_stream("/chat/completions", wire, call.model)
    try:
        chunks: Iterable[Any]
        if call.attach(response, SSE) == WHOLE_JSON:
            chunks = [whole_as_chunk(response, call)]
        else:  # read to the body's end, so the connection serves the next call (see read_chunks)
            chunks = read_chunks(response)
        yield from answer_events(chunks, call, names)
    finally:
        response.close()


def whole_as_chunk(response: Any, call: Call) -> dict[str, Any]:
    """A `chat.completion` (a server that did not stream) as the one chunk it amounts to."""
    return completion_as_chunk(response.read(), call, str(response.url))


def completion_as_chunk(raw: bytes, call: Call, url: str) -> dict[str, Any]:
    """The JSON of a whole `chat.completion` as the one chunk it amounts to (`Unavailable` when it is
    not one)."""
    try:
        payload = json.loads(raw)
        choice = payload["choices"][0]
        delta = dict(choice["message"])
        delta["tool_calls"] = [{**tc, "index": i} for i, tc in enumerate(delta.get("tool_calls") or ())]
        return {
            **payload,
            "choices": [{"index": 0, "delta": delta, "finish_reason": choice.get("finish_reason") or "stop"}],
        }
    except (ValueError, TypeError, LookupError) as exc:
        raise not_an_answer(call.endpoint, call.model, url, "a chat completion") from exc


def answer_events(chunks: Iterable[Any], call: Call, names: b.ToolNames) -> Iterator[dict[str, Any]]:
    """Anthropic events for a stream of chat completion chunks (dicts)."""
    reader = ChunkReader(call, names)
    for chunk in chunks:
        yield from reader.feed(chunk)
    yield from reader.end()


class ChunkReader:
    """Anthropic events for chat completion chunks fed as they arrive: `feed(chunk)` gives the events
    one chunk makes, `end()` the last ones (`Unavailable` when no chunk had a `finish_reason`: the
    answer was cut off). Pushed rather than pulled, so a thread's blocking reads (`answer_events`) and
    the event loop's awaited ones (stream_aio.py) share it."""

    def __init__(self, call: Call, names: b.ToolNames) -> None:
        self.call = call
        self.names = names
        self.writer = EventWriter(call.model)
        self.calls: dict[int, dict[str, Any]] = {}
        self.reasoning_field: str | None = None
        self.details: list[dict[str, Any]] = []
        self.finish: str | None = None
        self.usage = usage()

    def feed(self, chunk: Any) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        if not isinstance(chunk, Mapping):
            return out
        writer, watch = self.writer, self.call.watch
        if chunk.get("usage"):
            self.usage = chunk_usage(chunk["usage"])
        for choice in (chunk.get("choices") or ())[:1]:
            self.finish = choice.get("finish_reason") or self.finish
            delta = choice.get("delta") or {}
            for field in REASONING_FIELDS:
                thought = delta.get(field)
                if isinstance(thought, str) and thought:
                    watch.progress()
                    self.reasoning_field = field
                    out += writer.thinking(thought)
                    break
            for detail in delta.get(DETAILS) or ():
                if isinstance(detail, Mapping):
                    watch.progress()
                    _merge_detail(self.details, detail)
            text = delta.get("content")
            if isinstance(text, str) and text:
                watch.progress()
                if self.reasoning_field is not None:
                    out += writer.signature(b.sign(self.reasoning_field))
                    self.reasoning_field = None
                out += writer.text(text)
            for piece in delta.get("tool_calls") or ():
                watch.progress()
                index = int(piece.get("index") or 0)
                slot = self.calls.setdefault(index, {"id": "", "name": "", "arguments": []})
                function = piece.get("function") or {}
                slot["id"] = slot["id"] or piece.get("id") or ""
                if function.get("name") and not slot["name"]:
                    slot["name"] = function["name"]
                if function.get("arguments"):
                    slot["arguments"].append(function["arguments"])
        return out

    def end(self) -> list[dict[str, Any]]:
        call, writer = self.call, self.writer
        if self.finish is None:
            raise Unavailable(
                "the answer ended without a finish_reason", provider=call.endpoint.provider, model=call.model
            )
        out: list[dict[str, Any]] = []
        if self.reasoning_field is not None:
            out += writer.signature(b.sign(self.reasoning_field))
        if self.details:  # on an empty thinking block of its own, carried by the client to the next turn
            out += writer.signature(b.sign(DETAILS, _pack(self.details)))
        for index in sorted(self.calls):
            slot = self.calls[index]
            arguments = b.tool_input_json("".join(slot["arguments"]))
            out += writer.tool_use(slot["id"] or b.new_id(), self.names.client(slot["name"]), arguments)
        stop = FINISH_REASONS.get(self.finish, "end_turn")
        if self.calls and stop == "end_turn":
            stop = "tool_use"
        out += writer.finish(stop, self.usage)
        return out


def _merge_detail(details: list[dict[str, Any]], piece: Mapping[str, Any]) -> None:
    """Add a streamed piece of `reasoning_details`: a piece of the same item (same `index` and
    `type`) extends its text or summary; anything else is a new item."""
    last = details[-1] if details else None
    if (
        last is not None
        and piece.get("index", -1) == last.get("index", -2)
        and piece.get("type") == last.get("type")
    ):
        for field in ("text", "summary"):
            if isinstance(piece.get(field), str):
                last[field] = (last.get(field) or "") + piece[field]
        for name, value in piece.items():
            if name not in ("text", "summary") and value is not None:
                last[name] = value
        return
    details.append(dict(piece))


def _pack(details: list[dict[str, Any]]) -> str:
    return base64.urlsafe_b64encode(json.dumps(details, separators=(",", ":")).encode()).decode()


def _unpack(payload: str) -> list[Any]:
    try:
        value = json.loads(base64.urlsafe_b64decode(payload.encode()))
    except (ValueError, binascii.Error):
        return []
    return value if isinstance(value, list) else []


def chunk_usage(raw: Mapping[str, Any]) -> dict[str, int]:
    """Anthropic usage from OpenAI's (cached tokens as cache reads; DeepSeek's own field too)."""
    details = raw.get("prompt_tokens_details") or {}
    cached = details.get("cached_tokens") or raw.get("prompt_cache_hit_tokens") or 0
    written = details.get("cache_write_tokens") or 0
    return usage(raw.get("prompt_tokens"), raw.get("completion_tokens"), cached, written)
