"""Keys out of text: what promptls writes down (the ledger, a log) never holds a provider key.

    redact_keys(text)          anything shaped like a provider API key becomes `[redacted]`
    scrub(text, secrets)       the keys a run used, and anything key-shaped, become `[redacted]`

Beside `keys.py`, which knows where keys are kept; this module knows what they look like.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# Shapes of provider keys; whatever matches is never written down.
_KEY_SHAPES = re.compile(
    # OpenAI (sk-, sk-proj-), OpenRouter (sk-or-v1-), Anthropic (sk-ant-); a digit somewhere, so that
    # a file called `sk-learning-notes-draft.md` keeps its name
    r"\bsk-(?=[A-Za-z_\-]*[0-9])[A-Za-z0-9_\-]{16,}"
    r"|\bAIza[0-9A-Za-z_\-]{30,}"  # Google (Gemini) API keys
    r"|\bgsk_[A-Za-z0-9]{20,}"  # Groq
    r"|\bxai-[A-Za-z0-9]{20,}"  # xAI
    r"|\bhf_[A-Za-z0-9]{30,}"  # Hugging Face
    r"|(?<=Bearer )[A-Za-z0-9_\-.=]{16,}"  # an echoed Authorization header
)
REDACTED = "[redacted]"
MIN_SECRET = 4
"""Shorter "secrets" (a local server's dummy key `x`) are not searched for: they would shred the text."""


def redact_keys(text: str) -> str:
    """`text` with anything shaped like a provider API key replaced by `[redacted]`."""
    return _KEY_SHAPES.sub(REDACTED, text)


def scrub(text: str | None, secrets: Iterable[str | None] = ()) -> str | None:
    """`text` without the given secrets (the keys a run used) nor anything shaped like a key."""
    if text is None:
        return None
    for secret in sorted({s for s in secrets if s and len(s) >= MIN_SECRET}, key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    return redact_keys(text)
