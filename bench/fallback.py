"""Time to first token when the primary model fails fast and the run falls back, against the fallback alone.

In-process, with the real code: a project folder with `promptls.toml` and a prompt file, read with
`router.settings` and `router.prompts.frontmatter`, resolved with `router.resolution.resolve`, planned with
`router.resolution.plan.plan_run` and run with `adapters.execute.run_plan` through the real `openai` SDK. The
fallback, `backup/gpt-4o-mini`, is a declared OpenAI-compatible server (`tests/wire/openai_server.py`
on 127.0.0.1) streaming an answer in several chunks. The primary, `openai/gpt-4o`, fails before
its first token in one of two ways:

- connection refused: `[providers.openai] base_url` is a closed port on 127.0.0.1;
- HTTP 500: a second wire server answers every try with `Fail.server_error()`. With
  `PROMPTLS_RETRIES=0` the figure is the fallback's own overhead; with the default policy
  (2 retries, 0.5 s base backoff with jitter) the run first waits on purpose, reported apart.

TTFT runs from the call of `run_plan` to the first chunk reaching `Events.text`. The four runs go
round-robin over `--iterations` rounds (default 50), after warm-up runs (the first `openai` import,
the first client), with `adapters.execute.reset_cooldowns()` before each. Prints the median and p90
of each, the extra over the direct call and the ratio to it. Goal: ≤ 50 ms extra over the direct call.

    python bench/fallback.py [--iterations 50] [--profile]
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from typing import Any

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)  # `tests.wire` is not installed with the package

GOAL_MS = 50.0
PRIMARY = "openai/gpt-4o"
FALLBACK = "backup/gpt-4o-mini"
ANSWER = "The fallback answers here, in a handful of streamed pieces, one after another."
CHUNKS = 8
KEY = "sk-bench-not-a-real-key"
PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")


@dataclass
class Scenario:
    label: str
    prompt: str
    """The prompt file's path."""
    env: dict[str, str]
    """What `plan_run` and `run_plan` read (the key, PROMPTLS_RETRIES)."""
    failures: int
    """How many tries of the primary fail (its first try, then each retry)."""
    failing: Any = None
    """The 500 server, scripted with `failures` errors before each run; None for the others."""
    plan: Any = None
    messages: Any = None
    ttft: list[float] = field(default_factory=list)
    to_fallback: list[float] = field(default_factory=list)
    """Seconds from the call of run_plan to the fallback's start (its "running on" status)."""
    primary_ms: list[float] = field(default_factory=list)
    """The primary's failed attempts, each as `Attempt.latency_ms` reports it, summed per run."""
    waits: list[float] = field(default_factory=list)
    """Seconds of backoff run_plan asked to sleep, per run."""


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def _closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (bound by the kernel, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _project(folder: str, primary_url: str, fallback_url: str) -> tuple[str, str]:
    """A project whose prompt runs on the primary with the fallback after it, and one on the fallback
    alone; returns both prompt paths."""
    os.makedirs(os.path.join(folder, "prompts"))
    with open(os.path.join(folder, "promptls.toml"), "w", encoding="utf-8") as handle:
        handle.write(f'[providers.openai]\nbase_url = "{primary_url}"\n\n')
        handle.write(f'[providers.backup]\nbase_url = "{fallback_url}"\n')
    chained = os.path.join(folder, "prompts", "chained.md")
    with open(chained, "w", encoding="utf-8") as handle:
        handle.write(f"---\nmodel: {PRIMARY}\nfallback: [{FALLBACK}]\n---\nSay hello in one sentence.\n")
    direct = os.path.join(folder, "prompts", "direct.md")
    with open(direct, "w", encoding="utf-8") as handle:
        handle.write(f"---\nmodel: {FALLBACK}\n---\nSay hello in one sentence.\n")
    return chained, direct


def _prepare(scenario: Scenario, user_config: str) -> None:
    """Read, resolve, render and plan the scenario's prompt as `promptls run` does."""
    from promptls.adapters.base import Message
    from promptls.router.models.catalog import load_catalog
    from promptls.router.prompts.frontmatter import parse_prompt
    from promptls.router.prompts.messages import render
    from promptls.router.resolution.plan import plan_run
    from promptls.router.resolution.resolve import resolve
    from promptls.router.settings import SettingsLoader

    with open(scenario.prompt, encoding="utf-8") as handle:
        prompt = parse_prompt(scenario.prompt, handle.read())
    settings = SettingsLoader(user_config=user_config).for_prompt(scenario.prompt)
    catalog = load_catalog()
    resolution = resolve(prompt, settings, catalog)
    if resolution.model is None:
        sys.exit(f"{scenario.prompt}: no model resolved ({resolution.problem})")
    rendered = render(prompt)
    system = (Message("system", rendered.system),) if rendered.system else ()
    scenario.messages = (*system, Message("user", rendered.user))
    scenario.plan = plan_run(resolution, catalog, scenario.env)


def _run_once(scenario: Scenario, fallback_server: Any, record: bool) -> None:
    from promptls.adapters.execute import Events, reset_cooldowns, run_plan

    from tests.wire.openai_server import Fail, Ok

    reset_cooldowns()
    if scenario.failing is not None:
        scenario.failing.script(*[Fail.server_error()] * scenario.failures)
    fallback_server.script(Ok(ANSWER, chunks=CHUNKS))
    first: list[float] = []
    started_fallback: list[float] = []
    waits: list[float] = []

    def status(message: str) -> None:
        if message == f"running on {FALLBACK}":
            started_fallback.append(time.perf_counter())

    def text(_chunk: str) -> None:
        if not first:
            first.append(time.perf_counter())

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        time.sleep(seconds)

    start = time.perf_counter()
    result = run_plan(
        scenario.plan, scenario.messages, scenario.env, Events(status, text, _ignore), sleep=sleep
    )
    failed = [a for a in result.attempts if a.error is not None]
    expected = scenario.failures
    if result.outcome != "ok" or result.model_id != FALLBACK or len(failed) != expected or not first:
        errors = "; ".join(f"{a.model_id}: {a.error.describe()}" for a in failed if a.error)
        sys.exit(
            f"{scenario.label}: the run did not go as scripted: {result.outcome} on {result.model_id}, "
            f"{len(failed)} failed attempts, expected {expected} ({errors or 'no errors'})"
        )
    if scenario.failing is not None and scenario.failing._script:
        sys.exit(f"{scenario.label}: the 500 server was asked fewer times than scripted")
    if record:
        scenario.ttft.append(first[0] - start)
        scenario.to_fallback.append(started_fallback[0] - start)
        scenario.primary_ms.append(sum(a.latency_ms for a in failed))
        scenario.waits.append(sum(waits))


def _client_once(url: str) -> float:
    """Seconds to make one SDK client as the adapter does on each attempt (a new adapter per try)."""
    from promptls.adapters.base import Endpoint
    from promptls.adapters.openai_compat import OpenAICompatAdapter

    adapter = OpenAICompatAdapter(Endpoint("backup", "openai", url))
    start = time.perf_counter()
    adapter._sdk_client("gpt-4o-mini")
    return time.perf_counter() - start


def _ignore(_: object) -> None:
    pass


def _profile(scenarios: list[Scenario], fallback_server: Any, runs: int, top: int = 10) -> None:
    """The direct call and the failing runs without retries under cProfile: where their time goes."""
    import cProfile
    import pstats

    site = os.path.dirname(os.__file__) + os.sep

    def short(where: str) -> str:
        where = where.replace(ROOT + os.sep, "").replace(site + "site-packages" + os.sep, "")
        return where.replace(site, "")

    print(f"\ncProfile, {runs} runs of each (times include cProfile's overhead), ms per run:")
    for scenario in scenarios:
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(runs):
            _run_once(scenario, fallback_server, record=False)
        profiler.disable()
        stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
        rows = [
            (tt / runs * 1000, ct / runs * 1000, nc / runs, file, name)
            for (file, line, name), (_, nc, tt, ct, _) in stats.items()
        ]

        def cumulative(file_end: str, name: str, rows: list[tuple[Any, ...]] = rows) -> tuple[float, float]:
            found = [(ct, nc) for _, ct, nc, file, n in rows if file.endswith(file_end) and n == name]
            return found[0] if found else (0.0, 0.0)

        total, _ = cumulative("execute.py", "run_plan")
        client, clients = cumulative("openai_compat.py", "_sdk_client")
        ssl_ms = sum(ct for _, ct, _, _, n in rows if "load_verify_locations" in n)
        print(f"\n  {scenario.label}: run_plan {total:.1f} ms")
        print(f"    SDK clients made (_sdk_client): {clients:.0f} per run, {client:.1f} ms")
        print(f"      of which SSLContext.load_verify_locations (the CA bundle): {ssl_ms:.1f} ms")
        print(f"    the rest: {total - client:.1f} ms; the most time spent in a function itself:")
        for tt, _, nc, file, name in sorted(rows, reverse=True)[:top]:
            where = f"{short(file)}({name})" if file != "~" else name
            print(f"      {tt:6.2f} ms  {nc:5.0f}×  {where}")


def _row(label: str, values: list[float], base: list[float] | None) -> str:
    median, p90 = statistics.median(values) * 1000, _percentile(values, 0.9) * 1000
    if base is None:
        return f"  {label:<46}{median:>9.1f}{p90:>8.1f}{'':>10}{'':>9}{'':>8}{'':>8}"
    base_median, base_p90 = statistics.median(base) * 1000, _percentile(base, 0.9) * 1000
    return (
        f"  {label:<46}{median:>9.1f}{p90:>8.1f}{median - base_median:>+10.1f}{p90 - base_p90:>+9.1f}"
        f"{median / base_median:>8.2f}{p90 / base_p90:>8.2f}"
    )


def _report(scenarios: list[Scenario], clients: list[float], iterations: int, warmups: int) -> None:
    import openai

    direct, refused, error500, retried = scenarios
    base = direct.ttft
    print(f"interpreter: {sys.executable} (Python {sys.version.split()[0]}), openai {openai.__version__}")
    print(
        f"primary {PRIMARY}, fallback {FALLBACK} (a wire server streaming {CHUNKS} chunks), both on 127.0.0.1"
    )
    print(
        f"{iterations} timed runs of each, round-robin, after {warmups} warm-up runs of each; "
        "TTFT = run_plan called → first chunk at Events.text\n"
    )
    head = f"  {'TTFT':<46}{'median ms':>9}{'p90 ms':>8}{'+median':>10}{'+p90':>9}{'× med':>8}{'× p90':>8}"
    print(head)
    print(_row(direct.label, base, None))
    for scenario in (refused, error500):
        print(_row(scenario.label, scenario.ttft, base))
    print(_row(retried.label, retried.ttft, base))
    less_waits = [t - w for t, w in zip(retried.ttft, retried.waits, strict=True)]
    print(_row("    the same less its backoff waits", less_waits, base))
    print(f"    (its backoff waits: median {statistics.median(retried.waits) * 1000:.0f} ms, deliberate)")

    print("\n  where the time goes (medians, ms)")
    print(f"  {'':<46}{'primary fails':>14}{'fallback starts':>16}{'fallback → 1st':>16}")
    for scenario in scenarios:
        to_fallback = statistics.median(scenario.to_fallback) * 1000
        own = statistics.median([t - s for t, s in zip(scenario.ttft, scenario.to_fallback, strict=True)])
        failed = f"{statistics.median(scenario.primary_ms):.1f}" if scenario.failures else "-"
        print(f"  {scenario.label:<46}{failed:>14}{to_fallback:>16.1f}{own * 1000:>16.1f}")
    print(
        "  (primary fails: its failed attempts' own latency; fallback starts: run_plan called → "
        f'"running on {FALLBACK}"; fallback → 1st: from there to the first chunk)'
    )
    client = statistics.median(clients) * 1000
    print(
        "  one SDK client as each attempt makes it (OpenAICompatAdapter._sdk_client): "
        f"median {client:.1f} ms, p90 {_percentile(clients, 0.9) * 1000:.1f} ms"
    )

    print(f"\ngoal: ≤ {GOAL_MS:g} ms extra TTFT over the direct call (median, no retries)")
    missed = []
    for scenario in (refused, error500):
        extra = (statistics.median(scenario.ttft) - statistics.median(base)) * 1000
        verdict = "meets" if extra <= GOAL_MS else "MISSES"
        missed += [scenario] if extra > GOAL_MS else []
        print(f"  {scenario.label:<46}{extra:>+9.1f} ms  {verdict} the goal")
    extra = (statistics.median(less_waits) - statistics.median(base)) * 1000
    print(
        f"  {retried.label:<46}not judged: it waits on purpose "
        f"(less its waits: {extra:+.1f} ms over the direct call)"
    )
    print(
        "\nwhat the extra is made of: the primary's failed attempts, each of which first makes its own SDK "
        "client\n(every try builds a new adapter, so a new openai.OpenAI and httpx client, and with it an "
        "SSL context\nthat loads the CA bundle, even for an http:// URL):"
    )
    for scenario in (refused, error500, retried):
        failed = statistics.median(scenario.primary_ms)
        print(
            f"  {scenario.label:<46}primary's attempts {failed:6.1f} ms = {scenario.failures} × client "
            f"{client:.1f} ms + {failed - scenario.failures * client:5.1f} ms for the rest"
        )
    if missed:
        print("  the goal is missed: rerun with --profile for where the time goes")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--iterations", type=int, default=50, help="timed runs of each (default 50)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed runs of each first (default 3)")
    parser.add_argument(
        "--profile", action="store_true", help="then profile the runs without retries under cProfile"
    )
    args = parser.parse_args()

    # httpx honours proxy variables even for 127.0.0.1 (unless NO_PROXY names it): keep a proxy out.
    dropped = [name for name in PROXY_VARIABLES if os.environ.pop(name, None) is not None]

    from tests.wire.openai_server import OpenAIWireServer

    with (
        tempfile.TemporaryDirectory(prefix="promptls-fallback-") as tmp,
        OpenAIWireServer() as fallback_server,
        OpenAIWireServer() as failing_server,
    ):
        user_config = os.path.join(tmp, "no-user-config.toml")
        refused_chained, direct_prompt = _project(
            os.path.join(tmp, "refused"), f"http://127.0.0.1:{_closed_port()}/v1", fallback_server.base_url
        )
        error_chained, _ = _project(
            os.path.join(tmp, "error500"), failing_server.base_url, fallback_server.base_url
        )
        quick = {"OPENAI_API_KEY": KEY, "PROMPTLS_RETRIES": "0"}
        scenarios = [
            Scenario("direct: the fallback model alone", direct_prompt, quick, 0),
            Scenario("refused primary → fallback", refused_chained, quick, 1),
            Scenario("500 primary → fallback (PROMPTLS_RETRIES=0)", error_chained, quick, 1, failing_server),
            Scenario(
                "500 primary → fallback (default: 2 retries)",
                error_chained,
                {"OPENAI_API_KEY": KEY},
                3,
                failing_server,
            ),
        ]
        for scenario in scenarios:
            _prepare(scenario, user_config)
        retries = scenarios[3].plan.retry.retries
        if retries != 2 or scenarios[2].plan.retry.retries != 0:
            sys.exit(f"unexpected retry policies: {scenarios[2].plan.retry} / {scenarios[3].plan.retry}")

        for _ in range(args.warmup):
            for scenario in scenarios:
                _run_once(scenario, fallback_server, record=False)
        clients = []
        for _ in range(args.iterations):
            for scenario in scenarios:
                _run_once(scenario, fallback_server, record=True)
            clients.append(_client_once(fallback_server.base_url))

        if dropped:
            print(f"dropped {', '.join(dropped)} from this process's environment for the runs")
        _report(scenarios, clients, args.iterations, args.warmup)
        if args.profile:
            _profile(scenarios[:3], fallback_server, args.iterations)


if __name__ == "__main__":
    main()
