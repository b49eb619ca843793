-- GENERATED from router/prompts/detect.py by `python scripts/editor_patterns.py`: do not edit.
-- tests/test_editor_patterns.py fails when this file is stale.
--
-- The core's table of prompt files and settings files, read by require("promptls").kind().
-- A row: dialect; suffixes, lower-case endings of the file name (with no name either: any file);
-- name, the whole file name, compared in lower case (settings: exactly); folder, the folders
-- above the file, outermost first; depth, the folders between `folder` and the file (nil: any
-- number); needs, what the text must show ("model-key": a top-level frontmatter key `model`, or
-- one edit away from it and not in `model_lookalikes`, plain, quoted or in a flow mapping;
-- "frontmatter": a first line `---`; "promptls-table": a [tool.promptls] table). A row naming
-- the file alone beats folder rows; among folder rows the nearest folder wins. `hints` are where
-- prompts that their text decides are usually kept: the plugin attaches there before the text
-- shows it (the server decides). `manifests`: Claude Code's plugin manifests, a file `name` right
-- in a `folder` (both compared exactly), which the server checks as JSON.
return {
  model_lookalikes = { "modal", "mode", "models", "modem", "modes", "morel", "motel", "yodel" },
  prompts = {
    { dialect = "dotprompt", suffixes = { ".prompt" }, what = "Dotprompt" },
    { dialect = "copilot-prompt", suffixes = { ".prompt.md" }, what = "Copilot prompt files" },
    { dialect = "copilot-agent", suffixes = { ".agent.md" }, what = "Copilot custom agents" },
    {
      dialect = "copilot-agent",
      suffixes = { ".chatmode.md" },
      what = "Copilot chat modes (agents' former name)",
    },
    {
      dialect = "copilot-instructions",
      suffixes = { ".instructions.md" },
      what = "Copilot instructions files",
    },
    { dialect = "prompty", suffixes = { ".prompty" }, what = "Prompty" },
    {
      dialect = "copilot-agent",
      suffixes = { ".md" },
      folder = { ".github", "agents" },
      depth = 0,
      what = "Copilot agent profiles (any .md in .github/agents)",
    },
    {
      dialect = "copilot-agent",
      suffixes = { ".md" },
      folder = { ".copilot", "agents" },
      depth = 0,
      what = "Copilot personal agents (~/.copilot/agents)",
    },
    {
      dialect = "claude-agent",
      suffixes = { ".md", ".markdown", ".mdx" },
      folder = { ".claude", "agents" },
      what = "Claude Code agents",
    },
    {
      dialect = "claude-command",
      suffixes = { ".md", ".markdown", ".mdx" },
      folder = { ".claude", "commands" },
      what = "Claude Code slash commands",
    },
    {
      dialect = "claude-skill",
      folder = { ".claude", "skills" },
      depth = 1,
      name = "SKILL.md",
      what = "Claude Code skills",
    },
    {
      dialect = "claude-rule",
      suffixes = { ".md" },
      folder = { ".claude", "rules" },
      what = "Claude Code rules (memory)",
    },
    {
      dialect = "skill",
      folder = { ".github", "skills" },
      depth = 1,
      name = "SKILL.md",
      what = "Agent Skills (Copilot)",
    },
    {
      dialect = "skill",
      folder = { ".agents", "skills" },
      depth = 1,
      name = "SKILL.md",
      what = "Agent Skills",
    },
    {
      dialect = "skill",
      folder = { ".copilot", "skills" },
      depth = 1,
      name = "SKILL.md",
      what = "Agent Skills (Copilot, personal)",
    },
    {
      dialect = "generic",
      suffixes = { ".md", ".markdown", ".mdx" },
      folder = { "prompts" },
      needs = "frontmatter",
      what = "markdown with frontmatter under a prompts/ folder",
    },
    { dialect = "generic", needs = "model-key", what = "any file whose frontmatter names a model" },
  },
  hints = {
    {
      dialect = "generic",
      suffixes = { ".md", ".markdown", ".mdx" },
      folder = { "prompts" },
      needs = "frontmatter",
      what = "markdown under a prompts/ folder",
    },
  },
  settings = {
    { name = "promptls.toml", what = "project settings" },
    { name = "promptls.local.toml", what = "personal project settings (git-ignored)" },
    { name = "pyproject.toml", needs = "promptls-table", what = "project settings in [tool.promptls]" },
  },
  manifests = {
    { folder = ".claude-plugin", name = "plugin.json", what = "Claude Code plugin manifests" },
    { folder = ".claude-plugin", name = "marketplace.json", what = "Claude Code plugin marketplaces" },
  },
}
