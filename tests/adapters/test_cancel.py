"""A cancelled run stops its upstream request, with every adapter: the executor closes the adapter's
stream, which closes the real SDK's response, and the provider's server sees the client leave long
before its answer ends (so it stops generating, and billing).
"""

from __future__ import annotations

import os
import threading

import pytest
from promptls.adapters.base import Adapter, Endpoint
from promptls.adapters.errors import Cancelled
from promptls.adapters.execute import Events, run_plan
from promptls.router.models.catalog import unknown_model
from promptls.router.resolution.plan import FallbackPlan, PlannedCall, RetryPolicy

from tests.adapters.conftest import PROVIDERS, TIMEOUT, Provider, request
from tests.wire.base import Paced, WireServer

PIECES = 100
ANSWER = "".join(f"w{n:03} " for n in range(PIECES))


def _plan(provider: Provider, server: WireServer) -> FallbackPlan:
    model_id = f"{provider.name}/{provider.model}"
    call = PlannedCall(
        model_id=model_id,
        provider=provider.name,
        name=provider.model,
        kind=provider.name,
        base_url=server.base_url,
        api_key_env=None,
        local=not provider.needs_key,
        timeout=TIMEOUT,
        headers={},
        params={},
        options={},
        info=unknown_model(model_id, provider.name),
    )
    return FallbackPlan((call,), RetryPolicy(retries=1))


@pytest.mark.parametrize("provider", PROVIDERS, ids=str)
def test_a_cancel_closes_the_stream_and_the_run_ends_interrupted(
    provider: Provider, server: WireServer, adapter: Adapter
) -> None:
    server.script(Paced(provider.wire.Ok(ANSWER, PIECES, 30, PIECES), interval=0.05))
    cancel = threading.Event()
    shown: list[str] = []

    def show(text: str) -> None:  # the user presses Cancel after the third piece
        shown.append(text)
        if len(shown) == 3:
            cancel.set()

    def the_adapter(endpoint: Endpoint) -> Adapter:
        return adapter

    result = run_plan(
        _plan(provider, server),
        request(provider).messages,
        dict(os.environ),
        Events(lambda _line: None, show, lambda _attempt: None),
        adapter_for=the_adapter,
        cancel=cancel,
    )
    assert result.outcome == "interrupted" and result.model_id == f"{provider.name}/{provider.model}"
    assert isinstance(result.error, Cancelled)
    assert shown == [f"w{n:03} " for n in range(3)]  # nothing shown after the cancel
    assert result.text.startswith("".join(shown))  # what was generated until then, for the ledger
    assert [a.error.kind if a.error else None for a in result.attempts] == ["cancelled"]
    left_after = server.stream_abandoned(timeout=10)
    assert left_after is not None and left_after < PIECES // 2
