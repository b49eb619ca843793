"""`promptls models set PROMPT MODEL`: assign a model to one prompt in the project's promptls.toml.

The same edit as the editor's "Pin model" code action (router/editor/pin.py): the prompt's own table
(`[agents.NAME]`, `[commands.NAME]`, `[skills.NAME]`, or `[prompts."path"]`) gets `model = "..."`,
comments and layout kept; the file is made when the project has none.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING

from promptls.cli import EXIT_OK, UsageError
from promptls.cli.style import painter_for, printable, shown_path

if TYPE_CHECKING:
    from promptls.cli.session import Session


def run(session: Session, args: argparse.Namespace) -> int:
    from promptls.cli.session import project_root
    from promptls.router.editor.pin import pin_model
    from promptls.router.resolution.resolve import resolve

    if len(args.query) != 2:
        raise UsageError(
            "usage: promptls models set PROMPT MODEL "
            "(e.g. promptls models set prompts/a.md ollama/llama3.2:3b)"
        )
    path, model = args.query
    if not os.path.exists(path):
        raise UsageError(f"{path}: no such file")
    prompt = session.read_prompt(path)
    assert prompt is not None
    settings = session.loader.for_prompt(path)
    try:
        # no settings file yet: it goes where `promptls check` finds the project (`.git`, else here)
        change = pin_model(prompt, model, settings, project_root(os.path.dirname(os.path.abspath(path))))
    except ValueError as error:
        raise UsageError(str(error)) from None
    text = "" if change.create else _read(change.path)
    for edit in sorted(change.edits, key=lambda e: e.span.start, reverse=True):
        text = text[: edit.span.start] + edit.new_text + text[edit.span.end :]
    with open(change.path, "w", encoding="utf-8", newline="") as out:
        out.write(text)
    from promptls.router.settings import SettingsLoader

    resolution = resolve(prompt, SettingsLoader().for_prompt(path), session.catalog)  # the file as it is now
    paint = painter_for(sys.stdout, args.color)
    candidate = resolution.model_candidate
    where = candidate.source.location(os.getcwd()) if candidate else shown_path(change.path)
    print(f"{paint('✓', 'green')} {printable(change.title)}")
    print(f"  {printable(shown_path(prompt.path))} now runs on {resolution.model} ({where})")
    return EXIT_OK


def _read(path: str) -> str:
    with open(path, encoding="utf-8", newline="") as file:
        return file.read()
