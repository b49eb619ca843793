"""The shape of a settings file: which tables and keys exist, what type each value has, and how
each key combines across the settings layers (`Combine`; the merged view in `view.py` applies it).
"""

from __future__ import annotations

from enum import StrEnum
from typing import NamedTuple

from promptls.router.prompts.dialects import Dialect
from promptls.router.prompts.keyspec import PARAMETER_KEYS, parameter_spec


class VKind(StrEnum):
    STRING = "a string"
    BOOLEAN = "true or false"
    INTEGER = "an integer"
    NUMBER = "a number"
    STRINGS = "a list of strings"
    GLOBS = "a list of path globs"
    MODEL = 'a model id (a string like "openai/gpt-4o")'
    MODELS = "a list of model ids"
    LOCAL = '"fit" or a list of local model ids'
    TABLE = "a table of any values"
    URL = "an http(s) URL"


class Combine(StrEnum):
    """How the layers that set one key (local, project, user) combine into the value that is used.

    A table (`[defaults]`, `[check]`, `[models."id"]`, ...) always combines key by key, each key by
    its own rule; a `MapOf` says how one named entry (`[providers.NAME]`) combines.
    """

    NEAREST = "the nearest layer that sets it wins"
    CONCAT = "every layer's items apply, nearest layer first"
    MERGE = "merged key by key, the nearest layer winning each key"


class Field(NamedTuple):
    kind: VKind
    doc: str
    minimum: float | None = None
    maximum: float | None = None
    allowed: tuple[str, ...] = ()
    combine: Combine = Combine.NEAREST
    """A list of the nearest layer replaces the lists of farther layers unless this says CONCAT."""


Table = dict[str, "Field | Table | MapOf"]


class MapOf(NamedTuple):
    """A table whose keys are names the user picks (`[agents.NAME]`), each with the same shape."""

    item: Table | Field
    what: str
    combine: Combine = Combine.MERGE
    keys_are_globs: bool = False
    """The names are path globs (`[prompts."prompts/*.md"]`): each is checked as one."""
    """MERGE: an entry's keys combine one by one across layers; NEAREST: the nearest layer that
    writes the entry defines all of it (a profile is one recipe, not a mix of layers)."""


def _params() -> dict[str, Field]:
    fields: dict[str, Field] = {}
    for name in PARAMETER_KEYS:
        spec = parameter_spec(name)
        assert spec is not None
        kind = {"number": VKind.NUMBER, "integer": VKind.INTEGER}.get(spec.kind.value, VKind.STRING)
        if name == "stop":
            kind = VKind.STRINGS
        fields[name] = Field(kind, spec.doc, spec.minimum, spec.maximum, spec.allowed)
    return fields


PARAMS = _params()

DEFAULT_FIRST_TOKEN_TIMEOUT = 60.0
"""Seconds a run waits for the first token: generous, as a local model may first have to load."""
DEFAULT_IDLE_TIMEOUT = 30.0
"""Seconds a streaming answer may pause between tokens."""

DEFAULT_PROXY_PORT = 8719
"""Where `promptls proxy` listens unless `--port` or `[proxy] port` says otherwise."""

_DEADLINES: dict[str, Field] = {
    "first_token_timeout": Field(
        VKind.NUMBER,
        f"Seconds a run waits for the first token before it tries again or falls back (default "
        f"{DEFAULT_FIRST_TOKEN_TIMEOUT:g}); keep-alives a server sends meanwhile do not count.",
        minimum=0.01,
    ),
    "idle_timeout": Field(
        VKind.NUMBER,
        f"Seconds the answer may pause between tokens before the run ends as partial (default "
        f"{DEFAULT_IDLE_TIMEOUT:g}); keep-alives do not count.",
        minimum=0.01,
    ),
}
"""How long a streamed answer may keep a run waiting: in `[run]` for every provider, and in
`[providers.NAME]` for one (which beats `[run]`, from whichever layer)."""

_ASSIGNMENT: Table = {
    "model": Field(VKind.MODEL, "The model for this prompt; beats the prompt's own `model:`."),
    "fallback": Field(VKind.MODELS, "Models to fall back to, in order."),
    "model_fallback": Field(VKind.BOOLEAN, "Fall back along `[defaults] fallback`."),
    "profile": Field(VKind.STRING, "A routing profile from `[profiles]`."),
    "local": Field(
        VKind.LOCAL,
        'Run on the best installed local model that fits in free memory ("fit"), or the first of '
        "these local models that fits; else the settings below decide.",
    ),
    "tier": Field(VKind.STRING, "A tier from `[tiers]`.", allowed=("light", "medium", "heavy")),
    **PARAMS,
}

SCHEMA: Table = {
    "defaults": {
        "model": Field(VKind.MODEL, "The model for prompts that name none (or say `default`)."),
        "fallback": Field(VKind.MODELS, "The default fallback chain, used by `model_fallback: true`."),
        "model_fallback": Field(
            VKind.BOOLEAN, "Fall back along the default chain unless a prompt says otherwise."
        ),
        **PARAMS,
    },
    "agents": MapOf(_ASSIGNMENT, "agent name"),
    "commands": MapOf(_ASSIGNMENT, "command name"),
    "skills": MapOf(_ASSIGNMENT, "skill name"),
    "prompts": MapOf(_ASSIGNMENT, "glob of prompt paths", keys_are_globs=True),
    "providers": MapOf(
        {
            "base_url": Field(
                VKind.URL,
                "Endpoint of an OpenAI-compatible server (LM Studio, vLLM, "
                "llama.cpp, Groq, ...) or a built-in provider's endpoint.",
            ),
            "api_key_env": Field(VKind.STRING, "Environment variable holding the key."),
            "local": Field(VKind.BOOLEAN, "Runs on this machine: free, and no key needed."),
            "timeout": Field(VKind.NUMBER, "Seconds before a request times out.", minimum=0),
            **_DEADLINES,
            "headers": Field(VKind.TABLE, "Extra HTTP headers.", combine=Combine.MERGE),
            "options": Field(
                VKind.TABLE, "Passed through to the provider's SDK call.", combine=Combine.MERGE
            ),
        },
        "provider name",
    ),
    "models": MapOf(
        {
            "context_window": Field(VKind.INTEGER, "Context window in tokens.", minimum=1),
            "max_output": Field(VKind.INTEGER, "Most output tokens.", minimum=1),
            "input_price": Field(VKind.NUMBER, "USD per million input tokens.", minimum=0),
            "output_price": Field(VKind.NUMBER, "USD per million output tokens.", minimum=0),
            "capabilities": Field(VKind.STRINGS, "tools, vision, json, streaming, reasoning."),
            "options": Field(VKind.TABLE, "Passed through to the SDK for this model.", combine=Combine.MERGE),
            "params": {**PARAMS},
        },
        "model id",
    ),
    "profiles": MapOf(
        {
            "model": Field(VKind.MODEL, "The model prompts with this profile run on."),
            "local": Field(
                VKind.LOCAL,
                'The best installed local model that fits in free memory ("fit"), or the first of '
                "these local models that fits; else `model`.",
            ),
            "fallback": Field(VKind.MODELS, "Their fallback chain."),
            "min_context": Field(VKind.INTEGER, "Smallest context window acceptable.", minimum=1),
            "capabilities": Field(VKind.STRINGS, "Capabilities the model must have."),
            "prefer": Field(VKind.STRINGS, "Preferred model families, best first."),
            **PARAMS,
        },
        "profile name",
        Combine.NEAREST,
    ),
    "tiers": MapOf(Field(VKind.MODEL, "The model for this tier."), "tier name"),
    "run": {**_DEADLINES},
    "budget": {
        "monthly_usd": Field(VKind.NUMBER, "Warn when this month's spend passes this.", minimum=0),
        "daily_usd": Field(VKind.NUMBER, "Warn when today's spend passes this.", minimum=0),
        "per_run_usd": Field(VKind.NUMBER, "Refuse a run estimated above this.", minimum=0),
    },
    "proxy": {
        "port": Field(
            VKind.INTEGER,
            f"The port `promptls proxy` listens on (default {DEFAULT_PROXY_PORT}).",
            minimum=1,
            maximum=65535,
        ),
        "token_env": Field(
            VKind.STRING,
            "Environment variable holding the token clients must send (as `x-api-key` or bearer); "
            "required to listen on an address other than loopback (default PROMPTLS_PROXY_TOKEN).",
        ),
        "routes": MapOf(
            Field(VKind.MODEL, "The model that answers requests for a model id matching this glob."),
            "glob of requested model ids",
        ),
        "profile": Field(
            VKind.STRING, "A routing profile for requested ids no route matches (`[profiles.NAME]`)."
        ),
        "fallback": Field(VKind.MODELS, "Models a routed request falls back to, in order."),
    },
    "check": {
        # Globs are anchored at the project's folder (the one holding promptls.toml).
        "include": Field(
            VKind.GLOBS, "Globs of extra prompt files (generic dialect).", combine=Combine.CONCAT
        ),
        "exclude": Field(VKind.GLOBS, "Globs of files `promptls check` skips.", combine=Combine.CONCAT),
        # A selection is one statement ("report only these"): a nearer one replaces it, whole.
        "select": Field(VKind.STRINGS, "Rule codes or prefixes to report (default: all)."),
        # Silencing adds up: a personal `ignore` must not bring back what the project ignores.
        "ignore": Field(VKind.STRINGS, "Rule codes or prefixes never to report.", combine=Combine.CONCAT),
    },
    # `"library/agents/**/*.md" = "claude-agent"`: a collection laid out as no tool does, read in a
    # dialect. Globs anchored at the project's folder, as `[check] include`; a glob's nearest layer wins,
    # and of the globs matching a file the most specific (`SettingsView.dialect_globs`).
    "dialects": MapOf(
        Field(
            VKind.STRING,
            "The dialect of the prompt files this glob matches; beats where they lie.",
            allowed=tuple(dialect.value for dialect in Dialect),
        ),
        "glob of prompt paths",
        keys_are_globs=True,
    ),
}
