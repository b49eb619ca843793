#!/usr/bin/env python3
"""Write the editors' file patterns from the core's table (router/prompts/detect.py).

    python scripts/editor_patterns.py          # rewrite the generated files
    python scripts/editor_patterns.py --check  # exit 1, naming them, when any is stale

Writes editors/vscode/src/patterns.generated.ts (globs for the language client's document
selector), the `workspaceContains:` activation events in editors/vscode/package.json, and
editors/nvim/lua/promptls/patterns.lua (the table itself, which the Neovim plugin reads). Claude Code's
plugin and marketplace manifests come from router/plugins/manifest.py (`manifest_kind`'s names).
tests/test_editor_patterns.py fails when the committed files differ from what this writes.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from promptls.router.plugins import MANIFEST_FOLDER, MARKETPLACE_FILE, PLUGIN_FILE
from promptls.router.prompts.detect import (
    EDITOR_HINTS,
    MODEL_LOOKALIKES,
    PROMPT_RULES,
    SETTINGS_FILES,
    Needs,
    PromptRule,
    SettingsRule,
)

MANIFESTS: tuple[tuple[str, str, str], ...] = (
    (MANIFEST_FOLDER, PLUGIN_FILE, "Claude Code plugin manifests"),
    (MANIFEST_FOLDER, MARKETPLACE_FILE, "Claude Code plugin marketplaces"),
)
"""(folder, file name, what): the manifests the server checks, named by where they lie, exactly."""

ROOT = Path(__file__).resolve().parent.parent
TYPESCRIPT = ROOT / "editors" / "vscode" / "src" / "patterns.generated.ts"
PACKAGE_JSON = ROOT / "editors" / "vscode" / "package.json"
LUA = ROOT / "editors" / "nvim" / "lua" / "promptls" / "patterns.lua"
COMMAND = "python scripts/editor_patterns.py"
LUA_WIDTH = 110  # editors/nvim/.stylua.toml's column_width: the generated file is as stylua leaves it


def vscode_glob(rule: PromptRule) -> str | None:
    """The rule's path as a VS Code glob, or None when it names no file (only its text decides)."""
    if rule.name:
        name = rule.name
    elif len(rule.suffixes) == 1:
        name = f"*{rule.suffixes[0]}"
    elif rule.suffixes and all(s.startswith(".") and "." not in s[1:] for s in rule.suffixes):
        name = "*.{" + ",".join(s[1:] for s in rule.suffixes) + "}"
    else:
        return None
    if not rule.folder:
        return f"**/{name}"
    between = "**/" if rule.depth is None else "*/" * rule.depth
    return "**/" + "/".join(rule.folder) + "/" + between + name


def settings_glob(rule: SettingsRule) -> str:
    return f"**/{rule.name}"


def manifest_glob(folder: str, name: str) -> str:
    return f"**/{folder}/{name}"


def _note(rule: PromptRule | SettingsRule) -> str:
    return rule.what if isinstance(rule, SettingsRule) else f"{rule.dialect}: {rule.what}"


def _ts_list(name: str, doc: str, rows: list[tuple[str, str]]) -> list[str]:
    lines = [f"/** {doc} */", f"export const {name}: readonly string[] = ["]
    lines += [f"  {json.dumps(glob)}, // {note}" for glob, note in rows]
    return [*lines, "];", ""]


def render_typescript() -> str:
    """editors/vscode/src/patterns.generated.ts."""
    prompts = [(g, _note(r)) for r in PROMPT_RULES if r.needs is Needs.NOTHING and (g := vscode_glob(r))]
    hints = [(g, _note(r)) for r in EDITOR_HINTS if (g := vscode_glob(r))]
    settings = [(settings_glob(r), _note(r)) for r in SETTINGS_FILES]
    manifests = [(manifest_glob(folder, name), what) for folder, name, what in MANIFESTS]
    by_text = [r for r in PROMPT_RULES if r.needs is not Needs.NOTHING]
    lines = [
        f"// GENERATED from router/prompts/detect.py by `{COMMAND}`: do not edit.",
        "// tests/test_editor_patterns.py fails when this file is stale.",
        "//",
        "// These globs decide when VS Code starts the language server and hands it a file; the server",
        "// decides what the file is. A glob cannot read a file's text, so the server alone decides these:",
    ]
    lines += [f"//   - {_note(r)}" for r in by_text]
    lines += [
        "// For them VS Code starts at HINT_PATTERNS; elsewhere, add globs to `promptls.extraGlobs`.",
        "// VS Code may match names case-sensitively where the server accepts any case (`Skill.md`).",
        "",
    ]
    lines += _ts_list("PROMPT_PATTERNS", "Files whose path alone makes them prompt files.", prompts)
    hint_doc = "Where prompts that their text decides are usually kept (the server reads the text)."
    lines += _ts_list("HINT_PATTERNS", hint_doc, hints)
    lines += _ts_list("SETTINGS_PATTERNS", "promptls settings files.", settings)
    lines += _ts_list("MANIFEST_PATTERNS", "Claude Code's plugin manifests (checked as JSON).", manifests)
    return "\n".join(lines)


def activation_events(current: list[str]) -> list[str]:
    """`current` with its `workspaceContains:` events replaced by the paths that alone make a file
    ours. Text-decided files are left to `onLanguage:markdown`: a `pyproject.toml` or a `prompts/`
    folder must not start a server in every workspace that has one."""
    kept = [event for event in current if not event.startswith("workspaceContains:")]
    globs = [settings_glob(r) for r in SETTINGS_FILES if r.needs is Needs.NOTHING]
    globs += [g for r in PROMPT_RULES if r.needs is Needs.NOTHING and (g := vscode_glob(r))]
    globs += [manifest_glob(folder, name) for folder, name, _ in MANIFESTS]
    return kept + [f"workspaceContains:{glob}" for glob in globs]


def render_package_json(text: str) -> str:
    """editors/vscode/package.json with generated activation events (npm's layout: 2 spaces)."""
    package = json.loads(text)
    package["activationEvents"] = activation_events(package.get("activationEvents", []))
    return json.dumps(package, indent=2) + "\n"


def _lua_string(text: str) -> str:
    if not text.isascii():
        raise ValueError(f"not ASCII, which Lua 5.1 strings cannot escape like JSON: {text!r}")
    return json.dumps(text)


def _lua_list(items: tuple[str, ...]) -> str:
    return "{ " + ", ".join(_lua_string(item) for item in items) + " }"


def _lua_row(rule: PromptRule | SettingsRule) -> str:
    fields: list[str] = []
    if isinstance(rule, PromptRule):
        fields.append(f"dialect = {_lua_string(rule.dialect.value)}")
        if rule.suffixes:
            fields.append(f"suffixes = {_lua_list(rule.suffixes)}")
        if rule.folder:
            fields.append(f"folder = {_lua_list(rule.folder)}")
        if rule.depth is not None:
            fields.append(f"depth = {rule.depth}")
    if rule.name:
        fields.append(f"name = {_lua_string(rule.name)}")
    if rule.needs is not Needs.NOTHING:
        fields.append(f"needs = {_lua_string(rule.needs.value)}")
    fields.append(f"what = {_lua_string(rule.what)}")
    line = "    { " + ", ".join(fields) + " },"
    if len(line) <= LUA_WIDTH:
        return line
    return "\n".join(["    {", *(f"      {field}," for field in fields), "    },"])


def _lua_manifest(folder: str, name: str, what: str) -> str:
    fields = f"folder = {_lua_string(folder)}, name = {_lua_string(name)}, what = {_lua_string(what)}"
    return f"    {{ {fields} }},"


def render_lua() -> str:
    """editors/nvim/lua/promptls/patterns.lua."""
    lines = [
        f"-- GENERATED from router/prompts/detect.py by `{COMMAND}`: do not edit.",
        "-- tests/test_editor_patterns.py fails when this file is stale.",
        "--",
        '-- The core\'s table of prompt files and settings files, read by require("promptls").kind().',
        "-- A row: dialect; suffixes, lower-case endings of the file name (with no name either: any file);",
        "-- name, the whole file name, compared in lower case (settings: exactly); folder, the folders",
        "-- above the file, outermost first; depth, the folders between `folder` and the file (nil: any",
        '-- number); needs, what the text must show ("model-key": a top-level frontmatter key `model`, or',
        "-- one edit away from it and not in `model_lookalikes`, plain, quoted or in a flow mapping;",
        '-- "frontmatter": a first line `---`; "promptls-table": a [tool.promptls] table). A row naming',
        "-- the file alone beats folder rows; among folder rows the nearest folder wins. `hints` are where",
        "-- prompts that their text decides are usually kept: the plugin attaches there before the text",
        "-- shows it (the server decides). `manifests`: Claude Code's plugin manifests, a file `name` right",
        "-- in a `folder` (both compared exactly), which the server checks as JSON.",
        "return {",
        f"  model_lookalikes = {_lua_list(tuple(sorted(MODEL_LOOKALIKES)))},",
        "  prompts = {",
        *(_lua_row(rule) for rule in PROMPT_RULES),
        "  },",
        "  hints = {",
        *(_lua_row(rule) for rule in EDITOR_HINTS),
        "  },",
        "  settings = {",
        *(_lua_row(rule) for rule in SETTINGS_FILES),
        "  },",
        "  manifests = {",
        *(_lua_manifest(folder, name, what) for folder, name, what in MANIFESTS),
        "  },",
        "}",
        "",
    ]
    return "\n".join(lines)


def generated() -> dict[Path, str]:
    """Each generated file and the text it should hold now."""
    return {
        TYPESCRIPT: render_typescript(),
        PACKAGE_JSON: render_package_json(PACKAGE_JSON.read_text(encoding="utf-8")),
        LUA: render_lua(),
    }


def stale() -> list[Path]:
    """The generated files whose committed text differs from what this script writes."""
    out = []
    for path, text in generated().items():
        current = path.read_text(encoding="utf-8") if path.is_file() else None
        if current != text:
            out.append(path)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report stale files (exit 1 if any)")
    args = parser.parse_args(argv)
    if args.check:
        paths = stale()
        for path in paths:
            print(f"{path.relative_to(ROOT)} is stale: run `{COMMAND}`", file=sys.stderr)
        return 1 if paths else 0
    for path, text in generated().items():
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
