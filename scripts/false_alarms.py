"""Measure what `promptls check` reports on public collections of prompt files.

    python scripts/false_alarms.py DIR [DIR...] [--json]

Each DIR is a checkout (or `git archive` copy) of a public repository that keeps agents, commands,
skills, prompts or plugins. For each one it prints how many prompt files promptls read, how many of
them have an error, and the findings by code. What the tool in question accepts and promptls calls an
error is a false alarm; the closing notes quote these figures, with what they were run on.

It runs the real `promptls` command (the one on PATH), as a user would.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import re
import subprocess
import sys

_SUMMARY = re.compile(r"(\d+) prompt files?, (\d+) settings files?")


def measure(folder: str) -> dict[str, object]:
    """The figures for one collection."""
    name = os.path.basename(os.path.normpath(folder))
    as_json = _check(folder, "json")
    findings = json.loads(as_json.stdout or "[]")
    text = _check(folder, "text")
    found = _SUMMARY.search(text.stdout)
    prompts = int(found.group(1)) if found else 0
    by_code = collections.Counter(f"{f['code']} {f['severity']}" for f in findings)
    with_error = {f["path"] for f in findings if f["severity"] == "error"}
    return {
        "collection": name,
        "prompt_files": prompts,
        "files_with_errors": len(with_error),
        "error_rate": round(len(with_error) / prompts, 4) if prompts else 0.0,
        "findings": len(findings),
        "by_code": dict(sorted(by_code.items())),
        "exit": as_json.returncode,
    }


def _check(folder: str, output_format: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["promptls", "check", folder, "--output-format", output_format, "--color", "never"],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("folders", nargs="+", metavar="DIR")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    rows = [measure(folder) for folder in args.folders]
    if args.json:
        json.dump(rows, sys.stdout, indent=2)
        print()
        return 0
    for row in rows:
        print(
            f"{row['collection']}: {row['prompt_files']} prompt files, {row['files_with_errors']} with an "
            f"error ({100 * float(row['error_rate']):.1f}%), {row['findings']} findings, exit {row['exit']}"
        )
        for code, count in row["by_code"].items():  # type: ignore[union-attr]
            print(f"    {count:5d}  {code}")
    total = sum(int(r["prompt_files"]) for r in rows)  # type: ignore[arg-type]
    errors = sum(int(r["files_with_errors"]) for r in rows)  # type: ignore[arg-type]
    if total:
        print(f"all: {total} prompt files, {errors} with an error ({100 * errors / total:.1f}%)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
