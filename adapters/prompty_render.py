"""Render a `.prompty` file with Microsoft's own `prompty` runtime: the messages it would send.

Prompty's template engine (Jinja2 by default, Mustache when the file says so) fills the body, and its
`prompty` parser splits the result into messages at the role markers (`system:`, `user:`,
`assistant:`, `developer:`, also as `# user:` headings): what promptls sends is what Prompty would.
Only the body and the template choice are handed to Prompty: its loader would also resolve `${env:...}`
references in `model.connection` (failing for an unset variable promptls never needs) and reads only
the v2 schema. Inputs come from `--var`, else the file's own sample values (v1 `sample`, an input's
`default` or `example`). The package is imported here, when a `.prompty` file runs: it takes ~0.1 s to
import, which `promptls check` and `resolve` never pay.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from promptls.router.prompts.messages import RenderError
from promptls.router.prompts.prompty import sample_inputs, template_format

if TYPE_CHECKING:
    from promptls.router.prompts.frontmatter import PromptFile

_ROLES = {"system": "system", "user": "user", "assistant": "assistant", "developer": "system"}
"""Prompty's roles as promptls sends them: `developer` is OpenAI's newer name for `system`."""


def render_prompty(
    prompt: PromptFile, variables: Mapping[str, str] | None = None, text: str = ""
) -> list[tuple[str, str]]:
    """(role, content) of each message; raises RenderError when an input the template uses is missing.

    Free text (the command's arguments or stdin) fills an `input` variable, or else becomes a last
    user message."""
    import prompty
    from prompty.model import Agent

    values: dict[str, Any] = {**sample_inputs(prompt), **(variables or {})}
    text = text.strip()
    if text:
        values.setdefault("input", text)
    body = prompt.body
    engine = template_format(prompt)
    missing = sorted(name for name in _used_names(body, engine) if name not in values)
    if missing:
        raise RenderError(_missing_message(missing), tuple(missing))
    agent = Agent.load(
        {"instructions": body, "template": {"format": {"kind": engine}, "parser": {"kind": "prompty"}}}
    )
    try:
        messages = prompty.prepare(agent, values)
    except Exception as exc:  # a template error, an engine Prompty has no renderer for
        raise RenderError(f"Prompty could not render {prompt.path}: {exc}") from exc
    out = [(_ROLES.get(m.role, "user"), m.text) for m in messages if m.text.strip()]
    if text and "input" not in _used_names(body, engine):
        out.append(("user", text))
    return out


def _used_names(body: str, engine: str) -> set[str]:
    """The top-level names a template reads (a loop's own variable is no input)."""
    if engine == "mustache":
        import re

        return {
            m.group(1).split(".")[0] for m in re.finditer(r"\{\{[{&#^]?\s*([A-Za-z_][\w.]*)\s*\}?\}\}", body)
        }
    import jinja2
    import jinja2.meta

    try:
        return set(jinja2.meta.find_undeclared_variables(jinja2.Environment().parse(body)))
    except jinja2.TemplateSyntaxError as exc:
        raise RenderError(
            f"the template has a Jinja2 syntax error on line {exc.lineno}: {exc.message}"
        ) from exc


def _missing_message(names: list[str]) -> str:
    shown = ", ".join(f"`{n}`" for n in names)
    flags = " ".join(f"--var {n}=..." for n in names)
    return (
        f"the prompt needs {shown}: give {'it' if len(names) == 1 else 'them'} with {flags}, "
        "or a value in its `sample:` (v1) or the input's `default:`"
    )
