"""End-to-end tests of the real `promptls` shell command, on real files, reading what a user reads.

Every test starts a subprocess (about 0.2 s each), so each one asserts as much as it can of one run.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
from pathlib import Path

import pytest

from promptls import __version__

ANSI = "\x1b["
FINDING = re.compile(
    r"^(?P<path>[^\s:][^:]*):(?P<line>\d+):(?P<col>\d+): (?P<code>PLS\d{3})(?P<fix> \[\*\])? (?P<msg>.+)$"
)


def write(root: Path, rel: str, content: str | bytes) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def findings(stdout: str) -> list[tuple[str, int, int, str]]:
    """`(path, line, col, code)` of each finding line; fails on a line that is neither that nor a summary."""
    lines = stdout.splitlines()
    assert lines and re.match(r"^(All checks passed|Found) ", lines[-1]), stdout
    out = []
    for line in lines[:-1]:
        m = FINDING.match(line)
        assert m, f"not a ruff-style finding line: {line!r}"
        out.append((m["path"], int(m["line"]), int(m["col"]), m["code"]))
    return out


def line_no(path: Path, predicate, after: str | None = None) -> int:
    """1-based number of the first line matching `predicate` (after the line equal to `after`)."""
    started = after is None
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if started and predicate(line):
            return number
        started = started or line.strip() == after
    raise AssertionError(f"no such line in {path}")


@pytest.fixture
def broken(tmp_path: Path) -> Path:
    """A project with one known mistake of each area, at known lines and columns."""
    root = tmp_path / "broken"
    write(root, "promptls.toml", '[defaults]\nmodel = "openai/gpt-4o-mini"\nmodell = "x"\n')
    write(root, "prompts/summary.md", "---\nname: summary\nmodel: openai/gpt-4oo\ntemperature: 5\n---\nHi\n")
    write(root, ".claude/agents/reviewer.md", "---\nname: reviewer\ndescription: Reviews\ncolour: red\n---\n")
    write(
        root, ".claude/agents/planner.md", "---\nname: planner\ndescription: [unclosed\nmodel: sonnet\n---\n"
    )
    write(root, ".claude/commands/notes.md", b"---\ndescription: caf\xe9 notes\n---\nWrite notes.\n")
    write(root, "README.md", "# Not a prompt\n\nNo frontmatter, no `model:` key: never checked.\n")
    return root


BROKEN = [
    (".claude/agents/planner.md", 4, 6, "PLS101"),
    (".claude/agents/reviewer.md", 4, 1, "PLS110"),
    (".claude/commands/notes.md", 2, 17, "PLS105"),
    ("promptls.toml", 3, 1, "PLS302"),
    ("prompts/summary.md", 3, 8, "PLS203"),
    ("prompts/summary.md", 4, 14, "PLS207"),
]
BROKEN_SUMMARY = (
    "Found 3 errors, 3 warnings in 4 prompt files, 1 settings file. "
    "3 fixable with `promptls check --fix` ([*])."
)


# --- promptls check: text --------------------------------------------------------------------------


def test_check_text_is_ruff_style_with_exact_positions_and_summary(run_promptls, broken: Path) -> None:
    proc = run_promptls("check", cwd=broken)
    assert proc.returncode == 1
    assert proc.stderr == ""
    assert findings(proc.stdout) == BROKEN
    assert ANSI not in proc.stdout  # piped: no colour
    lines = proc.stdout.splitlines()
    assert lines[-1] == BROKEN_SUMMARY
    assert "prompts/summary.md:3:8: PLS203 [*] `openai/gpt-4oo` is not in the model catalog" in proc.stdout
    assert "did you mean `openai/gpt-4o`?" in lines[4]
    assert lines[5] == "prompts/summary.md:4:14: PLS207 `temperature` must be between 0 and 2, not 5"
    assert lines[1].startswith(".claude/agents/reviewer.md:4:1: PLS110 [*] unknown key `colour`")
    assert "re-save the file as UTF-8" in lines[2]


def test_check_defaults_to_the_project_of_the_current_folder(run_promptls, broken: Path) -> None:
    cwd = broken / ".claude" / "agents"
    proc = run_promptls("check", cwd=cwd)
    assert proc.returncode == 1
    # The whole project is checked; paths inside the cwd are relative, the others absolute.
    assert proc.stdout.splitlines()[-1] == BROKEN_SUMMARY
    seen = findings(proc.stdout)
    assert seen[:2] == [("planner.md", 4, 6, "PLS101"), ("reviewer.md", 4, 1, "PLS110")]
    assert seen[2:] == [(str(broken / p), *rest) for p, *rest in BROKEN[2:]]


def test_check_warnings_only_exits_0_and_select_takes_prefixes_and_names(run_promptls, broken: Path) -> None:
    proc = run_promptls("check", "--select", "PLS11,PLS3", "--ignore", "PLS30", cwd=broken)
    assert (proc.returncode, findings(proc.stdout)) == (0, [BROKEN[1]])
    assert proc.stdout.splitlines()[-1] == (
        "Found 1 warning in 4 prompt files, 1 settings file. 1 fixable with `promptls check --fix` ([*])."
    )
    proc = run_promptls("check", "--select=unknown-model", "--select=PLS1", "--ignore=PLS110", cwd=broken)
    assert (proc.returncode, findings(proc.stdout)) == (1, [BROKEN[0], BROKEN[2], BROKEN[4]])


def test_check_all_ignored_passes(run_promptls, broken: Path) -> None:
    proc = run_promptls("check", "prompts", "--ignore=PLS", cwd=broken)
    assert proc.returncode == 0
    assert proc.stdout == "All checks passed (1 prompt file, 1 settings file).\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["check", "--select", "PLS99"], "promptls check: error: unknown rule `PLS99`"),
        (["check", "--ignore", "PLS1,nonsense"], "promptls check: error: unknown rule `nonsense`"),
        (["check", "no/such/folder"], "promptls check: error: no/such/folder: no such file or folder"),
        (["check", "--output-format", "xml"], "invalid choice: 'xml'"),
        ([], "usage: promptls"),
    ],
)
def test_usage_errors_exit_2(run_promptls, broken: Path, args: list[str], message: str) -> None:
    proc = run_promptls(*args, cwd=broken)
    assert proc.returncode == 2
    assert message in proc.stderr + proc.stdout


# --- promptls check: json and github ---------------------------------------------------------------


def test_check_json_is_a_list_with_code_location_and_fix(run_promptls, broken: Path) -> None:
    proc = run_promptls("check", "--output-format", "json", cwd=broken)
    assert proc.returncode == 1
    data = json.loads(proc.stdout)
    assert isinstance(data, list)
    assert [(d["path"], d["location"]["line"], d["location"]["column"], d["code"]) for d in data] == BROKEN
    by_code = {d["code"]: d for d in data}
    assert by_code["PLS207"]["severity"] == "error"
    assert by_code["PLS207"]["name"] == "parameter-out-of-range"
    assert by_code["PLS207"]["fix"] is None
    fix = by_code["PLS203"]["fix"]
    assert fix["title"] == "Change to `openai/gpt-4o`"
    [edit] = fix["edits"]
    assert edit["path"] == "prompts/summary.md"
    assert edit["new_text"] == "openai/gpt-4o"
    assert (edit["location"], edit["end_location"]) == ({"line": 3, "column": 8}, {"line": 3, "column": 22})
    text = (broken / "prompts/summary.md").read_text()
    assert text[edit["start"] : edit["end"]] == "openai/gpt-4oo"
    # `--json` is the same output.
    assert run_promptls("check", "--json", cwd=broken).stdout == proc.stdout


def test_check_github_annotations(run_promptls, broken: Path) -> None:
    proc = run_promptls("check", "--output-format=github", "--select", "PLS2", cwd=broken)
    assert proc.returncode == 1
    lines = proc.stdout.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith(
        "::warning title=promptls (PLS203),file=prompts/summary.md,line=3,col=8,endLine=3,endColumn=22::"
        "PLS203 `openai/gpt-4oo` is not in the model catalog"
    )
    assert lines[1] == (
        "::error title=promptls (PLS207),file=prompts/summary.md,line=4,col=14,endLine=4,endColumn=15::"
        "PLS207 `temperature` must be between 0 and 2, not 5"
    )


# --- settings: [check] and .gitignore --------------------------------------------------------------


def test_check_table_in_promptls_toml(run_promptls, tmp_path: Path) -> None:
    root = tmp_path / "proj"
    write(
        root,
        "promptls.toml",
        '[check]\nselect = ["PLS203", "PLS110"]\nignore = ["PLS202"]\n'
        'exclude = ["drafts/**"]\ninclude = ["notes/*.md"]\n',
    )
    write(root, "drafts/a.md", "---\nmodel: openai/gpt-4oo\n---\n")
    write(root, "notes/b.md", "---\ndescription: no model key, included by glob\ncolour: red\n---\n")
    write(root, "notes/sub/c.md", "---\ncolour: red\n---\n")  # not matched by notes/*.md
    write(root, "prompts/d.md", "---\nmodel: foo/bar\ntemperature: 9\n---\n")
    write(root, "prompts/e.md", "---\nmodel: openai/gpt-4oo\n---\n")
    proc = run_promptls("check", cwd=root)
    assert findings(proc.stdout) == [("notes/b.md", 3, 1, "PLS110"), ("prompts/e.md", 2, 8, "PLS203")]
    assert proc.returncode == 0
    assert "in 3 prompt files, 1 settings file" in proc.stdout
    # Checked from outside the project, or only a subfolder, the project's [check] table still applies,
    # with its globs anchored at the settings file's folder.
    proc = run_promptls("check", "proj/drafts", "proj/prompts", cwd=tmp_path)
    assert findings(proc.stdout) == [("proj/prompts/e.md", 2, 8, "PLS203")]
    # --select on the command line replaces [check] select; --ignore adds to [check] ignore.
    proc = run_promptls("check", "--select", "PLS207", cwd=root)
    assert (proc.returncode, findings(proc.stdout)) == (1, [("prompts/d.md", 3, 14, "PLS207")])


def test_gitignored_prompts_are_skipped_unless_named(run_promptls, tmp_path: Path) -> None:
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    write(root, ".gitignore", ".claude/agents/scratch.md\n")
    write(root, ".claude/agents/scratch.md", "---\nname: scratch\ndescription: x\ncolour: red\n---\n")
    write(root, ".claude/agents/kept.md", "---\nname: kept\ndescription: fine\n---\nOk.\n")
    proc = run_promptls("check", cwd=root)
    assert (proc.returncode, proc.stdout) == (0, "All checks passed (1 prompt file, 0 settings files).\n")
    proc = run_promptls("check", ".claude/agents/scratch.md", cwd=root)
    assert findings(proc.stdout) == [(".claude/agents/scratch.md", 4, 1, "PLS110")]


# --- colour ----------------------------------------------------------------------------------------


def test_colour_on_a_terminal_unless_no_color(run_promptls, broken: Path) -> None:
    args = ("check", "--select", "PLS207", "--color", "auto")
    coloured = run_promptls(*args, cwd=broken, env={"TERM": "xterm-256color"}, terminal=True).stdout
    assert "\x1b[31;1mPLS207\x1b[0m" in coloured
    assert "\x1b[1mprompts/summary.md\x1b[0m:4:14:" in coloured
    plain = run_promptls(*args, cwd=broken, env={"TERM": "xterm-256color", "NO_COLOR": "1"}, terminal=True)
    assert ANSI not in plain.stdout
    assert "prompts/summary.md:4:14: PLS207 `temperature` must be between 0 and 2, not 5" in plain.stdout


def test_color_always_forces_colour_into_a_pipe(run_promptls, broken: Path) -> None:
    proc = run_promptls("check", "--select", "PLS207", "--color", "always", cwd=broken, env={"NO_COLOR": "1"})
    assert "\x1b[1mprompts/summary.md\x1b[0m:4:14: \x1b[31;1mPLS207\x1b[0m `temperature`" in proc.stdout


# --- unreadable prompts ----------------------------------------------------------------------------


def test_junk_prompts_are_findings_never_crashes(run_promptls, tmp_path: Path) -> None:
    root = tmp_path / "junk"
    write(root, "promptls.toml", "")
    junk = bytes(range(256)) * 4
    write(root, ".claude/agents/binary.md", b"---\nname: bin\n" + junk + b"\n---\nbody\x00\n")
    write(root, ".claude/agents/latin1.md", "---\nname: café\ndescription: naïve\n---\n".encode("latin-1"))
    write(root, ".claude/agents/tabs.md", "---\nname: tabs\n\tmodel: sonnet\n---\n")
    write(root, ".claude/agents/no-end.md", "---\nname: open\ndescription: never closed\n")
    write(root, ".claude/agents/list.md", "---\n- a\n- b\n---\n")
    write(root, ".claude/agents/garbage.md", b"\xff\xfe\x00\x01" * 500)
    write(root, "prompts/dup.prompt", "---\nmodel: openai/gpt-4o\nmodel: openai/gpt-4o-mini\n---\n")
    proc = run_promptls("check", ".", ".claude/agents/binary.md", ".claude/agents/garbage.md", cwd=root)
    assert proc.returncode == 1
    assert proc.stderr == ""
    codes = {
        (line.split(":")[0], line.split(": ")[1].split()[0])
        for line in proc.stdout.splitlines()
        if re.match(r"^\S+:\d+:\d+: PLS", line)
    }
    assert {
        (".claude/agents/binary.md", "PLS105"),
        (".claude/agents/latin1.md", "PLS105"),
        (".claude/agents/tabs.md", "PLS101"),
        (".claude/agents/no-end.md", "PLS104"),
        (".claude/agents/list.md", "PLS102"),
        (".claude/agents/garbage.md", "PLS105"),
        ("prompts/dup.prompt", "PLS103"),
    } <= codes
    proc = run_promptls("resolve", ".claude/agents/garbage.md", cwd=root)
    assert proc.returncode == 1
    assert "model: none" in proc.stdout


def test_control_character_in_frontmatter_is_one_finding_line(run_promptls, tmp_path: Path) -> None:
    write(tmp_path, "promptls.toml", "")
    write(tmp_path, ".claude/agents/nul.md", b"---\nname: nul\n\x00junk\n---\n")
    proc = run_promptls("check", ".claude/agents/nul.md", cwd=tmp_path)
    assert findings(proc.stdout) == [(".claude/agents/nul.md", 3, 1, "PLS101")]


# --- promptls resolve ------------------------------------------------------------------------------

AGENT = ".claude/agents/code-reviewer.md"


def test_resolve_names_the_winning_layer_and_what_it_overrode(run_promptls, examples_copy: Path) -> None:
    toml = examples_copy / "promptls.toml"
    assigned = line_no(toml, lambda s: s.startswith("model ="), after="[agents.code-reviewer]")
    default = line_no(toml, lambda s: s.startswith("model ="), after="[defaults]")
    temperature = line_no(toml, lambda s: s.startswith("temperature ="), after="[agents.code-reviewer]")
    frontmatter = line_no(examples_copy / AGENT, lambda s: s.startswith("model:"))
    proc = run_promptls("resolve", AGENT, cwd=examples_copy)
    assert proc.returncode == 0
    lines = proc.stdout.splitlines()
    assert lines[0] == f'{AGENT}  (claude-agent "code-reviewer")'
    assert lines[1].startswith("model: ollama/qwen2.5-coder  (")
    assert lines[2] == f"  ✓ promptls.toml:{assigned} [agents.code-reviewer] model = ollama/qwen2.5-coder"
    assert lines[3].startswith(f"  ✗ {AGENT}:{frontmatter} (frontmatter) model = sonnet  (Claude Code alias")
    assert lines[3].endswith("(overridden)")
    assert lines[4] == f"  ✗ promptls.toml:{default} [defaults] model = openai/gpt-4o-mini  (overridden)"
    assert (
        f"  temperature = 0.1  from promptls.toml:{temperature} [agents.code-reviewer] temperature" in lines
    )
    fallback = "fallback: openrouter/deepseek/deepseek-chat → ollama/llama3.2"
    assert any(line.startswith(fallback) for line in lines)
    assert ANSI not in proc.stdout


def test_resolve_from_inside_the_agents_folder_is_the_same_agent(run_promptls, examples_copy: Path) -> None:
    proc = run_promptls("resolve", "code-reviewer.md", cwd=examples_copy / ".claude" / "agents")
    lines = proc.stdout.splitlines()
    assert lines[0] == 'code-reviewer.md  (claude-agent "code-reviewer")'
    assert lines[1].startswith("model: ollama/qwen2.5-coder")


PLUGIN_AGENT = "---\nname: reviewer\ndescription: Reviews\nmodel: sonnet\ncolor: blue\n---\nReview it.\n"


def test_a_claude_code_plugin_holds_claude_agents_commands_and_skills(run_promptls, tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    write(tmp_path, "plug/.claude-plugin/plugin.json", '{"name": "plug"}\n')
    write(tmp_path, "plug/agents/reviewer.md", PLUGIN_AGENT)
    write(tmp_path, "plug/commands/ship.md", "---\ndescription: Ship it\n---\nShip $ARGUMENTS\n")
    write(tmp_path, "plug/skills/pdf/SKILL.md", "---\nname: pdf\ndescription: Read PDFs\n---\nRead.\n")
    proc = run_promptls("check", "plug", cwd=tmp_path)
    assert proc.returncode == 0
    summary = "All checks passed (3 prompt files, 0 settings files, 1 plugin manifest)."
    assert proc.stdout.splitlines()[-1] == summary
    proc = run_promptls("check", "plug/agents/reviewer.md", cwd=tmp_path)
    assert proc.returncode == 0
    proc = run_promptls("resolve", "agents/reviewer.md", cwd=tmp_path / "plug")
    lines = proc.stdout.splitlines()
    assert proc.returncode == 0
    assert lines[0] == 'agents/reviewer.md  (claude-agent "reviewer")'
    assert lines[2].startswith(
        "  ✓ agents/reviewer.md:4 (frontmatter) model = sonnet  (Claude Code alias `sonnet`"
    )
    # The same agent outside a plugin is a generic prompt, where `sonnet` names no provider: a
    # warning that says how to tell promptls it is an agent kept elsewhere.
    write(tmp_path, "loose/agents/reviewer.md", PLUGIN_AGENT)
    proc = run_promptls("check", "loose", cwd=tmp_path)
    assert proc.returncode == 0
    assert (
        "loose/agents/reviewer.md:4:8: PLS201 `sonnet` is a Claude Code alias, but Claude Code does not "
        "load this file: if it is a Claude Code agent kept elsewhere, map its folder to `claude-agent`"
    ) in proc.stdout
    proc = run_promptls("resolve", "agents/reviewer.md", cwd=tmp_path / "loose")
    assert proc.stdout.startswith('agents/reviewer.md  (generic "reviewer")')


def test_resolve_on_an_ascii_only_output_degrades_instead_of_crashing(
    run_promptls, examples_copy: Path
) -> None:
    proc = run_promptls("resolve", AGENT, cwd=examples_copy, env={"PYTHONIOENCODING": "ascii"})
    assert (proc.returncode, proc.stderr) == (0, "")
    assert "  ? promptls.toml:" in proc.stdout  # `✓` cannot be encoded: replaced, never an internal error


def test_resolve_command_line_beats_environment_beats_files(run_promptls, examples_copy: Path) -> None:
    env = {"PROMPTLS_MODEL": "anthropic/claude-haiku-4-5", "PROMPTLS_TEMPERATURE": "0.7"}
    proc = run_promptls("resolve", AGENT, cwd=examples_copy, env=env)
    lines = proc.stdout.splitlines()
    assert lines[1].startswith("model: anthropic/claude-haiku-4-5  (")
    assert lines[2] == "  ✓ environment PROMPTLS_MODEL = anthropic/claude-haiku-4-5"
    assert lines[3].startswith("  ✗ promptls.toml:") and lines[3].endswith("(overridden)")
    assert "  temperature = 0.7  from environment PROMPTLS_TEMPERATURE" in lines

    args = (
        "resolve",
        AGENT,
        "--model",
        "openai/gpt-4o",
        "-p",
        "temperature=0.25",
        "--param",
        "max_tokens=100",
    )
    proc = run_promptls(*args, cwd=examples_copy, env=env)
    lines = proc.stdout.splitlines()
    assert proc.returncode == 0
    assert lines[1].startswith("model: openai/gpt-4o  (context 128,000")
    assert lines[2] == "  ✓ command line --model = openai/gpt-4o"
    assert lines[3] == "  ✗ environment PROMPTLS_MODEL = anthropic/claude-haiku-4-5  (overridden)"
    assert "  temperature = 0.25  from command line --param temperature" in lines
    assert "  max_tokens = 100  from command line --param max_tokens" in lines


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-p", "temperature=hot"], "--param temperature=hot: `temperature` must be a number, not 'hot'"),
        (["-p", "temperature=9"], "--param temperature=9: `temperature` must be between 0 and 2, not 9"),
        (["--param", "temperature"], "--param takes KEY=VALUE, not 'temperature'"),
        (["--param", "=1"], "--param takes KEY=VALUE, not '=1'"),
        (["--model", "gpt4"], "--model 'gpt4' is not a model id: write provider/name"),
    ],
)
def test_resolve_bad_overrides_exit_2(run_promptls, examples_copy: Path, args: list, message: str) -> None:
    proc = run_promptls("resolve", AGENT, *args, cwd=examples_copy)
    assert (proc.returncode, proc.stdout) == (2, "")
    assert proc.stderr.startswith("promptls resolve: error: ")
    assert message in proc.stderr


def test_resolve_missing_file_exits_2(run_promptls, examples_copy: Path) -> None:
    proc = run_promptls("resolve", "nope.md", cwd=examples_copy)
    assert (proc.returncode, proc.stderr) == (2, "promptls resolve: error: nope.md: no such file\n")


def test_resolve_json(run_promptls, examples_copy: Path) -> None:
    toml = examples_copy / "promptls.toml"
    assigned = line_no(toml, lambda s: s.startswith("model ="), after="[agents.code-reviewer]")
    proc = run_promptls("resolve", AGENT, "--json", cwd=examples_copy)
    assert proc.returncode == 0
    data = json.loads(proc.stdout)
    assert (data["path"], data["dialect"], data["name"], data["model"]) == (
        AGENT,
        "claude-agent",
        "code-reviewer",
        "ollama/qwen2.5-coder",
    )
    assert data["model_info"]["provider"] == "ollama" and data["model_info"]["local"] is True
    winner, *losers = data["steps"]["model"]
    assert winner["chosen"] is True
    assert winner["source"] == {
        "layer": "project settings",
        "label": "[agents.code-reviewer] model",
        "path": "promptls.toml",
        "line": assigned,
        "column": 1,
    }
    assert [(s["value"], s["chosen"], s["source"]["layer"]) for s in losers] == [
        ("sonnet", False, "frontmatter"),
        ("openai/gpt-4o-mini", False, "project settings"),
    ]
    assert losers[0]["source"]["path"] == AGENT
    assert data["params"]["temperature"]["value"] == 0.1
    assert [f["model"] for f in data["fallback"]] == ["openrouter/deepseek/deepseek-chat", "ollama/llama3.2"]
    assert data["options"] == {"num_ctx": 32768}
    assert data["cost"]["estimate"] is True


def test_resolve_user_config_is_a_layer_below_the_project(
    run_promptls, tmp_path: Path, isolated_user_config: Path
) -> None:
    config = write(isolated_user_config, "promptls/config.toml", '[defaults]\nmodel = "openai/gpt-4o"\n')
    write(tmp_path, "p/prompts/x.md", "---\nname: x\ndescription: no model\n---\nHi\n")
    write(tmp_path, "p/promptls.toml", "[defaults]\ntemperature = 0.5\n")
    proc = run_promptls("resolve", "prompts/x.md", cwd=tmp_path / "p", env={"PROMPTLS_CONFIG": str(config)})
    assert proc.returncode == 0
    assert proc.stdout.splitlines()[1].startswith("model: openai/gpt-4o  (")
    assert f"  ✓ {config}:2 [defaults] model = openai/gpt-4o" in proc.stdout.splitlines()


# --- promptls models -------------------------------------------------------------------------------


def test_models_query_table(run_promptls, tmp_path: Path) -> None:
    proc = run_promptls("models", "claude-sonnet-4-5", "--provider", "anthropic", cwd=tmp_path)
    assert proc.returncode == 0
    lines = proc.stdout.splitlines()
    assert lines[0].split() == ["MODEL", "CONTEXT", "MAX", "OUT", "$IN/1M", "$OUT/1M"]
    rows = [line.split()[0] for line in lines[1:-1]]
    assert "anthropic/claude-sonnet-4-5" in rows
    assert all(r.startswith("anthropic/") and "claude-sonnet-4-5" in r for r in rows)
    assert re.match(rf"^{len(rows)} models? · catalog of \d{{4}}-\d\d-\d\d from ", lines[-1])


def test_models_filters_json(run_promptls, tmp_path: Path) -> None:
    proc = run_promptls("models", "--provider", "openrouter", "--free", "--json", cwd=tmp_path)
    data = json.loads(proc.stdout)
    assert proc.returncode == 0 and data
    assert all(
        m["provider"] == "openrouter" and m["free"] and m["id"].startswith("openrouter/") for m in data
    )
    assert {"id", "context_window", "input_price_per_million", "capabilities"} <= set(data[0])
    args = ("models", "gemini", "--capability", "vision", "--capability", "tools", "--json")
    proc = run_promptls(*args, cwd=tmp_path)
    data = json.loads(proc.stdout)
    assert data and all({"vision", "tools"} <= set(m["capabilities"]) and "gemini" in m["id"] for m in data)


def test_models_unknown_provider_and_no_match(run_promptls, tmp_path: Path) -> None:
    proc = run_promptls("models", "--provider", "bogus", cwd=tmp_path)
    assert proc.returncode == 2
    assert "promptls models: error: unknown provider `bogus`; known: openai, openrouter" in proc.stderr
    proc = run_promptls("models", "zzz-no-such-model", cwd=tmp_path)
    assert (proc.returncode, proc.stdout) == (1, "")
    assert "No model matches" in proc.stderr


# --- promptls explain and --version ----------------------------------------------------------------


def test_explain_a_rule_by_code_or_name(run_promptls, tmp_path: Path) -> None:
    proc = run_promptls("explain", "PLS203", cwd=tmp_path)
    assert proc.returncode == 0
    lines = proc.stdout.splitlines()
    assert lines[:2] == ["unknown-model (PLS203)", "Default severity: warning"]
    assert "## Why it matters" in lines and "## How to fix" in lines
    assert run_promptls("explain", "unknown-model", cwd=tmp_path).stdout == proc.stdout


def test_explain_lists_every_rule(run_promptls, tmp_path: Path) -> None:
    proc = run_promptls("explain", cwd=tmp_path)
    assert proc.returncode == 0
    rows = [line.split()[:3] for line in proc.stdout.splitlines()]
    assert ["PLS101", "invalid-yaml", "error"] in rows
    assert ["PLS203", "unknown-model", "warning"] in rows
    codes = [r[0] for r in rows]
    assert codes == sorted(set(codes)) and all(re.fullmatch(r"PLS\d{3}", c) for c in codes)


def test_explain_unknown_rule_exits_2(run_promptls, tmp_path: Path) -> None:
    proc = run_promptls("explain", "PLS999", cwd=tmp_path)
    assert (proc.returncode, proc.stdout) == (2, "")
    assert "promptls explain: error: unknown rule `PLS999`" in proc.stderr


# --- the installed console script ------------------------------------------------------------------


@pytest.fixture
def console_script() -> str:
    """The `promptls` script installed beside this interpreter (else the first on PATH)."""
    search = os.pathsep.join([os.path.dirname(sys.executable), os.environ.get("PATH", "")])
    script = shutil.which("promptls", path=search)
    if script is None:
        pytest.skip("the promptls console script is not installed (pip install -e .)")
    return script


def test_console_script_version(run_promptls, console_script: str, tmp_path: Path) -> None:
    proc = run_promptls("--version", cwd=tmp_path, command=[console_script])
    assert (proc.returncode, proc.stdout) == (0, f"promptls {__version__}\n")


def test_console_script_checks_the_examples(run_promptls, console_script: str, examples_copy: Path) -> None:
    proc = run_promptls("check", cwd=examples_copy, command=[console_script])
    assert proc.returncode == 0  # warnings at most (a model's retirement date may come near)
    assert "error" not in proc.stdout
    assert re.search(r"(All checks passed|warnings?) .*\(?9 prompt files, 1 settings file", proc.stdout)
    assert all(FINDING.match(line) for line in proc.stdout.splitlines()[:-1])


def test_a_mistyped_rule_in_check_select_is_reported_not_obeyed(tmp_path, run_promptls):
    (tmp_path / "promptls.toml").write_text('[check]\nselect = ["PLS9"]\n', encoding="utf-8")
    (tmp_path / "prompts").mkdir()
    (tmp_path / "prompts" / "a.md").write_text("---\nmodel: openai/gpt-4o\n---\nhi\n", encoding="utf-8")
    result = run_promptls("check", cwd=tmp_path, env={"NO_COLOR": "1"})
    assert result.returncode == 1
    assert "promptls.toml:2:11: PLS303 [check] select names `PLS9`" in result.stdout


def test_a_bad_parameter_in_the_environment_is_a_usage_error(examples_copy, run_promptls):
    result = run_promptls(
        "resolve",
        ".claude/agents/code-reviewer.md",
        cwd=examples_copy,
        env={"PROMPTLS_TEMPERATURE": "hot"},
    )
    assert result.returncode == 2
    assert "PROMPTLS_TEMPERATURE='hot': `temperature` must be a number, not 'hot'" in result.stderr


def test_a_claude_agents_fallback_is_read_in_its_dialect_by_check_and_resolve(
    run_promptls, tmp_path: Path
) -> None:
    agent = tmp_path / ".claude" / "agents" / "reviewer.md"
    agent.parent.mkdir(parents=True)
    agent.write_text(
        "---\nname: reviewer\ndescription: Reviews\nmodel: haiku\n"
        "fallback: [sonnet, claude-opus-4-5, sonet]\n---\nReview.\n"
    )
    (tmp_path / ".git").mkdir()
    proc = run_promptls("check", "--output-format", "json", ".", cwd=tmp_path)
    found = [(f["code"], f["message"]) for f in json.loads(proc.stdout)]
    assert [code for code, _ in found] == ["PLS206"]  # only the typo
    assert "did you mean `sonnet`" in found[0][1]
    proc = run_promptls("resolve", "--json", ".claude/agents/reviewer.md", cwd=tmp_path)
    chain = [f["model"] for f in json.loads(proc.stdout)["fallback"]]
    assert chain[:2] == ["anthropic/claude-sonnet-5-5", "anthropic/claude-opus-4-5"]
