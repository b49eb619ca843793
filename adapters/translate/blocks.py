"""What every target reads the same way from an Anthropic Messages request body.

- `system_text(body)`: the system prompt as one text. `system` may be a string or a list of text
  blocks; Claude Code's first block, `x-anthropic-billing-header: ...`, is Anthropic's accounting and
  is dropped. `role: "system"` messages inside `messages` (Claude Code lists its agents and skills
  there for models it does not know) are kept as system text, after the system prompt, in order:
  every target takes one system prompt at the start (Gemini's system instruction, llama.cpp chat
  templates that refuse a system turn mid-conversation).
- `blocks(content)`: a message's content as a list of blocks (a string is one text block).
- `tool_result_parts(block)`: a `tool_result`'s content as text and images; a list of blocks becomes
  their texts joined by blank lines, never a JSON dump of the list. `is_error` prefixes `Error: `.
- Thinking that another provider produced travels back to us inside Claude Code's history as a
  `thinking` block whose `signature` is ours: `promptls:<kind>:<payload>` (`sign`, `signed`). The
  kind says which field it came from (`reasoning_content`, `reasoning`, `ollama`, `gemini`), so the
  same target gets it back next turn (DeepSeek's `reasoning_content`, Gemini's `thoughtSignature`);
  other targets drop it, and Anthropic's own signed thinking is dropped for every other target.
- `effort(body)`: the reasoning effort the client asked for (`output_config.effort`, else derived
  from `thinking.budget_tokens`), or None when it asked for no thinking.
"""

from __future__ import annotations

import json
import random
import re
import secrets
from collections.abc import Iterator, Mapping
from typing import Any, NamedTuple

BILLING_HEADER = "x-anthropic-billing-header"
"""The first system block of Claude Code's requests: Anthropic's accounting line, for no other model."""

SIGNATURE_PREFIX = "promptls:"

EFFORTS = ("low", "medium", "high")
EFFORT_ALIASES = {"minimal": "low", "max": "high", "xhigh": "high"}
"""Anthropic's `output_config.effort` values that other providers name differently."""


def tool_input_json(arguments: str) -> str:
    """A tool call's arguments as the JSON object a `tool_use` input must be: a small model's text
    that is no JSON object is kept whole under `_raw` (the client then reports the tool's input as
    invalid to the model, which can try again), never a stream the client cannot parse."""
    text = arguments.strip() or "{}"
    try:
        value = json.loads(text)
    except ValueError:
        return json.dumps({"_raw": arguments})
    return text if isinstance(value, dict) else json.dumps({"_raw": arguments})


def new_id(prefix: str = "toolu") -> str:
    """An id in Anthropic's charset (`[A-Za-z0-9_-]`): for messages, and tool calls a provider gave no
    id. Unique, not secret: `random` (seeded from the OS once), not a system call per id (`secrets`
    was 2.6% of a busy proxy's time)."""
    return f"{prefix}_{random.getrandbits(96):024x}"


def blocks(content: Any) -> list[dict[str, Any]]:
    """A message's content as blocks: a string is one text block (an empty one, none)."""
    if content is None:
        return []
    if isinstance(content, str):
        return [{"type": "text", "text": content}] if content else []
    return [block for block in content if isinstance(block, Mapping)]


def texts(content: Any) -> str:
    """The text blocks of a content, joined by blank lines."""
    return "\n\n".join(
        block["text"] for block in blocks(content) if block.get("type") == "text" and block.get("text")
    )


def system_text(body: Mapping[str, Any]) -> str:
    """The system prompt and every `role: "system"` message, as one text (see the module docstring)."""
    parts = [
        block["text"]
        for block in blocks(body.get("system"))
        if block.get("type") == "text" and block.get("text") and not block["text"].startswith(BILLING_HEADER)
    ]
    parts.append(system_messages_text(body))
    return "\n\n".join(part for part in parts if part)


def system_messages_text(body: Mapping[str, Any]) -> str:
    """The `role: "system"` messages inside `messages`, as one text."""
    found = [texts(m.get("content")) for m in body.get("messages") or () if m.get("role") == "system"]
    return "\n\n".join(text for text in found if text)


def conversation(body: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    """The user and assistant messages (system ones are in `system_text`), content as blocks."""
    for message in body.get("messages") or ():
        if message.get("role") in ("user", "assistant"):
            yield {"role": message["role"], "content": blocks(message.get("content"))}


class ToolResult(NamedTuple):
    tool_use_id: str
    text: str
    images: list[dict[str, Any]]
    is_error: bool


def tool_result_parts(block: Mapping[str, Any]) -> ToolResult:
    """A `tool_result` block's content as text (blocks joined, never JSON) and its images."""
    pieces: list[str] = []
    images: list[dict[str, Any]] = []
    for part in blocks(block.get("content")):
        kind = part.get("type")
        if kind == "text":
            pieces.append(part.get("text") or "")
        elif kind == "image":
            images.append(part)
        elif kind == "document":
            pieces.append(document_text(part))
        else:  # search results, tool references: what they say, in their own words
            pieces.append(
                json.dumps({k: v for k, v in part.items() if k != "cache_control"}, ensure_ascii=False)
            )
    text = "\n\n".join(piece for piece in pieces if piece)
    is_error = bool(block.get("is_error"))
    if is_error:
        text = f"Error: {text}" if text else "Error"
    return ToolResult(str(block.get("tool_use_id") or ""), text, images, is_error)


def document_text(block: Mapping[str, Any]) -> str:
    """A `document` block as text where it has one; a binary document is named, not sent."""
    source = block.get("source") or {}
    title = block.get("title")
    if source.get("type") == "text":
        return f"{title}\n\n{source.get('data', '')}" if title else str(source.get("data", ""))
    if source.get("type") == "content":
        return texts(source.get("content"))
    what = source.get("media_type") or source.get("type") or "document"
    return f"[{title or 'a document'} ({what}) is not readable by this model]"


def image_source(block: Mapping[str, Any]) -> tuple[str | None, str | None, str | None]:
    """(media type, base64 data, url) of an `image` block; the ones it does not have are None."""
    source = block.get("source") or {}
    if source.get("type") == "base64":
        return source.get("media_type") or "image/png", source.get("data"), None
    if source.get("type") == "url":
        return None, None, source.get("url")
    return None, None, None


def data_url(block: Mapping[str, Any]) -> str | None:
    media, data, url = image_source(block)
    if data is not None:
        return f"data:{media};base64,{data}"
    return url


_DATA_URL = re.compile(r"^data:(?P<media>[^;,]+);base64,(?P<data>.*)$", re.DOTALL)


def image_block(url: str) -> dict[str, Any]:
    """An Anthropic `image` block for a URL or a `data:` URL (the OpenAI front end's `image_url`)."""
    match = _DATA_URL.match(url)
    if match:
        source = {"type": "base64", "media_type": match["media"], "data": match["data"]}
        return {"type": "image", "source": source}
    return {"type": "image", "source": {"type": "url", "url": url}}


# ---- thinking that travels through the client ---------------------------------------------------


def sign(kind: str, payload: str = "") -> str:
    return f"{SIGNATURE_PREFIX}{kind}:{payload}"


def signed(block: Mapping[str, Any]) -> tuple[str, str] | None:
    """(kind, payload) of a thinking block promptls signed; None for any other block."""
    signature = block.get("signature")
    if block.get("type") != "thinking" or not isinstance(signature, str):
        return None
    if not signature.startswith(SIGNATURE_PREFIX):
        return None
    kind, _, payload = signature.removeprefix(SIGNATURE_PREFIX).partition(":")
    return kind, payload


def effort(body: Mapping[str, Any]) -> str | None:
    """`low`, `medium` or `high`: what the client asked of the model's reasoning; None for none."""
    thinking = body.get("thinking") or {}
    if thinking.get("type") == "disabled":
        return None
    config = body.get("output_config") or {}
    asked = config.get("effort") if isinstance(config, Mapping) else None
    if isinstance(asked, str):
        asked = EFFORT_ALIASES.get(asked, asked)
        if asked in EFFORTS:
            return asked
    if thinking.get("type") == "adaptive":
        return "medium"
    if thinking.get("type") == "enabled":
        budget = thinking.get("budget_tokens") or 0
        return "low" if budget <= 4096 else "medium" if budget <= 16384 else "high"
    return None


def output_schema(body: Mapping[str, Any]) -> dict[str, Any] | None:
    """The JSON Schema the answer must follow (`output_config.format`, Anthropic's structured
    outputs), or None."""
    config = body.get("output_config")
    chosen = config.get("format") if isinstance(config, Mapping) else None
    if (
        isinstance(chosen, Mapping)
        and chosen.get("type") == "json_schema"
        and isinstance(chosen.get("schema"), Mapping)
    ):
        return dict(chosen["schema"])
    return None


def tool_names_by_id(body: Mapping[str, Any]) -> dict[str, str]:
    """Each `tool_use` id of the conversation and its tool's name (Gemini and Ollama answer a tool
    by name, not by id)."""
    names: dict[str, str] = {}
    for message in conversation(body):
        for block in message["content"]:
            if block.get("type") == "tool_use":
                names[str(block.get("id"))] = str(block.get("name"))
    return names


def client_tools(body: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The client's own (custom) tools; Anthropic's server tools (web search, code execution, ...)
    have no equivalent elsewhere and are left out."""
    return [
        tool for tool in body.get("tools") or () if tool.get("type") in (None, "custom") and tool.get("name")
    ]


class ToolNames:
    """Tool names as a target accepts them, and back. Names that already fit are kept as they are;
    others get their unfit characters replaced and are cut to the limit (with a suffix that keeps
    them apart). The answer's tool calls are turned back into the client's names."""

    def __init__(self, allowed: re.Pattern[str], limit: int = 64, unfit: str = r"[^A-Za-z0-9_-]") -> None:
        self._allowed = allowed
        self._limit = limit
        self._unfit = re.compile(unfit)
        self._to_wire: dict[str, str] = {}
        self._to_client: dict[str, str] = {}

    def wire(self, name: str) -> str:
        if name in self._to_wire:
            return self._to_wire[name]
        fitted = name
        if not self._allowed.fullmatch(name) or len(name) > self._limit:
            fitted = self._unfit.sub("_", name)
            if not fitted or not (fitted[0].isalpha() or fitted[0] == "_"):
                fitted = f"_{fitted}"
            if len(fitted) > self._limit:
                fitted = fitted[: self._limit - 9] + "_" + secrets.token_hex(4)
        while fitted in self._to_client and self._to_client[fitted] != name:
            fitted = fitted[: self._limit - 9] + "_" + secrets.token_hex(4)
        self._to_wire[name] = fitted
        self._to_client[fitted] = name
        return fitted

    def client(self, name: str) -> str:
        return self._to_client.get(name, name)


OPENAI_TOOL_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")
GEMINI_TOOL_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.:-]{0,63}")
GEMINI_PARAMETER_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")
