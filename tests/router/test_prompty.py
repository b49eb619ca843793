"""Prompty `.prompty` files in the core: both frontmatter schemas (v1 `configuration`/`parameters`, v2
`id`/`provider`/`options`), the model each names, run parameters and their ranges, with each finding at
the nested key's line. The files are shaped like those in microsoft/prompty's docs and tests."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from promptls.router.base.findings import Finding, Severity
from promptls.router.checks.lint import check_prompt
from promptls.router.models.catalog import Catalog, load_catalog
from promptls.router.prompts.dialects import Dialect
from promptls.router.prompts.frontmatter import parse_prompt
from promptls.router.prompts.prompty import read_model, sample_inputs, template_format
from promptls.router.resolution.resolve import Resolution, resolve
from promptls.router.settings import SettingsLoader

TODAY = datetime.date(2026, 12, 7)


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


class Checked:
    def __init__(self, findings: list[Finding], resolution: Resolution, text: str) -> None:
        self.findings = findings
        self.resolution = resolution
        self.text = text

    def at(self, code: str) -> list[tuple[int, str]]:
        """(line, message) of each finding of `code`."""
        return [(f.span.line, f.message) for f in self.findings if f.code == code]

    def params(self) -> dict[str, object]:
        return {key: setting.value for key, setting in self.resolution.params.items()}

    def codes(self) -> list[str]:
        return [f.code for f in self.findings]


@pytest.fixture
def check(tmp_path: Path, catalog: Catalog):
    def run(text: str, settings: str = "") -> Checked:
        if settings:
            (tmp_path / "promptls.toml").write_text(settings, encoding="utf-8")
        path = tmp_path / "prompts" / "p.prompty"
        path.parent.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
        prompt = parse_prompt(str(path), text)
        assert prompt.dialect is Dialect.PROMPTY
        loader = SettingsLoader(user_config=str(tmp_path / "none.toml"))
        project = loader.for_prompt(str(path))
        resolution = resolve(prompt, project, catalog)
        findings = check_prompt(prompt, project, catalog, today=TODAY, resolution=resolution)
        return Checked(findings, resolution, text)

    return run


V2 = """---
name: basic-prompt
displayName: Basic
description: A basic prompt
metadata:
  authors: [testauthor]
model:
  id: gpt-4o-mini
  provider: openai
  apiType: chat
  connection:
    kind: key
    endpoint: ${env:OPENAI_ENDPOINT}
    apiKey: ${env:OPENAI_API_KEY}
  options:
    temperature: 0.7
    maxOutputTokens: 1000
    stopSequences: ["END"]
    allowMultipleToolCalls: true
inputs:
  - name: question
    kind: string
    example: What is the meaning of life?
outputs:
  - name: answer
    kind: string
tools:
  - name: get_weather
    kind: function
    parameters:
      - name: location
        kind: string
template:
  format:
    kind: jinja2
  parser:
    kind: prompty
---
system:
You are an AI assistant.

user:
{{question}}
"""

V1 = """---
name: Shakespearean Writing Prompty
description: Answers in Shakespearean style
authors:
  - Bethany Jepchumba
tags: [fun]
version: 1.0
base: base.prompty
model:
  api: chat
  configuration:
    type: openai
    name: gpt-4o
    api_key: ${env:OPENAI_API_KEY}
  parameters:
    max_tokens: 3000
    temperature: 0.5
    response_format: {type: json_object}
  response: first
sample:
  question: Please write a short text inviting friends to a Game Night.
template: jinja2
---
system:
You are a Shakespearean writing assistant.

user:
{{question}}
"""


def test_a_v2_file_has_only_known_keys_and_runs_on_its_provider_and_id(check):
    checked = check(V2)
    assert checked.findings == []
    assert str(checked.resolution.model) == "openai/gpt-4o-mini"
    assert checked.params() == {"temperature": 0.7, "max_tokens": 1000, "stop": ["END"]}
    (step,) = checked.resolution.steps["model"]
    assert step.source.label == "model.id" and step.source.span.line == 8


def test_a_v1_file_has_only_known_keys_and_runs_on_its_configuration_name(check):
    checked = check(V1)
    assert checked.findings == []
    assert str(checked.resolution.model) == "openai/gpt-4o"
    assert checked.params() == {"max_tokens": 3000, "temperature": 0.5}
    (step,) = checked.resolution.steps["model"]
    assert step.source.label == "model.configuration.name" and step.source.span.line == 13


def test_a_later_v1_model_with_connection_type_and_snake_case_options_is_accepted(check):
    text = (
        "---\nname: agent\nmodel:\n  id: gpt-4o\n  api: chat\n  connection:\n    type: azure_openai\n"
        "    azure_deployment: gpt-4o\n  options:\n    max_tokens: 150\n    top_p: 1\n---\nuser:\nhi\n"
    )
    checked = check(text)
    assert "PLS110" not in checked.codes()
    assert checked.at("PLS209")[0][0] == 4  # `id` under an Azure connection is a deployment name
    assert checked.params() == {"max_tokens": 150, "top_p": 1}


def test_unknown_keys_inside_model_and_options_are_reported_at_their_own_lines(check):
    text = V2.replace("  apiType: chat\n", "  apiTyp: chat\n").replace(
        "    maxOutputTokens: 1000\n", "    maxOutputTokens: 1000\n    maxTokens: 5\n    logprobs: true\n"
    )
    checked = check(text)
    assert checked.at("PLS110") == [
        (10, "unknown key `apiTyp` in `model`; did you mean `apiType`?"),
        (18, "unknown key `maxTokens` in `model.options`; did you mean `maxOutputTokens`?"),
        (
            19,
            "unknown key `logprobs` in `model.options`: Prompty ignores it (provider-specific options go "
            "under `additionalProperties`)",
        ),
    ]
    fixes = [f.fix for f in checked.findings if f.code == "PLS110"]
    assert fixes[0].edits[0].new_text == "apiType" and fixes[1].edits[0].new_text == "maxOutputTokens"


def test_a_v1_parameter_name_under_v2_options_is_reported_with_its_v2_name(check):
    text = V2.replace("    maxOutputTokens: 1000\n", "    max_tokens: 1000\n")
    checked = check(text)
    ((line, message),) = checked.at("PLS110")
    assert line == 17
    assert message == (
        "`max_tokens` is Prompty v1's name, which Prompty 2 ignores under `options`: write `maxOutputTokens`"
    )
    assert "max_tokens" not in checked.params()  # Prompty 2 would not send it either


def test_parameter_types_and_ranges_are_checked_at_the_nested_value(check):
    text = V2.replace("    temperature: 0.7\n", "    temperature: 3\n").replace(
        "    maxOutputTokens: 1000\n", '    maxOutputTokens: "lots"\n    topP: 1.5\n'
    )
    checked = check(text)
    assert checked.at("PLS207") == [
        (16, "`temperature` must be between 0 and 2, not 3"),
        (18, "`top_p` must be between 0 and 1, not 1.5"),
    ]
    assert checked.at("PLS111") == [(17, "`max_tokens` must be an integer, not 'lots'")]


def test_v1_parameters_are_checked_against_the_models_limits(check):
    checked = check(V1.replace("    max_tokens: 3000\n", "    max_tokens: 100000\n"))
    ((line, message),) = checked.at("PLS207")
    assert line == 16
    assert message.startswith("`max_tokens` is 100,000 but `openai/gpt-4o` writes at most 16,384 tokens")


def test_allowed_values_closed_sets_are_errors_open_sets_warnings(check):
    checked = check(V2.replace("  provider: openai\n", "  provider: opnai\n"))
    ((finding),) = [f for f in checked.findings if f.code == "PLS112"]
    assert (finding.span.line, finding.severity) == (9, Severity.WARNING)
    assert finding.message == (
        "`model.provider` `opnai` is none of Prompty's own (openai, foundry, azure, anthropic): the run "
        "fails unless a plugin provides it; did you mean `openai`?"
    )
    checked = check(V1.replace("  response: first\n", "  response: everything\n"))
    ((finding),) = [f for f in checked.findings if f.code == "PLS112"]
    assert (finding.span.line, finding.severity) == (19, Severity.ERROR)
    assert finding.message == "`model.response` must be one of first, all, not 'everything'"


def test_what_prompty_2_rejects_or_ignores_in_a_v2_file(check):
    template = "template:\n  format:\n    kind: jinja2\n  parser:\n    kind: prompty\n"
    checked = check(V2.replace(template, "template: jinja2\nauthors: [me]\n"))
    assert checked.at("PLS111") == [
        (
            33,
            "Prompty 2 rejects `template: jinja2` (v1's form): write `template: {format: {kind: jinja2}, "
            "parser: {kind: prompty}}`, or leave jinja2 out (the default)",
        )
    ]
    assert checked.at("PLS110") == [
        (34, "`authors` is Prompty v1's: Prompty 2 ignores it in this v2 file; move it under `metadata`")
    ]
    missing = check(V2.replace("  parser:\n    kind: prompty\n", ""))
    assert missing.at("PLS113") == [
        (
            33,
            "Prompty 2 fails to load a `template` without `parser`: add `parser: {kind: prompty}` "
            "(or leave `template` out)",
        )
    ]


def test_v1_model_keys_beside_v2_ones_are_ignored_by_prompty_2(check):
    checked = check(
        V2.replace("  apiType: chat\n", "  apiType: chat\n  parameters:\n    max_tokens: 5\n  api: chat\n")
    )
    guide = "(see Prompty's migration guide)"
    ignored = "is Prompty v1's: Prompty 2 ignores it beside `provider`; write"
    assert checked.at("PLS110") == [
        (
            11,
            f"`model.parameters` {ignored} `options` {guide}",
        ),
        (13, f"`model.api` {ignored} `apiType` {guide}"),
    ]


def test_a_v1_file_keeps_its_v1_template_and_keys(check):
    assert check(V1).findings == []  # `template: jinja2`, authors, sample: all v1, all fine


def test_a_v1_configuration_type_promptls_does_not_know_is_a_warning(check):
    checked = check(V1.replace("    type: openai\n", "    type: azure_opnai\n"))
    ((line, message),) = checked.at("PLS112")
    assert line == 12 and message.endswith("did you mean `azure_openai`?")


def test_wrong_shapes_of_model_and_its_parts(check):
    checked = check("---\nmodel: [gpt-4o]\ninputs: question\n---\nhi\n")
    assert checked.at("PLS111") == [
        (2, "`model` must be a model id or a mapping (`id`, `provider`, `options`, ...), not a list"),
        (3, "`inputs` must be a list of properties or a mapping, not the string 'question'"),
    ]
    checked = check("---\nmodel:\n  id: 4\n  options: fast\n---\nhi\n")
    assert checked.at("PLS111") == [
        (3, "`model.id` must be a string, not 4"),
        (4, "`model.options` must be a mapping (or a `${file:...}` reference), not the string 'fast'"),
    ]


def test_a_connection_from_a_file_reference_is_accepted(check):
    checked = check(
        "---\nmodel:\n  id: gpt-4o\n  provider: openai\n  connection: ${file:conn.json}\n---\nhi\n"
    )
    assert checked.findings == []


@pytest.mark.parametrize(
    ("model", "expected", "guessed"),
    [
        ("model: gpt-4o", "openai/gpt-4o", True),
        ("model:\n  id: claude-opus-4-1\n  provider: anthropic", "anthropic/claude-opus-4-1", False),
        ("model:\n  id: gpt-4o\n  provider: foundry", None, False),
        ("model:\n  id: gpt-4o\n  provider: azure", None, False),
        ("model: my-deployment", None, False),
        ("model:\n  configuration:\n    type: azure_openai\n    azure_deployment: gpt-4", None, False),
        ("model:\n  configuration:\n    type: serverless\n    model: Meta-Llama-3-8B-Instruct", None, False),
        ("model:\n  id: text-embedding-3-small\n  provider: openai\n  apiType: embedding", None, False),
    ],
)
def test_which_model_a_file_names(model, expected, guessed):
    prompt = parse_prompt("p.prompty", f"---\n{model}\n---\nhi\n")
    read = read_model(prompt)
    assert read is not None
    assert read.model == expected and read.guessed is guessed


def test_a_model_without_provider_is_read_by_its_name_and_a_retirement_only_warns(check):
    checked = check("---\nmodel: gpt-4\n---\nhi\n")
    assert str(checked.resolution.model) == "openai/gpt-4"
    ((finding),) = [f for f in checked.findings if f.code == "PLS205"]
    assert finding.severity is Severity.WARNING  # Prompty runs it on its host's default provider
    assert finding.message.endswith("(no `provider` is written: promptls reads `gpt-4` as openai's)")
    assert finding.fix is not None and "/" not in finding.fix.edits[0].new_text  # the name alone


def test_an_azure_deployment_is_said_once_and_left_to_the_default(check):
    checked = check(
        "---\nmodel:\n  id: prod-chat\n  provider: foundry\n---\nhi\n",
        settings='[defaults]\nmodel = "openai/gpt-4o"\n',
    )
    ((line, message),) = checked.at("PLS209")
    assert line == 3
    assert message == (
        "`prod-chat` is the name of an Azure deployment (provider: foundry), chosen in Azure, not a model "
        "id: promptls cannot tell which model it runs; promptls runs it on `openai/gpt-4o`, from "
        "[defaults] model"
    )
    assert [f.severity for f in checked.findings] == [Severity.INFO]
    assert str(checked.resolution.model) == "openai/gpt-4o"
    deployment, default = checked.resolution.steps["model"]
    assert deployment.defers and deployment.value == "prod-chat" and default.chosen


def test_a_promptls_id_as_prompty_model_is_read_but_prompty_cannot_send_it(check):
    checked = check("---\nmodel: anthropic/claude-opus-4-1\n---\nhi\n")
    assert str(checked.resolution.model) == "anthropic/claude-opus-4-1"
    ((line, message),) = checked.at("PLS204")
    assert line == 2 and "`model: {id: claude-opus-4-1, provider: anthropic}`" in message


def test_a_typo_in_the_id_suggests_the_name_alone(check):
    checked = check("---\nmodel:\n  id: gpt-4o-mni\n  provider: openai\n---\nhi\n")
    ((finding),) = [f for f in checked.findings if f.code == "PLS203"]
    assert finding.span.line == 3
    assert finding.fix is not None and finding.fix.edits[0].new_text == "gpt-4o-mini"


def test_sample_inputs_come_from_v1_sample_then_defaults_then_examples():
    prompt = parse_prompt(
        "p.prompty",
        "---\ninputs:\n  - name: a\n    example: ex\n  - name: b\n    example: ex\n    default: d\n"
        "  - name: c\n    kind: string\nsample:\n  c: from-sample\n---\nhi\n",
    )
    assert sample_inputs(prompt) == {"a": "ex", "b": "d", "c": "from-sample"}
    mapping = parse_prompt("p.prompty", "---\ninputs:\n  firstName: Jane\n  age:\n    default: 3\n---\nhi\n")
    assert sample_inputs(mapping) == {"firstName": "Jane", "age": 3}


def test_template_format():
    def fmt(template: str) -> str:
        return template_format(parse_prompt("p.prompty", f"---\n{template}\n---\nhi\n"))

    assert fmt("name: x") == "jinja2"
    assert fmt("template: mustache") == "mustache"
    assert fmt("template:\n  format:\n    kind: mustache\n  parser:\n    kind: prompty") == "mustache"


def _hover_at(tmp_path: Path, catalog: Catalog, text_with_cursor: str) -> tuple[str, str] | None:
    from promptls.router.editor.hover import hover

    offset = text_with_cursor.index("‸")
    text = text_with_cursor.replace("‸", "", 1)
    path = tmp_path / "p.prompty"
    path.write_text(text, encoding="utf-8")
    prompt = parse_prompt(str(path), text)
    loader = SettingsLoader(user_config=str(tmp_path / "none.toml"))
    result = hover(prompt, offset, resolve(prompt, loader.for_prompt(str(path)), catalog), catalog)
    return None if result is None else (result.markdown, text[result.span.start : result.span.end])


def test_hover_on_a_nested_model_key_and_a_run_parameter(tmp_path: Path, catalog: Catalog):
    text = "---\nmodel:\n  id: gpt-4o\n  provi‸der: openai\n  options:\n    maxOutputTokens: 300\n---\nhi\n"
    markdown, covered = _hover_at(tmp_path, catalog, text)
    assert covered == "provider" and markdown.startswith("**`model.provider`** — Who runs the model")
    text = "---\nmodel:\n  id: gpt-4o\n  provider: openai\n  options:\n    maxOutput‸Tokens: 300\n---\nhi\n"
    markdown, covered = _hover_at(tmp_path, catalog, text)
    assert covered == "maxOutputTokens"
    assert markdown.startswith(
        "**`model.options.maxOutputTokens`** — Prompty's name for the promptls parameter `max_tokens`"
    )
    assert markdown.endswith("**In effect**: `300` from model.options.maxOutputTokens")


def test_hover_on_the_model_id_shows_the_resolved_model(tmp_path: Path, catalog: Catalog):
    text = "---\nmodel:\n  id: gpt-4‸o\n  provider: openai\n---\nhi\n"
    markdown, _ = _hover_at(tmp_path, catalog, text)
    assert "openai/gpt-4o" in markdown


def _complete_at(tmp_path: Path, catalog: Catalog, text_with_cursor: str) -> list[tuple[str, str]]:
    from promptls.router.editor.complete import complete

    offset = text_with_cursor.index("‸")
    text = text_with_cursor.replace("‸", "", 1)
    path = tmp_path / "p.prompty"
    prompt = parse_prompt(str(path), text)
    settings = SettingsLoader(user_config=str(tmp_path / "none.toml")).for_prompt(str(path))
    items = complete(prompt, offset, catalog, settings)
    return [(item.label, text[item.replace.start : item.replace.end]) for item in items]


def test_completion_offers_model_keys_options_and_values(tmp_path: Path, catalog: Catalog):
    keys = _complete_at(tmp_path, catalog, "---\nmodel:\n  id: gpt-4o\n  opt‸\n---\nhi\n")
    assert [label for label, _ in keys][:5] == ["id", "provider", "apiType", "connection", "options"]
    assert {replaced for _, replaced in keys} == {"opt"}
    v2 = _complete_at(tmp_path, catalog, "---\nmodel:\n  id: gpt-4o\n  options:\n    max‸\n---\nhi\n")
    assert "maxOutputTokens" in [label for label, _ in v2] and "max_tokens" not in [label for label, _ in v2]
    v1 = _complete_at(tmp_path, catalog, "---\nmodel:\n  api: chat\n  parameters:\n    ‸\n---\nhi\n")
    assert "max_tokens" in [label for label, _ in v1]
    providers = _complete_at(tmp_path, catalog, "---\nmodel:\n  id: x\n  provider: ‸\n---\nhi\n")
    assert [label for label, _ in providers] == ["openai", "foundry", "azure", "anthropic"]


def test_completion_offers_model_names_of_the_written_provider(tmp_path: Path, catalog: Catalog):
    names = _complete_at(tmp_path, catalog, "---\nmodel:\n  provider: anthropic\n  id: cla‸\n---\nhi\n")
    assert names and all(label.startswith("claude") for label, _ in names)
    assert names[0][1] == "cla"
    openai = _complete_at(tmp_path, catalog, "---\nmodel:\n  id: ‸\n---\nhi\n")
    assert "gpt-4o" in [label for label, _ in openai]
    foundry = _complete_at(tmp_path, catalog, "---\nmodel:\n  provider: foundry\n  id: ‸\n---\nhi\n")
    assert foundry == []  # a deployment name: none promptls can offer


def test_the_inputs_an_editor_asks_for_leave_out_jinja_loop_names_and_sample_values():
    from promptls.router.prompts.messages import inputs_of

    body = (
        "---\ninputs:\n  - name: firstName\n    default: Jane\nsample:\n  topic: cats\n---\nsystem:\n"
        "Hi {{firstName}}, about {{topic}}.\n{% for item in items %}- {{item}} ({{ loop.index }})\n"
        "{% endfor %}{% set who = 'x' %}{{who}}\nuser:\n{{question}}\n"
    )
    assert inputs_of(parse_prompt("p.prompty", body)).variables == ("items", "question")
