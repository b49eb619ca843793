"""Model ids: `provider/name`, the special `default`, and each dialect's own spellings.

`openrouter/meta-llama/llama-3.3-70b-instruct:free` is provider `openrouter` and name
`meta-llama/llama-3.3-70b-instruct:free`: the name may hold `/` and `:`. Claude Code writes `sonnet`
or `claude-sonnet-4-5`, Copilot writes `Claude Sonnet 4.5 (copilot)` (the names of its own model list,
`models.copilot`) or `Auto`, Dotprompt writes `googleai/gemini-2.5-flash`; `interpret` turns each
into one canonical id and says how it did.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from enum import StrEnum
from typing import TYPE_CHECKING, NamedTuple

from promptls.router.prompts.dialects import Dialect

if TYPE_CHECKING:
    import datetime

    from promptls.router.models.catalog import Catalog

BUILTIN_PROVIDERS = ("openai", "openrouter", "gemini", "ollama", "anthropic")
LOCAL_PROVIDERS = frozenset({"ollama"})

CLAUDE_ALIASES = ("sonnet", "opus", "haiku", "fable", "best")
"""Claude Code's model aliases (code.claude.com/docs/en/model-config, checked 2026-12-07); each also
takes `[1m]` (the 1M-token context), and `opusplan` is Opus in plan mode, Sonnet otherwise."""
CLAUDE_SPECIAL = ("inherit", "opusplan", "sonnet[1m]")
_ALIAS_FAMILY = {"opusplan": "opus", "best": "fable"}
"""The family an alias runs when it is not one itself: `best` is Fable where the organization has it
(otherwise the newest Opus, which promptls cannot know)."""
DOTPROMPT_PREFIXES = {
    "googleai": "gemini",
    "vertexai": "gemini",
    "openai": "openai",
    "anthropic": "anthropic",
    "ollama": "ollama",
}

_PROVIDER = re.compile(r"[a-z][a-z0-9_.-]*\Z")
_COPILOT_SUFFIX = re.compile(r"\s*\((?:copilot|preview)\)\s*$", re.IGNORECASE)


class ModelId(NamedTuple):
    provider: str
    name: str

    def __str__(self) -> str:
        return f"{self.provider}/{self.name}"

    @property
    def is_local(self) -> bool:
        return self.provider in LOCAL_PROVIDERS


class SyntaxProblem(StrEnum):
    EMPTY = "empty"
    WHITESPACE = "whitespace"
    NO_PROVIDER = "no-provider"
    NO_NAME = "no-name"
    BAD_PROVIDER = "bad-provider"
    BAD_NAME = "bad-name"


def usable_as_override(raw: str) -> bool:
    """Whether `raw` can stand for the model of a run (`--model`, an editor's pick): `default`, or a
    `provider/name` id."""
    return raw.strip() == "default" or isinstance(split_model_id(raw), ModelId)


def split_model_id(raw: str) -> ModelId | SyntaxProblem:
    """Split `provider/name`; the name keeps any further `/` and `:`."""
    text = raw.strip()
    if not text:
        return SyntaxProblem.EMPTY
    if any(ch.isspace() for ch in text):
        return SyntaxProblem.WHITESPACE
    provider, sep, name = text.partition("/")
    if not sep:
        return SyntaxProblem.NO_PROVIDER
    if not name:
        return SyntaxProblem.NO_NAME
    if not _PROVIDER.match(provider):
        return SyntaxProblem.BAD_PROVIDER
    if name.startswith("/") or name.endswith("/") or "//" in name:
        return SyntaxProblem.BAD_NAME
    return ModelId(provider, name)


def parse_model_id(raw: str) -> ModelId | None:
    result = split_model_id(raw)
    return result if isinstance(result, ModelId) else None


class RefKind(StrEnum):
    MODEL = "model"
    """A concrete model."""
    DEFAULT = "default"
    """`default`: whatever the settings' default is."""
    INHERIT = "inherit"
    """Claude Code's `inherit`: the main conversation's model; promptls uses its default."""
    INVALID = "invalid"


class ModelRef(NamedTuple):
    """What a model value written in some dialect means."""

    raw: str
    kind: RefKind
    model: ModelId | None = None
    via: str | None = None
    """How a dialect spelling became the id, e.g. "Claude Code alias `sonnet`"."""
    problem: SyntaxProblem | None = None
    native: bool = True
    """Whether the dialect's own tool accepts this spelling (Claude Code reads only Anthropic models)."""


def interpret(
    raw: object,
    dialect: Dialect,
    catalog: Catalog,
    providers: Collection[str] = BUILTIN_PROVIDERS,
) -> ModelRef:
    """Read a model value as the dialect's tool would, and map it to a canonical id."""
    if isinstance(raw, str):
        # The same few values recur across a workspace: interpret each once per catalog.
        key = ("interpret", raw, dialect, tuple(providers))
        return catalog.memo(key, lambda: _interpret(raw, dialect, catalog, providers))
    return _interpret(raw, dialect, catalog, providers)


def _interpret(
    raw: object,
    dialect: Dialect,
    catalog: Catalog,
    providers: Collection[str],
) -> ModelRef:
    if not isinstance(raw, str):
        return ModelRef(str(raw), RefKind.INVALID, problem=SyntaxProblem.EMPTY)
    text = raw.strip()
    if text == "default":
        return ModelRef(raw, RefKind.DEFAULT)
    if dialect.is_claude:
        ref = _claude(raw, text, catalog)
        if ref is not None:
            return ref
    elif dialect.is_copilot:
        ref = _copilot(raw, text, catalog)
        if ref is not None:
            return ref
    elif dialect is Dialect.DOTPROMPT:
        ref = _dotprompt(raw, text)
        if ref is not None:
            return ref
    parsed = split_model_id(text)
    if isinstance(parsed, SyntaxProblem):
        return ModelRef(raw, RefKind.INVALID, problem=parsed)
    native = not (dialect.is_claude or dialect.is_copilot or dialect is Dialect.DOTPROMPT)
    if dialect.is_claude and parsed.provider == "anthropic":
        native = True
    return ModelRef(raw, RefKind.MODEL, parsed, native=native)


def _claude(raw: str, text: str, catalog: Catalog) -> ModelRef | None:
    if text == "inherit":
        return ModelRef(raw, RefKind.INHERIT, via="Claude Code `inherit`")
    alias = text.removesuffix("[1m]")
    if alias in CLAUDE_ALIASES or alias == "opusplan":
        family = _ALIAS_FAMILY.get(alias, alias)
        target = latest_claude(catalog, family)
        if target is None:
            return ModelRef(raw, RefKind.INVALID, problem=SyntaxProblem.NO_PROVIDER)
        return ModelRef(raw, RefKind.MODEL, target, via=f"Claude Code alias `{text}`")
    if text.startswith("claude-") and "/" not in text:
        return ModelRef(raw, RefKind.MODEL, ModelId("anthropic", text), via="Claude Code model id")
    return None


def latest_claude(catalog: Catalog, family: str) -> ModelId | None:
    """The newest undated `claude-<family>-<version>` in the catalog that is not deprecated."""
    from datetime import date

    today = date.today()
    return catalog.memo(("latest-claude", family, today), lambda: _latest_claude(catalog, family, today))


def _latest_claude(catalog: Catalog, family: str, today: datetime.date) -> ModelId | None:
    best: tuple[tuple[int, ...], str] | None = None
    prefix = f"anthropic/claude-{family}-"
    for model_id in catalog.ids("anthropic"):
        if not model_id.startswith(prefix):
            continue
        version = _version(model_id[len(prefix) :])
        if version is None:
            continue
        info = catalog.lookup(model_id)
        if info.is_deprecated(today):
            continue
        if best is None or version > best[0]:
            best = (version, model_id)
    return None if best is None else ModelId("anthropic", best[1].split("/", 1)[1])


def _version(rest: str) -> tuple[int, ...] | None:
    parts = rest.split("-")
    if not parts or not all(p.isdigit() and len(p) <= 2 for p in parts):
        return None  # dated snapshots and variants are not what an alias names
    return tuple(int(p) for p in parts)


COPILOT_AUTO_VIA = "Copilot's `Auto` (Copilot picks a model for each request): promptls runs the default"


def _copilot(raw: str, text: str, catalog: Catalog) -> ModelRef | None:
    # here, not at the top: Copilot's model list is read only when a Copilot file names a model
    from promptls.router.models.copilot import find_copilot_model, is_auto, vendor

    if "/" in text and " " not in text:
        return None  # a promptls id; interpret() reports it as not native to Copilot
    if is_auto(text):
        return ModelRef(raw, RefKind.DEFAULT, via=COPILOT_AUTO_VIA)
    listed = find_copilot_model(text) if vendor(text) in (None, "copilot") else None
    if listed is not None and listed.model is None:
        via = f"Copilot's own `{listed.name}` (no provider API serves it): promptls runs the default"
        return ModelRef(raw, RefKind.DEFAULT, via=via)
    if listed is not None:
        return ModelRef(raw, RefKind.MODEL, parse_model_id(listed.model), via=f"Copilot model name `{text}`")
    # Not in Copilot's list (an old name, a model brought with one's own key): read the name.
    name = _COPILOT_SUFFIX.sub("", text).strip()
    slug = re.sub(r"\s+", "-", name.lower())
    if not slug:
        return None
    for candidate in _copilot_candidates(slug):
        if catalog.get(candidate) is not None:
            return ModelRef(raw, RefKind.MODEL, parse_model_id(candidate), via=f"Copilot model name `{text}`")
    provider = _copilot_provider(slug)
    if provider is None:
        return ModelRef(raw, RefKind.INVALID, problem=SyntaxProblem.NO_PROVIDER)
    return ModelRef(
        raw,
        RefKind.MODEL,
        ModelId(provider, _anthropic_slug(slug) if provider == "anthropic" else slug),
        via=f"Copilot model name `{text}`",
    )


def _copilot_candidates(slug: str) -> list[str]:
    provider = _copilot_provider(slug)
    if provider is None:
        return []
    if provider == "anthropic":
        # "Claude Sonnet 4" is Anthropic's `claude-sonnet-4-0` (a major version alone ends in -0)
        name = _anthropic_slug(slug)
        candidates = [f"anthropic/{name}", f"anthropic/{name}-0"]
        # Before Claude 4 the version came first: "Claude Sonnet 3.5" is `claude-3-5-sonnet`.
        parts = name.split("-")
        if len(parts) >= 3 and parts[1].isalpha():
            candidates.append("anthropic/" + "-".join([parts[0], *parts[2:], parts[1]]))
        return candidates
    return [f"{provider}/{slug}"]


def _anthropic_slug(slug: str) -> str:
    # Copilot says "Claude Sonnet 4.5"; Anthropic's id is claude-sonnet-4-5.
    return slug.replace(".", "-")


def _copilot_provider(slug: str) -> str | None:
    if slug.startswith("claude"):
        return "anthropic"
    if slug.startswith("gemini"):
        return "gemini"
    if slug.startswith(("gpt", "o1", "o3", "o4", "chatgpt", "codex")):
        return "openai"
    return None


_OPENAI_PREFIXES = ("gpt-", "o1", "o3", "o4", "chatgpt-", "text-embedding-", "dall-e", "davinci", "babbage")


def provider_from_name(name: str) -> str | None:
    """The provider a bare model name belongs to, when its name says so (`gpt-4o`, `claude-…`,
    `gemini-…`); None otherwise."""
    lowered = name.lower()
    if lowered.startswith(_OPENAI_PREFIXES) or lowered in ("o1", "o3", "o4-mini"):
        return "openai"
    if lowered.startswith("claude"):
        return "anthropic"
    if lowered.startswith("gemini"):
        return "gemini"
    return None


def _dotprompt(raw: str, text: str) -> ModelRef | None:
    prefix, sep, name = text.partition("/")
    if not sep and text and " " not in text:
        # The Dotprompt format takes any model name and leaves finding it to the host (its own examples
        # write `gemini-2.5-flash`); promptls reads a bare name by what it names.
        provider = provider_from_name(text)
        if provider is not None:
            return ModelRef(
                raw,
                RefKind.MODEL,
                ModelId(provider, text),
                via=f"Dotprompt model name `{text}`, read by its name",
            )
    if not sep or prefix not in DOTPROMPT_PREFIXES or not name:
        return None
    provider = DOTPROMPT_PREFIXES[prefix]
    via = None if prefix == provider else f"Genkit plugin `{prefix}`"
    return ModelRef(raw, RefKind.MODEL, ModelId(provider, name), via=via)


def native_spelling(model: ModelId, dialect: Dialect) -> str | None:
    """How the dialect's own tool writes `model`, if it can name it at all."""
    if dialect.is_claude:
        return model.name if model.provider == "anthropic" else None
    if dialect is Dialect.DOTPROMPT:
        if model.provider == "gemini":
            return f"googleai/{model.name}"
        if model.provider in DOTPROMPT_PREFIXES:
            return str(model)
        return None
    return str(model)
