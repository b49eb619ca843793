"""Routing profiles: `profile: NAME` picks a model by needs and preferred families."""

from __future__ import annotations

from promptls.router.models.catalog import load_catalog
from promptls.router.models.profiles import BUILTIN_PROFILES, pick_for_profile
from promptls.router.prompts.frontmatter import parse_prompt
from promptls.router.resolution.resolve import resolve
from promptls.router.settings import SettingsLoader

CATALOG = load_catalog()


def _resolve(tmp_path, frontmatter: str, settings: str = ""):
    (tmp_path / "promptls.toml").write_text(settings, encoding="utf-8")
    path = tmp_path / "prompts" / "p.md"
    path.parent.mkdir(exist_ok=True)
    text = f"---\n{frontmatter}---\nDo the thing.\n"
    path.write_text(text, encoding="utf-8")
    loader = SettingsLoader(user_config=str(tmp_path / "none.toml"))
    return resolve(parse_prompt(str(path), text), loader.for_prompt(str(path)), CATALOG)


def test_the_first_preferred_family_that_meets_the_needs_wins():
    pick = pick_for_profile(
        "x",
        {"min_context": 100_000, "capabilities": ["tools"], "prefer": ["no-such-family", "gpt-4o"]},
        CATALOG,
    )
    info = CATALOG.get(pick.model)
    assert info.family.startswith("gpt-4o")
    assert info.context_window >= 100_000 and "tools" in info.capabilities
    assert not info.deprecation_date
    assert "newest `gpt-4o` model with a context of at least 100,000 and tools" in pick.reason


def test_without_preferences_the_cheapest_priced_model_that_fits():
    pick = pick_for_profile("x", {"capabilities": ["vision"]}, CATALOG)
    chosen = CATALOG.get(pick.model)
    fitting = [
        m
        for m in CATALOG.search(capability="vision")
        if not m.deprecation_date and m.input_price is not None and m.output_price is not None
    ]
    assert chosen.input_price + chosen.output_price == min(m.input_price + m.output_price for m in fitting)


def test_needs_nothing_can_meet_leave_no_model_and_say_why(tmp_path):
    res = _resolve(tmp_path, "profile: huge\n", "[profiles.huge]\nmin_context = 999999999\n")
    assert res.model is None
    assert "profile `huge`" in res.problem and "relax what it needs" in res.problem


def test_a_profile_model_beats_picking_and_frontmatter_model_beats_the_profile(tmp_path):
    settings = '[profiles.code]\nmodel = "openai/gpt-4o-mini"\n'
    assert str(_resolve(tmp_path, "profile: code\n", settings).model) == "openai/gpt-4o-mini"
    res = _resolve(tmp_path, "model: openai/gpt-4o\nprofile: code\n", settings)
    assert str(res.model) == "openai/gpt-4o"


def test_built_in_profiles_resolve_without_settings(tmp_path):
    for name in BUILTIN_PROFILES:
        res = _resolve(tmp_path, f"profile: {name}\n")
        assert res.model is not None, name
        (chosen,) = [c for c in res.steps["model"] if c.chosen]
        assert chosen.source.label == f"built-in profile `{name}`"
