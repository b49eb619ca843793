"""What `promptls resolve` and the hover say about a resolution, and the cost of a run."""

from __future__ import annotations

from promptls.router.models.catalog import load_catalog
from promptls.router.models.cost import estimate_cost, expected_output
from promptls.router.models.tokens import TokenCount
from promptls.router.prompts.frontmatter import parse_prompt
from promptls.router.resolution.report import explain_lines, resolution_to_dict
from promptls.router.resolution.resolve import resolve
from promptls.router.settings import SettingsLoader


def _resolve(tmp_path, text, settings=None, name="prompts/p.md"):
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    if settings is not None:
        (tmp_path / "promptls.toml").write_text(settings, encoding="utf-8")
    loader = SettingsLoader(user_config=str(tmp_path / "none.toml"))
    prompt = parse_prompt(str(path), text)
    return resolve(prompt, loader.for_prompt(str(path)), load_catalog())


def test_cost_is_input_times_input_price_plus_output_times_output_price():
    info = load_catalog().get("openai/gpt-4o")
    assert (info.input_price, info.output_price) == (2.5, 10.0)
    cost = estimate_cost(info, TokenCount(10_000, True, "o200k_base"), 2_000)
    assert cost.usd == 10_000 * 2.5 / 1e6 + 2_000 * 10.0 / 1e6
    assert cost.label() == "$0.0450"


def test_an_unknown_price_is_not_free():
    info = load_catalog().lookup("openai/some-future-model")
    cost = estimate_cost(info, TokenCount(100, False, "heuristic"), 50)
    assert cost.usd is None
    assert cost.label() == "price unknown"


def test_expected_output_is_capped_by_max_tokens():
    assert expected_output({}, None) == 500
    assert expected_output({"expected_output_tokens": 2000, "max_tokens": 300}, None) == 300


def test_explanation_marks_the_winner_and_the_overridden(tmp_path):
    settings = '[agents.rev]\nmodel = "ollama/qwen2.5-coder"\n'
    text = "---\nname: rev\ndescription: d\nmodel: sonnet\n---\nReview.\n"
    res = _resolve(tmp_path, text, settings, ".claude/agents/rev.md")
    lines = explain_lines(res, str(tmp_path))
    assert lines[0] == ("heading", lines[0][1])
    assert lines[0][1].startswith("model: ollama/qwen2.5-coder  (context ")
    assert ("chosen", "✓ promptls.toml:2 [agents.rev] model = ollama/qwen2.5-coder") in lines
    overridden = [t for k, t in lines if k == "overridden"]
    assert overridden and overridden[0].startswith("✗ .claude/agents/rev.md:4 (frontmatter) model = sonnet")
    assert any(t.startswith("cost per run: $0 (free)") for _, t in lines)


def test_unresolvable_model_says_how_to_fix(tmp_path):
    res = _resolve(tmp_path, "---\nname: x\n---\nbody\n", None, "prompts/x.md")
    kind, text = explain_lines(res)[0]
    assert kind == "error"
    assert "add `model: provider/name`" in text


def test_json_report_has_model_steps_params_and_cost(tmp_path):
    text = "---\nmodel: openai/gpt-4o\ntemperature: 0.2\nfallback: [openai/gpt-4o-mini]\n---\nHello\n"
    data = resolution_to_dict(_resolve(tmp_path, text), str(tmp_path))
    assert data["model"] == "openai/gpt-4o"
    assert data["model_info"]["context_window"] == 128000
    assert data["params"]["temperature"]["value"] == 0.2
    assert data["params"]["temperature"]["source"]["line"] == 3
    assert [f["model"] for f in data["fallback"]] == ["openai/gpt-4o-mini"]
    assert data["steps"]["model"][0]["chosen"] is True
    assert data["cost"]["usd"] > 0 and data["cost"]["estimate"] is True
