"""A Prompty `.prompty` file in the real `promptls serve`: diagnostics at the nested key's line, hover
and completion inside `model:`, as an editor shows them."""

from __future__ import annotations

from lsprotocol import types

from tests.promptls.server.conftest import diagnostics, open_doc

PROMPTY = (
    "---\nname: support\nmodel:\n  id: gpt-4o-mini\n  provider: openai\n  options:\n"
    "    maxTokens: 300\n    temperature: 0.3\n---\nsystem:\nBe brief.\n\nuser:\n{{question}}\n"
)


def _doc(uri: str) -> types.TextDocumentIdentifier:
    return types.TextDocumentIdentifier(uri=uri)


async def test_a_nested_typo_is_a_diagnostic_at_its_line(client, workspace):
    uri = open_doc(client, workspace / "prompts" / "support.prompty", PROMPTY, language="prompty")
    (found,) = await diagnostics(client, uri)
    assert found.code == "PLS110"
    assert found.range == types.Range(types.Position(6, 4), types.Position(6, 13))
    assert found.message == "unknown key `maxTokens` in `model.options`; did you mean `maxOutputTokens`?"


async def test_hover_and_completion_inside_model(client, workspace):
    uri = open_doc(client, workspace / "prompts" / "hover.prompty", PROMPTY, language="prompty")
    hover = await client.text_document_hover_async(
        types.HoverParams(text_document=_doc(uri), position=types.Position(7, 6))
    )
    assert hover.contents.value.startswith(
        "**`model.options.temperature`** — Prompty's name for the promptls parameter `temperature`"
    )
    model = await client.text_document_hover_async(
        types.HoverParams(text_document=_doc(uri), position=types.Position(3, 8))
    )
    assert "openai/gpt-4o-mini" in model.contents.value
    names = await client.text_document_completion_async(
        types.CompletionParams(text_document=_doc(uri), position=types.Position(3, 12))
    )
    labels = [item.label for item in names.items]
    assert "gpt-4o-mini" in labels and all("/" not in label for label in labels)
    keys = await client.text_document_completion_async(
        types.CompletionParams(text_document=_doc(uri), position=types.Position(6, 7))
    )
    assert "maxOutputTokens" in [item.label for item in keys.items]
