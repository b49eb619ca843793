"""Settings files: TOML spans, validation findings at the right line, and discovery of the files
that apply to a prompt."""

from __future__ import annotations

import ast
import os
from pathlib import Path

import pytest
from promptls.router.base.findings import Finding
from promptls.router.base.source import LineIndex
from promptls.router.settings import Layer, SettingsLoader, load_settings, user_config_path
from promptls.router.settings.spec import SCHEMA
from promptls.router.settings.tomlspans import TomlSpans
from promptls.router.settings.view import Layered, SettingsView, TableView


def text_at(text: str, span) -> str:
    return text[span.start : span.end]


def apply_fix(text: str, finding: Finding) -> str:
    assert finding.fix is not None
    for edit in sorted(finding.fix.edits, key=lambda e: e.span.start, reverse=True):
        text = text[: edit.span.start] + edit.new_text + text[edit.span.end :]
    return text


def spans_of(text: str) -> TomlSpans:
    return TomlSpans(text, LineIndex(text))


def plain(entry) -> object:
    if isinstance(entry, Layered):
        return entry.value
    if isinstance(entry, TableView):
        return entry.values()
    return {name: plain(item) for name, item in entry.items()}


def values(view: SettingsView) -> dict:
    """Every table a view holds, as plain values (empty tables left out)."""
    return {name: plain(getattr(view, name)) for name in SCHEMA if getattr(view, name)}


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
    assert values(file.view) == {}


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
    assert values(refixed.view) == {"defaults": {"model": "openai/gpt-4o", "temperature": 0.2}}
    assert values(file.view) == {}


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
    assert values(file.view) == {"agents": {"reviewer": {"profile": "fast"}}}
    assert line.split(" ")[0] not in file.view.agents["reviewer"]


@pytest.mark.parametrize("url", ["ftp://localhost:1234", "http://[localhost:1234/v1", "localhost:1234"])
def test_provider_url_must_be_http(url):
    text = f'[providers.lmstudio]\nbase_url = "{url}"\nlocal = true\n'
    file = load_settings("/p/promptls.toml", text, Layer.PROJECT)
    assert [(p.code, p.span.line) for p in file.problems] == [("PLS303", 2)]
    assert "http(s) URL" in file.problems[0].message
    assert values(file.view) == {"providers": {"lmstudio": {"local": True}}}


def test_a_table_where_a_value_belongs_and_the_reverse():
    file = load_settings("/p/promptls.toml", 'defaults = "x"\n[agents]\nx = 3\n', Layer.PROJECT)
    assert [(p.code, p.span.line) for p in file.problems] == [("PLS303", 1), ("PLS303", 3)]
    assert values(file.view) == {}


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
    setting = file.view.agents["code-reviewer"].setting("model")
    assert setting.value == "ollama/qwen2.5-coder"
    assert setting.source.layer is Layer.PROJECT
    assert setting.source.label == "[agents.code-reviewer] model"
    assert setting.source.path == "/p/promptls.toml"
    assert setting.source.span.line == 12
    assert setting.source.location() == "/p/promptls.toml:12"
    quoted = file.view.commands["git:commit-message"].setting("model")
    assert quoted.source.label == '[commands."git:commit-message"] model'
    assert file.view.defaults.setting("nope") is None


def test_pyproject_reads_only_tool_promptls_and_keeps_its_lines():
    text = (
        '[project]\nname = "demo"\nversion = "1"\n\n'
        '[tool.promptls.defaults]\nmodel = "openai/gpt-4o"\nmodle = "x"\n\n'
        '[tool.promptls.agents.reviewer]\nmodel = "ollama/qwen2.5-coder"\n\n'
        "[tool.ruff]\nline-length = 100\n"
    )
    file = load_settings("/p/pyproject.toml", text, Layer.PROJECT, pyproject=True)
    assert values(file.view) == {
        "defaults": {"model": "openai/gpt-4o"},
        "agents": {"reviewer": {"model": "ollama/qwen2.5-coder"}},
    }
    assert [(p.code, p.span.line) for p in file.problems] == [("PLS302", 7)]
    assert file.view.defaults.setting("model").source.span.line == 6
    assert file.view.defaults.setting("model").source.label == "[tool.promptls.defaults] model"
    assert file.view.agents["reviewer"].setting("model").source.span.line == 10
    assert [m.span.line for m in file.models] == [6, 10]


def test_pyproject_inline_tool_promptls_table():
    text = '[tool.promptls]\ndefaults = { model = "openai/gpt-4o" }\n'
    file = load_settings("/p/pyproject.toml", text, Layer.PROJECT, pyproject=True)
    assert values(file.view) == {"defaults": {"model": "openai/gpt-4o"}}
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
    assert deep.project.view.defaults.value("model") == "openai/gpt-4o-mini"
    assert deep.project.layer is Layer.PROJECT
    top = loader.for_prompt(str(tmp_path / "other" / "p.md"))
    assert top.root == str(tmp_path)
    assert top.project.view.defaults.value("model") == "openai/gpt-4o"


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
    assert values(found.project.view) == {"defaults": {"model": "openai/gpt-4o"}}


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
    assert found.project.view.defaults.value("model") == "gemini/gemini-2.5-pro"


def test_nearer_pyproject_beats_a_farther_promptls_toml(tmp_path, loader):
    write(tmp_path / "promptls.toml", "[defaults]\nmodel = 'gemini/gemini-2.5-pro'\n")
    write(tmp_path / "pkg" / "pyproject.toml", "[tool.promptls.defaults]\nmodel = 'openai/gpt-4o'\n")
    found = loader.for_prompt(str(tmp_path / "pkg" / "prompts" / "p.md"))
    assert found.root == str(tmp_path / "pkg")
    assert found.project.view.defaults.value("model") == "openai/gpt-4o"


def test_user_config_comes_from_the_loaders_path(tmp_path):
    user = write(tmp_path / "home" / "config.toml", "[defaults]\nmodel = 'openai/gpt-4o-mini'\n")
    loader = SettingsLoader(user_config=str(user))
    assert loader.user_path == str(user)
    found = loader.for_prompt(str(tmp_path / "proj" / "p.md"))
    assert found.root is None
    assert found.user.layer is Layer.USER
    assert found.user.view.defaults.value("model") == "openai/gpt-4o-mini"
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
    assert loader.for_prompt(prompt).project.view.defaults.value("model") == "openai/gpt-4o"
    settings.write_text("[defaults]\nmodel = 'openai/gpt-4.1'\n", encoding="utf-8")
    assert loader.for_prompt(prompt).project.view.defaults.value("model") == "openai/gpt-4o"
    loader.invalidate(str(settings))
    assert loader.for_prompt(prompt).project.view.defaults.value("model") == "openai/gpt-4.1"


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
    assert values(found.project.view) == {"defaults": {"model": "openai/gpt-4o"}}
    assert not (tmp_path / "promptls.toml").exists()


def test_a_broken_settings_file_still_counts_and_reports(tmp_path, loader):
    write(tmp_path / "promptls.toml", "[defaults\nmodel = 1\n")
    found = loader.for_prompt(str(tmp_path / "p.md"))
    assert values(found.project.view) == {}
    assert [(p.code, p.span.line) for p in found.project.problems] == [("PLS301", 1)]


def test_pyproject_findings_name_the_full_table():
    text = '[tool.promptls.defaults]\ntemprature = 0.2\ntemperature = "hot"\n'
    file = load_settings("pyproject.toml", text, Layer.PROJECT, pyproject=True)
    messages = [p.message for p in file.problems]
    assert any("in [tool.promptls.defaults]; did you mean `temperature`?" in m for m in messages)
    assert any(m.startswith("[tool.promptls.defaults] temperature must be") for m in messages)


# --- the merged view: how the layers combine ----------------------------------------------------------


def used(view: SettingsView, path: str) -> object:
    """The value used at a dotted path such as `check.ignore` or `providers.x.options`."""
    table, *rest = path.split(".")
    entry = getattr(view, table)
    for part in rest:
        entry = entry.entries[part] if isinstance(entry, TableView) else entry[part]
    return plain(entry)


# (case, promptls.local.toml, promptls.toml, user config.toml, value read, the value used)
COMBINE = [
    (
        "a value: the nearest layer that sets it wins",
        '[defaults]\nmodel = "a/local"',
        '[defaults]\nmodel = "a/project"',
        '[defaults]\nmodel = "a/user"',
        "defaults.model",
        "a/local",
    ),
    (
        "a farther layer fills what nearer ones leave out",
        "[defaults]\ntemperature = 0.1",
        "",
        '[defaults]\nmodel = "a/user"',
        "defaults",
        {"temperature": 0.1, "model": "a/user"},
    ),
    (
        "a list is replaced whole, never joined: [defaults] fallback",
        '[defaults]\nfallback = ["a/local"]',
        '[defaults]\nfallback = ["a/project", "b/project"]',
        "",
        "defaults.fallback",
        ["a/local"],
    ),
    (
        "[check] select: the nearest layer's selection, whole",
        '[check]\nselect = ["PLS2"]',
        '[check]\nselect = ["PLS1", "PLS3"]',
        "",
        "check.select",
        ["PLS2"],
    ),
    (
        "[check] ignore: every layer's codes apply",
        '[check]\nignore = ["PLS401"]',
        '[check]\nignore = ["PLS203"]',
        '[check]\nignore = ["PLS204"]',
        "check.ignore",
        ("PLS401", "PLS203", "PLS204"),
    ),
    (
        "[check] include: every layer's globs apply",
        '[check]\ninclude = ["mine/*.md"]',
        '[check]\ninclude = ["docs/**/*.md"]',
        "",
        "check.include",
        ("mine/*.md", "docs/**/*.md"),
    ),
    (
        "[check] exclude: every layer's globs apply",
        "",
        '[check]\nexclude = ["vendor/**"]',
        '[check]\nexclude = ["scratch/**"]',
        "check.exclude",
        ("vendor/**", "scratch/**"),
    ),
    (
        "[providers.NAME]: key by key",
        '[providers.lm]\nbase_url = "http://localhost:9/v1"',
        '[providers.lm]\nbase_url = "http://gpu:1234/v1"\napi_key_env = "LM_KEY"',
        "",
        "providers.lm",
        {"base_url": "http://localhost:9/v1", "api_key_env": "LM_KEY"},
    ),
    (
        "[providers.NAME] options: merged key by key",
        "[providers.lm]\noptions = { seed = 1 }",
        "[providers.lm]\noptions = { seed = 2, keep_alive = 5 }",
        "",
        "providers.lm.options",
        {"seed": 1, "keep_alive": 5},
    ),
    (
        '[models."ID"]: key by key, its params too',
        '[models."a/m"]\nparams = { top_p = 0.5 }',
        '[models."a/m"]\ncontext_window = 8192\nparams = { top_p = 0.9, seed = 7 }',
        "",
        "models.a/m",
        {"params": {"top_p": 0.5, "seed": 7}, "context_window": 8192},
    ),
    (
        "[profiles.NAME]: the nearest layer that writes a profile defines all of it",
        '[profiles.fast]\nprefer = ["llama"]',
        '[profiles.fast]\nmodel = "a/project"\ntemperature = 0.2',
        "",
        "profiles.fast",
        {"prefer": ["llama"]},
    ),
    (
        "[profiles]: profiles only a farther layer writes still apply",
        "",
        '[profiles.fast]\nmodel = "a/project"',
        '[profiles.deep]\nmodel = "a/user"',
        "profiles",
        {"fast": {"model": "a/project"}, "deep": {"model": "a/user"}},
    ),
    (
        "[tiers]: tier by tier",
        '[tiers]\nlight = "a/local"',
        '[tiers]\nlight = "a/project"\nheavy = "b/project"',
        "",
        "tiers",
        {"light": "a/local", "heavy": "b/project"},
    ),
    (
        "[budget]: key by key",
        "[budget]\ndaily_usd = 1",
        "[budget]\ndaily_usd = 5\nmonthly_usd = 20",
        "",
        "budget",
        {"daily_usd": 1, "monthly_usd": 20},
    ),
    (
        "[agents.NAME]: key by key",
        "[agents.reviewer]\ntemperature = 0.1",
        '[agents.reviewer]\nmodel = "a/project"\ntemperature = 0.5',
        "",
        "agents.reviewer",
        {"temperature": 0.1, "model": "a/project"},
    ),
    (
        "[run]: key by key",
        "[run]\nidle_timeout = 5",
        "[run]\nfirst_token_timeout = 90\nidle_timeout = 20",
        "",
        "run",
        {"idle_timeout": 5, "first_token_timeout": 90},
    ),
]


def project_with(tmp_path: Path, local: str, project: str, user: str):
    for path, text in (
        (tmp_path / "proj" / "promptls.local.toml", local),
        (tmp_path / "proj" / "promptls.toml", project),
        (tmp_path / "home" / "config.toml", user),
    ):
        if text:
            write(path, text + "\n")
    loader = SettingsLoader(user_config=str(tmp_path / "home" / "config.toml"))
    return loader.for_prompt(str(tmp_path / "proj" / "p.md"))


@pytest.mark.parametrize(
    ("local", "project", "user", "path", "expected"), [c[1:] for c in COMBINE], ids=[c[0] for c in COMBINE]
)
def test_how_the_layers_combine(tmp_path, local, project, user, path, expected):
    settings = project_with(tmp_path, local, project, user)
    assert settings.files  # the case wrote at least one file
    assert used(settings.view, path) == expected


DEADLINES = [
    # (case, local, project, user, (first_token_timeout, idle_timeout) of an openai call)
    ("the defaults", "", "", "", (60.0, 30.0)),
    ("[run] sets both", "", "[run]\nfirst_token_timeout = 90\nidle_timeout = 20", "", (90.0, 20.0)),
    (
        "a nearer [run] wins key by key",
        "[run]\nidle_timeout = 5",
        "[run]\nidle_timeout = 20",
        "",
        (60.0, 5.0),
    ),
    (
        "a provider's own beats [run], from any layer",
        "[run]\nfirst_token_timeout = 10",
        "",
        "[providers.openai]\nfirst_token_timeout = 120",
        (120.0, 30.0),
    ),
    ("another provider's does not apply", "", "[providers.ollama]\nidle_timeout = 3", "", (60.0, 30.0)),
]


@pytest.mark.parametrize(
    ("local", "project", "user", "expected"), [c[1:] for c in DEADLINES], ids=[c[0] for c in DEADLINES]
)
def test_where_a_runs_deadlines_come_from(tmp_path, local, project, user, expected):
    from promptls.router.models.catalog import load_catalog
    from promptls.router.models.modelid import parse_model_id
    from promptls.router.resolution.plan import plan_call

    settings = project_with(tmp_path, local, project, user)
    call = plan_call(parse_model_id("openai/gpt-4o"), settings, load_catalog(), {})
    assert (call.first_token_timeout, call.idle_timeout) == expected


def test_a_deadline_must_be_a_positive_number(tmp_path):
    text = '[run]\nfirst_token_timeout = 0\nidle_timeout = "soon"\n'
    problems = load_settings(str(tmp_path / "promptls.toml"), text, Layer.PROJECT).problems
    assert [(p.code, p.span.line) for p in problems] == [("PLS303", 2), ("PLS303", 3)]


def test_every_layers_value_keeps_its_source_nearest_first(tmp_path):
    settings = project_with(
        tmp_path,
        '[defaults]\nmodel = "a/local"',
        '# project\n[defaults]\nmodel = "a/project"',
        '[defaults]\nmodel = "a/user"',
    )
    layered = settings.view.defaults.layered("model")
    assert [(s.value, s.source.layer, s.source.span.line) for s in layered.settings] == [
        ("a/local", Layer.LOCAL, 2),
        ("a/project", Layer.PROJECT, 3),
        ("a/user", Layer.USER, 2),
    ]
    assert layered.source.path == str(tmp_path / "proj" / "promptls.local.toml")
    assert settings.view.defaults.setting("model").source.label == "[defaults] model"


def test_per_prompt_tables_are_picked_in_each_layer_then_ranked_nearest_first(tmp_path):
    settings = project_with(
        tmp_path,
        '[prompts."**/*.md"]\nmodel = "a/local-glob"',
        '[agents.reviewer]\nmodel = "a/project-name"\n[prompts."agents/*.md"]\nmodel = "a/project-glob"',
        '[prompts."agents/*.md"]\nmodel = "a/user-glob"\n[prompts."agents/r*.md"]\nmodel = "a/user-best"',
    )
    picked = settings.view.assigned("agents", ("reviewer",), "agents/reviewer.md")
    # local: its only glob; project: the name beats its glob; user: the more specific glob
    assert [t.value("model") for t in picked] == ["a/local-glob", "a/project-name", "a/user-best"]
    assert settings.view.assigned("agents", ("other",), "notes/x.txt") == ()


def test_the_view_is_built_once_per_project_and_again_after_a_change(tmp_path):
    write(tmp_path / "promptls.toml", "[check]\nignore = ['PLS203']\n")
    loader = SettingsLoader(user_config=str(tmp_path / "none.toml"))
    first = loader.for_prompt(str(tmp_path / "a" / "p.md"))
    assert first.view is first.view
    assert loader.for_prompt(str(tmp_path / "b" / "q.md")).view is first.view
    write(tmp_path / "promptls.toml", "[check]\nignore = ['PLS401']\n")
    loader.invalidate(str(tmp_path / "promptls.toml"))
    assert loader.for_prompt(str(tmp_path / "a" / "p.md")).view.check.value("ignore") == ("PLS401",)


def test_every_table_of_the_schema_has_a_field_on_the_view():
    assert set(SCHEMA) <= set(SettingsView.__slots__)


README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_readme_states_each_tables_combine_rule():
    text = README.read_text(encoding="utf-8")
    section = text[text.index("### How the layers combine") :]
    section = section[: section.index("\n## ")]
    rows = [line for line in section.splitlines() if line.startswith("| `[")]
    for table in SCHEMA:
        assert any(f"`[{table}" in row for row in rows), f"README gives no combine rule for [{table}]"


# --- nothing outside the settings package reads a settings file's raw values --------------------------

ROOT = Path(__file__).resolve().parents[2]


def private_attributes_of_settings_files() -> set[str]:
    from promptls.router.settings.files import SettingsFile

    names = {n for n in SettingsFile.__slots__ if n.startswith("_")}
    names |= {n for n in vars(SettingsFile) if n.startswith("_") and not n.startswith("__")}
    return names


def raw_reads(path: Path, private: set[str]) -> list[str]:
    """`file:line .attribute` for each use of a settings file's private attribute in a module."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        f"{path.relative_to(ROOT) if ROOT in path.parents else path.name}:{node.lineno} .{node.attr}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and node.attr in private
    ]


def test_no_module_outside_the_settings_package_reads_raw_settings():
    private = private_attributes_of_settings_files()
    assert {"_data", "_setting"} <= private
    settings_package = ROOT / "router" / "settings"
    offenders = []
    for folder in ("router", "adapters", "promptls", "tests", "bench"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            if settings_package not in path.parents:
                offenders += raw_reads(path, private)
    assert offenders == [], "read settings through ProjectSettings.view or SettingsFile.view"


def test_the_raw_scan_sees_an_offender(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("def f(file):\n    return file._data.get('defaults')\n", encoding="utf-8")
    assert raw_reads(sample, private_attributes_of_settings_files()) == ["sample.py:2 ._data"]


# --- which findings a project keeps (router/checks/select.py, for the shell and the server) ------------

# (case, the project's [check] table, the front end's select, its ignore, the codes kept)
SELECTION = [
    ("nothing said: every finding", "", (), (), {"PLS110", "PLS203", "PLS207", "PLS301", "PLS302"}),
    ("[check] ignore", 'ignore = ["PLS203"]', (), (), {"PLS110", "PLS207", "PLS301", "PLS302"}),
    ("[check] select, by prefix", 'select = ["PLS2"]', (), (), {"PLS203", "PLS207", "PLS301"}),
    ("[check] select, by name", 'select = ["unknown-model"]', (), (), {"PLS203", "PLS301"}),
    ("the front end's select replaces [check] select", 'select = ["PLS2"]', ("PLS1",), (), {"PLS110"}),
    (
        "the front end's ignore adds to [check] ignore",
        'ignore = ["PLS1"]',
        (),
        ("PLS207",),
        {"PLS203", "PLS301", "PLS302"},
    ),
    ("an ignore can silence a settings error", 'ignore = ["PLS3"]', (), (), {"PLS110", "PLS203", "PLS207"}),
]


@pytest.mark.parametrize(
    ("check", "select", "ignore", "kept"), [c[1:] for c in SELECTION], ids=[c[0] for c in SELECTION]
)
def test_which_findings_a_project_keeps(check, select, ignore, kept):
    from promptls.router.checks.select import select_findings
    from promptls.router.rules.index import find_rule
    from promptls.router.settings.view import merged_view

    project = load_settings("/p/promptls.toml", f"[check]\n{check}\n", Layer.PROJECT)
    span = LineIndex("x\n").span(0, 1)
    codes = ("PLS110", "PLS203", "PLS207", "PLS301", "PLS302")  # PLS301 is an error, PLS302 a warning
    findings = [find_rule(code).finding("/p/x.md", span, "message") for code in codes]
    found = select_findings(findings, merged_view([project.view]), select, ignore)
    assert {f.code for f in found} == kept
