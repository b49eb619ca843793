"""An upstream failure in the client's shape: Anthropic's or OpenAI's error body, status and headers.

    kind                    status  Anthropic type           OpenAI type / code
    bad-request             400     invalid_request_error    invalid_request_error
    context-too-long        400     invalid_request_error    invalid_request_error / context_length_exceeded
      (the message starts "prompt is too long", which Claude Code reads to compact the conversation)
    content-filtered        400     invalid_request_error    invalid_request_error / content_filter
    unsupported             400     invalid_request_error    invalid_request_error
    missing-key, auth       401     authentication_error     authentication_error / invalid_api_key
      (promptls's key for the upstream: the message says which and how to set it)
    rate-limited            429     rate_limit_error         rate_limit_error / rate_limit_exceeded,
                                    with `Retry-After` (whole seconds, rounded up) when known
    timeout                 504     timeout_error            timeout
    unavailable             the upstream's 5xx, else 502: api_error; 529 or 503: overloaded_error
                                    (529 for Anthropic clients, 503 for OpenAI's)
    stream-broken           502     api_error                server_error
    cancelled               499     api_error                server_error (nobody is listening)

`error_event(err)` is the `error` event that ends an Anthropic stream that broke after it began.
"""

from __future__ import annotations

import math
from typing import Any, Literal

from promptls.adapters.errors import AdapterError

Shape = Literal["anthropic", "openai"]

_BY_KIND: dict[str, tuple[int, str, str, str | None]] = {
    "bad-request": (400, "invalid_request_error", "invalid_request_error", None),
    "context-too-long": (400, "invalid_request_error", "invalid_request_error", "context_length_exceeded"),
    "content-filtered": (400, "invalid_request_error", "invalid_request_error", "content_filter"),
    "unsupported": (400, "invalid_request_error", "invalid_request_error", None),
    "missing-key": (401, "authentication_error", "authentication_error", "invalid_api_key"),
    "auth": (401, "authentication_error", "authentication_error", "invalid_api_key"),
    "rate-limited": (429, "rate_limit_error", "rate_limit_error", "rate_limit_exceeded"),
    "timeout": (504, "timeout_error", "timeout", None),
    "stream-broken": (502, "api_error", "server_error", None),
    "cancelled": (499, "api_error", "server_error", None),
}


def error_payload(err: AdapterError, shape: Shape) -> tuple[int, dict[str, str], dict[str, Any]]:
    """(status, headers, JSON body) for the client (see the module docstring)."""
    status, anthropic_type, openai_type, code = _BY_KIND.get(
        err.kind, (502, "api_error", "server_error", None)
    )
    if err.kind == "unavailable":
        upstream = err.status or 0
        if upstream in (503, 529):
            status, anthropic_type = (529 if shape == "anthropic" else 503), "overloaded_error"
        elif 500 <= upstream < 600:
            status = upstream
    headers: dict[str, str] = {}
    if err.retry_after is not None:
        headers["retry-after"] = str(max(math.ceil(err.retry_after), 0))
    message = client_message(err)
    if shape == "anthropic":
        return status, headers, {"type": "error", "error": {"type": anthropic_type, "message": message}}
    body = {"error": {"message": message, "type": openai_type, "param": None, "code": code}}
    return status, headers, body


def client_message(err: AdapterError) -> str:
    """What the client is told: which model failed, and why (never a key: adapters keep them out)."""
    if err.kind == "context-too-long":  # Claude Code compacts on this prefix
        return f"prompt is too long: {err.model or 'the model'} ({err.provider}) says: {err.message}"
    who = f"{err.provider}/{err.model}" if err.provider and err.model else err.provider or err.model
    return f"{who}: {err.describe()}" if who else err.describe()


def error_event(err: AdapterError) -> dict[str, Any]:
    """The `error` event that ends an Anthropic stream after it began."""
    _, _, body = error_payload(err, "anthropic")
    return body
