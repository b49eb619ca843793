"""Start-up cost of the shell command, as a ratio to a bare `python -c pass` on the same interpreter.

Times, round-robin over N runs (default 20) from the repository root:

- `python -c pass`                                   the floor: the interpreter alone
- `python -m promptls resolve examples/.claude/agents/code-reviewer.md`
- `python -m promptls check examples/`
- the same two through the installed `promptls` console script

and prints the median and p90 wall time of each, and each as a ratio to the floor. Goal: ≤ 2.5×.
Then lists, from `python -X importtime`, whether a heavy or networked module (a provider SDK, the
language server, the keyring, tiktoken, httpx) was imported on those paths: none may be.

    python bench/startup.py [--runs 20]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
AGENT = "examples/.claude/agents/code-reviewer.md"
GOAL = 2.5
FORBIDDEN = (
    "tiktoken",
    "pygls",
    "lsprotocol",
    "openai",
    "anthropic",
    "google.genai",
    "ollama",
    "keyring",
    "httpx",
    "starlette",  # the proxy's server: imported by `promptls proxy` only
    "uvicorn",
)


def _console_script() -> str | None:
    """The `promptls` script beside this interpreter (not a pyenv/asdf shim), else the one on PATH."""
    here = shutil.which("promptls", path=os.path.dirname(sys.executable))
    return here or shutil.which("promptls")


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def _run_once(argv: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    proc = subprocess.run(argv, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        sys.exit(f"{' '.join(argv)} failed ({proc.returncode}):\n{proc.stderr.decode(errors='replace')}")
    return elapsed


def _imported(args: list[str], env: dict[str, str]) -> tuple[list[str], float, list[tuple[int, str]]]:
    """Modules imported by `python -X importtime -m promptls ARGS`, total import µs, top imports."""
    argv = [sys.executable, "-X", "importtime", "-m", "promptls", *args]
    proc = subprocess.run(
        argv, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    modules, total, top = [], 0, []
    for line in proc.stderr.splitlines():
        # import time: self [us] | cumulative | imported package   (nesting shown by indentation)
        parts = line.split("|")
        if not line.startswith("import time:") or len(parts) != 3:
            continue
        self_us, cumulative, name = parts[0].split(":", 1)[1].strip(), parts[1].strip(), parts[2]
        if not self_us.isdigit():
            continue  # the header line
        modules.append(name.strip())
        total += int(self_us)
        if len(name) - len(name.lstrip()) <= 1:
            top.append((int(cumulative), name.strip()))
    top.sort(reverse=True)
    return modules, total, top[:6]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=20, help="timed runs of each command (default 20)")
    args = parser.parse_args()

    env = dict(os.environ)
    env.pop("PROMPTLS_DEBUG", None)
    # An installed package runs from its .pyc files; without them every module is compiled from
    # source on every start. Let the warm-up runs write them, whatever this shell says.
    no_pyc = env.pop("PYTHONDONTWRITEBYTECODE", None)
    python = sys.executable
    commands: list[tuple[str, list[str]]] = [
        ("python -c pass", [python, "-c", "pass"]),
        ("python -m promptls resolve AGENT", [python, "-m", "promptls", "resolve", AGENT]),
        ("python -m promptls check examples/", [python, "-m", "promptls", "check", "examples/"]),
    ]
    script = _console_script()
    if script:
        commands += [
            ("promptls resolve AGENT  (script)", [script, "resolve", AGENT]),
            ("promptls check examples/  (script)", [script, "check", "examples/"]),
        ]

    for _, argv in commands:  # warm the file cache and the .pyc files
        _run_once(argv, env)
    times: dict[str, list[float]] = {label: [] for label, _ in commands}
    for _ in range(args.runs):
        for label, argv in commands:
            times[label].append(_run_once(argv, env))

    floor = statistics.median(times["python -c pass"])
    floor_p90 = _percentile(times["python -c pass"], 0.9)
    print(f"interpreter: {python} (Python {sys.version.split()[0]})")
    print(f"console script: {script or 'not installed'}")
    if no_pyc:
        print("PYTHONDONTWRITEBYTECODE is set here: ignored for these runs, so .pyc files are used")
    print(f"AGENT = {AGENT}; {args.runs} runs each, round-robin, from {ROOT}\n")
    print(f"  {'command':<38}{'median ms':>10}{'p90 ms':>9}{'× pass':>8}{'p90 ×':>8}")
    worst = 0.0
    for label, _ in commands:
        median = statistics.median(times[label])
        p90 = _percentile(times[label], 0.9)
        ratio = median / floor
        if label != "python -c pass":
            worst = max(worst, ratio)
        print(f"  {label:<38}{median * 1000:>10.1f}{p90 * 1000:>9.1f}{ratio:>8.2f}{p90 / floor_p90:>8.2f}")
    verdict = "meets" if worst <= GOAL else "MISSES"
    print(f"\nworst median ratio: {worst:.2f}×  (goal ≤ {GOAL:g}× of `python -c pass`: {verdict} the goal)")

    print("\nmodules imported (python -X importtime):")
    clean = True
    for label, cmd in (("resolve", ["resolve", AGENT]), ("check", ["check", "examples/"])):
        modules, total_us, top = _imported(cmd, env)
        bad = sorted({m for m in modules for f in FORBIDDEN if m == f or m.startswith(f + ".")})
        clean = clean and not bad
        ours = sum(1 for m in modules if m.split(".")[0] == "promptls")
        print(
            f"  {label}: {len(modules)} modules ({ours} of promptls), {total_us / 1e3:.1f} ms"
        )
        print("    heaviest: " + ", ".join(f"{name} {us / 1000:.1f} ms" for us, name in top))
        print(f"    forbidden imported: {', '.join(bad) if bad else 'none'}")
    print(
        f"  ({', '.join(FORBIDDEN)} must never be imported on these paths: {'OK' if clean else 'VIOLATED'})"
    )


if __name__ == "__main__":
    main()
