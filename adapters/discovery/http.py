"""One JSON GET with a deadline, its failures sorted into the states a `Listing` reports.

Model lists of OpenAI-compatible servers, OpenRouter and LM Studio's REST API are read with httpx
directly (every SDK promptls uses brings it): their extra fields (prices, context, loaded or not) are
what discovery is for, and an SDK's model object drops or renames them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from promptls.adapters.discovery.live import ERROR, REFUSED, UNREACHABLE, State


class DiscoveryError(Exception):
    """A provider that gave no usable answer; `state` says which kind of failure it was."""

    def __init__(self, state: State, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.state = state
        self.message = message
        self.status = status


def get_json(
    url: str,
    *,
    deadline: float,
    headers: Mapping[str, str] | None = None,
    secret: str | None = None,
) -> Any:
    """The decoded JSON body of `GET url`; `DiscoveryError` for anything else. `secret` (a key sent
    in `headers`) is masked out of every message."""
    import httpx

    try:
        response = httpx.get(url, headers=dict(headers or {}), timeout=deadline, follow_redirects=True)
    except httpx.TimeoutException as exc:
        raise DiscoveryError(UNREACHABLE, f"no answer from {url} within {deadline:g} s") from exc
    except httpx.ConnectError as exc:
        raise DiscoveryError(UNREACHABLE, f"nothing answers at {url} (not running?)") from exc
    except httpx.HTTPError as exc:  # other transport and protocol errors
        raise DiscoveryError(UNREACHABLE, _masked(f"{url}: {exc} ({type(exc).__name__})", secret)) from exc
    if response.status_code in (401, 403):
        raise DiscoveryError(
            REFUSED, f"{url} refused the key (HTTP {response.status_code})", response.status_code
        )
    if response.status_code != 200:
        detail = _masked(" ".join(response.text.split())[:200], secret)
        raise DiscoveryError(
            ERROR, f"{url} answered HTTP {response.status_code}: {detail}", response.status_code
        )
    try:
        return response.json()
    except ValueError as exc:
        raise DiscoveryError(ERROR, f"{url} answered 200 with a body that is not JSON") from exc


def _masked(text: str, secret: str | None) -> str:
    return text.replace(secret, "***") if secret else text
