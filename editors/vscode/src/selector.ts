// Which files the language server is started for: the core's table (router/prompts/detect.py, and
// router/plugins/manifest.py for Claude Code's plugin manifests, as generated into
// patterns.generated.ts) and the globs a user adds in `promptls.extraGlobs`.

import {
  HINT_PATTERNS,
  MANIFEST_PATTERNS,
  PROMPT_PATTERNS,
  SETTINGS_PATTERNS,
} from "./patterns.generated";

/** A filter both `vscode.languages.match` and the language client take. */
export type Filter = { scheme: "file"; pattern: string } | { scheme: "file"; language: string };

/** `docs/ai/*.md` matches anywhere in the workspace, like `**\/docs/ai/*.md`. */
export function normalizeGlob(glob: string): string | undefined {
  const g = glob.trim().replace(/\\/g, "/");
  if (!g) return undefined;
  if (g.startsWith("/") || g.startsWith("**") || /^[A-Za-z]:\//.test(g)) return g;
  return `**/${g.replace(/^\.\//, "")}`;
}

export function documentSelector(extraGlobs: readonly string[]): Filter[] {
  const patterns = [...PROMPT_PATTERNS, ...HINT_PATTERNS, ...SETTINGS_PATTERNS, ...MANIFEST_PATTERNS];
  for (const glob of extraGlobs) {
    const g = normalizeGlob(glob);
    if (g && !patterns.includes(g)) patterns.push(g);
  }
  const filters: Filter[] = patterns.map((pattern) => ({ scheme: "file", pattern }));
  filters.push({ scheme: "file", language: "prompt" });
  return filters;
}
