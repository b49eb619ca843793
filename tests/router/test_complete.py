"""Completion in the frontmatter: keys, model ids, allowed values and tools, as the editor shows them."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from promptls.router.editor.complete import Completion, complete, completion_list, narrow
from promptls.router.models.catalog import Catalog, load_catalog, unknown_model
from promptls.router.models.copilot import offered_names
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
    assert "Allowed values: `default`, `acceptEdits`, `auto`, `dontAsk`, `bypassPermissions`, `plan`" in (
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
    assert labels[:8] == ["sonnet", "opus", "haiku", "fable", "best", "opusplan", "inherit", "default"]
    assert [c.sort_text for c in items] == sorted(c.sort_text for c in items)
    sonnet = items[0]
    target = interpret("sonnet", Dialect.CLAUDE_AGENT, catalog).model
    assert sonnet.detail.startswith(f"→ {target} · context ")
    assert _by_label(items, "inherit").detail == "→ the default model (openai/gpt-4o-mini from promptls.toml)"
    assert _by_label(items, "default").detail == "→ openai/gpt-4o-mini (from promptls.toml)"
    assert [c.sort_text for c in items[:3]] == ["0000", "0001", "0002"]  # each item's place in the list
    ids = items[5:]
    claude_spelling = {m.removeprefix("anthropic/") for m in catalog.ids()}  # as Claude Code writes them
    assert {c.label for c in ids} >= claude_spelling
    assert "anthropic/claude-opus-4-1" not in labels
    assert _by_label(items, "claude-opus-4-1").model == "anthropic/claude-opus-4-1"
    assert "lmstudio/" in labels and "lmstudio/qwen2.5-7b" in labels
    gpt4o = _by_label(items, "openai/gpt-4o")
    assert gpt4o.kind == "model"
    assert gpt4o.detail == "context 128,000 · max output 16,384 · $2.5/$10 per 1M in/out"
    assert gpt4o.insert_text == "openai/gpt-4o"
    assert "- context window: 128,000 tokens" in gpt4o.documentation
    assert "- price: $2.5 in / $10 out per 1M tokens" in gpt4o.documentation
    free = _by_label(items, "openrouter/meta-llama/llama-3.3-70b-instruct:free")
    assert free.detail == "context 131,072 · free"
    deprecated = next(c for c in ids if (info := catalog.get(c.model or "")) and info.deprecation_date)
    date = catalog.get(deprecated.model).deprecation_date
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


def test_dotprompt_model_ids_are_written_with_genkits_plugin_prefix(tmp_path):
    _, items = _complete(tmp_path, "prompts/p.prompt", "---\nmodel: ‸\n---\n")
    labels = _labels(items)
    assert "googleai/gemini-2.5-pro" in labels and "gemini/gemini-2.5-pro" not in labels
    assert _by_label(items, "googleai/gemini-2.5-pro").model == "gemini/gemini-2.5-pro"
    assert "openai/gpt-4o" in labels  # Genkit's openai plugin writes it as promptls does


# --- the order of model ids ---------------------------------------------------------------------

TODAY = datetime.date(2026, 6, 1)
SMALL_CATALOG = [
    # (id, deprecation date): retired before TODAY, or retiring after it
    ("openai/gpt-5.1", None),
    ("openai/gpt-5", None),
    ("openai/gpt-5-mini", None),
    ("openai/gpt-5-nano", None),
    ("openai/gpt-4.1", None),
    ("openai/gpt-4.1-mini", None),
    ("openai/gpt-4o", None),
    ("openai/gpt-4o-2024-08-06", None),  # a dated snapshot of gpt-4o
    ("openai/gpt-4o-mini", None),
    ("openai/o3", None),
    ("openai/o4-mini", None),
    ("openai/gpt-4", "2030-01-01"),
    ("openai/gpt-3.5-turbo", "2025-01-01"),
    ("anthropic/claude-opus-4-5", None),
    ("anthropic/claude-sonnet-4-5", None),
    ("anthropic/claude-sonnet-4-5-20250929", None),
    ("anthropic/claude-haiku-4-5", None),
    ("anthropic/claude-opus-4-1", None),
    ("anthropic/claude-3-opus", "2025-06-30"),
    ("gemini/gemini-2.5-pro", None),
    ("gemini/gemini-2.5-flash", None),
    ("gemini/gemini-3-pro-preview", None),
    ("gemini/gemini-1.5-pro", "2025-09-24"),
    ("openrouter/openai/gpt-5", None),
    ("openrouter/anthropic/claude-sonnet-4.5", None),
    ("openrouter/deepseek/deepseek-chat", None),
    ("openrouter/meta-llama/llama-3.3-70b-instruct", None),
    ("openrouter/meta-llama/llama-3.3-70b-instruct:free", None),  # a variant of the one above
    ("ollama/llama3.2", None),
    ("ollama/llama3.2:3b", None),
    ("ollama/qwen2.5-coder", None),
]


def _small_catalog() -> Catalog:
    models = []
    for model_id, retires in SMALL_CATALOG:
        provider = model_id.split("/", 1)[0]
        info = unknown_model(model_id, provider, local=provider == "ollama")
        models.append(info._replace(known="catalog", context_window=128_000, deprecation_date=retires))
    return Catalog(models)


def _ranked(tmp_path: Path, rel: str, settings: str | None = None, keyed: frozenset[str] = frozenset()):
    text = "---\nname: rev\nmodel: \n---\n"
    path = tmp_path / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    if settings is not None:
        (tmp_path / "promptls.toml").write_text(settings, encoding="utf-8")
    loader = SettingsLoader(user_config=str(tmp_path / "no-user-config.toml"))
    prompt = parse_prompt(str(path), text)
    offset = text.index("model: ") + len("model: ")
    items = complete(prompt, offset, _small_catalog(), loader.for_prompt(str(path)), keyed, TODAY)
    assert [c.sort_text for c in items] == sorted(c.sort_text for c in items)  # clients sort by sort_text
    return _labels(items)


NEWEST_OPENAI = ["openai/gpt-5.1", "openai/gpt-5", "openai/gpt-5-mini", "openai/gpt-5-nano", "openai/gpt-4.1"]
NEWEST_OTHERS = [
    # a fair share of each major provider, newest first (the catalog knows no release dates: the
    # version in the id decides), OpenRouter's vendors taking turns, then the local models
    "anthropic/claude-opus-4-5",
    "anthropic/claude-haiku-4-5",
    "anthropic/claude-sonnet-4-5",
    "anthropic/claude-opus-4-1",
    "gemini/gemini-3-pro-preview",
    "gemini/gemini-2.5-pro",
    "gemini/gemini-2.5-flash",
    "openrouter/anthropic/claude-sonnet-4.5",
    "openrouter/deepseek/deepseek-chat",
    "openrouter/meta-llama/llama-3.3-70b-instruct",
    "openrouter/openai/gpt-5",
    "ollama/llama3.2",
    "ollama/qwen2.5-coder",
]
LAST = [
    # pinned snapshots and variants after every current model; then what retires later; then the retired
    "openai/gpt-4o-2024-08-06",
    "anthropic/claude-sonnet-4-5-20250929",
    "openrouter/meta-llama/llama-3.3-70b-instruct:free",
    "ollama/llama3.2:3b",
    "openai/gpt-4",
    "openai/gpt-3.5-turbo",
    "anthropic/claude-3-opus",
    "gemini/gemini-1.5-pro",
]


def test_model_ids_newest_first_with_a_fair_share_for_each_provider(tmp_path):
    labels = _ranked(tmp_path, "prompts/p.md")
    assert labels == [
        "default",
        *NEWEST_OPENAI,
        "openai/gpt-4.1-mini",
        "openai/gpt-4o",
        "openai/o4-mini",  # OpenAI's share (8) ends here
        *NEWEST_OTHERS,
        "openai/gpt-4o-mini",  # the rest of OpenAI's current models, after every provider's share
        "openai/o3",
        *LAST,
    ]


def test_a_claude_agent_offers_aliases_and_claude_ids_first(tmp_path):
    labels = _ranked(tmp_path, ".claude/agents/rev.md")
    assert labels[:13] == [
        "sonnet",
        "opus",
        "haiku",
        "fable",
        "best",
        "opusplan",
        "inherit",
        "default",
        "claude-opus-4-5",  # written as Claude Code reads them, not `anthropic/claude-opus-4-5`
        "claude-haiku-4-5",
        "claude-sonnet-4-5",
        "claude-opus-4-1",
        "openai/gpt-5.1",  # then the other providers' shares, as in any prompt
    ]
    assert "claude-sonnet-4-5-20250929" in labels and "anthropic/claude-sonnet-4-5" not in labels
    assert labels[-3:-1] == ["openai/gpt-3.5-turbo", "claude-3-opus"]  # retired, still offered


def test_a_copilot_prompt_offers_auto_then_the_names_copilot_offers(tmp_path):
    labels = _ranked(tmp_path, ".github/prompts/p.prompt.md")
    offered = offered_names()
    assert labels[0] == "Auto"
    # the names from Copilot's own list (models.copilot), newest first, OpenAI, Anthropic and Google
    # taking turns, whatever the catalog knows
    assert labels[1:4] == ["GPT-6.1 Sol", "Claude Opus 5.5", "Gemini 3.8 Flash"]
    picker = labels[: labels.index("default")]
    assert sorted(picker[1:]) == sorted(offered)
    assert "GPT-4.1" not in picker and "Claude Sonnet 4" not in picker  # Copilot retired them
    assert picker.index("Raptor mini") > picker.index("Gemini 2.5 Pro")  # the other providers' after
    after = labels[labels.index("default") :]
    assert after[:3] == ["default", "openai/gpt-5.1", "openai/gpt-5"]  # then promptls's own, as anywhere


def test_a_project_whose_settings_use_ollama_sees_ollama_first(tmp_path):
    settings = '[defaults]\nmodel = "ollama/qwen2.5-coder"\n'
    labels = _ranked(tmp_path, "prompts/p.md", settings)
    assert labels[:6] == [
        "default",
        "ollama/qwen2.5-coder",  # the model the project names
        "ollama/llama3.2",  # then its provider's newest
        "openai/gpt-5.1",
        "openai/gpt-5",
        "openai/gpt-5-mini",
    ]


def test_a_project_with_an_openai_key_sees_every_current_openai_model_first(tmp_path):
    settings = '[defaults]\nmodel = "ollama/qwen2.5-coder"\n'
    labels = _ranked(tmp_path, "prompts/p.md", settings, keyed=frozenset({"openai"}))
    assert labels[:15] == [
        "default",
        "ollama/qwen2.5-coder",
        "ollama/llama3.2",
        *NEWEST_OPENAI,  # a provider it has a key for shows up to 12 of its newest: all 10 here
        "openai/gpt-4.1-mini",
        "openai/gpt-4o",
        "openai/o4-mini",
        "openai/gpt-4o-mini",
        "openai/o3",
        "anthropic/claude-opus-4-5",
        "anthropic/claude-haiku-4-5",
    ]
    without_key = _ranked(tmp_path, "prompts/p.md", settings)  # o3 waits for every provider's share
    assert without_key.index("openai/o3") > without_key.index("openrouter/openai/gpt-5")


def test_the_60_items_an_editor_gets_first_span_providers_and_leave_retired_models_out(tmp_path):
    """On the shipped catalog: what the server sends after an empty `model: ` in a generic prompt."""
    catalog = load_catalog()
    path = tmp_path / "prompts" / "p.md"
    path.parent.mkdir(parents=True)
    text = "---\nmodel: \n---\n"
    path.write_text(text, encoding="utf-8")
    settings = SettingsLoader(user_config=str(tmp_path / "none.toml")).for_prompt(str(path))
    items, incomplete = completion_list(parse_prompt(str(path), text), 11, catalog, settings, limit=60)
    assert incomplete and len(items) == 60
    providers = [c.label.split("/", 1)[0] for c in items[1:]]
    shares = {p: providers.count(p) for p in ("openai", "anthropic", "gemini", "openrouter", "ollama")}
    assert min(shares.values()) >= 8, shares  # each major provider and the local models
    assert not [c.label for c in items if c.deprecated]
    everything = complete(parse_prompt(str(path), text), 11, catalog, settings)
    retired = [c.label for c in everything if catalog.lookup(c.label).is_deprecated(datetime.date.today())]
    assert retired == [c.label for c in everything[-len(retired) :]]


# --- allowed values, booleans, tools -------------------------------------------------------------


@pytest.mark.parametrize(
    ("rel", "line", "expected", "replaced"),
    [
        (
            ".claude/agents/rev.md",
            "permissionMode: acc‸",
            ["default", "acceptEdits", "auto", "dontAsk", "bypassPermissions", "plan", "manual"],
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
    assert [c.sort_text for c in kept] == ["0000", "0001", "0002", "0003", "0004"]  # their new places
    kept, incomplete = narrow(items, "zz-no-such-model", 5)
    assert (kept, incomplete) == ([], False)
    few = items[:3]
    assert narrow(few, "", 5) == (few, False)
    assert narrow(items, "", 10) == (items[:10], True)
