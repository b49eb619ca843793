"""Pin a model for one prompt in the project's settings file, with the smallest edit that does it.

`pin_model(prompt, model, settings, fallback_dir)` returns edits that make the prompt's own table in
`promptls.toml` (or `[tool.promptls]` in `pyproject.toml`) say `model = "..."`:

- `[agents.NAME]`, `[commands.NAME]` (`ns:name` for a namespaced Claude command), `[skills.NAME]` by
  the prompt's dialect and name; `[prompts."relative/path"]` for Dotprompt and generic prompts;
- the table and its `model` exist: only the value is replaced;
- the table exists without `model`: `model = "..."` goes on the line after its header (or into its
  inline table, or beside its dotted keys);
- no table: a new one is appended at the end of the file.

Comments, order and spacing stay as the user wrote them. The result is checked before it is returned:
applied to the text it must parse and hold the model where resolution looks for it.
"""

from __future__ import annotations

import os
import re
import tomllib
from typing import Any, NamedTuple

from promptls.router.base.findings import Edit
from promptls.router.base.pathglob import path_under_root
from promptls.router.base.reading import Unreadable
from promptls.router.base.source import LineIndex, Span
from promptls.router.models.modelid import parse_model_id
from promptls.router.prompts.frontmatter import PromptFile
from promptls.router.resolution.resolve import assignment_names
from promptls.router.rules.syntax import UnreadableFile
from promptls.router.settings.discover import PROJECT_FILE, ProjectSettings, read_file
from promptls.router.settings.files import SettingsFile, load_settings
from promptls.router.settings.layers import Layer
from promptls.router.settings.tomlspans import parse_key


class SettingsEdit(NamedTuple):
    path: str
    """The settings file to edit (absolute)."""
    create: bool
    """The file does not exist yet: the client must create it first."""
    edits: tuple[Edit, ...]
    """Edits against the file's current text (the empty text when `create`)."""
    title: str
    """E.g. `Pin openai/gpt-4o for agent code-reviewer in promptls.toml`."""


_KINDS = {"agents": "agent", "commands": "command", "skills": "skill", "prompts": "prompt"}
_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def pin_model(prompt: PromptFile, model: str, settings: ProjectSettings, fallback_dir: str) -> SettingsEdit:
    """Edits that pin `model` for `prompt` in the project settings file.

    Raises ValueError when `model` is no `provider/name` id (settings read ids, not dialect aliases),
    or the file cannot be edited safely: it is not valid TOML (fix it first), or the prompt's table
    is written in a shape no small edit can extend.
    """
    if parse_model_id(model) is None and model != "default":
        raise ValueError(f"`{model}` is not a model id: settings need `provider/name`, e.g. `openai/gpt-4o`")
    file = settings.project
    if file is None:
        folder = os.path.abspath(settings.root or fallback_dir)
        path = os.path.join(folder, PROJECT_FILE)
        existing = read_file(path)
        if isinstance(existing, Unreadable):
            raise ValueError(f"{PROJECT_FILE} cannot be edited: {existing.reason}")
        if existing is None:
            section, name = _table_name(prompt, {}, folder)
            text = _new_table((section, name), model, "\n")
            title = _title(model, section, name, prompt, path)
            return SettingsEdit(path, True, (Edit(path, LineIndex("").span(0, 0), text),), title)
        # A promptls.toml the prompt's settings did not find (the prompt lies outside its folder).
        file = load_settings(path, existing, Layer.PROJECT)
    return _edit_file(prompt, model, file)


def _edit_file(prompt: PromptFile, model: str, file: SettingsFile) -> SettingsEdit:
    path = os.path.abspath(file.path)
    shown = os.path.basename(path)
    if any(p.code == UnreadableFile.code for p in file.problems):  # a FIFO, too large: never written to
        raise ValueError(f"{shown} could not be read: fix it before pinning a model")
    try:
        raw = tomllib.loads(file.text)
    except (tomllib.TOMLDecodeError, RecursionError):
        raise ValueError(f"{shown} is not valid TOML: fix it before pinning a model") from None
    if file.spans is None:
        raise ValueError(f"{shown} could not be read: fix it before pinning a model")
    data = _lookup(raw, file.prefix)
    data = data if isinstance(data, dict) else {}
    section, name = _table_name(prompt, data, os.path.dirname(path))
    keypath = (*file.prefix, section, name)
    table = _lookup(raw, keypath)
    text = file.text
    newline = "\r\n" if "\r\n" in text else "\n"
    if isinstance(table, dict) and "model" in table:
        edit = _replace_model(file, keypath, model)
    elif isinstance(table, dict):
        edit = _insert_model(file, keypath, model, newline)
    elif table is None:
        edit = _append_table(file, keypath, model, newline)
    else:
        raise ValueError(f"{shown}: `{'.'.join(keypath)}` is not a table; make it one to pin a model")
    if edit is None:
        raise ValueError(f"{shown}: the table for this prompt is written in a way promptls cannot extend")
    _verify(file.text, edit, keypath, model, shown)
    title = _title(model, section, name, prompt, path)
    return SettingsEdit(path, False, (edit,), title)


def _table_name(prompt: PromptFile, data: dict[str, Any], folder: str) -> tuple[str, str]:
    """The settings table that assigns this prompt's model: by name, or by path for generic prompts."""
    section = prompt.dialect.assignment_table
    if section:
        names = list(assignment_names(prompt))
        tables = data.get(section)
        tables = tables if isinstance(tables, dict) else {}
        for name in names:
            if name in tables:
                return section, name
        return section, names[-1]  # `ns:name` for a namespaced Claude command, as the README shows
    rel = path_under_root(prompt.path, folder)
    globs = data.get("prompts")
    globs = globs if isinstance(globs, dict) else {}
    escaped = _escape_glob(rel)
    if rel in globs and rel == escaped:
        return "prompts", rel
    return "prompts", escaped


def _escape_glob(path: str) -> str:
    """A literal path as a `[prompts."glob"]` key: wildcard characters matched as themselves."""
    return re.sub(r"[*?\[]", lambda m: f"[{m.group()}]", path)


def _title(model: str, section: str, name: str, prompt: PromptFile, path: str) -> str:
    shown = path_under_root(prompt.path, os.path.dirname(path)) if section == "prompts" else name
    return f"Pin {model} for {_KINDS[section]} {shown} in {os.path.basename(path)}"


# --- the three edits ----------------------------------------------------------------------------


def _replace_model(file: SettingsFile, keypath: tuple[str, ...], model: str) -> Edit | None:
    """Replace the value of `model = ...` in the table (header, dotted or inline form)."""
    assert file.spans is not None
    key = file.spans.key_span((*keypath, "model"))
    text = file.text
    if key is None or not text[key.start : key.end].rstrip("'\"").endswith("model"):
        return None
    value = _value_after(text, key.end)
    if value is None:
        return None
    return Edit(file.path, file.lines.span(*value), _toml_string(model))


def _insert_model(file: SettingsFile, keypath: tuple[str, ...], model: str, newline: str) -> Edit | None:
    """Add `model = "..."` to an existing table that has none."""
    assert file.spans is not None
    text = file.text
    lines = file.lines
    span = file.spans.key_span(keypath)
    if span is None:
        return None
    line = lines.position(span.start).line
    if text.startswith("[", span.start):  # `[agents.NAME]`: the line after the header
        at = lines.line_start(line + 1) if line + 1 < lines.line_count else len(text)
        lead = "" if at < len(text) or text.endswith(("\n", "\r")) else newline
        indent = _indent_of_next_key(text, lines, line + 1)
        return Edit(file.path, lines.span(at, at), f"{lead}{indent}model = {_toml_string(model)}{newline}")
    after = _skip_blanks(text, span.end)
    if text.startswith("=", after):
        brace = _skip_blanks(text, after + 1)
        if text.startswith("{", brace):  # NAME = { temperature = 0.1 }
            inner = _skip_blanks(text, brace + 1)
            pair = f"model = {_toml_string(model)}"
            new = f" {pair} " if text.startswith("}", inner) else f" {pair},"
            if text.startswith("}", inner):
                return Edit(file.path, lines.span(brace + 1, inner), new)
            return Edit(file.path, lines.span(brace + 1, brace + 1), new)
    # Dotted keys (`NAME.temperature = 0.1` under `[agents]`): a sibling line before the first one.
    header = _header_above(text, lines, line)
    if keypath[: len(header)] != header:
        return None
    relative = (*keypath[len(header) :], "model")
    start = lines.line_start(line)
    indent = text[start : span.start]
    dotted = ".".join(_toml_key(part) for part in relative)
    return Edit(file.path, lines.span(start, start), f"{indent}{dotted} = {_toml_string(model)}{newline}")


def _append_table(file: SettingsFile, keypath: tuple[str, ...], model: str, newline: str) -> Edit:
    text = file.text
    body = text.rstrip(" \t\r\n")
    trailing = text[len(body) :]
    breaks = trailing.count("\n") + trailing.count("\r") - trailing.count("\r\n")
    if not body or breaks >= 2:
        lead = ""
    elif breaks == 1:
        lead = newline
    else:
        lead = newline * 2
    end = len(text)
    return Edit(file.path, file.lines.span(end, end), lead + _new_table(keypath, model, newline))


def _new_table(keypath: tuple[str, ...], model: str, newline: str) -> str:
    header = ".".join(_toml_key(part) for part in keypath)
    return f"[{header}]{newline}model = {_toml_string(model)}{newline}"


def _verify(text: str, edit: Edit, keypath: tuple[str, ...], model: str, shown: str) -> None:
    """The edited text must parse and hold the model where resolution reads it."""
    edited = text[: edit.span.start] + edit.new_text + text[edit.span.end :]
    try:
        value = _lookup(tomllib.loads(edited), (*keypath, "model"))
    except tomllib.TOMLDecodeError:
        value = None
    if value != model:
        raise ValueError(f"{shown}: the table for this prompt is written in a way promptls cannot extend")


# --- TOML text helpers ---------------------------------------------------------------------------


def _lookup(data: Any, keypath: tuple[str, ...]) -> Any:
    for key in keypath:
        if not isinstance(data, dict) or key not in data:
            return None
        data = data[key]
    return data


def _toml_key(key: str) -> str:
    return key if _BARE_KEY.fullmatch(key) else _toml_string(key)


def _toml_string(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    escaped = re.sub(r"[\x00-\x1f\x7f]", lambda m: f"\\u{ord(m.group()):04x}", escaped)
    return f'"{escaped}"'


def _skip_blanks(text: str, i: int) -> int:
    while i < len(text) and text[i] in " \t":
        i += 1
    return i


def _value_after(text: str, key_end: int) -> tuple[int, int] | None:
    """The span of the value in `key = value` whose key ends at `key_end`."""
    i = _skip_blanks(text, key_end)
    if not text.startswith("=", i):
        return None
    start = _skip_blanks(text, i + 1)
    if start >= len(text):
        return None
    quote = text[start]
    if text.startswith(('"""', "'''"), start):
        close = text.find(quote * 3, start + 3)
        return None if close == -1 else (start, close + 3)
    if quote in "\"'":
        i = start + 1
        while i < len(text) and text[i] != quote and text[i] not in "\r\n":
            i += 2 if quote == '"' and text[i] == "\\" else 1
        return (start, i + 1) if text.startswith(quote, i) else None
    if quote in "[{":
        return None  # not a string: the verification would reject what replacing it makes
    end = start
    while end < len(text) and text[end] not in ",}#\r\n":
        end += 1
    while end > start and text[end - 1] in " \t":
        end -= 1
    return (start, end) if end > start else None


def _indent_of_next_key(text: str, lines: LineIndex, line: int) -> str:
    """The indentation of the first key line below a header, to match it."""
    for number in range(line, lines.line_count):
        span: Span = lines.line_span(number)
        raw = text[span.start : span.end]
        stripped = raw.lstrip(" \t")
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.startswith("["):
            return ""
        return raw[: len(raw) - len(stripped)]
    return ""


def _header_above(text: str, lines: LineIndex, line: int) -> tuple[str, ...]:
    """The path of the `[table]` header a key line sits under (() for the root table)."""
    for number in range(line, -1, -1):
        span = lines.line_span(number)
        raw = text[span.start : span.end]
        stripped = raw.lstrip(" \t")
        if stripped.startswith("[") and not stripped.startswith("[["):
            parsed = parse_key(text, span.start + (len(raw) - len(stripped)) + 1)
            return tuple(parsed[0]) if parsed else ()
    return ()
