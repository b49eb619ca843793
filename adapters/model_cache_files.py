"""Where the model cache keeps its files, and their names: apart from `model_cache`, so that a
command that only asks "is anything cached for this provider?" (`promptls check`, for PLS210) pays for
`os.listdir`, not for the cache and the discovery modules."""

from __future__ import annotations

import os


def default_directory() -> str:
    import platformdirs

    return os.path.join(platformdirs.user_cache_dir("promptls"), "models")


def file_name(kind: str, provider: str, where: str, name: str = "") -> str:
    """`list-ollama-<digest>.json`, `details-…`: a provider's list or one model's details at `where`."""
    import hashlib

    digest = hashlib.sha256(f"{provider}\0{where}\0{name}".encode()).hexdigest()[:20]
    return f"{kind}-{_safe(provider)}-{digest}.json"


def has_list(provider: str, directory: str | None = None) -> bool:
    """Is any list of `provider` cached (at any address)? False when the cache folder is missing."""
    prefix = f"list-{_safe(provider)}-"
    try:
        return any(entry.startswith(prefix) for entry in os.listdir(directory or default_directory()))
    except OSError:
        return False


def _safe(provider: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in provider)
