"""Settings files: TOML spans, validation findings at the right line, and discovery of the files
that apply to a prompt."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from promptls.router.base.findings import Finding
from promptls.router.base.source import LineIndex
from promptls.router.settings import Layer, SettingsLoader, load_settings, user_config_path
from promptls.router.settings.tomlspans import TomlSpans


def text_at(text: str, span) -> str:
    return text[span.start : span.end]


def apply_fix(text: str, finding: Finding) -> str:
    assert finding.fix is not None
    for edit in sorted(finding.fix.edits, key=lambda e: e.span.start, reverse=True):
        text = text[: edit.span.start] + edit.new_text + text[edit.span.end :]
    return text


def spans_of(text: str) -> TomlSpans:
    return TomlSpans(text, LineIndex(text))


# --- TOML spans --------------------------------------------------------------------------------

DOC = """\
# promptls settings
[defaults]
model = "openai/gpt-4o"  # the usual
fallback = [
  "openrouter/deepseek/deepseek-chat",  # cheap
  # a comment line inside the array
  'ollama/llama3.2:3b',
]
temperature = 0.3

[agents.code-reviewer]
model = "ollama/qwen2.5-coder"

[commands."git:commit-message"]
model = "openai/gpt-4o-mini"

[prompts."prompts/**/*.md"]
tier = "light"
"""


def test_table_header_spans():
    spans = spans_of(DOC)
    header = spans.key_span(("defaults",))
    assert (header.line, header.column) == (2, 1)
    assert text_at(DOC, header) == "[defaults]"
    assert text_at(DOC, spans.key_span(("agents", "code-reviewer"))) == "[agents.code-reviewer]"


def test_key_and_value_spans_leave_out_trailing_comments():
    spans = spans_of(DOC)
    key = spans.key_span(("defaults", "model"))
    value = spans.value_span(("defaults", "model"))
    assert (key.line, key.column, text_at(DOC, key)) == (3, 1, "model")
    assert (value.line, value.column, text_at(DOC, value)) == (3, 9, '"openai/gpt-4o"')
    assert text_at(DOC, spans.value_span(("defaults", "temperature"))) == "0.3"


def test_multiline_array_with_comments_spans_to_its_bracket():
    spans = spans_of(DOC)
    value = spans.value_span(("defaults", "fallback"))
    assert value.line == 4
    assert text_at(DOC, value).startswith("[\n")
    assert text_at(DOC, value).endswith("'ollama/llama3.2:3b',\n]")
    # the keys after the array are still found
    assert spans.key_span(("defaults", "temperature")).line == 9


def test_find_in_value_gives_each_array_item_its_span():
    spans = spans_of(DOC)
    first = spans.find_in_value(("defaults", "fallback"), "openrouter/deepseek/deepseek-chat")
    second = spans.find_in_value(("defaults", "fallback"), "ollama/llama3.2:3b")
    assert (first.line, first.column) == (5, 3)
    assert text_at(DOC, first) == '"openrouter/deepseek/deepseek-chat"'
    assert (second.line, second.column) == (7, 3)
    assert text_at(DOC, second) == "'ollama/llama3.2:3b'"
    assert spans.find_in_value(("defaults", "fallback"), "openai/gpt-4o") is None
    assert spans.find_in_value(("defaults", "nope"), "x") is None


def test_quoted_table_names():
    spans = spans_of(DOC)
    assert spans.key_span(("commands", "git:commit-message", "model")).line == 15
    assert text_at(DOC, spans.key_span(("commands", "git:commit-message"))) == (
        '[commands."git:commit-message"]'
    )
    assert spans.value_span(("prompts", "prompts/**/*.md", "tier")).line == 18


def test_dotted_and_quoted_keys():
    text = 'defaults.model = "openai/gpt-4o"\n"skills"."my skill".model = "openai/gpt-4o-mini"\n'
    spans = spans_of(text)
    assert text_at(text, spans.key_span(("defaults", "model"))) == "defaults.model"
    assert text_at(text, spans.value_span(("defaults", "model"))) == '"openai/gpt-4o"'
    key = spans.key_span(("skills", "my skill", "model"))
    assert (key.line, key.column) == (2, 1)
    assert text_at(text, spans.value_span(("skills", "my skill", "model"))) == '"openai/gpt-4o-mini"'
    # a dotted key also gives its parents a place to point at
    assert spans.key_span(("skills", "my skill")).line == 2


def test_inline_table_keys():
    text = '[agents]\nreviewer = { model = "openai/gpt-4o", temperature = 0.1 }\n'
    spans = spans_of(text)
    assert text_at(text, spans.value_span(("agents", "reviewer"))).startswith("{ model")
    model = spans.key_span(("agents", "reviewer", "model"))
    temperature = spans.key_span(("agents", "reviewer", "temperature"))
    assert (model.line, model.column, text_at(text, model)) == (2, 14, "model")
    assert (temperature.line, temperature.column) == (2, 39)


def test_unknown_paths_fall_back_to_the_nearest_written_ancestor():
    spans = spans_of(DOC)
    assert spans.key_span(("agents", "code-reviewer", "temperature")) == spans.key_span(
        ("agents", "code-reviewer")
    )
    assert spans.key_span(("nothing",)) is None


def test_multiline_strings_are_skipped():
    text = 'a = """\n[not.a.table]\nmodel = 1\n"""\nb = 2\n'
    spans = spans_of(text)
    assert spans.key_span(("not", "a", "table")) is None
    assert spans.key_span(("b",)).line == 5


# --- load_settings: findings ----------------------------------------------------------------


def test_invalid_toml_is_reported_at_its_line_and_nothing_applies():
    text = '[defaults]\nmodel = "openai/gpt-4o"\ntemperature = \n[agents.x]\n'
    file = load_settings("/p/promptls.toml", text, Layer.PROJECT)
    assert [p.code for p in file.problems] == ["PLS301"]
    assert file.problems[0].span.line == 3
    assert "none of this file's settings apply" in file.problems[0].message
    assert file.data == {}


def test_a_table_declared_twice_is_invalid_toml_at_the_second_header():
    text = "[defaults]\nmodel = 'a/b'\n\n[defaults]\ntemperature = 1\n"
    file = load_settings("/p/promptls.toml", text, Layer.PROJECT)
    assert [(p.code, p.span.line) for p in file.problems] == [("PLS301", 4)]


def test_unknown_key_with_did_you_mean_fix():
    text = '[defaults]\nmodle = "openai/gpt-4o"\ntemprature = 0.2\n'
    file = load_settings("/p/promptls.toml", text, Layer.PROJECT)
    assert [(p.code, p.span.line) for p in file.problems] == [("PLS302", 2), ("PLS302", 3)]
    first = file.problems[0]
    assert "did you mean `model`?" in first.message
    assert "[defaults]" in first.message
    fixed = apply_fix(apply_fix(text, file.problems[1]), first)
    assert fixed == '[defaults]\nmodel = "openai/gpt-4o"\ntemperature = 0.2\n'
    refixed = load_settings("/p/promptls.toml", fixed, Layer.PROJECT)
    assert refixed.problems == []
    assert refixed.data == {"defaults": {"model": "openai/gpt-4o", "temperature": 0.2}}
    assert file.data == {"defaults": {}}


def test_unknown_key_without_a_close_match_lists_the_known_keys():
    file = load_settings("/p/promptls.toml", "[zzz]\na = 1\n", Layer.PROJECT)
    problem = file.problems[0]
    assert problem.code == "PLS302"
    assert problem.fix is None
    assert "known keys" in problem.message and "defaults" in problem.message


@pytest.mark.parametrize(
    ("line", "phrase"),
    [
        ("model = 5", "must be a model id"),
        ("temperature = 3", "from 0 to 2"),
        ("temperature = nan", "from 0 to 2"),
        ("top_p = -0.5", "from 0 to 1"),
        ('max_tokens = "many"', "must be an integer"),
        ("top_k = 0", "at least 1"),
        ("fallback = [1, 2]", "list of model ids"),
        ('model_fallback = "yes"', "true or false"),
        ('reasoning_effort = "extreme"', "one of minimal, low, medium, high"),
    ],
)
def test_wrong_types_and_ranges_are_reported_and_left_out(line, phrase):
    text = f'[agents.reviewer]\nprofile = "fast"\n{line}\n'
    file = load_settings("/p/promptls.toml", text, Layer.PROJECT)
    assert [(p.code, p.span.line) for p in file.problems] == [("PLS303", 3)]
    problem = file.problems[0]
    assert phrase in problem.message
    assert "[agents.reviewer]" in problem.message
    assert "ignored" in problem.message
    assert text_at(text, problem.span) == line.split(" = ", 1)[1]
    # the bad value never reaches resolution; its neighbours do
    assert file.data == {"agents": {"reviewer": {"profile": "fast"}}}
    assert file.lookup(("agents", "reviewer", line.split(" ")[0])) is None


@pytest.mark.parametrize("url", ["ftp://localhost:1234", "http://[localhost:1234/v1", "localhost:1234"])
def test_provider_url_must_be_http(url):
    text = f'[providers.lmstudio]\nbase_url = "{url}"\nlocal = true\n'
    file = load_settings("/p/promptls.toml", text, Layer.PROJECT)
    assert [(p.code, p.span.line) for p in file.problems] == [("PLS303", 2)]
    assert "http(s) URL" in file.problems[0].message
    assert file.data == {"providers": {"lmstudio": {"local": True}}}


def test_a_table_where_a_value_belongs_and_the_reverse():
    file = load_settings("/p/promptls.toml", 'defaults = "x"\n[agents]\nx = 3\n', Layer.PROJECT)
    assert [(p.code, p.span.line) for p in file.problems] == [("PLS303", 1), ("PLS303", 3)]
    assert file.data == {"agents": {}}


def test_model_values_are_collected_with_their_spans():
    file = load_settings("/p/promptls.toml", DOC, Layer.PROJECT)
    assert file.problems == []
    found = [(m.keypath, m.value, m.span.line, text_at(DOC, m.span)) for m in file.models]
    assert found == [
        (("defaults", "model"), "openai/gpt-4o", 3, '"openai/gpt-4o"'),
        (
            ("defaults", "fallback"),
            "openrouter/deepseek/deepseek-chat",
            5,
            '"openrouter/deepseek/deepseek-chat"',
        ),
        (("defaults", "fallback"), "ollama/llama3.2:3b", 7, "'ollama/llama3.2:3b'"),
        (("agents", "code-reviewer", "model"), "ollama/qwen2.5-coder", 12, '"ollama/qwen2.5-coder"'),
        (("commands", "git:commit-message", "model"), "openai/gpt-4o-mini", 15, '"openai/gpt-4o-mini"'),
    ]


def test_setting_carries_its_provenance():
    file = load_settings("/p/promptls.toml", DOC, Layer.PROJECT)
    setting = file.setting(("agents", "code-reviewer", "model"))
    assert setting.value == "ollama/qwen2.5-coder"
    assert setting.source.layer is Layer.PROJECT
    assert setting.source.label == "[agents.code-reviewer] model"
    assert setting.source.path == "/p/promptls.toml"
    assert setting.source.span.line == 12
    assert setting.source.location() == "/p/promptls.toml:12"
    quoted = file.setting(("commands", "git:commit-message", "model"))
    assert quoted.source.label == '[commands."git:commit-message"] model'
    assert file.setting(("defaults", "nope")) is None


def test_pyproject_reads_only_tool_promptls_and_keeps_its_lines():
    text = (
        '[project]\nname = "demo"\nversion = "1"\n\n'
        '[tool.promptls.defaults]\nmodel = "openai/gpt-4o"\nmodle = "x"\n\n'
        '[tool.promptls.agents.reviewer]\nmodel = "ollama/qwen2.5-coder"\n\n'
        "[tool.ruff]\nline-length = 100\n"
    )
    file = load_settings("/p/pyproject.toml", text, Layer.PROJECT, pyproject=True)
    assert file.data == {
        "defaults": {"model": "openai/gpt-4o"},
        "agents": {"reviewer": {"model": "ollama/qwen2.5-coder"}},
    }
    assert [(p.code, p.span.line) for p in file.problems] == [("PLS302", 7)]
    assert file.setting(("defaults", "model")).source.span.line == 6
    assert file.setting(("agents", "reviewer", "model")).source.span.line == 10
    assert [m.span.line for m in file.models] == [6, 10]


def test_pyproject_inline_tool_promptls_table():
    text = '[tool.promptls]\ndefaults = { model = "openai/gpt-4o" }\n'
    file = load_settings("/p/pyproject.toml", text, Layer.PROJECT, pyproject=True)
    assert file.data == {"defaults": {"model": "openai/gpt-4o"}}
    assert file.span(("defaults", "model")).line == 2


def test_settings_never_raise_on_deep_nesting():
    file = load_settings("/p/promptls.toml", "a = " + "[" * 3000 + "]" * 3000 + "\n", Layer.PROJECT)
    assert [p.code for p in file.problems] == ["PLS301"]


# --- discovery ----------------------------------------------------------------------------------


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def loader(tmp_path) -> SettingsLoader:
    return SettingsLoader(user_config=str(tmp_path / "none.toml"))


def test_nothing_found(tmp_path, loader):
    found = loader.for_prompt(str(tmp_path / "a" / "b" / "p.md"))
    assert (found.root, found.local, found.project, found.user) == (None, None, None, None)
    assert found.files == ()


def test_walks_up_to_the_nearest_settings(tmp_path, loader):
    write(tmp_path / "promptls.toml", "[defaults]\nmodel = 'openai/gpt-4o'\n")
    write(tmp_path / "sub" / "promptls.toml", "[defaults]\nmodel = 'openai/gpt-4o-mini'\n")
    deep = loader.for_prompt(str(tmp_path / "sub" / "x" / "y" / "p.md"))
    assert deep.root == str(tmp_path / "sub")
    assert deep.project.data["defaults"]["model"] == "openai/gpt-4o-mini"
    assert deep.project.layer is Layer.PROJECT
    top = loader.for_prompt(str(tmp_path / "other" / "p.md"))
    assert top.root == str(tmp_path)
    assert top.project.data["defaults"]["model"] == "openai/gpt-4o"


def test_local_and_project_files_of_one_folder_both_apply_local_first(tmp_path, loader):
    write(tmp_path / "promptls.toml", "[defaults]\nmodel = 'openai/gpt-4o'\n")
    write(tmp_path / "promptls.local.toml", "[defaults]\nmodel = 'ollama/llama3.2:3b'\n")
    found = loader.for_prompt(str(tmp_path / "p.md"))
    assert found.local.layer is Layer.LOCAL
    assert found.project.layer is Layer.PROJECT
    assert [f.path for f in found.files] == [
        str(tmp_path / "promptls.local.toml"),
        str(tmp_path / "promptls.toml"),
    ]


def test_a_local_file_alone_marks_the_project_root(tmp_path, loader):
    write(tmp_path / "promptls.local.toml", "[defaults]\nmodel = 'ollama/llama3.2:3b'\n")
    found = loader.for_prompt(str(tmp_path / "prompts" / "p.md"))
    assert found.root == str(tmp_path)
    assert found.project is None
    assert found.local is not None


def test_pyproject_with_tool_promptls_counts(tmp_path, loader):
    write(tmp_path / "pyproject.toml", "[tool.promptls.defaults]\nmodel = 'openai/gpt-4o'\n")
    found = loader.for_prompt(str(tmp_path / "prompts" / "p.md"))
    assert found.root == str(tmp_path)
    assert found.project.path == str(tmp_path / "pyproject.toml")
    assert found.project.data == {"defaults": {"model": "openai/gpt-4o"}}


def test_pyproject_without_tool_promptls_is_passed_by(tmp_path, loader):
    write(tmp_path / "promptls.toml", "[defaults]\nmodel = 'openai/gpt-4o'\n")
    write(tmp_path / "pkg" / "pyproject.toml", "[project]\nname = 'pkg'\n[tool.ruff]\nx = 1\n")
    found = loader.for_prompt(str(tmp_path / "pkg" / "p.md"))
    assert found.root == str(tmp_path)
    assert found.project.path == str(tmp_path / "promptls.toml")


def test_promptls_toml_beats_pyproject_in_the_same_folder(tmp_path, loader):
    write(tmp_path / "pyproject.toml", "[tool.promptls.defaults]\nmodel = 'openai/gpt-4o'\n")
    write(tmp_path / "promptls.toml", "[defaults]\nmodel = 'gemini/gemini-2.5-pro'\n")
    found = loader.for_prompt(str(tmp_path / "p.md"))
    assert found.project.path == str(tmp_path / "promptls.toml")
    assert found.project.data["defaults"]["model"] == "gemini/gemini-2.5-pro"


def test_nearer_pyproject_beats_a_farther_promptls_toml(tmp_path, loader):
    write(tmp_path / "promptls.toml", "[defaults]\nmodel = 'gemini/gemini-2.5-pro'\n")
    write(tmp_path / "pkg" / "pyproject.toml", "[tool.promptls.defaults]\nmodel = 'openai/gpt-4o'\n")
    found = loader.for_prompt(str(tmp_path / "pkg" / "prompts" / "p.md"))
    assert found.root == str(tmp_path / "pkg")
    assert found.project.data["defaults"]["model"] == "openai/gpt-4o"


def test_user_config_comes_from_the_loaders_path(tmp_path):
    user = write(tmp_path / "home" / "config.toml", "[defaults]\nmodel = 'openai/gpt-4o-mini'\n")
    loader = SettingsLoader(user_config=str(user))
    assert loader.user_path == str(user)
    found = loader.for_prompt(str(tmp_path / "proj" / "p.md"))
    assert found.root is None
    assert found.user.layer is Layer.USER
    assert found.user.data["defaults"]["model"] == "openai/gpt-4o-mini"
    assert found.files == (found.user,)


def test_user_config_path_honours_promptls_config(monkeypatch, tmp_path):
    monkeypatch.setenv("PROMPTLS_CONFIG", str(tmp_path / "mine.toml"))
    assert user_config_path() == str(tmp_path / "mine.toml")
    monkeypatch.delenv("PROMPTLS_CONFIG")
    default = user_config_path()
    assert default.endswith(os.path.join("promptls", "config.toml"))


def test_results_are_cached_until_invalidated(tmp_path, loader):
    settings = write(tmp_path / "promptls.toml", "[defaults]\nmodel = 'openai/gpt-4o'\n")
    prompt = str(tmp_path / "p.md")
    assert loader.for_prompt(prompt).project.data["defaults"]["model"] == "openai/gpt-4o"
    settings.write_text("[defaults]\nmodel = 'openai/gpt-4.1'\n", encoding="utf-8")
    assert loader.for_prompt(prompt).project.data["defaults"]["model"] == "openai/gpt-4o"
    loader.invalidate(str(settings))
    assert loader.for_prompt(prompt).project.data["defaults"]["model"] == "openai/gpt-4.1"


def test_invalidate_all_picks_up_new_files(tmp_path, loader):
    prompt = str(tmp_path / "a" / "p.md")
    assert loader.for_prompt(prompt).project is None
    write(tmp_path / "a" / "promptls.toml", "[defaults]\nmodel = 'openai/gpt-4o'\n")
    assert loader.for_prompt(prompt).project is None  # cached
    loader.invalidate()
    assert loader.for_prompt(prompt).project is not None


def test_read_text_serves_unsaved_buffers(tmp_path):
    buffers = {str(tmp_path / "promptls.toml"): "[defaults]\nmodel = 'openai/gpt-4o'\n"}
    loader = SettingsLoader(read_text=buffers.get, user_config=str(tmp_path / "none.toml"))
    found = loader.for_prompt(str(tmp_path / "p.md"))
    assert found.project.data == {"defaults": {"model": "openai/gpt-4o"}}
    assert not (tmp_path / "promptls.toml").exists()


def test_a_broken_settings_file_still_counts_and_reports(tmp_path, loader):
    write(tmp_path / "promptls.toml", "[defaults\nmodel = 1\n")
    found = loader.for_prompt(str(tmp_path / "p.md"))
    assert found.project.data == {}
    assert [(p.code, p.span.line) for p in found.project.problems] == [("PLS301", 1)]


def test_pyproject_findings_name_the_full_table():
    text = '[tool.promptls.defaults]\ntemprature = 0.2\ntemperature = "hot"\n'
    file = load_settings("pyproject.toml", text, Layer.PROJECT, pyproject=True)
    messages = [p.message for p in file.problems]
    assert any("in [tool.promptls.defaults]; did you mean `temperature`?" in m for m in messages)
    assert any(m.startswith("[tool.promptls.defaults] temperature must be") for m in messages)
