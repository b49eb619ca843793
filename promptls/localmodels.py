"""This machine, as resolution's `local = "fit"` (or a list of local candidates) needs it: free memory
and the installed local models with what each needs at the context it will run with.

Read only when a resolution asks (`local_machine` returns a reader, called at most once). The
installed models come from the model cache (adapters/model_cache.py); a command may ask Ollama when
the cache is not fresh (`ask=True`, 1 s deadline), the language server never does (`ask=False`: the
cached list, of any age, said so in the explanation).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from promptls.adapters.discovery.live import Listing, ModelDetails
    from promptls.router.models.catalog import Catalog
    from promptls.router.models.fit import LocalMachine
    from promptls.router.settings.discover import ProjectSettings

DEADLINE = 1.0
"""Seconds Ollama gets to list its models for a resolution (a local server answers at once)."""


class MachineReader:
    """Reads this machine once, when first called (a resolution with a `local` setting calls it)."""

    def __init__(
        self, settings: ProjectSettings, catalog: Catalog, env: Mapping[str, str], ask: bool
    ) -> None:
        self._args = (settings, catalog, env)
        self._ask = ask
        self._read: dict[bool, LocalMachine | None] = {}

    def __call__(self) -> LocalMachine | None:
        return self.read(self._ask)

    def read(self, ask: bool) -> LocalMachine | None:
        if ask not in self._read:
            if not ask and True in self._read:  # what was asked is at least as good as the cache
                return self._read[True]
            self._read[ask] = _read(*self._args, ask)
        return self._read[ask]


def local_machine(
    settings: ProjectSettings, catalog: Catalog, env: Mapping[str, str], *, ask: bool = True
) -> MachineReader:
    return MachineReader(settings, catalog, env, ask)


def _read(
    settings: ProjectSettings, catalog: Catalog, env: Mapping[str, str], ask: bool
) -> LocalMachine | None:
    from promptls.adapters.discovery.providers import discover
    from promptls.adapters.model_cache import ModelCache, describe_age
    from promptls.adapters.resources import read_resources
    from promptls.cli.models_pull import num_ctx
    from promptls.cli.models_targets import targets
    from promptls.router.models.fit import LocalMachine, estimate, facts_from_ollama

    (target,) = targets(settings, catalog, env, ("ollama",))
    if target.endpoint is None:
        return None
    endpoint = target.endpoint
    models = ModelCache()
    listing = models.listing(
        "ollama",
        target.where,
        lambda: discover(endpoint, local=True, deadline=DEADLINE, clock=models.clock),
        offline=not ask,
    )
    age = listing.age(models.clock())
    if listing.source == "cache" and age is not None:
        note = f"Ollama's list cached {describe_age(age)} ago" + (", stale" if listing.stale else "")
    elif listing.source == "live":
        note = "Ollama's list now"
    else:
        note = f"Ollama's models are not known: {listing.message}"
    installed = {}
    for model in listing.models:
        details = models.details("ollama", target.where, model.name, _never_asked, offline=True)
        facts = facts_from_ollama({**model.to_json(), **dict(details.facts)}, model.size_bytes)
        installed[f"ollama/{model.name}"] = estimate(facts, num_ctx(settings, "ollama", model.name))
    resources = read_resources()
    return LocalMachine(resources.free_for_model, installed, num_ctx(settings, "ollama", ""), note)


def _never_asked() -> ModelDetails:
    raise AssertionError("offline: the cache never asks")


def fit_warning(model_id: str, machine: MachineReader) -> str | None:
    """For a run on a local Ollama model: a warning when it will not fit in free memory (the run still
    goes ahead: a model that fails to load falls back like any failure). From the cached list (a run
    does not ask Ollama for it), unless resolution asked already."""
    if not model_id.startswith("ollama/"):
        return None
    from promptls.router.models.fit import describe

    known = machine.read(ask=False)
    needed = known.installed.get(model_id) if known is not None else None
    if known is None or needed is None or needed.total <= known.free:
        return None
    return (
        f"warning: {model_id} {describe(needed, known.free)}: it may not load "
        "(a model that fails to load falls back like any failure)"
    )


def installed_models(settings: ProjectSettings, catalog: Catalog, env: Mapping[str, str]) -> list[str]:
    """The local models on this machine as the cache last saw them (Ollama, and declared servers on
    this machine): for completion, which never waits on the network."""
    from promptls.adapters.model_cache import ModelCache
    from promptls.cli.models_targets import targets
    from promptls.router.resolution.resolve import declared_providers, is_local_provider

    declared = declared_providers(settings)
    local = [name for name in ("ollama", *declared) if is_local_provider(name, declared)]
    models = ModelCache()
    out: list[str] = []
    for target in targets(settings, catalog, env, tuple(dict.fromkeys(local))):
        if target.endpoint is None:
            continue
        listing = models.listing(target.provider, target.where, _never_listed, offline=True)
        out += [f"{target.provider}/{m.name}" for m in listing.models if m.installed is not False]
    return out


def local_state(
    model_id: str, settings: ProjectSettings, catalog: Catalog, env: Mapping[str, str]
) -> str | None:
    """For the hover of a local model: installed / loaded / not installed, from the cached list with
    its age (stale past its freshness); None for a model that is not local."""
    from promptls.adapters.model_cache import ModelCache, describe_age
    from promptls.cli.models_targets import targets
    from promptls.router.resolution.resolve import declared_providers, is_local_provider

    provider, _, name = model_id.partition("/")
    if not name or not is_local_provider(provider, declared_providers(settings)):
        return None
    (target,) = targets(settings, catalog, env, (provider,))
    models = ModelCache()
    listing = models.listing(provider, target.where, _never_listed, offline=True)
    if listing.source != "cache":
        return f"not known yet (`promptls models list --provider {provider}` reads what {provider} has)"
    age = describe_age(listing.age(models.clock()) or 0.0)
    seen = f"{provider}'s list, cached {age} ago" + (", stale" if listing.stale else "")
    found = listing.find(name)
    if found is None:
        pull = (
            f": `promptls models pull {model_id}`"
            if target.endpoint and target.endpoint.kind == "ollama"
            else ""
        )
        return f"not installed{pull} ({seen})"
    return ("installed, loaded" if found.loaded else "installed") + f" ({seen})"


def _never_listed() -> Listing:
    raise AssertionError("offline: the cache never asks")


def installed_lookup(
    settings: ProjectSettings, catalog: Catalog, env: Mapping[str, str]
) -> Callable[[str], frozenset[str] | None]:
    """For `check_prompt(installed=...)`: a local provider's installed model names as the model cache
    last saw them (None: nothing cached, so nothing is known), read once per provider when a prompt
    names one of its models. Never asks the provider."""
    known: dict[str, frozenset[str] | None] = {}

    def lookup(provider: str) -> frozenset[str] | None:
        if provider not in known:
            known[provider] = _cached_names(settings, catalog, env, provider)
        return known[provider]

    return lookup


def _cached_names(
    settings: ProjectSettings, catalog: Catalog, env: Mapping[str, str], provider: str
) -> frozenset[str] | None:
    from promptls.adapters.model_cache_files import has_list

    if not has_list(provider):  # the common case: nothing cached, nothing more to import or read
        return None
    from promptls.adapters.model_cache import ModelCache
    from promptls.cli.models_targets import address

    _, where = address(provider, settings, catalog, env)
    listing = ModelCache().listing(provider, where, _never_listed, offline=True)
    if listing.source != "cache":
        return None
    return frozenset(m.name for m in listing.models if m.installed is not False)
