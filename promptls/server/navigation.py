"""Completion, hover, go to definition and inlay hints: what the editor shows as you read and type."""

from __future__ import annotations

import contextlib
import os
from typing import TYPE_CHECKING

from lsprotocol import types

from promptls.router.settings.layers import Layer
from promptls.server import convert
from promptls.server.language_server import PromptlsServer

if TYPE_CHECKING:
    from promptls.router.editor.complete import Completion
    from promptls.router.models.catalog import Catalog
    from promptls.server.documents import Analysis

_KINDS = {
    "model": types.CompletionItemKind.Value,
    "key": types.CompletionItemKind.Property,
    "value": types.CompletionItemKind.EnumMember,
}

COMPLETION_OPTIONS = types.CompletionOptions(
    trigger_characters=[":", " ", "/", "-", ","], resolve_provider=True
)

COMPLETION_LIMIT = 60


def completion(ls: PromptlsServer, params: types.CompletionParams) -> types.CompletionList | None:
    analysis = ls.documents.analyze(params.text_document.uri)
    if analysis is None or analysis.prompt is None or analysis.settings is None:
        return None
    from promptls.router.editor.complete import completion_list

    offset = analysis.converter.offset(params.position)
    # ~1,200 model ids: send the best matches of what is typed, marked incomplete so the client asks
    # again as the user types; their docs come on completionItem/resolve.
    found, incomplete = completion_list(
        analysis.prompt,
        offset,
        ls.documents.catalog,
        analysis.settings,
        keyed=ls.keyed_providers(analysis.settings),
        limit=COMPLETION_LIMIT,
        installed=_installed(ls, analysis),
    )
    ranges: dict[tuple[int, int], types.Range] = {}  # most items replace the same word
    items = [_item(analysis, c, c.kind != "model", ranges) for c in found]
    return types.CompletionList(is_incomplete=incomplete, items=items)


def completion_resolve(ls: PromptlsServer, item: types.CompletionItem) -> types.CompletionItem:
    if item.documentation is None and isinstance(item.data, dict) and item.data.get("model"):
        from promptls.router.editor.hover import model_markdown

        info = ls.documents.catalog.lookup(item.data["model"])
        item.documentation = _markdown(model_markdown(info))
    return item


def hover(ls: PromptlsServer, params: types.HoverParams) -> types.Hover | None:
    analysis = ls.documents.analyze(params.text_document.uri)
    if analysis is None or analysis.prompt is None or analysis.resolution is None:
        return None
    from promptls.router.editor.hover import hover as hover_at

    offset = analysis.converter.offset(params.position)
    result = hover_at(analysis.prompt, offset, analysis.resolution, ls.documents.catalog)
    if result is None:
        return None
    markdown = result.markdown
    entry = analysis.prompt.get("model")
    if entry is not None and entry.key_span.start <= offset <= entry.value_span.end:
        markdown += _lock_line(analysis, ls.documents.catalog)
        markdown += _local_line(analysis, ls.documents.catalog)
    return types.Hover(contents=_markdown(markdown), range=analysis.converter.range(result.span))


def _lock_line(analysis: Analysis, catalog: Catalog) -> str:
    """On the `model:` line: how the prompt stands against promptls.lock, when the project has one."""
    from promptls.lockfile import lock_status

    root = analysis.resolution.settings.root if analysis.resolution else None
    status = lock_status(analysis.prompt.path, root, catalog, analysis.prompt) if root else None
    return f"\n\n**Lock:** {status}" if status else ""


def _installed(ls: PromptlsServer, analysis: Analysis) -> list[str]:
    """The local models the model cache last saw (the server never waits on the network)."""
    from promptls.localmodels import installed_models

    if analysis.settings is None:
        return []
    return installed_models(analysis.settings, ls.documents.catalog, os.environ)


def _local_line(analysis: Analysis, catalog: Catalog) -> str:
    """On the `model:` line of a prompt that runs on a local model: installed, loaded or not, and how
    old that news is (the cached list)."""
    from promptls.localmodels import local_state

    resolution = analysis.resolution
    if resolution is None or resolution.model is None:
        return ""
    state = local_state(str(resolution.model), resolution.settings, catalog, os.environ)
    return f"\n\n**On this machine:** {state}" if state else ""


def definition(ls: PromptlsServer, params: types.DefinitionParams) -> types.Location | None:
    """From the `model:` value to the settings line that decided the model."""
    analysis = ls.documents.analyze(params.text_document.uri)
    if analysis is None or analysis.prompt is None or analysis.resolution is None:
        return None
    entry = analysis.prompt.get("model")
    offset = analysis.converter.offset(params.position)
    if entry is None or not (entry.key_span.start <= offset <= entry.value_span.end):
        return None
    chosen = analysis.resolution.model_candidate
    if chosen is None or chosen.source.path is None or chosen.source.span is None:
        return None
    converter = ls.converter_for()(chosen.source.path)
    if converter is None:
        return None
    return types.Location(uri=convert.uri_of(chosen.source.path), range=converter.range(chosen.source.span))


def inlay_hints(ls: PromptlsServer, params: types.InlayHintParams) -> list[types.InlayHint] | None:
    """After the `model:` value, the model that runs instead when a settings file overrides it."""
    analysis = ls.documents.analyze(params.text_document.uri)
    if analysis is None or analysis.prompt is None or analysis.resolution is None:
        return None
    entry = analysis.prompt.get("model")
    chosen = analysis.resolution.model_candidate
    model = analysis.resolution.model
    if entry is None or chosen is None or model is None or chosen.source.layer is Layer.FRONTMATTER:
        return []
    where = _where(chosen.source, analysis.settings.root if analysis.settings else None)
    return [
        types.InlayHint(
            position=analysis.converter.position(entry.value_span.end),
            label=f"→ {model} ({where})",
            kind=types.InlayHintKind.Type,
            padding_left=True,
            tooltip=f"{chosen.source.label} in {chosen.source.layer.label} overrides this value",
        )
    ]


def _markdown(text: str) -> types.MarkupContent:
    return types.MarkupContent(kind=types.MarkupKind.Markdown, value=convert.safe_text(text))


def _item(analysis, c: Completion, with_docs: bool, ranges: dict) -> types.CompletionItem:
    key = (c.replace.start, c.replace.end)
    edit_range = ranges.get(key)
    if edit_range is None:
        edit_range = ranges[key] = analysis.converter.range(c.replace)
    docs = _markdown(c.documentation) if c.documentation and with_docs else None
    return types.CompletionItem(
        label=convert.safe_text(c.label),
        kind=_KINDS.get(c.kind, types.CompletionItemKind.Text),
        detail=c.detail,
        documentation=docs,
        text_edit=types.TextEdit(range=edit_range, new_text=c.insert_text),
        tags=[types.CompletionItemTag.Deprecated] if c.deprecated else None,
        sort_text=c.sort_text,  # the item's place: clients sort by it, not by the list's order
        filter_text=c.label,
        data={"model": c.model} if c.model else None,
    )


def _where(source, root: str | None) -> str:
    if source.path is None or source.span is None:
        return source.layer.label
    path = source.path
    if root:
        with contextlib.suppress(ValueError):
            path = os.path.relpath(path, root)
    return f"{path}:{source.span.line}"
