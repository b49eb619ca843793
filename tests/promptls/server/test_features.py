"""Completion, hover, code actions, go to definition and inlay hints, as an editor shows them."""

from __future__ import annotations

import asyncio
import tomllib

from lsprotocol import types
from promptls.router.settings import SettingsLoader

from promptls.server.keyed import KeyedProviders
from tests.promptls.server.conftest import diagnostics, open_doc

AGENT = "---\nname: rev\ndescription: Reviews diffs\nmodel: sonnet\n---\nReview the diff.\n"
SETTINGS = '[defaults]\nmodel = "openai/gpt-4o-mini"\n\n[agents.rev]\nmodel = "ollama/qwen2.5-coder"\n'


def _doc(uri: str) -> types.TextDocumentIdentifier:
    return types.TextDocumentIdentifier(uri=uri)


def _apply(text: str, edits: list[types.TextEdit]) -> str:
    """Apply LSP edits (ASCII text: characters are UTF-16 units) bottom-up."""
    lines = text.splitlines(keepends=True)

    def offset(pos: types.Position) -> int:
        return sum(len(line) for line in lines[: pos.line]) + pos.character

    for edit in sorted(edits, key=lambda e: offset(e.range.start), reverse=True):
        text = text[: offset(edit.range.start)] + edit.new_text + text[offset(edit.range.end) :]
        lines = text.splitlines(keepends=True)
    return text


async def test_completion_of_model_ids_keys_and_values(client, workspace):
    uri = open_doc(
        client,
        workspace / ".claude" / "agents" / "rev.md",
        "---\nname: rev\ndescription: d\nmodel: \npermissionMode: \n\n---\nBody\n",
    )
    models = await client.text_document_completion_async(
        types.CompletionParams(text_document=_doc(uri), position=types.Position(3, 7))
    )
    labels = [i.label for i in models.items]
    assert labels[:7] == ["sonnet", "opus", "haiku", "fable", "best", "opusplan", "inherit"]
    assert models.is_incomplete  # ~1,200 ids: the best matches of what is typed, then ask again
    typed = open_doc(client, workspace / "prompts" / "t.md", "---\nmodel: openai/gpt-4\n---\nHi\n")
    narrowed = await client.text_document_completion_async(
        types.CompletionParams(text_document=_doc(typed), position=types.Position(1, 18))
    )
    gpt = next(i for i in narrowed.items if i.label == "openai/gpt-4o")
    assert gpt.detail.startswith("context 128,000")
    assert gpt.text_edit.range == types.Range(types.Position(1, 7), types.Position(1, 19))
    resolved = await client.completion_item_resolve_async(gpt)
    assert "128,000" in resolved.documentation.value

    values = await client.text_document_completion_async(
        types.CompletionParams(text_document=_doc(uri), position=types.Position(4, 16))
    )
    assert [i.label for i in values.items] == [
        "default",
        "acceptEdits",
        "auto",
        "dontAsk",
        "bypassPermissions",
        "plan",
        "manual",
    ]

    keys = await client.text_document_completion_async(
        types.CompletionParams(text_document=_doc(uri), position=types.Position(5, 0))
    )
    key_labels = {i.label for i in keys.items}
    assert {"tools", "model_fallback", "temperature"} <= key_labels
    assert "name" not in key_labels  # already written
    tools = next(i for i in keys.items if i.label == "tools")
    assert "Tools the subagent may use" in tools.documentation.value


async def test_model_completion_comes_ranked_in_sort_text(client, workspace):
    text = "---\nname: ranked\ndescription: d\nmodel: \n---\n"
    agent = open_doc(client, workspace / ".claude" / "agents" / "ranked.md", text)
    models = await client.text_document_completion_async(
        types.CompletionParams(text_document=_doc(agent), position=types.Position(3, 7))
    )
    items = models.items
    aliases = ["sonnet", "opus", "haiku", "fable", "best", "opusplan", "inherit", "default"]
    assert [i.label for i in items[:8]] == aliases
    assert items[8].label.startswith("claude-")  # Claude ids next, written as Claude Code reads them
    sort_texts = [i.sort_text for i in items]
    assert sort_texts == sorted(set(sort_texts))  # clients order by sortText: it carries the ranking
    assert all(i.filter_text == i.label for i in items)
    resolved = await client.completion_item_resolve_async(items[8])
    assert f"anthropic/{items[8].label}" in resolved.documentation.value

    copilot = open_doc(client, workspace / ".github" / "agents" / "ranked.agent.md", text)
    models = await client.text_document_completion_async(
        types.CompletionParams(text_document=_doc(copilot), position=types.Position(3, 7))
    )
    labels = [i.label for i in models.items]
    assert labels[0] == "Auto"  # then the names Copilot's own model list offers, newest first
    assert "Claude Sonnet 4.6" in labels[:40] and "GPT-4.1" not in labels  # retired in Copilot

    generic = open_doc(client, workspace / "prompts" / "ranked.md", "---\nmodel: \n---\nHi\n")
    models = await client.text_document_completion_async(
        types.CompletionParams(text_document=_doc(generic), position=types.Position(1, 7))
    )
    providers = [i.label.split("/", 1)[0] for i in models.items]
    for provider in ("openai", "anthropic", "gemini", "openrouter", "ollama"):
        assert providers.count(provider) >= 8, provider  # a fair share each, locals included
    assert not [i.label for i in models.items if i.tags]  # nothing deprecated or retired among them


async def test_hover_shows_the_resolved_model_why_and_what_it_costs(client, workspace):
    (workspace / "promptls.toml").write_text(SETTINGS, encoding="utf-8")
    uri = open_doc(client, workspace / ".claude" / "agents" / "rev.md", AGENT)
    hover = await client.text_document_hover_async(
        types.HoverParams(text_document=_doc(uri), position=types.Position(3, 9))
    )
    text = hover.contents.value
    assert "ollama/qwen2.5-coder" in text
    settings_uri = (workspace / "promptls.toml").as_uri()
    assert f"({settings_uri}#L5)" in text  # the line that decided it, as a link
    assert "sonnet" in text  # the overridden frontmatter value is listed
    assert "tokens" in text and "estimate" in text
    assert hover.range == types.Range(types.Position(3, 7), types.Position(3, 13))

    key = await client.text_document_hover_async(
        types.HoverParams(text_document=_doc(uri), position=types.Position(1, 1))
    )
    assert "lowercase letters and hyphens" in key.contents.value


async def test_quick_fix_from_a_finding_edits_the_file(client, workspace):
    text = "---\nmodel: openai/gpt4o\n---\nHi\n"
    uri = open_doc(client, workspace / "prompts" / "p.md", text)
    (finding,) = [d for d in await diagnostics(client, uri) if d.code == "PLS203"]
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=_doc(uri),
            range=finding.range,
            context=types.CodeActionContext(diagnostics=[finding]),
        )
    )
    fix = next(a for a in actions if a.kind == types.CodeActionKind.QuickFix)
    assert fix.title == "Change to `openai/gpt-4o`"
    assert _apply(text, fix.edit.changes[uri]) == "---\nmodel: openai/gpt-4o\n---\nHi\n"


async def test_pin_this_model_writes_promptls_toml(client, workspace):
    settings = workspace / "promptls.toml"
    settings.write_text('[defaults]\nmodel = "openai/gpt-4o-mini"\n', encoding="utf-8")
    text = "---\nname: rev\ndescription: d\nmodel: openai/gpt-4o\n---\nBody\n"
    uri = open_doc(client, workspace / ".claude" / "agents" / "rev.md", text)
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=_doc(uri),
            range=types.Range(types.Position(3, 8), types.Position(3, 8)),
            context=types.CodeActionContext(diagnostics=[]),
        )
    )
    (pin,) = [a for a in actions if a.title.startswith("Pin")]
    edits = pin.edit.changes[settings.as_uri()]
    pinned = _apply(settings.read_text(encoding="utf-8"), edits)
    assert tomllib.loads(pinned)["agents"]["rev"]["model"] == "openai/gpt-4o"
    assert pinned.startswith('[defaults]\nmodel = "openai/gpt-4o-mini"\n')


async def test_pin_creates_promptls_toml_when_there_is_none(fresh_client, workspace):
    """With no settings file yet, the new promptls.toml goes to the workspace root."""
    client = fresh_client
    uri = open_doc(client, workspace / "prompts" / "p.md", "---\nmodel: openai/gpt-4o\n---\nHi\n")
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=_doc(uri),
            range=types.Range(types.Position(1, 8), types.Position(1, 8)),
            context=types.CodeActionContext(diagnostics=[]),
        )
    )
    pins = [a for a in actions if a.title.startswith("Pin")]
    caps = client.capabilities.workspace.workspace_edit
    can_create = bool(
        caps
        and caps.document_changes
        and caps.resource_operations
        and types.ResourceOperationKind.Create in caps.resource_operations
    )
    assert bool(pins) == can_create
    if can_create:
        create, edit = pins[0].edit.document_changes
        assert create.uri == (workspace / "promptls.toml").as_uri()
        new = _apply("", edit.edits)
        assert tomllib.loads(new)["prompts"]["prompts/p.md"]["model"] == "openai/gpt-4o"


async def test_definition_jumps_to_the_settings_line_and_inlay_hint_says_so(client, workspace):
    settings = workspace / "promptls.toml"
    settings.write_text(SETTINGS, encoding="utf-8")
    uri = open_doc(client, workspace / ".claude" / "agents" / "rev.md", AGENT)
    location = await client.text_document_definition_async(
        types.DefinitionParams(text_document=_doc(uri), position=types.Position(3, 8))
    )
    assert location.uri == settings.as_uri()
    assert location.range.start == types.Position(4, 0)
    hints = await client.text_document_inlay_hint_async(
        types.InlayHintParams(
            text_document=_doc(uri), range=types.Range(types.Position(0, 0), types.Position(6, 0))
        )
    )
    (hint,) = hints
    assert hint.label == "→ ollama/qwen2.5-coder (promptls.toml:5)"
    assert hint.position == types.Position(3, 13)


async def test_add_a_fallback_uses_the_default_chain(client, workspace):
    (workspace / "promptls.toml").write_text(
        '[defaults]\nfallback = ["ollama/llama3.2", "openai/gpt-4o-mini"]\n', encoding="utf-8"
    )
    text = "---\nmodel: openai/gpt-4o\n---\nHi\n"
    uri = open_doc(client, workspace / "prompts" / "p.md", text)
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=_doc(uri),
            range=types.Range(types.Position(1, 8), types.Position(1, 8)),
            context=types.CodeActionContext(diagnostics=[]),
        )
    )
    (add,) = [a for a in actions if a.title.startswith("Add a fallback")]
    assert add.title == "Add a fallback: the default chain (ollama/llama3.2 → openai/gpt-4o-mini)"
    assert _apply(text, add.edit.changes[uri]) == "---\nmodel: openai/gpt-4o\nmodel_fallback: true\n---\nHi\n"


async def test_a_failing_request_is_logged_answered_and_survived(client, workspace):
    uri = open_doc(client, workspace / "prompts" / "ok.md", "---\nmodel: openai/gpt-4o\n---\nHi\n")
    # A request no LSP type accepts, written straight onto the wire (the client would refuse it).
    logged = asyncio.ensure_future(client.wait_for_notification(types.WINDOW_LOG_MESSAGE))
    # (the raw channel: a malformed message cannot go through the typed client)
    client.protocol._send_data(
        {
            "jsonrpc": "2.0",
            "id": 4242,
            "method": types.TEXT_DOCUMENT_HOVER,
            "params": {"textDocument": {"uri": uri}, "position": "nope"},
        }
    )
    message = await asyncio.wait_for(logged, timeout=10)
    assert message.type == types.MessageType.Error
    assert message.message.startswith("promptls:")
    assert await diagnostics(client, uri) == []  # and it still answers


def test_the_server_counts_a_provider_as_keyed_from_its_environment_variable(tmp_path):
    (tmp_path / "promptls.toml").write_text(
        '[providers.groq]\nbase_url = "https://api.groq.com/openai/v1"\napi_key_env = "GROQ_KEY"\n',
        encoding="utf-8",
    )
    settings = SettingsLoader(user_config=str(tmp_path / "none.toml")).for_directory(str(tmp_path))
    keyed = KeyedProviders({"OPENAI_API_KEY": "sk-test", "GROQ_KEY": "gsk-test", "GEMINI_API_KEY": " "})
    assert keyed(settings) == {"openai", "groq"}  # a blank variable is no key
    assert keyed.keyring_read.wait(timeout=30)  # asked once, in its own thread (here: no keyring)
    keyed.stored("anthropic")  # a key stored through the editor
    assert keyed(settings) == {"openai", "groq", "anthropic"}
