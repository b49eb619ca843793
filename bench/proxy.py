"""What `promptls proxy` adds over calling the upstream directly, beside claude-code-router on the same
upstream, in the same run.

    python bench/proxy.py [--requests 300] [--seconds 4] [--no-ccr]

Three processes on 127.0.0.1 besides this one (the load):
- the upstream: an OpenAI-compatible server (Starlette on uvicorn, in a process of its own) answering
  every chat completion at once with 8 pieces of text, streamed or whole;
- `promptls proxy --quiet`, its `[proxy.routes]` sending Claude Code's ids to that upstream (the ledger
  written as in use);
- claude-code-router 2.0.x (`ccr start`, npm; tests/promptls/proxy/clients) with the same upstream as
  its default route and its log off.

The load is an Anthropic Messages request (as Claude Code sends, small) to each proxy, and the OpenAI
request the proxies send to the upstream directly. Printed:
- latency, one request at a time (round-robin over the three targets, after a warm-up): p50 and p99 of
  the whole request without `stream`, and with `stream` the time to the first text event (TTFT) and to
  the end; each proxy's p50 added over the direct call;
- requests per second with 1, 8 and 32 concurrent clients for `--seconds` each, whole and streamed,
  and the CPU time (user + system) each target's own process spent per request meanwhile: steadier
  than the rates, which the machine's other work moves.

Goals (issue 13): at most 1 ms added at p50; more requests per second than claude-code-router at every
concurrency. The machine's cores are shared by the load, the upstream and the proxy: figures are for
comparing in one run, not absolute.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

ROOT = Path(__file__).resolve().parent.parent
CCR = ROOT / "tests" / "promptls" / "proxy" / "clients" / "node_modules" / ".bin" / "ccr"
PIECES = 8
ANTHROPIC_BODY = {
    "model": "claude-sonnet-4-5",
    "max_tokens": 256,
    "system": [{"type": "text", "text": "You are a helpful assistant."}],
    "messages": [{"role": "user", "content": "Say something short."}],
}
OPENAI_BODY = {
    "model": "bench-model",
    "max_tokens": 256,
    "messages": [
        {"role": "system", "content": "You are a helpful assistant."},
        {"role": "user", "content": "Say something short."},
    ],
}
CONCURRENCY = (1, 8, 32)


# ---- the upstream (run in a process of its own) -------------------------------------------------------


def serve_upstream() -> None:
    import uvicorn
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse, StreamingResponse
    from starlette.routing import Route

    base = {"id": "chatcmpl-bench", "object": "chat.completion.chunk", "created": 0, "model": "bench-model"}
    usage = {"prompt_tokens": 20, "completion_tokens": PIECES, "total_tokens": 20 + PIECES}

    def chunk(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> bytes:
        choice = {"index": 0, "delta": delta, "finish_reason": finish}
        return b"data: " + json.dumps({**base, "choices": [choice], **extra}).encode() + b"\n\n"

    stream_body = [chunk({"role": "assistant", "content": ""})]
    stream_body += [chunk({"content": "tok "}) for _ in range(PIECES)]
    stream_body.append(chunk({}, "stop"))
    usage_chunk = b"data: " + json.dumps({**base, "choices": [], "usage": usage}).encode() + b"\n\n"
    whole = {
        "id": "chatcmpl-bench",
        "object": "chat.completion",
        "created": 0,
        "model": "bench-model",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": "tok " * PIECES},
                "finish_reason": "stop",
            }
        ],
        "usage": usage,
    }

    async def completions(request: Request):
        body = await request.json()
        if not body.get("stream"):
            return JSONResponse(whole)
        with_usage = bool((body.get("stream_options") or {}).get("include_usage"))

        async def events():
            for piece in stream_body:
                yield piece
            if with_usage:
                yield usage_chunk
            yield b"data: [DONE]\n\n"

        return StreamingResponse(events(), media_type="text/event-stream")

    app = Starlette(routes=[Route("/v1/chat/completions", completions, methods=["POST"])])
    sock = socket.create_server(("127.0.0.1", 0), backlog=2048)
    print(sock.getsockname()[1], flush=True)
    uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off")).run(
        sockets=[sock]
    )


# ---- the processes ----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, proc: subprocess.Popen, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"a process of the bench ended early ({proc.args})")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    sys.exit(f"nothing listens on port {port} after {seconds:.0f} s ({proc.args})")


class Processes:
    def __init__(self, use_ccr: bool) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="promptls-bench-proxy-"))
        self.procs: list[subprocess.Popen] = []
        upstream = self._start([sys.executable, __file__, "--serve-upstream"], stdout=subprocess.PIPE)
        self.upstream = f"http://127.0.0.1:{int(upstream.stdout.readline())}"
        self.targets: dict[str, Target] = {
            "direct": Target(f"{self.upstream}/v1/chat/completions", "openai", upstream.pid)
        }
        self.targets["promptls"] = self._promptls()
        if use_ccr:
            self.targets["ccr"] = self._ccr()

    def _start(self, argv: list[str], **kwargs: Any) -> subprocess.Popen:
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, **kwargs)
        self.procs.append(proc)
        return proc

    def _promptls(self) -> Target:
        project = self.folder / "project"
        project.mkdir()
        (project / "promptls.toml").write_text(
            f'[providers.bench]\nbase_url = "{self.upstream}/v1"\nlocal = true\n\n'
            '[proxy.routes]\n"claude-*" = "bench/bench-model"\n'
        )
        env = {
            **os.environ,
            "PROMPTLS_LEDGER": str(self.folder / "ledger.sqlite3"),
            "HOME": str(self.folder),
            "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring",
        }
        port = free_port()
        proc = self._start(
            [sys.executable, "-m", "promptls", "proxy", "--port", str(port), "--quiet"],
            cwd=project,
            env=env,
            stdout=subprocess.DEVNULL,
        )
        wait_for_port(port, proc)
        return Target(f"http://127.0.0.1:{port}/v1/messages", "anthropic", proc.pid)

    def _ccr(self) -> Target:
        if not CCR.exists():
            sys.exit(f"claude-code-router is not installed at {CCR}: run ./scripts/setup (or --no-ccr)")
        home = self.folder / "ccr-home"
        (home / ".claude-code-router").mkdir(parents=True)
        port = free_port()
        config = {
            "PORT": port,
            "LOG": False,
            "Providers": [
                {
                    "name": "bench",
                    "api_base_url": f"{self.upstream}/v1/chat/completions",
                    "api_key": "bench",
                    "models": ["bench-model"],
                }
            ],
            "Router": {"default": "bench,bench-model"},
        }
        (home / ".claude-code-router" / "config.json").write_text(json.dumps(config))
        env = {**os.environ, "HOME": str(home)}
        proc = self._start(["node", str(CCR), "start"], env=env, stdout=subprocess.DEVNULL)
        wait_for_port(port, proc)
        return Target(f"http://127.0.0.1:{port}/v1/messages", "anthropic", proc.pid)

    def stop(self) -> None:
        for proc in reversed(self.procs):
            proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
        shutil.rmtree(self.folder, ignore_errors=True)


# ---- the load ---------------------------------------------------------------------------------------


class Target(NamedTuple):
    url: str
    protocol: str
    """"anthropic" (the proxies) or "openai" (the upstream, directly)."""
    pid: int
    """The process that serves it, whose CPU time per request is measured."""

    def body(self, stream: bool) -> dict[str, Any]:
        body = dict(ANTHROPIC_BODY if self.protocol == "anthropic" else OPENAI_BODY)
        if stream:
            body["stream"] = True
            if self.protocol == "openai":
                body["stream_options"] = {"include_usage": True}
        return body


class Timing(NamedTuple):
    total: float
    first: float | None


async def call(client, target: Target, stream: bool) -> Timing:
    body = target.body(stream)
    headers = {"x-api-key": "bench", "anthropic-version": "2023-06-01"}
    start = time.perf_counter()
    if not stream:
        response = await client.post(target.url, json=body, headers=headers)
        response.raise_for_status()
        answer = response.json()
        assert answer.get("content") or answer.get("choices"), answer
        return Timing(time.perf_counter() - start, None)
    first = None
    marker = b"text_delta" if target.protocol == "anthropic" else b'"content":"tok'
    async with client.stream("POST", target.url, json=body, headers=headers) as response:
        response.raise_for_status()
        async for data in response.aiter_bytes():
            if first is None and marker in data.replace(b'": "', b'":"'):
                first = time.perf_counter() - start
    return Timing(time.perf_counter() - start, first)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


async def latencies(targets: dict[str, Target], requests: int, stream: bool) -> dict[str, list[Timing]]:
    import httpx

    out: dict[str, list[Timing]] = {name: [] for name in targets}
    async with httpx.AsyncClient(timeout=30) as client:
        for _ in range(20):  # warm-up: connections, the proxies' first-call costs
            for target in targets.values():
                await call(client, target, stream)
        for _ in range(requests):
            for name, target in targets.items():
                out[name].append(await call(client, target, stream))
    return out


class Rate(NamedTuple):
    per_second: float
    cpu_ms: float
    """CPU time (user + system) of the target's process per request."""


def cpu_seconds(pid: int) -> float:
    """User + system time of a process so far (Linux: /proc/PID/stat, in clock ticks)."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def throughput(target: Target, clients: int, seconds: float, stream: bool) -> Rate:
    """Requests per second of `clients` workers, each with a client (one connection) of its own:
    httpx's shared pool gets slow with many connections, and the load would measure itself."""
    import httpx

    done = 0
    pool = [httpx.AsyncClient(timeout=30) for _ in range(clients)]
    try:
        for client in pool:  # warm the connections
            await call(client, target, stream)
        deadline = time.perf_counter() + seconds

        async def worker(client) -> None:
            nonlocal done
            while time.perf_counter() < deadline:
                await call(client, target, stream)
                done += 1

        started, cpu = time.perf_counter(), cpu_seconds(target.pid)
        await asyncio.gather(*(worker(client) for client in pool))
        elapsed, cpu = time.perf_counter() - started, cpu_seconds(target.pid) - cpu
    finally:
        for client in pool:
            await client.aclose()
    return Rate(done / elapsed, cpu * 1000 / max(done, 1))


def ms(seconds: float) -> str:
    return f"{seconds * 1000:7.2f}"


def report_latency(
    title: str, timings: dict[str, list[Timing]], pick: Callable[[Timing], float | None]
) -> None:
    print(f"\n{title}")
    print(f"  {'target':<10} {'p50 ms':>8} {'p99 ms':>8} {'added p50':>10}")
    base = None
    for name, values in timings.items():
        picked = [v for v in map(pick, values) if v is not None]
        p50, p99 = percentile(picked, 0.5), percentile(picked, 0.99)
        if name == "direct":
            base = p50
            added = ""
        else:
            added = f"{(p50 - (base or 0)) * 1000:+9.2f}"
        print(f"  {name:<10} {ms(p50):>8} {ms(p99):>8} {added:>10}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=300, help="sequential requests per target and mode")
    parser.add_argument("--seconds", type=float, default=4.0, help="seconds per throughput measurement")
    parser.add_argument("--no-ccr", action="store_true", help="leave claude-code-router out")
    parser.add_argument("--serve-upstream", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_upstream:
        serve_upstream()
        return
    procs = Processes(use_ccr=not args.no_ccr)
    try:
        targets = procs.targets
        peer = "claude-code-router 2.0 vs " if "ccr" in targets else ""
        print(f"promptls proxy vs {peer}the upstream directly")
        print(
            f"{args.requests} sequential requests per target and mode; {os.cpu_count()} cores shared by all"
        )
        whole = asyncio.run(latencies(targets, args.requests, stream=False))
        report_latency("Whole answers (no stream): latency", whole, lambda t: t.total)
        streamed = asyncio.run(latencies(targets, args.requests, stream=True))
        report_latency("Streams: time to the first text event (TTFT)", streamed, lambda t: t.first)
        report_latency("Streams: time to the end", streamed, lambda t: t.total)
        for stream in (False, True):
            print(f"\nRequests per second, {'streamed' if stream else 'whole'} ({args.seconds:g} s each)")
            print("  " + f"{'target':<10}" + "".join(f"{f'{c} clients':>12}" for c in CONCURRENCY))
            cpu: dict[str, list[float]] = {}
            for name, target in targets.items():
                rates = [asyncio.run(throughput(target, c, args.seconds, stream)) for c in CONCURRENCY]
                cpu[name] = [rate.cpu_ms for rate in rates]
                print("  " + f"{name:<10}" + "".join(f"{rate.per_second:>12.0f}" for rate in rates))
            print("  CPU ms per request of the target's own process (the proxy alone; direct: the upstream)")
            for name, values in cpu.items():
                print("  " + f"{name:<10}" + "".join(f"{value:>12.2f}" for value in values))
    finally:
        procs.stop()


if __name__ == "__main__":
    main()
