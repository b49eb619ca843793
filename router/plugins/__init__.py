"""Claude Code plugins and marketplaces: their manifests read into typed data with source spans, the
prompt files a plugin holds, and the checks Claude Code's installer and `claude plugin validate` make.

Sources, checked 2026-12-07:
- Plugins reference, https://code.claude.com/docs/en/plugins-reference ("Plugin manifest schema",
  "Component path fields", "Path behavior rules", "File locations reference");
- Plugin marketplaces, https://code.claude.com/docs/en/plugin-marketplaces, and the marketplace reference,
  https://code.claude.com/docs/en/plugins/marketplace-reference ("Plugin entries", "Relative paths",
  "metadata.pluginRoot", "Strict mode", "Marketplace validation errors").

Only Claude Code's format is read here: `.claude-plugin/plugin.json` and `.claude-plugin/marketplace.json`.
GitHub Copilot's `.github/plugin/marketplace.json` (the Agent Plugins format, whose plugins keep their
component lists under `extensions`) is another schema and is left alone.
"""
