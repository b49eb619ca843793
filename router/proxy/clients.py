"""Which program sent a request, from its User-Agent: what the ledger's `client` column and
`promptls costs --by client` show.

User-Agents seen: Claude Code `claude-cli/2.1.332 (external, sdk-cli)`; the official SDKs
`Anthropic/Python 0.75.0`, `OpenAI/Python 2.8.1`, `OpenAI/JS 5.1.0`, `Anthropic/JS ...`; curl
`curl/8.14.1`. The first row whose marker the User-Agent starts with (case-insensitive) names it;
anything else is named by its first word, so an unknown client is still told apart.
"""

from __future__ import annotations

CLIENTS: tuple[tuple[str, str], ...] = (
    ("claude-cli/", "Claude Code"),
    ("claude-code/", "Claude Code"),
    ("anthropic/python", "Anthropic Python SDK"),
    ("anthropic/js", "Anthropic JS SDK"),
    ("openai/python", "OpenAI Python SDK"),
    ("openai/js", "OpenAI JS SDK"),
    ("curl/", "curl"),
)

UNKNOWN_CLIENT = "unknown"
MAX_NAME = 40


def client_name(user_agent: str | None) -> str:
    """The client's name: a known one, else the User-Agent's first word (at most 40 characters)."""
    text = (user_agent or "").strip()
    if not text:
        return UNKNOWN_CLIENT
    lowered = text.lower()
    for marker, name in CLIENTS:
        if lowered.startswith(marker):
            return name
    first = text.split()[0]
    return first[:MAX_NAME]
