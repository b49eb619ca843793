"""The model cache's stated freshness, proved with an injected clock (no sleeping): a list is served
from disk for 60 s, one model's details for 5 minutes; `--refresh` always asks; pull/rm invalidate;
a provider that cannot be asked (or `--offline`) gets the last data, marked stale with its age."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from promptls.adapters.discovery.live import Listing, LiveModel, ModelDetails
from promptls.adapters.model_cache import DETAILS_TTL, LIST_TTL, ModelCache, describe_age

WHERE = "http://127.0.0.1:11434"


class Clock:
    def __init__(self, now: float = 1_700_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class Provider:
    """A provider whose answer the test decides, counting how often it was asked."""

    def __init__(self, names: tuple[str, ...] = ("llama3.2:3b",)) -> None:
        self.names = names
        self.asked = 0
        self.up = True

    def listing(self) -> Listing:
        self.asked += 1
        if not self.up:
            return Listing("ollama", "unreachable", "Ollama is not running at " + WHERE, latency_ms=1.0)
        return Listing(
            "ollama", "ok", "from /api/tags", tuple(LiveModel(n, installed=True) for n in self.names)
        )

    def details(self) -> ModelDetails:
        self.asked += 1
        if not self.up:
            return ModelDetails("ollama", "llama3.2:3b", "unreachable", "not running")
        return ModelDetails("ollama", "llama3.2:3b", "ok", "from /api/show", {"context_length": 131072})


def _cache(tmp_path: Path, clock: Clock) -> ModelCache:
    return ModelCache(tmp_path / "models", clock)


ages = st.floats(min_value=0, max_value=30 * 86400, allow_nan=False)


@settings(max_examples=60, deadline=None)
@given(age=ages)
def test_a_list_is_served_from_disk_for_60_seconds_then_asked_again(tmp_path_factory, age: float) -> None:
    clock, provider = Clock(), Provider()
    cache = _cache(tmp_path_factory.mktemp("c"), clock)
    first = cache.listing("ollama", WHERE, provider.listing)
    assert (first.source, provider.asked) == ("live", 1)
    clock.now += age
    second = cache.listing("ollama", WHERE, provider.listing)
    if age <= LIST_TTL:
        assert (second.source, provider.asked, second.stale) == ("cache", 1, False)
        assert second.age(clock.now) == pytest.approx(age, abs=1e-3)
    else:
        assert (second.source, provider.asked) == ("live", 2)
    assert [m.name for m in second.models] == ["llama3.2:3b"]


@settings(max_examples=60, deadline=None)
@given(age=ages)
def test_details_are_served_from_disk_for_5_minutes(tmp_path_factory, age: float) -> None:
    clock, provider = Clock(), Provider()
    cache = _cache(tmp_path_factory.mktemp("c"), clock)
    cache.details("ollama", WHERE, "llama3.2:3b", provider.details)
    clock.now += age
    again = cache.details("ollama", WHERE, "llama3.2:3b", provider.details)
    assert provider.asked == (1 if age <= DETAILS_TTL else 2)
    assert again.facts == {"context_length": 131072}


@settings(max_examples=30, deadline=None)
@given(age=ages)
def test_refresh_always_asks(tmp_path_factory, age: float) -> None:
    clock, provider = Clock(), Provider()
    cache = _cache(tmp_path_factory.mktemp("c"), clock)
    cache.listing("ollama", WHERE, provider.listing)
    clock.now += age
    assert cache.listing("ollama", WHERE, provider.listing, refresh=True).source == "live"
    assert provider.asked == 2


@settings(max_examples=60, deadline=None)
@given(age=ages, offline=st.booleans())
def test_unreachable_or_offline_serves_the_last_data_with_its_age(
    tmp_path_factory, age: float, offline: bool
) -> None:
    clock, provider = Clock(), Provider()
    cache = _cache(tmp_path_factory.mktemp("c"), clock)
    cache.listing("ollama", WHERE, provider.listing)
    provider.up = False
    clock.now += age
    shown = cache.listing("ollama", WHERE, provider.listing, offline=offline, refresh=True)
    assert [m.name for m in shown.models] == ["llama3.2:3b"]
    assert shown.source == "cache" and shown.age(clock.now) == pytest.approx(age, abs=1e-3)
    assert f"cached {describe_age(age)} ago" in shown.message
    if offline:
        assert provider.asked == 1  # never asked
        assert shown.state == "ok" and shown.stale == (age > LIST_TTL)
    else:
        assert provider.asked == 2
        assert shown.state == "unreachable" and shown.stale
        assert shown.message.startswith("Ollama is not running")


def test_no_cached_data_is_said(tmp_path: Path) -> None:
    clock, provider = Clock(), Provider()
    provider.up = False
    cache = _cache(tmp_path, clock)
    down = cache.listing("ollama", WHERE, provider.listing)
    assert down.state == "unreachable" and down.message.endswith("(no cached data)") and down.source == "none"
    offline = cache.listing("ollama", WHERE, provider.listing, offline=True)
    assert offline.state == "offline" and "no cached data" in offline.message
    details = cache.details("ollama", WHERE, "llama3.2:3b", provider.details, offline=True)
    assert details.state == "offline" and details.facts == {}


@settings(max_examples=30, deadline=None)
@given(
    age=st.floats(min_value=0, max_value=LIST_TTL, allow_nan=False),
    spelled=st.sampled_from(["llama3.2:3b", None]),
)
def test_pull_and_rm_invalidate_the_list_and_the_models_details(
    tmp_path_factory, age: float, spelled
) -> None:
    clock, provider = Clock(), Provider()
    cache = _cache(tmp_path_factory.mktemp("c"), clock)
    cache.listing("ollama", WHERE, provider.listing)
    cache.details("ollama", WHERE, "llama3.2:3b", provider.details)
    clock.now += age
    cache.invalidate("ollama", WHERE, spelled)
    provider.names = ("llama3.2:3b", "gemma3:270m")
    assert len(cache.listing("ollama", WHERE, provider.listing).models) == 2  # asked again although fresh
    cache.details("ollama", WHERE, "llama3.2:3b", provider.details)
    assert provider.asked == (4 if spelled else 3)  # details asked again only when that model changed


def test_endpoints_do_not_share_entries_and_a_broken_file_is_no_entry(tmp_path: Path) -> None:
    clock, provider = Clock(), Provider()
    cache = _cache(tmp_path, clock)
    cache.listing("ollama", WHERE, provider.listing)
    cache.listing("ollama", "http://gpu-box:11434", provider.listing)
    assert provider.asked == 2
    for path in (tmp_path / "models").iterdir():
        path.write_text("{not json")
    cache.listing("ollama", WHERE, provider.listing)
    assert provider.asked == 3


def test_the_latest_tag_is_the_same_model_for_invalidation(tmp_path: Path) -> None:
    clock, provider = Clock(), Provider()
    cache = _cache(tmp_path, clock)
    cache.details("ollama", WHERE, "llama3.2:latest", provider.details)
    cache.invalidate("ollama", WHERE, "llama3.2")
    cache.details("ollama", WHERE, "llama3.2:latest", provider.details)
    assert provider.asked == 2


def test_ages_read_as_a_person_would_say_them() -> None:
    assert [describe_age(s) for s in (5, 150, 7200, 3 * 86400)] == ["5 s", "2 min", "2 h", "3 days"]
