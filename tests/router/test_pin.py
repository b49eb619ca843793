"""Pin a model for a prompt in promptls.toml: the smallest edit, and resolution then picks it."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from promptls.router.editor.pin import SettingsEdit, pin_model
from promptls.router.models.catalog import load_catalog
from promptls.router.prompts.frontmatter import parse_prompt
from promptls.router.resolution.resolve import resolve
from promptls.router.settings import Layer, SettingsLoader, load_settings

AGENT = "---\nname: code-reviewer\ndescription: Reviews code\nmodel: sonnet\n---\nReview.\n"


def _loader(tmp_path: Path) -> SettingsLoader:
    return SettingsLoader(user_config=str(tmp_path / "no-user-config.toml"))


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode("utf-8"))
    return path


def _pin(tmp_path: Path, rel: str, text: str, model: str, workspace: Path | None = None) -> SettingsEdit:
    path = _write(tmp_path / rel, text)
    prompt = parse_prompt(str(path), text)
    settings = _loader(tmp_path).for_prompt(str(path))
    return pin_model(prompt, model, settings, str(workspace or tmp_path))


def _apply(edit: SettingsEdit) -> str:
    """Apply the edits as a client would, write the file, and check that it is valid settings."""
    text = "" if edit.create else Path(edit.path).read_bytes().decode("utf-8")
    for change in sorted(edit.edits, key=lambda e: e.span.start, reverse=True):
        assert change.path == edit.path
        text = text[: change.span.start] + change.new_text + text[change.span.end :]
    Path(edit.path).write_bytes(text.encode("utf-8"))
    tomllib.loads(text)
    pyproject = edit.path.endswith("pyproject.toml")
    assert load_settings(edit.path, text, Layer.PROJECT, pyproject=pyproject).problems == []
    return text


def _resolved(tmp_path: Path, rel: str) -> tuple[str, str, int]:
    """The model a fresh resolution picks, and the file and line it comes from."""
    path = tmp_path / rel
    prompt = parse_prompt(str(path), path.read_text(encoding="utf-8"))
    res = resolve(prompt, _loader(tmp_path).for_prompt(str(path)), load_catalog())
    source = res.model_candidate.source
    return str(res.model), source.path, source.span.line


def test_without_settings_a_new_promptls_toml_is_created_in_the_workspace(tmp_path):
    edit = _pin(tmp_path, ".claude/agents/code-reviewer.md", AGENT, "openai/gpt-4o")
    assert edit.create
    assert edit.path == str(tmp_path / "promptls.toml")
    assert edit.title == "Pin openai/gpt-4o for agent code-reviewer in promptls.toml"
    assert len(edit.edits) == 1 and (edit.edits[0].span.start, edit.edits[0].span.end) == (0, 0)
    assert _apply(edit) == '[agents.code-reviewer]\nmodel = "openai/gpt-4o"\n'
    assert _resolved(tmp_path, ".claude/agents/code-reviewer.md") == ("openai/gpt-4o", edit.path, 2)


def test_with_only_a_local_file_the_project_file_is_created_beside_it(tmp_path):
    _write(tmp_path / "proj" / "promptls.local.toml", "[defaults]\nmodel = 'openai/gpt-4o-mini'\n")
    edit = _pin(
        tmp_path, "proj/.claude/agents/code-reviewer.md", AGENT, "openai/gpt-4o", tmp_path / "elsewhere"
    )
    assert edit.create and edit.path == str(tmp_path / "proj" / "promptls.toml")
    _apply(edit)
    assert _resolved(tmp_path, "proj/.claude/agents/code-reviewer.md")[0] == "openai/gpt-4o"


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ('[defaults]\nmodel = "openai/gpt-4o-mini"', '[defaults]\nmodel = "openai/gpt-4o-mini"\n\n'),
        ('[defaults]\nmodel = "openai/gpt-4o-mini"\n', '[defaults]\nmodel = "openai/gpt-4o-mini"\n\n'),
        ('[defaults]\nmodel = "openai/gpt-4o-mini"\n\n', '[defaults]\nmodel = "openai/gpt-4o-mini"\n\n'),
        ("# nothing yet\n", "# nothing yet\n\n"),
        ("", ""),
    ],
)
def test_a_missing_table_is_appended_after_one_blank_line(tmp_path, before, after):
    _write(tmp_path / "promptls.toml", before)
    edit = _pin(tmp_path, ".claude/agents/code-reviewer.md", AGENT, "ollama/llama3.2")
    assert not edit.create
    text = _apply(edit)
    assert text == after + '[agents.code-reviewer]\nmodel = "ollama/llama3.2"\n'
    line = text.count("\n")
    assert _resolved(tmp_path, ".claude/agents/code-reviewer.md") == ("ollama/llama3.2", edit.path, line)


def test_an_existing_table_gets_model_after_its_header_keeping_comments_and_indent(tmp_path):
    before = (
        "# team settings\n"
        "[agents.code-reviewer]   # the reviewer\n"
        "  # colder than the default\n"
        "  temperature = 0.1\n"
        "\n"
        "[defaults]\n"
        'model = "openai/gpt-4o-mini"\n'
    )
    _write(tmp_path / "promptls.toml", before)
    edit = _pin(tmp_path, ".claude/agents/code-reviewer.md", AGENT, "openai/gpt-4o")
    assert edit.edits[0].span.start == edit.edits[0].span.end  # a pure insertion
    assert _apply(edit) == before.replace("# the reviewer\n", '# the reviewer\n  model = "openai/gpt-4o"\n')
    assert _resolved(tmp_path, ".claude/agents/code-reviewer.md") == ("openai/gpt-4o", edit.path, 3)


def test_an_existing_model_has_only_its_value_replaced(tmp_path):
    before = "[agents.code-reviewer]\nmodel = 'ollama/qwen2.5-coder'   # local for now\ntemperature = 0.1\n"
    _write(tmp_path / "promptls.toml", before)
    edit = _pin(
        tmp_path,
        ".claude/agents/code-reviewer.md",
        AGENT,
        "openrouter/meta-llama/llama-3.3-70b-instruct:free",
    )
    (change,) = edit.edits
    assert before[change.span.start : change.span.end] == "'ollama/qwen2.5-coder'"
    assert _apply(edit) == (
        "[agents.code-reviewer]\n"
        'model = "openrouter/meta-llama/llama-3.3-70b-instruct:free"   # local for now\n'
        "temperature = 0.1\n"
    )
    assert _resolved(tmp_path, ".claude/agents/code-reviewer.md")[0] == (
        "openrouter/meta-llama/llama-3.3-70b-instruct:free"
    )


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (
            "[agents]\ncode-reviewer = { temperature = 0.1 }\n",
            '[agents]\ncode-reviewer = { model = "openai/gpt-4o", temperature = 0.1 }\n',
        ),
        ("[agents]\ncode-reviewer = {}\n", '[agents]\ncode-reviewer = { model = "openai/gpt-4o" }\n'),
        (
            "[agents]\ncode-reviewer = { model = 'x/y' }\n",
            '[agents]\ncode-reviewer = { model = "openai/gpt-4o" }\n',
        ),
        (
            "[agents]\ncode-reviewer.temperature = 0.1\n",
            '[agents]\ncode-reviewer.model = "openai/gpt-4o"\ncode-reviewer.temperature = 0.1\n',
        ),
        (
            "agents.code-reviewer.temperature = 0.1\n",
            'agents.code-reviewer.model = "openai/gpt-4o"\nagents.code-reviewer.temperature = 0.1\n',
        ),
    ],
)
def test_inline_and_dotted_tables_are_extended_in_their_own_style(tmp_path, before, after):
    _write(tmp_path / "promptls.toml", before)
    edit = _pin(tmp_path, ".claude/agents/code-reviewer.md", AGENT, "openai/gpt-4o")
    assert _apply(edit) == after
    assert _resolved(tmp_path, ".claude/agents/code-reviewer.md")[0] == "openai/gpt-4o"


def test_crlf_files_stay_crlf(tmp_path):
    _write(tmp_path / "promptls.toml", "[agents.code-reviewer]\r\ntemperature = 0.1\r\n")
    edit = _pin(tmp_path, ".claude/agents/code-reviewer.md", AGENT, "openai/gpt-4o")
    assert _apply(edit) == '[agents.code-reviewer]\r\nmodel = "openai/gpt-4o"\r\ntemperature = 0.1\r\n'


def test_pyproject_tables_live_under_tool_promptls(tmp_path):
    before = '[project]\nname = "x"\n\n[tool.promptls.defaults]\nmodel = "openai/gpt-4o-mini"\n'
    _write(tmp_path / "pyproject.toml", before)
    command = "---\ndescription: Write a commit message\n---\nWrite it.\n"
    edit = _pin(tmp_path, ".claude/commands/git/commit-message.md", command, "openai/gpt-4o")
    assert edit.path == str(tmp_path / "pyproject.toml")
    assert edit.title == "Pin openai/gpt-4o for command git:commit-message in pyproject.toml"
    assert (
        _apply(edit) == before + '\n[tool.promptls.commands."git:commit-message"]\nmodel = "openai/gpt-4o"\n'
    )
    assert _resolved(tmp_path, ".claude/commands/git/commit-message.md") == ("openai/gpt-4o", edit.path, 8)


def test_a_namespaced_command_already_assigned_by_its_plain_name_keeps_that_table(tmp_path):
    before = "[commands.commit-message]\ntemperature = 0.2\n"
    _write(tmp_path / "promptls.toml", before)
    command = "---\ndescription: Write a commit message\n---\nWrite it.\n"
    edit = _pin(tmp_path, ".claude/commands/git/commit-message.md", command, "openai/gpt-4o")
    assert edit.title == "Pin openai/gpt-4o for command commit-message in promptls.toml"
    assert _apply(edit) == '[commands.commit-message]\nmodel = "openai/gpt-4o"\ntemperature = 0.2\n'


def test_skills_and_copilot_files_use_their_tables(tmp_path):
    _write(tmp_path / "promptls.toml", "")
    skill = "---\nname: changelog\ndescription: Writes the changelog\n---\nWrite.\n"
    edit = _pin(tmp_path, ".claude/skills/changelog/SKILL.md", skill, "openai/gpt-4o")
    assert _apply(edit) == '[skills.changelog]\nmodel = "openai/gpt-4o"\n'
    edit = _pin(
        tmp_path, ".github/prompts/explain.prompt.md", "---\nmodel: GPT-4o\n---\nExplain.\n", "openai/o3"
    )
    assert edit.title == "Pin openai/o3 for command explain in promptls.toml"
    assert _apply(edit).endswith('\n\n[commands.explain]\nmodel = "openai/o3"\n')
    assert _resolved(tmp_path, ".github/prompts/explain.prompt.md")[0] == "openai/o3"


def test_generic_prompts_are_pinned_by_path_relative_to_the_settings_file(tmp_path):
    _write(tmp_path / "promptls.toml", '[prompts."prompts/*.md"]\nmodel = "openai/gpt-4o-mini"\n')
    generic = "---\nmodel: openai/gpt-4o-mini\n---\nHello.\n"
    edit = _pin(tmp_path, "prompts/team/triage.md", generic, "gemini/gemini-2.5-pro")
    assert edit.title == "Pin gemini/gemini-2.5-pro for prompt prompts/team/triage.md in promptls.toml"
    assert _apply(edit).endswith('\n\n[prompts."prompts/team/triage.md"]\nmodel = "gemini/gemini-2.5-pro"\n')
    assert _resolved(tmp_path, "prompts/team/triage.md")[0] == "gemini/gemini-2.5-pro"
    # Pinning again edits the same table.
    edit = _pin(tmp_path, "prompts/team/triage.md", generic, "openai/gpt-4o")
    assert _apply(edit).endswith('\n[prompts."prompts/team/triage.md"]\nmodel = "openai/gpt-4o"\n')
    assert _resolved(tmp_path, "prompts/team/triage.md")[0] == "openai/gpt-4o"


def test_glob_characters_in_a_path_are_matched_literally(tmp_path, recwarn):
    _write(tmp_path / "promptls.toml", "")
    edit = _pin(
        tmp_path, "prompts/v[2]/a*.prompt", "---\nmodel: openai/gpt-4o-mini\n---\nHi\n", "openai/gpt-4o"
    )
    assert '[prompts."prompts/v[[]2]/a[*].prompt"]' in _apply(edit)
    assert _resolved(tmp_path, "prompts/v[2]/a*.prompt")[0] == "openai/gpt-4o"


def test_invalid_toml_is_not_edited(tmp_path):
    _write(tmp_path / "promptls.toml", "[agents.code-reviewer\nmodel = 1\n")
    with pytest.raises(ValueError, match=r"promptls.toml is not valid TOML: fix it before pinning a model"):
        _pin(tmp_path, ".claude/agents/code-reviewer.md", AGENT, "openai/gpt-4o")


def test_a_table_that_is_not_a_table_is_refused(tmp_path):
    _write(tmp_path / "promptls.toml", '[agents]\ncode-reviewer = "openai/gpt-4o"\n')
    with pytest.raises(ValueError, match="is not a table"):
        _pin(tmp_path, ".claude/agents/code-reviewer.md", AGENT, "openai/gpt-4o")


def test_only_model_ids_are_pinned(tmp_path):
    with pytest.raises(ValueError, match=r"`sonnet` is not a model id: settings need `provider/name`"):
        _pin(tmp_path, ".claude/agents/code-reviewer.md", AGENT, "sonnet")
