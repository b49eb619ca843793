"""What can go wrong when a model is called, as data the executor decides on.

    AdapterError                  base: provider, model, a message that never holds a secret
    ├── MissingKey                no key configured        -> next model (says how to set one)
    ├── AuthError                 401/403                  -> next model, no retry
    ├── BadRequest                400, 404, 422            -> next model, no retry
    │   └── ContextTooLong        the prompt does not fit  -> next model, no retry
    ├── ContentFiltered           refused by a filter      -> next model, no retry
    ├── Unsupported               promptls cannot call this kind of provider (yet) -> next model
    ├── RateLimited               429 (Retry-After)        -> retry with backoff, then next model
    ├── Timeout                   no answer in time        -> retry, then next model
    │   └── NoFirstToken          headers, then nothing (or only keep-alives) until the first-token
    │                             deadline: queued or loading  -> next model at once (a retry would
    │                             wait as long again)
    ├── Unavailable               5xx, connection refused/reset -> retry, then next model
    ├── StreamBroken              failed after the first token reached the user -> stop, keep the text
    └── Cancelled                 the user cancelled the run (not the provider's fault) -> stop, keep the text

Each adapter maps its SDK's exceptions to these in one place (by type and status code, never by
matching message text), with `raise ... from`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar


class AdapterError(Exception):
    """A failed model call. `str(error)` is safe to show: adapters never put keys in messages."""

    kind: ClassVar[str] = "error"
    retryable: ClassVar[bool] = False
    """Worth trying the same model again (after a pause)."""

    def __init__(
        self,
        message: str,
        *,
        provider: str = "",
        model: str = "",
        status: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.provider = provider
        self.model = model
        self.status = status
        self.retry_after = retry_after

    def describe(self) -> str:
        """`rate-limited (429): ...` — what the status line and the ledger say."""
        status = f" ({self.status})" if self.status else ""
        return f"{self.kind}{status}: {self.message}"


class MissingKey(AdapterError):
    kind = "missing-key"


class AuthError(AdapterError):
    kind = "auth"


class BadRequest(AdapterError):
    kind = "bad-request"


class ContextTooLong(BadRequest):
    kind = "context-too-long"


class ContentFiltered(AdapterError):
    kind = "content-filtered"


class Unsupported(AdapterError):
    kind = "unsupported"


class RateLimited(AdapterError):
    kind = "rate-limited"
    retryable = True


class Timeout(AdapterError):
    kind = "timeout"
    retryable = True


class NoFirstToken(Timeout):
    """The model accepted the request but sent no text before `first_token_timeout`: it is queued or
    still loading. Waiting for it again would cost the same deadline again, so the run falls back."""

    retryable = False


class Unavailable(AdapterError):
    kind = "unavailable"
    retryable = True


class StreamBroken(AdapterError):
    """The stream failed after text reached the user: no retry, no fallback (it would mix answers)."""

    kind = "stream-broken"

    @classmethod
    def after(cls, error: AdapterError, provider: str, model: str) -> StreamBroken:
        """`error`, met after the answer began: what the caller must report instead of retrying."""
        return cls(
            f"the stream broke after the answer began: {error.describe()}",
            provider=provider,
            model=model,
            status=error.status,
        )


class Cancelled(AdapterError):
    """The run was cancelled (an editor's Cancel): the request was closed, no other model is tried."""

    kind = "cancelled"


def from_status(status: int, message: str, **context: object) -> AdapterError:
    """The error class an HTTP status means (for adapters whose SDK reports only a status)."""
    retry_after = context.pop("retry_after", None)
    cls: type[AdapterError]
    if status in (401, 403):
        cls = AuthError
    elif status == 429:
        cls = RateLimited
    elif status == 408:
        cls = Timeout
    elif status >= 500:
        cls = Unavailable
    else:
        cls = BadRequest
    return cls(message, status=status, retry_after=retry_after, **context)  # type: ignore[arg-type]


def retry_after_seconds(value: str, now: float | None = None) -> float | None:
    """A `Retry-After` value in seconds, or as an HTTP date; None if it is neither."""
    import email.utils
    import time
    from datetime import UTC

    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(when.timestamp() - (time.time() if now is None else now), 0.0)


def retry_after_from_headers(headers: Mapping[str, str] | None, now: float | None = None) -> float | None:
    """Seconds to wait, from `retry-after-ms`, or `Retry-After` in seconds or as an HTTP date."""
    if not headers:
        return None
    headers = {name.lower(): value for name, value in headers.items()}
    milliseconds = headers.get("retry-after-ms")
    if milliseconds is not None:
        try:
            return max(float(milliseconds) / 1000, 0.0)
        except ValueError:
            pass
    value = headers.get("retry-after")
    return None if value is None else retry_after_seconds(value, now)
