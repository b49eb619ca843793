"""Which providers need a key and where each one's key comes from, for `promptls keys` and editors.

The key itself never leaves here except masked (`sk-…1234`) in `key`, which editors do not get.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from promptls.adapters.keys import KeyringUnavailable
    from promptls.router.settings.discover import ProjectSettings


class Provider(NamedTuple):
    name: str
    env_var: str | None
    """A declared provider's `api_key_env`; None means the built-in variables."""
    needs_key: bool


def providers(settings: ProjectSettings | None = None) -> dict[str, Provider]:
    """Built-in providers, then those declared in `settings` (default: the current project's)."""
    from promptls.router.models.modelid import BUILTIN_PROVIDERS
    from promptls.router.resolution.resolve import declared_providers, is_local_provider
    from promptls.router.settings import SettingsLoader

    if settings is None:
        from promptls.cli.session import project_root

        settings = SettingsLoader().for_directory(project_root())
    declared = declared_providers(settings)
    found = {}
    for name in dict.fromkeys((*BUILTIN_PROVIDERS, *declared)):
        table = declared.get(name) or {}
        env_var = table.get("api_key_env") if isinstance(table.get("api_key_env"), str) else None
        found[name] = Provider(name, env_var, bool(env_var) or not is_local_provider(name, declared))
    return found


def find_provider(name: str, known: dict[str, Provider]) -> Provider:
    """`known[name]`; else ValueError saying which providers there are (never echoing a key typed
    where the provider's name belongs)."""
    from promptls.adapters.keys import looks_like_key

    if name in known:
        return known[name]
    if looks_like_key(name):
        shown = "(not shown: it looks like a key; never put a key on the command line)"
    else:
        shown = f"`{name}`"
    raise ValueError(f"unknown provider {shown}; known: {', '.join(known)}")


def key_status(
    provider: Provider, env: Mapping[str, str], ask_keyring: bool = True
) -> tuple[dict[str, Any], KeyringUnavailable | None]:
    """One provider's line of `keys list` (never the key itself), and the keyring's failure if any."""
    from promptls.adapters.keys import (
        SOURCE_KEYRING,
        SOURCE_NONE,
        KeyringUnavailable,
        env_vars_for,
        from_environment,
        masked,
        missing_key_message,
        stored_key,
    )

    row: dict[str, Any] = {
        "provider": provider.name,
        "needs_key": provider.needs_key,
        "source": SOURCE_NONE,
        "key": None,
        "env_vars": list(env_vars_for(provider.name, provider.env_var)),
        "in_keyring": None,
        "overrides_keyring": False,
        "hint": None,
    }
    if not provider.needs_key:
        return row, None
    problem = None
    found = from_environment(provider.name, env, provider.env_var)
    stored = None
    if ask_keyring:
        try:
            stored = stored_key(provider.name, provider.env_var)
            row["in_keyring"] = stored is not None
        except KeyringUnavailable as exc:
            problem = exc
    if found.value:
        row.update(source=found.source, key=masked(found.value), overrides_keyring=stored is not None)
    elif stored:
        row.update(source=SOURCE_KEYRING, key=masked(stored))
    else:
        if row["in_keyring"] is None:
            row["source"] = "unknown (the OS keyring is unavailable)"
        row["hint"] = missing_key_message(provider.name, provider.env_var)
    return row, problem
