"""An Anthropic Messages request on the Gemini API (`google-genai`), and the answer back as events.

Request, field by field:
- `system` and `role: "system"` messages -> `system_instruction` (blocks.system_text).
- turns -> `contents` with roles `user` and `model`; consecutive turns of one role are merged.
- text -> text parts; base64 images -> `inline_data` parts; an image given by URL -> a note in
  text (Gemini takes images inline or from its own file store, never a web URL).
- assistant `tool_use` -> `function_call` parts (`id`, name, `args`); `tool_result` ->
  `function_response` parts (`id` and the tool's name, found from the call; `response` is
  `{"content": text}`, or `{"error": text}` for `is_error`), images returned by a tool follow inline.
- thinking Gemini produced comes back as a thinking block signed `promptls:gemini:<signature>`:
  replayed as a thought part with its `thought_signature`, or, when it carried only the signature
  of a function call (an empty block right before the `tool_use`), as that call's signature. A
  function call without one (history from another model) gets Google's documented
  `skip_thought_signature_validator` on Gemini 3 and later, which refuse calls without a signature.
  Other thinking (Anthropic's, other providers') is dropped.
- `tools` -> one tool of `function_declarations`, schemas in Gemini's OpenAPI subset
  (schema.gemini_schema), tool and parameter names fitted to Gemini's charsets (64 at most) and
  the answer's calls renamed back;
  `tool_choice` auto/any/tool/none -> `function_calling_config` AUTO/ANY(+allowed name)/NONE.
- `max_tokens`, `temperature`, `top_p`, `top_k`, `stop_sequences` -> the generation config;
  `output_config.format` (structured outputs) -> `response_mime_type` JSON and `response_schema`
  (in Gemini's subset).
- the effort -> `thinking_config` (`thinking_level` on Gemini 3, a `thinking_budget` on 2.x), with
  `include_thoughts` so the thoughts stream as thinking blocks, only for a model known to reason.
- `cache_control`, `metadata`, `context_management`, server tools: dropped.
- settings' pass-through options: a `GenerateContentConfig` field goes in the config, anything else
  is raw JSON merged into the request body (as for `promptls run`).

Answer: text parts -> text; thought parts -> thinking (signed); function calls -> `tool_use` (the
call's id, else a fresh one); finishReason STOP/MAX_TOKENS/SAFETY... -> end_turn (tool_use when
the answer calls tools)/max_tokens/refusal; usage with `cachedContentTokenCount` as cache reads and
thoughts counted as output. A blocked prompt is `ContentFiltered`.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Iterator, Mapping
from typing import Any

from promptls.adapters.errors import BadRequest, ContentFiltered, Unavailable
from promptls.adapters.gemini_adapter import FILTER_REASONS, SSE_OR_WHOLE
from promptls.adapters.translate import blocks as b
from promptls.adapters.translate.call import Call
from promptls.adapters.translate.events import EventWriter, usage
from promptls.adapters.translate.schema import gemini_schema

SKIP_SIGNATURE = "skip_thought_signature_validator"
"""Google's documented stand-in for a function call's missing thought signature."""

_OLDER = re.compile(r"^(models/)?gemini-(1|2)[.-]")
THINKING_BUDGETS = {"low": 1024, "medium": 8192, "high": 24576}

FINISH_REASONS = {"STOP": "end_turn", "MAX_TOKENS": "max_tokens"}


class GeminiNames:
    """Tool names, and each tool's parameter names (Gemini takes `[A-Za-z_][A-Za-z0-9_]*`, 64 at
    most; an MCP tool's `file-path` is not one), as Gemini accepts them, and back."""

    def __init__(self) -> None:
        self.tools = b.ToolNames(b.GEMINI_TOOL_NAME)
        self._parameters: dict[str, b.ToolNames] = {}

    def parameters(self, tool: str) -> b.ToolNames:
        if tool not in self._parameters:
            self._parameters[tool] = b.ToolNames(b.GEMINI_PARAMETER_NAME, unfit=r"[^A-Za-z0-9_]")
        return self._parameters[tool]

    def declared(self, tool: Mapping[str, Any]) -> dict[str, Any]:
        schema = gemini_schema(tool.get("input_schema"))
        fitted = self.parameters(tool["name"])
        if isinstance(schema.get("properties"), dict):
            schema["properties"] = {fitted.wire(key): value for key, value in schema["properties"].items()}
        if schema.get("required"):
            schema["required"] = [fitted.wire(key) for key in schema["required"]]
        return {
            "name": self.tools.wire(tool["name"]),
            "description": tool.get("description") or "",
            "parameters": schema,
        }

    def wire_args(self, tool: str, args: Mapping[str, Any]) -> dict[str, Any]:
        fitted = self.parameters(tool)
        return {fitted.wire(key): value for key, value in args.items()}

    def client_args(self, tool: str, args: Mapping[str, Any]) -> dict[str, Any]:
        fitted = self.parameters(tool)
        return {fitted.client(key): value for key, value in args.items()}


def gemini_request(
    body: Mapping[str, Any], model: str, *, reasoning: bool | None
) -> tuple[list[dict[str, Any]], dict[str, Any], GeminiNames]:
    """(contents, config, tool and parameter names) for the SDK's `generate_content_stream`."""
    names = GeminiNames()
    declarations = [names.declared(tool) for tool in b.client_tools(body)]
    tool_names = b.tool_names_by_id(body)
    contents: list[dict[str, Any]] = []
    for message in b.conversation(body):
        role = "model" if message["role"] == "assistant" else "user"
        if role == "model":
            parts = _model_parts(message["content"], names, model)
        else:
            parts = _user_parts(message["content"], names, tool_names)
        if not parts:
            continue
        if contents and contents[-1]["role"] == role:
            contents[-1]["parts"] += parts
        else:
            contents.append({"role": role, "parts": parts})
    config: dict[str, Any] = {"automatic_function_calling": {"disable": True}}
    system = b.system_text(body)
    if system:
        config["system_instruction"] = system
    if declarations:
        config["tools"] = [{"function_declarations": declarations}]
        choice = _function_calling(body.get("tool_choice"), names)
        if choice:
            config["tool_config"] = {"function_calling_config": choice}
    for source, target in (
        ("max_tokens", "max_output_tokens"),
        ("temperature", "temperature"),
        ("top_p", "top_p"),
        ("top_k", "top_k"),
        ("stop_sequences", "stop_sequences"),
    ):
        if body.get(source) is not None:
            config[target] = body[source]
    schema = b.output_schema(body)
    if schema is not None:
        config["response_mime_type"] = "application/json"
        config["response_schema"] = gemini_schema(schema)
    wanted = b.effort(body)
    if reasoning and wanted:
        thinking: dict[str, Any] = {"include_thoughts": True}
        if _OLDER.match(model):
            thinking["thinking_budget"] = THINKING_BUDGETS[wanted]
        else:
            thinking["thinking_level"] = wanted.upper()
        config["thinking_config"] = thinking
    return contents, config, names


def _user_parts(
    content: list[dict[str, Any]], names: GeminiNames, tool_names: dict[str, str]
) -> list[dict[str, Any]]:
    results: list[dict[str, Any]] = []
    parts: list[dict[str, Any]] = []
    for block in content:
        kind = block.get("type")
        if kind == "tool_result":
            result = b.tool_result_parts(block)
            name = names.tools.wire(tool_names.get(result.tool_use_id, "tool"))
            response = {"error": result.text} if result.is_error else {"content": result.text}
            call: dict[str, Any] = {"name": name, "response": response}
            if result.tool_use_id:
                call["id"] = result.tool_use_id
            results.append({"function_response": call})
            parts += [_image_part(image) for image in result.images]
        elif kind == "text" and block.get("text"):
            parts.append({"text": block["text"]})
        elif kind == "image":
            parts.append(_image_part(block))
        elif kind == "document":
            parts.append({"text": b.document_text(block)})
    return results + parts  # Gemini wants the responses first, as the calls were


def _image_part(block: Mapping[str, Any]) -> dict[str, Any]:
    media, data, url = b.image_source(block)
    if data is not None:
        try:
            return {"inline_data": {"mime_type": media, "data": base64.b64decode(data)}}
        except (binascii.Error, ValueError):
            return {"text": "[an image that is not valid base64 was left out]"}
    return {"text": f"[an image at {url} was left out: Gemini takes images inline only]"}


def _model_parts(content: list[dict[str, Any]], names: GeminiNames, model: str) -> list[dict[str, Any]]:
    parts: list[dict[str, Any]] = []
    pending: bytes | None = None
    for block in content:
        kind = block.get("type")
        mark = b.signed(block)
        if mark is not None and mark[0] == "gemini":
            signature = _decode(mark[1])
            if block.get("thinking"):
                part: dict[str, Any] = {"text": block["thinking"], "thought": True}
                if signature:
                    part["thought_signature"] = signature
                parts.append(part)
            else:
                pending = signature
        elif kind == "text" and block.get("text"):
            parts.append({"text": block["text"]})
        elif kind == "tool_use":
            tool = str(block.get("name"))
            call = {"name": names.tools.wire(tool), "args": names.wire_args(tool, block.get("input") or {})}
            if block.get("id"):
                call["id"] = str(block["id"])
            part = {"function_call": call}
            if pending is None and not _OLDER.match(model):
                pending = base64.urlsafe_b64decode(SKIP_SIGNATURE)
            if pending is not None:
                part["thought_signature"] = pending
                pending = None
            parts.append(part)
    return parts


def _decode(signature: str) -> bytes | None:
    try:
        return base64.b64decode(signature) if signature else None
    except (binascii.Error, ValueError):
        return None


def _function_calling(choice: Any, names: GeminiNames) -> dict[str, Any] | None:
    if not isinstance(choice, Mapping):
        return None
    kind = choice.get("type")
    if kind == "any":
        return {"mode": "ANY"}
    if kind == "tool" and choice.get("name"):
        return {"mode": "ANY", "allowed_function_names": [names.tools.wire(choice["name"])]}
    if kind in ("auto", "none"):
        return {"mode": kind.upper()}
    return None


# ---- the call ------------------------------------------------------------------------------------


def stream(
    call: Call, client: Any, body: Mapping[str, Any], *, reasoning: bool | None
) -> Iterator[dict[str, Any]]:
    """Send the request with the `google-genai` SDK and yield the answer as Anthropic events."""
    from google.genai import types

    contents, config, names = gemini_request(body, call.model, reasoning=reasoning)
    known = types.GenerateContentConfig.model_fields
    extra: dict[str, Any] = {}
    for name, value in call.options.items():  # settings' pass-through options win
        if name in known and name != "http_options":
            config[name] = value
        else:
            extra[name] = value
    if extra:
        config["http_options"] = {"extra_body": extra}
    if "automatic_continuation" in known:
        config["automatic_continuation"] = False  # a broken stream must stay broken
    try:  # the SDK's types: a plain dict's nested fields would go out in snake_case, bytes unencoded
        typed_contents = [types.Content.model_validate(content) for content in contents]
        typed_config = types.GenerateContentConfig.model_validate(config)
    except ValueError as exc:  # pydantic's ValidationError
        raise BadRequest(
            f"the request cannot be put in Gemini's form: {exc.__class__.__name__}",
            provider=call.endpoint.provider,
            model=call.model,
        ) from exc
    call.inspect_with(SSE_OR_WHOLE)
    responses = call.watch.pull(
        client.models.generate_content_stream(model=call.model, contents=typed_contents, config=typed_config)
    )
    yield from answer_events(responses, call, names)


def answer_events(responses: Iterator[Any], call: Call, names: GeminiNames) -> Iterator[dict[str, Any]]:
    writer = EventWriter(call.model)
    finish: str | None = None
    blocked: str | None = None
    final = usage()
    tools = 0
    thinking = False  # a thought block is open, not yet signed
    for response in responses:
        feedback = response.prompt_feedback
        if feedback is not None and feedback.block_reason is not None:
            blocked = f"the prompt was blocked ({_name(feedback.block_reason)})"
        if response.usage_metadata is not None:
            final = _usage(response.usage_metadata)
            if not writer.started:
                writer.start_usage = {**final, "output_tokens": 0}
        for candidate in (response.candidates or ())[:1]:
            if candidate.finish_reason is not None:
                finish = _name(candidate.finish_reason)
            content = candidate.content
            for part in (content.parts if content is not None else None) or ():
                signature = (
                    base64.b64encode(part.thought_signature).decode() if part.thought_signature else ""
                )
                if part.thought and (part.text or signature):
                    call.watch.progress()
                    yield from writer.thinking(part.text or "")
                    thinking = True
                    if signature:
                        yield from writer.signature(b.sign("gemini", signature))
                        thinking = False
                    continue
                if thinking:  # every thinking block ends signed: the client keeps only those
                    yield from writer.signature(b.sign("gemini"))
                    thinking = False
                if part.function_call is not None:
                    call.watch.progress()
                    tools += 1
                    if signature:  # the call's own: on an empty block right before it
                        yield from writer.signature(b.sign("gemini", signature))
                    function = part.function_call
                    tool = names.tools.client(function.name or "")
                    arguments = json.dumps(names.client_args(tool, function.args or {}))
                    yield from writer.tool_use(function.id or b.new_id(), tool, arguments)
                elif part.text:
                    call.watch.progress()
                    yield from writer.text(part.text)
    if thinking:
        yield from writer.signature(b.sign("gemini"))
    provider, model = call.endpoint.provider, call.model
    if blocked and not writer.started:
        raise ContentFiltered(blocked, provider=provider, model=model)
    if finish in FILTER_REASONS and not writer.started:
        raise ContentFiltered(
            f"the answer was stopped by Gemini's filter ({finish})", provider=provider, model=model
        )
    if finish is None:
        raise Unavailable("the answer ended without a finishReason", provider=provider, model=model)
    stop = "refusal" if finish in FILTER_REASONS else FINISH_REASONS.get(finish, "end_turn")
    if tools and stop == "end_turn":
        stop = "tool_use"
    yield from writer.finish(stop, final)


def _usage(metadata: Any) -> dict[str, int]:
    output = (metadata.candidates_token_count or 0) + (metadata.thoughts_token_count or 0)
    return usage(metadata.prompt_token_count, output, metadata.cached_content_token_count)


def _name(value: Any) -> str:
    return str(getattr(value, "value", value))
