"""Run parameters: `--param key=value`, `PROMPTLS_<KEY>` and frontmatter values accepted and rejected
alike, with messages that say what is wrong."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from promptls.router.prompts.keyspec import PARAMETER_KEYS
from promptls.router.prompts.params import (
    ParamError,
    bounds_problem,
    parse_param,
    type_problem,
    valid_param_value,
)


@pytest.mark.parametrize(
    ("key", "text", "value"),
    [
        ("temperature", "0.2", 0.2),
        ("temperature", " 1 ", 1),  # whole numbers stay ints, as in YAML and TOML
        ("top_p", "1", 1),
        ("top_k", "40", 40),
        ("max_tokens", "4096", 4096),
        ("seed", "-7", -7),
        ("presence_penalty", "-1.5", -1.5),
        ("frequency_penalty", "2", 2),
        ("expected_output_tokens", "0", 0),
        ("stop", "END, ###,,", ["END", "###"]),
        ("reasoning_effort", "high", "high"),
    ],
)
def test_parse_param_each_kind(key, text, value):
    parsed = parse_param(key, text)
    assert parsed == value
    assert type(parsed) is type(value)
    assert valid_param_value(key, parsed)


@pytest.mark.parametrize(
    ("key", "text", "phrases"),
    [
        ("temperature", "hot", ["`temperature`", "must be a number", "'hot'"]),
        ("temperature", "2.5", ["between 0 and 2", "2.5"]),
        ("temperature", "nan", ["between 0 and 2", "nan"]),
        ("top_p", "-0.1", ["between 0 and 1"]),
        ("top_k", "3.5", ["`top_k`", "whole number", "'3.5'"]),
        ("top_k", "0", ["at least 1", "not 0"]),
        ("max_tokens", "", ["whole number"]),
        ("presence_penalty", "-3", ["between -2 and 2"]),
        ("reasoning_effort", "extreme", ["one of minimal, low, medium, high", "'extreme'"]),
        ("tempreature", "1", ["unknown parameter `tempreature`", "did you mean `temperature`?"]),
        ("colour", "1", ["unknown parameter `colour`", "known:", "temperature"]),
    ],
)
def test_parse_param_errors_say_what_is_wrong(key, text, phrases):
    error = parse_param(key, text)
    assert isinstance(error, ParamError)
    for phrase in phrases:
        assert phrase in error.message


@pytest.mark.parametrize(
    ("key", "value", "phrase"),
    [
        ("temperature", True, "must be a number, not true"),
        ("temperature", "0.2", "must be a number, not '0.2'"),
        ("max_tokens", 1.0, "must be an integer, not 1.0"),
        ("max_tokens", None, "not empty"),
        ("stop", [1, 2], "not a list"),
        ("stop", {"a": 1}, "not a dict"),
        ("reasoning_effort", 3, "must be a string, not 3"),
    ],
)
def test_wrong_types(key, value, phrase):
    problem = type_problem(key, value)
    assert problem is not None and phrase in problem
    assert f"`{key}`" in problem
    assert not valid_param_value(key, value)
    assert bounds_problem(key, value) is None  # a wrong type is not also out of range


def test_right_types():
    assert type_problem("temperature", 1) is None
    assert type_problem("stop", "END") is None
    assert type_problem("stop", ["a", "b"]) is None
    assert type_problem("nope", 1) is None
    assert not valid_param_value("nope", 1)


def test_a_models_own_limit_narrows_the_range():
    assert (
        bounds_problem("max_tokens", 5000, maximum=4096)
        == "`max_tokens` must be between 1 and 4096, not 5000"
    )
    assert bounds_problem("max_tokens", 4096, maximum=4096) is None


def test_every_parameter_key_parses_its_own_valid_text():
    samples = {"stop": "x", "reasoning_effort": "low"}
    for key in PARAMETER_KEYS:
        assert not isinstance(parse_param(key, samples.get(key, "1")), ParamError), key


# --- properties: bounds ------------------------------------------------------------------------

any_float = st.floats(allow_nan=True, allow_infinity=True)


@settings(max_examples=200)
@given(value=st.floats(min_value=0, max_value=2))
def test_every_temperature_in_0_to_2_is_valid(value):
    assert parse_param("temperature", repr(value)) == value
    assert valid_param_value("temperature", value)


@settings(max_examples=200)
@given(value=any_float.filter(lambda v: math.isnan(v) or not 0 <= v <= 2))
def test_every_temperature_outside_0_to_2_is_rejected_with_the_range(value):
    error = parse_param("temperature", repr(value))
    assert isinstance(error, ParamError)
    assert "between 0 and 2" in error.message
    assert not valid_param_value("temperature", value)


@settings(max_examples=200)
@given(value=st.floats(min_value=0, max_value=1))
def test_every_top_p_in_0_to_1_is_valid(value):
    assert parse_param("top_p", repr(value)) == value
    assert valid_param_value("top_p", value)


@settings(max_examples=200)
@given(value=any_float.filter(lambda v: math.isnan(v) or not 0 <= v <= 1))
def test_every_top_p_outside_0_to_1_is_rejected_with_the_range(value):
    error = parse_param("top_p", repr(value))
    assert isinstance(error, ParamError)
    assert "between 0 and 1" in error.message
    assert not valid_param_value("top_p", value)


@settings(max_examples=100)
@given(value=st.integers())
def test_integers_are_valid_temperatures_exactly_in_range(value):
    assert valid_param_value("temperature", value) == (0 <= value <= 2)
    assert valid_param_value("max_tokens", value) == (value >= 1)


@settings(max_examples=100)
@given(text=st.text(max_size=12))
def test_parse_param_never_raises(text):
    for key in ("temperature", "top_k", "stop", "reasoning_effort"):
        result = parse_param(key, text)
        assert isinstance(result, ParamError) or valid_param_value(key, result)
