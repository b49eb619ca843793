"""Live model lists and details cached on disk, with stated freshness.

    lists             fresh for 60 s (`LIST_TTL`)      one model's details   fresh for 5 min (`DETAILS_TTL`)
    --refresh         asks the provider even when the cache is fresh
    --offline         never asks: the cached data (its age said, marked stale past its freshness),
                      or "no cached data"
    unreachable       (any failure) the last cached data, marked stale with its age; or the failure
                      and "no cached data"
    pull / rm         invalidate the provider's list and that model's details (`invalidate`)

One JSON file per entry under the user cache folder (platformdirs: `~/.cache/promptls/models` on
Linux), written whole then renamed, so a reader never sees half a file; a file that cannot be read
is no entry. Entries are keyed by provider and endpoint address, so two servers never share one. The
clock is injectable (`ModelCache(clock=...)`): tests prove the freshness without sleeping.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from collections.abc import Callable
from typing import Any, NamedTuple

from promptls.adapters.discovery.live import OFFLINE, OK, Listing, LiveModel, ModelDetails, State
from promptls.adapters.model_cache_files import default_directory, file_name

LIST_TTL = 60.0
DETAILS_TTL = 300.0


class Cached(NamedTuple):
    data: Any
    fetched_at: float


MAX_CACHE_FILE_BYTES = 32 * 1024 * 1024
"""The largest cached list promptls reads back (OpenRouter's whole list is a few MB)."""


def describe_age(seconds: float) -> str:
    """`42 s`, `3 min`, `5 h`, `2 days`: how old cached data is."""
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} min"
    if seconds < 36 * 3600:
        return f"{seconds / 3600:.0f} h"
    return f"{seconds / 86400:.0f} days"


class ModelCache:
    def __init__(
        self, directory: str | os.PathLike[str] | None = None, clock: Callable[[], float] = time.time
    ) -> None:
        # Plain strings: `pathlib` costs `promptls check` a few ms of start-up for nothing.
        self.directory = os.fspath(directory) if directory else default_directory()
        self.clock = clock

    # ---- the policy ------------------------------------------------------------------------------

    def listing(
        self,
        provider: str,
        where: str,
        fetch: Callable[[], Listing],
        *,
        refresh: bool = False,
        offline: bool = False,
    ) -> Listing:
        """`provider`'s list at `where`: from the cache while fresh, else from `fetch` (and cached);
        when `fetch` fails or `offline`, the cached list marked with its age (stale past 60 s, or
        when the provider failed just now)."""
        path = self._path("list", provider, where)
        cached = self._read(path)
        now = self.clock()
        if offline:
            if cached is None:
                return Listing(provider, OFFLINE, "not asked (--offline) and no cached data", source="none")
            stale = now - cached.fetched_at > LIST_TTL
            return self._cached_listing(provider, OK, cached, stale, now, "offline")
        if cached is not None and not refresh and now - cached.fetched_at <= LIST_TTL:
            return self._cached_listing(provider, OK, cached, False, now, "")
        live = fetch()
        if live.state == OK:
            fetched_at = self.clock()
            self._write(path, [model.to_json() for model in live.models], fetched_at)
            return live._replace(fetched_at=fetched_at, source="live", stale=False)
        if cached is None:
            return live._replace(message=f"{live.message} (no cached data)", source="none")
        listing = self._cached_listing(provider, live.state, cached, True, now, live.message)
        return listing._replace(latency_ms=live.latency_ms)

    def details(
        self,
        provider: str,
        where: str,
        name: str,
        fetch: Callable[[], ModelDetails],
        *,
        refresh: bool = False,
        offline: bool = False,
    ) -> ModelDetails:
        """One model's facts, as `listing` does it, fresh for 5 minutes."""
        path = self._path("details", provider, where, name)
        cached = self._read(path)
        now = self.clock()
        if offline:
            if cached is None:
                return ModelDetails(
                    provider, name, OFFLINE, "not asked (--offline) and no cached data", source="none"
                )
            return self._cached_details(
                provider, name, OK, cached, now - cached.fetched_at > DETAILS_TTL, now, "offline"
            )
        if cached is not None and not refresh and now - cached.fetched_at <= DETAILS_TTL:
            return self._cached_details(provider, name, OK, cached, False, now, "")
        live = fetch()
        if live.state == OK:
            fetched_at = self.clock()
            self._write(path, dict(live.facts), fetched_at)
            return live._replace(fetched_at=fetched_at, source="live", stale=False)
        if cached is None:
            return live._replace(message=f"{live.message} (no cached data)", source="none")
        return self._cached_details(provider, name, live.state, cached, True, now, live.message)

    def invalidate(self, provider: str, where: str, name: str | None = None) -> None:
        """Forget `provider`'s list at `where` and, when `name` is given, that model's details (what
        a pull or a removal changes)."""
        paths = [self._path("list", provider, where)]
        if name is not None:
            paths.append(self._path("details", provider, where, name))
            if ":" not in name:
                paths.append(self._path("details", provider, where, f"{name}:latest"))
            elif name.endswith(":latest"):
                paths.append(self._path("details", provider, where, name.removesuffix(":latest")))
        for path in paths:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(path)

    # ---- the files -------------------------------------------------------------------------------

    def _path(self, kind: str, provider: str, where: str, name: str = "") -> str:
        return os.path.join(self.directory, file_name(kind, provider, where, name))

    def _read(self, path: str) -> Cached | None:
        from promptls.router.base.reading import Unreadable, read_bytes

        data = read_bytes(path, MAX_CACHE_FILE_BYTES)
        if isinstance(data, Unreadable):
            return None
        try:
            record = json.loads(data)
            fetched_at = float(record["fetched_at"])
            return Cached(record["data"], fetched_at)
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def _write(self, path: str, data: Any, fetched_at: float) -> None:
        try:
            os.makedirs(self.directory, exist_ok=True)
            folder, name = os.path.split(path)
            temporary = os.path.join(folder, f".{name}.{os.getpid()}.tmp")
            with open(temporary, "w", encoding="utf-8") as out:
                out.write(json.dumps({"fetched_at": fetched_at, "data": data}))
            os.replace(temporary, path)
        except OSError:
            pass  # a read-only or full disk: the live answer is still shown, just not kept

    def _cached_listing(
        self, provider: str, state: State, cached: Cached, stale: bool, now: float, why: str
    ) -> Listing:
        models = tuple(LiveModel.from_json(m) for m in cached.data if isinstance(m, dict))
        age = describe_age(max(0.0, now - cached.fetched_at))
        note = f"cached {age} ago" + (", stale" if stale else "")
        message = f"{why}; {note}" if why else note
        return Listing(provider, state, message, models, None, cached.fetched_at, "cache", stale)

    def _cached_details(
        self, provider: str, name: str, state: State, cached: Cached, stale: bool, now: float, why: str
    ) -> ModelDetails:
        facts = cached.data if isinstance(cached.data, dict) else {}
        age = describe_age(max(0.0, now - cached.fetched_at))
        note = f"cached {age} ago" + (", stale" if stale else "")
        message = f"{why}; {note}" if why else note
        return ModelDetails(provider, name, state, message, facts, cached.fetched_at, "cache", stale)
