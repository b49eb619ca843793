"""Hostile YAML in a prompt's frontmatter costs what its text costs: aliases are not re-walked per
reference, an alias bomb is a finding, duplicate keys are found in linear time.

Each case runs the real command under a memory limit and a timeout (tests/hostile/limited.py), so a
regression fails the test instead of hanging the suite.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from promptls.router.prompts.frontmatter import MAX_EXPANDED_VALUES, expanded_size, parse_prompt

LIMITED = [sys.executable, str(Path(__file__).with_name("limited.py")), "400"]


def alias_bomb(levels: int = 8, width: int = 9) -> str:
    """Nested anchors and aliases: under 1 KB of text that stands for width**levels values."""
    lines = ["---", "model: openai/gpt-4o-mini", "a0: &a0 {k: v}"]
    for level in range(1, levels + 1):
        refs = ", ".join(f"x{j}: *a{level - 1}" for j in range(width))
        lines.append(f"a{level}: &a{level} {{{refs}}}")
    return "\n".join([*lines, "---", "Hello", ""])


def test_an_alias_bomb_is_one_finding_for_check_and_resolve(run_promptls, tmp_path):
    prompt = tmp_path / "prompts" / "bomb.md"
    prompt.parent.mkdir()
    prompt.write_text(alias_bomb())
    assert len(prompt.read_bytes()) < 1000

    proc = run_promptls("check", "--output-format", "json", ".", cwd=tmp_path, command=LIMITED)
    found = [(f["path"], f["location"]["line"], f["code"]) for f in json.loads(proc.stdout)]
    assert found == [("prompts/bomb.md", 2, "PLS101")]
    assert "alias" in json.loads(proc.stdout)[0]["message"]
    assert proc.returncode == 1

    proc = run_promptls("resolve", "prompts/bomb.md", cwd=tmp_path, command=LIMITED)
    assert proc.returncode == 1  # the frontmatter's model is not read from a bomb
    assert proc.stdout.startswith("prompts/bomb.md")


def test_an_alias_bomb_under_the_budget_still_parses_once_per_node():
    text = alias_bomb(levels=4, width=9)  # 9**4 = 6,561 values: allowed, and each node walked once
    prompt = parse_prompt("prompts/p.md", text)
    assert [p.code for p in prompt.problems] == []
    a4 = prompt.get("a4")
    assert a4 is not None
    # Every alias of a3 reuses the entries made at the anchor: one tuple, not nine copies.
    assert len({id(child.children) for child in a4.children}) == 1


def test_ten_thousand_duplicate_keys_are_reported_in_linear_time(run_promptls, tmp_path):
    prompt = tmp_path / "prompts" / "dups.md"
    prompt.parent.mkdir()
    prompt.write_text("---\nmodel: openai/gpt-4o-mini\n" + "x: 1\n" * 10_000 + "---\nHi\n")
    proc = run_promptls("check", "--output-format", "json", ".", cwd=tmp_path, command=LIMITED)
    codes = [f["code"] for f in json.loads(proc.stdout)]
    assert codes.count("PLS103") == 9_999


def flat_yaml_with_aliases(draw) -> str:
    """Random frontmatter: scalars, flow and block collections, anchors, and aliases to earlier
    anchors, nested at random."""
    anchors: list[str] = []

    def value(depth: int) -> str:
        choice = draw(st.integers(0, 5 if depth < 4 else 1))
        if choice == 0 or (choice == 5 and not anchors):
            return draw(st.sampled_from(["1", "x", "'q'", "true", "null", "2.5"]))
        if choice == 1 and anchors:
            return "*" + draw(st.sampled_from(anchors))
        if choice in (2, 3):
            items = [value(depth + 1) for _ in range(draw(st.integers(0, 6)))]
            name = f"n{len(anchors)}"
            body = (
                "[" + ", ".join(items) + "]"
                if choice == 2
                else "{" + ", ".join(f"k{i}: {v}" for i, v in enumerate(items)) + "}"
            )
            anchors.append(name)
            return f"&{name} {body}"
        return "*" + draw(st.sampled_from(anchors)) if anchors else "0"

    lines = [f"key{i}: {value(0)}" for i in range(draw(st.integers(1, 12)))]
    return "---\n" + "\n".join(lines) + "\n---\nbody\n"


@settings(max_examples=150, deadline=2000, suppress_health_check=[HealthCheck.too_slow])
@given(st.composite(flat_yaml_with_aliases)())
def test_random_anchors_and_aliases_cost_what_their_text_costs(text):
    prompt = parse_prompt("prompts/p.md", text)
    # The entries made are bounded by the text: each mapping's entries exist once, however many
    # aliases point at it.
    made: set[int] = set()
    stack = list(prompt.entries)
    while stack:
        entry = stack.pop()
        if id(entry) in made:
            continue
        made.add(id(entry))
        stack.extend(entry.children)
    assert len(made) <= text.count(":")
    if not prompt.problems:
        assert prompt.entries


def test_expanded_size_counts_aliases_without_walking_them():
    import yaml

    node = yaml.compose(alias_bomb(levels=30, width=9).split("---")[1])
    # (no `node` in the assertion: pytest would print its repr, which walks every alias)
    expanded, distinct = expanded_size(node)
    assert expanded == MAX_EXPANDED_VALUES + 1
    # the root; `model:` and its value; `a0:`, its mapping, `k`, `v`; per level: its key, its mapping and
    # nine keys (the aliases are the anchor's nodes, not new ones)
    assert distinct == 1 + 2 + 4 + 30 * 11


def test_a_huge_frontmatter_without_aliases_is_not_called_an_alias_bomb():
    text = "---\n" + "".join(f"k{i}: 1\n" for i in range(30_000)) + "---\nHi\n"
    (problem,) = parse_prompt("prompts/p.md", text).problems
    assert problem.code == "PLS101"
    assert problem.message == (
        "the frontmatter holds more than 50,000 values, more than promptls reads; "
        "move the data out of the frontmatter"
    )


def test_a_huge_value_does_not_make_a_huge_message(run_promptls, tmp_path):
    prompt = tmp_path / "prompts" / "long.md"
    prompt.parent.mkdir()
    prompt.write_text("---\nmodel: openai/" + "x" * 500_000 + "\n---\nHi\n")
    proc = run_promptls("check", "--output-format", "json", ".", cwd=tmp_path, command=LIMITED)
    (finding,) = json.loads(proc.stdout)
    assert finding["code"] == "PLS203"
    assert len(finding["message"]) <= 400
    assert " […] " in finding["message"]
