"""How fast `promptls check` gets through a large workspace, against reading + YAML-parsing the files.

Generates a workspace of 10,000 prompt files (every dialect, ~8 frontmatter keys, ~30-line bodies,
a promptls.toml) in a temporary folder, then times, each as a whole process:

- `python -m promptls check DIR` (walk, .gitignore, parse with spans, settings, resolve, checks);
- a baseline that walks the same folder, reads every prompt file and parses its frontmatter with
  PyYAML's C loader (`yaml.load(..., Loader=yaml.CSafeLoader)`), and nothing else.

Prints files/s of both and their ratio. Goal: promptls check ≤ 2× the baseline's time.

    python bench/workspace.py [--files 10000] [--runs 3] [--keep DIR]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

GOAL = 2.0

PROMPTLS_TOML = """\
[defaults]
model = "openai/gpt-4o-mini"
fallback = ["openrouter/deepseek/deepseek-chat", "ollama/llama3.2"]
temperature = 0.3

[agents.agent-0030]
model = "ollama/qwen2.5-coder"
temperature = 0.1

[commands."team-10:command-0050"]
model = "openrouter/meta-llama/llama-3.3-70b-instruct:free"

[prompts."prompts/**/*.md"]
max_tokens = 1024

[models."ollama/qwen2.5-coder"]
options = { num_ctx = 32768 }

[check]
exclude = ["drafts/**"]
"""

WORDS = " ".join(
    (
        "review the change carefully and report every bug you find with its file and line number",
        "explain why it matters to the user then suggest the smallest fix that keeps the tests green",
        "prefer short sentences and concrete examples over general advice never invent an API",
    )
).split()

# (share of the files, dialect) — roughly what a large monorepo of prompts holds.
MIX = (
    (0.30, "generic"),
    (0.20, "claude-agent"),
    (0.15, "claude-command"),
    (0.05, "claude-skill"),
    (0.15, "copilot-prompt"),
    (0.05, "copilot-agent"),
    (0.10, "dotprompt"),
)


def _body(rng: random.Random, lines: int = 30) -> str:
    out = []
    for i in range(lines):
        if i % 10 == 0:
            out.append(f"## Step {i // 10 + 1}")
        elif i % 10 == 9:
            out.append("")
        else:
            out.append(" ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 16))).capitalize() + ".")
    out.append("Input: {{input}}")
    return "\n".join(out) + "\n"


def _frontmatter(dialect: str, i: int, rng: random.Random) -> tuple[str, str]:
    """(relative path, frontmatter lines) of file number `i` in `dialect`."""
    team = f"team-{i % 40:02d}"
    if dialect == "generic":
        models = ("openai/gpt-4o", "anthropic/claude-haiku-4-5", "ollama/llama3.2", "gemini/gemini-2.5-flash")
        model = "openai/gpt-4oo" if i % 97 == 0 else rng.choice(models)  # about 1% with a typo
        return f"prompts/{team}/prompt-{i:04d}.md", (
            f"name: prompt-{i:04d}\n"
            f"description: Generic prompt {i} for the {team} team\n"
            f"model: {model}\n"
            "temperature: 0.2\n"
            "max_tokens: 800\n"
            "tags: [review, quality]\n"
            f"author: {team}\n"
            "version: 1.2\n"
        )
    if dialect == "claude-agent":
        return f".claude/agents/agent-{i:04d}.md", (
            f"name: agent-{i:04d}\n"
            f"description: Reviews changes for the {team} team. Use after every change.\n"
            "tools: Read, Grep, Glob, Bash\n"
            f"model: {rng.choice(('sonnet', 'haiku', 'opus', 'inherit'))}\n"
            f"{'colour' if i % 89 == 0 else 'color'}: blue\n"
            "permissionMode: default\n"
            "maxTurns: 20\n"
            "skills: [changelog]\n"
        )
    if dialect == "claude-command":
        return f".claude/commands/{team}/command-{i:04d}.md", (
            f"description: Command {i} of the {team} team\n"
            "argument-hint: [ticket-id]\n"
            "allowed-tools: Bash(git diff:*), Bash(git log:*), Read\n"
            f"model: {rng.choice(('sonnet', 'haiku'))}\n"
            "disable-model-invocation: false\n"
            "# owner: the team that maintains it\n"
            f"# reviewed: 2025-{1 + i % 12:02d}-01\n"
            "# keep the subject under 50 characters\n"
        )
    if dialect == "claude-skill":
        return f".claude/skills/skill-{i:04d}/SKILL.md", (
            f"name: skill-{i:04d}\n"
            f"description: Skill {i} turns merged pull requests into a changelog entry.\n"
            "allowed-tools: Read, Bash\n"
            "model: haiku\n"
            "license: MIT\n"
            "user-invocable: true\n"
            f"metadata: {{owner: {team}, tier: light}}\n"
            "argument-hint: [version]\n"
        )
    if dialect == "copilot-prompt":
        return f".github/prompts/{team}/prompt-{i:04d}.prompt.md", (
            f"name: prompt-{i:04d}\n"
            f"description: Explain code for the {team} team\n"
            "agent: ask\n"
            f"model: {rng.choice(('GPT-4o', 'GPT-4.1', 'Claude Sonnet 4'))}\n"
            "tools: ['codebase', 'search']\n"
            "argument-hint: the code to explain\n"
            "# shown in the / menu\n"
            "# keep it short\n"
        )
    if dialect == "copilot-agent":
        return f".github/agents/agent-{i:04d}.agent.md", (
            f"name: planner-{i:04d}\n"
            "description: Plans a feature before any code is written\n"
            "tools: ['codebase', 'search', 'fetch']\n"
            "model: GPT-4.1\n"
            "target: vscode\n"
            "infer: true\n"
            "argument-hint: the feature to plan\n"
            "user-invokable: true\n"
        )
    return f"dotprompt/{team}/summarize-{i:04d}.prompt", (
        f"name: summarize-{i:04d}\n"
        "model: googleai/gemini-2.5-flash\n"
        "config:\n  temperature: 0.4\n  maxOutputTokens: 400\n"
        "input:\n  schema:\n    text: string\n"
        "output:\n  format: text\n"
        "version: '3'\n"
        f"description: Summaries for {team}\n"
    )


def generate(root: str, count: int, seed: int = 7) -> dict[str, int]:
    rng = random.Random(seed)
    with open(os.path.join(root, "promptls.toml"), "w", encoding="utf-8") as handle:
        handle.write(PROMPTLS_TOML)
    with open(os.path.join(root, ".gitignore"), "w", encoding="utf-8") as handle:
        handle.write("node_modules/\n*.tmp.md\n")
    counts: dict[str, int] = {}
    dialects = [d for share, d in MIX for _ in range(round(share * 100))]
    for i in range(count):
        dialect = dialects[i % len(dialects)]
        rel, keys = _frontmatter(dialect, i, rng)
        path = os.path.join(root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(f"---\n{keys}---\n{_body(rng)}")
        counts[dialect] = counts.get(dialect, 0) + 1
    return counts


BASELINE = r"""
import os, sys, time, yaml
start = time.perf_counter()
root, parsed = sys.argv[1], 0
for folder, dirs, files in os.walk(root):
    dirs.sort()
    for name in sorted(files):
        if not name.endswith((".md", ".prompt")):
            continue
        with open(os.path.join(folder, name), encoding="utf-8") as handle:
            text = handle.read()
        if text.startswith("---\n"):
            end = text.find("\n---", 4)
            try:
                yaml.load(text[4:end], Loader=yaml.CSafeLoader)
                parsed += 1
            except yaml.YAMLError:
                pass
print(parsed, time.perf_counter() - start)
"""


# As installed, promptls runs from .pyc files: let the warm-up run write them whatever the shell says.
ENV = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "PROMPTLS_DEBUG")}


def timed(argv: list[str], **env: str) -> tuple[float, subprocess.CompletedProcess]:
    start = time.perf_counter()
    proc = subprocess.run(argv, capture_output=True, text=True, env={**ENV, **env})
    return time.perf_counter() - start, proc


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--files", type=int, default=10_000, help="prompt files to generate (default 10000)")
    parser.add_argument("--runs", type=int, default=3, help="timed runs of each command (default 3)")
    parser.add_argument("--keep", metavar="DIR", help="generate into DIR and keep it (default: a temp dir)")
    args = parser.parse_args()

    root = args.keep or tempfile.mkdtemp(prefix="promptls-bench-")
    os.makedirs(root, exist_ok=True)
    try:
        start = time.perf_counter()
        counts = generate(root, args.files)
        print(f"generated {args.files:,} prompt files in {time.perf_counter() - start:.1f} s under {root}")
        print("  " + ", ".join(f"{d} {n:,}" for d, n in counts.items()))

        promptls = [sys.executable, "-m", "promptls", "check", "--output-format", "json", root]
        baseline = [sys.executable, "-c", BASELINE, root]
        timed(promptls)  # warm the OS file cache and .pyc files once
        check_times, single_times, base_times, inner = [], [], [], []
        for _ in range(args.runs):
            seconds, proc = timed(promptls)
            check_times.append(seconds)
            if proc.returncode == 2:
                sys.exit(f"promptls check failed:\n{proc.stderr}")
            seconds, _ = timed(promptls, PROMPTLS_JOBS="1")
            single_times.append(seconds)
            seconds, base = timed(baseline)
            base_times.append(seconds)
            parsed, loop = base.stdout.split()
            inner.append(float(loop))
        import json

        findings = json.loads(proc.stdout)
        by_code: dict[str, int] = {}
        for finding in findings:
            by_code[finding["code"]] = by_code.get(finding["code"], 0) + 1

        check_s, base_s = statistics.median(check_times), statistics.median(base_times)
        ratio = check_s / base_s
        n = args.files
        print(f"\nmedian of {args.runs} runs, whole processes, {sys.executable}")
        print(f"  {'':<34}{'seconds':>9}{'files/s':>10}")
        cores = os.cpu_count() or 1
        print(f"  {f'promptls check ({cores} cores)':<34}{check_s:>9.2f}{n / check_s:>10,.0f}")
        single_s = statistics.median(single_times)
        print(f"  {'promptls check (PROMPTLS_JOBS=1)':<34}{single_s:>9.2f}{n / single_s:>10,.0f}")
        print(f"  {'baseline: read + yaml CSafeLoader':<34}{base_s:>9.2f}{n / base_s:>10,.0f}")
        loop_s = statistics.median(inner)
        print(f"  {'  (baseline loop alone)':<34}{loop_s:>9.2f}{n / loop_s:>10,.0f}")
        print(f"  baseline parsed {int(parsed):,} frontmatters")
        print(
            f"  promptls reported {len(findings):,} findings: "
            + (", ".join(f"{c} {k:,}" for c, k in sorted(by_code.items())) or "none")
        )
        verdict = "meets" if ratio <= GOAL else "MISSES"
        print(f"\nratio promptls/baseline: {ratio:.2f}×  (goal ≤ {GOAL:g}×: {verdict} the goal)")
        print(f"ratio on one core:       {single_s / base_s:.2f}×  (the baseline uses one core)")
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
