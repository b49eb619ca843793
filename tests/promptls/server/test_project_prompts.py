"""The prompts the server gathers for a settings file's `[agents.x]` and `[prompts."glob"]` are the ones
`promptls check` walks: its `.gitignore`, `[check] include` and `exclude`, and not a nested project's."""

from __future__ import annotations

from pathlib import Path

from promptls.router.settings.discover import SettingsLoader

from promptls.server.project_prompts import project_prompt_keys

AGENT = "---\nname: {name}\ndescription: d\n---\nBody.\n"


def write(root: Path, files: dict[str, str]) -> None:
    for relative, text in files.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text(text, encoding="utf-8")


def test_the_projects_prompts_are_the_ones_check_walks(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "promptls.toml": '[check]\ninclude = ["notes/*.md"]\nexclude = ["old/**"]\n',
            ".gitignore": "build/\n",
            ".claude/agents/reviewer.md": AGENT.format(name="reviewer"),
            "notes/plan.md": "---\ndescription: a plan\n---\nPlan.\n",
            "README.md": "# No prompt\n",
            "old/.claude/agents/retired.md": AGENT.format(name="retired"),
            "build/.claude/agents/built.md": AGENT.format(name="built"),
            "sub/promptls.toml": "",
            "sub/.claude/agents/nested.md": AGENT.format(name="nested"),
        },
    )
    keys = project_prompt_keys(str(tmp_path), SettingsLoader(user_config=str(tmp_path / "none.toml")))
    assert keys is not None
    assert sorted((Path(k.path).relative_to(tmp_path).as_posix(), k.names) for k in keys) == [
        (".claude/agents/reviewer.md", ("reviewer",)),
        ("notes/plan.md", ("plan",)),
    ]


def test_past_the_limit_the_projects_prompts_are_not_known(tmp_path: Path) -> None:
    write(tmp_path, {"promptls.toml": "", **{f"prompts/p{i}.md": "---\nmodel: x/y\n---\n" for i in range(3)}})
    loader = SettingsLoader(user_config=str(tmp_path / "none.toml"))
    assert project_prompt_keys(str(tmp_path), loader, limit=2) is None
    assert project_prompt_keys(str(tmp_path), loader, limit=4) is not None
