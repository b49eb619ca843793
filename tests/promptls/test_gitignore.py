"""promptls's `.gitignore` matcher agrees with pathspec's GitIgnoreSpec (the reference)."""

from __future__ import annotations

import pathspec
from hypothesis import example, given, settings
from hypothesis import strategies as st

from promptls.gitignore import GitIgnore

NAMES = ["a", "b", "ab", "x.md", "y.prompt", ".claude", "agents"]
# `[!a]` is left out: git's wildmatch never lets a bracket match `/`, pathspec does.
piece = st.sampled_from(["a", "b", "x", ".md", "*", "?", "**", "[ab]", ".claude", "agents"])
segment = st.lists(piece, min_size=1, max_size=3).map("".join)
# pathspec decides file by file, git (and promptls's walk) folder by folder; the two agree
# except on `!` rules that re-include something below an ignored folder, which git cannot do.
# So the generated rules have no `!`; negation has its own tests below.
pattern = st.builds(
    lambda lead, segs, trail: ("/" if lead else "") + "/".join(segs) + ("/" if trail else ""),
    st.booleans(),
    st.lists(segment, min_size=1, max_size=3),
    st.booleans(),
).filter(
    # Runs of 3+ stars: git reads them as `**`, pathspec does not. `x/**/` names only folders
    # below x for git; pathspec also counts the files in them.
    lambda p: "***" not in p and not p.endswith("**/")
)
path = st.lists(st.sampled_from(NAMES), min_size=1, max_size=4).map("/".join)


def visible(rules: GitIgnore, file_path: str) -> bool:
    """What the walk does: skip a file when it, or any folder above it, is ignored."""
    parts = file_path.split("/")
    for depth in range(1, len(parts)):
        if rules.match("/".join(parts[:depth]), True):
            return False
    return not rules.match(file_path, False)


@settings(max_examples=300, deadline=None)
@given(st.lists(pattern, min_size=1, max_size=4), path)
@example(["agents/"], "agents/x.md")
@example(["/a"], "b/a")
@example(["a/**/x.md"], "a/b/ab/x.md")
@example(["**/agents"], "a/agents/x.md")
def test_agrees_with_pathspec(lines, file_path):
    reference = pathspec.GitIgnoreSpec.from_lines(lines)
    expected = not reference.match_file(file_path)
    assert visible(GitIgnore(lines), file_path) == expected


def test_comments_blank_lines_and_escapes():
    rules = GitIgnore(["# comment", "", "\\#literal", "trailing   ", "\\!bang"])
    assert rules.match("#literal", False)
    assert rules.match("trailing", False)
    assert rules.match("!bang", False)
    assert rules.match("comment", False) is None


def test_directory_only_rules_do_not_match_files():
    rules = GitIgnore(["build/"])
    assert rules.match("build", True)
    assert rules.match("build", False) is None


def test_a_later_negation_re_includes_a_file():
    rules = GitIgnore(["*.md", "!x.md"])
    assert visible(rules, "a/x.md")
    assert not visible(rules, "a/ab.md")


def test_nothing_below_an_ignored_folder_comes_back():
    # git: "It is not possible to re-include a file if a parent directory of that file is
    # excluded." The walk never enters the folder.
    rules = GitIgnore(["agents/", "!agents/x.md"])
    assert not visible(rules, "agents/x.md")


def test_anchored_negation_re_includes_only_the_top_folder():
    rules = GitIgnore(["a/", "!/a"])
    assert visible(rules, "a/x.md")
    assert not visible(rules, "a/a/x.md")


def test_a_bracket_never_matches_a_slash():
    rules = GitIgnore(["a[!a]a"])
    assert rules.match("aba", False)
    assert rules.match("a/a", False) is None


def test_trailing_double_star_slash_names_only_folders():
    rules = GitIgnore(["a/**/"])
    assert visible(rules, "a/x.md")
    assert not visible(rules, "a/b/x.md")


BRACKET_CASES = [
    ("[z-a]*", ["z.md", "a.md", "m"]),  # a reversed range matches nothing, as git reads it
    ("[[:alpha:]]*.md", ["x.md", "1.md", "_.md"]),
    ("[[:digit:]][[:upper:]]", ["1A", "1a", "AA"]),
    ("[!a-c]", ["a", "d", "c"]),
    ("[]a]", ["]", "a", "b"]),
    ("[a-]x", ["ax", "-x", "bx"]),
    ("a[b", ["a[b", "ab"]),
    ("[[:nope:]]", ["n", ":"]),
]


def test_bracket_expressions_match_as_real_git_reads_them(tmp_path):
    """Ranges, negation, POSIX classes and broken brackets, against `git check-ignore` itself."""
    import subprocess

    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    for pattern, names in BRACKET_CASES:
        (tmp_path / ".gitignore").write_text(pattern + "\n")
        proc = subprocess.run(
            ["git", "check-ignore", "--no-index", "--stdin"],
            cwd=tmp_path,
            input="\n".join(names) + "\n",
            capture_output=True,
            text=True,
            timeout=30,
        )
        ignored_by_git = set(proc.stdout.split())
        rules = GitIgnore([pattern])
        ours = {name for name in names if rules.match(name, False)}
        assert ours == ignored_by_git, pattern
