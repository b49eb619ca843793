"""Completion in the frontmatter: keys, model ids, allowed values and tools, as the editor shows them."""

from __future__ import annotations

from pathlib import Path

import pytest
from promptls.router.editor.complete import Completion, complete, narrow
from promptls.router.models.catalog import load_catalog
from promptls.router.models.modelid import interpret
from promptls.router.prompts.dialects import Dialect
from promptls.router.prompts.frontmatter import parse_prompt
from promptls.router.prompts.keyspec import CLAUDE_TOOLS, COPILOT_TOOLS, keys_for
from promptls.router.settings import SettingsLoader

CURSOR = "‸"

SETTINGS = """\
[defaults]
model = "openai/gpt-4o-mini"

[providers.lmstudio]
base_url = "http://localhost:1234/v1"

[models."lmstudio/qwen2.5-7b"]
context_window = 32768

[profiles.review]
model = "openai/gpt-4o"
"""


def _complete(
    tmp_path: Path, rel: str, text_with_cursor: str, settings: str | None = None
) -> tuple[str, list[Completion]]:
    offset = text_with_cursor.index(CURSOR)
    text = text_with_cursor.replace(CURSOR, "", 1)
    path = tmp_path / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    if settings is not None:
        (tmp_path / "promptls.toml").write_text(settings, encoding="utf-8")
    loader = SettingsLoader(user_config=str(tmp_path / "no-user-config.toml"))
    prompt = parse_prompt(str(path), text)
    return text, complete(prompt, offset, load_catalog(), loader.for_prompt(str(path)))


def _labels(items: list[Completion]) -> list[str]:
    return [c.label for c in items]


def _replaced(text: str, item: Completion) -> str:
    return text[item.replace.start : item.replace.end]


def _by_label(items: list[Completion], label: str) -> Completion:
    return next(c for c in items if c.label == label)


# --- keys ---------------------------------------------------------------------------------------


def test_an_empty_line_offers_the_dialects_keys_not_yet_written(tmp_path):
    _text, items = _complete(tmp_path, ".claude/agents/rev.md", "---\nname: rev\n‸\n---\nBody\n")
    labels = _labels(items)
    expected = set(keys_for(Dialect.CLAUDE_AGENT)) - {"name"}
    assert set(labels) == expected
    assert all(c.kind == "key" for c in items)
    assert labels[0] == "description"  # the missing required key first
    assert labels.index("permissionMode") < labels.index("temperature")  # Claude's own, then promptls's
    assert [c.sort_text for c in items] == sorted(c.sort_text for c in items)
    mode = _by_label(items, "permissionMode")
    assert mode.insert_text == "permissionMode: "
    assert (mode.replace.start, mode.replace.end) == (len("---\nname: rev\n"),) * 2
    assert "How tool permissions are handled." in mode.documentation
    assert "Allowed values: `default`, `acceptEdits`, `dontAsk`, `bypassPermissions`, `plan`" in (
        mode.documentation
    )
    temperature = _by_label(items, "temperature")
    assert temperature.detail == "number"
    assert "From 0 to 2." in temperature.documentation


def test_a_partial_key_is_replaced_and_an_existing_colon_is_kept(tmp_path):
    text, items = _complete(tmp_path, ".claude/agents/rev.md", "---\nname: rev\nperm‸\n---\n")
    mode = _by_label(items, "permissionMode")
    assert _replaced(text, mode) == "perm"
    assert mode.insert_text == "permissionMode: "

    text, items = _complete(tmp_path, ".claude/agents/rev.md", "---\nname: rev\nmo‸del: sonnet\n---\n")
    model = _by_label(items, "model")  # the key being edited does not count as written
    assert _replaced(text, model) == "model"
    assert model.insert_text == "model"


def test_keys_complete_while_the_frontmatter_is_being_typed(tmp_path):
    # No closing fence, and a line that is not valid YAML: nothing parses.
    text, items = _complete(tmp_path, "prompts/p.md", "---\nmodel: [unclosed\ntitle: t\nte‸")
    labels = _labels(items)
    assert "temperature" in labels and "tags" in labels
    assert "model" not in labels and "title" not in labels  # written, though unparsed
    assert _replaced(text, _by_label(items, "temperature")) == "te"


def test_a_deprecated_key_is_marked(tmp_path):
    _, items = _complete(tmp_path, ".github/prompts/p.prompt.md", "---\n‸\n---\n")
    mode = _by_label(items, "mode")
    assert mode.deprecated and mode.detail == "string · deprecated: use agent"
    assert _labels(items)[-1] == "mode"


@pytest.mark.parametrize(
    "text",
    [
        "---\nname: rev\n---\nBody ‸text\n",
        "--‸-\nname: rev\n---\nBody\n",
        "No frontmatter ‸here\n",
        "---\n# a comment‸\nname: rev\n---\n",
        "---\nname: rev\ndescription: Reviews ‸code\n---\n",
    ],
)
def test_nothing_outside_the_frontmatter_or_where_no_value_is_known(tmp_path, text):
    assert _complete(tmp_path, ".claude/agents/rev.md", text)[1] == []


# --- model ids ----------------------------------------------------------------------------------


def test_claude_model_value_offers_aliases_first_then_every_catalog_id(tmp_path):
    text, items = _complete(tmp_path, ".claude/agents/rev.md", "---\nname: rev\nmodel: ‸\n---\n", SETTINGS)
    catalog = load_catalog()
    labels = _labels(items)
    assert labels[:5] == ["sonnet", "opus", "haiku", "inherit", "default"]
    assert [c.sort_text for c in items] == sorted(c.sort_text for c in items)
    sonnet = items[0]
    target = interpret("sonnet", Dialect.CLAUDE_AGENT, catalog).model
    assert sonnet.detail.startswith(f"→ {target} · context ")
    assert _by_label(items, "inherit").detail == "→ the default model (openai/gpt-4o-mini from promptls.toml)"
    assert _by_label(items, "default").detail == "→ openai/gpt-4o-mini (from promptls.toml)"
    ids = [c for c in items if c.sort_text.startswith("2")]
    assert {c.label for c in ids} >= set(catalog.ids())
    assert "lmstudio/" in labels and "lmstudio/qwen2.5-7b" in labels
    gpt4o = _by_label(items, "openai/gpt-4o")
    assert gpt4o.kind == "model"
    assert gpt4o.detail == "context 128,000 · max output 16,384 · $2.5/$10 per 1M in/out"
    assert gpt4o.insert_text == "openai/gpt-4o"
    assert "- context window: 128,000 tokens" in gpt4o.documentation
    assert "- price: $2.5 in / $10 out per 1M tokens" in gpt4o.documentation
    free = _by_label(items, "openrouter/meta-llama/llama-3.3-70b-instruct:free")
    assert free.detail == "context 131,072 · free"
    deprecated = next(c for c in ids if catalog.get(c.label).deprecation_date)
    date = catalog.get(deprecated.label).deprecation_date
    assert deprecated.deprecated and deprecated.detail.endswith(f" · deprecated {date}")
    assert all(_replaced(text, c) == "" for c in items)


def test_local_and_unpriced_models_say_so(tmp_path):
    _, items = _complete(tmp_path, "prompts/p.md", "---\nmodel: ‸\n---\n", SETTINGS)
    local = _by_label(items, "lmstudio/qwen2.5-7b")  # a declared local endpoint, facts from settings
    assert local.detail.startswith("context 32,768") and local.detail.endswith(" · local · free")
    provider = _by_label(items, "lmstudio/")
    assert (
        provider.insert_text == "lmstudio/"
        and provider.detail == "provider lmstudio · http://localhost:1234/v1"
    )
    catalog = load_catalog()
    ollama = next(c for c in items if c.label.startswith("ollama/") and c.label in catalog)
    assert " · local · free" in ollama.detail
    unpriced = [m for m in catalog.search() if not m.free and m.input_price is None]
    if unpriced:
        assert _by_label(items, unpriced[0].id).detail.endswith("price unknown")


def test_generic_prompts_get_default_but_no_claude_aliases(tmp_path):
    _text, items = _complete(tmp_path, "prompts/p.md", "---\nmodel: ‸")  # unterminated, empty value
    labels = _labels(items)
    assert labels[0] == "default" and "sonnet" not in labels
    assert _by_label(items, "default").detail == "→ the settings' default (none is set)"


def test_a_partial_quoted_model_is_replaced_inside_the_quotes(tmp_path):
    text, items = _complete(tmp_path, "prompts/p.md", '---\nmodel: "openai/gp‸"\n---\n')
    gpt = _by_label(items, "openai/gpt-4o")
    assert _replaced(text, gpt) == "openai/gp"
    assert gpt.insert_text == "openai/gpt-4o"


def test_a_value_typed_right_after_the_colon_gets_a_space(tmp_path):
    _text, items = _complete(tmp_path, ".claude/agents/rev.md", "---\nname: rev\nmodel:‸\n---\n")
    assert items[0].label == "sonnet" and items[0].insert_text == " sonnet"


def test_fallback_lists_offer_models_not_yet_listed(tmp_path):
    block = "---\nname: rev\nfallback:\n  - openai/gpt-4o\n  - ‸\n  - ollama/llama3.2\n---\n"
    text, items = _complete(tmp_path, ".claude/agents/rev.md", block)
    labels = _labels(items)
    assert labels[:3] == ["sonnet", "opus", "haiku"]  # Claude aliases work in a chain; inherit/default do not
    assert "inherit" not in labels and "default" not in labels
    assert "openai/gpt-4o" not in labels and "ollama/llama3.2" not in labels
    assert "openai/gpt-4o-mini" in labels

    flow = "---\nfallback: [openai/gpt-4o, 'openai/gpt-4o-m‸']\n---\n"
    text, items = _complete(tmp_path, "prompts/p.md", flow)
    mini = _by_label(items, "openai/gpt-4o-mini")
    assert _replaced(text, mini) == "openai/gpt-4o-m"
    assert "openai/gpt-4o" not in _labels(items)

    text, items = _complete(tmp_path, "prompts/p.md", "---\nfallback: ‸\n---\n")
    assert _by_label(items, "openai/gpt-4o").insert_text == "[openai/gpt-4o]"  # a list, not a scalar


def test_copilot_model_lists_offer_model_ids(tmp_path):
    text, items = _complete(tmp_path, ".github/prompts/p.prompt.md", "---\nmodel: [GPT-4o, ‸]\n---\n")
    labels = _labels(items)
    assert "openai/gpt-4o" in labels and "sonnet" not in labels and "default" not in labels
    text, items = _complete(tmp_path, ".github/agents/a.agent.md", "---\nmodel:\n- GPT-4o\n- anth‸\n---\n")
    assert _replaced(text, _by_label(items, "anthropic/claude-2")) == "anth"


# --- allowed values, booleans, tools -------------------------------------------------------------


@pytest.mark.parametrize(
    ("rel", "line", "expected", "replaced"),
    [
        (
            ".claude/agents/rev.md",
            "permissionMode: acc‸",
            ["default", "acceptEdits", "dontAsk", "bypassPermissions", "plan"],
            "acc",
        ),
        (".claude/agents/rev.md", "background: ‸", ["true", "false"], ""),
        ("prompts/p.md", "model_fallback: 'tr‸'", ["true", "false"], "tr"),
        ("prompts/p.md", "reasoning_effort: ‸", ["minimal", "low", "medium", "high"], ""),
        ("prompts/p.md", "tier: he‸avy", ["light", "medium", "heavy"], "heavy"),
        (".github/prompts/p.prompt.md", "mode: ‸", ["ask", "edit", "agent"], ""),
        (".github/prompts/p.prompt.md", "agent: ‸", ["ask", "edit", "agent"], ""),
        ("prompts/p.md", "profile: ‸", ["code", "creative", "fast", "general", "review"], ""),
    ],
)
def test_enumerated_values(tmp_path, rel, line, expected, replaced):
    text, items = _complete(tmp_path, rel, f"---\n{line}\n---\n", SETTINGS)
    assert _labels(items) == expected
    assert all(c.kind == "value" and c.insert_text == c.label for c in items)
    assert _replaced(text, items[0]) == replaced


def test_claude_tools_as_a_comma_string_or_a_list(tmp_path):
    text, items = _complete(tmp_path, ".claude/agents/rev.md", "---\nname: rev\ntools: Read, G‸\n---\n")
    labels = _labels(items)
    assert "Read" not in labels and labels == [t for t in CLAUDE_TOOLS if t != "Read"]
    assert _replaced(text, _by_label(items, "Grep")) == "G"
    assert _by_label(items, "Grep").insert_text == "Grep"

    text, items = _complete(
        tmp_path, ".claude/commands/ship.md", "---\nallowed-tools:\n  - Bash\n  - ‸\n---\n"
    )
    assert "Bash" not in _labels(items) and "Edit" in _labels(items)


def test_copilot_tools_list(tmp_path):
    text, items = _complete(tmp_path, ".github/prompts/p.prompt.md", "---\ntools: ['codebase', 'fe‸']\n---\n")
    labels = _labels(items)
    assert labels == [t for t in COPILOT_TOOLS if t != "codebase"]
    assert _replaced(text, _by_label(items, "fetch")) == "fe"
    text, items = _complete(tmp_path, ".github/prompts/p.prompt.md", "---\ntools: ‸\n---\n")
    assert _by_label(items, "fetch").insert_text == "[fetch]"


def test_a_big_prompt_returns_the_key_list(tmp_path):
    keys = ["name: big", "description: d", "model: sonnet", "temperature: 0.2"]
    keys += [f"custom_key_{i}: value {i}" for i in range(96)]
    body = "\n".join(f"Line {i}: check the diff for bugs." for i in range(5000))
    text = "---\n" + "\n".join(keys) + "\n‸\n---\n" + body + "\n"
    _, items = _complete(tmp_path, ".claude/agents/big.md", text)
    expected = set(keys_for(Dialect.CLAUDE_AGENT)) - {"name", "description", "model", "temperature"}
    assert set(_labels(items)) == expected


def test_narrow_keeps_matches_starting_with_the_typed_text_first(tmp_path):
    text, items = _complete(tmp_path, "prompts/p.md", "---\nmodel: gpt-4o‸\n---\n")
    kept, incomplete = narrow(items, _replaced(text, items[0]), 5)
    assert incomplete and len(kept) == 5
    assert all("/gpt-4o" in c.label for c in kept)
    kept, incomplete = narrow(items, "zz-no-such-model", 5)
    assert (kept, incomplete) == ([], False)
    few = items[:3]
    assert narrow(few, "", 5) == (few, False)
    assert narrow(items, "", 10) == (items[:10], True)
