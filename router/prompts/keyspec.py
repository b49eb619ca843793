"""The frontmatter keys each dialect knows: type, allowed values, bounds, and what they mean.

Taken from each tool's documentation (Claude Code subagents, slash commands and skills; VS Code Copilot
prompt and agent files; Dotprompt). promptls's own keys are accepted in every dialect. The `doc` of
each key is what hover and completion show.
"""

from __future__ import annotations

from enum import StrEnum
from functools import cache
from typing import NamedTuple

from promptls.router.prompts.dialects import Dialect


class Kind(StrEnum):
    STRING = "string"
    BOOLEAN = "boolean"
    INTEGER = "integer"
    NUMBER = "number"
    STRINGS = "list of strings or a comma-separated string"
    STRING_LIST = "list of strings"
    MAPPING = "mapping"
    ANY = "any value"
    MODEL = "model id"
    MODELS = "model id or list of model ids"
    MODEL_LIST = "list of model ids"


class KeySpec(NamedTuple):
    name: str
    kind: Kind
    doc: str
    allowed: tuple[str, ...] = ()
    required: bool = False
    minimum: float | None = None
    maximum: float | None = None
    replaced_by: str | None = None
    promptls: bool = False
    """A promptls key (run parameters, fallback), accepted in every dialect."""


CLAUDE_TOOLS = (
    "Agent",
    "Bash",
    "BashOutput",
    "Edit",
    "ExitPlanMode",
    "Glob",
    "Grep",
    "KillShell",
    "LS",
    "MultiEdit",
    "NotebookEdit",
    "NotebookRead",
    "Read",
    "SlashCommand",
    "Skill",
    "Task",
    "TodoWrite",
    "WebFetch",
    "WebSearch",
    "Write",
)
COPILOT_TOOLS = (
    "changes",
    "codebase",
    "editFiles",
    "extensions",
    "fetch",
    "findTestFiles",
    "githubRepo",
    "new",
    "openSimpleBrowser",
    "problems",
    "runCommands",
    "runNotebooks",
    "runTasks",
    "runTests",
    "search",
    "searchResults",
    "terminalLastCommand",
    "terminalSelection",
    "testFailure",
    "usages",
    "vscodeAPI",
)

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

_CLAUDE_MODEL_DOC = (
    "The model: an alias (`sonnet`, `opus`, `haiku`), `inherit` for the main "
    "conversation's model, or an Anthropic model id."
)

_DIALECT_KEYS: dict[Dialect, tuple[KeySpec, ...]] = {
    Dialect.CLAUDE_AGENT: (
        KeySpec("name", Kind.STRING, "Unique identifier: lowercase letters and hyphens.", required=True),
        KeySpec("description", Kind.STRING, "When Claude should delegate to this subagent.", required=True),
        KeySpec(
            "tools", Kind.STRINGS, "Tools the subagent may use; all tools when omitted.", allowed=CLAUDE_TOOLS
        ),
        KeySpec(
            "disallowedTools",
            Kind.STRINGS,
            "Tools removed from the inherited or listed ones.",
            allowed=CLAUDE_TOOLS,
        ),
        KeySpec("model", Kind.MODEL, _CLAUDE_MODEL_DOC),
        KeySpec(
            "permissionMode",
            Kind.STRING,
            "How tool permissions are handled.",
            allowed=("default", "acceptEdits", "dontAsk", "bypassPermissions", "plan"),
        ),
        KeySpec("maxTurns", Kind.INTEGER, "Most agentic turns before the subagent stops.", minimum=1),
        KeySpec("skills", Kind.STRINGS, "Skills preloaded into the subagent's context."),
        KeySpec("mcpServers", Kind.ANY, "MCP servers for this subagent."),
        KeySpec("hooks", Kind.MAPPING, "Lifecycle hooks scoped to this subagent."),
        KeySpec("memory", Kind.STRING, "Persistent memory scope.", allowed=("user", "project", "local")),
        KeySpec("background", Kind.BOOLEAN, "Always run as a background task."),
        KeySpec("isolation", Kind.STRING, "Run in a temporary git worktree.", allowed=("worktree",)),
        KeySpec(
            "color",
            Kind.STRING,
            "Display colour in the terminal.",
            allowed=(
                "red",
                "blue",
                "green",
                "yellow",
                "purple",
                "orange",
                "pink",
                "cyan",
                "magenta",
                "white",
            ),
        ),
    ),
    Dialect.CLAUDE_COMMAND: (
        KeySpec("description", Kind.STRING, "What the command does (shown in `/help`)."),
        KeySpec(
            "allowed-tools", Kind.STRINGS, "Tools the command may use without asking.", allowed=CLAUDE_TOOLS
        ),
        KeySpec("argument-hint", Kind.STRINGS, "The arguments the command expects, e.g. `[pr-number]`."),
        KeySpec("model", Kind.MODEL, _CLAUDE_MODEL_DOC),
        KeySpec(
            "disable-model-invocation", Kind.BOOLEAN, "Keep Claude from running this command on its own."
        ),
    ),
    Dialect.CLAUDE_SKILL: (
        KeySpec(
            "name", Kind.STRING, "The skill's name: lowercase letters, digits and hyphens.", required=True
        ),
        KeySpec(
            "description", Kind.STRING, "What the skill does and when Claude should use it.", required=True
        ),
        KeySpec(
            "allowed-tools", Kind.STRINGS, "Tools the skill may use without asking.", allowed=CLAUDE_TOOLS
        ),
        KeySpec("model", Kind.MODEL, _CLAUDE_MODEL_DOC),
        KeySpec("license", Kind.STRING, "The skill's licence."),
        KeySpec("metadata", Kind.MAPPING, "Free-form metadata."),
        KeySpec("argument-hint", Kind.STRINGS, "The arguments the skill expects."),
        KeySpec("disable-model-invocation", Kind.BOOLEAN, "Keep Claude from loading this skill on its own."),
        KeySpec("user-invocable", Kind.BOOLEAN, "Whether the skill shows in the `/` menu."),
        KeySpec("context", Kind.STRING, "Run the skill in a forked subagent context.", allowed=("fork",)),
        KeySpec("agent", Kind.STRING, "The subagent type a forked skill runs in."),
        KeySpec("hooks", Kind.MAPPING, "Lifecycle hooks scoped to this skill."),
    ),
    Dialect.COPILOT_PROMPT: (
        KeySpec("description", Kind.STRING, "A short description of the prompt."),
        KeySpec("name", Kind.STRING, "The name typed after `/` in chat; the file name when omitted."),
        KeySpec("argument-hint", Kind.STRINGS, "Hint text shown in the chat input."),
        KeySpec(
            "agent",
            Kind.STRING,
            "The agent that runs the prompt: `ask`, `edit`, `agent` or a custom agent's name.",
        ),
        KeySpec(
            "mode",
            Kind.STRING,
            "Deprecated: use `agent`.",
            replaced_by="agent",
            allowed=("ask", "edit", "agent"),
        ),
        KeySpec(
            "model",
            Kind.MODELS,
            "The language model, by the name Copilot's model picker shows "
            "(`GPT-4o`, `Claude Sonnet 4`), or a list tried in order.",
        ),
        KeySpec(
            "tools", Kind.STRING_LIST, "Tools or tool sets available to the prompt.", allowed=COPILOT_TOOLS
        ),
    ),
    Dialect.COPILOT_AGENT: (
        KeySpec("description", Kind.STRING, "A short description, shown as placeholder text in chat."),
        KeySpec("name", Kind.STRING, "The agent's name; the file name when omitted."),
        KeySpec("argument-hint", Kind.STRINGS, "Hint text shown in the chat input."),
        KeySpec("tools", Kind.STRING_LIST, "Tools or tool sets the agent can use.", allowed=COPILOT_TOOLS),
        KeySpec(
            "model",
            Kind.MODELS,
            "The language model, by the name Copilot's model picker shows, or a list tried in order.",
        ),
        KeySpec("target", Kind.STRING, "Where the agent is used.", allowed=("vscode", "github-copilot")),
        KeySpec("handoffs", Kind.ANY, "Suggested next agents, with a prompt to send."),
        KeySpec("mcp-servers", Kind.ANY, "MCP servers for this agent."),
        KeySpec("infer", Kind.BOOLEAN, "Allow the agent to be used as a subagent."),
        KeySpec("user-invokable", Kind.BOOLEAN, "Whether the agent shows in the agents list."),
        KeySpec("disable-model-invocation", Kind.BOOLEAN, "Keep other agents from invoking it."),
        KeySpec("agents", Kind.STRING_LIST, "Agents this agent may use as subagents."),
    ),
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
    # Filled in by the schema and Prompty work of issue 12.
    Dialect.COPILOT_INSTRUCTIONS: (),
    Dialect.SKILL: (),
    Dialect.PROMPTY: (),
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

DOTPROMPT_CONFIG_PARAMS = {
    "temperature": "temperature",
    "maxOutputTokens": "max_tokens",
    "topP": "top_p",
    "topK": "top_k",
    "stopSequences": "stop",
}
"""Dotprompt `config:` keys and the promptls parameter each one is."""


@cache
def keys_for(dialect: Dialect) -> dict[str, KeySpec]:
    """The keys a dialect knows, its own first, then promptls's (a dialect's spec wins a clash)."""
    specs = {spec.name: spec for spec in PROMPTLS_KEYS}
    specs.update({spec.name: spec for spec in _DIALECT_KEYS[dialect]})
    return specs


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
