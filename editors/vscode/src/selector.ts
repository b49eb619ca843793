// Which files the language server is started for: promptls's dialects (router/dialects.py), its
// settings files, and the globs a user adds in `promptls.extraGlobs`.

/** A filter both `vscode.languages.match` and the language client take. */
export type Filter = { scheme: "file"; pattern: string } | { scheme: "file"; language: string };

const MD = "{md,markdown,mdx}";

/** Glob patterns, matched against a file's full path. */
export const PROMPT_PATTERNS: readonly string[] = [
  `**/.claude/agents/**/*.${MD}`, // Claude Code agents
  `**/.claude/commands/**/*.${MD}`, // Claude Code slash commands
  "**/.claude/skills/*/SKILL.md", // Claude Code skills
  "**/*.prompt.md", // Copilot prompt files
  "**/*.agent.md", // Copilot agents
  "**/*.chatmode.md", // Copilot chat modes
  "**/*.instructions.md", // Copilot instructions (checked when their frontmatter names a model)
  "**/*.prompt", // Dotprompt
  `**/prompts/**/*.${MD}`, // generic prompts
];

export const SETTINGS_PATTERNS: readonly string[] = [
  "**/promptls.toml",
  "**/promptls.local.toml",
  "**/pyproject.toml", // [tool.promptls]
];

/** `docs/ai/*.md` matches anywhere in the workspace, like `**\/docs/ai/*.md`. */
export function normalizeGlob(glob: string): string | undefined {
  const g = glob.trim().replace(/\\/g, "/");
  if (!g) return undefined;
  if (g.startsWith("/") || g.startsWith("**") || /^[A-Za-z]:\//.test(g)) return g;
  return `**/${g.replace(/^\.\//, "")}`;
}

export function documentSelector(extraGlobs: readonly string[]): Filter[] {
  const patterns = [...PROMPT_PATTERNS, ...SETTINGS_PATTERNS];
  for (const glob of extraGlobs) {
    const g = normalizeGlob(glob);
    if (g && !patterns.includes(g)) patterns.push(g);
  }
  const filters: Filter[] = patterns.map((pattern) => ({ scheme: "file", pattern }));
  filters.push({ scheme: "file", language: "prompt" });
  return filters;
}
