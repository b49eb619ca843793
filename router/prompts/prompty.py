"""Microsoft Prompty (`.prompty`): the frontmatter of both schemas, and the model a file names.

Prompty has had two frontmatter schemas, and files of both are in use:
- v1 (the `prompty` 0.1 runtime): `model: {api, configuration: {type, azure_deployment, name, ...},
  parameters: {max_tokens, ...}, response}`, `authors`, `tags`, `version`, `sample`, `base`,
  `template: jinja2`; later v1 releases also wrote `model: {id, api, connection, options}`.
- v2 (`prompty` 2.x): `model: {id, provider, apiType, connection, options: {maxOutputTokens, ...}}`
  (or `model: <id>`), `inputs`/`outputs` as a list of properties or a mapping, `template: {format,
  parser}`, `tools`, `metadata`.

Sources, checked 2026-12-07:
- v2: spec/spec.md §2 (file format) and schema/model/{agent.tsp, contracts/models/model.tsp} of
  microsoft/prompty at commit 75e4d0e5 (2026-08-21); the loader of the `prompty` 2.1.0 package
  (PyPI, 2026-10), which also reads `model.options.reasoningEffort`; the executors it registers
  (`openai`, `azure`, `foundry`, `anthropic`).
- v1: Prompty.yaml, the v1 frontmatter JSON schema, at commit 3d7c31e1 (2026-03-25, the last before
  its removal); the v1 Python runtime (runtime/prompty/prompty/core.py and its executors) at commit
  3e3ad749 (2025-03-06); web/src/content/docs/migration.mdx (v1 → v2 key renames).

Prompty ignores keys it does not know (spec §2.3), as the other tools do: promptls reports them (PLS110)
because an ignored `maxTokens:` is a setting that silently does nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from promptls.router.models.modelid import provider_from_name as guess_provider
from promptls.router.prompts.schemas.base import DialectSchema, KeySpec, Kind, Source

if TYPE_CHECKING:  # keyspec imports this module: only the key table is needed at import
    from promptls.router.prompts.frontmatter import Entry, PromptFile

V2_SPEC = Source(
    "Prompty runtime specification §2 (file format) and the TypeSpec schema (agent.tsp, model.tsp)",
    "https://github.com/microsoft/prompty/blob/75e4d0e595348e129fd46aee053a2d68cc0887a9/spec/spec.md",
    "2026-12-07",
    "microsoft/prompty at 75e4d0e5 (2026-08-21); the prompty 2.1.0 package's loader (PyPI, 2026-10)",
)
V1_SCHEMA = Source(
    "Prompty v1 frontmatter schema (Prompty.yaml)",
    "https://github.com/microsoft/prompty/blob/3d7c31e12a9b520ecb1f71e8e00e52626e1942bd/Prompty.yaml",
    "2026-12-07",
    "microsoft/prompty at 3d7c31e1 (2026-03-25); the v1 runtime at 3e3ad749 (2025-03-06)",
)
MIGRATION = Source(
    "Prompty: Migration Guide (v1 → v2)",
    "https://github.com/microsoft/prompty/blob/75e4d0e595348e129fd46aee053a2d68cc0887a9/web/src/content/docs/migration.mdx",
    "2026-12-07",
)

PROMPTY_KEYS: tuple[KeySpec, ...] = (
    KeySpec("name", Kind.STRING, "The prompt's name."),
    KeySpec("displayName", Kind.STRING, "A human-readable name for user interfaces (v2)."),
    KeySpec("description", Kind.STRING, "What the prompt does."),
    KeySpec(
        "metadata", Kind.MAPPING, "Free-form metadata: `authors`, `tags`, `version`, anything else (v2)."
    ),
    KeySpec(
        "model",
        Kind.ANY,
        "The model: an id (`gpt-4o`), or a mapping. v2: `id`, `provider` (`openai`, `foundry`, "
        "`anthropic`), `apiType`, `connection`, `options`. v1: `api`, `configuration` (`type`, "
        "`azure_deployment` or `name`, ...), `parameters`, `response`.",
    ),
    KeySpec(
        "inputs",
        Kind.ANY,
        "The template's inputs: a list of properties (`name`, `kind`, `default`, ...) or a mapping "
        "of name to property or default value.",
    ),
    KeySpec("outputs", Kind.ANY, "The expected output's properties; a JSON answer when given."),
    KeySpec("tools", Kind.ANY, "Tools the model may call: a list of `name`, `kind`, `description`, ..."),
    KeySpec(
        "template",
        Kind.ANY,
        "The template engine and parser: `{format: {kind: jinja2}, parser: {kind: prompty}}` "
        "(the default); v1 wrote `template: jinja2`.",
    ),
    # v1 only: the v2 loader ignores these (it keeps authors, tags and version under `metadata`).
    KeySpec("version", Kind.ANY, "The prompt's version (v1; v2 keeps it under `metadata`)."),
    KeySpec("authors", Kind.STRING_LIST, "Who wrote the prompt (v1; v2 keeps it under `metadata`)."),
    KeySpec("tags", Kind.STRING_LIST, "Labels for the prompt (v1; v2 keeps them under `metadata`)."),
    KeySpec(
        "sample",
        Kind.ANY,
        "Input values for a test run, or the name of a JSON file with them (v1; v2 writes an "
        "input's `example` or `default`).",
    ),
    KeySpec("base", Kind.STRING, "A .prompty file this one starts from (v1)."),
    KeySpec("id", Kind.STRING, "The prompt's identifier (later v1 releases)."),
    KeySpec("$schema", Kind.STRING, "The JSON schema of the frontmatter (v1)."),
)
"""The top-level keys (spec §2.3 for v2; Prompty.yaml and the v1 runtime for v1)."""

PROMPTY = DialectSchema(PROMPTY_KEYS, (V2_SPEC, V1_SCHEMA, MIGRATION))

MODEL_KEYS: dict[str, str] = {
    "id": "The model's id; with `provider: foundry` or `azure`, the name of your deployment (v2).",
    "provider": "Who runs the model: `openai`, `foundry` (`azure` is its old name), `anthropic` (v2).",
    "apiType": "The API: `chat` (the default), `responses`, `embedding`, `image` (v2).",
    "connection": "How to reach the provider: `kind` (`key`, `reference`, `anonymous`, `foundry`, "
    "`remote`, `oauth`), `endpoint`, `apiKey`, ...",
    "options": "Run parameters: `temperature`, `maxOutputTokens`, `topP`, `topK`, `stopSequences`, "
    "`seed`, `frequencyPenalty`, `presencePenalty`, `reasoningEffort`, `additionalProperties` (v2).",
    "api": "The API: `chat` or `completion` (v1; v2 calls it `apiType`).",
    "configuration": "How to reach the model: `type` (`azure_openai`, `openai`, `azure_serverless`), "
    "`azure_deployment` or `name`, `azure_endpoint`, `api_version`, `api_key`, ... (v1; v2 calls it "
    "`connection`).",
    "parameters": "Run parameters as the provider names them: `max_tokens`, `temperature`, `top_p`, "
    "`stop`, `seed`, ... (v1; v2 calls them `options`).",
    "response": "`first` (the first choice's content, the default) or `all` (the raw response) (v1).",
}
"""Keys of a `model:` mapping, v2 (model.tsp) and v1 (Prompty.yaml) together."""

MODEL_VALUES: dict[str, tuple[str, ...]] = {
    "api": ("chat", "completion", "embedding", "image"),
    "response": ("first", "all"),
    "apiType": ("chat", "responses", "embedding", "image"),
    "provider": ("openai", "foundry", "azure", "anthropic"),
}
"""Values Prompty's own runtimes know. `provider` and `apiType` are open sets (a plugin registers more):
an unknown one is a warning."""

OPEN_VALUES = frozenset({"provider", "apiType"})

CONFIGURATION_TYPES = (
    "azure_openai",
    "azure",
    "openai",
    "azure_serverless",
    "serverless",
    "azure_openai_beta",
    "azure_beta",
)
"""v1 `configuration.type`: Prompty.yaml's three and the executors the v1 runtime registers."""

OPTIONS_PARAMS: dict[str, str] = {
    "temperature": "temperature",
    "maxOutputTokens": "max_tokens",
    "topP": "top_p",
    "topK": "top_k",
    "stopSequences": "stop",
    "seed": "seed",
    "frequencyPenalty": "frequency_penalty",
    "presencePenalty": "presence_penalty",
    "reasoningEffort": "reasoning_effort",
}
"""v2 `model.options` keys and the promptls parameter each one is."""

OPTIONS_OTHER = {
    "allowMultipleToolCalls": Kind.BOOLEAN,
    "additionalProperties": Kind.MAPPING,
}
"""v2 `model.options` keys that are no promptls parameter."""

PARAMETERS_PARAMS: dict[str, str] = {
    "temperature": "temperature",
    "max_tokens": "max_tokens",
    "top_p": "top_p",
    "top_k": "top_k",
    "stop": "stop",
    "seed": "seed",
    "frequency_penalty": "frequency_penalty",
    "presence_penalty": "presence_penalty",
    "reasoning_effort": "reasoning_effort",
}
"""v1 `model.parameters` keys (the provider's own names, passed through) that are promptls parameters;
v1 passes any other key through to the provider, so no key there is unknown."""

V1_OPTION_NAMES = {
    "max_tokens": "maxOutputTokens",
    "top_p": "topP",
    "top_k": "topK",
    "stop": "stopSequences",
    "frequency_penalty": "frequencyPenalty",
    "presence_penalty": "presencePenalty",
    "reasoning_effort": "reasoningEffort",
}
"""v1 parameter names written under v2's `options`, which the v2 loader ignores (migration.mdx)."""

_PROVIDERS = {"openai": "openai", "anthropic": "anthropic"}
"""Prompty providers whose `id` is the model's own name at a provider promptls reaches."""
_DEPLOYMENT_PROVIDERS = ("foundry", "azure")
_DEPLOYMENT_TYPES = ("azure_openai", "azure", "azure_openai_beta", "azure_beta")
_SERVERLESS_TYPES = ("azure_serverless", "serverless")


class PromptyModel(NamedTuple):
    """The model a `.prompty` file names, as promptls reads it."""

    written: str
    """The value as written: `gpt-4o`, a deployment name."""
    entry: Entry
    """The entry whose value it is (`model`, `model.id`, `configuration.name`, ...)."""
    label: str
    """Where it is, for explanations: `model.id`, `model.configuration.azure_deployment`."""
    model: str | None
    """The promptls id it stands for (`openai/gpt-4o`), or None when promptls cannot know."""
    note: str
    """How promptls read it, or why it cannot."""
    guessed: bool = False
    """No provider is written: the provider is guessed from the name."""


def model_entry(prompt: PromptFile) -> Entry | None:
    return prompt.get("model")


def child_map(entry: Entry | None, key: str) -> Entry | None:
    """`entry.key` when it is a mapping."""
    child = entry.child(key) if entry is not None else None
    return child if child is not None and isinstance(child.value, dict) else None


def read_model(prompt: PromptFile) -> PromptyModel | None:
    """The model of a `.prompty` file: v2's `id` with its `provider`, v1's `configuration`, or the
    `model: <id>` shorthand. None when the file names none."""
    entry = model_entry(prompt)
    if entry is None:
        return None
    if isinstance(entry.value, str):
        return _by_id(entry.value, entry, "model", None)
    if not isinstance(entry.value, dict):
        return None
    read = _read_mapping(entry)
    api = entry.child("apiType") or entry.child("api")
    if read is not None and api is not None and api.value in _NOT_CHAT:
        note = (
            f"`{api.key}: {api.value}`: promptls checks and runs chat prompts only, so it neither checks "
            f"nor runs `{read.written}`"
        )
        return read._replace(model=None, note=note, guessed=False)
    return read


_NOT_CHAT = ("embedding", "image")


def _read_mapping(entry: Entry) -> PromptyModel | None:
    configuration = child_map(entry, "configuration") or _v1_connection(entry)
    model_id = entry.child("id")
    provider = entry.child("provider")
    provider_name = provider.value if provider is not None and isinstance(provider.value, str) else None
    if model_id is not None and isinstance(model_id.value, str) and model_id.value.strip():
        if provider_name is None and configuration is not None:
            provider_name = _provider_of_type(configuration)
        return _by_id(model_id.value, model_id, "model.id", provider_name)
    if configuration is not None:
        return _by_configuration(configuration, f"model.{configuration.key}")
    return None


def _v1_connection(entry: Entry) -> Entry | None:
    """Later v1 releases wrote `connection: {type: azure_openai, azure_deployment: ...}`."""
    connection = child_map(entry, "connection")
    if connection is not None and connection.child("type") is not None:
        return connection
    return None


def _provider_of_type(configuration: Entry) -> str | None:
    kind = configuration.child("type")
    if kind is None or not isinstance(kind.value, str):
        return None
    if kind.value in _DEPLOYMENT_TYPES:
        return "azure"
    return "openai" if kind.value == "openai" else kind.value


def _by_id(text: str, entry: Entry, label: str, provider: str | None) -> PromptyModel | None:
    name = text.strip()
    if not name:
        return None
    if provider in _DEPLOYMENT_PROVIDERS:
        return PromptyModel(name, entry, label, None, _deployment_note(name, f"provider: {provider}"))
    if provider in _PROVIDERS:
        return PromptyModel(
            name, entry, label, f"{_PROVIDERS[provider]}/{name}", f"Prompty provider `{provider}`"
        )
    if provider is not None:
        return PromptyModel(
            name,
            entry,
            label,
            None,
            f"Prompty provider `{provider}` is none promptls can reach: promptls cannot tell which model "
            f"`{name}` is",
        )
    if "/" in name:  # a promptls id written as Prompty's id: promptls reads it, Prompty would not
        return PromptyModel(name, entry, label, name, "a promptls model id", guessed=False)
    guessed = guess_provider(name)
    if guessed is None:
        return PromptyModel(
            name,
            entry,
            label,
            None,
            f"`{name}` names no provider (Prompty runs it on the provider its host registers as the "
            "default): promptls cannot tell which model it is; add `provider:`",
        )
    return PromptyModel(
        name,
        entry,
        label,
        f"{guessed}/{name}",
        f"no `provider`: Prompty uses its host's default provider; promptls reads `{name}` as {guessed}'s",
        guessed=True,
    )


def _by_configuration(configuration: Entry, label: str) -> PromptyModel | None:
    kind = configuration.child("type")
    kind_name = kind.value if kind is not None and isinstance(kind.value, str) else None
    if kind_name in _DEPLOYMENT_TYPES or (kind_name is None and configuration.child("azure_deployment")):
        deployment = configuration.child("azure_deployment")
        if deployment is None or not isinstance(deployment.value, str) or not deployment.value.strip():
            return None
        text = deployment.value.strip()
        return PromptyModel(
            text,
            deployment,
            f"{label}.azure_deployment",
            None,
            _deployment_note(text, f"type: {kind_name or 'azure_openai'}"),
        )
    if kind_name in _SERVERLESS_TYPES:
        named = configuration.child("model") or configuration.child("name")
        if named is None or not isinstance(named.value, str) or not named.value.strip():
            return None
        text = named.value.strip()
        return PromptyModel(
            text,
            named,
            f"{label}.{named.key}",
            None,
            f"`{text}` runs on an Azure serverless endpoint, which promptls cannot reach",
        )
    named = configuration.child("name") or configuration.child("model")
    if named is None or not isinstance(named.value, str) or not named.value.strip():
        return None
    text = named.value.strip()
    if kind_name in (None, "openai"):
        return PromptyModel(
            text, named, f"{label}.{named.key}", f"openai/{text}", "Prompty configuration `openai`"
        )
    return PromptyModel(
        text,
        named,
        f"{label}.{named.key}",
        None,
        f"configuration type `{kind_name}` is none promptls can reach: promptls cannot tell which model "
        f"`{text}` is",
    )


def _deployment_note(name: str, how: str) -> str:
    return (
        f"`{name}` is the name of an Azure deployment ({how}), chosen in Azure, not a model id: "
        "promptls cannot tell which model it runs"
    )


def parameter_entries(prompt: PromptFile) -> list[tuple[str, Entry, str]]:
    """(promptls parameter, entry, label) for each run parameter under `model.options` (v2) or
    `model.parameters` (v1, and later v1's snake_case `options`)."""
    entry = model_entry(prompt)
    return parameter_entries_of(entry) if entry is not None else []


def parameter_entries_of(entry: Entry) -> list[tuple[str, Entry, str]]:
    """`parameter_entries` of a `model:` entry."""
    out: list[tuple[str, Entry, str]] = []
    if not isinstance(entry.value, dict):
        return out
    options = child_map(entry, "options")
    names = PARAMETERS_PARAMS if is_v1_model(entry) else OPTIONS_PARAMS
    if options is not None:
        for child in options.children:
            param = names.get(child.key)
            if param:
                out.append((param, child, f"model.options.{child.key}"))
    parameters = child_map(entry, "parameters")
    if parameters is not None:
        for child in parameters.children:
            param = PARAMETERS_PARAMS.get(child.key)
            if param:
                out.append((param, child, f"model.parameters.{child.key}"))
    return out


def is_v1_model(model: Entry) -> bool:
    """A v1 `model:` (`api`, `configuration`, `parameters`, `response`, or a `connection` with a `type`):
    its `options` take the provider's own parameter names."""
    if any(model.child(key) is not None for key in ("api", "configuration", "parameters", "response")):
        return True
    connection = child_map(model, "connection")
    return connection is not None and connection.child("type") is not None


V1_TOP_KEYS = ("authors", "tags", "version", "sample", "base")
"""Top-level keys of v1 that Prompty 2 ignores (it keeps authors, tags and version under `metadata`)."""
V1_MODEL_KEYS = {"api": "apiType", "configuration": "connection", "parameters": "options", "response": None}
"""v1 `model:` keys and their v2 names (migration.mdx); `response` has none."""


def is_v2_file(prompt: PromptFile) -> bool:
    """Is the file written for Prompty 2 (a `model:` with `provider`, `apiType` or a `connection` with a
    `kind`, `displayName`, a list of `inputs`) and its model no v1 one? Then Prompty 2's loader reads it,
    and rejects what only v1 accepted (`template: jinja2`)."""
    model = model_entry(prompt)
    model_map = model is not None and isinstance(model.value, dict)
    if model_map and is_v1_model(model):
        return False
    return (
        (model_map and is_v2_model(model))
        or prompt.get("displayName") is not None
        or isinstance(prompt.value("inputs"), list)
    )


def is_v2_model(model: Entry) -> bool:
    """A `model:` only Prompty 2 reads (`provider`, `apiType`, or a `connection` with a `kind`)."""
    if any(model.child(key) is not None for key in ("provider", "apiType")):
        return True
    connection = child_map(model, "connection")
    return connection is not None and connection.child("kind") is not None


def sample_inputs(prompt: PromptFile) -> dict[str, object]:
    """Input values for a run the user gives none for: v1's `sample` mapping, each input's `default`,
    then its `example` (v2's value for trying a prompt)."""
    values: dict[str, object] = {}
    for name, spec in _inputs(prompt.value("inputs")):
        if isinstance(spec, dict):
            for key in ("example", "sample", "default"):  # the last found wins: default over example
                if spec.get(key) is not None:
                    values[name] = spec[key]
        elif spec is not None:
            values[name] = spec  # the shorthand `name: value` is the input's default
    sample = prompt.value("sample")
    if isinstance(sample, dict):
        values.update({str(k): v for k, v in sample.items() if v is not None})
    return values


def _inputs(inputs: object) -> list[tuple[str, object]]:
    if isinstance(inputs, dict):
        return [(str(k), v) for k, v in inputs.items()]
    if isinstance(inputs, list):
        return [
            (item["name"], item)
            for item in inputs
            if isinstance(item, dict) and isinstance(item.get("name"), str)
        ]
    return []


def template_format(prompt: PromptFile) -> str:
    """The template engine: `jinja2` unless the file says `mustache` (v2 `format.kind`, v1 string)."""
    template = prompt.value("template")
    if isinstance(template, str):
        return template.strip() or "jinja2"
    if isinstance(template, dict):
        fmt = template.get("format")
        if isinstance(fmt, dict) and isinstance(fmt.get("kind"), str):
            return fmt["kind"]
        if isinstance(fmt, str):
            return fmt
    return "jinja2"
