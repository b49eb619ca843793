"""Claude Code plugins and marketplaces in the shell: `promptls check` on a marketplace checks every agent,
command and skill of every listed plugin in the Claude dialects, and the manifests themselves."""

from __future__ import annotations

import json
import os
from pathlib import Path

from promptls.router.prompts.dialects import Dialect

from promptls.plugin_places import forget_plugins, manifest_at, plugin_dialect
from tests.conftest import RunPromptls

AGENT = "---\nname: {name}\ndescription: Reviews a diff\nmodel: {model}\n---\nReview.\n"

MARKETPLACE = {
    ".claude-plugin/marketplace.json": json.dumps(
        {
            "name": "team-tools",
            "owner": {"name": "Platform team"},
            "metadata": {"pluginRoot": "./plugins"},
            "plugins": [
                # Its own plugin.json lists its agents, at its root.
                {"name": "listed", "source": "./plugins/listed"},
                # No plugin.json: the entry defines the plugin.
                {"name": "curated", "source": "curated", "strict": False, "agents": ["./raw/critic.md"]},
                # The default folders, found without any list.
                {"name": "plain", "source": "./plugins/plain"},
            ],
        },
        indent=2,
    ),
    "plugins/listed/.claude-plugin/plugin.json": json.dumps(
        {"name": "listed", "version": "1.0.0", "agents": ["./reviewer.md", "./folder/"]}, indent=2
    ),
    "plugins/listed/reviewer.md": AGENT.format(name="reviewer", model="sonnet"),
    "plugins/curated/raw/critic.md": AGENT.format(name="critic", model="sonet"),
    "plugins/plain/agents/helper.md": AGENT.format(name="helper", model="inherit"),
    "plugins/plain/commands/ship.md": "---\ndescription: Ship it\nmodel: haiku\n---\nShip.\n",
    "plugins/plain/skills/pdf/SKILL.md": "---\nname: pdf\ndescription: Reads PDFs\nmodel: opus\n---\nRead.\n",
}


def _write(root: Path, files: dict[str, str]) -> None:
    for relative, text in files.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text(text, encoding="utf-8")


def _check(run_promptls: RunPromptls, root: Path, *args: str) -> tuple[int, list[dict]]:
    proc = run_promptls("check", ".", "--output-format", "json", *args, cwd=root)
    return proc.returncode, json.loads(proc.stdout)


def test_check_on_a_marketplace_reads_every_listed_plugin_in_the_claude_dialects(
    tmp_path: Path, run_promptls: RunPromptls
) -> None:
    (tmp_path / ".git").mkdir()
    _write(tmp_path, MARKETPLACE)
    status, found = _check(run_promptls, tmp_path)
    shown = {(f["path"], f["location"]["line"], f["code"]) for f in found}
    # `sonnet`, `inherit`, `haiku` and `opus` are Claude Code's words: nothing to say about them. The
    # one typo is told in Claude Code's terms, and the folder listed as agents is refused.
    assert shown == {
        ("plugins/curated/raw/critic.md", 4, "PLS201"),
        ("plugins/listed/.claude-plugin/plugin.json", 6, "PLS505"),
    }
    typo = next(f for f in found if f["code"] == "PLS201")
    assert "did you mean `sonnet`?" in typo["message"]
    assert status == 1

    text = run_promptls("check", ".", cwd=tmp_path).stdout
    assert text.splitlines()[-1].startswith(
        "Found 2 errors in 5 prompt files, 0 settings files, 2 plugin manifests."
    )
    status, found = _check(run_promptls, tmp_path, "--ignore", "PLS505")
    assert (status, [f["code"] for f in found]) == (1, ["PLS201"])
    status, found = _check(run_promptls, tmp_path, "--select", "PLS5")
    assert (status, [f["code"] for f in found]) == (1, ["PLS505"])


def test_a_project_without_plugins_prints_the_summary_it_always_did(
    tmp_path: Path, run_promptls: RunPromptls
) -> None:
    _write(tmp_path, {".claude/agents/rev.md": AGENT.format(name="rev", model="sonnet")})
    proc = run_promptls("check", ".", cwd=tmp_path)
    assert proc.stdout.splitlines()[-1] == "All checks passed (1 prompt file, 0 settings files)."


def test_a_copilot_marketplace_is_left_alone(tmp_path: Path, run_promptls: RunPromptls) -> None:
    # GitHub's Agent Plugins format: another schema (sources without ./, lists under `extensions`).
    files = {
        ".github/plugin/marketplace.json": '{"name": "x", "plugins": [{"name": "a", "source": "plugins/a"}]}',
        "plugins/a/plugin.json": '{"name": "A plugin", "version": "1"}',
    }
    _write(tmp_path, files)
    assert _check(run_promptls, tmp_path) == (0, [])


def test_manifests_are_read_once_while_unchanged(tmp_path: Path) -> None:
    _write(tmp_path, MARKETPLACE)
    forget_plugins()
    manifest = tmp_path / "plugins/listed/.claude-plugin/plugin.json"
    reviewer = str(tmp_path / "plugins/listed/reviewer.md")
    assert plugin_dialect(reviewer) == (Dialect.CLAUDE_AGENT, str(tmp_path / "plugins/listed"))
    first = manifest_at(str(manifest))
    assert manifest_at(str(manifest)) is first  # the walk's other files get the one reading
    # Edited on disk (a longer text: a new size, whatever the clock's resolution): read again.
    manifest.write_text(json.dumps({"name": "listed", "agents": ["./other.md"]}, indent=4), encoding="utf-8")
    assert plugin_dialect(reviewer)[0] is None
    assert manifest_at(str(manifest)) is not first
    os.remove(manifest)
    assert plugin_dialect(reviewer)[0] is None


PLUGIN_AGENTS = {
    ".claude-plugin/plugin.json": json.dumps({"name": "reviews", "version": "1.0.0"}, indent=2),
    # Claude Code loads a plugin's agent without `name` under its file name, and ignores these keys.
    "agents/reviewer.md": (
        "---\ndescription: Reviews a diff\nhooks:\n  Stop: []\nmcpServers: [slack]\n"
        "permissionMode: plan\nmodel: sonnet\n---\nReview.\n"
    ),
    "agents/security/audit.md": "---\ndescription: Audits\n---\nAudit.\n",
    # The plugin repository's own .claude/agents is a project's: a name is needed, the keys count.
    ".claude/agents/helper.md": "---\ndescription: Helps\nhooks:\n  Stop: []\n---\nHelp.\n",
}


def test_a_plugins_agents_are_read_as_claude_code_loads_them(
    tmp_path: Path, run_promptls: RunPromptls
) -> None:
    (tmp_path / ".git").mkdir()
    _write(tmp_path, PLUGIN_AGENTS)
    status, found = _check(run_promptls, tmp_path)
    shown = {(f["path"], f["location"]["line"], f["code"], f["severity"]) for f in found}
    assert shown == {
        ("agents/reviewer.md", 3, "PLS110", "warning"),
        ("agents/reviewer.md", 5, "PLS110", "warning"),
        ("agents/reviewer.md", 6, "PLS110", "warning"),
        (".claude/agents/helper.md", 1, "PLS113", "error"),
    }
    ignored = [f["message"] for f in found if f["code"] == "PLS110"]
    assert all("ignored by Claude Code in an agent a plugin ships" in message for message in ignored)
    assert status == 1


def test_an_agent_a_manifest_lists_is_the_plugins_too(tmp_path: Path, run_promptls: RunPromptls) -> None:
    (tmp_path / ".git").mkdir()
    _write(tmp_path, MARKETPLACE)
    critic = tmp_path / "plugins/curated/raw/critic.md"
    critic.write_text(
        "---\ndescription: Criticises\npermissionMode: plan\n---\nCriticise.\n", encoding="utf-8"
    )
    _, found = _check(run_promptls, tmp_path)
    assert {(f["path"], f["location"]["line"], f["code"]) for f in found if "critic" in f["path"]} == {
        ("plugins/curated/raw/critic.md", 3, "PLS110")
    }
