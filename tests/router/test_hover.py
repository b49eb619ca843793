"""Hover: the resolved model and why (with links to the lines that decided it), list items, keys."""

from __future__ import annotations

from pathlib import Path

import pytest
from promptls.router.editor.hover import HoverResult, hover
from promptls.router.models.catalog import load_catalog
from promptls.router.models.modelid import interpret
from promptls.router.models.tokens import estimate_tokens, estimate_tokens_cached
from promptls.router.prompts.frontmatter import parse_prompt
from promptls.router.resolution.resolve import resolve
from promptls.router.settings import SettingsLoader

CURSOR = "‸"

SETTINGS = """\
# project settings
[defaults]
model = "openai/gpt-4o-mini"
fallback = ["openrouter/deepseek/deepseek-chat", "ollama/llama3.2"]
temperature = 0.3

[agents.rev]
model = "ollama/qwen2.5-coder"
temperature = 0.1
"""


def _hover(
    tmp_path: Path, rel: str, text_with_cursor: str, settings: str | None = SETTINGS
) -> tuple[str, HoverResult | None]:
    offset = text_with_cursor.index(CURSOR)
    text = text_with_cursor.replace(CURSOR, "", 1)
    path = tmp_path / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    if settings is not None:
        (tmp_path / "promptls.toml").write_text(settings, encoding="utf-8")
    loader = SettingsLoader(user_config=str(tmp_path / "no-user-config.toml"))
    catalog = load_catalog()
    prompt = parse_prompt(str(path), text)
    resolution = resolve(prompt, loader.for_prompt(str(path)), catalog)
    return text, hover(prompt, offset, resolution, catalog)


def _link(tmp_path: Path, rel: str, line: int, shown: str | None = None) -> str:
    """The markdown link a hover shows: relative to the project, the file name when there is none."""
    return f"[{shown or rel}:{line}]({(tmp_path / rel).as_uri()}#L{line})"


def _covered(text: str, result: HoverResult) -> str:
    return text[result.span.start : result.span.end]


AGENT = (
    "---\nname: rev\ndescription: Reviews code\nmodel: son‸net\nmodel_fallback: true\n---\nReview the diff.\n"
)


def test_model_value_shows_the_resolved_model_and_every_step_with_links(tmp_path):
    text, result = _hover(tmp_path, ".claude/agents/rev.md", AGENT)
    assert result is not None and _covered(text, result) == "sonnet"
    md = result.markdown
    assert md.startswith("**Runs on `ollama/qwen2.5-coder`**\n\ncontext 32,768 (family) · local · free\n")
    settings = _link(tmp_path, "promptls.toml", 8)
    assert f"- ✓ {settings} `[agents.rev] model` = `ollama/qwen2.5-coder`\n" in md
    sonnet = interpret(
        "sonnet", parse_prompt(str(tmp_path / ".claude/agents/rev.md"), text).dialect, load_catalog()
    )
    frontmatter = _link(tmp_path, ".claude/agents/rev.md", 4)
    assert (
        f"- ✗ {frontmatter} frontmatter `model` = `sonnet` (Claude Code alias `sonnet` → {sonnet.model})"
        " — overridden\n"
    ) in md
    assert (
        f"- ✗ {_link(tmp_path, 'promptls.toml', 3)} `[defaults] model` = `openai/gpt-4o-mini` — overridden"
        in md
    )
    assert (
        "**Fallback**: `openrouter/deepseek/deepseek-chat` → `ollama/llama3.2` "
        f"(from {_link(tmp_path, 'promptls.toml', 4)} `[defaults] fallback`)"
    ) in md
    tokens = estimate_tokens("Review the diff.\n").count
    assert f"**Prompt**: ~{tokens} tokens (estimate) of a 32,768-token context (0.0%)" in md
    assert f"**Cost per run**: $0 (free) (estimate: {tokens} input + 500 expected output tokens)" in md


def test_a_priced_model_shows_its_cost_and_the_price_date(tmp_path):
    text = "---\nmodel: openai/gpt-‸4o\n---\n" + "word " * 1000
    _, result = _hover(tmp_path, "prompts/p.md", text, None)
    md = result.markdown
    assert md.startswith("**Runs on `openai/gpt-4o`** (gpt 4o)\n\ncontext 128,000 · max output 16,384")
    assert f"- ✓ {_link(tmp_path, 'prompts/p.md', 2, 'p.md')} frontmatter `model` = `openai/gpt-4o`" in md
    assert "**Fallback**: none" in md
    tokens = estimate_tokens("word " * 1000).count
    usd = (tokens * 2.5 + 500 * 10) / 1e6
    assert f"**Cost per run**: ${usd:.4f} (estimate: {tokens:,} input + 500 expected output tokens)" in md
    assert f"prices as of {load_catalog().generated}" in md


def test_an_unknown_model_is_said_to_be_unknown_and_its_price_too(tmp_path):
    _, result = _hover(tmp_path, "prompts/p.md", "---\nmodel: openai/some-future-‸model\n---\nHi\n", None)
    md = result.markdown
    assert "context unknown" in md
    assert "⚠ unknown model: `openai/some-future-model` is not in the catalog" in md
    assert "⚠ price unknown: a run's cost cannot be estimated (unknown is not $0)" in md
    assert "**Prompt**: ~" in md and "the context window is unknown" in md
    assert "**Cost per run**: price unknown" in md


def test_a_deprecated_model_names_its_date(tmp_path):
    catalog = load_catalog()
    model = next(m for m in catalog.search(provider="anthropic") if m.deprecation_date)
    _, result = _hover(tmp_path, "prompts/p.md", f"---\nmodel: ‸{model.id}\n---\nHi\n", None)
    assert f"⚠ deprecated: retires {model.deprecation_date}" in result.markdown


def test_without_a_model_the_problem_is_shown(tmp_path):
    _, result = _hover(tmp_path, "prompts/p.md", "---\nmodel: def‸ault\n---\nHi\n", None)
    md = result.markdown
    assert md.startswith("**No model can be chosen**\n\n⚠ no model is set: add `model: provider/name`")
    assert f"- ↓ {_link(tmp_path, 'prompts/p.md', 2, 'p.md')} frontmatter `model` = `default` — defers" in md
    assert "Cost per run" not in md


def test_fallback_items_show_that_models_facts(tmp_path):
    text = (
        "---\nmodel: openai/gpt-4o\n"
        "fallback:\n  - openai/gpt-4o-mini\n  - openai/gpt-4oo\n  - foo/bar\n  - default\n---\nHi\n"
    )
    known_text = text.replace("gpt-4o-mini", "gpt-4o-‸mini")
    text_, result = _hover(tmp_path, "prompts/p.md", known_text, None)
    assert _covered(text_, result) == "openai/gpt-4o-mini"
    md = result.markdown
    assert md.startswith("**`openai/gpt-4o-mini`** (gpt 4o mini) — fallback 1 of 4\n")
    assert "- context window: 128,000 tokens" in md
    assert "- price: $0.15 in / $0.6 out per 1M tokens (cached input $0.075)" in md
    assert md.endswith("This list is the fallback chain in effect.")

    _, result = _hover(tmp_path, "prompts/p.md", text.replace("gpt-4oo", "gpt-4o‸o"), None)
    md = result.markdown
    assert "- not in the catalog: conservative limits of the `gpt-4o` family" in md
    assert "Did you mean `openai/gpt-4o`" in md
    assert "- price: unknown" in md

    _, result = _hover(tmp_path, "prompts/p.md", text.replace("foo/bar", "foo/b‸ar"), None)
    assert (
        "⚠ unknown provider `foo`: use one of openai, openrouter, gemini, ollama, anthropic"
        in result.markdown
    )

    _, result = _hover(tmp_path, "prompts/p.md", text.replace("- default", "- def‸ault"), None)
    assert "⚠ defers to the default model: a fallback chain needs concrete models" in result.markdown


def test_a_fallback_list_overridden_by_settings_says_so(tmp_path):
    settings = '[prompts."prompts/*.md"]\nfallback = ["openai/gpt-4o"]\n'
    text = "---\nmodel: openai/gpt-4o-mini\nfallback: [ollama/llama‸3.2]\n---\nHi\n"
    _, result = _hover(tmp_path, "prompts/p.md", text, settings)
    link = _link(tmp_path, "promptls.toml", 2)
    assert result.markdown.endswith(
        f'This list is not in effect: {link} `[prompts."prompts/*.md"] fallback` decides the fallback.'
    )
    assert "- price: free (runs locally)" in result.markdown


def test_copilot_model_list_first_is_the_resolved_model_the_rest_are_facts(tmp_path):
    text = "---\nmodel: [GPT-‸4o, 'Claude Sonnet 4']\n---\nHi\n"
    text_, result = _hover(tmp_path, ".github/prompts/p.prompt.md", text, None)
    assert _covered(text_, result) == "GPT-4o"
    assert result.markdown.startswith("**Runs on `openai/gpt-4o`**")
    assert "(Copilot model name `GPT-4o` → openai/gpt-4o)" in result.markdown

    text = "---\nmodel: [GPT-4o, 'Claude ‸Sonnet 4']\n---\nHi\n"
    text_, result = _hover(tmp_path, ".github/prompts/p.prompt.md", text, None)
    assert _covered(text_, result) == "'Claude Sonnet 4'"
    target = interpret("Claude Sonnet 4", parse_prompt("x.prompt.md", "").dialect, load_catalog()).model
    assert result.markdown.startswith(f"**`{target}`**")
    assert "fallback 1 of Copilot's model list (tried in order)" in result.markdown
    assert f"Written `Claude Sonnet 4`: Copilot model name `Claude Sonnet 4` → `{target}`" in result.markdown


def test_a_parameter_key_shows_its_doc_and_the_value_in_effect(tmp_path):
    text = AGENT.replace("son‸net", "sonnet").replace("model_fallback: true", "temp‸erature: 0.5")
    text_, result = _hover(tmp_path, ".claude/agents/rev.md", text)
    assert _covered(text_, result) == "temperature"
    md = result.markdown
    assert md.startswith("**`temperature`** — number\n\nSampling temperature: 0 is most deterministic.")
    assert "From 0 to 2." in md
    assert "A promptls key: Claude Code itself ignores it." in md
    assert f"**In effect**: `0.1` from {_link(tmp_path, 'promptls.toml', 9)} `[agents.rev] temperature`" in md
    assert (
        f"- ✗ {_link(tmp_path, '.claude/agents/rev.md', 5)} frontmatter `temperature` = `0.5` — overridden"
        in md
    )
    assert f"- ✗ {_link(tmp_path, 'promptls.toml', 5)} `[defaults] temperature` = `0.3` — overridden" in md


def test_keys_with_allowed_values_and_unknown_keys(tmp_path):
    text = "---\nname: rev\ndescription: d\npermission‸Mode: plan\nfoo: 1\n---\n"
    _, result = _hover(tmp_path, ".claude/agents/rev.md", text)
    assert result.markdown == (
        "**`permissionMode`** — string\n\nHow tool permissions are handled. `manual` is an alias of "
        "`default`; ignored for plugin agents.\n\n"
        "Allowed values: `default`, `acceptEdits`, `auto`, `dontAsk`, `bypassPermissions`, `plan`, `manual`"
    )
    _, result = _hover(
        tmp_path,
        ".claude/agents/rev.md",
        text.replace("permission‸Mode", "permissionMode").replace("fo", "f‸o"),
    )
    assert (
        result.markdown
        == "**`foo`** — not a key of claude-agent files: Claude Code ignores it (and so does promptls)"
    )
    _, result = _hover(
        tmp_path,
        ".claude/agents/rev.md",
        text.replace("permission‸Mode", "permissionMode").replace("name", "na‸me"),
    )
    assert "Required in claude-agent files." in result.markdown


def test_the_model_key_says_what_is_in_effect(tmp_path):
    _, result = _hover(
        tmp_path, ".claude/agents/rev.md", AGENT.replace("son‸net", "sonnet").replace("model:", "mo‸del:")
    )
    md = result.markdown
    assert md.startswith("**`model`** — model id\n\nThe model: an alias (`sonnet`, `opus`, `haiku`)")
    link = _link(tmp_path, "promptls.toml", 8)
    assert md.endswith(f"**In effect**: `ollama/qwen2.5-coder` from {link} `[agents.rev] model`")


def test_dotprompt_config_keys_are_promptls_parameters(tmp_path):
    text = "---\nmodel: googleai/gemini-2.5-flash\nconfig:\n  temper‸ature: 0.4\n---\nHi\n"
    _, result = _hover(tmp_path, "dotprompt/s.prompt", text, None)
    md = result.markdown
    assert md.startswith(
        "**`config.temperature`** — Dotprompt's name for the promptls parameter `temperature`"
    )
    link = _link(tmp_path, "dotprompt/s.prompt", 4, "s.prompt")
    assert f"**In effect**: `0.4` from {link} frontmatter `config.temperature`" in md


@pytest.mark.parametrize(
    "text",
    [
        "---\nname: rev\ndescription: Reviews ‸code\nmodel: sonnet\n---\nReview.\n",
        "---\nname: rev\nmodel: sonnet\n---\nRe‸view.\n",
        "--‸-\nname: rev\nmodel: sonnet\n---\nReview.\n",
        "No frontmatter ‸at all.\n",
        "---\nname: rev\nmodel: sonnet\n‸\n---\nReview.\n",
    ],
)
def test_nothing_elsewhere(tmp_path, text):
    assert _hover(tmp_path, ".claude/agents/rev.md", text)[1] is None


def test_hover_on_a_big_prompt(tmp_path):
    keys = ["name: big", "description: d", "model: openai/gpt-4o"] + [f"custom_{i}: v" for i in range(97)]
    body = "\n".join(f"Line {i}: check the diff for bugs." for i in range(5000))
    text = "---\n" + "\n".join(keys) + "\n---\n" + body + "\n"
    text = text.replace("openai/gpt-4o", "openai/gpt-‸4o", 1)
    _, result = _hover(tmp_path, ".claude/agents/big.md", text, None)
    tokens = estimate_tokens_cached(body + "\n")  # what hover and checks use on big files
    window = 128_000
    assert (
        f"**Prompt**: {tokens.label()} of a 128,000-token context ({tokens.count / window:.1%})"
        in result.markdown
    )
