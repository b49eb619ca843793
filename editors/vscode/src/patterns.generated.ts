// GENERATED from router/prompts/detect.py by `python scripts/editor_patterns.py`: do not edit.
// tests/test_editor_patterns.py fails when this file is stale.
//
// These globs decide when VS Code starts the language server and hands it a file; the server
// decides what the file is. A glob cannot read a file's text, so the server alone decides these:
//   - generic: markdown with frontmatter under a prompts/ folder
//   - generic: any file whose frontmatter names a model
// For them VS Code starts at HINT_PATTERNS; elsewhere, add globs to `promptls.extraGlobs`.
// VS Code may match names case-sensitively where the server accepts any case (`Skill.md`).

/** Files whose path alone makes them prompt files. */
export const PROMPT_PATTERNS: readonly string[] = [
  "**/*.prompt", // dotprompt: Dotprompt
  "**/*.prompt.md", // copilot-prompt: Copilot prompt files
  "**/*.agent.md", // copilot-agent: Copilot custom agents
  "**/*.chatmode.md", // copilot-agent: Copilot chat modes (agents' former name)
  "**/*.instructions.md", // copilot-instructions: Copilot instructions files
  "**/*.prompty", // prompty: Prompty
  "**/.github/agents/*.md", // copilot-agent: Copilot agent profiles (any .md in .github/agents)
  "**/.copilot/agents/*.md", // copilot-agent: Copilot personal agents (~/.copilot/agents)
  "**/.claude/agents/**/*.{md,markdown,mdx}", // claude-agent: Claude Code agents
  "**/.claude/commands/**/*.{md,markdown,mdx}", // claude-command: Claude Code slash commands
  "**/.claude/skills/*/SKILL.md", // claude-skill: Claude Code skills
  "**/.claude/rules/**/*.md", // claude-rule: Claude Code rules (memory)
  "**/.github/skills/*/SKILL.md", // skill: Agent Skills (Copilot)
  "**/.agents/skills/*/SKILL.md", // skill: Agent Skills
  "**/.copilot/skills/*/SKILL.md", // skill: Agent Skills (Copilot, personal)
];

/** Where prompts that their text decides are usually kept (the server reads the text). */
export const HINT_PATTERNS: readonly string[] = [
  "**/prompts/**/*.{md,markdown,mdx}", // generic: markdown under a prompts/ folder
];

/** promptls settings files. */
export const SETTINGS_PATTERNS: readonly string[] = [
  "**/promptls.toml", // project settings
  "**/promptls.local.toml", // personal project settings (git-ignored)
  "**/pyproject.toml", // project settings in [tool.promptls]
];

/** Claude Code's plugin manifests (checked as JSON). */
export const MANIFEST_PATTERNS: readonly string[] = [
  "**/.claude-plugin/plugin.json", // Claude Code plugin manifests
  "**/.claude-plugin/marketplace.json", // Claude Code plugin marketplaces
];
