"""Rules for model ids, fallback chains, run parameters and profiles."""

from __future__ import annotations

from promptls.router.base.findings import Severity
from promptls.router.rules.registry import Rule


class InvalidModelId(Rule):
    """A model value is not a valid model id.

    ## Why it matters
    A model promptls cannot read cannot run, and the tool that reads the file will reject it too.

    ## How to fix
    Write `provider/name`: `openai/gpt-4o`, `anthropic/claude-sonnet-4-5`,
    `openrouter/meta-llama/llama-3.3-70b-instruct:free`, `ollama/llama3.2:3b`, or `default`.
    Claude Code files also take its aliases (`sonnet`, `opus`, `haiku`, `fable`, `best`, `opusplan`)
    and `inherit`; in any other file an alias is an error that names the id it stands for. Copilot
    files take the names of Copilot's model picker (`GPT-5 mini`, `Claude Sonnet 4.6`) and `Auto`: a
    name Copilot does not know is `unknown-model` (PLS203), a warning, as VS Code warns.
    """

    code = "PLS201"
    name = "invalid-model-id"
    severity = Severity.ERROR


class UnknownProvider(Rule):
    """A model id names a provider promptls does not know.

    ## Why it matters
    promptls cannot reach a provider it does not know, so the prompt cannot run.

    ## How to fix
    Use a built-in provider (`openai`, `openrouter`, `gemini`, `ollama`, `anthropic`) or declare
    your OpenAI-compatible server in promptls.toml:

        [providers.lmstudio]
        base_url = "http://localhost:1234/v1"
    """

    code = "PLS202"
    name = "unknown-provider"
    severity = Severity.ERROR


class UnknownModel(Rule):
    """The model is unknown: to the catalog (a hosted provider's), or to Copilot (in a Copilot file).

    ## Why it matters
    Usually a typo (`gpt4o`), or a model the provider retired: the first run fails with a
    "model not found" error. Its context window, limits and prices are unknown, so promptls can
    check none of them.

    ## How to fix
    Use the suggested id (the quick fix applies it) or pick one with `promptls models QUERY`. If
    the model is real but newer than the shipped catalog, describe it under `[models."id"]` in
    promptls.toml. Models of local providers (Ollama, declared local servers) are not reported.
    In a Copilot file, pick a name Copilot's model picker offers (its list ships with promptls,
    dated; the message says as of when): VS Code runs a model it does not know on the chat's model.
    """

    code = "PLS203"
    name = "unknown-model"
    severity = Severity.WARNING


class ModelNotNativeToDialect(Rule):
    """The model is written in a form the prompt file's own tool does not accept.

    ## Why it matters
    Claude Code runs only Anthropic models (`sonnet`, `opus`, `haiku`, `inherit` or a `claude-…`
    id); Copilot takes the names of its model picker; Genkit expects its plugin prefixes
    (`googleai/…`). The tool rejects or ignores a model it cannot name, even though promptls can
    run it.

    ## How to fix
    Keep the file valid for its tool and assign the model in promptls.toml instead
    (`[agents.NAME] model = "openrouter/..."`), or use the spelling the message suggests.
    """

    code = "PLS204"
    name = "model-not-native"
    severity = Severity.WARNING


class DeprecatedModel(Rule):
    """The model is deprecated by its provider, or already retired.

    ## Why it matters
    Deprecated models stop answering on their retirement date, and every prompt on them fails
    with it. A model already past that date is reported as an error; one with the date still
    ahead, as a warning that says how many days are left.

    A Copilot file runs on what Copilot offers, not on the provider's API: a name Copilot retired
    is a warning (VS Code runs the chat's model instead), and a provider's retirement of a model
    Copilot still offers is at most a warning (only promptls's own runs on the API fail).

    ## How to fix
    Switch to the replacement the message suggests (the quick fix applies it), or another
    current model from `promptls models`.
    """

    code = "PLS205"
    name = "deprecated-model"
    severity = Severity.WARNING


class BadFallbackModel(Rule):
    """A fallback chain names a model that is invalid, of an unknown provider, or unknown.

    ## Why it matters
    The fallback is only needed when the first model fails: a broken entry is found out at the
    worst moment.

    ## How to fix
    Fix the id as the message says, or remove it from the chain.
    """

    code = "PLS206"
    name = "bad-fallback-model"
    severity = Severity.WARNING


class ParameterOutOfRange(Rule):
    """A run parameter is outside what the key or the resolved model accepts.

    ## Why it matters
    Providers answer an out-of-range `temperature`, `top_p` or `max_tokens` with a 400 error, so
    the run fails (and a fallback is tried for nothing). Anthropic accepts temperatures up to 1;
    `max_tokens` must not exceed the model's maximum output.

    ## How to fix
    Use a value within the range the message gives.
    """

    code = "PLS207"
    name = "parameter-out-of-range"
    severity = Severity.ERROR


class UndefinedProfile(Rule):
    """A prompt names a routing profile or tier that no settings file defines.

    ## Why it matters
    `profile: reviw` or `tier: heavy` without a `[tiers]` entry chooses nothing: the prompt
    silently runs on the default model instead.

    ## How to fix
    Use a built-in profile (`fast`, `general`, `code`, `creative`), or define it in promptls.toml:

        [profiles.review]
        min_context = 100000
        capabilities = ["tools"]
        prefer = ["claude-sonnet", "gpt-5"]

        [tiers]
        heavy = "anthropic/claude-opus-4-1"
    """

    code = "PLS208"
    name = "undefined-profile"
    severity = Severity.WARNING


class UnresolvableModel(Rule):
    """promptls cannot tell which model a prompt file's model setting runs.

    ## Why it matters
    A Prompty file may name an Azure deployment (`provider: foundry`, v1's `azure_deployment`): a name
    you chose in Azure, not a model id. Which model it runs is known only to Azure, so promptls can
    neither check it nor estimate its cost, and `promptls run` uses your default model instead. The
    same holds for a provider promptls cannot reach (an Azure serverless endpoint) and for a model of
    an embedding or image API (`apiType: embedding`), which promptls neither checks nor runs. The file
    itself is fine: this is said once, as information.

    ## How to fix
    Tell promptls the model the deployment runs, in promptls.toml:

        [prompts."prompts/support.prompty"]
        model = "openai/gpt-4o"

    or, for a model of OpenAI or Anthropic, write it with its provider (`provider: openai`,
    `id: gpt-4o`).
    """

    code = "PLS209"
    name = "unresolvable-model"
    severity = Severity.INFO
