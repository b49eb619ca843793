"""Claude Code plugin and marketplace manifests in the core: JSON with places, the typed manifests, which
files their lists make agents, commands and skills, and what the checks report (and do not report)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from promptls.router.plugins.check import check_manifest
from promptls.router.plugins.jsonspans import JsonNode, JsonProblem, parse_json
from promptls.router.plugins.layout import layouts_of, source_folder
from promptls.router.plugins.manifest import (
    BrokenManifest,
    Component,
    Marketplace,
    PluginManifest,
    read_manifest,
)
from promptls.router.prompts.dialects import Dialect

# --- JSON with places ------------------------------------------------------------------------------


def test_every_value_keeps_where_it_is_written() -> None:
    text = '{\n  "name": "tools",\n  "agents": ["./a.md", 3],\n  "strict": false\n}'
    node = parse_json(text)
    assert isinstance(node, JsonNode)
    members = node.members
    assert text[members["name"].value.start : members["name"].value.end] == '"tools"'
    first, second = members["agents"].value.items
    assert (first.value, text[first.start : first.end]) == ("./a.md", '"./a.md"')
    assert (second.value, second.kind) == (3, "number")
    assert members["strict"].value.value is False
    assert text[members["agents"].key_start : members["agents"].key_end] == '"agents"'


@pytest.mark.parametrize(
    ("text", "offset"),
    [
        ('{"a": 1,}', 8),  # a trailing comma, which JSON.parse refuses too
        ('{"a" 1}', 5),
        ('{"a": NaN}', 6),  # Python's json takes NaN; JSON.parse does not
        ("", 0),
    ],
)
def test_invalid_json_says_where(text: str, offset: int) -> None:
    problem = parse_json(text)
    assert isinstance(problem, JsonProblem)
    assert problem.offset == offset


def test_json_nested_past_reason_is_a_problem_not_a_crash() -> None:
    assert isinstance(parse_json("[" * 100_000), JsonProblem)


# --- typed manifests --------------------------------------------------------------------------------


def test_a_plugin_manifest_reads_its_component_lists_as_paths() -> None:
    text = '{"name": "p", "version": "1.0.0", "agents": "./a.md", "commands": ["./c/", "./d.md"]}'
    manifest = read_manifest("/w/p/.claude-plugin/plugin.json", text)
    assert isinstance(manifest, PluginManifest)
    assert manifest.root == "/w/p"
    assert manifest.name and manifest.name.value == "p"
    assert [t.value for t in manifest.components[Component.AGENTS].paths] == ["./a.md"]
    assert [t.value for t in manifest.components[Component.COMMANDS].paths] == ["./c/", "./d.md"]


def test_json_that_is_no_object_is_a_broken_manifest() -> None:
    manifest = read_manifest("/w/.claude-plugin/plugin.json", '["name"]')
    assert isinstance(manifest, BrokenManifest)
    assert "not an object" in manifest.message


# --- which files are agents, commands and skills ------------------------------------------------------

MARKET = "/w/.claude-plugin/marketplace.json"


def _market(text: str) -> Marketplace:
    manifest = read_manifest(MARKET, text)
    assert isinstance(manifest, Marketplace)
    return manifest


def test_plugin_json_lists_make_files_agents_commands_and_skills() -> None:
    text = '{"name": "p", "agents": ["./team/rev.md"], "commands": "./ops", "skills": ["./extra"]}'
    plugin = read_manifest("/w/p/.claude-plugin/plugin.json", text)
    (layout,) = layouts_of("/w/p", plugin, [], has_skills_folder=False)
    assert layout.dialect_of("/w/p/team/rev.md") is Dialect.CLAUDE_AGENT
    assert layout.dialect_of("/w/p/team/other.md") is None
    assert layout.dialect_of("/w/p/ops/deploy/now.md") is Dialect.CLAUDE_COMMAND
    assert layout.dialect_of("/w/p/extra/pdf/SKILL.md") is Dialect.CLAUDE_SKILL  # a folder of skills
    assert layout.dialect_of("/w/p/extra/SKILL.md") is Dialect.CLAUDE_SKILL  # a skill folder
    # Listing agents and commands replaces the default folders; skills are added to skills/.
    assert not layout.reads_default_folder("/w/p/agents/x.md")
    assert not layout.reads_default_folder("/w/p/commands/x.md")
    assert layout.reads_default_folder("/w/p/skills/x/SKILL.md")


def test_a_plugin_without_skills_is_one_skill_when_its_root_holds_skill_md() -> None:
    (layout,) = layouts_of("/w/p", None, [], has_skills_folder=False)
    assert layout.dialect_of("/w/p/SKILL.md") is Dialect.CLAUDE_SKILL
    (layout,) = layouts_of("/w/p", None, [], has_skills_folder=True)
    assert layout.dialect_of("/w/p/SKILL.md") is None


def test_entries_at_the_marketplace_root_listing_skills_replace_the_skills_folder() -> None:
    # anthropics/skills: several entries share the marketplace root, each with its own skills.
    market = _market(
        '{"name": "m", "owner": {"name": "o"}, "plugins": ['
        '{"name": "docs", "source": "./", "strict": false, "skills": ["./skills/pdf"]},'
        '{"name": "art", "source": "./", "strict": false, "skills": ["./skills/art"]}]}'
    )
    entries = [(market, e) for e in market.entries]
    assert {source_folder(market, e) for e in market.entries} == {"/w"}
    layouts = layouts_of("/w", None, entries, has_skills_folder=True)
    assert [layout.dialect_of("/w/skills/pdf/SKILL.md") for layout in layouts] == [Dialect.CLAUDE_SKILL, None]
    assert not any(layout.reads_default_folder("/w/skills/other/SKILL.md") for layout in layouts)


def test_a_strict_false_entry_is_the_whole_definition_and_a_strict_one_adds_to_plugin_json() -> None:
    plugin = read_manifest("/w/p/.claude-plugin/plugin.json", '{"name": "p", "agents": ["./own.md"]}')
    for strict, own in (("false", None), ("true", Dialect.CLAUDE_AGENT)):
        market = _market(
            '{"name": "m", "owner": {"name": "o"}, "plugins": [{"name": "p", "source": "./p", '
            f'"strict": {strict}, "agents": ["./extra.md"]}}]}}'
        )
        (layout,) = layouts_of("/w/p", plugin, [(market, market.entries[0])], has_skills_folder=False)
        assert layout.dialect_of("/w/p/extra.md") is Dialect.CLAUDE_AGENT
        assert layout.dialect_of("/w/p/own.md") is own


@pytest.mark.parametrize(
    ("source", "root", "folder"),
    [
        ('"./plugins/a"', None, "/w/plugins/a"),
        ('"a"', '"./plugins"', "/w/plugins/a"),  # a bare name under metadata.pluginRoot
        ('"a"', None, None),  # a bare name needs pluginRoot
        ('"team/a"', '"./plugins"', None),  # a path with a slash still needs ./
        ('"./../a"', None, None),  # out of the marketplace
        ('{"source": "github", "repo": "o/r"}', None, None),  # remote: no folder here
    ],
)
def test_where_a_marketplace_entry_source_points(source: str, root: str | None, folder: str | None) -> None:
    metadata = f', "metadata": {{"pluginRoot": {root}}}' if root else ""
    market = _market(f'{{"name": "m"{metadata}, "plugins": [{{"name": "a", "source": {source}}}]}}')
    assert source_folder(market, market.entries[0]) == (os.path.normpath(folder) if folder else None)


# --- the checks ------------------------------------------------------------------------------------


def _findings(tmp_path: Path, files: dict[str, str], manifest: str) -> list[tuple[str, int, str]]:
    for relative, text in files.items():
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_text(text, encoding="utf-8")
    path = tmp_path / manifest
    found = check_manifest(read_manifest(str(path), path.read_text(encoding="utf-8")))
    return [(f.code, f.span.line, f.message) for f in found]


def _codes(found: list[tuple[str, int, str]]) -> list[str]:
    return [code for code, _, _ in found]


def test_a_valid_plugin_has_no_findings(tmp_path: Path) -> None:
    files = {
        ".claude-plugin/plugin.json": (
            '{"name": "code-review", "version": "1.2.0-beta.1", "agents": ["./agents/rev.md"],'
            ' "commands": ["./cmds/", "./one.md"], "skills": ["./more"], "keywords": ["x"]}'
        ),
        "agents/rev.md": "---\nname: rev\n---\n",
        "cmds/ship.md": "x",
        "one.md": "x",
        "more/pdf/SKILL.md": "x",
    }
    assert _findings(tmp_path, files, ".claude-plugin/plugin.json") == []


@pytest.mark.parametrize(
    ("agents", "code", "phrase"),
    [
        ('"./agents/"', "PLS505", "is not an `.md` file"),  # a folder: Claude Code refuses the manifest
        ('["agents/rev.md"]', "PLS505", "must start with `./`"),
        ('["./../rev.md"]', "PLS505", "climbs out of the plugin"),
        ('["./agents/gone.md"]', "PLS506", "names nothing"),
        ('["./agents/dir.md"]', "PLS505", "is a folder"),
        ("true", "PLS502", "must be a path or an array of paths"),
        ("[7]", "PLS502", "must be a string"),
    ],
)
def test_agents_paths_claude_code_rejects(tmp_path: Path, agents: str, code: str, phrase: str) -> None:
    files = {
        ".claude-plugin/plugin.json": f'{{\n  "name": "p",\n  "agents": {agents}\n}}',
        "agents/rev.md": "x",
        "agents/dir.md/inner.md": "x",
    }
    ((found, line, message),) = _findings(tmp_path, files, ".claude-plugin/plugin.json")
    assert (found, line) == (code, 3)
    assert phrase in message


def test_marketplace_findings_point_at_their_entries(tmp_path: Path) -> None:
    files = {
        ".claude-plugin/marketplace.json": (
            "{\n"
            '  "name": "m",\n'
            '  "owner": {"name": "o"},\n'
            '  "plugins": [\n'
            '    {"name": "a", "source": "./plugins/a", "version": "2"},\n'
            '    {"name": "a", "source": "./plugins/b"},\n'
            '    {"name": "Bad Name", "source": "./../elsewhere"},\n'
            '    {"name": "remote", "source": {"source": "github", "repo": "o/r"}, "agents": ["./x.md"]},\n'
            '    {"source": "./plugins/a"}\n'
            "  ]\n"
            "}\n"
        ),
        "plugins/a/.claude-plugin/plugin.json": '{"name": "a"}',
        "plugins/b/README.md": "x",
        "plugins/c/.claude-plugin/plugin.json": '{"name": "c"}',
    }
    found = _findings(tmp_path, files, ".claude-plugin/marketplace.json")
    assert [(code, line) for code, line, _ in found] == [
        ("PLS504", 5),
        ("PLS509", 6),
        ("PLS503", 7),
        ("PLS507", 7),
        ("PLS502", 9),  # no name
        ("PLS508", 4),  # plugins/c: beside the listed plugins, not listed
    ]


def test_a_marketplace_needs_its_name_owner_and_plugins(tmp_path: Path) -> None:
    found = _findings(
        tmp_path, {".claude-plugin/marketplace.json": '{"owner": {}}'}, ".claude-plugin/marketplace.json"
    )
    assert _codes(found) == ["PLS502"] * 3
    assert ["has no `name`" in m for _, _, m in found] == [True, True, False]


def test_unlisted_plugins_are_looked_for_under_plugin_root(tmp_path: Path) -> None:
    files = {
        ".claude-plugin/marketplace.json": (
            '{"name": "m", "owner": {"name": "o"}, "metadata": {"pluginRoot": "./plugins"},'
            ' "plugins": [{"name": "a", "source": "a"}]}'
        ),
        "plugins/a/agents/x.md": "x",  # a plugin of the marketplace needs no plugin.json of its own
        "plugins/b/.claude-plugin/plugin.json": '{"name": "b"}',
        "plugins/notes/README.md": "x",  # no manifest: not taken for a plugin
    }
    found = _findings(tmp_path, files, ".claude-plugin/marketplace.json")
    assert [(code, "./plugins/b" in message) for code, _, message in found] == [("PLS508", True)]
