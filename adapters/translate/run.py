"""Walk a fallback plan for one Anthropic Messages request, as `promptls run` walks one for a prompt.

    run = MessagesRun(plan, body, env, cancel=cancel, betas=betas)
    for event in run:              # Anthropic events of the model that answered
        ...
    run.model_id, run.attempts, run.first_event_ms, run.usage

The same policy as adapters/execute.py, with its helpers: retryable failures (429, 5xx, timeouts)
are tried again with its backoff (Retry-After honoured), the others move to the next model; a model
that failed is cooled down for later requests in the process, and a cooled-down model is skipped
while another is left to try (the last one is tried all the same: a long-running proxy must not
fail a minute of requests at once because the only model failed once).
Fallback happens only before the first event reached the caller: a failure after it is
`StreamBroken` (raised, with `attempts` and `model_id` kept), never a second model's text. When
every model failed, the last error is raised. A cancel (the client went away) ends the run with
`Cancelled`, also during a backoff wait.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from promptls.adapters.errors import AdapterError, Cancelled, StreamBroken, Unavailable
from promptls.adapters.execute import Attempt, cool_down, cooldown_left, endpoint_for, retry_delay
from promptls.adapters.translate.stream import stream_messages
from promptls.router.resolution.plan import FallbackPlan, PlannedCall


class MessagesRun:
    """One proxied request over a fallback plan (see the module docstring). Iterate it once."""

    def __init__(
        self,
        plan: FallbackPlan,
        body: Mapping[str, Any],
        env: Mapping[str, str],
        *,
        cancel: threading.Event | None = None,
        betas: Sequence[str] = (),
        sleep: Callable[[float], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
        on_attempt: Callable[[Attempt], None] | None = None,
    ) -> None:
        self.plan = plan
        self.body = body
        self.env = env
        self.cancel = cancel or threading.Event()
        self.betas = betas
        self.sleep = sleep or self.cancel.wait
        self.clock = clock
        self.on_attempt = on_attempt
        self.attempts: list[Attempt] = []
        self.model_id: str | None = None
        """The model that answered (or began to), once one did."""
        self.first_event_ms: float | None = None
        self.usage: dict[str, int] = {}
        """The answer's usage, from its `message_start` and `message_delta` events."""
        self.error: AdapterError | None = None

    def __iter__(self) -> Iterator[dict[str, Any]]:
        started = self.clock()
        last: AdapterError | None = None
        for index, call in enumerate(self.plan.calls):
            self._check_cancel()
            left = cooldown_left(call.model_id, self.clock)
            if left > 0 and index < len(self.plan.calls) - 1:  # the last model is tried all the same
                last = Unavailable(
                    f"{call.model_id} failed recently; skipped for {left:.0f} s", model=call.model_id
                )
                self._record(call, 0.0, last)
                continue
            outcome = yield from self._try(call, started)
            if outcome is None:
                return
            last = outcome
            cool_down(call.model_id, self.plan.retry.cooldown, self.clock)
        self.error = last or Unavailable("no model to call: the plan is empty")
        raise self.error

    def _try(self, call: PlannedCall, started: float) -> Iterator[dict[str, Any]]:
        """Yield the model's events; return None when it answered, its error when it failed first."""
        try:
            endpoint = endpoint_for(call, self.env)
        except AdapterError as error:
            self._record(call, 0.0, error)
            return error
        reasoning = "reasoning" in call.info.capabilities
        for retry in range(self.plan.retry.retries + 1):
            begin = self.clock()
            answered = False
            try:
                for event in stream_messages(
                    endpoint,
                    call.name,
                    self.body,
                    cancel=self.cancel,
                    betas=self.betas,
                    reasoning=reasoning,
                    options=call.options,
                    max_output=call.info.max_output,
                ):
                    if not answered:
                        answered = True
                        self.model_id = call.model_id
                        self.first_event_ms = (self.clock() - started) * 1000
                    self._count(event)
                    yield event
            except AdapterError as error:
                self._record(call, begin, error)
                if answered or isinstance(error, StreamBroken | Cancelled):
                    self.error = error
                    raise
                if not error.retryable or retry == self.plan.retry.retries:
                    return error
                self.sleep(retry_delay(self.plan, retry, error.retry_after))
                self._check_cancel()
                continue
            self._record(call, begin, None)
            return None
        raise AssertionError("unreachable: the loop returns on its last try")

    def _count(self, event: Mapping[str, Any]) -> None:
        if event.get("type") == "message_start":
            self.usage.update((event.get("message") or {}).get("usage") or {})
        elif event.get("type") == "message_delta":
            self.usage.update({k: v for k, v in (event.get("usage") or {}).items() if isinstance(v, int)})

    def _record(self, call: PlannedCall, begin: float, error: AdapterError | None) -> None:
        latency = (self.clock() - begin) * 1000 if begin else 0.0
        attempt = Attempt(call.model_id, latency, error)
        self.attempts.append(attempt)
        if self.on_attempt is not None:
            self.on_attempt(attempt)

    def _check_cancel(self) -> None:
        if self.cancel.is_set():
            self.error = Cancelled("the client went away before a model answered")
            raise self.error
