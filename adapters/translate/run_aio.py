"""`AsyncMessagesRun`: `MessagesRun` (run.py) on the event loop, for plans whose every call has an
asynchronous wire (stream_aio.AIO_KINDS). The policy is run.py's `PlanWalk`, step for step: the
retries and their backoff, the cooldowns, fallback only before the first event, the attempts kept.

    run = AsyncMessagesRun(pool, plan, body, env, lookup=...)
    async for events in run:       # lists of events: those one read of the upstream made
        ...

A client that goes away cancels the task iterating the run: the upstream read ends at once (its
connection closed) and `Cancelled` is recorded as the last attempt's error.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from typing import Any

from promptls.adapters.base import Endpoint
from promptls.adapters.errors import AdapterError, Cancelled
from promptls.adapters.execute import endpoint_for
from promptls.adapters.openai_aio import HttpPool
from promptls.adapters.translate.run import PlanWalk
from promptls.adapters.translate.stream_aio import AIO_KINDS, stream_messages_aio
from promptls.router.resolution.plan import FallbackPlan, PlannedCall

EndpointLookup = Callable[[PlannedCall], Awaitable[Endpoint]]


def runs_on_loop(plan: FallbackPlan) -> bool:
    """Every call of the plan can be made on the event loop."""
    return bool(plan.calls) and all(call.kind in AIO_KINDS for call in plan.calls)


class AsyncMessagesRun(PlanWalk):
    """One proxied request over a fallback plan, on the event loop. Iterate it once."""

    def __init__(
        self,
        pool: HttpPool,
        plan: FallbackPlan,
        body: Mapping[str, Any],
        env: Mapping[str, str],
        *,
        lookup: EndpointLookup | None = None,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
        **walk: Any,
    ) -> None:
        super().__init__(plan, body, env, **walk)
        self.pool = pool
        self.lookup = lookup or self._lookup_on_thread
        """The call's endpoint with its key: a keyring may take a while to answer, so never on the
        loop itself (the proxy's remembers keys a while)."""
        self.async_sleep = sleep

    async def _lookup_on_thread(self, call: PlannedCall) -> Endpoint:
        return await asyncio.to_thread(endpoint_for, call, self.env)

    async def __aiter__(self) -> AsyncIterator[list[dict[str, Any]]]:
        for index, call in enumerate(self.plan.calls):
            if self.skipped(index, call):
                continue
            try:
                endpoint = await self.lookup(call)
            except AdapterError as error:
                self.unusable(call, error)
                self.gave_up(call, error)
                continue
            options = self.stream_options(call)
            last: AdapterError | None = None
            for retry in itertools.count():
                begin = self.clock()
                answered = False
                try:
                    async for events in stream_messages_aio(
                        self.pool, endpoint, call.name, self.body, **options
                    ):
                        if not events:
                            continue
                        if not answered:
                            answered = True
                            self.answered(call)
                        for event in events:
                            self.count(event)
                        yield events
                except AdapterError as error:
                    delay = self.failed(call, begin, error, answered, retry)
                    if delay is None:
                        last = error
                        break
                    await self.async_sleep(delay)
                    continue
                except asyncio.CancelledError:
                    self.failed_by_cancel(call, begin)
                    raise
                self.succeeded(call, begin)
                return
            assert last is not None
            self.gave_up(call, last)
        raise self.exhausted()

    def failed_by_cancel(self, call: PlannedCall, begin: float) -> None:
        """The client went away while the call ran: recorded as `Cancelled`, as on a thread."""
        error = Cancelled("the client went away", provider=call.provider, model=call.model_id)
        self._record(call, begin, error)
        self.error = error
