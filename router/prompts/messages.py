"""Turn a prompt file and the user's input into the messages a model receives.

Each dialect fills its body the way its own tool does:
- Claude Code commands: `$ARGUMENTS` (all arguments) and `$1`, `$2`, ... (positional);
- Copilot prompt files: `${input:name}` and `${input:name:placeholder}` from `--var name=value`;
- Dotprompt: Handlebars `{{name}}`, `{{a.b}}`, `{{#if x}}...{{else}}...{{/if}}`, `{{#unless x}}`;
- generic prompts: `{{name}}`.
Agents and skills are system prompts: the body is the system message, the input the user's.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from promptls.router.prompts.dialects import Dialect
from promptls.router.prompts.frontmatter import PromptFile


class Rendered(NamedTuple):
    system: str | None
    user: str


class RenderError(ValueError):
    """The input does not fill the prompt: says which values are missing and how to give them."""

    def __init__(self, message: str, missing: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.missing = missing


_MUSTACHE = re.compile(r"\{\{\s*([A-Za-z_][\w.]*)\s*\}\}")
_COPILOT_INPUT = re.compile(r"\$\{input:([A-Za-z_][\w-]*)(?::([^}]*))?\}")
_POSITIONAL = re.compile(r"\$(\d+)")
_JINJA_LOOPS = re.compile(r"\{%-?\s*for\s+[\w\s,]+?\s+in\s+([A-Za-z_][\w.]*)")
_JINJA_BINDS = re.compile(r"\{%-?\s*(?:for|set|with)\s+([A-Za-z_]\w*(?:\s*,\s*[A-Za-z_]\w*)*)\s*(?:in\b|=)")
_BLOCK = re.compile(
    r"\{\{#(if|unless)\s+([A-Za-z_][\w.]*)\s*\}\}(.*?)(?:\{\{else\}\}(.*?))?\{\{/\1\}\}", re.S
)


def render(
    prompt: PromptFile,
    arguments: Sequence[str] = (),
    variables: Mapping[str, str] | None = None,
    stdin: str | None = None,
) -> Rendered:
    variables = dict(variables or {})
    text_input = " ".join(arguments) if arguments else (stdin or "")
    body = prompt.body.strip("\n")
    dialect = prompt.dialect
    if dialect in (Dialect.CLAUDE_AGENT, Dialect.CLAUDE_SKILL, Dialect.COPILOT_AGENT):
        if not text_input.strip():
            raise RenderError(
                f"a {dialect.value} is a system prompt: give the task as arguments or on stdin, "
                'e.g. `promptls run FILE "review this diff"` or `git diff | promptls run FILE`'
            )
        return Rendered(system=body, user=text_input)
    if dialect is Dialect.CLAUDE_COMMAND:
        user = _claude_command(body, arguments, stdin)
    elif dialect is Dialect.COPILOT_PROMPT:
        user = _copilot(body, variables, text_input)
    else:
        user = _mustache(body, _with_defaults(prompt, variables), text_input)
    return Rendered(system=None, user=user)


def _claude_command(body: str, arguments: Sequence[str], stdin: str | None) -> str:
    args = list(arguments) if arguments else ([stdin.strip()] if stdin and stdin.strip() else [])
    used = "$ARGUMENTS" in body or _POSITIONAL.search(body) is not None
    text = body.replace("$ARGUMENTS", " ".join(args))

    def positional(match: re.Match[str]) -> str:
        index = int(match.group(1)) - 1
        return args[index] if 0 <= index < len(args) else ""

    text = _POSITIONAL.sub(positional, text)
    if not used and args:
        text += "\n\n" + " ".join(args)
    return text


def _copilot(body: str, variables: dict[str, str], text_input: str) -> str:
    missing: list[str] = []

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        if name in variables:
            return variables[name]
        if name == "input" and text_input:
            return text_input
        missing.append(name)
        return match.group(0)

    text = _COPILOT_INPUT.sub(fill, body)
    if missing:
        raise RenderError(_missing(missing), tuple(missing))
    if text_input and "${input:" not in body:
        text += "\n\n" + text_input
    return text


def _with_defaults(prompt: PromptFile, variables: dict[str, str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    declared = prompt.value("variables")
    if isinstance(declared, dict):
        values.update({k: v for k, v in declared.items() if v is not None})
    schema_input = prompt.value("input")
    if isinstance(schema_input, dict) and isinstance(schema_input.get("default"), dict):
        values.update(schema_input["default"])
    if prompt.dialect is Dialect.PROMPTY:
        from promptls.router.prompts.prompty import sample_inputs

        values.update(sample_inputs(prompt))
    values.update(variables)
    return values


def _lookup(values: Mapping[str, Any], dotted: str) -> Any:
    node: Any = values
    for part in dotted.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return None
        node = node[part]
    return node


def _mustache(body: str, values: dict[str, Any], text_input: str) -> str:
    if text_input and "input" not in values:
        values = {**values, "input": text_input}

    def block(match: re.Match[str]) -> str:
        kind, name, then, otherwise = match.groups()
        truthy = bool(_lookup(values, name))
        if kind == "unless":
            truthy = not truthy
        return then if truthy else (otherwise or "")

    previous = None
    text = body
    while previous != text:  # nested blocks, innermost first
        previous = text
        text = _BLOCK.sub(block, text)
    missing = sorted({m.group(1) for m in _MUSTACHE.finditer(text) if _lookup(values, m.group(1)) is None})
    if missing:
        raise RenderError(_missing(missing), tuple(missing))
    text = _MUSTACHE.sub(lambda m: str(_lookup(values, m.group(1))), text)
    if text_input and "{{input" not in body and "input" not in _names(body):
        text += "\n\n" + text_input
    return text


def _names(body: str) -> set[str]:
    return {m.group(1) for m in _MUSTACHE.finditer(body)}


def _missing(names: list[str]) -> str:
    shown = ", ".join(f"`{n}`" for n in names)
    flags = " ".join(f"--var {n}=..." for n in names)
    return f"the prompt needs {shown}: give {'it' if len(names) == 1 else 'them'} with {flags}"


class Inputs(NamedTuple):
    """What a run of a prompt asks for, so that an editor can ask before running."""

    variables: tuple[str, ...]
    """Template values with no default: `{{name}}`, `${input:name}`, in order of appearance."""
    text: bool
    """Whether the prompt takes free text: the task for an agent, `$ARGUMENTS`/`$1` for a command,
    `{{input}}` / `${input:input}` in a template."""


def inputs_of(prompt: PromptFile) -> Inputs:
    body = prompt.body
    dialect = prompt.dialect
    if dialect in (Dialect.CLAUDE_AGENT, Dialect.CLAUDE_SKILL, Dialect.COPILOT_AGENT):
        return Inputs((), True)
    if dialect is Dialect.CLAUDE_COMMAND:
        return Inputs((), "$ARGUMENTS" in body or _POSITIONAL.search(body) is not None)
    if dialect is Dialect.COPILOT_PROMPT:
        names = list(dict.fromkeys(m.group(1) for m in _COPILOT_INPUT.finditer(body)))
        text = "input" in names
        return Inputs(tuple(n for n in names if n != "input"), text)
    conditions = {m.group(2) for m in _BLOCK.finditer(body)}
    found = [m.group(1) for m in _MUSTACHE.finditer(body)]
    if dialect is Dialect.PROMPTY:
        # Jinja: the names a loop or `set` binds are no inputs; what a loop runs over is one.
        bound = {name for m in _JINJA_BINDS.finditer(body) for name in re.split(r"\s*,\s*", m.group(1))}
        looped = [m.group(1) for m in _JINJA_LOOPS.finditer(body)]
        found = [n for n in [*looped, *found] if n.split(".")[0] not in bound and n.split(".")[0] != "loop"]
    defaults = _with_defaults(prompt, {})
    names = [name for name in found if name not in conditions and _lookup(defaults, name) is None]
    names = list(dict.fromkeys(names))
    text = "input" in names
    return Inputs(tuple(n for n in names if n != "input"), text)
