"""GitHub Copilot: VS Code prompt files, custom agents and instructions files, and GitHub's cloud agent.

One `.agent.md` serves VS Code and GitHub's Copilot cloud agent (`target` picks one; unset means both),
so the agent table is the union of both pages. VS Code marks a key it does not know as unused (a hint),
and GitHub ignores unknown tool names ("All unrecognized tool names are ignored").
"""

from __future__ import annotations

from promptls.router.prompts.schemas.base import DialectSchema, KeySpec, Kind, Source

_VSCODE_SOURCE = "microsoft/vscode src/vs/workbench/contrib/chat/common/promptSyntax (promptFileAttributes)"

VSCODE_AGENTS = Source(
    "VS Code: Custom agents (custom agent file structure)",
    "https://code.visualstudio.com/docs/agent-customization/custom-agents",
    "2026-12-07",
)
VSCODE_AGENT_REFERENCE = Source(
    "VS Code: Custom agent file reference",
    "https://code.visualstudio.com/docs/agents/reference/custom-agent-file-reference",
    "2026-12-07",
)
VSCODE_PROMPTS = Source(
    "VS Code: Prompt files (header)",
    "https://code.visualstudio.com/docs/agent-customization/prompt-files",
    "2026-12-07",
    _VSCODE_SOURCE,
)
VSCODE_INSTRUCTIONS = Source(
    "VS Code: Use custom instructions (instructions file format)",
    "https://code.visualstudio.com/docs/agent-customization/custom-instructions",
    "2026-12-07",
)
VSCODE_TOOLS = Source(
    "VS Code: Tools and context reference",
    "https://code.visualstudio.com/docs/agents/reference/tools-reference",
    "2026-12-07",
)
GITHUB_AGENTS = Source(
    "GitHub Docs: Custom agents configuration",
    "https://docs.github.com/en/copilot/reference/custom-agents-configuration",
    "2026-12-07",
)

CLOUD_AGENT_PROMPT_LIMIT = 30_000
"""GitHub: "The prompt can be a maximum of 30,000 characters" (the body of an agent profile)."""

COPILOT_TOOLS = (
    # VS Code's tool sets and tools (VSCODE_TOOLS).
    "read",
    "read/readFile",
    "read/problems",
    "read/getNotebookSummary",
    "read/readNotebookCellOutput",
    "read/terminalLastCommand",
    "read/terminalSelection",
    "search",
    "search/changes",
    "search/codebase",
    "search/fileSearch",
    "search/listDirectory",
    "search/textSearch",
    "search/usages",
    "edit",
    "edit/createDirectory",
    "edit/createFile",
    "edit/editFiles",
    "edit/editNotebook",
    "execute",
    "execute/createAndRunTask",
    "execute/getTerminalOutput",
    "execute/runInTerminal",
    "execute/testFailure",
    "execute/runNotebookCell",
    "browser",
    "web",
    "web/fetch",
    "githubRepo",
    "githubTextSearch",
    "agent",
    "agent/runSubagent",
    "todos",
    "vscode/askQuestions",
    "newWorkspace",
    "vscode/extensions",
    "vscode/getProjectSetupInfo",
    "vscode/installExtension",
    "vscode/runCommand",
    "vscode/VSCodeAPI",
    # GitHub's tool aliases (GITHUB_AGENTS, "Tool aliases"; case-insensitive), Claude Code's names among them.
    "shell",
    "powershell",
    "custom-agent",
    "todo",
    "Bash",
    "Read",
    "NotebookRead",
    "Edit",
    "MultiEdit",
    "Write",
    "NotebookEdit",
    "Grep",
    "Glob",
    "Task",
    "WebSearch",
    "WebFetch",
    "TodoWrite",
    # The names before VS Code grouped its tools into sets, which it still maps to the new ones.
    "changes",
    "codebase",
    "editFiles",
    "extensions",
    "fetch",
    "findTestFiles",
    "new",
    "openSimpleBrowser",
    "problems",
    "runCommands",
    "runNotebooks",
    "runTasks",
    "runTests",
    "searchResults",
    "terminalLastCommand",
    "terminalSelection",
    "testFailure",
    "usages",
    "vscodeAPI",
)
"""Tool and tool-set names Copilot knows; MCP tools (`server/tool`, `server/*`) and extension tools
(`publisher.extension/tool`) come on top."""

TOOL_SETS = ("read", "search", "edit", "execute", "web", "agent", "vscode", "browser")
"""Built-in prefixes: `search/codebse` is a near-miss; `myserver/tool` is an MCP tool."""

_MODEL_DOC = (
    "The language model, by the name Copilot's model picker shows (`GPT-5.2`, `Claude Sonnet 4.5`), "
    "or a list tried in order."
)

PROMPT_KEYS: tuple[KeySpec, ...] = (
    KeySpec("description", Kind.STRING, "What the prompt does and when to use it."),
    KeySpec("name", Kind.STRING, "The name typed after `/` in chat; the file name when omitted."),
    KeySpec("argument-hint", Kind.STRINGS, "Hint text shown in the chat input."),
    KeySpec(
        "agent",
        Kind.STRING,
        "The agent that runs the prompt: `ask`, `edit`, `agent`, `plan` or a custom agent's name.",
    ),
    KeySpec(
        "mode",
        Kind.STRING,
        "Deprecated: use `agent`.",
        replaced_by="agent",
        allowed=("ask", "edit", "agent"),
    ),
    KeySpec("model", Kind.MODELS, _MODEL_DOC),
    KeySpec(
        "tools",
        Kind.STRING_LIST,
        "Tools or tool sets available to the prompt; MCP tools (`server/*`) and extension tools too.",
        tools=COPILOT_TOOLS,
    ),
)

AGENT_KEYS: tuple[KeySpec, ...] = (
    KeySpec(
        "description",
        Kind.STRING,
        "What the agent does, shown as placeholder text in chat; required by GitHub's cloud agent.",
    ),
    KeySpec("name", Kind.STRING, "The agent's name; the file name when omitted."),
    KeySpec("argument-hint", Kind.STRINGS, "Hint text shown in the chat input (VS Code only)."),
    KeySpec(
        "tools",
        Kind.STRINGS,
        "Tools or tool sets the agent can use, as a list or a comma-separated string; `server/*` for "
        "all tools of an MCP server; all tools when omitted.",
        tools=COPILOT_TOOLS,
    ),
    KeySpec(
        "agents",
        Kind.STRINGS,
        "Agents this agent may use as subagents: `*` for all, `[]` for none (VS Code).",
    ),
    KeySpec("model", Kind.MODELS, _MODEL_DOC),
    KeySpec(
        "user-invocable",
        Kind.BOOLEAN,
        "`false` hides the agent from the agents list: it runs only as a subagent or programmatically.",
    ),
    KeySpec(
        "disable-model-invocation",
        Kind.BOOLEAN,
        "`true` keeps other agents (and the cloud agent) from invoking it on their own.",
    ),
    KeySpec(
        "infer",
        Kind.BOOLEAN,
        "Deprecated: use `user-invocable` and `disable-model-invocation`.",
        deprecated="use `user-invocable` and `disable-model-invocation` (`infer: false` hid the agent "
        "from the picker and from subagent use)",
        # VS Code: "infer: true (the default) made the agent both visible in the picker and available as
        # a subagent. infer: false hid it from both."
        rewrites=((True, ""), (False, "user-invocable: false\ndisable-model-invocation: true\n")),
    ),
    KeySpec(
        "user-invokable",
        Kind.BOOLEAN,
        "The old spelling of `user-invocable`.",
        replaced_by="user-invocable",
    ),
    KeySpec(
        "target",
        Kind.STRING,
        "Where the agent is used; both when omitted.",
        allowed=("vscode", "github-copilot"),
    ),
    KeySpec("mcp-servers", Kind.ANY, "MCP servers for GitHub's cloud agent (ignored by VS Code)."),
    KeySpec("metadata", Kind.MAPPING, "Name-value string pairs annotating the agent (GitHub only)."),
    KeySpec("handoffs", Kind.ANY, "Suggested next agents, with a prompt to send (VS Code)."),
    KeySpec("hooks", Kind.MAPPING, "Hooks that run while this agent is active (VS Code, preview)."),
    KeySpec("github", Kind.MAPPING, "GitHub-specific configuration such as token permissions."),
    KeySpec("advancedOptions", Kind.MAPPING, "Advanced options VS Code reads (not recommended)."),
)

INSTRUCTIONS_KEYS: tuple[KeySpec, ...] = (
    KeySpec("name", Kind.STRING, "Name shown in the UI; the file name when omitted."),
    KeySpec("description", Kind.STRING, "Short description; VS Code also matches it to the task at hand."),
    KeySpec(
        "applyTo",
        Kind.STRING,
        "Glob patterns (comma-separated) of the files the instructions apply to; `**` for all. "
        "Without it the file is only attached by hand or by its description.",
    ),
    KeySpec(
        "excludeAgent",
        Kind.STRINGS,
        "Agents that must not read this file, e.g. `code-review` (GitHub code review).",
    ),
)

CLOUD_AGENT_KEYS = frozenset(
    (
        "name",
        "description",
        "target",
        "tools",
        "model",
        "disable-model-invocation",
        "user-invocable",
        "infer",
        "mcp-servers",
        "metadata",
        "github",
    )
)
"""The keys GitHub's cloud agent reads (GITHUB_AGENTS; `github` from VS Code's list for that target):
with `target: github-copilot` the others (`argument-hint`, `handoffs`, ...) are ignored."""

GITHUB_ONLY_KEYS = frozenset(("mcp-servers", "metadata"))
"""GitHub: "Not used in VS Code and other IDE custom agents": ignored with `target: vscode`."""

PROMPT = DialectSchema(PROMPT_KEYS, (VSCODE_PROMPTS, VSCODE_TOOLS))
AGENT = DialectSchema(AGENT_KEYS, (VSCODE_AGENTS, VSCODE_AGENT_REFERENCE, GITHUB_AGENTS, VSCODE_TOOLS))
INSTRUCTIONS = DialectSchema(INSTRUCTIONS_KEYS, (VSCODE_INSTRUCTIONS,))
