"""Path globs of `[prompts."glob"]` and `[check] include/exclude`."""

from __future__ import annotations

import string

from hypothesis import given
from hypothesis import strategies as st
from promptls.router.base.pathglob import path_matches, specificity

segment = st.text(alphabet=string.ascii_lowercase + string.digits + "-_.", min_size=1, max_size=8).filter(
    lambda s: s not in (".", "..")
)
paths = st.lists(segment, min_size=1, max_size=4).map("/".join)


def test_star_stays_within_a_folder_and_double_star_crosses():
    assert path_matches("prompts/*.md", "prompts/a.md")
    assert not path_matches("prompts/*.md", "prompts/sub/a.md")
    assert path_matches("prompts/**/*.md", "prompts/sub/deep/a.md")
    assert path_matches("prompts/**/*.md", "prompts/a.md")
    assert path_matches("**/*.prompt", "a/b/c.prompt")


def test_a_pattern_without_slash_matches_the_file_name_anywhere():
    assert path_matches("*.prompt.md", ".github/prompts/review.prompt.md")
    assert not path_matches("*.prompt.md", ".github/prompts/review.md")


def test_character_classes_and_negated_classes():
    assert path_matches("v[0-9].md", "v1.md")
    assert not path_matches("v[!0-9].md", "v1.md")


@given(paths)
def test_a_literal_path_matches_itself(path):
    assert path_matches(path, path)


@given(paths)
def test_double_star_matches_every_path(path):
    assert path_matches("**", path)


@given(st.lists(segment, min_size=2, max_size=4))
def test_a_refined_glob_is_more_specific(parts):
    literal = "/".join(parts)
    wild = "/".join([*parts[:-1], "*"])
    assert path_matches(wild, literal)
    assert specificity(literal) > specificity(wild)


def test_brackets_read_as_git_reads_them_and_never_raise():
    from promptls.router.base.pathglob import path_matches

    assert path_matches("[z-a].md", "z.md")  # a reversed range is its first character
    assert not path_matches("[z-a].md", "m.md")
    assert path_matches("prompts/[[:alpha:]]*.md", "prompts/draft.md")
    assert not path_matches("prompts/[[:alpha:]]*.md", "prompts/1draft.md")
    assert not path_matches("prompts/[abc.md", "prompts/[abc.md")  # unclosed: matches nothing
    assert not path_matches("[[:nope:]]x", "ax")


def test_glob_problem_names_what_makes_a_glob_match_nothing_expected():
    from promptls.router.base.pathglob import glob_problem

    assert glob_problem("prompts/**/*.md") is None
    assert glob_problem("docs/[a-z]*.md") is None
    assert glob_problem("docs/[z-a]*.md") == "the range `z-a` is reversed: it matches only `z`"
    assert glob_problem("docs/[ab.md") == "a `[` is never closed, so `docs/[ab.md` matches nothing"
    assert glob_problem("[[:nope:]]") == "`[:nope:]` is no character class, so `[[:nope:]]` matches nothing"
