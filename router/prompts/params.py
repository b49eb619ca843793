"""Run parameters (`temperature`, `max_tokens`, ...): parsing from text, types and bounds.

Shared by `--param key=value`, `PROMPTLS_<KEY>` variables, frontmatter checks and settings, so all
of them accept and reject the same values with the same words.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from promptls.router.prompts.keyspec import PARAMETER_KEYS, Kind, parameter_spec

ENV_PREFIX = "PROMPTLS_"


class ParamError(NamedTuple):
    message: str


def parse_param(key: str, text: str) -> Any:
    """`--param temperature=0.2` → 0.2. Returns a ParamError that says what is wrong."""
    spec = parameter_spec(key)
    if spec is None:
        import difflib

        close = difflib.get_close_matches(key, PARAMETER_KEYS, n=1)
        hint = f"; did you mean `{close[0]}`?" if close else f" (known: {', '.join(PARAMETER_KEYS)})"
        return ParamError(f"unknown parameter `{key}`{hint}")
    text = text.strip()
    value: Any
    if spec.kind is Kind.INTEGER:
        try:
            value = int(text)
        except ValueError:
            return ParamError(f"`{key}` must be a whole number, not {text!r}")
    elif spec.kind is Kind.NUMBER:
        try:
            # `temperature=0` stays 0, as it would in YAML or TOML; `0.5` is a float.
            value = int(text) if text.lstrip("+-").isdigit() else float(text)
        except ValueError:
            return ParamError(f"`{key}` must be a number, not {text!r}")
    elif spec.kind is Kind.STRINGS:
        value = [part.strip() for part in text.split(",") if part.strip()]
    else:
        value = text
    problem = bounds_problem(key, value)
    return ParamError(problem) if problem else value


def valid_param_value(key: str, value: Any) -> bool:
    spec = parameter_spec(key)
    if spec is None:
        return False
    return type_problem(key, value) is None and bounds_problem(key, value) is None


def type_problem(key: str, value: Any) -> str | None:
    spec = parameter_spec(key)
    if spec is None:
        return None
    kind = spec.kind  # only this kind's test runs: every parameter of every file asks
    if kind is Kind.INTEGER:
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif kind is Kind.NUMBER:
        ok = isinstance(value, int | float) and not isinstance(value, bool)
    elif kind is Kind.STRINGS:
        ok = isinstance(value, str) or (isinstance(value, list) and all(isinstance(v, str) for v in value))
    elif kind is Kind.STRING:
        ok = isinstance(value, str)
    else:
        ok = True
    return None if ok else f"`{key}` must be {_article(spec.kind.value)}, not {_shown(value)}"


def bounds_problem(key: str, value: Any, maximum: float | None = None) -> str | None:
    """Out of the key's range (or of `maximum`, the model's own limit)? Say so and what is allowed."""
    spec = parameter_spec(key)
    if spec is None or type_problem(key, value) is not None:
        return None
    if spec.allowed and value not in spec.allowed:
        return f"`{key}` must be one of {', '.join(spec.allowed)}, not {value!r}"
    if not isinstance(value, int | float):
        return None
    low = spec.minimum
    high = spec.maximum if maximum is None else maximum
    if value != value or (low is not None and value < low) or (high is not None and value > high):
        if low is not None and high is not None:
            return f"`{key}` must be between {low:g} and {high:g}, not {value:g}"
        if low is not None:
            return f"`{key}` must be at least {low:g}, not {value:g}"
        return f"`{key}` must be at most {high:g}, not {value:g}"
    return None


def _article(kind: str) -> str:
    if kind.startswith(("list", "model")):
        return kind
    return f"an {kind}" if kind.startswith(("a", "e", "i", "o", "u")) else f"a {kind}"


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "empty"
    if isinstance(value, list | dict):
        return f"a {type(value).__name__}"
    return repr(value)
