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

import itertools
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from promptls.adapters.base import Endpoint
from promptls.adapters.errors import AdapterError, Cancelled, StreamBroken, Unavailable
from promptls.adapters.execute import Attempt, cool_down, cooldown_left, endpoint_for, retry_delay
from promptls.adapters.translate.stream import stream_messages
from promptls.router.resolution.plan import FallbackPlan, PlannedCall


class PlanWalk:
    """What a run over a fallback plan decides and keeps, whatever does its I/O: `MessagesRun` on a
    thread (blocking reads), `AsyncMessagesRun` (run_aio.py) on the event loop. Each walks the plan's
    calls with these steps, so the two cannot drift apart in policy."""

    def __init__(
        self,
        plan: FallbackPlan,
        body: Mapping[str, Any],
        env: Mapping[str, str],
        *,
        betas: Sequence[str] = (),
        clock: Callable[[], float] = time.monotonic,
        on_attempt: Callable[[Attempt], None] | None = None,
        endpoint: Callable[[PlannedCall, Mapping[str, str]], Endpoint] = endpoint_for,
    ) -> None:
        self.plan = plan
        self.body = body
        self.env = env
        self.betas = betas
        self.clock = clock
        self.on_attempt = on_attempt
        self.endpoint_for = endpoint
        """The call's endpoint with its key (the proxy passes one that remembers keys a while)."""
        self.attempts: list[Attempt] = []
        self.model_id: str | None = None
        """The model that answered (or began to), once one did."""
        self.first_event_ms: float | None = None
        self.usage: dict[str, int] = {}
        """The answer's usage, from its `message_start` and `message_delta` events."""
        self.error: AdapterError | None = None
        self._started = clock()
        self._last: AdapterError | None = None

    def skipped(self, index: int, call: PlannedCall) -> bool:
        """The call's model is cooled down and another is left to try (the last one is tried all
        the same): recorded as skipped."""
        left = cooldown_left(call.model_id, self.clock)
        if left <= 0 or index == len(self.plan.calls) - 1:
            return False
        self._last = Unavailable(
            f"{call.model_id} failed recently; skipped for {left:.0f} s", model=call.model_id
        )
        self._record(call, 0.0, self._last)
        return True

    def stream_options(self, call: PlannedCall) -> dict[str, Any]:
        """`stream_messages`' keyword arguments for the call, besides the cancel."""
        return {
            "betas": self.betas,
            "reasoning": "reasoning" in call.info.capabilities,
            "options": call.options,
            "max_output": call.info.max_output,
        }

    def answered(self, call: PlannedCall) -> None:
        """The call's first event arrived: no fallback from here on."""
        self.model_id = call.model_id
        self.first_event_ms = (self.clock() - self._started) * 1000

    def count(self, event: Mapping[str, Any]) -> None:
        if event.get("type") == "message_start":
            self.usage.update((event.get("message") or {}).get("usage") or {})
        elif event.get("type") == "message_delta":
            self.usage.update({k: v for k, v in (event.get("usage") or {}).items() if isinstance(v, int)})

    def succeeded(self, call: PlannedCall, begin: float) -> None:
        self._record(call, begin, None)

    def failed(
        self, call: PlannedCall, begin: float, error: AdapterError, answered: bool, retry: int
    ) -> float | None:
        """Record a failed try; the seconds to wait before trying the model again, or None to move
        on to the next model. Raises `error` when the run must end with it (the answer began, it
        broke, or the client went away)."""
        self._record(call, begin, error)
        if answered or isinstance(error, StreamBroken | Cancelled):
            self.error = error
            raise error
        if not error.retryable or retry >= self.plan.retry.retries:
            return None
        return retry_delay(self.plan, retry, error.retry_after)

    def unusable(self, call: PlannedCall, error: AdapterError) -> None:
        """The call cannot be made at all (no key): recorded; the next model is tried."""
        self._record(call, 0.0, error)

    def gave_up(self, call: PlannedCall, error: AdapterError) -> None:
        """The model failed: cooled down for later requests; the next model is tried."""
        self._last = error
        cool_down(call.model_id, self.plan.retry.cooldown, self.clock)

    def exhausted(self) -> AdapterError:
        """The error a run ends with when every model failed."""
        self.error = self._last or Unavailable("no model to call: the plan is empty")
        return self.error

    def _record(self, call: PlannedCall, begin: float, error: AdapterError | None) -> None:
        latency = (self.clock() - begin) * 1000 if begin else 0.0
        attempt = Attempt(call.model_id, latency, error)
        self.attempts.append(attempt)
        if self.on_attempt is not None:
            self.on_attempt(attempt)


class MessagesRun(PlanWalk):
    """One proxied request over a fallback plan, on a thread (see the module docstring). Iterate it
    once."""

    def __init__(
        self,
        plan: FallbackPlan,
        body: Mapping[str, Any],
        env: Mapping[str, str],
        *,
        cancel: threading.Event | None = None,
        sleep: Callable[[float], None] | None = None,
        **walk: Any,
    ) -> None:
        super().__init__(plan, body, env, **walk)
        self.cancel = cancel or threading.Event()
        self.sleep = sleep or self.cancel.wait

    def __iter__(self) -> Iterator[dict[str, Any]]:
        for index, call in enumerate(self.plan.calls):
            self._check_cancel()
            if self.skipped(index, call):
                continue
            error = yield from self._try(call)
            if error is None:
                return
            self.gave_up(call, error)
        raise self.exhausted()

    def _try(self, call: PlannedCall) -> Iterator[dict[str, Any]]:
        """Yield the model's events; return None when it answered, its error when it failed first."""
        try:
            endpoint = self.endpoint_for(call, self.env)
        except AdapterError as error:
            self.unusable(call, error)
            return error
        options = self.stream_options(call)
        for retry in itertools.count():
            begin = self.clock()
            answered = False
            try:
                for event in stream_messages(endpoint, call.name, self.body, cancel=self.cancel, **options):
                    if not answered:
                        answered = True
                        self.answered(call)
                    self.count(event)
                    yield event
            except AdapterError as error:
                delay = self.failed(call, begin, error, answered, retry)
                if delay is None:
                    return error
                self.sleep(delay)
                self._check_cancel()
                continue
            self.succeeded(call, begin)
            return None
        raise AssertionError("unreachable: itertools.count() never ends")

    def _check_cancel(self) -> None:
        if self.cancel.is_set():
            self.error = Cancelled("the client went away before a model answered")
            raise self.error
