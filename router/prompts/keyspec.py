"""The frontmatter keys each dialect knows: type, allowed values, bounds, and what they mean.

Each harness's table is data in `promptls.router.prompts.schemas` with the documentation page it was
taken from and the date it was checked (`sources_for`). promptls's own keys are accepted in every
dialect. The `doc` of each key is what hover and completion show.
"""

from __future__ import annotations

from functools import cache

from promptls.router.prompts.dialects import Dialect
from promptls.router.prompts.schemas import claude, copilot, skills
from promptls.router.prompts.schemas.base import DialectSchema, KeySpec, Kind, Source
from promptls.router.prompts.schemas.claude import CLAUDE_TOOLS
from promptls.router.prompts.schemas.copilot import COPILOT_TOOLS

__all__ = [
    "CLAUDE_TOOLS",
    "COPILOT_TOOLS",
    "DOTPROMPT_CONFIG_PARAMS",
    "PARAMETER_KEYS",
    "PROMPTLS_KEYS",
    "KeySpec",
    "Kind",
    "Source",
    "keys_for",
    "parameter_spec",
    "sources_for",
]


PROMPTLS_KEYS: tuple[KeySpec, ...] = (
    KeySpec(
        "model",
        Kind.MODEL,
        "The model that runs this prompt: `provider/name` "
        "(`openrouter/deepseek/deepseek-chat`, `ollama/llama3.2:3b`) or `default`.",
        promptls=True,
    ),
    KeySpec(
        "model_fallback",
        Kind.BOOLEAN,
        "When `true` and no `fallback` list is given, a failing "
        "model falls back along the default chain from settings (`[defaults] fallback`).",
        promptls=True,
    ),
    KeySpec(
        "fallback",
        Kind.MODEL_LIST,
        "Models to try, in order, when the model fails before answering (rate limit, outage, missing key).",
        promptls=True,
    ),
    KeySpec(
        "temperature",
        Kind.NUMBER,
        "Sampling temperature: 0 is most deterministic. 0–2 for most providers, 0–1 for Anthropic.",
        minimum=0,
        maximum=2,
        promptls=True,
    ),
    KeySpec(
        "top_p",
        Kind.NUMBER,
        "Nucleus sampling: only tokens within this cumulative probability.",
        minimum=0,
        maximum=1,
        promptls=True,
    ),
    KeySpec(
        "top_k",
        Kind.INTEGER,
        "Sample only from the k most likely tokens (Anthropic, Gemini, Ollama).",
        minimum=1,
        promptls=True,
    ),
    KeySpec(
        "max_tokens",
        Kind.INTEGER,
        "Most tokens the answer may have; at most the model's max output.",
        minimum=1,
        promptls=True,
    ),
    KeySpec(
        "expected_output_tokens",
        Kind.INTEGER,
        "Output tokens a typical run produces; used for "
        "the cost estimate (default: 500, capped by max_tokens).",
        minimum=0,
        promptls=True,
    ),
    KeySpec("stop", Kind.STRINGS, "Sequences that end the answer.", promptls=True),
    KeySpec(
        "seed", Kind.INTEGER, "Seed for reproducible sampling where the provider supports it.", promptls=True
    ),
    KeySpec(
        "presence_penalty",
        Kind.NUMBER,
        "Penalty for tokens already present (OpenAI-style).",
        minimum=-2,
        maximum=2,
        promptls=True,
    ),
    KeySpec(
        "frequency_penalty",
        Kind.NUMBER,
        "Penalty by token frequency (OpenAI-style).",
        minimum=-2,
        maximum=2,
        promptls=True,
    ),
    KeySpec(
        "reasoning_effort",
        Kind.STRING,
        "How hard a reasoning model thinks.",
        allowed=("minimal", "low", "medium", "high"),
        promptls=True,
    ),
    KeySpec(
        "profile",
        Kind.STRING,
        "A routing profile from settings (`[profiles.NAME]`): fast, general, code, creative, or your own.",
        promptls=True,
    ),
    KeySpec(
        "tier",
        Kind.STRING,
        "A cascade tier from settings: light, medium or heavy.",
        allowed=("light", "medium", "heavy"),
        promptls=True,
    ),
)

DOTPROMPT_SOURCE = Source(
    "Dotprompt: Prompt frontmatter", "https://google.github.io/dotprompt/reference/frontmatter", "2026-12-07"
)
GENERIC_SOURCE = Source(
    "promptls README: generic prompts (no harness reads them; these keys are the common convention)",
    "README.md",
    "2026-12-07",
)

_DIALECT_KEYS: dict[Dialect, tuple[KeySpec, ...]] = {
    Dialect.CLAUDE_AGENT: claude.AGENT.keys,
    Dialect.CLAUDE_COMMAND: claude.COMMAND.keys,
    Dialect.CLAUDE_SKILL: claude.SKILL.keys,
    Dialect.CLAUDE_RULE: claude.RULE.keys,
    Dialect.COPILOT_PROMPT: copilot.PROMPT.keys,
    Dialect.COPILOT_AGENT: copilot.AGENT.keys,
    Dialect.COPILOT_INSTRUCTIONS: copilot.INSTRUCTIONS.keys,
    Dialect.SKILL: skills.SKILL.keys,
    Dialect.DOTPROMPT: (
        KeySpec("name", Kind.STRING, "The prompt's name; the file name when omitted."),
        KeySpec("variant", Kind.STRING, "A variant of the prompt (`name.variant.prompt`)."),
        KeySpec("version", Kind.STRING, "The prompt's version."),
        KeySpec("description", Kind.STRING, "What the prompt does."),
        KeySpec(
            "model",
            Kind.MODEL,
            "The model, with a Genkit plugin prefix: `googleai/…`, "
            "`vertexai/…`, `openai/…`, or a promptls id.",
        ),
        KeySpec("tools", Kind.STRING_LIST, "Tools the model may call."),
        KeySpec(
            "config",
            Kind.MAPPING,
            "Generation settings: `temperature`, `maxOutputTokens`, `topP`, `topK`, `stopSequences`.",
        ),
        KeySpec("input", Kind.MAPPING, "Input `schema` and `default` values."),
        KeySpec("output", Kind.MAPPING, "Output `format` (`json`, `text`) and `schema`."),
        KeySpec("raw", Kind.MAPPING, "Unparsed frontmatter, passed through."),
        KeySpec("ext", Kind.MAPPING, "Extension fields by namespace."),
        KeySpec("metadata", Kind.MAPPING, "Arbitrary metadata."),
    ),
    Dialect.GENERIC: (
        KeySpec("name", Kind.STRING, "The prompt's name; the file name when omitted."),
        KeySpec("title", Kind.STRING, "A human title."),
        KeySpec("description", Kind.STRING, "What the prompt does."),
        KeySpec("version", Kind.ANY, "The prompt's version."),
        KeySpec("author", Kind.STRING, "Who wrote it."),
        KeySpec("tags", Kind.STRINGS, "Labels for finding the prompt."),
        KeySpec("tools", Kind.STRINGS, "Tools the prompt expects."),
        KeySpec("variables", Kind.ANY, "Inputs the body uses as `{{name}}`, with defaults."),
    ),
}

_DIALECT_SOURCES: dict[Dialect, tuple[Source, ...]] = {
    Dialect.CLAUDE_AGENT: claude.AGENT.sources,
    Dialect.CLAUDE_COMMAND: claude.COMMAND.sources,
    Dialect.CLAUDE_SKILL: claude.SKILL.sources,
    Dialect.CLAUDE_RULE: claude.RULE.sources,
    Dialect.COPILOT_PROMPT: copilot.PROMPT.sources,
    Dialect.COPILOT_AGENT: copilot.AGENT.sources,
    Dialect.COPILOT_INSTRUCTIONS: copilot.INSTRUCTIONS.sources,
    Dialect.SKILL: skills.SKILL.sources,
    Dialect.DOTPROMPT: (DOTPROMPT_SOURCE,),
    Dialect.GENERIC: (GENERIC_SOURCE,),
}
"""The pages each dialect's keys were read from, with the date they were checked."""

DOTPROMPT_CONFIG_PARAMS = {
    "temperature": "temperature",
    "maxOutputTokens": "max_tokens",
    "topP": "top_p",
    "topK": "top_k",
    "stopSequences": "stop",
}
"""Dotprompt `config:` keys and the promptls parameter each one is."""


def sources_for(dialect: Dialect) -> tuple[Source, ...]:
    """The documentation pages a dialect's keys come from (empty for a dialect without keys yet)."""
    if dialect is Dialect.PROMPTY:
        return _prompty().sources
    return _DIALECT_SOURCES.get(dialect, ())


@cache
def keys_for(dialect: Dialect) -> dict[str, KeySpec]:
    """The keys a dialect knows, its own first, then promptls's (a dialect's spec wins a clash)."""
    specs = {spec.name: spec for spec in PROMPTLS_KEYS}
    own = _prompty().keys if dialect is Dialect.PROMPTY else _DIALECT_KEYS[dialect]
    specs.update({spec.name: spec for spec in own})
    return specs


def _prompty() -> DialectSchema:
    """Prompty's keys, imported when a .prompty file is read (its module is large, and `check` on a
    repository without one never needs it)."""
    from promptls.router.prompts.prompty import PROMPTY

    return PROMPTY


PARAMETER_KEYS = (
    "temperature",
    "top_p",
    "top_k",
    "max_tokens",
    "stop",
    "seed",
    "presence_penalty",
    "frequency_penalty",
    "reasoning_effort",
    "expected_output_tokens",
)
"""The keys that are run parameters (settable with `--param key=value` and in settings)."""


def parameter_spec(name: str) -> KeySpec | None:
    for spec in PROMPTLS_KEYS:
        if spec.name == name and name in PARAMETER_KEYS:
            return spec
    return None
