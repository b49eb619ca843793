"""Rules for Claude Code plugin manifests (`.claude-plugin/plugin.json`) and marketplaces
(`.claude-plugin/marketplace.json`): what Claude Code's installer and `claude plugin validate` reject.

Sources, checked 2026-12-07: the Plugins reference (https://code.claude.com/docs/en/plugins-reference)
and the Plugin marketplaces pages (https://code.claude.com/docs/en/plugin-marketplaces,
https://code.claude.com/docs/en/plugins/marketplace-reference, "Marketplace validation errors").
"""

from __future__ import annotations

from promptls.router.base.findings import Severity
from promptls.router.rules.registry import Rule


class InvalidManifest(Rule):
    """A plugin or marketplace manifest is not valid JSON, or not a JSON object.

    ## Why it matters
    Claude Code reports a corrupt manifest and loads nothing from it: a broken `plugin.json` leaves the
    plugin out, a broken `marketplace.json` every plugin of the marketplace.

    ## How to fix
    Fix the JSON at the line shown: a missing or extra comma, an unquoted key or string, a comment
    (JSON has none) are the usual causes.
    """

    code = "PLS501"
    name = "invalid-manifest"
    severity = Severity.ERROR


class InvalidManifestField(Rule):
    """A manifest lacks a required field, or a field has the wrong type.

    A plugin's `plugin.json` needs a `name`; a marketplace needs `name`, `owner` (with its `name`) and
    `plugins`, and each plugin entry a `name` and a `source`. Strings must be strings, path lists a
    string or an array of strings.

    ## Why it matters
    Claude Code refuses such a manifest ("Validation errors: name: Invalid input: expected string,
    received undefined"): the plugin, or the marketplace, does not load.

    ## How to fix
    Add the field the message names, or write it with the type it names.
    """

    code = "PLS502"
    name = "invalid-manifest-field"
    severity = Severity.ERROR


class PluginNameNotKebabCase(Rule):
    """A plugin's name is not kebab-case (lower-case letters, digits and hyphens).

    ## Why it matters
    The name is how users install and address the plugin (`/plugin install name@marketplace`,
    `name:agent`). `claude plugin validate` warns about it, and the claude.ai marketplace sync rejects
    such a plugin even though Claude Code loads it.

    ## How to fix
    Rename the plugin to lower-case words joined by hyphens, e.g. `code-review`.
    """

    code = "PLS503"
    name = "plugin-name-not-kebab-case"
    severity = Severity.WARNING


class VersionNotSemver(Rule):
    """A plugin's `version` is not a semantic version (`MAJOR.MINOR.PATCH`).

    ## Why it matters
    The documentation defines `version` as a semantic version; Claude Code compares it to decide
    whether an update is available, and other plugins' dependency ranges (`~2.1.0`) are matched
    against it, which a version such as `1.0` or `v2` never satisfies.

    ## How to fix
    Write three numbers, e.g. `1.0.0`, optionally with a pre-release or build suffix (`1.0.0-beta.1`).
    """

    code = "PLS504"
    name = "version-not-semver"
    severity = Severity.WARNING


class InvalidComponentPath(Rule):
    """A path in a manifest's `agents`, `commands` or `skills` list has a form Claude Code rejects.

    Paths are relative to the plugin root and start with `./` (`skills` also takes `.`); they may not
    climb out of it with `..`. An `agents` entry must be an `.md` file: a folder there is rejected
    ("agents: Invalid input: must end with \".md\""). A `commands` entry is an `.md` file or a folder;
    a `skills` entry a folder.

    ## Why it matters
    Claude Code refuses the whole manifest: the plugin cannot be installed, and none of its agents,
    commands or skills load.

    ## How to fix
    Write the path as `./folder/file.md`; list each agent file of a folder (or drop `agents` and keep
    the files in the default `agents/` folder, which is read without being listed).
    """

    code = "PLS505"
    name = "invalid-component-path"
    severity = Severity.ERROR


class MissingComponentPath(Rule):
    """A path in a manifest's `agents`, `commands` or `skills` list names nothing that exists.

    ## Why it matters
    The agent, command or skill the manifest promises never loads (Claude Code warns "No commands
    found in plugin ... custom directory" and goes on without it).

    ## How to fix
    Correct the path (relative to the plugin root, where `.claude-plugin/` lies) or remove the entry.
    """

    code = "PLS506"
    name = "missing-component-path"
    severity = Severity.ERROR


class InvalidPluginSource(Rule):
    """A marketplace entry's `source` path is invalid or names no folder.

    A relative source starts with `./` and resolves from the marketplace root (the folder holding
    `.claude-plugin/`), or is a bare folder name under `metadata.pluginRoot`; it may not contain `..`.

    ## Why it matters
    Installing the plugin fails ("Plugin directory not found at path", or `plugins[0].source: Path
    contains ".."` from `claude plugin validate`).

    ## How to fix
    Point the source at the plugin's folder, e.g. `./plugins/my-plugin`.
    """

    code = "PLS507"
    name = "invalid-plugin-source"
    severity = Severity.ERROR


class UnlistedPlugin(Rule):
    """A folder under the marketplace's plugin folder holds a plugin the marketplace does not list.

    ## Why it matters
    Users of the marketplace cannot find or install it: a plugin added to the repository but never
    registered in `marketplace.json` is invisible.

    ## How to fix
    Add an entry for it to `plugins` (`name` and `source`), or move it out of the plugin folder.
    """

    code = "PLS508"
    name = "unlisted-plugin"
    severity = Severity.WARNING


class DuplicatePluginName(Rule):
    """Two entries of a marketplace have the same plugin name.

    ## Why it matters
    `claude plugin validate` rejects the marketplace ("Duplicate plugin name found in marketplace"),
    and `/plugin install name@marketplace` could only ever reach one of them.

    ## How to fix
    Give each entry its own `name`, or remove the duplicate entry.
    """

    code = "PLS509"
    name = "duplicate-plugin-name"
    severity = Severity.ERROR
