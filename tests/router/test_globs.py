"""Properties of router.models.families: matching, specificity, and the most specific pattern."""

from __future__ import annotations

import fnmatch

from hypothesis import given
from hypothesis import strategies as st
from promptls.router.models.families import glob_match, most_specific, specificity

# Characters that are literal in a pattern; ids use all of these.
LITERAL_ALPHABET = "abcdefghijklmnopqrstuvwxyzABCXYZ0123456789-._/:@"
literals = st.text(alphabet=LITERAL_ALPHABET, min_size=1, max_size=12)
texts = st.text(max_size=20)
# ASCII where a test compares with str.lower(): re's IGNORECASE folds a few non-ASCII letters
# (the Kelvin sign, dotless i) differently.
ascii_texts = st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=20)
tokens = st.one_of(
    st.sampled_from(["*", "?", "[abc]", "[!x]", "[a-z]", "[*]"]),
    st.sampled_from(list(LITERAL_ALPHABET)),
)
patterns = st.lists(tokens, max_size=10).map("".join)


@given(literals)
def test_a_literal_pattern_matches_exactly_itself(s):
    assert glob_match(s, s)
    assert glob_match(s, s.swapcase())
    assert not glob_match(s, s + "x")
    assert not glob_match(s, s[1:])


@given(literals, texts, texts)
def test_star_s_star_matches_any_text_containing_s(s, before, after):
    assert glob_match(f"*{s}*", before + s + after)


@given(literals, ascii_texts)
def test_star_s_star_matches_only_texts_containing_s(s, text):
    assert glob_match(f"*{s}*", text) == (s.lower() in text.lower())


def test_star_spans_slashes_and_colons():
    assert glob_match("*llama-3.3*", "openrouter/meta-llama/llama-3.3-70b-instruct:free")
    assert glob_match("ollama/*:7b", "ollama/qwen2.5-coder:7b")
    assert glob_match("openai/gpt-4?", "OpenAI/GPT-4o")
    assert glob_match("gpt-[45]o", "gpt-4o")
    assert not glob_match("gpt-[!4]o", "gpt-4o")


@given(patterns, ascii_texts)
def test_matching_agrees_with_fnmatch_ignoring_case(pattern, text):
    expected = fnmatch.fnmatchcase(text.lower(), pattern.lower())
    assert glob_match(pattern, text) == expected


@given(patterns.filter(lambda p: "*" in p), st.data())
def test_replacing_a_star_by_a_literal_is_more_specific(pattern, data):
    stars = [i for i, c in enumerate(pattern) if c == "*" and _is_bare_star(pattern, i)]
    if not stars:
        return
    i = data.draw(st.sampled_from(stars))
    literal = data.draw(literals)
    refined = pattern[:i] + literal + pattern[i + 1 :]
    assert specificity(refined) > specificity(pattern)


@given(patterns, patterns)
def test_distinct_patterns_never_tie(p, q):
    assert (specificity(p) == specificity(q)) == (p == q)


@given(st.lists(patterns, max_size=8), texts)
def test_most_specific_matches_and_nothing_matching_is_more_specific(candidates, text):
    best = most_specific(candidates, text)
    matching = [p for p in candidates if glob_match(p, text)]
    if not matching:
        assert best is None
        return
    assert best in matching
    assert all(specificity(p) <= specificity(best) for p in matching)


@given(st.lists(patterns, max_size=8), texts, st.randoms(use_true_random=False))
def test_most_specific_does_not_depend_on_order(candidates, text, rnd):
    shuffled = list(candidates)
    rnd.shuffle(shuffled)
    assert most_specific(shuffled, text) == most_specific(candidates, text)
    assert most_specific(reversed(candidates), text) == most_specific(candidates, text)


def test_family_style_patterns_pick_the_precise_family():
    families = ["*claude-*", "*claude-sonnet-4*", "*gpt-4o*", "*gpt-4o-mini*", "*gemini-*"]
    assert most_specific(families, "anthropic/claude-sonnet-4-5") == "*claude-sonnet-4*"
    assert most_specific(families, "anthropic/claude-opus-4-1") == "*claude-*"
    assert most_specific(families, "openai/gpt-4o-mini-2024-07-18") == "*gpt-4o-mini*"
    assert most_specific(families, "gemini/gemma-3-27b-it") is None


def _is_bare_star(pattern: str, index: int) -> bool:
    """True when the `*` at `index` is a wildcard, not inside a `[...]` class."""
    depth_open = pattern.rfind("[", 0, index)
    return depth_open == -1 or pattern.rfind("]", depth_open + 1, index) != -1
