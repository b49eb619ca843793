"""Render a Dotprompt `.prompt` file with Google's own `dotpromptz`: the messages Genkit would send.

dotpromptz runs the file's Handlebars (`{{#each}}`, `{{json}}`, `{{#if}}`, ...) and its Dotprompt
helpers: `{{role "system"}}` starts a message of that role, `{{history}}` and `{{section}}` mark
places. Input values are `--var` over the file's `input.default`; free text (arguments or stdin) fills
`{{input}}`, or else ends the last user message, as promptls's other dialects do. dotpromptz renders a
missing value as empty without a word, so promptls asks for the values the body names first
(`RenderError`, as for every dialect). Imported here, when a `.prompt` file runs: the package and its
dependencies (pydantic, jsonschema) take 0.2–0.7 s to import, which `check`, `resolve` and `serve` never pay.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from promptls.router.prompts.messages import RenderError, inputs_of

if TYPE_CHECKING:
    from promptls.router.prompts.frontmatter import PromptFile

_ROLES = {"system": "system", "user": "user", "model": "assistant", "assistant": "assistant"}
"""Dotprompt's roles as promptls sends them: Genkit calls the model's turns `model`."""


def render_dotprompt(
    prompt: PromptFile, variables: Mapping[str, str] | None = None, text: str = ""
) -> list[tuple[str, str]]:
    """(role, content) of each message; raises RenderError when a value the body names is missing or
    the template does not render."""
    import asyncio

    from dotpromptz import Dotprompt
    from dotpromptz.typing import DataArgument

    values: dict[str, Any] = {**_defaults(prompt), **(variables or {})}
    text = text.strip()
    asked = inputs_of(prompt)
    if text and asked.text:
        values.setdefault("input", text)
    missing = [name for name in asked.variables if name not in values and name not in _NOT_INPUTS]
    if missing:
        flags = " ".join(f"--var {n}=..." for n in missing)
        shown = ", ".join(f"`{n}`" for n in missing)
        raise RenderError(
            f"the prompt needs {shown}: give {'it' if len(missing) == 1 else 'them'} with {flags}",
            tuple(missing),
        )
    try:
        rendered = asyncio.run(Dotprompt().render(prompt.text, DataArgument(input=values)))
    except Exception as exc:  # a Handlebars error, an unknown helper, a bad schema
        raise RenderError(f"Dotprompt could not render {prompt.path}: {exc}") from exc
    out: list[tuple[str, str]] = []
    for message in rendered.messages:
        parts = []
        for part in message.content:
            if getattr(part, "text", None) is None:
                kind = type(part).__name__.removesuffix("Part").lower()
                raise RenderError(f"the prompt renders a {kind} part: promptls sends text only")
            parts.append(part.text)
        content = "".join(parts).strip()
        if content:
            out.append((_ROLES.get(str(getattr(message.role, "value", message.role)), "user"), content))
    if text and not asked.text:
        if out and out[-1][0] == "user":
            out[-1] = ("user", f"{out[-1][1]}\n\n{text}")
        else:
            out.append(("user", text))
    return out


_NOT_INPUTS = frozenset({"this", "else", "history", "section", "role", "media", "json"})
"""Handlebars and Dotprompt words the body's `{{...}}` may hold that are no input."""


def _defaults(prompt: PromptFile) -> dict[str, Any]:
    declared = prompt.value("input")
    if isinstance(declared, dict) and isinstance(declared.get("default"), dict):
        return dict(declared["default"])
    return {}
