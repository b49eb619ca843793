"""Parse a prompt file: find its YAML frontmatter, and keep a source span for every key and value.

PyYAML's C loader composes the node graph with marks (character offsets), which is both fast and
position-preserving; values are then constructed node by node, so a duplicate key, a bad tag or a
non-mapping frontmatter becomes a finding at the right line instead of an exception.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, NamedTuple

import yaml
from promptls.router.base.findings import Edit, Finding, Fix
from promptls.router.base.source import LineIndex, Span
from promptls.router.prompts.detect import dialect_from_path
from promptls.router.prompts.dialects import Dialect, prompt_name
from promptls.router.rules.syntax import (
    DuplicateKey,
    FrontmatterNotMapping,
    InvalidYaml,
    UnreadableFile,
    UnterminatedFrontmatter,
)

_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_PLAIN_TAGS: dict[str, str] = {}
"""The tag of a plain scalar by its text (`true` a bool, `12` an int, `gpt-4o` a string): the same
keys and values recur in every file, and the loader asks back in Python for each scalar it reads."""


class _Loader(_BaseLoader):  # type: ignore[misc,valid-type]
    def resolve(self, kind: type, value: Any, implicit: tuple[bool, bool]) -> str:
        # Without path resolvers (the safe loader has none) a quoted scalar is a string, and a plain
        # scalar's tag depends on its text alone.
        if kind is not yaml.ScalarNode or self.yaml_path_resolvers:
            return super().resolve(kind, value, implicit)
        if not implicit[0]:
            return self.DEFAULT_SCALAR_TAG
        if len(value) <= 64:
            tag = _PLAIN_TAGS.get(value)
            if tag is None:
                tag = super().resolve(kind, value, implicit)
                if len(_PLAIN_TAGS) < 4096:  # bounded: a language server runs for days
                    _PLAIN_TAGS[value] = tag
            return tag
        return super().resolve(kind, value, implicit)


MAX_EXPANDED_VALUES = 50_000
"""How many values the frontmatter may hold once its aliases are expanded. A real prompt's frontmatter
holds dozens; nested anchors and aliases (`b: &b [*a, *a, ...]`, eight levels deep) can stand for
billions in a few hundred bytes, and anything that reads the values (a check, a hover, a JSON report)
would walk them all. Past this the file gets an invalid-yaml finding and no values."""

_STR_TAG = "tag:yaml.org,2002:str"
_BOOL_TAG = "tag:yaml.org,2002:bool"
_INT_TAG = "tag:yaml.org,2002:int"
_SEQ_TAG = "tag:yaml.org,2002:seq"
_FLOAT_TAG = "tag:yaml.org,2002:float"
_DECIMAL_FRACTION = re.compile(r"[0-9]+\.[0-9]+")
"""A float as `float()` and PyYAML read it alike (no sign, exponent, `_` or `:`)."""
_BOOLEANS = yaml.SafeLoader.bool_values

_OPEN_FENCE = re.compile(r"---[ \t]*(?:\r\n|\n|\r|$)")
_CLOSE_FENCE = re.compile(r"(?:^|(?<=\r))(?:---|\.\.\.)[ \t]*(?=\r|\n|\Z)", re.MULTILINE)


class Item(NamedTuple):
    """One element of a sequence value."""

    value: Any
    span: Span


class Entry(NamedTuple):
    """One `key: value` of a mapping, with spans for the key, the value and the whole entry."""

    key: str
    key_span: Span
    value: Any
    value_span: Span
    entry_span: Span
    """From the start of the key's line to the start of the line after the value: what a fix
    deletes to remove the entry."""
    style: str | None
    """The scalar's quoting (`'`, `"`) or block style (`|`, `>`); None for plain values."""
    items: tuple[Item, ...] = ()
    children: tuple[Entry, ...] = ()

    def child(self, key: str) -> Entry | None:
        found = None
        for entry in self.children:
            if entry.key == key:
                found = entry
        return found

    def replacement_text(self, new_value: str) -> str:
        """`new_value` written the way this value is written (keeping its quotes)."""
        if self.style in ("'", '"'):
            return f"{self.style}{new_value}{self.style}"
        return new_value


class PromptFile(NamedTuple):
    """A parsed prompt file: its dialect, frontmatter entries with spans, body, and parse problems."""

    path: str
    text: str
    lines: LineIndex
    dialect: Dialect
    entries: tuple[Entry, ...]
    frontmatter: Span | None
    """The YAML between the fences; None when the file has no frontmatter."""
    opening: Span
    """The opening fence (or the first line), where file-level findings point."""
    body_start: int
    problems: tuple[Finding, ...]
    by_key: dict[str, Entry] = {}  # noqa: RUF012 - never mutated; parse_prompt fills it
    """Entries by key (the last of duplicates), for look-ups checks make many times per file."""
    plugin: str | None = None
    """The root of the Claude Code plugin that loads this file as one of its agents, commands or
    skills (Claude Code reads some keys differently there); None elsewhere. A fact of the disk, found
    by the front ends (`promptls.plugin_places`) and handed in."""

    @property
    def body(self) -> str:
        return self.text[self.body_start :]

    @property
    def has_frontmatter(self) -> bool:
        return self.frontmatter is not None

    def get(self, key: str) -> Entry | None:
        """The entry for `key`; the last one when duplicated, as YAML loaders read it."""
        return self.by_key.get(key)

    def value(self, key: str, default: Any = None) -> Any:
        entry = self.get(key)
        return default if entry is None else entry.value

    @property
    def name(self) -> str:
        declared = self.value("name")
        return _cached_name(self.path, self.dialect, declared if isinstance(declared, str) else None)

    def insertion_point(self) -> int:
        """Where a new frontmatter line can be inserted: just before the closing fence."""
        if self.frontmatter is None:
            return self.opening.start
        end = self.frontmatter.end
        return end


@lru_cache(maxsize=256)
def _cached_name(path: str, dialect: Dialect, declared: str | None) -> str:
    """A prompt's name, asked several times per check (resolution, keys, assignments): worked out once.
    A declared name that is no string counts as none, so the arguments are always hashable."""
    return prompt_name(path, dialect, declared)


def decode(data: bytes, path: str) -> tuple[str, Finding | None]:
    """Bytes to text; invalid UTF-8 is replaced and reported at its position, never raised."""
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        text = data.decode("utf-8", errors="replace")
        return text, _invalid_utf8(path, text, data, exc)


def invalid_utf8_in_buffer(text: str, data: bytes, path: str) -> Finding | None:
    """The finding `decode` makes for the file whose bytes are `data`, placed in an editor's `text` of it.

    An editor shows bytes that are not UTF-8 as U+FFFD and sends that text, so the text alone cannot
    tell such a byte from a U+FFFD typed on purpose; the file on disk can. None unless the file is not
    valid UTF-8 and `text` is what it decodes to (a byte-order mark the editor dropped aside): a buffer
    edited since is the editor's text, which will be saved as UTF-8.
    """
    if "\ufffd" not in text:  # the common case, and then no byte of the file was replaced
        return None
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        decoded = data.decode("utf-8", errors="replace")
        dropped = 1 if decoded.startswith("\ufeff") and not text.startswith("\ufeff") else 0
        if decoded[dropped:] != text:
            return None
        return _invalid_utf8(path, text, data, exc, dropped)
    return None


def _invalid_utf8(path: str, text: str, data: bytes, exc: UnicodeDecodeError, dropped: int = 0) -> Finding:
    """The finding at the first byte that is not UTF-8, in `text` (`data` decoded with replacement,
    less the first `dropped` characters)."""
    at = len(data[: exc.start].decode("utf-8", errors="replace")) - dropped
    span = LineIndex(text).span(at, at + 1)
    return UnreadableFile.finding(
        path, span, f"byte {exc.start} is not valid UTF-8 ({exc.reason}); re-save the file as UTF-8"
    )


def parse_prompt(
    path: str, text: str, dialect: Dialect | None = None, *, plugin: str | None = None
) -> PromptFile:
    """Parse `text` as the prompt file at `path` (`plugin`: the root of the plugin that loads it, if
    any). Never raises on bad input."""
    lines = LineIndex(text)
    if dialect is None:
        dialect = dialect_from_path(path) or Dialect.GENERIC
    start = 1 if text.startswith("\ufeff") else 0
    first_line = lines.line_span(0)
    opening = lines.span(start, first_line.end)
    fence = _OPEN_FENCE.match(text, start)
    if fence is None:
        return PromptFile(path, text, lines, dialect, (), None, opening, start, (), plugin=plugin)
    yaml_start = fence.end()
    close = _CLOSE_FENCE.search(text, yaml_start)
    if close is None:
        problem = UnterminatedFrontmatter.finding(
            path,
            opening,
            "the frontmatter opened here is never closed: add a line `---` after the last key",
        )
        return PromptFile(path, text, lines, dialect, (), None, opening, start, (problem,), plugin=plugin)
    yaml_end = close.start()
    body_start = close.end()
    if text.startswith("\r\n", body_start):
        body_start += 2
    elif text.startswith(("\n", "\r"), body_start):
        body_start += 1
    frontmatter = lines.span(yaml_start, yaml_end)
    entries, problems = _parse_yaml(path, text, yaml_start, yaml_end, lines)
    by_key = {entry.key: entry for entry in entries}
    return PromptFile(
        path, text, lines, dialect, entries, frontmatter, opening, body_start, tuple(problems), by_key, plugin
    )


def _parse_yaml(
    path: str, text: str, start: int, end: int, lines: LineIndex
) -> tuple[tuple[Entry, ...], list[Finding]]:
    source = text[start:end]
    if not source.strip():
        return (), []
    try:
        loader = _Loader(source)
    except UnicodeEncodeError as exc:  # a lone surrogate, as an editor buffer may hold
        at = start + exc.start
        message = "invalid YAML: the text holds an unpaired surrogate character; remove it"
        return (), [InvalidYaml.finding(path, lines.span(at, at + 1), message)]
    try:
        try:
            root = loader.get_single_node()
        except yaml.MarkedYAMLError as exc:
            return (), [_yaml_error(path, exc, start, end, lines)]
        except yaml.reader.ReaderError as exc:
            # The C reader counts bytes, not characters: find the character it stopped at.
            at = start + max(source.find(chr(exc.character)), 0)
            message = f"invalid YAML: unacceptable character #x{exc.character:04x}: {exc.reason}; remove it"
            return (), [InvalidYaml.finding(path, lines.span(at, at + 1), message)]
        except yaml.YAMLError as exc:
            span = lines.span(start, start)
            return (), [InvalidYaml.finding(path, span, f"invalid YAML: {exc}")]
        if root is None:
            return (), []
        if not isinstance(root, yaml.MappingNode):
            span = _node_span(root, start, lines, text)
            kind = "a list" if isinstance(root, yaml.SequenceNode) else "a single value"
            return (), [
                FrontmatterNotMapping.finding(
                    path,
                    span,
                    f"the frontmatter is {kind}, not `key: value` lines; write one `key: value` per line",
                )
            ]
        # Only an alias (`*name`, of an anchor `&name`) can make the values outnumber the text; without
        # one, a document that could hold more values than the budget is a long one.
        could_exceed = ("&" in source and "*" in source) or len(source) > MAX_EXPANDED_VALUES * 2
        expanded, distinct = expanded_size(root) if could_exceed else (0, 0)
        if expanded > MAX_EXPANDED_VALUES:
            span = _node_span(root, start, lines, text)
            if distinct > MAX_EXPANDED_VALUES:
                message = (
                    f"the frontmatter holds more than {MAX_EXPANDED_VALUES:,} values, more than promptls "
                    "reads; move the data out of the frontmatter"
                )
            else:
                message = (
                    f"invalid YAML: its aliases expand to more than {MAX_EXPANDED_VALUES:,} values "
                    "(an alias bomb?); write the values out instead of nesting anchors"
                )
            return (), [InvalidYaml.finding(path, lines.span(span.start, span.start + 3), message)]
        problems: list[Finding] = []
        base_line = lines.position(start).line
        walk = _Walk(path, loader, start, lines, text, problems, base_line)
        entries = walk.mapping_entries(root)
        if walk.duplicated:
            _report_duplicates(path, entries, problems, set())
        return entries, problems
    except RecursionError:
        span = lines.span(start, start)
        return (), [InvalidYaml.finding(path, span, "invalid YAML: nested too deeply; flatten the values")]
    finally:
        loader.dispose()


def _yaml_error(path: str, exc: yaml.MarkedYAMLError, start: int, end: int, lines: LineIndex) -> Finding:
    mark = exc.problem_mark or exc.context_mark
    if exc.context_mark is not None and "end of stream" in (exc.problem or ""):
        # An unclosed quote or bracket: the parser notices at the end; point where it opened.
        mark = exc.context_mark
    offset = start + mark.index if mark is not None else start
    offset = min(offset, end)
    # Point at the character (or the rest of the line when at its end) the parser stopped on.
    line = lines.position(offset).line
    line_end = lines.line_span(line).end
    span = lines.span(offset, max(offset + 1, min(line_end, offset + 1)))
    problem = exc.problem or "invalid YAML"
    message = f"invalid YAML: {problem}"
    if exc.context:
        message += f" ({exc.context})"
    if "tab" in problem:
        message += "; indent with spaces, not tabs"
    elif "mapping values are not allowed" in problem:
        message += "; quote a value that contains `: `"
    return InvalidYaml.finding(path, span, message)


def _node_span(node: yaml.Node, base: int, lines: LineIndex, text: str) -> Span:
    s = base + node.start_mark.index
    e = base + node.end_mark.index
    while e > s and text[e - 1] in " \t\r\n":
        e -= 1
    return Span(s, e, lines)  # marks lie inside the text: no clamping needed


def expanded_size(root: yaml.Node) -> tuple[int, int]:
    """How many nodes the document holds with every alias expanded, and how many distinct nodes it
    has, counted in time linear in the distinct nodes (an alias is the anchor's node object itself:
    counted once, used twice). The expanded count stops past MAX_EXPANDED_VALUES."""
    sizes: dict[int, int] = {}
    order: list[yaml.Node] = []
    stack = [root]
    while stack:  # distinct nodes, parents before children
        node = stack.pop()
        if id(node) in sizes:
            continue
        sizes[id(node)] = 0
        order.append(node)
        stack.extend(_children(node))
    for node in reversed(order):  # children before parents
        total = 1 + sum(sizes[id(child)] for child in _children(node))
        sizes[id(node)] = min(total, MAX_EXPANDED_VALUES + 1)
    return sizes[id(root)], len(order)


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return node.value
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []


class _Walk:
    """Turns the composed node graph into entries with spans. A mapping reached again through an
    alias gets the entries made at its anchor (and their spans): each node is walked once."""

    def __init__(
        self,
        path: str,
        loader: Any,
        base: int,
        lines: LineIndex,
        text: str,
        problems: list[Finding],
        base_line: int,
    ) -> None:
        self.path = path
        self.loader = loader
        self.base = base
        self.lines = lines
        self.text = text
        self.problems = problems
        self.base_line = base_line
        self.done: dict[int, tuple[Entry, ...]] = {}
        self.duplicated = False  # has some mapping a key twice? only then are duplicates looked for

    def mapping_entries(self, node: yaml.MappingNode) -> tuple[Entry, ...]:
        known = self.done.get(id(node))
        if known is not None:
            return known
        self.done[id(node)] = ()  # a mapping that holds itself through an alias ends here
        entries = tuple(self._entries(node))
        self.done[id(node)] = entries
        return entries

    def _entries(self, node: yaml.MappingNode) -> list[Entry]:
        # The hot loop of a workspace check (every key of every file): spans are made inline.
        path, lines, text, base, base_line = self.path, self.lines, self.text, self.base, self.base_line
        line_start = lines.line_start
        scalar = yaml.ScalarNode
        entries = []
        for key_node, value_node in node.value:
            key_span = _node_span(key_node, base, lines, text)
            if key_node.__class__ is not scalar:
                self.problems.append(
                    FrontmatterNotMapping.finding(
                        path, key_span, "a key must be a plain name, not a list or mapping"
                    )
                )
                continue
            end_mark = value_node.end_mark
            start = base + value_node.start_mark.index
            end = stop = base + end_mark.index
            while end > start and text[end - 1] in " \t\r\n":
                end -= 1
            value_span = Span(start, end, lines)
            items: tuple[Item, ...] = ()
            children: tuple[Entry, ...] = ()
            style = None
            kind = value_node.__class__
            if kind is scalar:
                style = value_node.style or None
                value = (
                    value_node.value if value_node.tag == _STR_TAG else self._value(value_node, value_span)
                )
            else:
                value = self._value(value_node, value_span)
                if kind is yaml.SequenceNode:
                    spans = [_node_span(child, base, lines, text) for child in value_node.value]
                    items = tuple(
                        Item(self._value(child, span), span)
                        for child, span in zip(value_node.value, spans, strict=True)
                    )
                elif kind is yaml.MappingNode:
                    children = self.mapping_entries(value_node)
            # Lines from the parser's marks (no offset look-ups): the value's last line is its end
            # mark's, less the line breaks trimmed off its end.
            first_line = base_line + key_node.start_mark.line
            last_line = base_line + end_mark.line
            if stop > end:
                last_line -= _breaks(text, end, stop)
            entry_span = Span(line_start(first_line), line_start(last_line + 1), lines)
            entries.append(
                Entry(key_node.value, key_span, value, value_span, entry_span, style, items, children)
            )
        if len({entry.key for entry in entries}) != len(entries):
            self.duplicated = True
        return entries

    def _value(self, node: yaml.Node, span: Span) -> Any:
        # The common values are built here as PyYAML's constructor builds them (most frontmatter
        # values are strings, booleans, small integers and lists of strings), the rest by it.
        kind, tag = node.__class__, node.tag
        if kind is yaml.ScalarNode:
            if tag == _STR_TAG:
                return node.value
            if tag == _BOOL_TAG:
                return _BOOLEANS[node.value.lower()]
            if tag == _INT_TAG and _is_decimal(node.value):
                return int(node.value)
            if tag == _FLOAT_TAG and _DECIMAL_FRACTION.fullmatch(node.value):
                return float(node.value)
        elif kind is yaml.SequenceNode and tag == _SEQ_TAG:
            values = node.value
            if all(child.__class__ is yaml.ScalarNode and child.tag == _STR_TAG for child in values):
                return [child.value for child in values]
        return _construct(self.path, self.loader, node, span, self.problems)


def _is_decimal(text: str) -> bool:
    """Digits only, no leading zero: an integer YAML 1.1 reads as decimal (`010` is octal there)."""
    return text.isascii() and text.isdigit() and (text[0] != "0" or text == "0")


def _breaks(text: str, start: int, end: int) -> int:
    """Line breaks in text[start:end]: `\\n`, `\\r\\n` and a lone `\\r` each count once."""
    return text.count("\n", start, end) + text.count("\r", start, end) - text.count("\r\n", start, end)


def _construct(path: str, loader: Any, node: yaml.Node, span: Span, problems: list[Finding]) -> Any:
    try:
        return loader.construct_object(node, deep=True)
    except yaml.MarkedYAMLError as exc:
        problem = exc.problem or str(exc)
        problems.append(InvalidYaml.finding(path, span, f"invalid YAML value: {problem}"))
    except yaml.YAMLError as exc:
        problems.append(InvalidYaml.finding(path, span, f"invalid YAML value: {exc}"))
    except (ValueError, TypeError, OverflowError) as exc:
        problems.append(InvalidYaml.finding(path, span, f"invalid YAML value: {exc}"))
    return None


def _report_duplicates(
    path: str, entries: tuple[Entry, ...], problems: list[Finding], seen: set[int]
) -> None:
    """A finding for each key set twice in one mapping, at any depth; a mapping shared through an
    alias is looked at once. Linear in the number of entries."""
    if id(entries) in seen:
        return
    seen.add(id(entries))
    last: dict[str, int] = {}
    for index, entry in enumerate(entries):
        earlier_index = last.get(entry.key)
        if earlier_index is not None:
            earlier = entries[earlier_index]
            fix: Fix | None = Fix(
                f"Remove the earlier `{entry.key}` (line {earlier.key_span.line})",
                (Edit(path, earlier.entry_span, ""),),
                safe=True,
            )
            # Entries are in text order, so only the earlier one's neighbours can share its lines
            # (a flow mapping on one line): removing the line would remove them too.
            neighbours = entries[max(earlier_index - 1, 0) : earlier_index + 2]
            if any(
                other is not earlier
                and earlier.entry_span.start <= other.key_span.start < earlier.entry_span.end
                for other in neighbours
            ):
                fix = None
            problems.append(
                DuplicateKey.finding(
                    path,
                    entry.key_span,
                    f"`{entry.key}` is already set on line {earlier.key_span.line}; delete one of them",
                    fix=fix,
                )
            )
        last[entry.key] = index
    for entry in entries:
        if entry.children:
            _report_duplicates(path, entry.children, problems, seen)
