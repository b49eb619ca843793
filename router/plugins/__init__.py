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

from __future__ import annotations

import os

# The names, kept here so that asking "is this a manifest?" does not import the JSON reader.
MANIFEST_FOLDER = ".claude-plugin"
PLUGIN_FILE = "plugin.json"
MARKETPLACE_FILE = "marketplace.json"

MAX_MANIFEST_BYTES = 1024 * 1024
"""The largest manifest promptls reads. Real ones are a few kilobytes; the largest public marketplace
lists (a hundred plugins and more) are some 100 KB."""


def manifest_kind(path: str) -> str | None:
    """`plugin.json` or `marketplace.json` when the file at `path` is one of Claude Code's manifests by
    where it lies (in a `.claude-plugin` folder); else None."""
    folder, name = os.path.split(path)
    if name in (PLUGIN_FILE, MARKETPLACE_FILE) and os.path.basename(folder) == MANIFEST_FOLDER:
        return name
    return None
