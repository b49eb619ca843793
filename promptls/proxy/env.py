"""The environment a client needs to use the proxy, and that environment as each shell writes it.

Claude Code reads `ANTHROPIC_BASE_URL` and sends `ANTHROPIC_AUTH_TOKEN` as a bearer token; its
documented switches stop it calling home besides (telemetry, error reports, the auto-updater and the
other non-essential traffic). OpenAI's SDKs read `OPENAI_BASE_URL` (with `/v1`) and `OPENAI_API_KEY`.
The clients' tokens are only the proxy's own (never a provider key): the proxy forwards no client
header upstream.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

QUIET_CLAUDE_CODE = {
    "DISABLE_TELEMETRY": "1",
    "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
    "DISABLE_AUTOUPDATER": "1",
    "DISABLE_ERROR_REPORTING": "1",
}
"""Claude Code's documented switches that keep it from calling Anthropic besides the proxy."""

NO_TOKEN = "promptls"
"""What clients send when the proxy checks no token: Claude Code asks for a login without one."""

SHELLS = ("bash", "fish", "powershell")


class ClientVar(NamedTuple):
    name: str
    value: str
    from_env: str | None = None
    """The variable holding the value (the proxy's token): written as a reference, never its value."""


def client_variables(base_url: str, token_env: str | None) -> list[ClientVar]:
    """The variables for Claude Code and OpenAI clients of a proxy at `base_url`; `token_env` names
    the variable holding the proxy's token, when it checks one."""
    token = ClientVar("", NO_TOKEN, token_env)
    return [
        ClientVar("ANTHROPIC_BASE_URL", base_url),
        token._replace(name="ANTHROPIC_AUTH_TOKEN"),
        *(ClientVar(name, value) for name, value in QUIET_CLAUDE_CODE.items()),
        ClientVar("OPENAI_BASE_URL", f"{base_url}/v1"),
        token._replace(name="OPENAI_API_KEY"),
    ]


def child_environment(
    env: Mapping[str, str], variables: list[ClientVar], token: str | None
) -> dict[str, str]:
    """`env` with the client variables set (the token's value itself, for a child process)."""
    out = dict(env)
    # A provider key in the environment would make Claude Code send it (as x-api-key) in place of
    # the proxy's token; the proxy never forwards it, but it need not travel at all.
    out.pop("ANTHROPIC_API_KEY", None)
    for var in variables:
        out[var.name] = token if (var.from_env and token) else var.value
    return out


def render(variables: list[ClientVar], shell: str) -> str:
    """The lines that set `variables` in `shell` (bash also for zsh and sh)."""
    lines = []
    for var in variables:
        if shell == "fish":
            value = f"${var.from_env}" if var.from_env else _quote_posix(var.value)
            lines.append(f"set -gx {var.name} {value}")
        elif shell == "powershell":
            value = f"$env:{var.from_env}" if var.from_env else "'" + var.value.replace("'", "''") + "'"
            lines.append(f"$env:{var.name} = {value}")
        else:
            value = f'"${{{var.from_env}}}"' if var.from_env else _quote_posix(var.value)
            lines.append(f"export {var.name}={value}")
    return "\n".join(lines) + "\n"


def _quote_posix(value: str) -> str:
    if value and all(ch.isalnum() or ch in "-_./:@%+=," for ch in value):
        return value
    return "'" + value.replace("'", "'\\''") + "'"
