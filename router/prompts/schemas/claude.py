"""Claude Code: sub-agents, commands (`.claude/commands`), skills (`SKILL.md`) and memory rules
(`.claude/rules`), and its tool names.

Commands take the skill frontmatter except `name` and `paths` ("Files in .claude/commands/ support the
same frontmatter, except name and paths, which Claude Code ignores in a command file"). A skill needs
no key at all: its name defaults to its folder and its description to the first paragraph.
"""

from __future__ import annotations

from promptls.router.prompts.schemas.base import DialectSchema, KeySpec, Kind, Source
from promptls.router.prompts.schemas.copilot import VSCODE_INSTRUCTIONS

_COPY = "ericbuess/claude-code-docs mirror of code.claude.com, 2026-08-22"

SUB_AGENTS = Source(
    "Claude Code: Create custom subagents (supported frontmatter fields)",
    "https://code.claude.com/docs/en/sub-agents#supported-frontmatter-fields",
    "2026-12-07",
    _COPY,
)
SKILLS = Source(
    "Claude Code: Extend Claude with skills (frontmatter reference)",
    "https://code.claude.com/docs/en/skills#frontmatter-reference",
    "2026-12-07",
    _COPY,
)
PLUGINS = Source(
    "Claude Code: Plugins reference (agents)",
    "https://code.claude.com/docs/en/plugins-reference#agents",
    "2026-12-07",
    _COPY,
)
MEMORY = Source(
    "Claude Code: Manage Claude's memory (organize rules with .claude/rules, path-specific rules)",
    "https://code.claude.com/docs/en/memory#path-specific-rules",
    "2026-12-07",
    _COPY,
)
TOOLS_REFERENCE = Source(
    "Claude Code: Tools reference",
    "https://code.claude.com/docs/en/tools-reference",
    "2026-12-07",
    _COPY,
)

CLAUDE_TOOLS = (
    "Agent",
    "Artifact",
    "AskUserQuestion",
    "Bash",
    "CronCreate",
    "CronDelete",
    "CronList",
    "Edit",
    "EndConversation",
    "EnterPlanMode",
    "EnterWorktree",
    "ExitPlanMode",
    "ExitWorktree",
    "Glob",
    "Grep",
    "ListAgents",
    "ListMcpResourcesTool",
    "LSP",
    "Monitor",
    "NotebookEdit",
    "PowerShell",
    "PushNotification",
    "Read",
    "ReadMcpResourceTool",
    "RemoteTrigger",
    "ReportFindings",
    "ScheduleWakeup",
    "SendMessage",
    "SendUserFile",
    "ShareOnboardingGuide",
    "Skill",
    "TaskCreate",
    "TaskGet",
    "TaskList",
    "TaskOutput",
    "TaskStop",
    "TaskUpdate",
    "TodoWrite",
    "ToolSearch",
    "WaitForMcpServers",
    "WebFetch",
    "WebSearch",
    "Workflow",
    "Write",
    # Older names files still carry: `Task` is the former name of `Agent` and still works; the others
    # were in earlier tool lists (and in Copilot's alias table for Claude names).
    "Task",
    "BashOutput",
    "KillShell",
    "LS",
    "MultiEdit",
    "NotebookRead",
    "SlashCommand",
)
"""The tool names of the tools reference (TOOLS_REFERENCE), then older names still met in files."""

PLUGIN_AGENT_IGNORED = ("hooks", "mcpServers", "permissionMode")
"""Sub-agent keys Claude Code ignores in an agent a plugin ships (PLUGINS: "For security reasons,
`hooks`, `mcpServers`, and `permissionMode` are not supported for plugin-shipped agents"; SUB_AGENTS:
"These fields are ignored when loading agents from a plugin"). Such an agent also loads without `name`,
under its file name (SUB_AGENTS: "A plugin subagent whose frontmatter has no `name` ... still loads")."""

_MODEL_DOC = (
    "The model: an alias (`sonnet`, `opus`, `haiku`), `inherit` for the main "
    "conversation's model, or an Anthropic model id."
)
_EFFORT = ("low", "medium", "high", "xhigh", "max")
_COLORS = ("red", "blue", "green", "yellow", "purple", "orange", "pink", "cyan")
_OLDER_COLORS = ("magenta", "white")
"""Listed by earlier versions of the sub-agents page and still used by public plugins."""

AGENT_KEYS: tuple[KeySpec, ...] = (
    KeySpec(
        "name",
        Kind.STRING,
        "Unique identifier: lowercase letters and hyphens. Without it Claude Code treats the file as "
        "documentation and skips it; a name starting with `-` or containing `:` is skipped too.",
        required=True,
    ),
    KeySpec(
        "description",
        Kind.STRING,
        "When Claude should delegate to this subagent; a file with a name but no description is skipped.",
        required=True,
    ),
    KeySpec(
        "tools",
        Kind.STRINGS,
        "Tools the subagent may use; every tool when omitted. MCP tools (`mcp__server__tool`) and "
        "`Agent(type)` patterns are allowed.",
        tools=CLAUDE_TOOLS,
    ),
    KeySpec(
        "disallowedTools",
        Kind.STRINGS,
        "Tools removed from the inherited or listed ones.",
        tools=CLAUDE_TOOLS,
    ),
    KeySpec("model", Kind.MODEL, _MODEL_DOC),
    KeySpec(
        "permissionMode",
        Kind.STRING,
        "How tool permissions are handled. `manual` is an alias of `default`; ignored for plugin agents.",
        allowed=("default", "acceptEdits", "auto", "dontAsk", "bypassPermissions", "plan", "manual"),
    ),
    KeySpec("maxTurns", Kind.INTEGER, "Most agentic turns before the subagent stops.", minimum=1),
    KeySpec("skills", Kind.STRINGS, "Skills preloaded into the subagent's context at startup."),
    KeySpec("mcpServers", Kind.ANY, "MCP servers for this subagent: names or inline definitions."),
    KeySpec("hooks", Kind.MAPPING, "Lifecycle hooks scoped to this subagent."),
    KeySpec("memory", Kind.STRING, "Persistent memory scope.", allowed=("user", "project", "local")),
    KeySpec("background", Kind.BOOLEAN, "Keep this subagent in the background."),
    KeySpec("effort", Kind.STRING, "Effort level while this subagent runs.", allowed=_EFFORT),
    KeySpec("isolation", Kind.STRING, "Run in a temporary git worktree.", allowed=("worktree",)),
    KeySpec(
        "color",
        Kind.STRING,
        "Display colour in the task list and transcript.",
        allowed=_COLORS + _OLDER_COLORS,
    ),
    KeySpec(
        "initialPrompt",
        Kind.STRING,
        "First user turn, sent when this agent runs as the main session agent (`--agent`).",
    ),
)

_DESCRIPTION_DOC = (
    "What it does and when to use it; Claude uses the first paragraph of the body when omitted."
)
_SHARED_SKILL_KEYS: tuple[KeySpec, ...] = (
    KeySpec(
        "when_to_use",
        Kind.STRING,
        "More context for when Claude should invoke it, appended to `description` in the listing.",
    ),
    KeySpec(
        "argument-hint", Kind.STRINGS, "The arguments it expects, shown in autocomplete: `[issue-number]`."
    ),
    KeySpec("arguments", Kind.STRINGS, "Named positional arguments for `$name` substitution in the body."),
    KeySpec("disable-model-invocation", Kind.FLAG, "Keep Claude from loading it on its own."),
    KeySpec("user-invocable", Kind.FLAG, "`false` hides it from the `/` menu."),
    KeySpec(
        "allowed-tools",
        Kind.STRINGS,
        "Tools Claude may use without asking during the turn that invokes it (space- or comma-separated, "
        "or a list); `Bash(git:*)` patterns and MCP tools are allowed.",
        tools=CLAUDE_TOOLS,
    ),
    KeySpec(
        "disallowed-tools",
        Kind.STRINGS,
        "Tools removed from Claude's pool while it is active.",
        tools=CLAUDE_TOOLS,
    ),
    KeySpec("model", Kind.MODEL, _MODEL_DOC),
    KeySpec("effort", Kind.STRING, "Effort level while it is active.", allowed=_EFFORT),
    KeySpec("context", Kind.STRING, "`fork` runs it in a forked subagent context.", allowed=("fork",)),
    KeySpec("agent", Kind.STRING, "The subagent type a forked (`context: fork`) run uses."),
    KeySpec("background", Kind.FLAG, "With `context: fork`: `false` waits for the forked result."),
    KeySpec("hooks", Kind.MAPPING, "Hooks registered when it is invoked."),
    KeySpec(
        "shell", Kind.STRING, "Shell for inline `!` commands in the body.", allowed=("bash", "powershell")
    ),
    KeySpec("metadata", Kind.MAPPING, "Your own key-value data; Claude Code does not act on it."),
    KeySpec("license", Kind.STRING, "Licence (Agent Skills spec); accepted, not acted on."),
    KeySpec(
        "compatibility",
        Kind.STRING,
        "Environment requirements (Agent Skills spec), at most 500 characters; accepted, not acted on.",
        max_length=500,
    ),
)

COMMAND_KEYS: tuple[KeySpec, ...] = (
    KeySpec("description", Kind.STRING, _DESCRIPTION_DOC),
    *_SHARED_SKILL_KEYS,
)

SKILL_KEYS: tuple[KeySpec, ...] = (
    KeySpec(
        "name",
        Kind.STRING,
        "Display name in skill listings; defaults to the folder name, which stays the `/` command "
        "(in a plugin skill, `name` sets the command). The Agent Skills spec wants lowercase letters, "
        "digits and hyphens, at most 64, equal to the folder.",
    ),
    # Claude decides from the description when to load a skill: Claude Code calls it recommended.
    KeySpec("description", Kind.STRING, _DESCRIPTION_DOC, recommended=True),
    *_SHARED_SKILL_KEYS,
    KeySpec("paths", Kind.STRINGS, "Globs: Claude loads the skill on its own only for matching files."),
)

AGENT = DialectSchema(AGENT_KEYS, (SUB_AGENTS, PLUGINS, TOOLS_REFERENCE))
COMMAND = DialectSchema(COMMAND_KEYS, (SKILLS, TOOLS_REFERENCE))
SKILL = DialectSchema(SKILL_KEYS, (SKILLS, TOOLS_REFERENCE))

RULE_KEYS: tuple[KeySpec, ...] = (
    KeySpec(
        "paths",
        Kind.STRINGS,
        "Globs of the files the rule is for (`src/api/**/*.ts`; brace groups such as `*.{ts,tsx}` "
        "expand): Claude Code loads the rule when it reads a matching file. Without `paths` the rule "
        "loads at launch, for every file. A pattern with a `[` that opens no bracket matches nothing.",
    ),
    # VS Code reads `.claude/rules` as instructions files too (VSCODE_INSTRUCTIONS: "VS Code uses a
    # `paths` property instead of `applyTo`"), with the instructions' `name` and `description`.
    KeySpec("name", Kind.STRING, "Name VS Code shows for the rule; Claude Code does not read it."),
    KeySpec(
        "description",
        Kind.STRING,
        "Short description VS Code shows on hover; Claude Code does not read it.",
    ),
)
"""A rule needs no frontmatter at all: without it the rule applies everywhere."""

RULE_KEYS_ELSEWHERE = {"globs": "paths", "applyTo": "paths"}
"""Other tools' keys for a rule's globs (Cursor's `globs`, an instructions file's `applyTo`), which
Claude Code ignores in a rule: the rule then loads for every file."""

RULE = DialectSchema(RULE_KEYS, (MEMORY, VSCODE_INSTRUCTIONS))
