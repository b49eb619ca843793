"""The shell and the editor give one answer: for every rule fixture, for a project whose promptls.toml
has `[check] select/ignore/include`, and for a Claude Code plugin's agents (read as a plugin's), what
`promptls check --output-format json` prints is what the real `promptls serve` shows for the same files
(each prompt and settings file opened as an editor opens it), code for code and line for line.

`promptls check` runs once for all the projects; each client profile's shared server opens them all.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.conftest import RunPromptls
from tests.promptls.server.conftest import EditorClient, diagnostics, open_doc
from tests.promptls.test_plugins import PLUGIN_AGENTS

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "rules"
RULE_FIXTURES = sorted(p.name for p in FIXTURES.iterdir() if p.is_dir())

Finding = tuple[str, int, str]
"""(path relative to the project, 1-based line, code)"""

CHECK_TABLE_PROJECT = {
    "promptls.toml": (
        "[check]\n"
        'select = ["PLS1", "PLS2"]\n'
        'ignore = ["PLS203"]\n'
        'include = ["notes/*.md"]\n'
        "\n"
        '[models."openai/gpt-4o"]\n'
        "context_window = 20\n"
    ),
    "promptls.local.toml": '[check]\ninclude = ["drafts/*.md"]\n',
    # PLS203 (`gpt4o`) is ignored; PLS207 (a temperature of 5) is selected.
    "prompts/summarize.md": "---\nmodel: openai/gpt4o\ntemperature: 5\n---\nSummarize.\n",
    # Longer than the 20-token window: PLS401, which `select` leaves out.
    "prompts/long.md": "---\nmodel: openai/gpt-4o\n---\n"
    + "Keep every decision, owner and date. " * 8
    + "\n",
    # No `model:` and no usual place: prompt files only by an `include` glob (PLS110 for `colour`).
    "notes/plan.md": "---\ndescription: a plan\ncolour: red\n---\nPlan.\n",
    "drafts/idea.md": "---\ndescription: an idea\ncolour: red\n---\nIdea.\n",
    "scratch/aside.md": "---\ndescription: an aside\ncolour: red\n---\nAside.\n",
}


@pytest.fixture(scope="session")
def projects(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Each rule fixture copied out of the repository (so no settings above it apply), and the
    `[check]` project; made once, used by every profile."""
    base = tmp_path_factory.mktemp("parity")
    found = {}
    for name in RULE_FIXTURES:
        found[name] = Path(shutil.copytree(FIXTURES / name, base / name))
        (found[name] / "expected.toml").unlink()
    for name, files in (("check-table", CHECK_TABLE_PROJECT), ("plugin-agents", PLUGIN_AGENTS)):
        project = found[name] = base / name
        for relative, text in files.items():
            (project / relative).parent.mkdir(parents=True, exist_ok=True)
            (project / relative).write_text(text, encoding="utf-8")
    return found


@pytest.fixture(scope="session")
def printed() -> dict[str, set[Finding]]:
    """What `promptls check` printed, by project: filled by the first test to ask (see `printed_by_check`)."""
    return {}


def printed_by_check(
    name: str, projects: dict[str, Path], run_promptls: RunPromptls, printed: dict[str, set[Finding]]
) -> set[Finding]:
    """What `promptls check --output-format json` prints for the project `name`.

    One run checks all the projects, as `promptls check a/ b/` does (each file under its own project's
    settings and `[check]` table, the same as a run inside each project, at one start-up's cost).
    """
    if not printed:
        base = projects[name].parent
        proc = run_promptls("check", "--output-format", "json", *projects, cwd=base)
        printed.update((project, set()) for project in projects)
        for finding in json.loads(proc.stdout):
            project, relative = finding["path"].split("/", 1)
            printed[project].add((relative, finding["location"]["line"], finding["code"]))
    return printed[name]


async def shown_by_server(client: EditorClient, project: Path) -> set[Finding]:
    """The diagnostics of every file of the project, opened as an editor opens it (settings files
    first, so the prompts are checked under settings the editor holds)."""
    files = sorted(p for p in project.rglob("*") if p.is_file())
    files.sort(key=lambda p: p.suffix != ".toml")
    opened = [(path, open_doc(client, path, editor_text(path), language_of(path))) for path in files]
    shown = set()
    for path, uri in opened:
        relative = path.relative_to(project).as_posix()
        shown |= {(relative, d.range.start.line + 1, str(d.code)) for d in await diagnostics(client, uri)}
    return shown


def editor_text(path: Path) -> str:
    # An editor shows bytes that are not UTF-8 as replacement characters (VS Code's default).
    return path.read_bytes().decode("utf-8", errors="replace")


def language_of(path: Path) -> str:
    return {".toml": "toml", ".prompt": "prompt", ".json": "json"}.get(path.suffix, "markdown")


@pytest.mark.parametrize("name", [*RULE_FIXTURES, "check-table", "plugin-agents"])
async def test_check_and_the_server_report_the_same_findings(
    client: EditorClient,
    projects: dict[str, Path],
    run_promptls: RunPromptls,
    printed: dict[str, set[Finding]],
    name: str,
) -> None:
    by_check = printed_by_check(name, projects, run_promptls, printed)
    by_server = await shown_by_server(client, projects[name])
    assert by_server == by_check, (
        f"only the server: {sorted(by_server - by_check)}; only check: {sorted(by_check - by_server)}"
    )
