"""Resolution: which model, parameters and fallback chain a prompt runs with, and which layer said so.

The model precedence, highest first:

    --model  >  PROMPTLS_MODEL  >  per-prompt table in promptls.local.toml  >  in promptls.toml
    >  in the user config  >  the prompt's frontmatter  >  [defaults] model (local > project > user)
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from promptls.router.models.catalog import Catalog, load_catalog
from promptls.router.models.modelid import ModelId, latest_claude
from promptls.router.prompts.frontmatter import parse_prompt
from promptls.router.resolution.resolve import Overrides, Resolution, resolve
from promptls.router.settings import Layer, SettingsLoader


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


AGENT = ".claude/agents/reviewer.md"

# One distinct model per layer, so the winner tells which layer won.
MODEL_OF = {
    "cli": "openai/o3",
    "env": "openai/gpt-4.1",
    "local": "ollama/qwen2.5-coder",
    "project": "openrouter/deepseek/deepseek-chat",
    "user": "gemini/gemini-2.5-pro",
    "frontmatter": "anthropic/claude-opus-4-1",
    "local_default": "ollama/llama3.2:3b",
    "project_default": "openai/gpt-4o-mini",
    "user_default": "gemini/gemini-2.5-flash",
}
ORDER = list(MODEL_OF)
"""Highest precedence first."""


class Project:
    """A project folder with settings files, a user config and prompt files."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.user_path = root / "home" / "config.toml"
        self.proj = root / "proj"
        self.proj.mkdir(parents=True, exist_ok=True)

    def write(self, relative: str, text: str) -> str:
        path = self.proj / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return str(path)

    def user(self, text: str) -> str:
        self.user_path.parent.mkdir(parents=True, exist_ok=True)
        self.user_path.write_text(text, encoding="utf-8")
        return str(self.user_path)

    def resolve(
        self, relative: str, text: str, catalog: Catalog, overrides: Overrides | None = None
    ) -> Resolution:
        path = self.write(relative, text)
        prompt = parse_prompt(path, text)
        loader = SettingsLoader(user_config=str(self.user_path))
        return resolve(prompt, loader.for_prompt(path), catalog, overrides)


@pytest.fixture
def project(tmp_path) -> Project:
    return Project(tmp_path)


def settings_text(assigned: str | None, default: str | None, table: str = "agents.reviewer") -> str:
    parts = []
    if default is not None:
        parts.append(f'[defaults]\nmodel = "{default}"\n')
    if assigned is not None:
        parts.append(f'[{table}]\nmodel = "{assigned}"\n')
    return "\n".join(parts)


def agent_text(model: str | None, extra: str = "") -> str:
    lines = ["---", "name: reviewer", "description: Reviews diffs"]
    if model is not None:
        lines.append(f"model: {model}")
    return "\n".join(lines) + "\n" + extra + "---\nReview this.\n"


def build(project: Project, values: dict[str, str]) -> tuple[str, Overrides]:
    """Write the layers in `values` (layer name -> model), return the agent's text and the overrides."""
    for name, file in (("local", "promptls.local.toml"), ("project", "promptls.toml")):
        text = settings_text(values.get(name), values.get(f"{name}_default"))
        if text:
            project.write(file, text)
    user = settings_text(values.get("user"), values.get("user_default"))
    if user:
        project.user(user)
    env = {"PROMPTLS_MODEL": values["env"]} if "env" in values else {}
    overrides = Overrides(model=values.get("cli"), env=env)
    return agent_text(values.get("frontmatter")), overrides


def without(*names: str) -> dict[str, str]:
    return {k: v for k, v in MODEL_OF.items() if k not in names}


def only(*names: str) -> dict[str, str]:
    return {k: MODEL_OF[k] for k in names}


PRECEDENCE = [
    # (case, layers that set a model, the layer that wins)
    ("--model beats everything", MODEL_OF, "cli"),
    ("PROMPTLS_MODEL beats every file", without("cli"), "env"),
    ("local per-prompt beats project per-prompt", without("cli", "env"), "local"),
    ("project per-prompt beats user per-prompt", without("cli", "env", "local"), "project"),
    ("user per-prompt beats the frontmatter", only("user", "frontmatter", "project_default"), "user"),
    (
        "frontmatter beats every [defaults]",
        only("frontmatter", *[k for k in ORDER if "default" in k]),
        "frontmatter",
    ),
    ("frontmatter beats a local [defaults]", only("frontmatter", "local_default"), "frontmatter"),
    (
        "local default beats project default",
        only("local_default", "project_default", "user_default"),
        "local_default",
    ),
    ("project default beats user default", only("project_default", "user_default"), "project_default"),
    ("user default when nothing else", only("user_default"), "user_default"),
    ("env alone", only("env", "user_default"), "env"),
    ("--model alone", only("cli"), "cli"),
    ("local per-prompt beats env-less frontmatter", only("local", "frontmatter"), "local"),
]


@pytest.mark.parametrize(("values", "winner"), [c[1:] for c in PRECEDENCE], ids=[c[0] for c in PRECEDENCE])
def test_model_precedence(project, catalog, values, winner):
    text, overrides = build(project, values)
    resolution = project.resolve(AGENT, text, catalog, overrides)
    assert resolution.problem is None
    assert str(resolution.model) == MODEL_OF[winner]
    steps = resolution.steps["model"]
    # every layer that set a model is listed, highest first, and only the winner is chosen
    assert [c.value for c in steps] == [values[k] for k in ORDER if k in values]
    assert [c.chosen for c in steps] == [k == winner for k in ORDER if k in values]
    assert resolution.model_candidate.value == MODEL_OF[winner]


def test_every_step_names_its_file_and_line(project, catalog):
    text, overrides = build(project, MODEL_OF)
    steps = project.resolve(AGENT, text, catalog, overrides).steps["model"]
    proj, user = str(project.proj), str(project.user_path)
    where = [
        (c.source.layer, c.source.label, c.source.path, c.source.span and c.source.span.line) for c in steps
    ]
    assert where == [
        (Layer.CLI, "--model", None, None),
        (Layer.ENV, "PROMPTLS_MODEL", None, None),
        (Layer.LOCAL, "[agents.reviewer] model", f"{proj}/promptls.local.toml", 5),
        (Layer.PROJECT, "[agents.reviewer] model", f"{proj}/promptls.toml", 5),
        (Layer.USER, "[agents.reviewer] model", user, 5),
        (Layer.FRONTMATTER, "model", f"{proj}/{AGENT}", 4),
        (Layer.LOCAL, "[defaults] model", f"{proj}/promptls.local.toml", 2),
        (Layer.PROJECT, "[defaults] model", f"{proj}/promptls.toml", 2),
        (Layer.USER, "[defaults] model", user, 2),
    ]
    assert steps[3].source.location(str(project.proj)) == "promptls.toml:5"


@pytest.mark.parametrize("deferring", ["default", "inherit"])
def test_default_and_inherit_defer_to_the_defaults(project, catalog, deferring):
    project.write("promptls.toml", settings_text(None, "openai/gpt-4o-mini"))
    resolution = project.resolve(AGENT, agent_text(deferring), catalog)
    assert resolution.model == ModelId("openai", "gpt-4o-mini")
    first, second = resolution.steps["model"]
    assert (first.value, first.defers, first.chosen) == (deferring, True, False)
    assert second.chosen
    if deferring == "inherit":
        assert "inherit" in first.note


def test_a_claude_alias_in_the_frontmatter_is_explained(project, catalog):
    resolution = project.resolve(AGENT, agent_text("sonnet"), catalog)
    assert resolution.model == latest_claude(catalog, "sonnet")
    assert "Claude Code alias `sonnet`" in resolution.model_candidate.note
    assert str(resolution.model) in resolution.model_candidate.note


def test_nothing_set_says_how_to_fix(project, catalog):
    resolution = project.resolve(AGENT, agent_text(None), catalog)
    assert resolution.model is None
    assert "no model is set" in resolution.problem
    assert "[defaults] model" in resolution.problem
    assert resolution.chain() == []


def test_invalid_settings_values_never_reach_resolution(project, catalog):
    project.write("promptls.toml", "[agents.reviewer]\nmodel = 5\ntemperature = 9\n")
    resolution = project.resolve(AGENT, agent_text("anthropic/claude-opus-4-1"), catalog)
    assert resolution.model == ModelId("anthropic", "claude-opus-4-1")
    assert "temperature" not in resolution.params


# --- per-prompt tables ------------------------------------------------------------------------


def test_commands_by_file_name(project, catalog):
    project.write("promptls.toml", settings_text("openai/gpt-4.1", None, "commands.ship"))
    resolution = project.resolve(".claude/commands/ship.md", "---\nmodel: haiku\n---\nShip it.\n", catalog)
    assert resolution.model == ModelId("openai", "gpt-4.1")
    assert resolution.model_candidate.source.label == "[commands.ship] model"


def test_namespaced_commands(project, catalog):
    project.write("promptls.toml", settings_text("openai/gpt-4.1", None, 'commands."git:commit-message"'))
    text = "---\ndescription: Write the message\n---\nWrite it.\n"
    resolution = project.resolve(".claude/commands/git/commit-message.md", text, catalog)
    assert resolution.model == ModelId("openai", "gpt-4.1")
    assert resolution.model_candidate.source.label == '[commands."git:commit-message"] model'
    # the same name outside the namespace is another command
    other = project.resolve(".claude/commands/commit-message.md", text, catalog)
    assert other.model is None


def test_skills_by_name(project, catalog):
    project.write("promptls.toml", settings_text("gemini/gemini-2.5-pro", None, "skills.pdf-tools"))
    text = "---\nname: pdf-tools\ndescription: PDFs\nmodel: sonnet\n---\nUse it.\n"
    resolution = project.resolve(".claude/skills/pdf/SKILL.md", text, catalog)
    assert resolution.model == ModelId("gemini", "gemini-2.5-pro")


def test_copilot_prompts_use_the_commands_table(project, catalog):
    project.write("promptls.toml", settings_text("ollama/qwen2.5-coder", None, "commands.review"))
    text = "---\nmodel: GPT-4o\n---\nReview.\n"
    resolution = project.resolve(".github/prompts/review.prompt.md", text, catalog)
    assert resolution.model == ModelId("ollama", "qwen2.5-coder")


GLOBS = """\
[prompts."**/*.md"]
model = "openai/gpt-4o-mini"

[prompts."prompts/**/*.md"]
model = "gemini/gemini-2.5-flash"

[prompts."prompts/review/*.md"]
model = "gemini/gemini-2.5-pro"

[agents.reviewer]
model = "ollama/qwen2.5-coder"
"""


@pytest.mark.parametrize(
    ("relative", "expected", "label"),
    [
        ("prompts/review/diff.md", "gemini/gemini-2.5-pro", '[prompts."prompts/review/*.md"] model'),
        ("prompts/review/deep/diff.md", "gemini/gemini-2.5-flash", '[prompts."prompts/**/*.md"] model'),
        ("prompts/other.md", "gemini/gemini-2.5-flash", '[prompts."prompts/**/*.md"] model'),
        ("docs/other.md", "openai/gpt-4o-mini", '[prompts."**/*.md"] model'),
        (AGENT, "ollama/qwen2.5-coder", "[agents.reviewer] model"),  # a name beats any glob
    ],
)
def test_most_specific_glob_wins(project, catalog, relative, expected, label):
    project.write("promptls.toml", GLOBS)
    text = "---\nname: reviewer\ndescription: d\nmodel: openai/o3\n---\nbody\n"
    resolution = project.resolve(relative, text, catalog)
    assert str(resolution.model) == expected
    assert resolution.model_candidate.source.label == label


def test_profiles_and_tiers_rank_below_the_frontmatter_model(project, catalog):
    project.write(
        "promptls.toml",
        '[profiles.fast]\nmodel = "openai/gpt-4o-mini"\n\n[tiers]\nlight = "gemini/gemini-2.5-flash"\n'
        '\n[defaults]\nmodel = "openai/gpt-4o"\n',
    )
    fast = project.resolve("p.md", "---\nprofile: fast\n---\nx\n", catalog)
    assert fast.model == ModelId("openai", "gpt-4o-mini")
    assert fast.model_candidate.source.label == "[profiles.fast] model"
    light = project.resolve("p.md", "---\ntier: light\n---\nx\n", catalog)
    assert light.model == ModelId("gemini", "gemini-2.5-flash")
    both = project.resolve("p.md", "---\nmodel: openai/o3\nprofile: fast\n---\nx\n", catalog)
    assert both.model == ModelId("openai", "o3")


# --- problems --------------------------------------------------------------------------------


def test_unknown_provider_says_how_to_declare_it(project, catalog):
    resolution = project.resolve("p.md", "---\nmodel: lmstudio/qwen3-8b\n---\nx\n", catalog)
    assert resolution.model is None
    assert "unknown provider `lmstudio`" in resolution.problem
    assert "[providers.lmstudio] base_url" in resolution.problem
    assert "p.md:2" in resolution.problem


def test_a_declared_provider_is_known_and_local(project, catalog):
    project.write("promptls.toml", '[providers.lmstudio]\nbase_url = "http://localhost:1234/v1"\n')
    resolution = project.resolve("p.md", "---\nmodel: lmstudio/qwen3-8b\n---\nx\n", catalog)
    assert resolution.problem is None
    assert resolution.model == ModelId("lmstudio", "qwen3-8b")
    assert resolution.info.local and resolution.info.free


def test_invalid_id_says_what_to_write(project, catalog):
    resolution = project.resolve("p.md", "---\nmodel: gpt 4o\n---\nx\n", catalog)
    assert resolution.model is None
    assert "is not a model id" in resolution.problem
    assert "provider/name" in resolution.problem


def test_an_invalid_higher_layer_is_not_silently_skipped(project, catalog):
    project.write("promptls.toml", settings_text(None, "openai/gpt-4o"))
    resolution = project.resolve("p.md", "---\nmodel: nonsense\n---\nx\n", catalog)
    assert resolution.model is None
    assert "nonsense" in resolution.problem


# --- parameters -------------------------------------------------------------------------------


def param_files(project: Project, key: str = "temperature") -> None:
    project.write(
        "promptls.local.toml",
        f"[defaults]\n{key} = 0.11\n\n[agents.reviewer]\n{key} = 0.33\n",
    )
    project.write("promptls.toml", f"[defaults]\n{key} = 0.22\n\n[agents.reviewer]\n{key} = 0.44\n")
    project.user(f"[defaults]\n{key} = 0.66\n\n[agents.reviewer]\n{key} = 0.55\n")


PARAMS = [
    # (case, cli, env, frontmatter, drop these settings tables, expected value, label of the winner)
    ("--param first", 0.01, "0.02", "0.7", (), 0.01, "--param temperature"),
    ("then PROMPTLS_TEMPERATURE", None, "0.02", "0.7", (), 0.02, "PROMPTLS_TEMPERATURE"),
    ("then local per-prompt", None, None, "0.7", (), 0.33, "[agents.reviewer] temperature"),
    ("then frontmatter above defaults", None, None, "0.7", ("agents",), 0.7, "temperature"),
    ("then local default", None, None, None, ("agents",), 0.11, "[defaults] temperature"),
]


@pytest.mark.parametrize(
    ("cli", "env", "front", "drop", "expected", "label"), [p[1:] for p in PARAMS], ids=[p[0] for p in PARAMS]
)
def test_param_precedence(project, catalog, cli, env, front, drop, expected, label):
    param_files(project)
    if drop:
        for file in (project.proj / "promptls.local.toml", project.proj / "promptls.toml", project.user_path):
            file.write_text(file.read_text().split("\n\n[agents")[0] + "\n")
    extra = f"temperature: {front}\n" if front else ""
    overrides = Overrides(
        params={"temperature": cli} if cli is not None else {},
        env={"PROMPTLS_TEMPERATURE": env} if env else {},
    )
    resolution = project.resolve(AGENT, agent_text("openai/gpt-4o", extra), catalog, overrides)
    setting = resolution.params["temperature"]
    assert setting.value == expected
    assert setting.source.label == label
    assert [c.chosen for c in resolution.steps["temperature"]].count(True) == 1


def test_param_candidates_in_order_with_lines(project, catalog):
    param_files(project)
    resolution = project.resolve(AGENT, agent_text("openai/gpt-4o", "temperature: 0.7\n"), catalog)
    steps = resolution.steps["temperature"]
    assert [c.value for c in steps] == [0.33, 0.44, 0.55, 0.7, 0.11, 0.22, 0.66]
    assert [(c.source.layer, c.source.span.line) for c in steps] == [
        (Layer.LOCAL, 5),
        (Layer.PROJECT, 5),
        (Layer.USER, 5),
        (Layer.FRONTMATTER, 5),
        (Layer.LOCAL, 2),
        (Layer.PROJECT, 2),
        (Layer.USER, 2),
    ]


def test_an_invalid_env_param_is_left_out(project, catalog):
    overrides = Overrides(env={"PROMPTLS_TEMPERATURE": "hot"})
    resolution = project.resolve(
        "p.md", "---\nmodel: openai/gpt-4o\ntemperature: 0.4\n---\nx\n", catalog, overrides
    )
    assert resolution.params["temperature"].value == 0.4


def test_frontmatter_params_of_the_wrong_type_are_left_out(project, catalog):
    project.write("promptls.toml", "[defaults]\ntemperature = 0.2\n")
    text = '---\nmodel: openai/gpt-4o\ntemperature: "0.9"\nmax_tokens: 0\n---\nx\n'
    resolution = project.resolve("p.md", text, catalog)
    assert resolution.params["temperature"].value == 0.2
    assert "max_tokens" not in resolution.params


def test_dotprompt_config_params(project, catalog):
    project.write("promptls.toml", "[defaults]\ntemperature = 0.2\nmax_tokens = 100\n")
    text = (
        "---\nmodel: googleai/gemini-2.5-flash\n"
        "config:\n  temperature: 0.9\n  maxOutputTokens: 2048\n"
        "---\nx\n"
    )
    resolution = project.resolve("summarize.prompt", text, catalog)
    assert resolution.model == ModelId("gemini", "gemini-2.5-flash")
    temperature = resolution.params["temperature"]
    assert temperature.value == 0.9
    assert temperature.source.label == "config.temperature"
    assert temperature.source.span.line == 4
    assert resolution.params["max_tokens"].value == 2048


def test_profile_and_model_params_rank_between_frontmatter_and_defaults(project, catalog):
    project.write(
        "promptls.toml",
        "[defaults]\ntemperature = 0.2\ntop_p = 0.5\n\n"
        '[profiles.fast]\nmodel = "openai/gpt-4o"\ntemperature = 0.6\n\n'
        '[models."openai/gpt-4o"]\nparams = { top_p = 0.9 }\n',
    )
    resolution = project.resolve("p.md", "---\nprofile: fast\n---\nx\n", catalog)
    assert resolution.params["temperature"].value == 0.6
    assert resolution.params["top_p"].value == 0.9
    assert resolution.params["top_p"].source.label == '[models."openai/gpt-4o".params] top_p'


# --- fallback chains -------------------------------------------------------------------------

CHAIN = """\
[defaults]
fallback = ["openai/gpt-4o", "openai/gpt-4o-mini", "gemini/gemini-2.5-flash", "openai/gpt-4o"]
"""


def chain(resolution: Resolution) -> list[str]:
    return [str(m) for m in resolution.chain()]


def test_model_fallback_true_uses_the_default_chain_without_the_primary_and_duplicates(project, catalog):
    project.write("promptls.toml", CHAIN)
    text = "---\nmodel: gemini/gemini-2.5-flash\nmodel_fallback: true\n---\nx\n"
    resolution = project.resolve("p.md", text, catalog)
    assert chain(resolution) == ["gemini/gemini-2.5-flash", "openai/gpt-4o", "openai/gpt-4o-mini"]
    assert resolution.fallback_source.label == "[defaults] fallback"
    assert resolution.fallback_source.span.line == 2
    assert resolution.steps["fallback"][0].note == "uses [defaults] fallback"


def test_model_fallback_true_without_a_default_chain_says_so(project, catalog):
    resolution = project.resolve("p.md", "---\nmodel: openai/o3\nmodel_fallback: true\n---\nx\n", catalog)
    assert resolution.fallback == ()
    assert "[defaults] fallback" in resolution.steps["fallback"][0].note


def test_an_explicit_list_beats_model_fallback(project, catalog):
    project.write("promptls.toml", CHAIN)
    text = (
        "---\nmodel: openai/o3\n"
        "fallback: [openai/o3, gemini/gemini-2.5-pro, gemini/gemini-2.5-pro]\n"
        "model_fallback: true\n---\nx\n"
    )
    resolution = project.resolve("p.md", text, catalog)
    assert chain(resolution) == ["openai/o3", "gemini/gemini-2.5-pro"]
    assert resolution.fallback_source.label == "fallback"
    assert resolution.fallback_source.span.line == 3


def test_defaults_model_fallback_applies_unless_the_prompt_says_no(project, catalog):
    project.write("promptls.toml", CHAIN + "model_fallback = true\n")
    on = project.resolve("p.md", "---\nmodel: openai/o3\n---\nx\n", catalog)
    assert chain(on) == ["openai/o3", "openai/gpt-4o", "openai/gpt-4o-mini", "gemini/gemini-2.5-flash"]
    off = project.resolve("p.md", "---\nmodel: openai/o3\nmodel_fallback: false\n---\nx\n", catalog)
    assert chain(off) == ["openai/o3"]


def test_no_fallback_on_the_command_line_wins(project, catalog):
    project.write("promptls.toml", CHAIN)
    text = "---\nmodel: openai/o3\nfallback: [gemini/gemini-2.5-pro]\n---\nx\n"
    resolution = project.resolve("p.md", text, catalog, Overrides(no_fallback=True))
    assert chain(resolution) == ["openai/o3"]
    first = resolution.steps["fallback"][0]
    assert (first.source.label, first.chosen) == ("--no-fallback", True)


def test_per_prompt_settings_chain_beats_the_frontmatter(project, catalog):
    project.write("promptls.toml", '[agents.reviewer]\nfallback = ["openai/gpt-4o-mini"]\n')
    text = agent_text("openai/o3", "fallback: [gemini/gemini-2.5-pro]\n")
    resolution = project.resolve(AGENT, text, catalog)
    assert chain(resolution) == ["openai/o3", "openai/gpt-4o-mini"]
    assert resolution.fallback_source.label == "[agents.reviewer] fallback"


def test_env_fallback(project, catalog):
    overrides = Overrides(env={"PROMPTLS_FALLBACK": "openai/gpt-4o-mini, gemini/gemini-2.5-pro"})
    resolution = project.resolve("p.md", "---\nmodel: openai/o3\n---\nx\n", catalog, overrides)
    assert chain(resolution) == ["openai/o3", "openai/gpt-4o-mini", "gemini/gemini-2.5-pro"]


def test_copilot_model_list_first_is_the_model_the_rest_fall_back(project, catalog):
    text = "---\nmodel: [GPT-5.4, Claude Sonnet 4.6, GPT-5.4, Gemini 2.5 Pro]\n---\nx\n"
    resolution = project.resolve(".github/prompts/review.prompt.md", text, catalog)
    assert chain(resolution) == ["openai/gpt-5.4", "anthropic/claude-sonnet-4-6", "gemini/gemini-2.5-pro"]
    assert resolution.model_candidate.source.label == "model list #1"
    assert resolution.fallback_source.label == "model (list)"
    assert [f.raw for f in resolution.fallback] == ["Claude Sonnet 4.6", "Gemini 2.5 Pro"]


def test_copilot_model_list_runs_the_first_entry_copilot_offers_and_promptls_can_run(project, catalog):
    # VS Code takes the first model available: Copilot runs Raptor mini (no API serves it) and no
    # longer offers GPT-4.1, so promptls runs Claude Sonnet 4.6 and falls back to the rest.
    text = "---\nmodel: [Raptor mini, GPT-4.1, Claude Sonnet 4.6, GPT-5.4]\n---\nx\n"
    resolution = project.resolve(".github/agents/a.agent.md", text, catalog)
    assert chain(resolution) == ["anthropic/claude-sonnet-4-6", "openai/gpt-5.4"]
    steps = resolution.steps["model"]
    assert [(c.value, c.skipped, c.chosen) for c in steps[:3]] == [
        ("Raptor mini", True, False),
        ("GPT-4.1", True, False),
        ("Claude Sonnet 4.6", False, True),
    ]
    assert "only Copilot runs it" in steps[0].note
    assert steps[1].note == "Copilot no longer offers it: VS Code tries the next entry"


def test_copilot_auto_runs_the_default(project, catalog):
    project.write("promptls.toml", '[defaults]\nmodel = "openai/gpt-5.4-mini"\n')
    for value in ("Auto", "[Auto, Claude Sonnet 4.6]"):
        resolution = project.resolve(".github/agents/a.agent.md", f"---\nmodel: {value}\n---\nx\n", catalog)
        assert str(resolution.model) == "openai/gpt-5.4-mini"
        auto = resolution.steps["model"][0]
        assert auto.defers and "Copilot's `Auto`" in auto.note and "promptls runs the default" in auto.note


def test_bad_fallback_entries_have_no_model(project, catalog):
    text = "---\nmodel: openai/o3\nfallback: [nope, zzz/y, openai/gpt-4o]\n---\nx\n"
    resolution = project.resolve("p.md", text, catalog)
    assert [(f.raw, f.model) for f in resolution.fallback] == [
        ("nope", None),
        ("zzz/y", None),
        ("openai/gpt-4o", ModelId("openai", "gpt-4o")),
    ]
    assert chain(resolution) == ["openai/o3", "openai/gpt-4o"]


# --- property: the highest layer that sets a model wins ----------------------------------------

POOL = [
    "openai/gpt-4o",
    "openai/gpt-4o-mini",
    "gemini/gemini-2.5-pro",
    "ollama/llama3.2:3b",
    "openrouter/meta-llama/llama-3.3-70b-instruct:free",
    "anthropic/claude-opus-4-1",
    "default",
]

layer_values = st.fixed_dictionaries(
    {},
    optional={name: st.sampled_from([*POOL, "inherit"] if name == "frontmatter" else POOL) for name in ORDER},
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(values=layer_values)
def test_the_highest_layer_that_names_a_model_wins(values):
    catalog = load_catalog()
    with tempfile.TemporaryDirectory() as tmp:
        project = Project(Path(tmp))
        text, overrides = build(project, values)
        resolution = project.resolve(AGENT, text, catalog, overrides)
    named = [values[k] for k in ORDER if k in values and values[k] not in ("default", "inherit")]
    if not named:
        assert resolution.model is None
        assert "no model is set" in resolution.problem
        return
    assert resolution.problem is None
    assert str(resolution.model) == named[0]
    winner = resolution.model_candidate
    winning_layer = next(k for k in ORDER if k in values and values[k] == named[0])
    expected_layer = {
        "cli": Layer.CLI,
        "env": Layer.ENV,
        "local": Layer.LOCAL,
        "project": Layer.PROJECT,
        "user": Layer.USER,
        "frontmatter": Layer.FRONTMATTER,
        "local_default": Layer.LOCAL,
        "project_default": Layer.PROJECT,
        "user_default": Layer.USER,
    }[winning_layer]
    assert winner.source.layer is expected_layer
