"""Who may use the proxy: anyone on this machine when it listens on loopback; on any other address,
only a client that sends the token (`x-api-key`, or `Authorization: Bearer`).

The token comes from the environment (`PROMPTLS_PROXY_TOKEN`, or the variable `[proxy] token_env`
names), never from a file; it is compared in constant time, and never logged or forwarded.
"""

from __future__ import annotations

import hmac
import ipaddress
from collections.abc import Mapping

DEFAULT_TOKEN_ENV = "PROMPTLS_PROXY_TOKEN"
LOOPBACK_NAMES = frozenset({"localhost", "ip6-localhost", "ip6-loopback"})


def is_loopback(host: str) -> bool:
    """Whether `host` (as given to --host) reaches only this machine."""
    name = host.strip().strip("[]").lower()
    if name in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def sent_token(headers: Mapping[str, str]) -> str | None:
    """The token a client sent: `x-api-key` (Anthropic's SDKs), else a bearer token (OpenAI's SDKs,
    Claude Code's `ANTHROPIC_AUTH_TOKEN`). `headers` with lower-case names."""
    key = headers.get("x-api-key")
    if key:
        return key.strip()
    scheme, _, token = (headers.get("authorization") or "").partition(" ")
    return (token.strip() or None) if scheme.lower() == "bearer" else None


def token_ok(headers: Mapping[str, str], token: str) -> bool:
    sent = sent_token(headers)
    return sent is not None and hmac.compare_digest(sent.encode(), token.encode())
