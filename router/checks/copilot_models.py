"""A Copilot file's `model:` checked against Copilot's own model list (`models.copilot`), not the APIs.

What counts in a Copilot prompt or agent file is what Copilot offers: a name its picker lists is
fine even when the provider's API has retired the model (Copilot keeps serving it; only promptls's
own runs on the API fail, so that is a warning that says so); a name Copilot no longer lists, or
never did, makes VS Code warn and run the model picked in chat instead.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from promptls.router.base.findings import Finding, Fix, Severity
from promptls.router.models.copilot import (
    copilot_models,
    current_alternative,
    find_copilot_model,
    is_auto,
    offered_for,
    vendor,
)
from promptls.router.models.nearest import nearest_copilot_names
from promptls.router.rules.models import DeprecatedModel, ModelNotNativeToDialect, UnknownModel

if TYPE_CHECKING:
    from promptls.router.base.source import Span
    from promptls.router.models.catalog import Catalog
    from promptls.router.models.copilot import CopilotModel
    from promptls.router.models.modelid import ModelRef

Fixer = Callable[[str, str], Fix]

_APIS = {
    "anthropic": "Anthropic's API",
    "openai": "OpenAI's API",
    "gemini": "the Gemini API",
    "openrouter": "OpenRouter",
}


_PICKED = "runs this file on the model picked in chat instead"
"""What VS Code does with a model it does not have (it warns, then uses the chat's model)."""


def is_picker_value(raw: str) -> bool:
    """Whether a Copilot file's model value is for Copilot to read (a picker name or Copilot's id),
    not a promptls `provider/name` id (those are read as promptls reads them)."""
    text = raw.strip()
    return bool(text) and not ("/" in text and " " not in text)


def copilot_value_findings(
    catalog: Catalog,
    path: str,
    span: Span,
    raw: str,
    ref: ModelRef,
    today: datetime.date,
    fixer: Fixer | None = None,
    suggest: bool = True,
    in_list: bool = False,
) -> Iterator[Finding]:
    """Findings for one model value of a Copilot file (`ref` is how promptls reads it); `in_list`:
    an entry of a prioritized list, where VS Code goes on to the next entry."""
    instead = "tries the next model in the list" if in_list else _PICKED
    text = raw.strip()
    if vendor(text) not in (None, "copilot") or is_auto(text):
        return  # a model brought with one's own key (`qwen3 (ollama)`): only the user's VS Code knows it
    listed = find_copilot_model(text)
    if listed is not None and not listed.offered:
        yield _retired_in_copilot(path, span, text, listed, fixer, instead)
    elif listed is not None:
        found = _api_retirement(catalog, path, span, listed, today, fixer)
        if found is not None:
            yield found
    elif text == "inherit":
        yield UnknownModel.finding(
            path,
            span,
            "`inherit` is Claude Code's: Copilot has no such model and runs the model picked in chat; "
            "leave `model` out for that, or name a model Copilot offers",
        )
    else:
        yield _not_listed(path, span, text, ref, fixer, suggest, instead)


def _retired_in_copilot(
    path: str, span: Span, text: str, listed: CopilotModel, fixer: Fixer | None, instead: str
) -> Finding:
    when = f" (retired there on {listed.retired})" if listed.retired else ""
    message = f"Copilot no longer offers `{listed.name}`{when}: VS Code {instead}"
    switch = current_alternative(listed)
    fix = None
    if switch:
        message += f"; switch to `{switch}`"
        fix = fixer(switch, f"Switch to `{switch}`") if fixer else None
    return DeprecatedModel.finding(path, span, message, fix=fix, severity=Severity.WARNING)


def _api_retirement(
    catalog: Catalog,
    path: str,
    span: Span,
    listed: CopilotModel,
    today: datetime.date,
    fixer: Fixer | None,
) -> Finding | None:
    """A provider's retirement of a model Copilot still offers: Copilot runs the file as before, but
    promptls's own runs go to the provider's API. A warning once the date has passed (promptls's runs
    fail), a note before it (nothing fails yet)."""
    info = catalog.get(listed.model) if listed.model else None
    if info is None or not info.deprecation_date:
        return None
    api = _APIS.get(info.provider, f"`{info.provider}`")
    try:
        days = (datetime.date.fromisoformat(info.deprecation_date) - today).days
    except ValueError:
        days = 0
    severity = Severity.WARNING if days <= 0 else Severity.INFO
    if days <= 0:
        message = (
            f"{api} retired `{info.id}` on {info.deprecation_date}: Copilot still offers `{listed.name}`, "
            "but promptls cannot run it"
        )
    else:
        message = (
            f"{api} retires `{info.id}` on {info.deprecation_date} (in {days} days); Copilot offers "
            f"`{listed.name}` for now"
        )
    replacement = catalog.replacement_for(info.id)
    both = offered_for(replacement) if replacement else None
    fix = None
    if both is not None:
        message += f"; `{both.name}` runs on both"
        # Copilot runs the file as it is: switching is the user's call, not `check --fix`'s.
        fix = fixer(both.name, f"Switch to `{both.name}`")._replace(safe=False) if fixer else None
    return DeprecatedModel.finding(path, span, message, fix=fix, severity=severity)


def _not_listed(
    path: str,
    span: Span,
    text: str,
    ref: ModelRef,
    fixer: Fixer | None,
    suggest: bool,
    instead: str,
) -> Finding:
    same = offered_for(str(ref.model)) if ref.model is not None else None
    if same is not None:  # a provider's id of a model Copilot lists under its picker name
        message = (
            f"Copilot's model picker names this model `{same.name}`: VS Code does not know `{text}` "
            f"and {instead}"
        )
        fix = fixer(same.name, f"Change to `{same.name}`") if fixer else None
        return ModelNotNativeToDialect.finding(path, span, message, fix=fix)
    checked = copilot_models().checked
    message = (
        f"`{text}` is not a model Copilot offers (its supported models, as of {checked}): VS Code {instead}"
    )
    suggestions = nearest_copilot_names(text) if suggest else []
    fix = None
    if suggestions:
        message += f"; did you mean `{suggestions[0]}`?"
        if len(suggestions) > 1:
            message += f" (or {', '.join(f'`{s}`' for s in suggestions[1:])})"
        fix = fixer(suggestions[0], f"Change to `{suggestions[0]}`") if fixer else None
    return UnknownModel.finding(path, span, message, fix=fix)
