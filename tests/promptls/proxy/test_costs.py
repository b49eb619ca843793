"""`promptls costs --by agent` and `--by client` over a ledger holding `promptls run` runs and proxy
requests (written with the ledger's own API, read back by the real command)."""

from __future__ import annotations

import json
from pathlib import Path

from promptls.ledger import open_ledger


def fill(path: Path) -> None:
    with open_ledger(str(path)) as ledger:
        rows = [
            # (prompt name, dialect, client, agent, tokens in, out, cost)
            ("reviewer", "claude-agent", None, None, 1000, 100, 0.01),  # promptls run of an agent file
            ("release-notes", "generic", None, None, 500, 50, 0.002),  # promptls run of a prompt
            ("reviewer", "claude-agent", "Claude Code", "reviewer", 3000, 300, 0.03),  # a sub-agent
            (None, None, "Claude Code", None, 9000, 900, None),  # a main request, price unknown
            (None, None, "OpenAI Python SDK", None, 200, 20, 0.0),
        ]
        for name, dialect, client, agent, tokens_in, tokens_out, cost in rows:
            run = ledger.start_run(
                prompt_path=None,
                prompt_name=name,
                dialect=dialect,
                requested_model="claude-opus-4-8",
                client=client,
                agent=agent,
            )
            ledger.finish_run(
                run,
                outcome="ok",
                used_model="ollama/qwen2.5-coder",
                input_tokens=tokens_in,
                output_tokens=tokens_out,
                cost_usd=cost,
                fallbacks=0,
            )


def test_costs_by_agent_and_by_client(tmp_path: Path, run_promptls, ledger_path: Path):
    fill(ledger_path)
    by_agent = run_promptls("costs", "--by", "agent", "--json", cwd=tmp_path)
    rows = {row["agent"]: row for row in json.loads(by_agent.stdout)["rows"]}
    assert rows["reviewer"]["runs"] == 2 and rows["reviewer"]["input_tokens"] == 4000
    assert rows["reviewer"]["cost_usd"] == 0.04
    assert rows["(no agent)"]["runs"] == 3 and rows["(no agent)"]["unknown_cost_runs"] == 1
    by_client = run_promptls("costs", "--by", "client", cwd=tmp_path, env={"NO_COLOR": "1"})
    lines = [line.split() for line in by_client.stdout.splitlines()]
    assert ["CLIENT", "RUNS", "OK", "FAILED", "TOKENS", "IN", "TOKENS", "OUT", "COST"] in lines
    claude = next(line for line in lines if line[:2] == ["Claude", "Code"])
    assert claude[2:7] == ["2", "2", "0", "12,000", "1,200"]
    assert claude[7:] == ["$0.0300", "+", "1", "unknown"]
    assert next(line for line in lines if line[:2] == ["(promptls", "run)"])[2] == "2"
    assert next(line for line in lines if line[:3] == ["OpenAI", "Python", "SDK"])[3] == "1"
