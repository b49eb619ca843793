"""Provider API keys: the environment first, then the OS keyring (never a plain text file).

    lookup_key(provider, env)   -> KeyLookup(value, source)   the environment variable beats the keyring
    store_key / delete_key      the keyring entry (service "promptls", user = provider name)
    masked(key)                 what may be shown of a key: a known prefix and at most its last 4 characters
    missing_key_message(...)    names both fixes: `promptls keys set PROVIDER` and the variable

Every failure of the keyring (no usable backend, a locked collection, a missing D-Bus) becomes
`KeyringUnavailable`, whose message says what is wrong and how to fix it. The mapping from the
`keyring` library's exceptions is in `_keyring_errors()`, one place. `keyring` is imported only when a
key is looked up in it: importing this module costs nothing.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from types import ModuleType
from typing import NamedTuple

ENV_VARS: dict[str, tuple[str, ...]] = {
    "openai": ("OPENAI_API_KEY",),
    "openrouter": ("OPENROUTER_API_KEY",),
    "gemini": ("GEMINI_API_KEY", "GOOGLE_API_KEY"),
    "anthropic": ("ANTHROPIC_API_KEY",),
}
"""Where each built-in provider's key may be in the environment, first wins. Ollama needs no key
(`OLLAMA_HOST` says where it runs)."""

SERVICE = "promptls"
"""The keyring service name; the provider name is the keyring "username"."""

SOURCE_KEYRING = "OS keyring"
SOURCE_NONE = "none"


class KeyringUnavailable(Exception):
    """The OS keyring cannot be used; `str(error)` says why and what to do instead.

    `reason` is the why alone; `provider` (when known) makes the advice name its variable.
    """

    def __init__(self, reason: str, provider: str | None = None, env_var: str | None = None) -> None:
        self.reason = reason
        self.provider = provider
        names = env_vars_for(provider, env_var) if provider else ()
        if names:
            instead = f"set {' or '.join(names)} instead"
        elif provider:
            instead = f"name an environment variable with `api_key_env` under [providers.{provider}] instead"
        else:
            instead = "put the key in the provider's environment variable instead"
        super().__init__(
            f"cannot use the OS keyring: {reason}. To fix: install and unlock a Secret Service "
            "(gnome-keyring, KWallet or KeePassXC; on a headless machine run gnome-keyring-daemon in a "
            f"D-Bus session and unlock it with `gnome-keyring-daemon --unlock`), or {instead}."
        )


class KeyLookup(NamedTuple):
    value: str | None
    source: str
    """`environment (OPENAI_API_KEY)`, `OS keyring` or `none`."""


def env_vars_for(provider: str, env_var: str | None = None) -> tuple[str, ...]:
    """The variables that may hold the key: settings' `api_key_env` if given, else the built-in ones."""
    return (env_var,) if env_var else ENV_VARS.get(provider, ())


def lookup_key(provider: str, env: Mapping[str, str], env_var: str | None = None) -> KeyLookup:
    """The key for `provider`: from the environment if set there (non-empty), else from the keyring.

    `env_var` is a declared provider's `api_key_env`; without it the built-in variables are read.
    Raises `KeyringUnavailable` only when the keyring had to be asked and could not answer.
    """
    found = from_environment(provider, env, env_var)
    if found.value:
        return found
    value = stored_key(provider, env_var)
    if value:
        return KeyLookup(value, SOURCE_KEYRING)
    return KeyLookup(None, SOURCE_NONE)


def from_environment(provider: str, env: Mapping[str, str], env_var: str | None = None) -> KeyLookup:
    """The key from the environment alone (the keyring is not asked): source `none` if unset or blank."""
    for name in env_vars_for(provider, env_var):
        value = (env.get(name) or "").strip()
        if value:
            return KeyLookup(value, f"environment ({name})")
    return KeyLookup(None, SOURCE_NONE)


def stored_key(provider: str, env_var: str | None = None) -> str | None:
    """The key held in the OS keyring for `provider`, or None."""
    with _keyring(provider, env_var) as keyring:
        return keyring.get_password(SERVICE, provider) or None


def keyring_backend() -> str:
    """The name of the keyring backend keys would go to (`SecretService Keyring`); raises
    `KeyringUnavailable` when there is none. Reads no entry, so a locked keyring asks for nothing."""
    module = _usable_keyring("", None)
    backend = module.get_keyring()
    return str(getattr(backend, "name", None) or type(backend).__name__)


def store_key(provider: str, key: str, env_var: str | None = None) -> None:
    """Put `key` in the OS keyring (replacing any earlier one)."""
    if not key or key != key.strip():
        raise ValueError("a key must be non-empty and hold no surrounding whitespace")
    with _keyring(provider, env_var) as keyring:
        keyring.set_password(SERVICE, provider, key)


def delete_key(provider: str, env_var: str | None = None) -> bool:
    """Remove `provider`'s key from the OS keyring; False if there was none."""
    with _keyring(provider, env_var) as keyring:
        if keyring.get_password(SERVICE, provider) is None:
            return False
        keyring.delete_password(SERVICE, provider)
        return True


_VENDOR_PREFIXES = ("sk-ant-", "sk-proj-", "sk-or-", "sk-", "gsk_", "xai-", "AIza")
"""Fixed tags that open keys (Anthropic, OpenAI, OpenRouter, Groq, xAI, Google): shown, they reveal
nothing secret and tell keys apart."""
_SHORTEST_SHOWN = 16


def masked(key: str) -> str:
    """`sk-…a1b2`: a known vendor prefix and at most the last 4 characters; a key too short to spare
    4 characters shows nothing but `…`."""
    if len(key) < _SHORTEST_SHOWN:
        return "…"
    prefix = next((p for p in _VENDOR_PREFIXES if key.startswith(p)), "")
    return f"{prefix}…{key[-4:]}"


def looks_like_key(text: str) -> bool:
    """Whether a word typed where a name belongs is probably a key (so it must not be echoed)."""
    return text.startswith(_VENDOR_PREFIXES) or (len(text) >= 24 and not any(c in text for c in " ./"))


def missing_key_message(provider: str, env_var: str | None = None) -> str:
    """What a user reads when no key is found: the command and the variable that fix it."""
    names = env_vars_for(provider, env_var)
    store = f"run `promptls keys set {provider}` to store one in the OS keyring"
    if names:
        variable = names[0] + "".join(f" (or {other})" for other in names[1:])
        return f"no API key for {provider}: {store}, or set the environment variable {variable}"
    return (
        f"no API key for {provider}: {store}, or name an environment variable holding it with "
        f"`api_key_env` under [providers.{provider}] in promptls.toml"
    )


@contextmanager
def _keyring(provider: str, env_var: str | None) -> Iterator[ModuleType]:
    """`with _keyring(provider, env_var) as keyring:` — the `keyring` module with a usable backend;
    every keyring failure inside the block becomes `KeyringUnavailable`."""
    module = _usable_keyring(provider, env_var)
    try:
        yield module
    except KeyringUnavailable:
        raise
    except Exception as exc:
        if _reason(exc) is None:
            raise
        raise _mapped(exc, provider, env_var) from exc


def _usable_keyring(provider: str, env_var: str | None) -> ModuleType:
    try:
        import keyring
        from keyring.backends import chainer, fail, null
    except ImportError as exc:
        raise KeyringUnavailable(
            f"the `keyring` package is not installed ({exc})", provider, env_var
        ) from None
    try:
        backend = keyring.get_keyring()
    except Exception as exc:
        raise _mapped(exc, provider, env_var) from exc
    if isinstance(backend, fail.Keyring) or (
        isinstance(backend, chainer.ChainerBackend) and not backend.backends
    ):
        reason = "no usable keyring backend was found (is a Secret Service running?)"
        raise KeyringUnavailable(reason, provider, env_var)
    if isinstance(backend, null.Keyring):
        raise KeyringUnavailable(
            "the keyring is switched off (the `null` backend is configured)", provider, env_var
        )
    return keyring


def _mapped(exc: BaseException, provider: str, env_var: str | None) -> KeyringUnavailable:
    reason = _reason(exc) or "the keyring backend failed"
    return KeyringUnavailable(f"{reason} ({type(exc).__name__}: {exc})", provider, env_var)


def _keyring_errors() -> tuple[tuple[type[BaseException], str], ...]:
    """The one place where the keyring's exceptions (and those of the layers under it) are mapped to a
    reason, by type, most specific first. A key is never part of a reason."""
    from keyring import errors

    lower: list[tuple[type[BaseException], str]] = []
    try:  # the Secret Service client under keyring on Linux; keyring wraps most of its errors itself
        from secretstorage import exceptions as secretstorage_errors

        lower.append((secretstorage_errors.LockedException, "the keyring is locked"))
        lower.append((secretstorage_errors.SecretStorageException, "the Secret Service failed"))
    except ImportError:
        pass
    try:  # D-Bus, under secretstorage
        from jeepney import DBusErrorResponse

        lower.append((DBusErrorResponse, "the Secret Service answered with a D-Bus error"))
    except ImportError:
        pass
    return (
        (errors.KeyringLocked, "the keyring is locked"),
        (errors.NoKeyringError, "no keyring backend is available"),
        (errors.InitError, "the keyring could not be opened (locked, or its unlock prompt dismissed?)"),
        (errors.PasswordSetError, "the keyring refused to store the key"),
        (errors.PasswordDeleteError, "the keyring refused to delete the key"),
        (errors.KeyringError, "the keyring failed"),
        *lower,
        (OSError, "the keyring service cannot be reached (is D-Bus running?)"),
    )


def _reason(exc: BaseException) -> str | None:
    """Why the keyring failed, or None if `exc` is not a keyring failure (then it is a bug)."""
    for kind, reason in _keyring_errors():
        if isinstance(exc, kind):
            return reason
    return None
